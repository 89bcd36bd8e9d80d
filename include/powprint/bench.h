/* The suite's main job (`powprint bench`): each kernel family's hash rate, a short
 * fingerprint of each catalog workload recorded in its own process, and each one classified
 * with the shipped default model. */
#ifndef POWPRINT_BENCH_H
#define POWPRINT_BENCH_H

#include <powprint/record.h>

#include <stdbool.h>
#include <stddef.h>

struct pp_bench_opts {
	size_t sz;
	bool quick;                 /* record --quick's set, shorter hash runs: ~2 min on 2 cores */
	const char *model;          /* NULL = the shipped default for this machine */
	const char *workloads;      /* NULL = the catalog (quick: the subset) */
	double hash_seconds;        /* per kernel; 0 = 2 (quick: 1.5) */
	double seconds;             /* counted seconds per workload; 0 = 5 (quick: 3) */
	volatile int *stop;
	pp_record_log_fn log;       /* progress lines for a person */
	void *log_arg;
	pp_record_progress_fn progress; /* the fingerprint runs, as pp_record reports them */
	void *progress_arg;
};

/* Runs the suite. *report is a cJSON tree (cJSON *) with "hash" (per kernel), "workloads"
 * (per workload: class, rate, unit, verdict, p_miner, nearest, top features), "model" (path,
 * threshold) and "summary"; free with cJSON_Delete. Returns 0, or a negative errno with why. */
int pp_bench_run(const struct pp_bench_opts *opts, void **report, char *why, size_t len);

#endif
