/* hashtable: get/put on an open-addressing hash table per thread (a key-value store shard).
 * Keys 0..K-1 are stored with value f(key); gets draw keys from 0..2K-1, so every get must
 * hit exactly when key < K and return f(key): a known answer for each operation. */
#include "kernels/workloads/wl.h"

#include <errno.h>
#include <stdlib.h>

#define OPS 16384    /* per run() call */
#define PUT_PCT 20

enum { O_SIZE };
static const struct pp_workload_opt opts[] = {
	{ "size", PP_WOPT_SIZE, "BYTES", "64M", 64 << 10, 64ll << 30, NULL,
	  "table bytes per thread (16-byte slots, half full)" },
	{ 0 },
};

struct slot {
	uint64_t key; /* key + 1; 0 = empty */
	uint64_t val;
};

struct ht_thread {
	struct slot *tab;
	uint64_t rng, ops, wrong;
};

struct ht {
	size_t slots, bytes;
	uint64_t nkeys;
	struct ht_thread *th;
	int nth;
};

static uint64_t mix(uint64_t x)
{
	x ^= x >> 33;
	x *= 0xff51afd7ed558ccdull;
	x ^= x >> 33;
	x *= 0xc4ceb9fe1a85ec53ull;
	return x ^ (x >> 33);
}

static uint64_t value_of(uint64_t key)
{
	return key * 0x2545f4914f6cdd1dull ^ 0x5bd1e995ull;
}

/* The slot holding key, or the empty slot where it would go. */
static struct slot *probe(struct slot *tab, size_t slots, uint64_t key)
{
	size_t i = mix(key) & (slots - 1);
	while (tab[i].key && tab[i].key != key + 1)
		i = (i + 1) & (slots - 1);
	return &tab[i];
}

static int ht_setup(struct wl_ctx *ctx)
{
	struct ht *s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	ctx->priv = s;
	s->slots = 1;
	while (s->slots * 2 * sizeof(struct slot) <= (size_t)ctx->opt[O_SIZE])
		s->slots *= 2;
	s->bytes = s->slots * sizeof(struct slot);
	s->nkeys = s->slots / 2;
	s->th = calloc((size_t)ctx->threads, sizeof(*s->th));
	if (!s->th)
		return -ENOMEM;
	s->nth = ctx->threads;
	for (int t = 0; t < s->nth; t++) {
		struct ht_thread *th = &s->th[t];
		th->rng = 0x6874ull + (uint64_t)t;
		th->tab = wl_alloc(s->bytes);
		if (!th->tab)
			return wl_fail(ctx, -ENOMEM, "hashtable: cannot allocate %zu MiB per thread",
				       s->bytes >> 20);
		for (uint64_t k = 0; k < s->nkeys; k++)
			*probe(th->tab, s->slots, k) = (struct slot){ k + 1, value_of(k) };
	}
	snprintf(ctx->detail, ctx->detaillen, "%zu slots (%zu MiB) per thread, %llu keys, %d%% puts",
		 s->slots, s->bytes >> 20, (unsigned long long)s->nkeys, PUT_PCT);
	return 0;
}

static int ht_run(struct wl_ctx *ctx, int t, double *work)
{
	struct ht *s = ctx->priv;
	struct ht_thread *th = &s->th[t];
	uint64_t wrong = 0;
	for (int i = 0; i < OPS; i++) {
		uint64_t r = wl_rand(&th->rng);
		if ((r >> 56) % 100 < PUT_PCT) {
			uint64_t key = (r & 0xffffffffffull) % s->nkeys;
			struct slot *sl = probe(th->tab, s->slots, key);
			wrong += sl->key != key + 1; /* every put here overwrites */
			*sl = (struct slot){ key + 1, value_of(key) };
		} else {
			uint64_t key = (r & 0xffffffffffull) % (2 * s->nkeys);
			const struct slot *sl = probe(th->tab, s->slots, key);
			bool hit = sl->key == key + 1;
			wrong += hit != (key < s->nkeys) || (hit && sl->val != value_of(key));
		}
	}
	th->wrong += wrong;
	th->ops += OPS;
	*work += OPS;
	return 0;
}

static int ht_verify(struct wl_ctx *ctx, char *msg, size_t len)
{
	struct ht *s = ctx->priv;
	for (int t = 0; t < s->nth; t++) {
		const struct ht_thread *th = &s->th[t];
		if (th->wrong)
			return wl_bad(msg, len, "thread %d: %llu of %llu operations gave a wrong answer",
				      t, (unsigned long long)th->wrong, (unsigned long long)th->ops);
		uint64_t found = 0;
		for (size_t i = 0; i < s->slots; i++) {
			const struct slot *sl = &th->tab[i];
			if (!sl->key)
				continue;
			if (sl->key > s->nkeys || sl->val != value_of(sl->key - 1))
				return wl_bad(msg, len, "thread %d: slot %zu holds key %llu with a wrong "
					      "value", t, i, (unsigned long long)(sl->key - 1));
			found++;
		}
		if (found != s->nkeys)
			return wl_bad(msg, len, "thread %d: table holds %llu keys, not %llu", t,
				      (unsigned long long)found, (unsigned long long)s->nkeys);
	}
	snprintf(msg, len, "every get hit exactly the stored keys with f(key); each table holds "
		 "exactly keys 0..%llu", (unsigned long long)s->nkeys - 1);
	return 0;
}

static void ht_corrupt(struct wl_ctx *ctx)
{
	struct ht *s = ctx->priv;
	probe(s->th[0].tab, s->slots, 7)->val ^= 1;
}

static void ht_teardown(struct wl_ctx *ctx)
{
	struct ht *s = ctx->priv;
	if (!s)
		return;
	for (int t = 0; s->th && t < s->nth; t++)
		wl_free(s->th[t].tab, s->bytes);
	free(s->th);
	free(s);
}

const struct pp_workload wl_hashtable = {
	.name = "hashtable", .cls = PP_WL_BENIGN, .family = "memory",
	.help = "get/put on an open-addressing hash table (a key-value store shard)",
	.unit = "ops/s", .opts = opts,
	.setup = ht_setup, .run = ht_run,
	.verify = ht_verify, .corrupt = ht_corrupt, .teardown = ht_teardown,
};
