/* AES rounds: every back end against an independent byte-wise model of FIPS-197, against
 * each other, and AES-256 key expansion / full encryption against FIPS-197 Appendix A.3/C.3. */
#include "kernels/crypto/aes.h"
#include "support/testutil.h"

#include <criterion/criterion.h>
#include <stdlib.h>

/* Byte-wise model: state byte 4c+r is row r of column c. */
static uint8_t gmul(uint8_t a, uint8_t b)
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

static void model_round(bool dec, uint8_t s[16], const uint8_t k[16])
{
	uint8_t t[16];
	for (int c = 0; c < 4; c++)
		for (int r = 0; r < 4; r++) {
			int from = dec ? (c - r + 4) % 4 : (c + r) % 4; /* (Inv)ShiftRows */
			uint8_t x = s[4 * from + r];
			t[4 * c + r] = dec ? pp_aes_inv_sbox[x] : pp_aes_sbox[x];
		}
	static const uint8_t mc[4] = { 2, 3, 1, 1 }, imc[4] = { 14, 11, 13, 9 };
	const uint8_t *m = dec ? imc : mc;
	for (int c = 0; c < 4; c++)
		for (int r = 0; r < 4; r++) {
			uint8_t v = 0;
			for (int j = 0; j < 4; j++)
				v ^= gmul(t[4 * c + j], m[(j - r + 4) % 4]);
			s[4 * c + r] = v ^ k[4 * c + r];
		}
}

static void random_bytes(uint8_t *p, size_t n, unsigned *seed)
{
	for (size_t i = 0; i < n; i++)
		p[i] = (uint8_t)(rand_r(seed) >> 7);
}

static void check_backend(enum pp_aes_backend b)
{
	unsigned seed = 12345;
	for (int i = 0; i < 2000; i++) {
		uint8_t s[16], k[16], want[16];
		random_bytes(s, 16, &seed);
		random_bytes(k, 16, &seed);
		bool dec = i & 1;
		memcpy(want, s, 16);
		model_round(dec, want, k);
		pp_aes_round(b, dec, s, k);
		cr_assert_arr_eq(s, want, 16, "%s %s round %d differs from the FIPS-197 model",
				 pp_aes_backend_name(b), dec ? "dec" : "enc", i);
	}
}

Test(aes, soft_matches_model)
{
	check_backend(PP_AES_SOFT);
}

Test(aes, hardware_matches_model)
{
	enum pp_aes_backend b = pp_aes_backend_detect(false);
	if (b == PP_AES_SOFT)
		cr_skip_test("this CPU has no AES instructions (the soft back end is tested above)");
	check_backend(b);
}

Test(aes, forced_soft)
{
	cr_assert_eq(pp_aes_backend_detect(true), PP_AES_SOFT);
	cr_assert_str_eq(pp_aes_backend_name(PP_AES_SOFT), "soft");
}

/* FIPS-197 Appendix A.3: AES-256 key expansion; C.3: AES-256 encryption. */
Test(aes, fips197_aes256)
{
	uint8_t key[32], rk[15][16], want_w59[4] = { 0x70, 0x6c, 0x63, 0x1e };
	uint8_t a3key[32];
	pp_test_unhex("603deb1015ca71be2b73aef0857d77811f352c073b6108d72d9810a30914dff4", a3key, 32);
	pp_aes256_expand_key(a3key, rk);
	cr_assert_arr_eq(&rk[14][12], want_w59, 4, "w[59] of FIPS-197 A.3");
	uint8_t w8[4] = { 0x9b, 0xa3, 0x54, 0x11 };
	cr_assert_arr_eq(&rk[2][0], w8, 4, "w[8] of FIPS-197 A.3");

	for (int i = 0; i < 32; i++)
		key[i] = (uint8_t)i;
	pp_aes256_expand_key(key, rk);
	uint8_t pt[16], ct[16];
	pp_test_unhex("00112233445566778899aabbccddeeff", pt, 16);
	pp_test_unhex("8ea2b7ca516745bfeafc49904b496089", ct, 16);
	for (enum pp_aes_backend b = PP_AES_SOFT; b <= PP_AES_ARM; b++) {
		if (!pp_aes_backend_supported(b))
			continue;
		uint8_t s[16];
		for (int i = 0; i < 16; i++)
			s[i] = pt[i] ^ rk[0][i];
		for (int r = 1; r < 14; r++)
			pp_aes_round(b, false, s, rk[r]);
		uint8_t t[16]; /* last round: SubBytes, ShiftRows, AddRoundKey (no MixColumns) */
		for (int c = 0; c < 4; c++)
			for (int r = 0; r < 4; r++)
				t[4 * c + r] = pp_aes_sbox[s[4 * ((c + r) % 4) + r]] ^ rk[14][4 * c + r];
		cr_assert_arr_eq(t, ct, 16, "FIPS-197 C.3 ciphertext with back end %s",
				 pp_aes_backend_name(b));
	}
}
