/* Inside the agent: what one /proc scan reads of a process, shared by the agent's files. */
#ifndef PP_FINGERPRINT_AGENT_PRIV_H
#define PP_FINGERPRINT_AGENT_PRIV_H

#include <powprint/agent.h>

#include <stdbool.h>
#include <sys/types.h>

#define PF_KTHREAD_FLAG 0x00200000u  /* /proc/PID/stat flags: a kernel thread */

/* The fields of /proc/PID/stat a scan needs. */
struct agent_stat {
	pid_t pid, ppid;
	char state;
	char comm[32];
	unsigned flags;
	unsigned long long cpu_ticks;    /* utime + stime of all threads, clock ticks */
	unsigned long long start_ticks;  /* since boot, clock ticks */
};

/* Parses /proc/PID/stat; -ESRCH when the process is gone, -EBADMSG if unparsable. */
int agent_stat_read(pid_t pid, struct agent_stat *st);

/* The cgroup v2 path of pid ("/system.slice/x.service"), "" when unknown. */
void agent_cgroup_read(pid_t pid, char *out, size_t len);

/* Whether cgroup path `path` is `root` or below it. */
bool agent_cgroup_under(const char *path, const char *root);

/* Seconds since boot, from CLOCK_BOOTTIME (the clock of starttime). */
double agent_uptime_s(void);

/* For the metrics (agent.c): calls fn for every flagged process with its last p(miner). */
int agent_flagged_each(const struct pp_agent *a,
		       void (*fn)(void *arg, const struct pp_agent_proc *id, double p), void *arg);
const struct pp_agent_opts *agent_opts(const struct pp_agent *a);
const struct pp_model *agent_model(const struct pp_agent *a);

#endif
