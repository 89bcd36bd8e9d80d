/* BlakeGenerator (RandomX spec 3.5): bytes and 32-bit words drawn from a 64-byte state that
 * is re-hashed with BLAKE2b-512 whenever it runs out. Seeds SuperscalarHash generation. */
#ifndef PP_KERNELS_RANDOMX_BLAKE2_GEN_H
#define PP_KERNELS_RANDOMX_BLAKE2_GEN_H

#include <stddef.h>
#include <stdint.h>

struct pp_rx_blake2_gen {
	uint8_t data[64];
	size_t index;           /* next unused byte; 64 = exhausted */
};

/* Seed: up to 60 bytes of key (longer keys are cut at 60), then a 32-bit nonce in the last
 * four bytes, as the reference does. */
void pp_rx_blake2_gen_init(struct pp_rx_blake2_gen *g, const void *seed, size_t len,
			   uint32_t nonce);
uint8_t pp_rx_blake2_gen_byte(struct pp_rx_blake2_gen *g);
uint32_t pp_rx_blake2_gen_u32(struct pp_rx_blake2_gen *g);

#endif
