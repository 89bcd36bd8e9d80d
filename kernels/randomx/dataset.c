/* Cache construction (Argon2d fill, SuperscalarHash generation) and dataset items. */
#include "kernels/randomx/dataset.h"

#include "kernels/randomx/argon2d.h"
#include "kernels/randomx/blake2-gen.h"
#include "kernels/randomx/ss-jit.h"

#include "core/clock.h"
#include "core/jit-buf.h"

#include <errno.h>
#include <omp.h>
#include <stdlib.h>
#include <string.h>

const uint64_t pp_rx_item_xor[7] = {
	9298411001130361340ULL, 12065312585734608966ULL, 9306329213124626780ULL,
	5281919268842080866ULL, 10536153434571861004ULL, 3398623926847679864ULL,
	9549104520008361294ULL,
};

int pp_rx_cache_new(const struct pp_rx_config *cfg, const void *key, size_t keylen,
		    enum pp_pages pages, struct pp_rx_cache **out)
{
	if (!out || pp_rx_config_check(cfg) || (keylen && !key))
		return -EINVAL;
	*out = NULL;
	struct pp_rx_cache *c = calloc(1, sizeof(*c));
	if (!c)
		return -ENOMEM;
	c->cfg = cfg;
	struct pp_argon2d_params ap = {
		.t_cost = cfg->argon_iterations,
		.m_cost = cfg->argon_memory,
		.lanes = cfg->argon_lanes,
		.outlen = 0, /* spec table 7.1.1: output size 0 */
		.pwd = key,
		.pwdlen = keylen,
		.salt = cfg->argon_salt,
		.saltlen = cfg->argon_salt_len,
	};
	size_t size = pp_argon2d_memory_size(&ap);
	int rc = pp_pages_alloc(size, pages, &c->mem);
	if (rc) {
		free(c);
		return rc;
	}
	rc = pp_argon2d_fill(&ap, c->mem.ptr, size);
	if (rc) {
		pp_rx_cache_free(c);
		return rc;
	}
	c->words = c->mem.ptr;
	c->item_mask = size / 64 - 1;

	struct pp_rx_blake2_gen g;
	pp_rx_blake2_gen_init(&g, key, keylen, 0);
	for (uint32_t i = 0; i < cfg->cache_accesses; i++)
		pp_rx_ss_generate(&c->prog[i], &g, cfg->superscalar_latency);
	*out = c;
	return 0;
}

int pp_rx_cache_set_jit(struct pp_rx_cache *c, bool on, bool rwx)
{
	if (!c)
		return -EINVAL;
	if (on && !pp_jit_supported())
		return -ENOTSUP;
	if (on && !c->words)
		return -EINVAL;
	pp_rx_ss_jit_free(c->jit);
	c->jit = NULL;
	c->jit_item = NULL;
	if (!on)
		return 0;
	int err = pp_rx_ss_jit_new(c, rwx, &c->jit);
	if (err)
		return err;
	c->jit_item = pp_rx_ss_jit_item_fn(c->jit);
	return 0;
}

bool pp_rx_cache_jit(const struct pp_rx_cache *c)
{
	return c && c->jit;
}

void pp_rx_cache_release_memory(struct pp_rx_cache *c)
{
	if (!c)
		return;
	pp_rx_cache_set_jit(c, false, false);
	pp_pages_free(&c->mem);
	c->words = NULL;
}

void pp_rx_cache_free(struct pp_rx_cache *c)
{
	if (!c)
		return;
	pp_rx_ss_jit_free(c->jit);
	pp_pages_free(&c->mem);
	free(c);
}

uint64_t pp_rx_dataset_items(const struct pp_rx_config *cfg)
{
	return (cfg->dataset_base_size + cfg->dataset_extra_size) / 64;
}

void pp_rx_dataset_item(const struct pp_rx_cache *c, uint64_t item, uint64_t out[8])
{
	/* Light mode calls this once per VM iteration: one indirect call, nothing more. */
	if (c->jit_item) {
		c->jit_item(out, item);
		return;
	}
	uint64_t r[8];
	r[0] = (item + 1) * PP_RX_ITEM_MUL;
	for (int i = 1; i < 8; i++)
		r[i] = r[0] ^ pp_rx_item_xor[i - 1];
	uint64_t index = item;
	for (uint32_t i = 0; i < c->cfg->cache_accesses; i++) {
		const uint64_t *mix = c->words + 8 * (index & c->item_mask);
		__builtin_prefetch(mix);
		pp_rx_ss_execute(&c->prog[i], r);
		for (int q = 0; q < 8; q++)
			r[q] ^= mix[q];
		index = r[c->prog[i].addr_reg];
	}
	memcpy(out, r, 64);
}

/* PP_RX_SS_BATCH consecutive items at once: each SuperscalarHash instruction is dispatched
 * once for all of them. */
static void items_batch(const struct pp_rx_cache *c, uint64_t first, uint64_t *out)
{
	enum { B = PP_RX_SS_BATCH };
	uint64_t r[8][B], index[B];
	for (int k = 0; k < B; k++) {
		uint64_t r0 = (first + k + 1) * PP_RX_ITEM_MUL;
		r[0][k] = r0;
		for (int i = 1; i < 8; i++)
			r[i][k] = r0 ^ pp_rx_item_xor[i - 1];
		index[k] = first + k;
	}
	for (uint32_t i = 0; i < c->cfg->cache_accesses; i++) {
		const struct pp_rx_ss_program *p = &c->prog[i];
		for (int k = 0; k < B; k++)
			__builtin_prefetch(c->words + 8 * (index[k] & c->item_mask));
		pp_rx_ss_execute_batch(p, r);
		for (int k = 0; k < B; k++) {
			const uint64_t *mix = c->words + 8 * (index[k] & c->item_mask);
			for (int q = 0; q < 8; q++)
				r[q][k] ^= mix[q];
			index[k] = r[p->addr_reg][k];
		}
	}
	for (int k = 0; k < B; k++)
		for (int q = 0; q < 8; q++)
			out[8 * k + q] = r[q][k];
}

void pp_rx_dataset_fill(const struct pp_rx_cache *c, uint64_t first, uint64_t count, void *out,
			int threads, pp_progress_fn progress, void *progress_arg)
{
	enum { B = PP_RX_SS_BATCH, CHUNK = 4096 }; /* items per work unit */
	uint64_t *dst = out;
	const uint64_t chunks = (count + CHUNK - 1) / CHUNK;
	uint64_t done = 0;
	double last = pp_clock_mono_s();
	if (threads <= 0)
		threads = omp_get_num_procs();
	if (progress)
		progress(progress_arg, "dataset", 0, count);
#pragma omp parallel for schedule(dynamic, 1) num_threads(threads)
	for (uint64_t ch = 0; ch < chunks; ch++) {
		uint64_t lo = ch * CHUNK, hi = lo + CHUNK < count ? lo + CHUNK : count;
		uint64_t i = lo;
		if (c->jit) {
			pp_rx_ss_jit_items(c->jit, first + lo, hi - lo, dst + 8 * lo);
			i = hi;
		}
		for (; i + B <= hi; i += B)
			items_batch(c, first + i, dst + 8 * i);
		for (; i < hi; i++)
			pp_rx_dataset_item(c, first + i, dst + 8 * i);
		uint64_t d;
#pragma omp atomic capture
		d = done += hi - lo;
		/* One thread reports, at most ~10 times a second, so the callback need not be
		 * thread-safe. */
		if (progress && omp_get_thread_num() == 0 && pp_clock_mono_s() - last >= 0.1) {
			last = pp_clock_mono_s();
			progress(progress_arg, "dataset", d, count);
		}
	}
	if (progress)
		progress(progress_arg, "dataset", count, count);
}
