/* Keccak-f[1600] and the original-padding Keccak sponge CryptoNight uses (Monero's
 * cn_fast_hash = Keccak-256 with pad byte 0x01, not SHA-3's 0x06). */
#ifndef PP_KERNELS_CRYPTO_KECCAK_H
#define PP_KERNELS_CRYPTO_KECCAK_H

#include <stddef.h>
#include <stdint.h>

#define PP_KECCAK_RATE 136 /* bytes: capacity 512 bits, as CryptoNight uses for every size */

/* The permutation, `rounds` of the standard 24 (CryptoNight always uses 24). */
void pp_keccakf(uint64_t st[25], int rounds);
/* Absorbs `len` bytes at rate 136 with padding 0x01 .. 0x80 and writes the first `mdlen`
 * (<= 200) bytes of the state: 32 for Keccak-256, 200 for CryptoNight's initial state. */
void pp_keccak(const void *in, size_t len, uint8_t *md, size_t mdlen);
static inline void pp_keccak256(const void *in, size_t len, uint8_t out[32])
{
	pp_keccak(in, len, out, 32);
}

#endif
