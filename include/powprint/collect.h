/* Counter collection: attach to a process (all its threads, and threads it creates later) or
 * start a command, and read its counters one window at a time from several backends
 * (hardware events, software events, sampled instruction pointers, /proc). The backends are
 * enumerated below (pp_backend_count, pp_backend_name); docs/features.md describes each one
 * and the raw counts it emits.
 *
 * Each window carries raw counts (deltas over the window, or levels for gauges); the layer
 * above turns them into the feature vector (features.h, pp_features_compute). The recorder,
 * classifier and agent consume windows through this API; `powprint stat` prints them. */
#ifndef POWPRINT_COLLECT_H
#define POWPRINT_COLLECT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define PP_BACKEND_MAX 8
#define PP_WINDOW_MAX_COUNTS 128
#define PP_INTERVAL_MIN_MS 100
#define PP_INTERVAL_DEFAULT_MS 1000
#define PP_SAMPLE_HZ_DEFAULT 1000
#define PP_SC_SAMPLE_PCT_DEFAULT 5

/* The collector backends, in the fixed order they are probed, opened and read: indices 0 to
 * pp_backend_count() - 1. Adding a backend to the table (fingerprint/collect/backends.c) is
 * all it takes for option checking, help texts and the model to know it. */
int pp_backend_count(void);

/* Name of backend i ("perf-hw", "perf-sw", ...: stable, used in options, datasets and
 * models); NULL when i is out of range. */
const char *pp_backend_name(int i);

/* Index of the backend named by the first len bytes of name (lists are parsed in place:
 * "perf-sw,procfs", "perf-sw|procfs"), or -ENOENT. */
int pp_backend_find(const char *name, size_t len);

/* The raw counts (struct pp_count names) backend i emits in every window, NULL-terminated;
 * NULL when i is out of range. perf-hw's are the generic events of its default set, those
 * the PMU has; it emits whichever events were asked for, under their names. */
const char *const *pp_backend_counts(int i);

/* Every backend name in table order with sep between them ("perf-hw,perf-sw,ip-sample,
 * procfs" for sep ","), cut to fit len; returns buf. For help texts and messages. */
char *pp_backend_list(char *buf, size_t len, const char *sep);

/* What one backend can do on this machine. */
struct pp_backend_status {
	const char *name;          /* pp_backend_name() of the backend */
	const char *summary;       /* one line: what it measures */
	bool available;
	int err;                   /* 0, or the negative errno that makes it unavailable */
	/* Why not, and what to do about it; when available, "" or what it lacks here (ebpf
	 * without the FPU tracepoint counts syscalls only). */
	char why[256];
};

/* Probes every backend (in table order: st[i] is backend i) and fills up to max entries of
 * st. Returns pp_backend_count(), which may exceed max. This is what `powprint info` lists. */
int pp_collector_probe(struct pp_backend_status *st, int max);

/* Called for conditions that degrade but do not stop collection (fewer threads monitored after
 * running out of file descriptors, an optional backend that failed to open, lost samples). */
typedef void (*pp_warn_fn)(void *arg, const char *msg);

/* The ip-sample backend remembers the class of every code address it has decoded. Collectors
 * that watch many processes from one thread (the agent) can share one bounded cache: code in
 * files is cached by file and offset, so processes running the same binaries and libraries
 * share their entries, and memory stays at the bound however many processes are watched.
 * Without one, each collector keeps a small cache of its own. Not thread-safe: collectors
 * sharing a cache must be read from one thread, and the cache must outlive them. */
#define PP_IP_CACHE_DEFAULT_ENTRIES 4096
struct pp_ip_cache;

/* max_entries: the bound (0 = PP_IP_CACHE_DEFAULT_ENTRIES; at least 64). */
int pp_ip_cache_new(unsigned max_entries, struct pp_ip_cache **out);
void pp_ip_cache_free(struct pp_ip_cache *c);
/* Entries in use now, and the most it will ever hold (<= max_entries). */
size_t pp_ip_cache_used(const struct pp_ip_cache *c);
size_t pp_ip_cache_capacity(const struct pp_ip_cache *c);

struct pp_collect_opts {
	size_t sz;
	/* Comma-separated backend names (pp_backend_list); NULL or "" = every available backend
	 * (those that fail to open are then skipped with a warning). Naming one makes its failure
	 * an error. */
	const char *backends;
	/* perf-hw events, comma-separated libpfm4 names ("cycles,instructions,
	 * L1-dcache-load-misses", "INST_RETIRED:ANY_P"); NULL = the default set. */
	const char *events;
	unsigned interval_ms;      /* window length; 0 = 1000, at least 100 */
	unsigned sample_hz;        /* ip-sample rate per thread; 0 = 1000 */
	bool kernel;               /* perf-hw and ip-sample count kernel mode too (default: user) */
	unsigned max_tasks;        /* monitor at most this many threads; 0 = no limit */
	pp_warn_fn warn;
	void *warn_arg;
	struct pp_ip_cache *ip_cache;  /* shared decoded-IP cache; NULL = one of its own */
	/* Counters follow threads the target creates later but not the processes it forks
	 * (perf's inherit_thread, Linux 5.13; older kernels follow both). The agent watches
	 * each process on its own: a parent must not be charged with a child's mining. */
	bool threads_only;
	/* ebpf: percent of the time system calls are counted (the syscall tracepoint slows every
	 * syscall of the host while attached); windows scale their counts by it. 0 =
	 * PP_SC_SAMPLE_PCT_DEFAULT, 100 = always. With several collectors, the most asked for. */
	unsigned syscall_sample_pct;
	/* pp_collector_open_cmd: the descriptor the command gets as its stdout, so that its
	 * output does not mix with the caller's data; 0 = the caller's own (fd 0 is never one). */
	int child_stdout;
};

/* One raw count of a window. */
struct pp_count {
	char name[56];             /* "task-clock", "cycles", "ip.cls.aes", "proc.rss_kib", ... */
	const char *backend;       /* static backend name */
	double value;              /* delta over the window, or a level for gauges; NaN = unknown */
	double running;            /* perf-hw: time_running / time_enabled in the window; else 1 */
	bool gauge;                /* a level at the window's end, not a delta */
};

struct pp_window {
	uint64_t index;            /* 0, 1, 2, ... */
	double start_s, end_s;     /* seconds since the collector was opened (monotonic clock) */
	double start_unix;         /* wall-clock time of start, for records */
	double task_clock_s;       /* CPU time of the monitored tasks in the window; NaN = unknown */
	int tasks;                 /* threads monitored (attached, not counting inherited ones) */
	bool partial;              /* ended before its interval: target exited, or read on demand */
	bool target_exited;        /* the target is gone: this is the last window */
	int ncounts;
	struct pp_count counts[PP_WINDOW_MAX_COUNTS];
};

/* The value of raw count `name` in w, or NaN when w has none. */
double pp_window_count(const struct pp_window *w, const char *name);

/* Checks opts without attaching: backend names, perf-hw event names (through libpfm4, so it
 * works without a PMU), interval and rate. 0, -ENOENT (unknown name) or -EINVAL; why says
 * which and lists the valid choices. The open functions run the same checks. */
int pp_collect_opts_check(const struct pp_collect_opts *opts, char *why, size_t why_len);

struct pp_collector;

/* Attaches to every thread of process pid (and, by inheritance, threads it creates later).
 * -ESRCH: no such process; -EACCES: perf_event_paranoid / ptrace rules forbid (why names the
 * setting); -ENOENT: unknown backend or event name; -ENODEV: a named backend is unavailable.
 * why (may be NULL) receives a sentence for a person. */
int pp_collector_open_pid(pid_t pid, const struct pp_collect_opts *opts,
			  struct pp_collector **out, char *why, size_t why_len);

/* Starts argv[0] (searched in PATH) with counters attached from its first instruction. The
 * child is reaped by the collector; pp_collector_exit_status() tells how it ended. */
int pp_collector_open_cmd(char *const argv[], const struct pp_collect_opts *opts,
			  struct pp_collector **out, char *why, size_t why_len);

/* Blocks until the current window's interval has passed or the target exits, then fills *w
 * and starts the next window. Returns 0, -ESRCH once the target is gone and its last window
 * has been returned, or -EINTR when a signal interrupted the wait (the window goes on; call
 * again, or pp_collector_read_now() to end it). */
int pp_collector_read(struct pp_collector *c, struct pp_window *w);

/* Ends the current window now (marked partial) and fills *w. */
int pp_collector_read_now(struct pp_collector *c, struct pp_window *w);

/* Stops every counter and the sampling (pause) or starts them again, leaving the events
 * attached: while paused the target runs as if unmonitored and windows count nothing. For
 * measuring what monitoring costs the target (bench-overhead --toggle). 0 or a negative
 * errno (-ESRCH once the target is gone). */
int pp_collector_pause(struct pp_collector *c, bool pause);

/* Backends actually in use, comma-separated ("perf-sw,ip-sample,procfs"). */
const char *pp_collector_backends(const struct pp_collector *c);

pid_t pp_collector_pid(const struct pp_collector *c);

/* For a started command that has exited: its wait status (as waitpid gives it), else -1. */
int pp_collector_exit_status(const struct pp_collector *c);

/* Detaches; a started command still running is killed (SIGKILL) and reaped. */
void pp_collector_close(struct pp_collector *c);

/* The default perf-hw events, comma-separated. */
const char *pp_collector_default_events(void);
/* What a default perf-hw event counts on a vendor's PMU (vendor as in `info`: GenuineIntel,
 * AuthenticAMD, "implementer 0x41" for ARM), or NULL for another event or vendor. */
const char *pp_hw_event_meaning(const char *event, const char *vendor);

#endif
