/* Groestl-256 from its specification (Gauravaram et al., "Grøstl – a SHA-3 candidate",
 * v2.0.2): a 512-bit wide-pipe state as an 8x8 byte matrix (byte 8c+r = row r, column c),
 * permutations P and Q of 10 rounds each built from AES's S-box.
 * Byte-oriented and slow-ish: it runs once per CryptoNight hash, on 200 bytes. */
#include "kernels/crypto/groestl.h"
#include "kernels/crypto/aes.h"

#include <string.h>

#define ROWS 8
#define COLS 8
#define ROUNDS 10

static uint8_t gf_mul(uint8_t a, uint8_t b)
{
	uint8_t r = 0;
	while (b) {
		if (b & 1)
			r ^= a;
		a = (uint8_t)((a << 1) ^ ((a >> 7) * 0x1b));
		b >>= 1;
	}
	return r;
}

static void permute(uint8_t s[64], int is_q)
{
	static const uint8_t shift_p[ROWS] = { 0, 1, 2, 3, 4, 5, 6, 7 };
	static const uint8_t shift_q[ROWS] = { 1, 3, 5, 7, 0, 2, 4, 6 };
	static const uint8_t mix[ROWS] = { 2, 2, 3, 4, 5, 3, 5, 7 }; /* circulant row 0 */
	const uint8_t *shift = is_q ? shift_q : shift_p;

	for (int round = 0; round < ROUNDS; round++) {
		/* AddRoundConstant */
		for (int c = 0; c < COLS; c++) {
			uint8_t k = (uint8_t)((c << 4) ^ round);
			if (is_q) {
				for (int r = 0; r < ROWS; r++)
					s[8 * c + r] ^= 0xff;
				s[8 * c + 7] ^= k;
			} else {
				s[8 * c] ^= k;
			}
		}
		/* SubBytes and ShiftBytes: row r moves left by shift[r] columns */
		uint8_t t[64];
		for (int c = 0; c < COLS; c++)
			for (int r = 0; r < ROWS; r++)
				t[8 * c + r] = pp_aes_sbox[s[8 * ((c + shift[r]) % COLS) + r]];
		/* MixBytes: each column times circ(2, 2, 3, 4, 5, 3, 5, 7) */
		for (int c = 0; c < COLS; c++)
			for (int r = 0; r < ROWS; r++) {
				uint8_t v = 0;
				for (int j = 0; j < ROWS; j++)
					v ^= gf_mul(t[8 * c + j], mix[(j - r + ROWS) % ROWS]);
				s[8 * c + r] = v;
			}
	}
}

static void compress(uint8_t h[64], const uint8_t m[64])
{
	uint8_t p[64], q[64];
	for (int i = 0; i < 64; i++)
		p[i] = h[i] ^ m[i];
	memcpy(q, m, 64);
	permute(p, 0);
	permute(q, 1);
	for (int i = 0; i < 64; i++)
		h[i] ^= p[i] ^ q[i];
}

void pp_groestl256(const void *in, size_t len, uint8_t out[32])
{
	uint8_t h[64] = { 0 };
	const uint8_t *p = in;
	h[62] = 0x01; /* IV: the output size in bits (256), big-endian at the end */
	uint64_t blocks = 0;

	for (; len >= 64; len -= 64, p += 64, blocks++)
		compress(h, p);
	/* Padding: 0x80, zeros, then the 64-bit big-endian count of blocks including padding. */
	uint8_t buf[128] = { 0 };
	memcpy(buf, p, len);
	buf[len] = 0x80;
	size_t total = len + 1 + 8 <= 64 ? 64 : 128;
	blocks += total / 64;
	for (int i = 0; i < 8; i++)
		buf[total - 1 - i] = (uint8_t)(blocks >> (8 * i));
	compress(h, buf);
	if (total == 128)
		compress(h, buf + 64);

	/* Output transformation: trunc_256(P(h) ^ h) */
	uint8_t x[64];
	memcpy(x, h, 64);
	permute(x, 0);
	for (int i = 0; i < 32; i++)
		out[i] = x[32 + i] ^ h[32 + i];
}
