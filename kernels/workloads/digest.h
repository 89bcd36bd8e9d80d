/* Bulk-digest workloads (sha256, blake2b): every thread digests one million 'a's over and
 * over, and every digest is compared with an answer computed outside this project, so the
 * work is known to be real. A workload names its digest here; digest.c does the rest. */
#ifndef PP_WORKLOADS_DIGEST_H
#define PP_WORKLOADS_DIGEST_H

#include "kernels/workloads/wl.h"

#define WL_DIGEST_MAX 64

struct wl_digest {
	const char *name;          /* "SHA-256", for messages */
	size_t len;                /* digest bytes, at most WL_DIGEST_MAX */
	const char *abc_hex;       /* the digest of "abc" ... */
	const char *abc_source;    /* ... as published there ("FIPS 180-2, B.1") */
	const char *million_hex;   /* the digest of a million 'a's ... */
	const char *million_source;
	int (*init)(struct wl_ctx *ctx);  /* optional: library start-up */
	int (*digest)(const void *in, size_t len, uint8_t *out);  /* 0 or a negative errno */
};

/* A workload's setup calls this with its digest; the other callbacks are these. */
int wl_digest_setup(struct wl_ctx *ctx, const struct wl_digest *d);
int wl_digest_run(struct wl_ctx *ctx, int t, double *work);
int wl_digest_verify(struct wl_ctx *ctx, char *msg, size_t len);
void wl_digest_corrupt(struct wl_ctx *ctx);
void wl_digest_teardown(struct wl_ctx *ctx);

#endif
