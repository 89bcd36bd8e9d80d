/* Inside the workload catalog: the descriptor each workload file defines, the context the
 * harness hands it, and small helpers the workloads share. A workload file holds only its own
 * computation; harness.c does threads, timing, duty/burst/nice and throughput. */
#ifndef PP_WL_H
#define PP_WL_H

#include <powprint/workload.h>

#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

struct wl_ctx;

struct pp_workload {
	const char *name;
	enum pp_workload_class cls;
	const char *family;
	const char *help;
	const char *unit;             /* of the work run() reports */
	double unit_scale;            /* work units per unit (1e6 for bytes -> MB); 0 = 1 */
	const struct pp_workload_opt *opts; /* NULL-terminated by name; may be NULL */
	int max_threads;              /* 0 = PP_WORKLOAD_MAX_THREADS */
	/* run() is called on one harness thread and uses ctx->threads itself (OpenMP, a child
	 * process); the duty/burst knobs then act through pause/resume between calls. */
	bool own_threads;
	/* run() does the whole timed phase itself, knobs included (the miners: pp_mine_run). */
	bool self_timed;
	const char *algo;             /* miners: the pp_hash algorithm, with its known answer */
	const void *data;             /* per-entry constants (the miners' RandomX mode) */
	/* In the quick set (`record --quick`, `bench --quick`): the main miner families and one
	 * or two look-alikes of each kind (tests/test-registry-kernels.c checks the coverage). */
	bool quick;

	int (*supported)(const struct pp_workload *w, char *why, size_t len); /* NULL = yes */
	/* Builds the shared and per-thread state in ctx->priv from ctx's options. */
	int (*setup)(struct wl_ctx *ctx);
	/* One chunk of work (about a millisecond to a few tens of ms) on thread t; adds what it
	 * did to *work. Self-timed workloads: the whole phase. */
	int (*run)(struct wl_ctx *ctx, int t, double *work);
	void (*pause)(struct wl_ctx *ctx);   /* own_threads: entering an off period */
	void (*resume)(struct wl_ctx *ctx);
	/* Checks a known answer: 0 when the work was real and right. Writes what it checked (or
	 * what was wrong) into msg. Runs after the measured phase, before teardown. */
	int (*verify)(struct wl_ctx *ctx, char *msg, size_t len);
	/* Damages the result as a fault would, so that verify must fail (tests). */
	void (*corrupt)(struct wl_ctx *ctx);
	void (*teardown)(struct wl_ctx *ctx);
};

struct wl_ctx {
	const struct pp_workload *w;
	int threads;
	double seconds;
	int duty_pct;
	double burst_on_s, burst_off_s;
	int nice;
	volatile int *stop;
	int64_t opt[PP_WORKLOAD_MAX_OPTS]; /* parsed option values, in w->opts order */
	void *priv;                         /* the workload's state */
	pid_t child_pid;                    /* set by setup for child-process workloads */
	char *err;                          /* setup failures for a person */
	size_t errlen;
	char *detail;                       /* optional extras for the result */
	size_t detaillen;
	/* Self-timed workloads report here, and call wl_started() when hashing begins. */
	double self_seconds;
	double self_busy_seconds;           /* summed over threads, pauses left out */
	pp_workload_started_fn started;
	void *started_arg;
	bool started_done;
	double started_cpu;                 /* process CPU seconds at wl_started() */
};

/* Tells the caller the measured phase has begun (once; later calls do nothing). */
void wl_started(struct wl_ctx *ctx);

/* printf into ctx->err; returns `err` (a negative errno) for `return wl_fail(...)`. */
int wl_fail(struct wl_ctx *ctx, int err, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* printf into msg; returns -EBADMSG (for verify failures). */
int wl_bad(char *msg, size_t len, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* A fast, seedable generator (splitmix64) for synthetic data; not for security. */
static inline uint64_t wl_rand(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ull);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

/* Page-aligned zeroed memory for big arrays (mmap; THP advised); NULL when out of memory. */
void *wl_alloc(size_t bytes);
void wl_free(void *p, size_t bytes);

/* Registry (registry.c): every entry, miners first. */
extern const struct pp_workload *const wl_benign[];
extern const struct pp_workload wl_miners[];
extern const int wl_nminers;

#endif
