/* The cn/r JIT (cn-r-jit.c): its code computes what the reference interpreter computes, for
 * thousands of generated programs and for hand-made ones that hold every opcode, destination
 * and source pair (the generator never emits some, e.g. SUB or XOR of a register with
 * itself); whole cn/r hashes with the JIT match Monero's vectors on both AES back ends; and
 * the code runs from anonymous executable memory, writable only in RWX mode. On targets
 * without a JIT the tests skip and the interpreters stay covered by test-cryptonight. */
#include "kernels/cryptonight/cryptonight.h"
#include "kernels/cryptonight/cn-r.h"
#include "core/jit-buf.h"
#include "support/testutil.h"

#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void need_jit(void)
{
	if (!pp_jit_supported())
		cr_skip_test("no cn/r JIT for this CPU architecture (x86-64 only); the interpreters "
			     "are tested by test-cryptonight");
}

static uint32_t rnd32(unsigned *seed)
{
	return (uint32_t)rand_r(seed) * 2654435761u ^ (uint32_t)rand_r(seed) << 1;
}

/* Runs p on `rounds` random register sets through the reference interpreter, the SysV entry
 * and the register entry; all three must agree on r0..r8. */
static void check_program(const struct pp_cnr_program *p, struct pp_jit_buf *buf,
			  unsigned *seed, int rounds, const char *what)
{
	pp_cnr_fn fn = NULL;
	const void *regs = NULL;
	int err = pp_cnr_jit_compile_regs(p, buf, &fn, &regs);
	cr_assert_eq(err, 0, "%s: compile returned %d", what, err);
	cr_assert(fn && regs, "%s: no entry points", what);
	for (int k = 0; k < rounds; k++) {
		uint32_t want[PP_CNR_REGS], a[PP_CNR_REGS], b[PP_CNR_REGS];
		for (int i = 0; i < PP_CNR_REGS; i++)
			want[i] = a[i] = b[i] = k == 0 ? (uint32_t)i * 0x01010101u : rnd32(seed);
		pp_cnr_run(p, want);
		fn(a);
#if defined(__x86_64__)
		pp_cnr_jit_call(regs, b);
#endif
		for (int i = 0; i < PP_CNR_REGS; i++) {
			cr_assert_eq(a[i], want[i], "%s, round %d: SysV entry r%d = %08x, want %08x",
				     what, k, i, a[i], want[i]);
			cr_assert_eq(b[i], want[i], "%s, round %d: register entry r%d = %08x, want "
				     "%08x", what, k, i, b[i], want[i]);
		}
	}
}

/* (a) generated programs: edge heights, a run of small ones, random 64-bit ones. */
Test(cn_r_jit, matches_interpreter_on_generated_programs)
{
	need_jit();
	struct pp_jit_buf buf;
	cr_assert_eq(pp_jit_buf_new(4096, false, &buf), 0);
	static const uint64_t edge[] = { 0, 1, 2, 1806260, 1806269, UINT32_MAX, 1ull << 32,
					 1ull << 63, UINT64_MAX - 1, UINT64_MAX };
	unsigned seed = 11;
	int programs = 0;
	for (size_t i = 0; i < sizeof(edge) / sizeof(edge[0]) + 2100; i++) {
		uint64_t h;
		if (i < sizeof(edge) / sizeof(edge[0]))
			h = edge[i];
		else if (i < sizeof(edge) / sizeof(edge[0]) + 300)
			h = 3 + i; /* consecutive heights */
		else
			h = (uint64_t)rnd32(&seed) << 32 | rnd32(&seed);
		struct pp_cnr_program p;
		pp_cnr_generate(h, &p);
		char what[64];
		snprintf(what, sizeof(what), "height %llu", (unsigned long long)h);
		check_program(&p, &buf, &seed, 4, what);
		programs++;
	}
	cr_assert_geq(programs, 2000);
	pp_jit_buf_free(&buf);
}

/* Every op x dst x src, src == dst included, ADD with constants 0, small, negative and
 * large: 216 instructions split into programs of at most 70. */
Test(cn_r_jit, every_opcode_register_pair)
{
	need_jit();
	struct pp_jit_buf buf;
	cr_assert_eq(pp_jit_buf_new(4096, true, &buf), 0);
	static const uint32_t consts[] = { 0, 1, 0x7f, 0x80, 0xffffff80u, 0xffffffffu,
					   0x12345678u, 0x80000000u };
	struct pp_cnr_insn all[6 * 4 * PP_CNR_REGS];
	int n = 0;
	for (int op = PP_CNR_MUL; op < PP_CNR_RET; op++)
		for (int d = 0; d < 4; d++)
			for (int s = 0; s < PP_CNR_REGS; s++, n++)
				all[n] = (struct pp_cnr_insn){ (uint8_t)op, (uint8_t)d, (uint8_t)s,
							       op == PP_CNR_ADD ? consts[n % 8] : 0 };
	unsigned seed = 5;
	/* in order, and shuffled so each op sees other ops' results as its inputs */
	for (int pass = 0; pass < 4; pass++) {
		if (pass)
			for (int i = n - 1; i > 0; i--) {
				int j = rand_r(&seed) % (i + 1);
				struct pp_cnr_insn t = all[i];
				all[i] = all[j];
				all[j] = t;
			}
		for (int at = 0; at < n; at += PP_CNR_MAX_INSNS) {
			struct pp_cnr_program p;
			memset(&p, 0, sizeof(p));
			p.n = n - at < PP_CNR_MAX_INSNS ? n - at : PP_CNR_MAX_INSNS;
			memcpy(p.insn, all + at, p.n * sizeof(p.insn[0]));
			p.insn[p.n].op = PP_CNR_RET;
			char what[64];
			snprintf(what, sizeof(what), "pass %d, instructions %d..%d", pass, at,
				 at + p.n - 1);
			check_program(&p, &buf, &seed, 16, what);
		}
	}
	/* a single rotation by itself, and the empty program */
	struct pp_cnr_program p;
	memset(&p, 0, sizeof(p));
	p.n = 1;
	p.insn[0] = (struct pp_cnr_insn){ PP_CNR_ROR, 2, 2, 0 };
	p.insn[1].op = PP_CNR_RET;
	check_program(&p, &buf, &seed, 64, "ror r2, r2");
	p.n = 0;
	p.insn[0].op = PP_CNR_RET;
	check_program(&p, &buf, &seed, 2, "empty program");
	pp_jit_buf_free(&buf);
}

Test(cn_r_jit, rejects_malformed_programs)
{
	need_jit();
	struct pp_jit_buf buf;
	cr_assert_eq(pp_jit_buf_new(4096, false, &buf), 0);
	struct pp_cnr_program p;
	pp_cnr_generate(1806260, &p);
	pp_cnr_fn fn;
	p.insn[3].dst = 4;
	cr_assert_eq(pp_cnr_jit_compile(&p, &buf, &fn), -EINVAL, "dst r4");
	pp_cnr_generate(1806260, &p);
	p.insn[3].src = PP_CNR_REGS;
	cr_assert_eq(pp_cnr_jit_compile(&p, &buf, &fn), -EINVAL, "src r9");
	pp_cnr_generate(1806260, &p);
	p.n = PP_CNR_MAX_INSNS + 1;
	cr_assert_eq(pp_cnr_jit_compile(&p, &buf, &fn), -EINVAL, "too long");
	pp_jit_buf_free(&buf);
}

/* ---- whole hashes ------------------------------------------------------------------- */

static void hash_file(struct pp_cn_ctx *ctx, const char *file, const char *algo, int max)
{
	struct pp_vec_line *v;
	int n = pp_vec_load(file, &v);
	cr_assert_gt(n, 0);
	const struct pp_cn_variant *var = pp_cn_variant_find(algo);
	cr_assert_not_null(var);
	for (int i = 0; i < n && i < max; i++) {
		uint8_t want[32], got[32], in[256];
		pp_test_unhex(v[i].field[0], want, sizeof(want));
		size_t len = pp_test_unhex(v[i].field[1], in, sizeof(in));
		uint64_t height = v[i].nfields > 2 ? strtoull(v[i].field[2], NULL, 10) : 0;
		int err = pp_cn_hash(ctx, var, in, len, height, got);
		cr_assert_eq(err, 0, "%s:%d: %s returned %d", file, v[i].lineno, algo, err);
		cr_assert_arr_eq(got, want, 32, "%s:%d: %s with the JIT (%s AES), height %llu, "
				 "differs", file, v[i].lineno, algo,
				 pp_aes_backend_name(pp_cn_ctx_aes(ctx)), (unsigned long long)height);
	}
	pp_vec_free(v, n);
}

/* (b) Monero's cn/r vectors (a new height on each line, so a recompilation each time), with
 * W^X and with RWX code, then the interpreter again on the same context. */
static void hashes_with_jit(bool soft_aes)
{
	need_jit();
	struct pp_cn_ctx *ctx;
	cr_assert_eq(pp_cn_ctx_new(PP_CN_MIB(2), soft_aes ? PP_PAGES_OFF : PP_PAGES_AUTO, soft_aes,
				   &ctx), 0);
	cr_assert_eq(pp_cn_ctx_aes(ctx) == PP_AES_SOFT, soft_aes);
	for (int rwx = 0; rwx < 2; rwx++) {
		cr_assert_eq(pp_cn_ctx_set_jit(ctx, true, rwx), 0);
		cr_assert(pp_cn_ctx_jit(ctx));
		hash_file(ctx, "tests-slow-4.txt", "cn/r", rwx ? 3 : 1000);
	}
	/* other variants on a JIT context are untouched */
	hash_file(ctx, "tests-slow-2.txt", "cn/2", 1);
	cr_assert_eq(pp_cn_ctx_set_jit(ctx, false, false), 0);
	cr_assert(!pp_cn_ctx_jit(ctx));
	hash_file(ctx, "tests-slow-4.txt", "cn/r", 2);
	pp_cn_ctx_free(ctx);
}

Test(cn_r_jit, monero_vectors_hw_aes) { hashes_with_jit(false); }
Test(cn_r_jit, monero_vectors_soft_aes) { hashes_with_jit(true); }

/* (c) the switch: off by default, on and off again, in both page modes. */
Test(cn_r_jit, ctx_switch)
{
	struct pp_cn_ctx *ctx;
	cr_assert_eq(pp_cn_ctx_new(PP_CN_KIB(256), PP_PAGES_OFF, false, &ctx), 0);
	cr_assert(!pp_cn_ctx_jit(ctx), "the JIT is off by default");
	if (!pp_jit_supported()) {
		cr_assert_eq(pp_cn_ctx_set_jit(ctx, true, false), -ENOTSUP);
		cr_assert(!pp_cn_ctx_jit(ctx));
		cr_assert_eq(pp_cn_ctx_set_jit(ctx, false, false), 0);
		pp_cn_ctx_free(ctx);
		cr_skip_test("no cn/r JIT for this CPU architecture: only -ENOTSUP checked");
	}
	for (int rwx = 0; rwx < 2; rwx++) {
		cr_assert_eq(pp_cn_ctx_set_jit(ctx, true, rwx), 0, "rwx %d", rwx);
		cr_assert(pp_cn_ctx_jit(ctx), "rwx %d", rwx);
		cr_assert_eq(pp_cn_ctx_set_jit(ctx, true, rwx), 0, "again, rwx %d", rwx);
		cr_assert(pp_cn_ctx_jit(ctx));
	}
	cr_assert_eq(pp_cn_ctx_set_jit(ctx, false, true), 0);
	cr_assert(!pp_cn_ctx_jit(ctx));
	pp_cn_ctx_free(ctx);
}

/* ---- where the code lives ----------------------------------------------------------- */

/* (d) anonymous executable memory, writable only in RWX mode. */
static void code_mapping(bool rwx)
{
	need_jit();
	struct pp_jit_buf buf;
	cr_assert_eq(pp_jit_buf_new(4096, rwx, &buf), 0);
	struct pp_cnr_program p;
	pp_cnr_generate(1806260, &p);
	pp_cnr_fn fn;
	const void *regs;
	cr_assert_eq(pp_cnr_jit_compile_regs(&p, &buf, &fn, &regs), 0);
	const void *entry[2];
	memcpy(&entry[0], &fn, sizeof(fn));
	entry[1] = regs;
	for (int e = 0; e < 2; e++) {
		char perms[5] = "", path[256];
		cr_assert(pp_test_mapping_of(entry[e], perms, path, sizeof(path)),
			  "entry %p is in no mapping", entry[e]);
		cr_assert_eq(perms[2], 'x', "entry %d: mapping %s is not executable", e, perms);
		cr_assert_eq(perms[0], 'r', "entry %d: mapping %s", e, perms);
		cr_assert_str_empty(path, "entry %d: the mapping is not anonymous: %s", e, path);
		if (rwx)
			cr_assert_eq(perms[1], 'w', "RWX mode: mapping %s", perms);
		else
			cr_assert_neq(perms[1], 'w', "W^X mode: mapping %s is writable", perms);
	}
	/* the code runs from there */
	uint32_t a[PP_CNR_REGS] = { 1, 2, 3, 4, 5, 6, 7, 8, 9 }, b[PP_CNR_REGS];
	memcpy(b, a, sizeof(a));
	fn(a);
	pp_cnr_run(&p, b);
	cr_assert(memcmp(a, b, sizeof(a)) == 0);
	pp_jit_buf_free(&buf);
}

Test(cn_r_jit, code_in_anonymous_exec_memory_wx) { code_mapping(false); }
Test(cn_r_jit, code_in_anonymous_exec_memory_rwx) { code_mapping(true); }
