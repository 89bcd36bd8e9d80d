/* AesGenerator1R, AesGenerator4R and AesHash1R, one loop per AES back end. Keys and the
 * initial hash state are the specification's constants (spec 3.2-3.4), in memory byte order. */
#include "kernels/randomx/aes-gen.h"

#include <string.h>

static const uint8_t gen1r_keys[4][16] = {
	{ 0x53, 0xa5, 0xac, 0x6d, 0x09, 0x66, 0x71, 0x62, 0x2b, 0x55, 0xb5, 0xdb, 0x17, 0x49, 0xf4, 0xb4 },
	{ 0x07, 0xaf, 0x7c, 0x6d, 0x0d, 0x71, 0x6a, 0x84, 0x78, 0xd3, 0x25, 0x17, 0x4e, 0xdc, 0xa1, 0x0d },
	{ 0xf1, 0x62, 0x12, 0x3f, 0xc6, 0x7e, 0x94, 0x9f, 0x4f, 0x79, 0xc0, 0xf4, 0x45, 0xe3, 0x20, 0x3e },
	{ 0x35, 0x81, 0xef, 0x6a, 0x7c, 0x31, 0xba, 0xb1, 0x88, 0x4c, 0x31, 0x16, 0x54, 0x91, 0x16, 0x49 },
};

static const uint8_t gen4r_keys[8][16] = {
	{ 0xdd, 0xaa, 0x21, 0x64, 0xdb, 0x3d, 0x83, 0xd1, 0x2b, 0x6d, 0x54, 0x2f, 0x3f, 0xd2, 0xe5, 0x99 },
	{ 0x50, 0x34, 0x0e, 0xb2, 0x55, 0x3f, 0x91, 0xb6, 0x53, 0x9d, 0xf7, 0x06, 0xe5, 0xcd, 0xdf, 0xa5 },
	{ 0x04, 0xd9, 0x3e, 0x5c, 0xaf, 0x7b, 0x5e, 0x51, 0x9f, 0x67, 0xa4, 0x0a, 0xbf, 0x02, 0x1c, 0x17 },
	{ 0x63, 0x37, 0x62, 0x85, 0x08, 0x5d, 0x8f, 0xe7, 0x85, 0x37, 0x67, 0xcd, 0x91, 0xd2, 0xde, 0xd8 },
	{ 0x73, 0x6f, 0x82, 0xb5, 0xa6, 0xa7, 0xd6, 0xe3, 0x6d, 0x8b, 0x51, 0x3d, 0xb4, 0xff, 0x9e, 0x22 },
	{ 0xf3, 0x6b, 0x56, 0xc7, 0xd9, 0xb3, 0x10, 0x9c, 0x4e, 0x4d, 0x02, 0xe9, 0xd2, 0xb7, 0x72, 0xb2 },
	{ 0xe7, 0xc9, 0x73, 0xf2, 0x8b, 0xa3, 0x65, 0xf7, 0x0a, 0x66, 0xa9, 0x2b, 0xa7, 0xef, 0x3b, 0xf6 },
	{ 0x09, 0xd6, 0x7c, 0x7a, 0xde, 0x39, 0x58, 0x91, 0xfd, 0xd1, 0x06, 0x0c, 0x2d, 0x76, 0xb0, 0xc0 },
};

static const uint8_t hash1r_state[4][16] = {
	{ 0x0d, 0x2c, 0xb5, 0x92, 0xde, 0x56, 0xa8, 0x9f, 0x47, 0xdb, 0x82, 0xcc, 0xad, 0x3a, 0x98, 0xd7 },
	{ 0x6e, 0x99, 0x8d, 0x33, 0x98, 0xb7, 0xc7, 0x15, 0x5a, 0x12, 0x9e, 0xf5, 0x57, 0x80, 0xe7, 0xac },
	{ 0x17, 0x00, 0x77, 0x6a, 0xd0, 0xc7, 0x62, 0xae, 0x6b, 0x50, 0x79, 0x50, 0xe4, 0x7c, 0xa0, 0xe8 },
	{ 0x0c, 0x24, 0x0a, 0x63, 0x8d, 0x82, 0xad, 0x07, 0x05, 0x00, 0xa1, 0x79, 0x48, 0x49, 0x99, 0x7e },
};

static const uint8_t hash1r_xkeys[2][16] = {
	{ 0x89, 0x83, 0xfa, 0xf6, 0x9f, 0x94, 0x24, 0x8b, 0xbf, 0x56, 0xdc, 0x90, 0x01, 0x02, 0x89, 0x06 },
	{ 0xd1, 0x63, 0xb2, 0x61, 0x3c, 0xe0, 0xf4, 0x51, 0xc6, 0x43, 0x10, 0xee, 0x9b, 0xf9, 0x18, 0xed },
};

/* ---- portable ------------------------------------------------------------------------ */

typedef uint32_t col[4]; /* one 16-byte column as little-endian words */

static void fill1r_soft(uint8_t state[64], uint8_t *out, size_t len)
{
	col s[4], k[4];
	memcpy(s, state, 64);
	memcpy(k, gen1r_keys, 64);
	for (size_t off = 0; off < len; off += 64) {
		pp_aes_soft_dec(s[0], s[0], k[0]);
		pp_aes_soft_enc(s[1], s[1], k[1]);
		pp_aes_soft_dec(s[2], s[2], k[2]);
		pp_aes_soft_enc(s[3], s[3], k[3]);
		memcpy(out + off, s, 64);
	}
	memcpy(state, s, 64);
}

static void fill4r_soft(const uint8_t (*keys)[16], const uint8_t state[64], uint8_t *out,
		       size_t len)
{
	col s[4], k[8];
	memcpy(s, state, 64);
	memcpy(k, keys, 128);
	for (size_t off = 0; off < len; off += 64) {
		for (int r = 0; r < 4; r++) {
			pp_aes_soft_dec(s[0], s[0], k[r]);
			pp_aes_soft_enc(s[1], s[1], k[r]);
			pp_aes_soft_dec(s[2], s[2], k[4 + r]);
			pp_aes_soft_enc(s[3], s[3], k[4 + r]);
		}
		memcpy(out + off, s, 64);
	}
}

static void hash1r_soft(const uint8_t *in, size_t len, uint8_t out[64])
{
	col s[4], x[2], m[4];
	memcpy(s, hash1r_state, 64);
	memcpy(x, hash1r_xkeys, 32);
	for (size_t off = 0; off < len; off += 64) {
		memcpy(m, in + off, 64);
		pp_aes_soft_enc(s[0], s[0], m[0]);
		pp_aes_soft_dec(s[1], s[1], m[1]);
		pp_aes_soft_enc(s[2], s[2], m[2]);
		pp_aes_soft_dec(s[3], s[3], m[3]);
	}
	for (int r = 0; r < 2; r++) {
		pp_aes_soft_enc(s[0], s[0], x[r]);
		pp_aes_soft_dec(s[1], s[1], x[r]);
		pp_aes_soft_enc(s[2], s[2], x[r]);
		pp_aes_soft_dec(s[3], s[3], x[r]);
	}
	memcpy(out, s, 64);
}

/* ---- x86 AES-NI ----------------------------------------------------------------------- */
#ifdef PP_AES_HAVE_X86
#define LD(p) _mm_loadu_si128((const __m128i *)(p))
#define ST(p, v) _mm_storeu_si128((__m128i *)(p), (v))

PP_AES_X86_TARGET static void fill1r_x86(uint8_t state[64], uint8_t *out, size_t len)
{
	__m128i s0 = LD(state), s1 = LD(state + 16), s2 = LD(state + 32), s3 = LD(state + 48);
	const __m128i k0 = LD(gen1r_keys[0]), k1 = LD(gen1r_keys[1]);
	const __m128i k2 = LD(gen1r_keys[2]), k3 = LD(gen1r_keys[3]);
	for (size_t off = 0; off < len; off += 64) {
		s0 = pp_aes_x86_dec(s0, k0);
		s1 = pp_aes_x86_enc(s1, k1);
		s2 = pp_aes_x86_dec(s2, k2);
		s3 = pp_aes_x86_enc(s3, k3);
		ST(out + off, s0);
		ST(out + off + 16, s1);
		ST(out + off + 32, s2);
		ST(out + off + 48, s3);
	}
	ST(state, s0);
	ST(state + 16, s1);
	ST(state + 32, s2);
	ST(state + 48, s3);
}

PP_AES_X86_TARGET static void fill4r_x86(const uint8_t (*keys)[16], const uint8_t state[64],
					 uint8_t *out, size_t len)
{
	__m128i s0 = LD(state), s1 = LD(state + 16), s2 = LD(state + 32), s3 = LD(state + 48);
	__m128i k[8];
	for (int i = 0; i < 8; i++)
		k[i] = LD(keys[i]);
	for (size_t off = 0; off < len; off += 64) {
		for (int r = 0; r < 4; r++) {
			s0 = pp_aes_x86_dec(s0, k[r]);
			s1 = pp_aes_x86_enc(s1, k[r]);
			s2 = pp_aes_x86_dec(s2, k[4 + r]);
			s3 = pp_aes_x86_enc(s3, k[4 + r]);
		}
		ST(out + off, s0);
		ST(out + off + 16, s1);
		ST(out + off + 32, s2);
		ST(out + off + 48, s3);
	}
}

PP_AES_X86_TARGET static void hash1r_x86(const uint8_t *in, size_t len, uint8_t out[64])
{
	__m128i s0 = LD(hash1r_state[0]), s1 = LD(hash1r_state[1]);
	__m128i s2 = LD(hash1r_state[2]), s3 = LD(hash1r_state[3]);
	for (size_t off = 0; off < len; off += 64) {
		s0 = pp_aes_x86_enc(s0, LD(in + off));
		s1 = pp_aes_x86_dec(s1, LD(in + off + 16));
		s2 = pp_aes_x86_enc(s2, LD(in + off + 32));
		s3 = pp_aes_x86_dec(s3, LD(in + off + 48));
	}
	for (int r = 0; r < 2; r++) {
		const __m128i x = LD(hash1r_xkeys[r]);
		s0 = pp_aes_x86_enc(s0, x);
		s1 = pp_aes_x86_dec(s1, x);
		s2 = pp_aes_x86_enc(s2, x);
		s3 = pp_aes_x86_dec(s3, x);
	}
	ST(out, s0);
	ST(out + 16, s1);
	ST(out + 32, s2);
	ST(out + 48, s3);
}
#undef LD
#undef ST
#endif

/* ---- ARMv8 crypto extension ----------------------------------------------------------- */
#ifdef PP_AES_HAVE_ARM
PP_AES_ARM_TARGET static void fill1r_arm(uint8_t state[64], uint8_t *out, size_t len)
{
	uint8x16_t s0 = vld1q_u8(state), s1 = vld1q_u8(state + 16);
	uint8x16_t s2 = vld1q_u8(state + 32), s3 = vld1q_u8(state + 48);
	const uint8x16_t k0 = vld1q_u8(gen1r_keys[0]), k1 = vld1q_u8(gen1r_keys[1]);
	const uint8x16_t k2 = vld1q_u8(gen1r_keys[2]), k3 = vld1q_u8(gen1r_keys[3]);
	for (size_t off = 0; off < len; off += 64) {
		s0 = pp_aes_arm_dec(s0, k0);
		s1 = pp_aes_arm_enc(s1, k1);
		s2 = pp_aes_arm_dec(s2, k2);
		s3 = pp_aes_arm_enc(s3, k3);
		vst1q_u8(out + off, s0);
		vst1q_u8(out + off + 16, s1);
		vst1q_u8(out + off + 32, s2);
		vst1q_u8(out + off + 48, s3);
	}
	vst1q_u8(state, s0);
	vst1q_u8(state + 16, s1);
	vst1q_u8(state + 32, s2);
	vst1q_u8(state + 48, s3);
}

PP_AES_ARM_TARGET static void fill4r_arm(const uint8_t (*keys)[16], const uint8_t state[64],
					 uint8_t *out, size_t len)
{
	uint8x16_t s0 = vld1q_u8(state), s1 = vld1q_u8(state + 16);
	uint8x16_t s2 = vld1q_u8(state + 32), s3 = vld1q_u8(state + 48);
	uint8x16_t k[8];
	for (int i = 0; i < 8; i++)
		k[i] = vld1q_u8(keys[i]);
	for (size_t off = 0; off < len; off += 64) {
		for (int r = 0; r < 4; r++) {
			s0 = pp_aes_arm_dec(s0, k[r]);
			s1 = pp_aes_arm_enc(s1, k[r]);
			s2 = pp_aes_arm_dec(s2, k[4 + r]);
			s3 = pp_aes_arm_enc(s3, k[4 + r]);
		}
		vst1q_u8(out + off, s0);
		vst1q_u8(out + off + 16, s1);
		vst1q_u8(out + off + 32, s2);
		vst1q_u8(out + off + 48, s3);
	}
}

PP_AES_ARM_TARGET static void hash1r_arm(const uint8_t *in, size_t len, uint8_t out[64])
{
	uint8x16_t s0 = vld1q_u8(hash1r_state[0]), s1 = vld1q_u8(hash1r_state[1]);
	uint8x16_t s2 = vld1q_u8(hash1r_state[2]), s3 = vld1q_u8(hash1r_state[3]);
	for (size_t off = 0; off < len; off += 64) {
		s0 = pp_aes_arm_enc(s0, vld1q_u8(in + off));
		s1 = pp_aes_arm_dec(s1, vld1q_u8(in + off + 16));
		s2 = pp_aes_arm_enc(s2, vld1q_u8(in + off + 32));
		s3 = pp_aes_arm_dec(s3, vld1q_u8(in + off + 48));
	}
	for (int r = 0; r < 2; r++) {
		const uint8x16_t x = vld1q_u8(hash1r_xkeys[r]);
		s0 = pp_aes_arm_enc(s0, x);
		s1 = pp_aes_arm_dec(s1, x);
		s2 = pp_aes_arm_enc(s2, x);
		s3 = pp_aes_arm_dec(s3, x);
	}
	vst1q_u8(out, s0);
	vst1q_u8(out + 16, s1);
	vst1q_u8(out + 32, s2);
	vst1q_u8(out + 48, s3);
}
#endif

void pp_rx_aes_fill1r(enum pp_aes_backend b, uint8_t state[64], void *out, size_t len)
{
#ifdef PP_AES_HAVE_X86
	if (b == PP_AES_X86) {
		fill1r_x86(state, out, len);
		return;
	}
#endif
#ifdef PP_AES_HAVE_ARM
	if (b == PP_AES_ARM) {
		fill1r_arm(state, out, len);
		return;
	}
#endif
	(void)b;
	fill1r_soft(state, out, len);
}

void pp_rx_aes_fill4r(enum pp_aes_backend b, const uint8_t (*keys)[16], const uint8_t state[64],
		      void *out, size_t len)
{
	if (!keys)
		keys = gen4r_keys;
#ifdef PP_AES_HAVE_X86
	if (b == PP_AES_X86) {
		fill4r_x86(keys, state, out, len);
		return;
	}
#endif
#ifdef PP_AES_HAVE_ARM
	if (b == PP_AES_ARM) {
		fill4r_arm(keys, state, out, len);
		return;
	}
#endif
	(void)b;
	fill4r_soft(keys, state, out, len);
}

void pp_rx_aes_hash1r(enum pp_aes_backend b, const void *in, size_t len, uint8_t out[64])
{
#ifdef PP_AES_HAVE_X86
	if (b == PP_AES_X86) {
		hash1r_x86(in, len, out);
		return;
	}
#endif
#ifdef PP_AES_HAVE_ARM
	if (b == PP_AES_ARM) {
		hash1r_arm(in, len, out);
		return;
	}
#endif
	(void)b;
	hash1r_soft(in, len, out);
}
