/* Inside the agent: the agent and its per-process state, shared by agent.c (lifecycle, scan,
 * schedule, windows) and judge.c (smoothing, alerts, actions), and what one /proc scan reads
 * of a process. */
#ifndef PP_FINGERPRINT_AGENT_PRIV_H
#define PP_FINGERPRINT_AGENT_PRIV_H

#include <powprint/agent.h>
#include <powprint/collect.h>
#include <powprint/model.h>

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
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

#define AGENT_NBUCKETS 4096
#define AGENT_MAX_ALLOW 32
#define AGENT_MAX_WARNED 32       /* distinct collector warnings told per run */

/* One --allow entry (allow.c): an executable file, pinned by device and inode when the agent
 * started, or a cgroup and everything below it. */
struct agent_allow {
	enum { ALLOW_EXE, ALLOW_CGROUP } kind;
	char path[512];            /* the executable's resolved path, or the cgroup v2 path */
	dev_t dev;
	ino_t ino;
};

enum pstate { P_IDLE = 0, P_WAITING, P_MONITORED, P_BLOCKED };

/* A process the scan has seen, in a hash chain of struct pp_agent. */
struct proc {
	struct proc *next;         /* hash chain */
	pid_t pid;
	unsigned long long start_ticks, cpu_ticks;
	double cpu_pct;            /* % of one core over the last scan interval */
	uint64_t seen_scan;
	bool kthread;
	char comm[32];
	enum pstate st;
	struct pp_collector *col;
	struct pp_kofn *kofn;
	uint64_t attach_tick, wait_since, turn_windows;
	uint64_t windows_seen, windows_flagged;
	int idle_windows;
	bool flagged, warned;
	bool has_verdict;
	struct pp_verdict last;
	struct pp_round_tally round;  /* the rounding-mode rule's evidence since attaching */
	struct pp_agent_proc id;   /* read at attach; refreshed for events */
	int pidfd;                 /* with --action, while monitored: -1 when none */
};

struct pp_agent {
	struct pp_agent_opts o;
	struct pp_model *m;
	char backends[256];
	bool ebpf;                 /* the ebpf backend works here: the rounding-mode rule's evidence */
	struct agent_allow allow[AGENT_MAX_ALLOW];
	int nallow;
	char cgroup[512];
	pid_t *pids;
	struct proc *bucket[AGENT_NBUCKETS];
	int nprocs;
	uint64_t tick, scan;
	double last_scan_mono;
	long clk_tck;
	pid_t self;
	uint64_t fd_backoff_until;
	int nf;
	struct pp_ip_cache *ipc;   /* shared by every collector */
	/* This tick's classified windows, predicted together: one model call, not one each. */
	struct proc **batch;
	double *rows;              /* nf per batch entry */
	double *p_miner;
	bool *fired;               /* the rounding-mode rule fired for the batch entry */
	int batch_cap;
	struct pp_agent_stats st;
	uint64_t warned[AGENT_MAX_WARNED]; /* collector warnings already told (agent_collector_warn) */
	int nwarned;
	struct pp_window w;        /* large: one, reused */
};

/* Judging and acting (judge.c). */

/* Stamps ev (time, smoothing, model) and hands it to the event callback. */
void agent_emit(struct pp_agent *a, struct pp_agent_event *ev);
/* A warning event about p (or the agent when p is NULL). */
void agent_warn(struct pp_agent *a, struct proc *p, const char *kind, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
/* When p is flagged: the cleared event with reason, and p is no longer flagged. */
void agent_clear(struct pp_agent *a, struct proc *p, const char *reason);
/* A collector's warning (a pp_warn_fn on the agent): once per run for what it says, whatever
 * the process (numbers aside), so a missing permission is told once, not per target. */
void agent_collector_warn(void *agent, const char *msg);
/* Predicts the tick's n batched windows and judges each: k-of-n smoothing, alerts, clears,
 * actions. */
void agent_judge_batch(struct pp_agent *a, int n);

/* The allowlist (allow.c). */

/* Parses --allow's comma-separated entries ("exe:/path", "/path", "cgroup:/path") into out:
 * -EINVAL with why for a name, a glob or a missing file. */
int agent_allow_parse(const char *list, struct agent_allow *out, int max, int *n, char *why,
		      size_t len);
/* The entry that covers process id (its exe path and the inode it runs now, or its cgroup
 * now), or NULL. */
const struct agent_allow *agent_allow_match(const struct agent_allow *al, int n,
					    const struct pp_agent_proc *id);
/* Whether the kernel marks s a kernel thread (whatever its name). */
bool agent_is_kthread(const struct agent_stat *s);

/* Signals (signal.c). */

/* A pidfd on pid, checked to be the process that started at start_ticks: the descriptor,
 * -ESRCH when pid names another process or none, -ENOSYS before Linux 5.3. */
int agent_pidfd_open(pid_t pid, unsigned long long start_ticks);
/* Sends sig through pidfd, or when pidfd < 0 with kill() after checking the start time. */
int agent_signal(pid_t pid, unsigned long long start_ticks, int pidfd, int sig);

/* /proc (proc.c). */

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

/* Text a process chose, made safe for an output (text.c). */

/* The length of the valid UTF-8 sequence at s (1 to 4 bytes; 1 for ASCII and the NUL), or 0
 * when the byte at s starts none (overlong, surrogate, past U+10FFFF, cut short). */
size_t agent_utf8_seq(const char *s);
/* s as valid UTF-8 (pp_agent_text_utf8) in a new string; NULL when out of memory. */
char *agent_text_dup_utf8(const char *s);
/* Writes v as a quoted Prometheus label value: \\, \" and \n escaped, other controls and
 * invalid UTF-8 as U+FFFD. */
void agent_label_write(FILE *f, const char *v);
/* A JSON text (taken, freed) with DEL, C1 controls and U+2028/U+2029 written as \u escapes,
 * which cJSON leaves raw; NULL when out of memory. */
char *agent_json_escape_controls(char *json);
const struct pp_model *agent_model(const struct pp_agent *a);

#endif
