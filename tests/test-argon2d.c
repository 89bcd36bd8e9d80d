/* Argon2d (kernels/randomx/argon2d): tags compared with Debian's libargon2 (an independent
 * implementation) over small parameter sets, with and without secret and associated data,
 * one and several lanes. The RandomX cache words themselves are checked in test-randomx. */
#include "kernels/randomx/argon2d.h"

#include <argon2.h>
#include <criterion/criterion.h>
#include <errno.h>
#include <string.h>

static void fill(uint8_t *p, size_t n, uint32_t seed)
{
	for (size_t i = 0; i < n; i++) {
		seed = seed * 1103515245u + 12345u;
		p[i] = (uint8_t)(seed >> 16);
	}
}

Test(argon2d, tags_match_libargon2)
{
	uint8_t pwd[70], salt[32];
	fill(pwd, sizeof(pwd), 11);
	fill(salt, sizeof(salt), 12);
	static const struct {
		uint32_t t, m, lanes, outlen;
		size_t pwdlen, saltlen;
	} cases[] = {
		{ 1, 8, 1, 32, 0, 8 },    { 1, 16, 1, 32, 12, 8 },   { 2, 16, 1, 64, 32, 16 },
		{ 3, 32, 1, 32, 60, 8 },  { 3, 64, 1, 4, 5, 8 },     { 1, 64, 2, 32, 8, 8 },
		{ 3, 64, 4, 32, 16, 16 }, { 2, 100, 3, 65, 70, 32 }, { 4, 256, 1, 128, 20, 8 },
		{ 2, 1024, 1, 1024, 12, 8 },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct pp_argon2d_params p = {
			.t_cost = cases[i].t,
			.m_cost = cases[i].m,
			.lanes = cases[i].lanes,
			.outlen = cases[i].outlen,
			.pwd = pwd,
			.pwdlen = cases[i].pwdlen,
			.salt = salt,
			.saltlen = cases[i].saltlen,
		};
		uint8_t ours[1024], ref[1024];
		cr_assert_eq(pp_argon2d_hash(&p, ours), 0, "case %zu", i);
		int rc = argon2d_hash_raw(p.t_cost, p.m_cost, p.lanes, pwd, p.pwdlen, salt, p.saltlen,
					  ref, p.outlen);
		cr_assert_eq(rc, ARGON2_OK, "libargon2 case %zu: %s", i, argon2_error_message(rc));
		cr_assert_arr_eq(ours, ref, p.outlen,
				 "case %zu (t=%u m=%u lanes=%u outlen=%u) differs from libargon2", i,
				 p.t_cost, p.m_cost, p.lanes, p.outlen);
	}
}

Test(argon2d, secret_and_ad_match_libargon2)
{
	/* The parameter shape of RFC 9106's Argon2d example: 4 lanes, 32 KiB, 3 passes. */
	uint8_t pwd[32], salt[16], secret[8], ad[12], ours[32], ref[32];
	memset(pwd, 1, sizeof(pwd));
	memset(salt, 2, sizeof(salt));
	memset(secret, 3, sizeof(secret));
	memset(ad, 4, sizeof(ad));
	struct pp_argon2d_params p = {
		.t_cost = 3, .m_cost = 32, .lanes = 4, .outlen = 32,
		.pwd = pwd, .pwdlen = sizeof(pwd), .salt = salt, .saltlen = sizeof(salt),
		.secret = secret, .secretlen = sizeof(secret), .ad = ad, .adlen = sizeof(ad),
	};
	cr_assert_eq(pp_argon2d_hash(&p, ours), 0);
	argon2_context ctx = {
		.out = ref, .outlen = 32,
		.pwd = pwd, .pwdlen = sizeof(pwd), .salt = salt, .saltlen = sizeof(salt),
		.secret = secret, .secretlen = sizeof(secret), .ad = ad, .adlen = sizeof(ad),
		.t_cost = 3, .m_cost = 32, .lanes = 4, .threads = 1,
		.version = ARGON2_VERSION_13, .flags = ARGON2_DEFAULT_FLAGS,
	};
	int rc = argon2_ctx(&ctx, Argon2_d);
	cr_assert_eq(rc, ARGON2_OK, "libargon2: %s", argon2_error_message(rc));
	cr_assert_arr_eq(ours, ref, 32, "secret/ad tag differs from libargon2");
}

Test(argon2d, fill_leaves_memory_and_rejects_bad_input)
{
	struct pp_argon2d_params p = { .t_cost = 1, .m_cost = 8, .lanes = 1, .salt = "saltsalt",
				       .saltlen = 8 };
	cr_assert_eq(pp_argon2d_memory_size(&p), 8 * 1024);
	static uint64_t mem[1024];
	cr_assert_eq(pp_argon2d_fill(&p, mem, sizeof(mem)), 0);
	int nonzero = 0;
	for (size_t i = 0; i < 1024; i++)
		nonzero += mem[i] != 0;
	cr_assert_gt(nonzero, 1000, "the filled memory is mostly zero");
	cr_assert_eq(pp_argon2d_fill(&p, mem, 1024), -EINVAL, "too small a buffer accepted");
	p.m_cost = 7;
	cr_assert_eq(pp_argon2d_memory_size(&p), 0, "m_cost below 8 * lanes accepted");
	p.m_cost = 8;
	p.t_cost = 0;
	cr_assert_eq(pp_argon2d_fill(&p, mem, sizeof(mem)), -EINVAL, "zero passes accepted");
}
