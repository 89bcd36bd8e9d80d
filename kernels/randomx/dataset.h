/* The RandomX cache (Argon2d memory plus the SuperscalarHash programs of one key) and the
 * dataset built from it (spec chapter 7): single items for light mode, the whole 2 GiB for
 * fast mode. */
#ifndef PP_KERNELS_RANDOMX_DATASET_H
#define PP_KERNELS_RANDOMX_DATASET_H

#include "core/pages.h"
#include "kernels/randomx/config.h"
#include "kernels/randomx/superscalar.h"

#include <powprint/hash.h>

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Register initialisation of a dataset item (spec 7.3 step 1): r0 = (item + 1) * mul,
 * ri = r0 ^ xor[i - 1]. */
#define PP_RX_ITEM_MUL 6364136223846793005ULL
extern const uint64_t pp_rx_item_xor[7];

struct pp_rx_ss_jit;

struct pp_rx_cache {
	const struct pp_rx_config *cfg;
	struct pp_mapping mem;          /* argon_memory KiB of Argon2d blocks */
	const uint64_t *words;          /* mem.ptr */
	uint64_t item_mask;             /* 64-byte cache items - 1 */
	struct pp_rx_ss_program prog[PP_RX_CACHE_ACCESSES_MAX];
	struct pp_rx_ss_jit *jit;       /* compiled programs, NULL: the interpreter */
	void (*jit_item)(uint64_t out[8], uint64_t item); /* its single-item entry */
};

/* Fills a cache for `key` (0..60 bytes; longer keys are cut at 60 for the generator, as the
 * reference does, and used whole by Argon2d). Returns 0, -EINVAL or -ENOMEM. */
int pp_rx_cache_new(const struct pp_rx_config *cfg, const void *key, size_t keylen,
		    enum pp_pages pages, struct pp_rx_cache **out);
void pp_rx_cache_free(struct pp_rx_cache *c);
/* Releases the Argon2d memory but keeps the programs (fast mode after dataset init); the
 * compiled code goes with it, since no item can be computed any more. */
void pp_rx_cache_release_memory(struct pp_rx_cache *c);

/* Computes items with compiled SuperscalarHash (on) or the interpreter (off, the default).
 * `rwx` keeps the code pages writable too. Not to be called while items are computed.
 * Returns 0; -ENOTSUP when `on` and there is no JIT for this CPU; -EINVAL after
 * pp_rx_cache_release_memory(); -ENOMEM, -ENOSPC or -errno from mprotect. */
int pp_rx_cache_set_jit(struct pp_rx_cache *c, bool on, bool rwx);
/* True while items come from compiled code (off again after release_memory). */
bool pp_rx_cache_jit(const struct pp_rx_cache *c);

/* Items in the dataset: (base + extra) / 64. */
uint64_t pp_rx_dataset_items(const struct pp_rx_config *cfg);

/* Dataset item `item` computed from the cache (light mode, tests). */
void pp_rx_dataset_item(const struct pp_rx_cache *c, uint64_t item, uint64_t out[8]);

/* Items [first, first + count) into out (count * 64 bytes), `threads` OpenMP threads (0 = all
 * online CPUs), progress reported from one thread about 10 times a second (may be NULL). */
void pp_rx_dataset_fill(const struct pp_rx_cache *c, uint64_t first, uint64_t count, void *out,
			int threads, pp_progress_fn progress, void *progress_arg);

#endif
