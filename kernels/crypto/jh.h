/* JH-256 (JH42, the SHA-3 final-round version): one of CryptoNight's four final hashes. */
#ifndef PP_KERNELS_CRYPTO_JH_H
#define PP_KERNELS_CRYPTO_JH_H

#include <stddef.h>
#include <stdint.h>

void pp_jh256(const void *in, size_t len, uint8_t out[32]);

#endif
