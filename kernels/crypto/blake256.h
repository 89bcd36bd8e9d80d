/* BLAKE-256 (the SHA-3 finalist, 14 rounds, zero salt): one of CryptoNight's four final
 * hashes, and cn/r's random-program byte generator. */
#ifndef PP_KERNELS_CRYPTO_BLAKE256_H
#define PP_KERNELS_CRYPTO_BLAKE256_H

#include <stddef.h>
#include <stdint.h>

void pp_blake256(const void *in, size_t len, uint8_t out[32]);

#endif
