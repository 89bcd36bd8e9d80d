/* Self-tests: known-answer vectors embedded in the library, a few per kernel, so a built
 * binary can prove its kernels compute what they claim (`powprint selftest`). */
#ifndef POWPRINT_SELFTEST_H
#define POWPRINT_SELFTEST_H

struct pp_selftest_result {
	const char *kernel; /* e.g. "keccak", "cryptonight" */
	int passed, total;  /* vectors that matched, vectors run */
	char detail[160];   /* the first failure, or a short summary */
	double seconds;
};

/* Number of kernels with self-tests, and their names. */
int pp_selftest_count(void);
const char *pp_selftest_name(int i);
/* Runs kernel i's vectors. Returns 0 when it ran (res->passed == res->total means it
 * passed), -EINVAL for a bad index, or another negative errno when it could not run
 * (e.g. -ENOMEM for a scratchpad). */
int pp_selftest_run(int i, struct pp_selftest_result *res);

#endif
