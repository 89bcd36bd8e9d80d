/* BLAKE2b (RFC 7693): one-shot and incremental hashing, 1..64-byte digests, optional key.
 * RandomX uses it for Hash256/Hash512, its generator and (through Argon2d) its cache; the
 * BLAKE2b workload uses it directly. Internal to powprint. */
#ifndef PP_KERNELS_CRYPTO_BLAKE2B_H
#define PP_KERNELS_CRYPTO_BLAKE2B_H

#include <stddef.h>
#include <stdint.h>

#define PP_BLAKE2B_BLOCKBYTES 128
#define PP_BLAKE2B_OUTBYTES 64
#define PP_BLAKE2B_KEYBYTES 64

/* Incremental state; plain data, so it can live on the stack and be copied. */
struct pp_blake2b {
	uint64_t h[8];
	uint64_t t[2];          /* bytes compressed so far (128-bit counter) */
	uint8_t buf[PP_BLAKE2B_BLOCKBYTES];
	size_t buflen;
	size_t outlen;
};

/* Starts a hash with an outlen-byte digest (1..64) and an optional key (keylen 0..64).
 * Returns 0 or -EINVAL. */
int pp_blake2b_init(struct pp_blake2b *s, size_t outlen, const void *key, size_t keylen);
void pp_blake2b_update(struct pp_blake2b *s, const void *in, size_t len);
/* Writes s->outlen bytes to out; the state must be re-initialised before reuse. */
void pp_blake2b_final(struct pp_blake2b *s, void *out);

/* One shot: out = BLAKE2b-(8*outlen)(key, in). Returns 0 or -EINVAL. */
int pp_blake2b(void *out, size_t outlen, const void *in, size_t inlen, const void *key,
	       size_t keylen);

#endif
