/* RandomX's AES functions (spec 3.2-3.4): AesGenerator1R fills the scratchpad,
 * AesGenerator4R produces programs, AesHash1R fingerprints the scratchpad. Each runs on the
 * AES back end given (kernels/crypto/aes.h); all back ends give the same bytes. */
#ifndef PP_KERNELS_RANDOMX_AES_GEN_H
#define PP_KERNELS_RANDOMX_AES_GEN_H

#include "kernels/crypto/aes.h"

#include <stddef.h>
#include <stdint.h>

/* Writes len bytes (a multiple of 64) of AesGenerator1R output seeded by state, and leaves
 * the generator's final state in state. */
void pp_rx_aes_fill1r(enum pp_aes_backend b, uint8_t state[64], void *out, size_t len);
/* Writes len bytes (a multiple of 64) of AesGenerator4R output seeded by state, with the 8
 * round keys `keys` (NULL: the specification's). */
void pp_rx_aes_fill4r(enum pp_aes_backend b, const uint8_t (*keys)[16], const uint8_t state[64],
		      void *out, size_t len);
/* AesHash1R of len bytes (a multiple of 64). */
void pp_rx_aes_hash1r(enum pp_aes_backend b, const void *in, size_t len, uint8_t out[64]);

#endif
