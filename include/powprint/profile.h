/* A hardware profile of this machine (`powprint profile`): how it runs the PoW kernels and
 * what they look like in its counters, saved as one JSON document ("powprint-profile",
 * docs/report.md describes every field) that `powprint report` draws. */
#ifndef POWPRINT_PROFILE_H
#define POWPRINT_PROFILE_H

#include <powprint/record.h>

#include <stdbool.h>
#include <stddef.h>

#define PP_PROFILE_FORMAT "powprint-profile"
#define PP_PROFILE_FORMAT_VERSION 1

struct pp_profile_opts {
	size_t sz;
	bool quick;                 /* the bench's quick kernels, shorter runs: ~2 minutes on 2 cores */
	const char *label;          /* names the machine in reports; NULL = CPU brand and CPUs */
	const char *algos;          /* comma-separated pp_hash names; NULL = the bench's set */
	double hash_seconds;        /* per measurement; 0 = 2 (quick: 0.8) */
	double fp_seconds;          /* counted seconds per fingerprinted workload; 0 = 4 (quick: 2) */
	volatile int *stop;
	pp_record_log_fn log;       /* progress lines for a person */
	void *log_arg;
};

/* Profiles this machine. *out is a cJSON tree (cJSON *; free with cJSON_Delete). Returns 0,
 * -EINTR when stopped (nothing to keep), or a negative errno with why. */
int pp_profile_run(const struct pp_profile_opts *opts, void **out, char *why, size_t len);

#endif
