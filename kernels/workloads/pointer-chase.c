/* pointer-chase: dependent loads along one random cycle through a large array (DRAM latency,
 * like index lookups in a big database). Each 8-byte node holds the next node's index and
 * its own rank in the cycle, so after s steps from rank r the chase must stand at rank
 * r + s (mod N): a known answer that no skipped step can fake. */
#include "kernels/workloads/wl.h"

#include <errno.h>
#include <omp.h>
#include <stdlib.h>

#define STEPS 65536 /* per run() call: a few ms at DRAM latency */

enum { O_SIZE };
static const struct pp_workload_opt opts[] = {
	{ "size", PP_WOPT_SIZE, "BYTES", "1G", 64 << 10, 32ll << 30, NULL,
	  "bytes of nodes (8 bytes each; setup takes 1-3 s per GiB)" },
	{ 0 },
};

struct node {
	uint32_t next, rank;
};

struct pc_thread {
	uint32_t cur;
	uint64_t start_rank, steps;
};

struct pc {
	struct node *nodes;
	size_t bytes;
	uint64_t n;
	unsigned bits;
	struct pc_thread *th;
	int nth;
};

#define M1 0x9e3779b97f4a7c15ull
#define M2 0xbf58476d1ce4e5b9ull
#define C1 0x632be59bd9b4e019ull
#define ROUNDS 2 /* enough to defeat prefetchers; setup time is mostly this */

/* A bijection of [0, 2^bits): odd multiplies, additions and xorshifts, each invertible mod
 * 2^bits. */
static inline uint64_t permute_pow2(uint64_t x, unsigned bits)
{
	uint64_t mask = (1ull << bits) - 1;
	unsigned sh = bits / 2 + 1, sh2 = sh > 2 ? sh - 2 : 1;
	for (int r = 0; r < ROUNDS; r++) {
		x = (x * M1 + C1 * (uint64_t)(r + 1)) & mask;
		x ^= x >> sh;
		x = (x * M2) & mask;
		x ^= x >> sh2;
	}
	return x;
}

/* The node at rank k: a bijection of [0, n) by cycle-walking the power-of-two one. */
static uint64_t at_rank(const struct pc *s, uint64_t k)
{
	uint64_t x = permute_pow2(k, s->bits);
	while (x >= s->n)
		x = permute_pow2(x, s->bits);
	return x;
}

static int pc_setup(struct wl_ctx *ctx)
{
	struct pc *s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	ctx->priv = s;
	s->n = (uint64_t)ctx->opt[O_SIZE] / sizeof(struct node);
	if (s->n > UINT32_MAX)
		s->n = UINT32_MAX;
	s->bits = 1;
	while ((1ull << s->bits) < s->n)
		s->bits++;
	s->bytes = s->n * sizeof(struct node);
	s->nodes = wl_alloc(s->bytes);
	s->th = calloc((size_t)ctx->threads, sizeof(*s->th));
	if (!s->nodes || !s->th)
		return wl_fail(ctx, -ENOMEM, "pointer-chase: cannot allocate %zu MiB", s->bytes >> 20);
	s->nth = ctx->threads;
	/* Each CPU links one stretch of the cycle; a node's successor is the next rank's node,
	 * so one permutation per node. */
#pragma omp parallel
	{
		int nt = omp_get_num_threads(), me = omp_get_thread_num();
		uint64_t lo = s->n * (uint64_t)me / (uint64_t)nt;
		uint64_t hi = s->n * (uint64_t)(me + 1) / (uint64_t)nt;
		uint64_t here = at_rank(s, lo);
		for (uint64_t k = lo; k < hi; k++) {
			uint64_t next = at_rank(s, k + 1 == s->n ? 0 : k + 1);
			s->nodes[here] = (struct node){ (uint32_t)next, (uint32_t)k };
			here = next;
		}
	}
	for (int t = 0; t < s->nth; t++) {
		uint64_t r = s->n * (uint64_t)t / (uint64_t)s->nth;
		s->th[t] = (struct pc_thread){ .cur = (uint32_t)at_rank(s, r), .start_rank = r };
	}
	snprintf(ctx->detail, ctx->detaillen, "one random cycle of %llu nodes (%zu MiB)",
		 (unsigned long long)s->n, s->bytes >> 20);
	return 0;
}

static int pc_run(struct wl_ctx *ctx, int t, double *work)
{
	struct pc *s = ctx->priv;
	struct pc_thread *th = &s->th[t];
	const struct node *nodes = s->nodes;
	uint32_t cur = th->cur;
	for (int i = 0; i < STEPS; i++)
		cur = nodes[cur].next;
	th->cur = cur;
	th->steps += STEPS;
	*work += STEPS;
	return 0;
}

static int pc_verify(struct wl_ctx *ctx, char *msg, size_t len)
{
	struct pc *s = ctx->priv;
	for (int t = 0; t < s->nth; t++) {
		const struct pc_thread *th = &s->th[t];
		uint64_t want = (th->start_rank + th->steps) % s->n;
		if (s->nodes[th->cur].rank != want)
			return wl_bad(msg, len, "thread %d: after %llu steps from rank %llu the chase "
				      "is at rank %u, not %llu", t, (unsigned long long)th->steps,
				      (unsigned long long)th->start_rank, s->nodes[th->cur].rank,
				      (unsigned long long)want);
	}
	snprintf(msg, len, "each thread ended at rank start + steps (mod %llu)",
		 (unsigned long long)s->n);
	return 0;
}

static void pc_corrupt(struct wl_ctx *ctx)
{
	struct pc *s = ctx->priv;
	s->th[0].cur = s->nodes[s->th[0].cur].next; /* a step nobody counted */
}

static void pc_teardown(struct wl_ctx *ctx)
{
	struct pc *s = ctx->priv;
	if (!s)
		return;
	wl_free(s->nodes, s->bytes);
	free(s->th);
	free(s);
}

const struct pp_workload wl_pointer_chase = {
	.name = "pointer-chase",
	.cls = PP_WL_BENIGN,
	.family = "memory",
	.help = "dependent random loads over a 1 GiB cycle (DRAM latency, like a database)",
	.unit = "loads/s",
	.opts = opts,
	.setup = pc_setup,
	.run = pc_run,
	.verify = pc_verify,
	.corrupt = pc_corrupt,
	.teardown = pc_teardown,
};
