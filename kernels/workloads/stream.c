/* stream: McCalpin's STREAM copy and triad over arrays far larger than the caches (memory
 * bandwidth, like analytics scans). Each block pass does c = a, then a = b + q*c; with b = 1
 * and q = 1 every pass adds exactly 1 to a, so the final arrays prove how many passes ran. */
#include "kernels/workloads/wl.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define BLOCK 65536 /* elements per run() call: 512 KiB of each array */

enum { O_ARRAY };
static const struct pp_workload_opt opts[] = {
	{ "array", PP_WOPT_SIZE, "BYTES", "128M", 1 << 20, 64ll << 30, NULL,
	  "bytes per array (three arrays; STREAM wants 4x the last-level cache)" },
	{ 0 },
};

struct st_thread {
	size_t lo, nblk;   /* first element, number of blocks */
	uint64_t blocks;   /* blocks processed so far (round robin over nblk) */
};

struct st {
	double *a, *b, *c;
	size_t n, bytes;
	double q;          /* the triad scalar, 1.0, read at run time so it is a real multiply */
	struct st_thread *th;
	int nth;
};

static double a0(size_t i)
{
	return (double)(i & 1023);
}

static int st_setup(struct wl_ctx *ctx)
{
	struct st *s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	ctx->priv = s;
	size_t per = (size_t)ctx->opt[O_ARRAY] / sizeof(double);
	size_t nblk = per / BLOCK;
	if (nblk < (size_t)ctx->threads)
		return wl_fail(ctx, -EINVAL, "stream: --array %lld is too small for %d threads "
			       "(at least %d KiB per thread)", (long long)ctx->opt[O_ARRAY],
			       ctx->threads, BLOCK * 8 / 1024);
	s->n = nblk * BLOCK;
	s->bytes = s->n * sizeof(double);
	s->q = 1.0;
	s->a = wl_alloc(s->bytes);
	s->b = wl_alloc(s->bytes);
	s->c = wl_alloc(s->bytes);
	s->th = calloc((size_t)ctx->threads, sizeof(*s->th));
	if (!s->a || !s->b || !s->c || !s->th)
		return wl_fail(ctx, -ENOMEM, "stream: cannot allocate 3 x %zu MiB", s->bytes >> 20);
	s->nth = ctx->threads;
	for (size_t i = 0; i < s->n; i++) {
		s->a[i] = a0(i);
		s->b[i] = 1.0;
	}
	for (int t = 0; t < s->nth; t++) {
		size_t first = nblk * (size_t)t / (size_t)s->nth;
		size_t last = nblk * (size_t)(t + 1) / (size_t)s->nth;
		s->th[t] = (struct st_thread){ .lo = first * BLOCK, .nblk = last - first };
	}
	snprintf(ctx->detail, ctx->detaillen, "3 arrays of %zu doubles (%zu MiB each)", s->n,
		 s->bytes >> 20);
	return 0;
}

static int st_run(struct wl_ctx *ctx, int t, double *work)
{
	struct st *s = ctx->priv;
	struct st_thread *th = &s->th[t];
	size_t lo = th->lo + (size_t)(th->blocks % th->nblk) * BLOCK;
	double *restrict a = s->a + lo, *restrict c = s->c + lo;
	const double *restrict b = s->b + lo;
	const double q = *(volatile double *)&s->q;
	for (size_t i = 0; i < BLOCK; i++) /* copy */
		c[i] = a[i];
	for (size_t i = 0; i < BLOCK; i++) /* triad */
		a[i] = b[i] + q * c[i];
	th->blocks++;
	*work += (2 + 3) * sizeof(double) * (double)BLOCK; /* STREAM's byte counts */
	return 0;
}

static int st_verify(struct wl_ctx *ctx, char *msg, size_t len)
{
	struct st *s = ctx->priv;
	for (int t = 0; t < s->nth; t++) {
		const struct st_thread *th = &s->th[t];
		for (size_t k = 0; k < th->nblk; k++) {
			uint64_t passes = th->blocks / th->nblk + (k < th->blocks % th->nblk);
			size_t lo = th->lo + k * BLOCK;
			for (size_t i = lo; i < lo + BLOCK; i++) {
				double want = a0(i) + (double)passes;
				double wantc = passes ? want - 1.0 : 0.0;
				if (s->a[i] != want || s->c[i] != wantc)
					return wl_bad(msg, len, "element %zu: a = %g, c = %g after %llu "
						      "passes; expected %g and %g", i, s->a[i],
						      s->c[i], (unsigned long long)passes, want, wantc);
			}
		}
	}
	snprintf(msg, len, "every element of a and c equals its start value plus the passes "
		 "made over it");
	return 0;
}

static void st_corrupt(struct wl_ctx *ctx)
{
	struct st *s = ctx->priv;
	s->a[s->th[0].lo + 12345] += 0.5;
}

static void st_teardown(struct wl_ctx *ctx)
{
	struct st *s = ctx->priv;
	if (!s)
		return;
	wl_free(s->a, s->bytes);
	wl_free(s->b, s->bytes);
	wl_free(s->c, s->bytes);
	free(s->th);
	free(s);
}

const struct pp_workload wl_stream = {
	.name = "stream", .cls = PP_WL_BENIGN, .family = "memory",
	.help = "STREAM copy and triad over large arrays (memory bandwidth)",
	.unit = "MB/s", .unit_scale = 1e6, .opts = opts,
	.setup = st_setup, .run = st_run,
	.verify = st_verify, .corrupt = st_corrupt, .teardown = st_teardown,
};
