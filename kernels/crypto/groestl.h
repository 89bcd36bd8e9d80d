/* Groestl-256 (the final-round, tweaked Grøstl): one of CryptoNight's four final hashes. */
#ifndef PP_KERNELS_CRYPTO_GROESTL_H
#define PP_KERNELS_CRYPTO_GROESTL_H

#include <stddef.h>
#include <stdint.h>

void pp_groestl256(const void *in, size_t len, uint8_t out[32]);

#endif
