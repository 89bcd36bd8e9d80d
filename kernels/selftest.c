/* The self-test table: { kernel, fn }, each fn running a few embedded known-answer vectors
 * (a subset of tests/vectors/, with the same provenance; see tests/vectors/README.md). The
 * proof-of-work ones come from the pp_hash table's known answers (kernels/hash-algos.h). */
#include <powprint/selftest.h>

#include "core/clock.h"
#include "core/hex.h"
#include "core/jit-buf.h"
#include "kernels/crypto/aes.h"
#include "kernels/crypto/blake256.h"
#include "kernels/crypto/groestl.h"
#include "kernels/crypto/jh.h"
#include "kernels/crypto/keccak.h"
#include "kernels/crypto/skein.h"
#include "kernels/cryptonight/cryptonight.h"
#include "kernels/hash-algos.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

struct kat { /* hash (hex), input (hex, "" = empty) */
	const char *hash, *input;
};

static void fail(struct pp_selftest_result *r, const char *what, const char *want,
		 const uint8_t got[32])
{
	if (r->detail[0])
		return; /* keep the first failure */
	char hex[65];
	pp_hex_encode(got, 32, hex);
	snprintf(r->detail, sizeof(r->detail), "%s: expected %.16s..., got %.16s...", what, want,
		 hex);
}

static void check(struct pp_selftest_result *r, const char *what, const char *want_hex,
		  const uint8_t got[32])
{
	uint8_t want[32];
	r->total++;
	if (pp_hex_decode(want_hex, want, 32) == 32 && memcmp(want, got, 32) == 0)
		r->passed++;
	else
		fail(r, what, want_hex, got);
}

static int run_kats(struct pp_selftest_result *r, const struct kat *k, int n,
		    void (*fn)(const void *, size_t, uint8_t[32]))
{
	for (int i = 0; i < n; i++) {
		uint8_t in[128], out[32];
		long len = pp_hex_decode(k[i].input, in, sizeof(in));
		if (len < 0)
			return -EINVAL;
		fn(in, (size_t)len, out);
		char what[48];
		snprintf(what, sizeof(what), "vector %d (%ld bytes)", i, len);
		check(r, what, k[i].hash, out);
	}
	return 0;
}

/* Monero's tests-fast.txt lines 1 and 50, tests-extra-*.txt lines 2 and 100. */
static const char long_in[] = "6efcbcaf451c129dbe00b9cef0c3749d3ee9d41c7bd500ade40cdc65dedbbbad"
			      "b885a5b14b32a0c0d087825201e303288a733842fa7e599c0c514e078f05c8"
			      "21c7a4498b01c40032e9f1872a1c925fa17ce253e8935e4c3c71282242cb71"
			      "6b2089ccc1";

static int st_keccak(struct pp_selftest_result *r)
{
	static const struct kat k[] = {
		{ "c5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470", "" },
		{ "b1f990204bf630569a3edc634864274786f40ce1c57165ee32d0e29f5d0c6851",
		  "be9684be70340860373c9c482ba517e899fc81baaa12e5c6d7727975d1d41ba8bef788cdb5cf4606"
		  "c9c1c7f61aed59f97d" },
	};
	return run_kats(r, k, 2, pp_keccak256);
}

static int st_blake256(struct pp_selftest_result *r)
{
	const struct kat k[] = {
		{ "e104256a2bc501f459d03fac96b9014f593e22d30f4de525fa680c3aa189eb4f", "cc" },
		{ "2e5df5fd1c5e6d63a478b36a3571a2ddc095e1ffd93056682bf1aaab830582e7", long_in },
	};
	return run_kats(r, k, 2, pp_blake256);
}

static int st_groestl(struct pp_selftest_result *r)
{
	const struct kat k[] = {
		{ "15e2671f0eaf66c0de3093ab7b1e39dc68f945d7002fc5dfd52d60527e7228d1", "cc" },
		{ "2dcb4de3faafd2a0ab17525b7ed91e56337bcd31fff998c45655eb7f101c28eb", long_in },
	};
	return run_kats(r, k, 2, pp_groestl256);
}

static int st_jh(struct pp_selftest_result *r)
{
	const struct kat k[] = {
		{ "7b1191f13a2667830142541bfc5918543d2a434c7692e70c3e5e9bbdddb7f581", "cc" },
		{ "0c9246a07b1dab880b8f6e1676d28a659c4fc6d3985fa46093cae71e70b42295", long_in },
	};
	return run_kats(r, k, 2, pp_jh256);
}

static int st_skein(struct pp_selftest_result *r)
{
	const struct kat k[] = {
		{ "a018268ed814e0ad0f2d0304e8fe3f4118fcefc07454d07123cc2c3e40e06a4f", "cc" },
		{ "00d88bf06eb22471678c9c4849daef658c19ba46f818fcbb696c2c1977ddd1e5", long_in },
	};
	return run_kats(r, k, 2, pp_skein512_256);
}

/* FIPS-197 C.3 (AES-256) through every back end this CPU has: 13 AESENC-style rounds plus a
 * final round built from the S-box. */
static int st_aes(struct pp_selftest_result *r)
{
	uint8_t key[32], rk[15][16], pt[16];
	for (int i = 0; i < 32; i++)
		key[i] = (uint8_t)i;
	for (int i = 0; i < 16; i++)
		pt[i] = (uint8_t)(0x11 * i);
	pp_aes256_expand_key(key, rk);
	for (enum pp_aes_backend b = PP_AES_SOFT; b <= PP_AES_ARM; b++) {
		if (!pp_aes_backend_supported(b))
			continue;
		uint8_t s[16], out[32] = { 0 };
		for (int i = 0; i < 16; i++)
			s[i] = pt[i] ^ rk[0][i];
		for (int i = 1; i < 14; i++)
			pp_aes_round(b, false, s, rk[i]);
		for (int c = 0; c < 4; c++)
			for (int w = 0; w < 4; w++)
				out[4 * c + w] = pp_aes_sbox[s[4 * ((c + w) % 4) + w]] ^ rk[14][4 * c + w];
		char what[48];
		snprintf(what, sizeof(what), "FIPS-197 C.3 with %s", pp_aes_backend_name(b));
		check(r, what, "8ea2b7ca516745bfeafc49904b496089"
			       "00000000000000000000000000000000", out);
	}
	return 0;
}

/* The CryptoNight rows of the pp_hash table marked PP_HASH_SELFTEST (or, with `soft`,
 * PP_HASH_SELFTEST_SOFT), each hashed to its known answer (kernels/cryptonight/cn-config.h);
 * with `jit`, only the random-math ones (cn/r), compiled. */
static int cn_vectors(struct pp_selftest_result *r, bool soft, bool jit)
{
	struct pp_cn_ctx *ctx;
	int err = pp_cn_ctx_new(PP_CN_MAX_MEMORY, PP_PAGES_AUTO, soft, &ctx);
	if (!err && jit)
		err = pp_cn_ctx_set_jit(ctx, true, false);
	if (err) {
		pp_cn_ctx_free(ctx);
		return err;
	}
	const struct pp_hash_algo *a;
	for (int i = 0; !err && (a = pp_hash_algo_at(i)); i++) {
		const struct pp_cn_variant *v = pp_cn_variant_find(a->name);
		if (!v || !(a->uses & (soft ? PP_HASH_SELFTEST_SOFT : PP_HASH_SELFTEST)) ||
		    (jit && !(v->flags & PP_CNF_R)))
			continue;
		uint8_t in[128], out[32] = { 0 };
		long len = pp_hex_decode(a->kat.input, in, sizeof(in));
		err = len < 0 ? -EINVAL
			      : pp_cn_hash(ctx, v, in, (size_t)len, a->kat.height, out);
		if (err)
			break;
		char what[64];
		snprintf(what, sizeof(what), "%s (%s AES%s)", a->name,
			 pp_aes_backend_name(pp_cn_ctx_aes(ctx)), jit ? ", JIT" : "");
		check(r, what, a->kat.hash, out);
	}
	pp_cn_ctx_free(ctx);
	return err;
}

static int st_cryptonight(struct pp_selftest_result *r)
{
	return cn_vectors(r, false, false);
}

static int st_cryptonight_soft(struct pp_selftest_result *r)
{
	return cn_vectors(r, true, false);
}

/* Where there is no JIT the entry runs nothing and says so (it cannot fail). */
static bool no_jit(struct pp_selftest_result *r)
{
	if (pp_jit_supported())
		return false;
	snprintf(r->detail, sizeof(r->detail), "no JIT for this CPU: the interpreters run");
	return true;
}

static int st_cnr_jit(struct pp_selftest_result *r)
{
	return no_jit(r) ? 0 : cn_vectors(r, false, true);
}

/* kernels/randomx/rx-selftest.c */
int pp_rx_selftest(struct pp_selftest_result *r);
int pp_rx_selftest_jit(struct pp_selftest_result *r);

static int st_randomx_jit(struct pp_selftest_result *r)
{
	return no_jit(r) ? 0 : pp_rx_selftest_jit(r);
}

static const struct {
	const char *kernel;
	int (*fn)(struct pp_selftest_result *r);
} selftests[] = {
	{ "aes", st_aes },
	{ "keccak", st_keccak },
	{ "blake256", st_blake256 },
	{ "groestl", st_groestl },
	{ "jh", st_jh },
	{ "skein", st_skein },
	{ "cryptonight", st_cryptonight },
	{ "cryptonight-soft-aes", st_cryptonight_soft },
	{ "cn/r-jit", st_cnr_jit },
	{ "randomx", pp_rx_selftest },
	{ "randomx-jit", st_randomx_jit },
};
#define NTESTS ((int)(sizeof(selftests) / sizeof(selftests[0])))

int pp_selftest_count(void)
{
	return NTESTS;
}

const char *pp_selftest_name(int i)
{
	return i >= 0 && i < NTESTS ? selftests[i].kernel : NULL;
}

int pp_selftest_run(int i, struct pp_selftest_result *res)
{
	memset(res, 0, sizeof(*res));
	if (i < 0 || i >= NTESTS)
		return -EINVAL;
	res->kernel = selftests[i].kernel;
	double t0 = pp_clock_mono_s();
	int err = selftests[i].fn(res);
	res->seconds = pp_clock_mono_s() - t0;
	if (!err && !res->detail[0])
		snprintf(res->detail, sizeof(res->detail), "%d/%d vectors", res->passed,
			 res->total);
	return err;
}
