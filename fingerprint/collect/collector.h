/* Inside the collector: the target being monitored and the ops struct every backend
 * implements (one file per backend in backends/, one table listing them in backends.c). */
#ifndef PP_FINGERPRINT_COLLECTOR_H
#define PP_FINGERPRINT_COLLECTOR_H

#include <powprint/collect.h>

#include <poll.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

/* A process to monitor: its threads as listed when attaching. Threads created later are
 * covered by inherit on every counter, so they are not listed here. */
struct pp_target {
	pid_t pid;
	pid_t *tids;
	int ntids;
	bool is_child;             /* started by us (pp_collector_open_cmd) */
};

/* What a backend gets when opening. */
struct pp_backend_ctx {
	const struct pp_target *tgt;
	const struct pp_collect_opts *opts;  /* complete (sz == sizeof), defaults applied */
	char *why;                 /* on failure: the reason, for a person */
	size_t why_len;
	void (*warn)(const struct pp_backend_ctx *ctx, const char *fmt, ...)
		__attribute__((format(printf, 2, 3)));
	void *warn_ctx;            /* the collector, for warn */
};

struct pp_backend_ops {
	const char *name;
	const char *summary;
	/* 0 if usable here, else a negative errno with why filled in. When usable, why is "" or
	 * says what the backend lacks here. */
	int (*probe)(char *why, size_t len);
	/* Attaches to ctx->tgt with counting disabled; 0 or a negative errno (why filled). */
	int (*open)(void *priv, struct pp_backend_ctx *ctx);
	/* Starts counting (on), or stops it until the next call (pp_collector_pause). */
	int (*enable)(void *priv, bool on);
	/* Appends this window's counts to w (pp_window_add). Called once per window. */
	int (*read)(void *priv, struct pp_window *w);
	void (*close)(void *priv);
	size_t priv_size;
	/* Optional: fds to poll while a window runs (ring buffers filling up), and the work to
	 * do when one is ready; fds are this backend's poll results (NULL when none were). */
	int (*pollfds)(void *priv, struct pollfd *fds, int max);
	void (*service)(void *priv, const struct pollfd *fds, int nfds);
};

/* One row of the backend table: the backend and the raw counts it emits (NULL-terminated;
 * pp_backend_counts). A count added to a backend's read belongs in its row. */
struct pp_backend_entry {
	const struct pp_backend_ops *ops;
	const char *const *counts;
};

/* The backend table (backends.c), in probe order, ending with a row whose ops is NULL. */
extern const struct pp_backend_entry pp_backend_table[];

/* Named apart: --events makes it required. */
extern const struct pp_backend_ops pp_backend_perf_hw;

/* Appends a count (name truncated to fit); silently drops it when the window is full. */
void pp_window_add(struct pp_window *w, const char *backend, const char *name, double value,
		   double running, bool gauge);

/* Fills why with what to do about err when opening perf events on pid (0 = self):
 * perf_event_paranoid, ptrace_scope, CAP_PERFMON, CAP_SYS_PTRACE, the fd limit. Returns err. */
int pp_perf_why(int err, pid_t pid, const char *what, char *why, size_t len);

/* Same for reading another process's memory (process_vm_readv). */
int pp_ptrace_why(int err, pid_t pid, char *why, size_t len);

/* The window's task clock in seconds: perf-sw's task-clock if present, else procfs's
 * scheduler run time (proc.run_ns); NaN without either. Sets w->task_clock_s. */
double pp_window_task_clock(struct pp_window *w);

/* libpfm4 encoding of one event name, user-space only unless kernel; 0, -ENOENT (unknown
 * name, why says so) or another negative errno. Also used by the perf-hw tests. */
struct perf_event_attr;
int pp_pfm_encode(const char *name, bool kernel, struct perf_event_attr *attr, char *why,
		  size_t len);

#endif
