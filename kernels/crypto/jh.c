/* JH-256 from its specification (Hongjun Wu, "The Hash Function JH", 2011), following the
 * standard (nibble-wise) description: a 1024-bit state, compression F8 around the bijection
 * E8 = 42 rounds of R8 (two 4-bit S-boxes chosen by round-constant bits, the linear map L on
 * nibble pairs, the permutation P8). Round constants are generated with R6 from C0 (the
 * fractional part of sqrt(2)). Slow but small: it runs once per CryptoNight hash. */
#include "kernels/crypto/jh.h"

#include <string.h>

static const uint8_t sbox[2][16] = {
	{ 9, 0, 4, 11, 13, 12, 3, 15, 1, 10, 2, 6, 7, 5, 8, 14 },
	{ 3, 12, 6, 13, 5, 7, 1, 9, 15, 2, 0, 4, 11, 10, 14, 8 },
};

static const uint8_t c0[32] = { 0x6a, 0x09, 0xe6, 0x67, 0xf3, 0xbc, 0xc9, 0x08,
				0xb2, 0xfb, 0x13, 0x66, 0xea, 0x95, 0x7d, 0x3e,
				0x3a, 0xde, 0xc1, 0x75, 0x12, 0x77, 0x50, 0x99,
				0xda, 0x2f, 0x59, 0x0b, 0x06, 0x67, 0x32, 0x2a };

static inline uint8_t mul2(uint8_t x) /* times 2 in GF(2^4) mod x^4 + x + 1 */
{
	return (uint8_t)(((x << 1) & 0xf) ^ ((x >> 3) * 0x3));
}

/* One round R_d on n = 2^d nibbles; constant bit i selects the S-box of nibble i. */
static void round_d(uint8_t *a, int n, const uint8_t *cbits)
{
	uint8_t t[256], u[256];
	for (int i = 0; i < n; i++)
		t[i] = sbox[cbits[i]][a[i]];
	for (int i = 0; i < n; i += 2) { /* L: D = B ^ 2A, C = A ^ 2D */
		uint8_t d = t[i + 1] ^ mul2(t[i]);
		t[i] = t[i] ^ mul2(d);
		t[i + 1] = d;
	}
	for (int i = 0; i < n; i += 4) { /* pi: swap the last two of every four */
		uint8_t x = t[i + 2];
		t[i + 2] = t[i + 3];
		t[i + 3] = x;
	}
	for (int i = 0; i < n / 2; i++) { /* P': evens to the first half, odds to the second */
		u[i] = t[2 * i];
		u[i + n / 2] = t[2 * i + 1];
	}
	for (int i = n / 4; i < n / 2; i++) { /* phi: swap pairs in the second half */
		a[2 * i] = u[2 * i + 1];
		a[2 * i + 1] = u[2 * i];
	}
	memcpy(a, u, (size_t)n / 2);
}

/* Constant bits for all 42 rounds: nibble-expanded (one bit per entry, MSB first). */
static void round_constants(uint8_t bits[42][256])
{
	uint8_t c[64], zero[64] = { 0 };
	for (int i = 0; i < 32; i++) {
		c[2 * i] = c0[i] >> 4;
		c[2 * i + 1] = c0[i] & 0xf;
	}
	for (int r = 0; r < 42; r++) {
		for (int i = 0; i < 256; i++)
			bits[r][i] = (c[i / 4] >> (3 - i % 4)) & 1;
		round_d(c, 64, zero);
	}
}

static inline int hbit(const uint8_t h[128], int k)
{
	return (h[k / 8] >> (7 - k % 8)) & 1;
}

static void e8(uint8_t h[128], const uint8_t rc[42][256])
{
	uint8_t a[256], g[256];
	/* Grouping: bits i, i+256, i+512, i+768 of H form nibble g[i]; the state interleaves
	 * the two halves of g (a[2i] = g[i], a[2i+1] = g[i+128]). */
	for (int i = 0; i < 256; i++)
		g[i] = (uint8_t)(hbit(h, i) << 3 | hbit(h, i + 256) << 2 | hbit(h, i + 512) << 1 |
				 hbit(h, i + 768));
	for (int i = 0; i < 128; i++) {
		a[2 * i] = g[i];
		a[2 * i + 1] = g[i + 128];
	}
	for (int r = 0; r < 42; r++)
		round_d(a, 256, rc[r]);
	for (int i = 0; i < 128; i++) {
		g[i] = a[2 * i];
		g[i + 128] = a[2 * i + 1];
	}
	memset(h, 0, 128);
	for (int i = 0; i < 256; i++)
		for (int j = 0; j < 4; j++)
			if ((g[i] >> (3 - j)) & 1) {
				int k = i + 256 * j;
				h[k / 8] |= (uint8_t)(0x80 >> (k % 8));
			}
}

static void f8(uint8_t h[128], const uint8_t m[64], const uint8_t rc[42][256])
{
	for (int i = 0; i < 64; i++)
		h[i] ^= m[i];
	e8(h, rc);
	for (int i = 0; i < 64; i++)
		h[64 + i] ^= m[i];
}

void pp_jh256(const void *in, size_t len, uint8_t out[32])
{
	uint8_t rc[42][256];
	round_constants(rc);

	/* H(0) = F8(H(-1), 0) with H(-1) holding the digest size in its first 16 bits. */
	uint8_t h[128] = { 0 }, zero[64] = { 0 };
	h[0] = 256 >> 8;
	h[1] = 256 & 0xff;
	f8(h, zero, rc);

	const uint8_t *p = in;
	uint64_t bits = (uint64_t)len * 8;
	for (; len >= 64; len -= 64, p += 64)
		f8(h, p, rc);
	/* Padding: a 1 bit, zeros, the 128-bit big-endian length; at least one whole block when
	 * the message fills its last block, two blocks otherwise. */
	uint8_t buf[128] = { 0 };
	memcpy(buf, p, len);
	buf[len] = 0x80;
	size_t total = len == 0 ? 64 : 128;
	for (int i = 0; i < 8; i++)
		buf[total - 1 - i] = (uint8_t)(bits >> (8 * i));
	f8(h, buf, rc);
	if (total == 128)
		f8(h, buf + 64, rc);
	memcpy(out, h + 96, 32);
}
