/* BlakeGenerator: see blake2-gen.h. */
#include "kernels/randomx/blake2-gen.h"

#include "kernels/crypto/blake2b.h"
#include "kernels/randomx/config.h"

#include <string.h>

void pp_rx_blake2_gen_init(struct pp_rx_blake2_gen *g, const void *seed, size_t len,
			   uint32_t nonce)
{
	memset(g->data, 0, sizeof(g->data));
	if (len > PP_RX_KEY_MAX)
		len = PP_RX_KEY_MAX;
	if (len)
		memcpy(g->data, seed, len);
	for (int i = 0; i < 4; i++)
		g->data[PP_RX_KEY_MAX + i] = (uint8_t)(nonce >> (8 * i));
	g->index = sizeof(g->data); /* the first draw hashes the seed */
}

static void need(struct pp_rx_blake2_gen *g, size_t n)
{
	if (g->index + n > sizeof(g->data)) {
		pp_blake2b(g->data, sizeof(g->data), g->data, sizeof(g->data), NULL, 0);
		g->index = 0;
	}
}

uint8_t pp_rx_blake2_gen_byte(struct pp_rx_blake2_gen *g)
{
	need(g, 1);
	return g->data[g->index++];
}

uint32_t pp_rx_blake2_gen_u32(struct pp_rx_blake2_gen *g)
{
	need(g, 4);
	const uint8_t *p = g->data + g->index;
	g->index += 4;
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}
