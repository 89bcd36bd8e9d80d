/* BLAKE2b, written from RFC 7693 (sections 2 and 3). Portable C: the compression function is
 * not a hot spot for RandomX (a few calls per hash), so no SIMD variant. */
#include "kernels/crypto/blake2b.h"

#include <errno.h>
#include <string.h>

static const uint64_t blake2b_iv[8] = {
	0x6a09e667f3bcc908ULL, 0xbb67ae8584caa73bULL, 0x3c6ef372fe94f82bULL,
	0xa54ff53a5f1d36f1ULL, 0x510e527fade682d1ULL, 0x9b05688c2b3e6c1fULL,
	0x1f83d9abfb41bd6bULL, 0x5be0cd19137e2179ULL,
};

/* Message word schedule (RFC 7693 2.7); rounds 10 and 11 reuse rows 0 and 1. */
static const uint8_t blake2b_sigma[12][16] = {
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
	{ 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15 },
	{ 14, 10, 4, 8, 9, 15, 13, 6, 1, 12, 0, 2, 11, 7, 5, 3 },
};

static inline uint64_t rotr64(uint64_t x, unsigned n)
{
	return (x >> n) | (x << (64 - n));
}

static inline uint64_t load64_le(const uint8_t *p)
{
	uint64_t v = 0;
	for (int i = 7; i >= 0; i--)
		v = (v << 8) | p[i];
	return v;
}

static inline void store64_le(uint8_t *p, uint64_t v)
{
	for (int i = 0; i < 8; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

#define G(a, b, c, d, x, y)                      \
	do {                                     \
		a = a + b + (x);                 \
		d = rotr64(d ^ a, 32);           \
		c = c + d;                       \
		b = rotr64(b ^ c, 24);           \
		a = a + b + (y);                 \
		d = rotr64(d ^ a, 16);           \
		c = c + d;                       \
		b = rotr64(b ^ c, 63);           \
	} while (0)

static void compress(struct pp_blake2b *s, const uint8_t block[PP_BLAKE2B_BLOCKBYTES], int last)
{
	uint64_t m[16], v[16];
	for (int i = 0; i < 16; i++)
		m[i] = load64_le(block + 8 * i);
	for (int i = 0; i < 8; i++) {
		v[i] = s->h[i];
		v[i + 8] = blake2b_iv[i];
	}
	v[12] ^= s->t[0];
	v[13] ^= s->t[1];
	if (last)
		v[14] = ~v[14];
	for (int r = 0; r < 12; r++) {
		const uint8_t *sg = blake2b_sigma[r];
		G(v[0], v[4], v[8], v[12], m[sg[0]], m[sg[1]]);
		G(v[1], v[5], v[9], v[13], m[sg[2]], m[sg[3]]);
		G(v[2], v[6], v[10], v[14], m[sg[4]], m[sg[5]]);
		G(v[3], v[7], v[11], v[15], m[sg[6]], m[sg[7]]);
		G(v[0], v[5], v[10], v[15], m[sg[8]], m[sg[9]]);
		G(v[1], v[6], v[11], v[12], m[sg[10]], m[sg[11]]);
		G(v[2], v[7], v[8], v[13], m[sg[12]], m[sg[13]]);
		G(v[3], v[4], v[9], v[14], m[sg[14]], m[sg[15]]);
	}
	for (int i = 0; i < 8; i++)
		s->h[i] ^= v[i] ^ v[i + 8];
}

static void add_counter(struct pp_blake2b *s, uint64_t inc)
{
	s->t[0] += inc;
	if (s->t[0] < inc)
		s->t[1]++;
}

int pp_blake2b_init(struct pp_blake2b *s, size_t outlen, const void *key, size_t keylen)
{
	if (!s || outlen == 0 || outlen > PP_BLAKE2B_OUTBYTES || keylen > PP_BLAKE2B_KEYBYTES ||
	    (keylen && !key))
		return -EINVAL;
	memset(s, 0, sizeof(*s));
	for (int i = 0; i < 8; i++)
		s->h[i] = blake2b_iv[i];
	/* Parameter block word 0: digest length, key length, fanout 1, depth 1. */
	s->h[0] ^= 0x01010000ULL ^ ((uint64_t)keylen << 8) ^ outlen;
	s->outlen = outlen;
	if (keylen) {
		/* The key is padded to one full block and hashed first (RFC 7693 3.3). */
		memcpy(s->buf, key, keylen);
		s->buflen = PP_BLAKE2B_BLOCKBYTES;
	}
	return 0;
}

void pp_blake2b_update(struct pp_blake2b *s, const void *in, size_t len)
{
	const uint8_t *p = in;
	while (len > 0) {
		/* Keep the last block buffered: it must be compressed with the final flag. */
		if (s->buflen == PP_BLAKE2B_BLOCKBYTES) {
			add_counter(s, PP_BLAKE2B_BLOCKBYTES);
			compress(s, s->buf, 0);
			s->buflen = 0;
		}
		if (s->buflen == 0) {
			while (len > PP_BLAKE2B_BLOCKBYTES) {
				add_counter(s, PP_BLAKE2B_BLOCKBYTES);
				compress(s, p, 0);
				p += PP_BLAKE2B_BLOCKBYTES;
				len -= PP_BLAKE2B_BLOCKBYTES;
			}
		}
		size_t n = PP_BLAKE2B_BLOCKBYTES - s->buflen;
		if (n > len)
			n = len;
		memcpy(s->buf + s->buflen, p, n);
		s->buflen += n;
		p += n;
		len -= n;
	}
}

void pp_blake2b_final(struct pp_blake2b *s, void *out)
{
	uint8_t full[PP_BLAKE2B_OUTBYTES];
	add_counter(s, s->buflen);
	memset(s->buf + s->buflen, 0, PP_BLAKE2B_BLOCKBYTES - s->buflen);
	compress(s, s->buf, 1);
	for (int i = 0; i < 8; i++)
		store64_le(full + 8 * i, s->h[i]);
	memcpy(out, full, s->outlen);
}

int pp_blake2b(void *out, size_t outlen, const void *in, size_t inlen, const void *key,
	       size_t keylen)
{
	struct pp_blake2b s;
	if (!out || (inlen && !in))
		return -EINVAL;
	int rc = pp_blake2b_init(&s, outlen, key, keylen);
	if (rc)
		return rc;
	pp_blake2b_update(&s, in, inlen);
	pp_blake2b_final(&s, out);
	return 0;
}
