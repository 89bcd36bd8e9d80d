/* sort: shuffle and sort a large array of 64-bit keys with the C library's qsort (branchy
 * comparisons and merges, like a database's ORDER BY). The keys are a permutation of
 * 0..n-1, so the sorted array must be exactly 0, 1, 2, ...: a known answer. */
#include "kernels/workloads/wl.h"

#include <errno.h>
#include <stdlib.h>

enum { O_KEYS };
static const struct pp_workload_opt opts[] = {
	{ "keys", PP_WOPT_INT, "N", "1000000", 2, 1ll << 31, NULL,
	  "keys per array (8 bytes each; one shuffle and sort per array)" },
	{ 0 },
};

struct so_thread {
	uint64_t *keys;
	uint64_t rng, sorts, wrong;
};

struct so {
	size_t n, bytes;
	struct so_thread *th;
	int nth;
};

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return (x > y) - (x < y);
}

static int so_setup(struct wl_ctx *ctx)
{
	struct so *s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	ctx->priv = s;
	s->n = (size_t)ctx->opt[O_KEYS];
	s->bytes = s->n * sizeof(uint64_t);
	s->th = calloc((size_t)ctx->threads, sizeof(*s->th));
	if (!s->th)
		return -ENOMEM;
	s->nth = ctx->threads;
	for (int t = 0; t < s->nth; t++) {
		s->th[t].rng = 0x736f7274ull + (uint64_t)t;
		s->th[t].keys = wl_alloc(s->bytes);
		if (!s->th[t].keys)
			return wl_fail(ctx, -ENOMEM, "sort: cannot allocate %zu MiB", s->bytes >> 20);
		for (size_t i = 0; i < s->n; i++)
			s->th[t].keys[i] = i;
	}
	snprintf(ctx->detail, ctx->detaillen, "%zu keys (%zu MiB) per thread", s->n,
		 s->bytes >> 20);
	return 0;
}

static int so_run(struct wl_ctx *ctx, int t, double *work)
{
	struct so *s = ctx->priv;
	struct so_thread *th = &s->th[t];
	uint64_t *k = th->keys;
	for (size_t i = s->n - 1; i > 0; i--) { /* Fisher-Yates */
		size_t j = (size_t)(wl_rand(&th->rng) % (i + 1));
		uint64_t tmp = k[i];
		k[i] = k[j];
		k[j] = tmp;
	}
	qsort(k, s->n, sizeof(*k), cmp_u64);
	for (size_t i = 0; i < s->n; i++)
		th->wrong += k[i] != i;
	th->sorts++;
	*work += (double)s->n;
	return 0;
}

static int so_verify(struct wl_ctx *ctx, char *msg, size_t len)
{
	struct so *s = ctx->priv;
	for (int t = 0; t < s->nth; t++) {
		const struct so_thread *th = &s->th[t];
		size_t bad = 0;
		for (size_t i = 0; i < s->n; i++)
			bad += th->keys[i] != i;
		if (th->wrong || bad)
			return wl_bad(msg, len, "thread %d: sorted keys are not 0..%zu (%llu wrong "
				      "over %llu sorts, %zu in the last array)", t, s->n - 1,
				      (unsigned long long)th->wrong, (unsigned long long)th->sorts,
				      bad);
	}
	snprintf(msg, len, "every sorted array was exactly 0..%zu", s->n - 1);
	return 0;
}

static void so_corrupt(struct wl_ctx *ctx)
{
	struct so *s = ctx->priv;
	s->th[0].keys[s->n / 2] = 0;
}

static void so_teardown(struct wl_ctx *ctx)
{
	struct so *s = ctx->priv;
	if (!s)
		return;
	for (int t = 0; s->th && t < s->nth; t++)
		wl_free(s->th[t].keys, s->bytes);
	free(s->th);
	free(s);
}

const struct pp_workload wl_sort = {
	.name = "sort", .cls = PP_WL_BENIGN, .family = "compute", .quick = true,
	.help = "shuffle and qsort large arrays of 64-bit keys (like ORDER BY)",
	.unit = "keys/s", .opts = opts,
	.setup = so_setup, .run = so_run,
	.verify = so_verify, .corrupt = so_corrupt, .teardown = so_teardown,
};
