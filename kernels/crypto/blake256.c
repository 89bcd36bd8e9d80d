/* BLAKE-256 from its specification (Aumasson et al., "SHA-3 proposal BLAKE", v1.3):
 * HAIFA iteration with a 64-bit bit counter, ChaCha-like G over a 4x4 word state, 14
 * rounds, big-endian words. */
#include "kernels/crypto/blake256.h"

#include <string.h>

static const uint32_t iv[8] = { 0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
				0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19 };

/* The first digits of pi. */
static const uint32_t cst[16] = { 0x243f6a88, 0x85a308d3, 0x13198a2e, 0x03707344,
				  0xa4093822, 0x299f31d0, 0x082efa98, 0xec4e6c89,
				  0x452821e6, 0x38d01377, 0xbe5466cf, 0x34e90c6c,
				  0xc0ac29b7, 0xc97c50dd, 0x3f84d5b5, 0xb5470917 };

static const uint8_t sigma[10][16] = {
	{ 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15 },
	{ 14, 10, 4, 8, 9, 15, 13, 6, 1, 12, 0, 2, 11, 7, 5, 3 },
	{ 11, 8, 12, 0, 5, 2, 15, 13, 10, 14, 3, 6, 7, 1, 9, 4 },
	{ 7, 9, 3, 1, 13, 12, 11, 14, 2, 6, 5, 10, 4, 0, 15, 8 },
	{ 9, 0, 5, 7, 2, 4, 10, 15, 14, 1, 11, 12, 6, 8, 3, 13 },
	{ 2, 12, 6, 10, 0, 11, 8, 3, 4, 13, 7, 5, 15, 14, 1, 9 },
	{ 12, 5, 1, 15, 14, 13, 4, 10, 0, 7, 6, 3, 9, 2, 8, 11 },
	{ 13, 11, 7, 14, 12, 1, 3, 9, 5, 0, 15, 4, 8, 6, 2, 10 },
	{ 6, 15, 14, 9, 11, 3, 0, 8, 12, 2, 13, 7, 1, 4, 10, 5 },
	{ 10, 2, 8, 4, 7, 6, 1, 5, 15, 11, 9, 14, 3, 12, 13, 0 },
};

static inline uint32_t ror32(uint32_t x, int n)
{
	return (x >> n) | (x << (32 - n));
}

static inline uint32_t load_be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static void compress(uint32_t h[8], const uint8_t block[64], uint64_t counter)
{
	uint32_t m[16], v[16];
	for (int i = 0; i < 16; i++)
		m[i] = load_be32(block + 4 * i);
	memcpy(v, h, 32);
	for (int i = 0; i < 4; i++)
		v[8 + i] = cst[i]; /* salt is zero */
	v[12] = (uint32_t)counter ^ cst[4];
	v[13] = (uint32_t)counter ^ cst[5];
	v[14] = (uint32_t)(counter >> 32) ^ cst[6];
	v[15] = (uint32_t)(counter >> 32) ^ cst[7];

	/* G on columns then diagonals: (a, b, c, d) indices and the message pair used. */
	static const uint8_t lanes[8][4] = { { 0, 4, 8, 12 }, { 1, 5, 9, 13 }, { 2, 6, 10, 14 },
					     { 3, 7, 11, 15 }, { 0, 5, 10, 15 }, { 1, 6, 11, 12 },
					     { 2, 7, 8, 13 }, { 3, 4, 9, 14 } };
	for (int r = 0; r < 14; r++) {
		const uint8_t *s = sigma[r % 10];
		for (int i = 0; i < 8; i++) {
			uint32_t *a = &v[lanes[i][0]], *b = &v[lanes[i][1]];
			uint32_t *c = &v[lanes[i][2]], *d = &v[lanes[i][3]];
			uint8_t x = s[2 * i], y = s[2 * i + 1];
			*a += *b + (m[x] ^ cst[y]);
			*d = ror32(*d ^ *a, 16);
			*c += *d;
			*b = ror32(*b ^ *c, 12);
			*a += *b + (m[y] ^ cst[x]);
			*d = ror32(*d ^ *a, 8);
			*c += *d;
			*b = ror32(*b ^ *c, 7);
		}
	}
	for (int i = 0; i < 8; i++)
		h[i] ^= v[i] ^ v[i + 8];
}

void pp_blake256(const void *in, size_t len, uint8_t out[32])
{
	uint32_t h[8];
	const uint8_t *p = in;
	uint64_t bits = (uint64_t)len * 8, done = 0;
	memcpy(h, iv, sizeof(h));

	for (; len >= 64; len -= 64, p += 64) {
		done += 512;
		compress(h, p, done);
	}
	/* Padding: a 1 bit, zeros, a 1 bit, then the 64-bit big-endian message length. A block
	 * holding no message bits is compressed with counter 0. */
	uint8_t buf[128] = { 0 };
	memcpy(buf, p, len);
	buf[len] = 0x80;
	size_t total = len + 1 + 8 <= 64 ? 64 : 128;
	buf[total - 9] |= 0x01;
	for (int i = 0; i < 8; i++)
		buf[total - 1 - i] = (uint8_t)(bits >> (8 * i));
	if (total == 64) {
		compress(h, buf, len ? bits : 0);
	} else {
		compress(h, buf, bits);
		compress(h, buf + 64, 0);
	}
	for (int i = 0; i < 8; i++) {
		out[4 * i] = (uint8_t)(h[i] >> 24);
		out[4 * i + 1] = (uint8_t)(h[i] >> 16);
		out[4 * i + 2] = (uint8_t)(h[i] >> 8);
		out[4 * i + 3] = (uint8_t)h[i];
	}
}
