/* Instruction decoders of the ip-sample backend: known encodings (x86-64 checked with GNU as,
 * AArch64 with capstone's own disassembly of the words below), the backwards search for the
 * instruction that ends at an IP, garbage bytes, and /proc/PID/maps parsing. */
#include "fingerprint/collect/decode/decode.h"
#include "fingerprint/collect/maps.h"
#include "support/testutil.h"

#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct vec {
	int line;
	const char *hex;
	const char *asm_text;
	enum pp_iclass cls;
};

#define V(hex, text, cls) { __LINE__, hex, text, cls }

static const struct vec x86[] = {
	V("660f38dcc1", "aesenc xmm0,xmm1", PP_IC_AES),
	V("62f26d48dccb", "vaesenc zmm1,zmm2,zmm3 (EVEX: capstone 4 misses it)", PP_IC_AES),
	V("c4e26dddcb", "vaesenclast ymm1,ymm2,ymm3", PP_IC_AES),
	V("660f38de00", "aesdec xmm0,[rax] (AES beats load)", PP_IC_AES),
	V("660f3a44c100", "pclmulqdq xmm0,xmm1,0", PP_IC_CLMUL),
	V("62f36d4844cb11", "vpclmulqdq zmm1,zmm2,zmm3,0x11", PP_IC_CLMUL),
	V("0f38cbca", "sha256rnds2 xmm1,xmm2", PP_IC_SHA),
	V("0f38c9ca", "sha1msg1 xmm1,xmm2", PP_IC_SHA),
	V("480fafc3", "imul rax,rbx", PP_IC_MUL),
	V("48f7e1", "mul rcx", PP_IC_MUL),
	V("c4e2e3f6c1", "mulx rax,rbx,rcx", PP_IC_MUL),
	V("48f7f1", "div rcx", PP_IC_DIV),
	V("f73e", "idiv dword [rsi] (divide beats load)", PP_IC_DIV),
	V("f20f5ec1", "divsd xmm0,xmm1", PP_IC_DIV),
	V("62f1f5485ec2", "vdivpd zmm0,zmm1,zmm2", PP_IC_DIV),
	V("f20f51c1", "sqrtsd xmm0,xmm1", PP_IC_SQRT),
	V("c5fd51c1", "vsqrtpd ymm0,ymm1", PP_IC_SQRT),
	V("0fae1424", "ldmxcsr [rsp]", PP_IC_ROUNDING),
	V("c5f8ae542404", "vldmxcsr [rsp+4]", PP_IC_ROUNDING),
	V("d92c24", "fldcw [rsp]", PP_IC_ROUNDING),
	V("0fae1c24", "stmxcsr [rsp] (reads the mode: a store)", PP_IC_STORE),
	V("750e", "jne", PP_IC_BRANCH),
	V("ffe0", "jmp rax", PP_IC_BRANCH),
	V("ffd0", "call rax", PP_IC_BRANCH),
	V("c3", "ret", PP_IC_BRANCH),
	V("488b04cb", "mov rax,[rbx+rcx*8]", PP_IC_LOAD),
	V("488903", "mov [rbx],rax", PP_IC_STORE),
	V("480303", "add rax,[rbx]", PP_IC_LOAD),
	V("480103", "add [rbx],rax (read-modify-write)", PP_IC_LOAD),
	V("50", "push rax", PP_IC_STORE),
	V("5b", "pop rbx", PP_IC_LOAD),
	V("660f6f00", "movdqa xmm0,[rax]", PP_IC_LOAD),
	V("62f1fe486f00", "vmovdqu64 zmm0,[rax]", PP_IC_LOAD),
	V("0f2908", "movaps [rax],xmm1", PP_IC_STORE),
	V("660f58c1", "addpd xmm0,xmm1", PP_IC_FP_SIMD),
	V("62f27548b8c2", "vfmadd231ps zmm0,zmm1,zmm2", PP_IC_FP_SIMD),
	V("f20f59c1", "mulsd xmm0,xmm1 (FP multiply is not integer mul)", PP_IC_FP_SIMD),
	V("660ffec1", "paddd xmm0,xmm1", PP_IC_INT_SIMD),
	V("62f17548efc2", "vpxord zmm0,zmm1,zmm2", PP_IC_INT_SIMD),
	V("660f3800c1", "pshufb xmm0,xmm1", PP_IC_INT_SIMD),
	V("4801d8", "add rax,rbx", PP_IC_OTHER),
	V("488d448b08", "lea rax,[rbx+rcx*4+8] (address only: no load)", PP_IC_OTHER),
	V("90", "nop", PP_IC_OTHER),
	V("0f1f0400", "nop dword [rax+rax]", PP_IC_OTHER),
	V("31c0", "xor eax,eax", PP_IC_OTHER),
	V("0f1808", "prefetcht0 [rax]", PP_IC_LOAD),
	V("c4e26d900488", "vpgatherdd ymm0,[rax+ymm1*4],ymm2", PP_IC_LOAD),
};

/* Little-endian bytes of the AArch64 words that capstone prints as shown. */
static const struct vec arm64[] = {
	V("2048284e", "aese v0.16b, v1.16b", PP_IC_AES),
	V("2058284e", "aesd v0.16b, v1.16b", PP_IC_AES),
	V("2068284e", "aesmc v0.16b, v1.16b", PP_IC_AES),
	V("2078284e", "aesimc v0.16b, v1.16b", PP_IC_AES),
	V("20e0e20e", "pmull v0.1q, v1.1d, v2.1d", PP_IC_CLMUL),
	V("20e0e24e", "pmull2 v0.1q, v1.2d, v2.2d", PP_IC_CLMUL),
	V("2040025e", "sha256h q0, q1, v2.4s", PP_IC_SHA),
	V("2008285e", "sha1h s0, s1", PP_IC_SHA),
	V("00441bd5", "msr fpcr, x0", PP_IC_ROUNDING),
	V("00443bd5", "mrs x0, fpcr (reads the mode)", PP_IC_OTHER),
	V("207c029b", "mul x0, x1, x2", PP_IC_MUL),
	V("200c029b", "madd x0, x1, x2, x3", PP_IC_MUL),
	V("207cc29b", "umulh x0, x1, x2", PP_IC_MUL),
	V("209ca24e", "mul v0.4s, v1.4s, v2.4s (vector: not GP mul)", PP_IC_INT_SIMD),
	V("200cc29a", "sdiv x0, x1, x2", PP_IC_DIV),
	V("2008c29a", "udiv x0, x1, x2", PP_IC_DIV),
	V("2018621e", "fdiv d0, d1, d2", PP_IC_DIV),
	V("20c0611e", "fsqrt d0, d1", PP_IC_SQRT),
	V("20f8a16e", "fsqrt v0.4s, v1.4s", PP_IC_SQRT),
	V("200040f9", "ldr x0, [x1]", PP_IC_LOAD),
	V("200000f9", "str x0, [x1]", PP_IC_STORE),
	V("200440a9", "ldp x0, x1, [x1]", PP_IC_LOAD),
	V("2070404c", "ld1 {v0.16b}, [x1]", PP_IC_LOAD),
	V("2070004c", "st1 {v0.16b}, [x1]", PP_IC_STORE),
	V("200080f9", "prfm pldl1keep, [x1]", PP_IC_LOAD),
	V("c0035fd6", "ret", PP_IC_BRANCH),
	V("01000054", "b.ne #0", PP_IC_BRANCH),
	V("00000014", "b #0", PP_IC_BRANCH),
	V("00000094", "bl #0", PP_IC_BRANCH),
	V("00003fd6", "blr x0", PP_IC_BRANCH),
	V("000000b4", "cbz x0, #0", PP_IC_BRANCH),
	V("20d4224e", "fadd v0.4s, v1.4s, v2.4s", PP_IC_FP_SIMD),
	V("2028621e", "fadd d0, d1, d2", PP_IC_FP_SIMD),
	V("2000629e", "scvtf d0, x1", PP_IC_FP_SIMD),
	V("2084a24e", "add v0.4s, v1.4s, v2.4s", PP_IC_INT_SIMD),
	V("201ca24e", "orr v0.16b, v1.16b, v2.16b", PP_IC_INT_SIMD),
	V("2000028b", "add x0, x1, x2", PP_IC_OTHER),
	V("1f2003d5", "nop", PP_IC_OTHER),
};

static void check_table(enum pp_isa isa, const struct vec *t, size_t n)
{
	struct pp_decoder *d;
	cr_assert_eq(pp_decoder_new(isa, &d), 0);
	for (size_t i = 0; i < n; i++) {
		uint8_t b[16];
		size_t len = pp_test_unhex(t[i].hex, b, sizeof(b)), ilen = 99;
		enum pp_iclass c = pp_decode_at(d, b, len, &ilen);
		cr_expect_eq(c, t[i].cls, "line %d: %s: got %s, want %s", t[i].line, t[i].asm_text,
			     pp_iclass_name(c), pp_iclass_name(t[i].cls));
		cr_expect_eq(ilen, len, "line %d: %s: length %zu, want %zu", t[i].line,
			     t[i].asm_text, ilen, len);
		/* The same instruction found backwards from the IP just after it, behind some
		 * ordinary code (alone, a suffix of it may decode too and nothing says which). */
		uint8_t s[64];
		const char *before = isa == PP_ISA_X86_64 ? "4801d84801d84801d8904801d84801d8"
							  : "2000028b2000028b2000028b1f2003d5";
		size_t pre = pp_test_unhex(before, s, sizeof(s));
		memcpy(s + pre, b, len);
		c = pp_decode_ending_at(d, s, pre + len, &ilen);
		cr_expect_eq(c, t[i].cls, "line %d: %s ending at the IP: got %s", t[i].line,
			     t[i].asm_text, pp_iclass_name(c));
		cr_expect_eq(ilen, len, "line %d: %s ending at the IP: length %zu", t[i].line,
			     t[i].asm_text, ilen);
	}
	pp_decoder_free(d);
}

Test(decode, x86_64_classes)
{
	check_table(PP_ISA_X86_64, x86, sizeof(x86) / sizeof(x86[0]));
}

Test(decode, arm64_classes)
{
	check_table(PP_ISA_ARM64, arm64, sizeof(arm64) / sizeof(arm64[0]));
}

/* Builds one code stream from a table and checks, at every instruction end, that the
 * backwards search finds that instruction: the IPs a sampler would report. */
static void check_stream(enum pp_isa isa, const struct vec *t, size_t n, unsigned min_pct)
{
	struct pp_decoder *d;
	cr_assert_eq(pp_decoder_new(isa, &d), 0);
	uint8_t code[1024];
	size_t end[128], at = 0;
	for (size_t i = 0; i < n; i++) {
		at += pp_test_unhex(t[i].hex, code + at, sizeof(code) - at);
		end[i] = at;
	}
	unsigned good = 0, total = 0;
	for (size_t i = 4; i < n; i++) { /* leave some history before the IP */
		size_t start = end[i] > PP_DECODE_BACK ? end[i] - PP_DECODE_BACK : 0, ilen;
		enum pp_iclass c = pp_decode_ending_at(d, code + start, end[i] - start, &ilen);
		total++;
		if (c == t[i].cls && ilen == end[i] - end[i - 1])
			good++;
		else
			cr_log_info("line %d: %s: backwards got %s (len %zu)", t[i].line,
				    t[i].asm_text, pp_iclass_name(c), ilen);
	}
	cr_expect_geq(good * 100, min_pct * total, "%u of %u instruction ends found", good, total);
	pp_decoder_free(d);
}

Test(decode, x86_64_backwards_in_a_stream)
{
	check_stream(PP_ISA_X86_64, x86, sizeof(x86) / sizeof(x86[0]), 90);
}

Test(decode, arm64_backwards_in_a_stream)
{
	check_stream(PP_ISA_ARM64, arm64, sizeof(arm64) / sizeof(arm64[0]), 100);
}

#if defined(__x86_64__)
/* Real compiler output: this test binary's own code. A forward sweep from a function's entry
 * gives the true instruction ends; the backwards search must agree on nearly all of them. */
Test(decode, x86_64_backwards_on_real_code)
{
	struct pp_decoder *d;
	cr_assert_eq(pp_decoder_new(PP_ISA_X86_64, &d), 0);
	const uint8_t *fn = (const uint8_t *)(uintptr_t)pp_decode_ending_at;
	size_t ends[1024], n = 0, at = 0, len;
	while (n < 1024 && at < 3000) {
		pp_decode_at(d, fn + at, 16, &len);
		if (!len)
			break;
		at += len;
		ends[n++] = at;
	}
	cr_assert_gt(n, 100, "forward sweep decoded only %zu instructions", n);
	unsigned good = 0, total = 0;
	for (size_t i = 8; i < n; i++) {
		size_t il, want = ends[i] - ends[i - 1];
		enum pp_iclass fwd = pp_decode_at(d, fn + ends[i - 1], want, &il);
		enum pp_iclass c = pp_decode_ending_at(d, fn + ends[i] - PP_DECODE_BACK,
						       PP_DECODE_BACK, &il);
		total++;
		good += c == fwd && il == want;
	}
	cr_expect_geq(good * 100, 97 * total, "backwards search agreed on %u of %u", good, total);
	pp_decoder_free(d);
}
#endif

/* Garbage never crashes a decoder nor reads outside the buffer (ASan builds check the
 * latter): heap buffers sized exactly, every length from 0 to the maximum. */
static void garbage(enum pp_isa isa)
{
	struct pp_decoder *d;
	cr_assert_eq(pp_decoder_new(isa, &d), 0);
	unsigned seed = 12345, undecodable = 0, calls = 0;
	for (int iter = 0; iter < 4000; iter++) {
		size_t len = (size_t)(rand_r(&seed) % (PP_DECODE_BACK + 1));
		uint8_t *b = malloc(len ? len : 1);
		for (size_t i = 0; i < len; i++)
			b[i] = (uint8_t)rand_r(&seed);
		size_t il;
		enum pp_iclass c = pp_decode_ending_at(d, b, len, &il);
		cr_assert_lt((unsigned)c, PP_IC_COUNT);
		cr_assert_leq(il, len);
		c = pp_decode_at(d, b, len, &il);
		cr_assert_lt((unsigned)c, PP_IC_COUNT);
		cr_assert_leq(il, len);
		undecodable += c == PP_IC_UNDECODABLE;
		calls++;
		free(b);
	}
	/* Empty and short buffers must come back undecodable, not as some class. */
	size_t il = 7;
	cr_expect_eq(pp_decode_ending_at(d, NULL, 0, &il), PP_IC_UNDECODABLE);
	cr_expect_eq(il, 0);
	cr_expect_gt(undecodable, 0, "some of %u random buffers must fail to decode", calls);
	pp_decoder_free(d);
}

Test(decode, x86_64_garbage)
{
	garbage(PP_ISA_X86_64);
}

Test(decode, arm64_garbage)
{
	garbage(PP_ISA_ARM64);
}

Test(decode, class_names_are_distinct)
{
	for (int i = 0; i < PP_IC_COUNT; i++) {
		cr_assert_str_neq(pp_iclass_name(i), "?");
		for (int j = 0; j < i; j++)
			cr_assert_str_neq(pp_iclass_name(i), pp_iclass_name(j));
	}
	cr_assert_str_eq(pp_iclass_name(PP_IC_COUNT), "?");
}

Test(maps, parse_lines)
{
	static const struct {
		int line;
		const char *text;
		int exec;
		enum pp_loc loc;
	} t[] = {
		{ __LINE__, "55d0c0a00000-55d0c0a21000 r-xp 00002000 fd:01 1234 /usr/bin/xz\n", 1,
		  PP_LOC_FILE },
		{ __LINE__, "7f00aa000000-7f00aa200000 rwxp 00000000 00:00 0 \n", 1, PP_LOC_JIT },
		{ __LINE__, "7f00aa000000-7f00aa200000 r-xp 00000000 00:00 0\n", 1, PP_LOC_JIT },
		{ __LINE__, "7f00ab000000-7f00ab001000 r-xp 00000000 00:01 77 /memfd:jit (deleted)\n",
		  1, PP_LOC_JIT },
		{ __LINE__, "7ffd1e5f3000-7ffd1e5f5000 r-xp 00000000 00:00 0 [vdso]\n", 1,
		  PP_LOC_VDSO },
		{ __LINE__, "ffffffffff600000-ffffffffff601000 --xp 00000000 00:00 0 [vsyscall]\n", 1,
		  PP_LOC_OTHER },
		{ __LINE__, "7f00ac000000-7f00ac100000 rw-p 00000000 00:00 0 [heap]\n", 0, 0 },
		{ __LINE__, "garbage line\n", 0, 0 },
		{ __LINE__, "", 0, 0 },
	};
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		struct pp_map m;
		int r = pp_maps_parse_line(t[i].text, &m);
		cr_expect_eq(r, t[i].exec, "line %d: exec %d", t[i].line, r);
		if (r && t[i].exec)
			cr_expect_eq(m.loc, t[i].loc, "line %d: %s", t[i].line, pp_loc_name(m.loc));
	}
}

Test(maps, own_process)
{
	struct pp_maps maps = { 0 };
	cr_assert_eq(pp_maps_read(getpid(), &maps), 0);
	const struct pp_map *m = pp_maps_find(&maps, (uint64_t)(uintptr_t)pp_maps_find);
	cr_assert_not_null(m, "our own code is in no executable mapping");
	cr_expect_eq(m->loc, PP_LOC_FILE);
	cr_expect_not_null(m->path);
	cr_expect_null(pp_maps_find(&maps, 0));
	pp_maps_free(&maps);
	cr_expect_eq(pp_maps_read(0x7ffffff0, &maps), -ESRCH);
}
