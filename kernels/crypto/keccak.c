/* Keccak-f[1600] (FIPS 202 step mappings theta, rho, pi, chi, iota) and a little-endian
 * sponge with the original Keccak padding. */
#include "kernels/crypto/keccak.h"

#include <string.h>

static const uint64_t round_consts[24] = {
	0x0000000000000001ULL, 0x0000000000008082ULL, 0x800000000000808aULL,
	0x8000000080008000ULL, 0x000000000000808bULL, 0x0000000080000001ULL,
	0x8000000080008081ULL, 0x8000000000008009ULL, 0x000000000000008aULL,
	0x0000000000000088ULL, 0x0000000080008009ULL, 0x000000008000000aULL,
	0x000000008000808bULL, 0x800000000000008bULL, 0x8000000000008089ULL,
	0x8000000000008003ULL, 0x8000000000008002ULL, 0x8000000000000080ULL,
	0x000000000000800aULL, 0x800000008000000aULL, 0x8000000080008081ULL,
	0x8000000000008080ULL, 0x0000000080000001ULL, 0x8000000080008008ULL,
};

/* rho offsets and pi destinations, walked along pi's single 24-lane cycle from lane 1. */
static const int rho[24] = { 1, 3, 6, 10, 15, 21, 28, 36, 45, 55, 2, 14,
			     27, 41, 56, 8, 25, 43, 62, 18, 39, 61, 20, 44 };
static const int pi_lane[24] = { 10, 7, 11, 17, 18, 3, 5, 16, 8, 21, 24, 4,
				 15, 23, 19, 13, 12, 2, 20, 14, 22, 9, 6, 1 };

static inline uint64_t rotl64(uint64_t x, int n)
{
	return (x << n) | (x >> (64 - n));
}

void pp_keccakf(uint64_t st[25], int rounds)
{
	for (int r = 0; r < rounds; r++) {
		uint64_t c[5], d;
		for (int x = 0; x < 5; x++)
			c[x] = st[x] ^ st[x + 5] ^ st[x + 10] ^ st[x + 15] ^ st[x + 20];
		for (int x = 0; x < 5; x++) {
			d = c[(x + 4) % 5] ^ rotl64(c[(x + 1) % 5], 1);
			for (int y = 0; y < 25; y += 5)
				st[y + x] ^= d;
		}
		uint64_t cur = st[1];
		for (int i = 0; i < 24; i++) {
			int j = pi_lane[i];
			uint64_t next = st[j];
			st[j] = rotl64(cur, rho[i]);
			cur = next;
		}
		for (int y = 0; y < 25; y += 5) {
			uint64_t row[5];
			memcpy(row, &st[y], sizeof(row));
			for (int x = 0; x < 5; x++)
				st[y + x] = row[x] ^ (~row[(x + 1) % 5] & row[(x + 2) % 5]);
		}
		st[0] ^= round_consts[r];
	}
}

static void absorb_block(uint64_t st[25], const uint8_t *p)
{
	for (int i = 0; i < PP_KECCAK_RATE / 8; i++) {
		uint64_t w;
		memcpy(&w, p + 8 * i, 8); /* lanes are little-endian; this targets LE hosts */
		st[i] ^= w;
	}
	pp_keccakf(st, 24);
}

void pp_keccak(const void *in, size_t len, uint8_t *md, size_t mdlen)
{
	_Static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__, "lanes are loaded little-endian");
	uint64_t st[25] = { 0 };
	const uint8_t *p = in;
	for (; len >= PP_KECCAK_RATE; len -= PP_KECCAK_RATE, p += PP_KECCAK_RATE)
		absorb_block(st, p);
	uint8_t last[PP_KECCAK_RATE] = { 0 };
	memcpy(last, p, len);
	last[len] = 0x01;
	last[PP_KECCAK_RATE - 1] |= 0x80;
	absorb_block(st, last);
	memcpy(md, st, mdlen > 200 ? 200 : mdlen);
}
