/* The workload catalog: every miner kernel and the benign look-alikes a detector must tell
 * apart from them. Each workload is a real computation that proves it ran: its verify step
 * checks a known answer, so a workload never silently becomes a busy loop.
 *
 * One shared harness runs every workload in the calling process (so collectors can attach
 * to it by pid): threads, duration, duty cycling, bursts, nice and throughput accounting. */
#ifndef POWPRINT_WORKLOAD_H
#define POWPRINT_WORKLOAD_H

#include <powprint/hash.h>

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define PP_WORKLOAD_MAX_THREADS 256
#define PP_WORKLOAD_MAX_OPTS 16

struct pp_workload; /* a catalog entry (static, never freed) */

enum pp_workload_class { PP_WL_MINER = 0, PP_WL_BENIGN };

enum pp_workload_opt_type {
	PP_WOPT_INT = 0, /* a whole number in [min, max] */
	PP_WOPT_SIZE,    /* bytes, with an optional K/M/G suffix (powers of 1024) */
	PP_WOPT_FLAG,    /* present or not; takes no value */
	PP_WOPT_CHOICE,  /* one of `choices` ("on|off|auto"); the value is its index */
};

/* One workload-specific option, e.g. --size 64M. */
struct pp_workload_opt {
	const char *name;   /* long name without "--" */
	enum pp_workload_opt_type type;
	const char *arg;    /* argument name for help ("BYTES"); NULL for flags */
	const char *def;    /* default, as text (NULL for flags) */
	int64_t min, max;   /* INT and SIZE bounds */
	const char *choices;
	const char *help;
};

/* Catalog. Entries are numbered 0..pp_workload_count()-1 in a fixed order. */
int pp_workload_count(void);
const struct pp_workload *pp_workload_at(int i);
/* -ENOENT for an unknown name (list the valid ones with pp_workload_at). */
int pp_workload_find(const char *name, const struct pp_workload **out);
/* The catalog name closest to an unknown one ("cn/O" -> "cn/0"), or NULL if none is close. */
const char *pp_workload_suggest(const char *name);

const char *pp_workload_name(const struct pp_workload *w);
enum pp_workload_class pp_workload_class(const struct pp_workload *w);
const char *pp_workload_class_name(enum pp_workload_class c); /* "miner", "benign" */
const char *pp_workload_family(const struct pp_workload *w);
const char *pp_workload_help(const struct pp_workload *w);
const char *pp_workload_unit(const struct pp_workload *w);    /* "H/s", "MB/s", "ops/s", ... */
/* The workload's own options, terminated by an entry with a NULL name. */
const struct pp_workload_opt *pp_workload_opts(const struct pp_workload *w);
/* Most threads it accepts (1 for a single child process, PP_WORKLOAD_MAX_THREADS otherwise). */
int pp_workload_max_threads(const struct pp_workload *w);
/* 0 when it can run here, else a negative errno and why (e.g. node is not installed). */
int pp_workload_supported(const struct pp_workload *w, char *why, size_t len);
/* A miner's pp_hash algorithm ("cn/r" for cn/r-interp), NULL for a benign workload. */
const char *pp_workload_algo(const struct pp_workload *w);
/* Whether w is in the quick set: a small representative selection, at least one workload
 * of every family, that `record --quick` and `bench --quick` run. */
bool pp_workload_quick(const struct pp_workload *w);
/* The quick set's names in catalog order, comma-separated (a workload selection for
 * pp_record_opts.workloads); a constant string, built once. */
const char *pp_workload_quick_names(void);

/* Called once setup is done and the measured phase starts: the process to watch (the
 * caller's own pid, or a child's such as node's for node-jit). */
typedef void (*pp_workload_started_fn)(void *arg, const struct pp_workload *w, pid_t pid,
				       pid_t child_pid);

struct pp_workload_run_opts {
	size_t sz;
	double seconds;            /* measured phase; 0 = 1 second */
	int threads;               /* 0 = 1 */
	int duty_pct;              /* busy duty_pct ms of every 100 ms (0 or 100 = always) */
	double burst_on_s, burst_off_s; /* work on_s, pause off_s, repeat (0 = off) */
	int nice;                  /* setpriority for the working threads (0 = unchanged) */
	/* Workload options as "name=value" ("name" alone for a flag), NULL-terminated; see
	 * pp_workload_opts. Unknown names and bad values fail with -EINVAL and a message. */
	const char *const *params;
	volatile int *stop;        /* set non-zero (e.g. from a signal handler) to stop early */
	pp_workload_started_fn started;
	void *started_arg;
	/* Damage the result before verify, to prove that verify catches it (tests). */
	bool inject_fault;
};

struct pp_workload_result {
	double rate;               /* work per second of the measured phase, in `unit` */
	const char *unit;
	double work;               /* total work in `unit` x seconds (hashes, MB, ops) */
	double seconds;            /* wall time of the measured phase */
	double setup_seconds;
	double cpu_seconds;        /* this process's CPU time in the measured phase */
	/* Wall time spent working (not sleeping for duty or bursts), summed over the harness's
	 * threads: busy_seconds / (seconds * threads) is the duty achieved, whatever else the
	 * machine runs. The miners report pp_mine_run's own count of it. */
	double busy_seconds;
	int threads;
	pid_t child_pid;           /* node-jit's node process, else 0 */
	bool verified;
	char verify_msg[256];      /* what verify checked, or why it failed */
	char error[256];           /* why the run failed (bad option, setup failure) */
	char detail[256];          /* workload extras (AES back end, pages, sizes) */
};

/* Sets up, runs and verifies workload w. Returns 0 when it ran and verified, -EBADMSG when
 * it ran but verify failed (res says why), or another negative errno when it could not run
 * (res->error says why). */
int pp_workload_run(const struct pp_workload *w, const struct pp_workload_run_opts *opts,
		    struct pp_workload_result *res);

#endif
