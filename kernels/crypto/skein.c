/* Skein-512-256 from its specification (Ferguson et al., "The Skein Hash Function Family",
 * v1.3): Threefish-512 (72 rounds, key injection every 4) in UBI chaining: a config block,
 * the message, then an output block. Little-endian words. */
#include "kernels/crypto/skein.h"

#include <string.h>

#define WORDS 8
#define ROUNDS 72
#define C240 0x1bd11bdaa9fc1a22ULL

enum { TYPE_CFG = 4, TYPE_MSG = 48, TYPE_OUT = 63 };

static const uint8_t rot[8][4] = { { 46, 36, 19, 37 }, { 33, 27, 14, 42 }, { 17, 49, 36, 39 },
				   { 44, 9, 54, 56 },  { 39, 30, 34, 24 }, { 13, 50, 10, 17 },
				   { 25, 29, 39, 43 }, { 8, 35, 56, 22 } };
static const uint8_t perm[8] = { 2, 1, 4, 7, 6, 5, 0, 3 };

static inline uint64_t rotl64(uint64_t x, int n)
{
	return (x << n) | (x >> (64 - n));
}

static void threefish512(const uint64_t key[8], const uint64_t tweak[2], const uint64_t in[8],
			 uint64_t out[8])
{
	uint64_t k[9], t[3] = { tweak[0], tweak[1], tweak[0] ^ tweak[1] }, v[8];
	k[8] = C240;
	for (int i = 0; i < WORDS; i++) {
		k[i] = key[i];
		k[8] ^= key[i];
	}
	memcpy(v, in, sizeof(v));
	for (int d = 0; d < ROUNDS; d++) {
		if (d % 4 == 0) { /* subkey s = d / 4 */
			int s = d / 4;
			for (int i = 0; i < WORDS; i++)
				v[i] += k[(s + i) % 9];
			v[5] += t[s % 3];
			v[6] += t[(s + 1) % 3];
			v[7] += (uint64_t)s;
		}
		for (int j = 0; j < 4; j++) { /* MIX */
			v[2 * j] += v[2 * j + 1];
			v[2 * j + 1] = rotl64(v[2 * j + 1], rot[d % 8][j]) ^ v[2 * j];
		}
		uint64_t p[8];
		for (int i = 0; i < WORDS; i++)
			p[i] = v[perm[i]];
		memcpy(v, p, sizeof(v));
	}
	for (int i = 0; i < WORDS; i++)
		out[i] = v[i] + k[(18 + i) % 9];
	out[5] += t[18 % 3];
	out[6] += t[19 % 3];
	out[7] += 18;
}

/* UBI(G, M, type): G <- E_G,T(block) ^ block for each 64-byte block (zero-padded; an empty
 * message is one zero block), with the byte position, first and final flags in the tweak. */
static void ubi(uint64_t g[8], const uint8_t *m, size_t len, int type)
{
	uint64_t pos = 0;
	int first = 1;
	do {
		uint8_t block[64] = { 0 };
		size_t n = len < 64 ? len : 64;
		memcpy(block, m, n);
		m += n;
		len -= n;
		pos += n;
		uint64_t w[8], tw[2], o[8];
		memcpy(w, block, 64); /* little-endian host, as keccak.c asserts */
		tw[0] = pos;
		tw[1] = (uint64_t)type << 56 | (uint64_t)first << 62 | (uint64_t)(len == 0) << 63;
		threefish512(g, tw, w, o);
		for (int i = 0; i < WORDS; i++)
			g[i] = o[i] ^ w[i];
		first = 0;
	} while (len > 0);
}

void pp_skein512_256(const void *in, size_t len, uint8_t out[32])
{
	uint64_t g[8] = { 0 };
	/* Config: schema "SHA3", version 1, output length 256 bits, no tree. */
	uint8_t cfg[32] = { 'S', 'H', 'A', '3', 1, 0, 0, 0, 0, 1 };
	ubi(g, cfg, sizeof(cfg), TYPE_CFG);
	ubi(g, in, len, TYPE_MSG);
	uint8_t ctr[8] = { 0 };
	ubi(g, ctr, sizeof(ctr), TYPE_OUT);
	memcpy(out, g, 32);
}
