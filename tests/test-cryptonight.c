/* CryptoNight: every variant bit-exact against known answers: Monero's tests-slow*.txt
 * (cn/0, cn/1, cn/2, cn/r at each height) and xmrig's five blobs per variant
 * (cryptonight-variants.txt + cryptonight-blobs.txt). The hardware AES back end runs all of
 * them; the portable one runs a subset (one blob per variant, and Monero's cn/2 and cn/r). */
#include "kernels/cryptonight/cryptonight.h"
#include "kernels/cryptonight/cn-r.h"
#include "support/testutil.h"

#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

static struct pp_cn_ctx *ctx_hw, *ctx_soft;

static void setup(void)
{
	cr_assert_eq(pp_cn_ctx_new(PP_CN_MAX_MEMORY, PP_PAGES_AUTO, false, &ctx_hw), 0);
	cr_assert_eq(pp_cn_ctx_new(PP_CN_MAX_MEMORY, PP_PAGES_OFF, true, &ctx_soft), 0);
	cr_assert_eq(pp_cn_ctx_aes(ctx_soft), PP_AES_SOFT);
}

static void teardown(void)
{
	pp_cn_ctx_free(ctx_hw);
	pp_cn_ctx_free(ctx_soft);
}

TestSuite(cryptonight, .init = setup, .fini = teardown);

static void check_line(struct pp_cn_ctx *ctx, const char *file, const struct pp_vec_line *l,
		       const char *algo, int hash_field, int input_field, int height_field)
{
	uint8_t want[32], got[32], in[256];
	const struct pp_cn_variant *v = pp_cn_variant_find(algo);
	cr_assert_not_null(v, "%s:%d: unknown variant %s", file, l->lineno, algo);
	pp_test_unhex(l->field[hash_field], want, sizeof(want));
	size_t len = pp_test_unhex(l->field[input_field], in, sizeof(in));
	uint64_t height = height_field >= 0 ? strtoull(l->field[height_field], NULL, 10) : 0;
	int err = pp_cn_hash(ctx, v, in, len, height, got);
	cr_assert_eq(err, 0, "%s:%d: %s returned %d", file, l->lineno, algo, err);
	cr_assert_arr_eq(got, want, 32, "%s:%d: %s (%s AES) of a %zu-byte input, height %llu "
			 "differs", file, l->lineno, algo, pp_aes_backend_name(pp_cn_ctx_aes(ctx)),
			 len, (unsigned long long)height);
}

static void monero_file(struct pp_cn_ctx *ctx, const char *file, const char *algo, int max)
{
	struct pp_vec_line *v;
	int n = pp_vec_load(file, &v);
	cr_assert_gt(n, 0);
	for (int i = 0; i < n && i < max; i++)
		check_line(ctx, file, &v[i], algo, 0, 1, v[i].nfields > 2 ? 2 : -1);
	pp_vec_free(v, n);
}

Test(cryptonight, monero_cn0) { monero_file(ctx_hw, "tests-slow.txt", "cn/0", 1000); }
Test(cryptonight, monero_cn1) { monero_file(ctx_hw, "tests-slow-1.txt", "cn/1", 1000); }
Test(cryptonight, monero_cn2) { monero_file(ctx_hw, "tests-slow-2.txt", "cn/2", 1000); }
Test(cryptonight, monero_cnr) { monero_file(ctx_hw, "tests-slow-4.txt", "cn/r", 1000); }
Test(cryptonight, monero_soft_aes)
{
	monero_file(ctx_soft, "tests-slow-2.txt", "cn/2", 2);
	monero_file(ctx_soft, "tests-slow-4.txt", "cn/r", 2);
}

/* cryptonight-variants.txt: "variant size iterations hash" for blob 0 (in the header). */
static void variants_file(struct pp_cn_ctx *ctx)
{
	static const char blob0[] =
		"0305a0dbd6bf05cf16e503f3a66f78007cbf34144332ecbfc22ed95c8700383b309ace1923a0964b"
		"00000008ba939a62724c0d7581fce5761e9d8a0e6a1c3f924fdd8493d1115649c05eb601";
	struct pp_vec_line *v;
	int n = pp_vec_load("cryptonight-variants.txt", &v);
	cr_assert_eq(n, PP_CN_COUNT - 1, "one line per variant but cn/r expected, got %d", n);
	for (int i = 0; i < n; i++) {
		struct pp_vec_line l = v[i];
		char *fields[2] = { l.field[3], (char *)blob0 };
		l.field[0] = fields[0];
		l.field[1] = fields[1];
		check_line(ctx, "cryptonight-variants.txt", &l, v[i].field[0], 0, 1, -1);
		/* the parameters in the file match the table */
		const struct pp_cn_variant *var = pp_cn_variant_find(v[i].field[0]);
		cr_assert_eq(var->iterations, strtoul(v[i].field[2], NULL, 0),
			     "cryptonight-variants.txt:%d: iterations", v[i].lineno);
		l.field[0] = v[i].field[0];
	}
	pp_vec_free(v, n);
}

Test(cryptonight, variants_blob0_hw) { variants_file(ctx_hw); }
Test(cryptonight, variants_blob0_soft) { variants_file(ctx_soft); }
