/* CryptoNight family: a context that owns its scratchpad, and one hash call for every
 * variant in cn-config.h. Internal to powprint; the public face is pp_hash (kernels/hash.c). */
#ifndef PP_KERNELS_CRYPTONIGHT_H
#define PP_KERNELS_CRYPTONIGHT_H

#include "kernels/crypto/aes.h"
#include "kernels/cryptonight/cn-config.h"

#include <powprint/hash.h>

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct pp_cn_variant {
	enum pp_cn_id id;
	const char *name;
	uint32_t memory;
	uint32_t iterations;
	uint32_t mask;
	enum pp_cn_base base;
	uint32_t flags; /* PP_CNF_* */
};

/* The variant called `name` (canonical names as in cn-config.h, plus a few miner aliases
 * such as "cn/msr" or "cn-pico/trtl"), or NULL. */
const struct pp_cn_variant *pp_cn_variant_find(const char *name);
/* Variant i (0 .. PP_CN_COUNT-1). */
const struct pp_cn_variant *pp_cn_variant_at(int i);

struct pp_cn_ctx;

/* A context with a scratchpad of `memory` bytes (PP_CN_MAX_MEMORY covers every variant),
 * pages as asked (see core/pages.h), and the AES back end detected (or soft if forced). */
int pp_cn_ctx_new(size_t memory, enum pp_pages pages, bool soft_aes, struct pp_cn_ctx **out);
void pp_cn_ctx_free(struct pp_cn_ctx *ctx);
enum pp_aes_backend pp_cn_ctx_aes(const struct pp_cn_ctx *ctx);
/* "hugetlb", "thp" or "normal". */
const char *pp_cn_ctx_pages(const struct pp_cn_ctx *ctx);
size_t pp_cn_ctx_memory(const struct pp_cn_ctx *ctx);

/* cn/r's random math as JIT code (on) or through the threaded interpreter (off, the
 * default). rwx keeps the code pages read-write-execute instead of switching them with
 * mprotect (W^X). The program is compiled when the height changes; a compilation that fails
 * at hash time falls back to the interpreter for that hash. Returns 0, -ENOTSUP when `on`
 * and this build has no JIT (pp_jit_supported), -ENOMEM or -EPERM from the mapping. */
int pp_cn_ctx_set_jit(struct pp_cn_ctx *ctx, bool on, bool rwx);
/* Whether cn/r hashes on ctx use the JIT. */
bool pp_cn_ctx_jit(const struct pp_cn_ctx *ctx);

/* Hashes `len` bytes with variant v. Returns 0, or -EINVAL when v needs a bigger scratchpad
 * than ctx has or v is cn/1-based and len < PP_CN_V1_MIN_INPUT (never silent zeros). */
int pp_cn_hash(struct pp_cn_ctx *ctx, const struct pp_cn_variant *v, const void *in,
	       size_t len, uint64_t height, uint8_t out[32]);

#endif
