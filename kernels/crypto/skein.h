/* Skein-512-256 (Skein 1.3): one of CryptoNight's four final hashes. */
#ifndef PP_KERNELS_CRYPTO_SKEIN_H
#define PP_KERNELS_CRYPTO_SKEIN_H

#include <stddef.h>
#include <stdint.h>

void pp_skein512_256(const void *in, size_t len, uint8_t out[32]);

#endif
