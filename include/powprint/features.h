/* The feature vector: one per window, named and versioned, NaN where the backend that feeds a
 * feature is unavailable. Every feature is normalised per task-clock second (CPU time of the
 * monitored tasks), per instruction or per sample, never per wall second, so a miner throttled
 * to 20% CPU keeps its fingerprint; CPU utilisation is its own feature. docs/features.md
 * documents each one: name, unit, source, formula.
 *
 * The version changes whenever a feature is added, removed, renamed or its formula changes;
 * datasets and models record it and refuse to mix versions. */
#ifndef POWPRINT_FEATURES_H
#define POWPRINT_FEATURES_H

#include <stdbool.h>

#define PP_FEATURES_VERSION 3

enum pp_feature {
	/* Utilisation and scheduling */
	PP_F_CPU_UTIL,             /* CPUs busy: task-clock s / wall s */
	PP_F_THREADS,
	PP_F_CTX_SWITCHES,         /* per task-clock s */
	PP_F_INVOL_CTX_SHARE,
	PP_F_MIGRATIONS,
	PP_F_MINOR_FAULTS,
	PP_F_MAJOR_FAULTS,
	/* Hardware counters (perf-hw) */
	PP_F_IPC,
	PP_F_GHZ,
	PP_F_L1D_LOAD_MISS_PKI,
	PP_F_LLC_LOAD_MISS_PKI,
	PP_F_DTLB_LOAD_MISS_PKI,
	PP_F_BRANCH_MISS_PKI,
	PP_F_CACHE_REF_PKI,
	PP_F_STALL_FRONTEND,
	PP_F_STALL_BACKEND,
	PP_F_HW_RUNNING,
	/* Sampled instruction mix (ip-sample), shares of samples */
	PP_F_IP_SAMPLES,           /* per task-clock s */
	PP_F_IP_AES,
	PP_F_IP_CLMUL,
	PP_F_IP_SHA,
	PP_F_IP_MUL,
	PP_F_IP_DIV,
	PP_F_IP_SQRT,
	PP_F_IP_FP_SIMD,
	PP_F_IP_INT_SIMD,
	PP_F_IP_LOAD,
	PP_F_IP_STORE,
	PP_F_IP_BRANCH,
	PP_F_IP_ROUNDING,
	PP_F_IP_OTHER,
	PP_F_IP_UNDECODABLE,
	PP_F_IP_UNREADABLE,
	PP_F_IP_JIT,
	PP_F_IP_FILE,
	PP_F_IP_VDSO,
	PP_F_IP_UNMAPPED,
	PP_F_IP_TOP16,
	PP_F_IP_ENTROPY,
	/* procfs */
	PP_F_SYS_SHARE,
	PP_F_RUN_DELAY,
	PP_F_TIMESLICES,
	PP_F_RSS_MIB,
	PP_F_ANON_HUGE_SHARE,
	PP_F_HUGETLB_MIB,
	PP_F_LOCKED_MIB,
	PP_F_READ_BYTES,
	PP_F_WRITE_BYTES,
	PP_F_IO_SYSCALLS,
	/* eBPF: FPU rounding mode at context switches, syscalls by class per task-clock s */
	PP_F_FP_ROUND_NONDEFAULT_SHARE,
	PP_F_FP_PREEMPT_NONDEFAULT_SHARE,
	PP_F_SC_SYNC,
	PP_F_SC_MEMORY,
	PP_F_SC_PROTECT,
	PP_F_SC_FILE,
	PP_F_SC_NET,
	PP_F_SC_TIME,
	PP_F_SC_OTHER,
	PP_F_SC_TOTAL,
	PP_F_COUNT
};

struct pp_features {
	int version;               /* PP_FEATURES_VERSION of the code that computed v */
	double v[PP_F_COUNT];      /* NaN = not available in this window */
};

struct pp_feature_info {
	const char *name;          /* stable column name, e.g. "ip_aes" */
	const char *unit;          /* "share of samples", "per task-clock s", ... */
	/* The backend that computes it (a pp_backend_name() of collect.h), or alternatives in
	 * order of preference, "perf-sw|procfs": either one alone computes it. The one place that
	 * says which backend a feature needs: training takes it from here (unless a dataset's
	 * meta.json maps the feature itself, "feature_backends"). */
	const char *source;
	const char *formula;       /* in terms of raw count names of struct pp_window */
};

/* Description of feature f, or NULL when f is out of range. */
const struct pp_feature_info *pp_feature_info(enum pp_feature f);

/* Index of the feature called name, or -ENOENT. */
int pp_feature_find(const char *name);

struct pp_window;

/* Computes every feature from a window's raw counts (struct pp_window in collect.h). A feature
 * whose inputs are missing, NaN, or whose denominator is zero is NaN. */
void pp_features_compute(const struct pp_window *w, struct pp_features *out);

/* Below this much CPU time in a window, a rate per task-clock second rests on a handful of
 * events: `sleep 1` faults a few dozen times in its 5 ms on a CPU, which reads as 10^4
 * faults per task-clock second. Displays leave such rates out (pp_features_drop_thin). */
#define PP_FEATURES_MIN_TASK_CLOCK_S 0.010
/* Whether feature f is a rate per task-clock second (its unit says "per task-clock s"). */
bool pp_feature_per_task_clock(enum pp_feature f);
/* Sets every rate per task-clock second to NaN when the window's task_clock_s is below
 * PP_FEATURES_MIN_TASK_CLOCK_S; returns true when it did. For what a person reads (`powprint
 * stat`): datasets and models keep the values pp_features_compute gives (version 3). */
bool pp_features_drop_thin(const struct pp_window *w, struct pp_features *f);

#endif
