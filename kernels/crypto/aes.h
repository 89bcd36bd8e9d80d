/* AES rounds for proof-of-work kernels (CryptoNight, RandomX), with x86 AESENC/AESDEC
 * semantics on a 128-bit state held as 16 bytes in memory order:
 *
 *   enc(s, k) = MixColumns(SubBytes(ShiftRows(s))) ^ k      (x86 AESENC)
 *   dec(s, k) = InvMixColumns(InvSubBytes(InvShiftRows(s))) ^ k   (x86 AESDEC)
 *
 * Three back ends compute the same function: the portable table-based one (pp_aes_soft_*),
 * x86 AES-NI (pp_aes_x86_*) and the ARMv8 crypto extension (pp_aes_arm_*). The back end is
 * chosen once at run time, by pp_aes_backend_detect(), and can be forced to the portable
 * one (real miners fall back to it, and it changes the workload's fingerprint).
 *
 * How a hot loop uses this: write the loop once per back end and pick the function once,
 * outside the loop, from the detected back end. The per-back-end round functions are
 * `static inline` so they inline into the loop:
 *
 *   PP_AES_X86_TARGET static void loop_x86(...) {        // needs the target attribute,
 *           __m128i s = ..., k = ...;                    // or the intrinsic won't inline
 *           s = pp_aes_x86_enc(s, k);
 *   }
 *   static void loop_soft(...) {
 *           uint32_t s[4], k[4];                         // little-endian words of the state
 *           pp_aes_soft_enc(s, s, k);
 *   }
 *   fn = pp_aes_backend_detect(opts->soft_aes) == PP_AES_X86 ? loop_x86 : loop_soft;
 *
 * pp_aes_round() is the slow, dispatching form for tests and one-off uses. */
#ifndef PP_KERNELS_CRYPTO_AES_H
#define PP_KERNELS_CRYPTO_AES_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#define PP_AES_HAVE_X86 1
/* Put this on every function that calls pp_aes_x86_* (and on nothing else: the binary stays
 * portable, the caller dispatches on pp_aes_backend_detect()). */
#define PP_AES_X86_TARGET __attribute__((target("aes,sse4.1")))
#endif

#if defined(__aarch64__)
/* GCC enables the crypto intrinsics per function (the target attribute below); clang before
 * 15 only with -march=armv8-a+crypto. */
#include <arm_neon.h>
#define PP_AES_HAVE_ARM 1
#define PP_AES_ARM_TARGET __attribute__((target("+crypto")))
#endif

enum pp_aes_backend {
	PP_AES_SOFT = 0, /* portable lookup tables */
	PP_AES_X86,      /* AES-NI */
	PP_AES_ARM,      /* ARMv8 crypto extension */
};

/* The fastest back end this CPU supports, or PP_AES_SOFT when force_soft is set or the CPU
 * has no AES instructions. */
enum pp_aes_backend pp_aes_backend_detect(bool force_soft);
/* "soft", "aes-ni", "armv8-ce" (the names pp_hash_info reports). */
const char *pp_aes_backend_name(enum pp_aes_backend b);
/* Whether this CPU can run back end b. */
bool pp_aes_backend_supported(enum pp_aes_backend b);

/* One AES round on state[16] in place with round key key[16], by back end b (which must be
 * supported). Slow (one call per round); for tests and setup code. */
void pp_aes_round(enum pp_aes_backend b, bool decrypt, uint8_t state[16], const uint8_t key[16]);

/* AES-256 key expansion (FIPS-197 5.2): 15 round keys of 16 bytes. CryptoNight uses the
 * first 10 as its "pseudo-rounds" keys. */
void pp_aes256_expand_key(const uint8_t key[32], uint8_t rk[15][16]);

/* ---- portable back end -------------------------------------------------------------- */

/* pp_aes_te[r][x]: the encryption round's column contribution of byte x in row r, as a
 * little-endian word (row 0: 2·S(x), S(x), S(x), 3·S(x); row r is that rotated by r bytes).
 * pp_aes_td likewise for decryption with the inverse S-box and 14, 9, 13, 11. */
#define PP_AES_TABLE_ALIGN __attribute__((aligned(64)))
extern const uint32_t pp_aes_te[4][256];
extern const uint32_t pp_aes_td[4][256];
extern const uint8_t pp_aes_sbox[256];
extern const uint8_t pp_aes_inv_sbox[256];

/* The state as four little-endian 32-bit words (column c = bytes 4c..4c+3); out may alias
 * in. */
__attribute__((always_inline)) static inline void pp_aes_soft_enc(uint32_t out[4], const uint32_t in[4], const uint32_t key[4])
{
	const uint32_t x0 = in[0], x1 = in[1], x2 = in[2], x3 = in[3];
	/* ShiftRows: output column c takes row r from input column c + r. */
	uint32_t y0 = pp_aes_te[0][x0 & 0xff] ^ pp_aes_te[1][(x1 >> 8) & 0xff] ^
		      pp_aes_te[2][(x2 >> 16) & 0xff] ^ pp_aes_te[3][x3 >> 24];
	uint32_t y1 = pp_aes_te[0][x1 & 0xff] ^ pp_aes_te[1][(x2 >> 8) & 0xff] ^
		      pp_aes_te[2][(x3 >> 16) & 0xff] ^ pp_aes_te[3][x0 >> 24];
	uint32_t y2 = pp_aes_te[0][x2 & 0xff] ^ pp_aes_te[1][(x3 >> 8) & 0xff] ^
		      pp_aes_te[2][(x0 >> 16) & 0xff] ^ pp_aes_te[3][x1 >> 24];
	uint32_t y3 = pp_aes_te[0][x3 & 0xff] ^ pp_aes_te[1][(x0 >> 8) & 0xff] ^
		      pp_aes_te[2][(x1 >> 16) & 0xff] ^ pp_aes_te[3][x2 >> 24];
	out[0] = y0 ^ key[0];
	out[1] = y1 ^ key[1];
	out[2] = y2 ^ key[2];
	out[3] = y3 ^ key[3];
}

__attribute__((always_inline)) static inline void pp_aes_soft_dec(uint32_t out[4], const uint32_t in[4], const uint32_t key[4])
{
	const uint32_t x0 = in[0], x1 = in[1], x2 = in[2], x3 = in[3];
	/* InvShiftRows: output column c takes row r from input column c - r. */
	uint32_t y0 = pp_aes_td[0][x0 & 0xff] ^ pp_aes_td[1][(x3 >> 8) & 0xff] ^
		      pp_aes_td[2][(x2 >> 16) & 0xff] ^ pp_aes_td[3][x1 >> 24];
	uint32_t y1 = pp_aes_td[0][x1 & 0xff] ^ pp_aes_td[1][(x0 >> 8) & 0xff] ^
		      pp_aes_td[2][(x3 >> 16) & 0xff] ^ pp_aes_td[3][x2 >> 24];
	uint32_t y2 = pp_aes_td[0][x2 & 0xff] ^ pp_aes_td[1][(x1 >> 8) & 0xff] ^
		      pp_aes_td[2][(x0 >> 16) & 0xff] ^ pp_aes_td[3][x3 >> 24];
	uint32_t y3 = pp_aes_td[0][x3 & 0xff] ^ pp_aes_td[1][(x2 >> 8) & 0xff] ^
		      pp_aes_td[2][(x1 >> 16) & 0xff] ^ pp_aes_td[3][x0 >> 24];
	out[0] = y0 ^ key[0];
	out[1] = y1 ^ key[1];
	out[2] = y2 ^ key[2];
	out[3] = y3 ^ key[3];
}

/* ---- x86 AES-NI --------------------------------------------------------------------- */
#ifdef PP_AES_HAVE_X86
PP_AES_X86_TARGET static inline __m128i pp_aes_x86_enc(__m128i s, __m128i k)
{
	return _mm_aesenc_si128(s, k);
}

PP_AES_X86_TARGET static inline __m128i pp_aes_x86_dec(__m128i s, __m128i k)
{
	return _mm_aesdec_si128(s, k);
}
#endif

/* ---- ARMv8 crypto extension --------------------------------------------------------- */
#ifdef PP_AES_HAVE_ARM
/* AESE xors the key *before* SubBytes/ShiftRows and AESMC is a separate step, so an x86
 * round is AESE with a zero key, AESMC, then the key xor. */
PP_AES_ARM_TARGET static inline uint8x16_t pp_aes_arm_enc(uint8x16_t s, uint8x16_t k)
{
	return veorq_u8(vaesmcq_u8(vaeseq_u8(s, vdupq_n_u8(0))), k);
}

PP_AES_ARM_TARGET static inline uint8x16_t pp_aes_arm_dec(uint8x16_t s, uint8x16_t k)
{
	return veorq_u8(vaesimcq_u8(vaesdq_u8(s, vdupq_n_u8(0))), k);
}
#endif

#endif
