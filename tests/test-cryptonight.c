/* CryptoNight: every variant bit-exact against known answers: Monero's tests-slow*.txt
 * (cn/0, cn/1, cn/2, cn/r at each height) and xmrig's five blobs per variant
 * (cryptonight-variants.txt + cryptonight-blobs.txt). The hardware AES back end runs all of
 * them; the portable one runs a subset (one blob per variant, and Monero's cn/2 and cn/r). */
#include "kernels/cryptonight/cryptonight.h"
#include "kernels/hash-algos.h"
#include "kernels/cryptonight/cn-r.h"
#include "support/testutil.h"

#include <criterion/criterion.h>
#include <errno.h>
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

/* The known answer of every row of the algorithm list (PP_CN_VARIANTS, read through the
 * pp_hash table) is a published line: blob 0 in cryptonight-variants.txt, or for random
 * math a line of Monero's tests-slow-4.txt. */
Test(cryptonight, listed_known_answers_are_published)
{
	struct pp_vec_line *var, *r;
	int nvar = pp_vec_load("cryptonight-variants.txt", &var);
	int nr = pp_vec_load("tests-slow-4.txt", &r), checked = 0;
	for (int i = 0; pp_hash_algo_at(i); i++) {
		const struct pp_hash_algo *a = pp_hash_algo_at(i);
		const struct pp_cn_variant *v = pp_cn_variant_find(a->name);
		if (strcmp(a->family, "cryptonight") != 0)
			continue;
		cr_assert_not_null(v, "%s", a->name);
		bool found = false;
		if (v->flags & PP_CNF_R) {
			for (int j = 0; j < nr && !found; j++)
				found = !strcmp(r[j].field[0], a->kat.hash) &&
					!strcmp(r[j].field[1], a->kat.input) &&
					strtoull(r[j].field[2], NULL, 10) == a->kat.height;
		} else {
			cr_assert_str_eq(a->kat.input, PP_CN_KAT_INPUT, "%s: not blob 0", a->name);
			cr_assert_eq(a->kat.height, 0);
			for (int j = 0; j < nvar && !found; j++)
				found = !strcmp(var[j].field[0], a->name) &&
					!strcmp(var[j].field[3], a->kat.hash);
		}
		cr_assert(found, "%s: known answer %s is not a published line", a->name, a->kat.hash);
		checked++;
	}
	cr_assert_eq(checked, PP_CN_COUNT);
	pp_vec_free(var, nvar);
	pp_vec_free(r, nr);
}

/* cryptonight-blobs.txt: blobs 1..4 through every variant. */
static void blobs_file(struct pp_cn_ctx *ctx, int max_per_variant)
{
	struct pp_vec_line *v;
	int n = pp_vec_load("cryptonight-blobs.txt", &v);
	const char *blob[5] = { 0 };
	int checked = 0, per = 0;
	const char *last = "";
	for (int i = 0; i < n; i++) {
		cr_assert_eq(v[i].nfields, 3, "cryptonight-blobs.txt:%d: malformed", v[i].lineno);
		int k = atoi(v[i].field[1]);
		cr_assert(k >= 1 && k <= 4, "cryptonight-blobs.txt:%d: blob number", v[i].lineno);
		if (strcmp(v[i].field[0], "blob") == 0) {
			blob[k] = v[i].field[2];
			continue;
		}
		per = strcmp(last, v[i].field[0]) == 0 ? per + 1 : 1;
		last = v[i].field[0];
		if (per > max_per_variant)
			continue;
		cr_assert_not_null(blob[k], "cryptonight-blobs.txt:%d: blob %d undefined",
				   v[i].lineno, k);
		struct pp_vec_line l = v[i];
		l.field[0] = v[i].field[2];
		l.field[1] = (char *)blob[k];
		check_line(ctx, "cryptonight-blobs.txt", &l, v[i].field[0], 0, 1, -1);
		checked++;
	}
	cr_assert_geq(checked, (PP_CN_COUNT - 1) * (max_per_variant < 4 ? max_per_variant : 4));
	pp_vec_free(v, n);
}

Test(cryptonight, variants_blobs1to4_hw) { blobs_file(ctx_hw, 4); }

Test(cryptonight, errors)
{
	uint8_t in[76] = { 0 }, out[32];
	cr_assert_null(pp_cn_variant_find("cn/nope"));
	cr_assert_eq(pp_cn_variant_find("cn/msr"), pp_cn_variant_find("cn/fast"), "alias");
	/* cn/1-based variants need input bytes 35..42 */
	cr_assert_eq(pp_cn_hash(ctx_hw, pp_cn_variant_find("cn/1"), in, 42, 0, out), -EINVAL);
	cr_assert_eq(pp_cn_hash(ctx_hw, pp_cn_variant_find("cn-heavy/tube"), in, 10, 0, out),
		     -EINVAL);
	/* cn/0 accepts any length, including empty */
	cr_assert_eq(pp_cn_hash(ctx_hw, pp_cn_variant_find("cn-pico/0"), in, 0, 0, out), 0);
	/* a context too small for the variant */
	struct pp_cn_ctx *small;
	cr_assert_eq(pp_cn_ctx_new(PP_CN_KIB(256), PP_PAGES_OFF, false, &small), 0);
	cr_assert_eq(pp_cn_hash(small, pp_cn_variant_find("cn/0"), in, 76, 0, out), -EINVAL);
	cr_assert_str_eq(pp_cn_ctx_pages(small), "normal");
	pp_cn_ctx_free(small);
	cr_assert_eq(pp_cn_ctx_new(PP_CN_MAX_MEMORY + 1, PP_PAGES_OFF, false, &small), -EINVAL);
}

/* The cn/r program for a height is the same every time, has 60..70 instructions ending in
 * RET, reads r8 somewhere, and differs between heights. */
Test(cryptonight, cnr_program_shape)
{
	struct pp_cnr_program a, b, c;
	pp_cnr_generate(1806260, &a);
	pp_cnr_generate(1806260, &b);
	pp_cnr_generate(1806261, &c);
	cr_assert(a.n >= PP_CNR_MIN_INSNS && a.n <= PP_CNR_MAX_INSNS, "size %d", a.n);
	cr_assert_eq(a.insn[a.n].op, PP_CNR_RET);
	cr_assert(memcmp(a.insn, b.insn, sizeof(a.insn)) == 0, "not deterministic");
	cr_assert(memcmp(a.insn, c.insn, sizeof(a.insn)) != 0, "height ignored");
	bool r8 = false;
	for (int i = 0; i < a.n; i++) {
		r8 |= a.insn[i].src == 8;
		cr_assert_lt(a.insn[i].dst, 4);
		cr_assert_lt(a.insn[i].op, PP_CNR_RET);
	}
	cr_assert(r8, "r8 unused");
}

/* The threaded interpreter agrees with the reference one on random registers, for many
 * heights (every opcode, destination and source combination shows up). */
Test(cryptonight, cnr_interpreters_agree)
{
	unsigned seed = 7;
	for (uint64_t height = 1; height < 2000000; height += 9973) {
		struct pp_cnr_program p;
		struct pp_cnr_code code;
		pp_cnr_generate(height, &p);
		pp_cnr_compile(&p, &code);
		for (int k = 0; k < 8; k++) {
			uint32_t a[PP_CNR_REGS], b[PP_CNR_REGS];
			for (int i = 0; i < PP_CNR_REGS; i++)
				a[i] = b[i] = (uint32_t)rand_r(&seed) * 2654435761u ^ (uint32_t)rand_r(&seed);
			pp_cnr_run(&p, a);
			pp_cnr_exec(&code, b);
			cr_assert(memcmp(a, b, sizeof(a)) == 0, "height %llu: interpreters differ",
				  (unsigned long long)height);
		}
	}
}
