/* AES back-end selection, the dispatching single round, and AES-256 key expansion. */
#include "kernels/crypto/aes.h"

#if defined(__aarch64__) && defined(__linux__)
#include <asm/hwcap.h>
#include <sys/auxv.h>
#endif

bool pp_aes_backend_supported(enum pp_aes_backend b)
{
	switch (b) {
	case PP_AES_SOFT:
		return true;
	case PP_AES_X86:
#ifdef PP_AES_HAVE_X86
		__builtin_cpu_init();
		return __builtin_cpu_supports("aes") && __builtin_cpu_supports("sse4.1");
#else
		return false;
#endif
	case PP_AES_ARM:
#if defined(PP_AES_HAVE_ARM) && defined(__linux__)
		return (getauxval(AT_HWCAP) & HWCAP_AES) != 0;
#else
		return false;
#endif
	}
	return false;
}

enum pp_aes_backend pp_aes_backend_detect(bool force_soft)
{
	if (force_soft)
		return PP_AES_SOFT;
	if (pp_aes_backend_supported(PP_AES_X86))
		return PP_AES_X86;
	if (pp_aes_backend_supported(PP_AES_ARM))
		return PP_AES_ARM;
	return PP_AES_SOFT;
}

const char *pp_aes_backend_name(enum pp_aes_backend b)
{
	switch (b) {
	case PP_AES_X86:
		return "aes-ni";
	case PP_AES_ARM:
		return "armv8-ce";
	case PP_AES_SOFT:
		break;
	}
	return "soft";
}

#ifdef PP_AES_HAVE_X86
PP_AES_X86_TARGET static void round_x86(bool decrypt, uint8_t state[16], const uint8_t key[16])
{
	__m128i s = _mm_loadu_si128((const __m128i *)state);
	__m128i k = _mm_loadu_si128((const __m128i *)key);
	s = decrypt ? pp_aes_x86_dec(s, k) : pp_aes_x86_enc(s, k);
	_mm_storeu_si128((__m128i *)state, s);
}
#endif

#ifdef PP_AES_HAVE_ARM
PP_AES_ARM_TARGET static void round_arm(bool decrypt, uint8_t state[16], const uint8_t key[16])
{
	uint8x16_t s = vld1q_u8(state), k = vld1q_u8(key);
	s = decrypt ? pp_aes_arm_dec(s, k) : pp_aes_arm_enc(s, k);
	vst1q_u8(state, s);
}
#endif

void pp_aes_round(enum pp_aes_backend b, bool decrypt, uint8_t state[16], const uint8_t key[16])
{
#ifdef PP_AES_HAVE_X86
	if (b == PP_AES_X86) {
		round_x86(decrypt, state, key);
		return;
	}
#endif
#ifdef PP_AES_HAVE_ARM
	if (b == PP_AES_ARM) {
		round_arm(decrypt, state, key);
		return;
	}
#endif
	uint32_t s[4], k[4];
	memcpy(s, state, 16);
	memcpy(k, key, 16);
	if (decrypt)
		pp_aes_soft_dec(s, s, k);
	else
		pp_aes_soft_enc(s, s, k);
	memcpy(state, s, 16);
}

void pp_aes256_expand_key(const uint8_t key[32], uint8_t rk[15][16])
{
	uint8_t *w = &rk[0][0]; /* 60 words of 4 bytes */
	uint8_t rcon = 1;
	memcpy(w, key, 32);
	for (int i = 8; i < 60; i++) {
		uint8_t t[4];
		memcpy(t, w + 4 * (i - 1), 4);
		if (i % 8 == 0) {
			uint8_t t0 = t[0]; /* RotWord, SubWord, Rcon */
			t[0] = pp_aes_sbox[t[1]] ^ rcon;
			t[1] = pp_aes_sbox[t[2]];
			t[2] = pp_aes_sbox[t[3]];
			t[3] = pp_aes_sbox[t0];
			rcon = (uint8_t)((rcon << 1) ^ ((rcon >> 7) * 0x1b));
		} else if (i % 8 == 4) {
			for (int j = 0; j < 4; j++)
				t[j] = pp_aes_sbox[t[j]];
		}
		for (int j = 0; j < 4; j++)
			w[4 * i + j] = w[4 * (i - 8) + j] ^ t[j];
	}
}
