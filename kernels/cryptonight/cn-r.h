/* cn/r (CryptoNight variant 4) random math: a program of 60..70 operations on 32-bit
 * registers, generated from the block height, run once per main-loop iteration.
 * The program (struct pp_cnr_program) is kept apart from how it is executed: by the
 * interpreters below or by the x86-64 JIT (cn-r-jit.c). */
#ifndef PP_KERNELS_CRYPTONIGHT_CN_R_H
#define PP_KERNELS_CRYPTONIGHT_CN_R_H

#include <stdint.h>

enum pp_cnr_op {
	PP_CNR_MUL = 0, /* dst *= src */
	PP_CNR_ADD,     /* dst += src + c */
	PP_CNR_SUB,     /* dst -= src */
	PP_CNR_ROR,     /* dst = rotr(dst, src & 31) */
	PP_CNR_ROL,     /* dst = rotl(dst, src & 31) */
	PP_CNR_XOR,     /* dst ^= src */
	PP_CNR_RET,     /* end of program */
};

/* Registers: r0..r3 change, r4..r8 are loaded from the main loop each iteration. */
#define PP_CNR_REGS 9
#define PP_CNR_MIN_INSNS 60
#define PP_CNR_MAX_INSNS 70

struct pp_cnr_insn {
	uint8_t op;
	uint8_t dst; /* 0..3 */
	uint8_t src; /* 0..8 */
	uint32_t c;  /* ADD's constant */
};

struct pp_cnr_program {
	uint64_t height;
	int n; /* instructions before the final RET */
	struct pp_cnr_insn insn[PP_CNR_MAX_INSNS + 1];
};

/* Generates the program for `height` exactly as Monero's consensus code does. */
void pp_cnr_generate(uint64_t height, struct pp_cnr_program *p);

/* The program prepared for the fast interpreter (cn-r-interp.c): one pre-resolved handler
 * per instruction. Same results as pp_cnr_run. */
struct pp_cnr_code_op {
	const void *handler; /* in this process's copy of the interpreter */
	uint32_t c;
};
struct pp_cnr_code {
	int n;
	struct pp_cnr_code_op op[PP_CNR_MAX_INSNS + 1];
};
void pp_cnr_compile(const struct pp_cnr_program *p, struct pp_cnr_code *out);
void pp_cnr_exec(const struct pp_cnr_code *code, uint32_t r[PP_CNR_REGS]);

/* The reference interpreter: runs p on r[0..8]; r0..r3 are updated. Simple and slow (a
 * switch per instruction); the main loop uses pp_cnr_exec or the JIT. */
static inline void pp_cnr_run(const struct pp_cnr_program *p, uint32_t r[PP_CNR_REGS])
{
	for (const struct pp_cnr_insn *i = p->insn;; i++) {
		uint32_t s = r[i->src], *d = &r[i->dst];
		switch (i->op) {
		case PP_CNR_MUL:
			*d *= s;
			break;
		case PP_CNR_ADD:
			*d += s + i->c;
			break;
		case PP_CNR_SUB:
			*d -= s;
			break;
		case PP_CNR_ROR:
			s &= 31;
			*d = (*d >> s) | (*d << ((32 - s) & 31));
			break;
		case PP_CNR_ROL:
			s &= 31;
			*d = (*d << s) | (*d >> ((32 - s) & 31));
			break;
		case PP_CNR_XOR:
			*d ^= s;
			break;
		default:
			return;
		}
	}
}

/* ---- the JIT (cn-r-jit.c) ----------------------------------------------------------- */

struct pp_jit_buf;

/* Generated code, SysV ABI: runs the program on r[0..8]; r0..r3 are updated. */
typedef void (*pp_cnr_fn)(uint32_t r[PP_CNR_REGS]);

/* Compiles p into buf (pp_jit_buf_begin .. _finish; the previous code there is gone) and
 * sets *out. Returns 0, -EINVAL for a malformed program, -ENOTSUP where there is no JIT
 * (not x86-64), -ENOSPC when buf is too small, or -errno from mprotect. 4 KiB suffice. */
int pp_cnr_jit_compile(const struct pp_cnr_program *p, struct pp_jit_buf *buf, pp_cnr_fn *out);

/* The same, and also a second entry for the main loop: *regs (when regs is not NULL) takes
 * the nine registers in machine registers (see pp_cnr_jit_call), not in memory. */
int pp_cnr_jit_compile_regs(const struct pp_cnr_program *p, struct pp_jit_buf *buf,
			    pp_cnr_fn *fn, const void **regs);

#if defined(__x86_64__)
/* The register entry's convention: r0..r3 in eax, edx, esi, edi (read and written), r4..r8
 * in r8d..r11d and ebx (read), ecx and the flags clobbered, no memory touched. */
#define PP_CNR_JIT_REG_R0 0 /* rax, x86 register number */
#define PP_CNR_JIT_REG_R8 3 /* rbx */

/* Calls a register entry on r[0..8] from C. Inlined into a loop whose r[] never has its
 * address taken, the registers stay in machine registers across iterations. The red zone
 * under rsp may hold the caller's data, so the call's return address goes below it. */
static inline __attribute__((always_inline)) void pp_cnr_jit_call(const void *entry,
								   uint32_t r[PP_CNR_REGS])
{
	register uint32_t r4 __asm__("r8") = r[4];
	register uint32_t r5 __asm__("r9") = r[5];
	register uint32_t r6 __asm__("r10") = r[6];
	register uint32_t r7 __asm__("r11") = r[7];
	__asm__ volatile("lea -128(%%rsp), %%rsp\n\t"
			 "call *%[fn]\n\t"
			 "lea 128(%%rsp), %%rsp"
			 : "+a"(r[0]), "+d"(r[1]), "+S"(r[2]), "+D"(r[3])
			 : [fn] "r"(entry), "r"(r4), "r"(r5), "r"(r6), "r"(r7), "b"(r[8])
			 : "rcx", "cc");
}
#endif

#endif
