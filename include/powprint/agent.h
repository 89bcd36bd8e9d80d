/* The detection agent behind `powprint watch`: scans /proc every interval, attaches the
 * collectors to processes that use enough CPU (at most max_targets at once, rotating fairly
 * through the rest), classifies one window per monitored process per interval, smooths the
 * verdicts k of n, and reports alerts, cleared events and actions through a callback.
 * Processes are tracked by (pid, start time), so a reused pid is a new process.
 *
 * The agent is single-threaded: the caller drives it with pp_agent_tick() once per interval.
 * pp_metrics_server serves a Prometheus text snapshot the caller refreshes after each tick
 * (pp_agent_metrics()) from libmicrohttpd's own thread. docs/agent.md describes the events,
 * the metrics and the rotation rules. */
#ifndef POWPRINT_AGENT_H
#define POWPRINT_AGENT_H

#include <powprint/collect.h>
#include <powprint/model.h>
#include <powprint/opts.h>

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define PP_AGENT_MIN_CPU_DEFAULT 10.0  /* % of one core: a miner throttled to 20% qualifies */
#define PP_AGENT_MAX_TARGETS_DEFAULT 64
#define PP_AGENT_MAX_PIDS 256

enum pp_agent_action { PP_ACTION_NONE = 0, PP_ACTION_STOP, PP_ACTION_KILL };

/* "none", "stop", "kill"; and back (-EINVAL for anything else). */
const char *pp_agent_action_name(enum pp_agent_action a);
int pp_agent_action_parse(const char *s, enum pp_agent_action *out);

enum pp_agent_event_type {
	PP_EV_ALERT = 0,           /* the smoothed verdict turned miner */
	PP_EV_CLEARED,             /* a flagged process exited, went idle or turned benign */
	PP_EV_ACTION,              /* --action was applied (or refused: result says why) */
	PP_EV_WARNING,             /* something degraded: permissions, fds, a vanished target */
};

/* Who a process is, read from /proc when the event is made. */
struct pp_agent_proc {
	pid_t pid, ppid;
	uid_t uid;
	unsigned long long start_ticks;   /* /proc/PID/stat starttime: (pid, start) is unique */
	char comm[32];
	char exe[512];             /* "" when unreadable (kernel thread, permissions) */
	char cmdline[1024];        /* arguments joined by spaces, truncated */
	char cgroup[512];          /* cgroup v2 path ("" when unknown) */
	char container_id[80];     /* a 64-hex container id found in the cgroup path, or "" */
};

struct pp_agent_event {
	enum pp_agent_event_type type;
	double time_unix;
	const struct pp_agent_proc *proc;  /* NULL for warnings not about one process */
	/* alert and cleared: the last window's verdict, windows classified and flagged */
	const struct pp_verdict *verdict;
	const struct pp_model *model;      /* for feature names of verdict->top */
	uint64_t windows_seen, windows_flagged;
	int smooth_k, smooth_n;
	const char *reason;        /* cleared: "exited", "benign", "idle", "stopped";
				    * warning: its kind ("permission", "fds", ...) */
	const char *action;        /* action: "stop" or "kill" */
	int action_err;            /* action: 0 done, else the negative errno */
	const char *message;       /* a sentence for a person (warnings, refused actions) */
};

typedef void (*pp_agent_event_fn)(void *arg, const struct pp_agent_event *ev);

struct pp_agent_opts {
	size_t sz;
	unsigned interval_ms;      /* 0 = 1000 */
	double min_cpu_pct;        /* attach above this % of one core; 0 = the default */
	int max_targets;           /* 0 = PP_AGENT_MAX_TARGETS_DEFAULT */
	const pid_t *pids;         /* watch only these (and nothing else); NULL = all */
	int npids;
	const char *cgroup;        /* watch only processes in this cgroup (v2 path, or under
				    * /sys/fs/cgroup), and its descendants; NULL = all */
	int smooth_k, smooth_n;    /* 0 = 3 of 5 */
	enum pp_agent_action action;
	const char *allow;         /* comma-separated globs: executables never acted on */
	const char *backends;      /* NULL = the model's backends */
	unsigned sample_hz;        /* ip-sample rate; 0 = the collector default */
	pp_agent_event_fn event;
	void *event_arg;
};

struct pp_agent;

/* Creates an agent that uses model m (not owned: keep it alive, or swap it with
 * pp_agent_set_model). -EINVAL with why for bad options. */
int pp_agent_new(struct pp_model *m, const struct pp_agent_opts *opts, struct pp_agent **out,
		 char *why, size_t len);

/* One interval's work: ends every monitored process's window and classifies it, scans /proc,
 * detaches exited and idle processes, attaches new candidates. Call once per interval. */
int pp_agent_tick(struct pp_agent *a);

/* Swaps the model (SIGHUP): smoothing starts over, flagged processes stay flagged until the
 * new model clears them. Returns the old model for the caller to free. */
struct pp_model *pp_agent_set_model(struct pp_agent *a, struct pp_model *m);

/* Detaches from everything; flagged processes get a cleared event with reason "stopped"
 * when emit_cleared. */
void pp_agent_free(struct pp_agent *a, bool emit_cleared);

struct pp_agent_stats {
	uint64_t ticks, scans;
	int processes_seen;        /* in the last scan */
	int candidates;            /* above min_cpu in the last scan */
	int monitored;
	int flagged;
	uint64_t attached_total, detached_total, rotations_total;
	uint64_t windows_classified, detections, cleared, actions;
	uint64_t err_permission, err_fds, err_vanished, err_collector, err_model, err_action;
	double cpu_s;              /* the agent's own CPU seconds (getrusage) */
	uint64_t rss_bytes;        /* the agent's resident memory */
	int fds;                   /* the agent's open file descriptors */
};
void pp_agent_get_stats(const struct pp_agent *a, struct pp_agent_stats *st);

/* The Prometheus text exposition of the agent's state (docs/agent.md lists the metrics),
 * with per-process p(miner) of flagged processes. Caller frees. */
char *pp_agent_metrics(const struct pp_agent *a);

/* One JSON line (no newline) for an event: time, host, process identity, p(miner), nearest
 * fingerprint, top features, windows seen. Caller frees. */
char *pp_agent_event_json(const struct pp_agent_event *ev, const char *host);

/* Text a watched process chose (name, command line, paths) is anything but NUL. These copy s
 * into out (len > 0, always terminated, cut at a character boundary) and return the length:
 * pp_agent_text_utf8 as valid UTF-8, each invalid byte as U+FFFD (what JSON carries);
 * pp_agent_text_line as one printable line: backslash as \\, \n \t \r, other control
 * characters (C0, DEL, C1, U+2028/U+2029) and invalid bytes as \xNN or \uNNNN. */
size_t pp_agent_text_utf8(const char *s, char *out, size_t len);
size_t pp_agent_text_line(const char *s, char *out, size_t len);

/* Reads a process's identity; -ESRCH when it is gone. */
int pp_agent_proc_read(pid_t pid, struct pp_agent_proc *p);

/* Finds a container id (64 hex digits, as docker, containerd, podman and CRI-O put it in
 * cgroup paths) in path; "" when there is none. */
void pp_agent_container_id(const char *cgroup_path, char *out, size_t len);

/* A Prometheus endpoint on ADDR:PORT ("127.0.0.1:9464", "[::1]:9464", ":9464" = all
 * addresses): GET /metrics answers the text last given to pp_metrics_server_set. Errors:
 * -EINVAL bad address, -EADDRINUSE the port is taken, others from socket/bind; why says
 * which. */
struct pp_metrics_server;
int pp_metrics_server_start(const char *addr, struct pp_metrics_server **out, char *why,
			    size_t len);
/* Whether addr is an address pp_metrics_server_start takes: 0, or -EINVAL with why. Binds
 * nothing (for checking options before the work starts). */
int pp_metrics_addr_check(const char *addr, char *why, size_t len);
/* Replaces the served text (copied). */
int pp_metrics_server_set(struct pp_metrics_server *s, const char *text);
/* The port actually bound (for ":0"). */
int pp_metrics_server_port(const struct pp_metrics_server *s);
uint64_t pp_metrics_server_scrapes(const struct pp_metrics_server *s);
void pp_metrics_server_stop(struct pp_metrics_server *s);

#endif
