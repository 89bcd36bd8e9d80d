/* pointer-chase: dependent loads along one random cycle through a large array (DRAM latency,
 * like index lookups in a big database). Each 8-byte node holds the next node's index and
 * its own rank in the cycle, so after s steps from rank r the chase must stand at rank
 * r + s (mod N): a known answer that no skipped step can fake. */
#include "kernels/workloads/wl.h"

#include <errno.h>
#include <stdlib.h>

#define STEPS 65536 /* per run() call: a few ms at DRAM latency */
#define PAGE_NODES 512 /* nodes per 4 KiB page */

enum { O_SIZE };
static const struct pp_workload_opt opts[] = {
	{ "size", PP_WOPT_SIZE, "BYTES", "1G", 64 << 10, 32ll << 30, NULL,
	  "bytes of nodes (8 bytes each, whole 4 KiB pages)" },
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
	uint64_t n, npages;
	/* The cycle's order: rank k lives on page page_perm[k % npages] at slot
	 * slot_perm[k / npages]. Consecutive ranks land on random pages all over the array (a
	 * TLB and cache miss each, no stride to prefetch), yet the order has a cheap inverse,
	 * so setup can write the array sequentially. */
	uint32_t *page_perm, *page_inv;
	uint16_t slot_perm[PAGE_NODES], slot_inv[PAGE_NODES];
	struct pc_thread *th;
	int nth;
};

static void shuffle(uint64_t *rng, uint32_t *perm, uint32_t *inv, uint32_t n)
{
	for (uint32_t i = 0; i < n; i++)
		perm[i] = i;
	for (uint32_t i = n - 1; i > 0; i--) { /* Fisher-Yates */
		uint32_t j = (uint32_t)(wl_rand(rng) % (i + 1));
		uint32_t t = perm[i];
		perm[i] = perm[j];
		perm[j] = t;
	}
	for (uint32_t i = 0; i < n; i++)
		inv[perm[i]] = i;
}

static uint64_t at_rank(const struct pc *s, uint64_t k)
{
	return (uint64_t)s->page_perm[k % s->npages] * PAGE_NODES + s->slot_perm[k / s->npages];
}

static int pc_setup(struct wl_ctx *ctx)
{
	struct pc *s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	ctx->priv = s;
	s->npages = (uint64_t)ctx->opt[O_SIZE] / (PAGE_NODES * sizeof(struct node));
	if (s->npages * PAGE_NODES > UINT32_MAX)
		s->npages = UINT32_MAX / PAGE_NODES;
	s->n = s->npages * PAGE_NODES;
	s->bytes = s->n * sizeof(struct node);
	s->nodes = wl_alloc(s->bytes);
	s->page_perm = malloc(s->npages * sizeof(uint32_t));
	s->page_inv = malloc(s->npages * sizeof(uint32_t));
	s->th = calloc((size_t)ctx->threads, sizeof(*s->th));
	if (!s->nodes || !s->page_perm || !s->page_inv || !s->th)
		return wl_fail(ctx, -ENOMEM, "pointer-chase: cannot allocate %zu MiB", s->bytes >> 20);
	s->nth = ctx->threads;
	uint64_t rng = 0x70636861ull;
	shuffle(&rng, s->page_perm, s->page_inv, (uint32_t)s->npages);
	uint32_t sp[PAGE_NODES], si[PAGE_NODES];
	shuffle(&rng, sp, si, PAGE_NODES);
	for (int i = 0; i < PAGE_NODES; i++) {
		s->slot_perm[i] = (uint16_t)sp[i];
		s->slot_inv[i] = (uint16_t)si[i];
	}
	/* In address order: each node's rank from the inverse, its successor's address from
	 * the rank + 1 without a division. */
	int64_t np = (int64_t)s->npages;
#pragma omp parallel for schedule(static)
	for (int64_t p = 0; p < np; p++) {
		uint64_t q = s->page_inv[p];
		struct node *pg = s->nodes + (uint64_t)p * PAGE_NODES;
		for (uint32_t o = 0; o < PAGE_NODES; o++) {
			uint64_t r = s->slot_inv[o];
			uint64_t q1 = q + 1, r1 = r;
			if (q1 == s->npages) {
				q1 = 0;
				r1 = r + 1 == PAGE_NODES ? 0 : r + 1;
			}
			uint64_t next = (uint64_t)s->page_perm[q1] * PAGE_NODES + s->slot_perm[r1];
			pg[o] = (struct node){ (uint32_t)next, (uint32_t)(q + s->npages * r) };
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
	free(s->page_perm);
	free(s->page_inv);
	free(s->th);
	free(s);
}

const struct pp_workload wl_pointer_chase = {
	.name = "pointer-chase", .cls = PP_WL_BENIGN, .family = "memory", .quick = true,
	.help = "dependent random loads over a 1 GiB cycle (DRAM latency, like a database)",
	.unit = "loads/s", .opts = opts,
	.setup = pc_setup, .run = pc_run,
	.verify = pc_verify, .corrupt = pc_corrupt, .teardown = pc_teardown,
};
