/* Argon2d (RFC 9106, version 0x13) with access to the filled memory.
 *
 * Why not Debian's libargon2: RandomX's cache *is* Argon2d's memory after the last pass
 * (RandomX spec 7.1: "the finalizer and output calculation steps are omitted"), and
 * libargon2's public API only hands out the final tag and frees the memory. So the fill is
 * written here on top of our BLAKE2b; pp_argon2d_hash() adds the finalizer so tests can
 * compare tags with libargon2's argon2d_hash_raw(). Internal to powprint. */
#ifndef PP_KERNELS_RANDOMX_ARGON2D_H
#define PP_KERNELS_RANDOMX_ARGON2D_H

#include <stddef.h>
#include <stdint.h>

#define PP_ARGON2_BLOCK_SIZE 1024
#define PP_ARGON2_VERSION 0x13

struct pp_argon2d_params {
	uint32_t t_cost;        /* passes, >= 1 */
	uint32_t m_cost;        /* KiB (1 KiB blocks), >= 8 * lanes */
	uint32_t lanes;         /* >= 1; lanes are filled one after another (no threads) */
	uint32_t outlen;        /* tag length hashed into H0 (RandomX: 0) */
	const void *pwd;
	size_t pwdlen;
	const void *salt;
	size_t saltlen;
	const void *secret;
	size_t secretlen;
	const void *ad;
	size_t adlen;
};

/* Bytes of memory the fill uses: m_cost rounded down to a multiple of 4 * lanes blocks. */
size_t pp_argon2d_memory_size(const struct pp_argon2d_params *p);

/* Runs all passes over `memory` (pp_argon2d_memory_size() bytes, 8-byte aligned), leaving the
 * filled blocks in place, lane after lane. Returns 0 or -EINVAL. */
int pp_argon2d_fill(const struct pp_argon2d_params *p, void *memory, size_t size);

/* The full Argon2d: fill plus finalizer, writing p->outlen (>= 4) tag bytes. Allocates the
 * memory itself. Returns 0, -EINVAL or -ENOMEM. */
int pp_argon2d_hash(const struct pp_argon2d_params *p, void *tag);

#endif
