/* BLAKE2b (kernels/crypto/blake2b): RFC 7693's known answer, then differential checks
 * against two independent implementations, libsodium's crypto_generichash (keyed, 16..64
 * byte digests) and OpenSSL's EVP BLAKE2b-512, over lengths around the 128-byte block. */
#include "kernels/crypto/blake2b.h"
#include "support/testutil.h"

#include <criterion/criterion.h>
#include <errno.h>
#include <openssl/evp.h>
#include <sodium.h>
#include <string.h>

static void fill(uint8_t *p, size_t n, uint32_t seed)
{
	for (size_t i = 0; i < n; i++) {
		seed = seed * 1103515245u + 12345u;
		p[i] = (uint8_t)(seed >> 16);
	}
}

static const size_t lengths[] = { 0, 1, 3, 63, 64, 65, 127, 128, 129, 255, 256, 257, 1000, 4096 };
#define NLEN (sizeof(lengths) / sizeof(lengths[0]))

Test(blake2b, rfc7693_abc)
{
	/* RFC 7693 appendix A: BLAKE2b-512("abc"). */
	static const char *want = "ba80a53f981c4d0d6a2797b69f12f6e94c212f14685ac4b74b12bb6fdbffa2d1"
				  "7d87c5392aab792dc252d5de4533cc9518d38aa8dbf1925ab92386edd4009923";
	uint8_t expect[64], out[64];
	cr_assert_eq(pp_test_unhex(want, expect, sizeof(expect)), 64);
	cr_assert_eq(pp_blake2b(out, 64, "abc", 3, NULL, 0), 0);
	cr_assert_arr_eq(out, expect, 64, "BLAKE2b-512(\"abc\") differs from RFC 7693");
}

Test(blake2b, matches_openssl_unkeyed_512)
{
	static uint8_t in[4096];
	fill(in, sizeof(in), 1);
	for (size_t i = 0; i < NLEN; i++) {
		uint8_t ours[64], ref[64];
		unsigned int n = 0;
		cr_assert_eq(pp_blake2b(ours, 64, in, lengths[i], NULL, 0), 0);
		cr_assert(EVP_Digest(in, lengths[i], ref, &n, EVP_blake2b512(), NULL));
		cr_assert_eq(n, 64);
		cr_assert_arr_eq(ours, ref, 64, "length %zu differs from OpenSSL", lengths[i]);
	}
}

Test(blake2b, matches_libsodium_keyed_and_short_digests)
{
	cr_assert_geq(sodium_init(), 0);
	static uint8_t in[4096];
	uint8_t key[64];
	fill(in, sizeof(in), 2);
	fill(key, sizeof(key), 3);
	static const size_t outlens[] = { 16, 20, 32, 48, 63, 64 };
	static const size_t keylens[] = { 0, 16, 32, 64 };
	for (size_t o = 0; o < sizeof(outlens) / sizeof(outlens[0]); o++)
		for (size_t k = 0; k < sizeof(keylens) / sizeof(keylens[0]); k++)
			for (size_t i = 0; i < NLEN; i++) {
				uint8_t ours[64], ref[64];
				size_t ol = outlens[o], kl = keylens[k];
				cr_assert_eq(pp_blake2b(ours, ol, in, lengths[i], kl ? key : NULL, kl), 0);
				cr_assert_eq(crypto_generichash(ref, ol, in, lengths[i], kl ? key : NULL, kl),
					     0);
				cr_assert_arr_eq(ours, ref, ol,
						 "outlen %zu keylen %zu length %zu differs from libsodium",
						 ol, kl, lengths[i]);
			}
}

Test(blake2b, incremental_equals_one_shot)
{
	static uint8_t in[4096];
	uint8_t key[40];
	fill(in, sizeof(in), 4);
	fill(key, sizeof(key), 5);
	static const size_t chunks[] = { 1, 7, 64, 127, 128, 129, 1000 };
	for (size_t c = 0; c < sizeof(chunks) / sizeof(chunks[0]); c++)
		for (size_t i = 0; i < NLEN; i++) {
			uint8_t one[64], inc[64];
			struct pp_blake2b s;
			cr_assert_eq(pp_blake2b(one, 48, in, lengths[i], key, sizeof(key)), 0);
			cr_assert_eq(pp_blake2b_init(&s, 48, key, sizeof(key)), 0);
			for (size_t off = 0; off < lengths[i]; off += chunks[c]) {
				size_t n = lengths[i] - off < chunks[c] ? lengths[i] - off : chunks[c];
				pp_blake2b_update(&s, in + off, n);
			}
			pp_blake2b_final(&s, inc);
			cr_assert_arr_eq(one, inc, 48, "chunk %zu length %zu: incremental differs",
					 chunks[c], lengths[i]);
		}
}

Test(blake2b, rejects_bad_parameters)
{
	uint8_t out[65], key[65] = { 0 };
	cr_assert_eq(pp_blake2b(out, 0, "", 0, NULL, 0), -EINVAL);
	cr_assert_eq(pp_blake2b(out, 65, "", 0, NULL, 0), -EINVAL);
	cr_assert_eq(pp_blake2b(out, 32, "", 0, key, 65), -EINVAL);
	cr_assert_eq(pp_blake2b(out, 32, "", 0, NULL, 5), -EINVAL);
	cr_assert_eq(pp_blake2b(out, 1, "", 0, key, 64), 0);
}
