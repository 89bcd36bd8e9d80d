/* RandomX program JIT for x86-64 (see jit.h). One function per program, called with the VM:
 *   r8..r15 = r0..r7          xmm0..3 = f0..f3      xmm4..7 = e0..e3     xmm8..11 = a0..a3
 *   xmm12 = group E AND mask  xmm13 = group E OR mask  xmm14 = FSCAL_R mask
 *   xmm15 = float memory operands
 *   rsi = scratchpad  ebp = ma  edi = mx  ebx = iterations left
 *   rax, rcx, rdx = scratch; rax carries spAddr0/1's seed into the next iteration
 * plus a stack frame for spAddr0/1, the MXCSR base, and light mode's spills around the call
 * into pp_rx_dataset_item(). The rounding mode set by CFROUND is not restored on return:
 * the next program of the hash starts from it, as with the interpreter. */
#include "kernels/randomx/jit.h"

#include "core/jit-buf.h"
#include "kernels/randomx/superscalar.h"
#include "kernels/randomx/vm.h"

#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* 256 instructions of at most 30 bytes, plus about 600 bytes around them. */
#define CODE_CAP 32768

typedef void (*prog_fn)(struct pp_rx_vm *vm);

struct pp_rx_jit {
	struct pp_jit_buf buf;
	prog_fn fn;             /* NULL unless the last compilation succeeded */
};

#if defined(__x86_64__)

enum { RAX, RCX, RDX, RBX, RSP, RBP, RSI, RDI, R8 };
#define NONE (-1)
#define IR(i) (R8 + (i))        /* integer register ri */
#define XF(i) (i)               /* f0..f3 */
#define XE(i) (4 + (i))         /* e0..e3 */
#define XA(i) (8 + (i))         /* a0..a3 */
#define X_EAND 12
#define X_EOR 13
#define X_SCALE 14
#define X_TMP 15

#define E_AND_MASK 0x00ffffffffffffffULL /* fraction and the low 4 exponent bits */
#define SCALE_MASK 0x80f0000000000000ULL /* FSCAL_R: sign and exponent bits 7-10 */
#define CSR_RC 0x6000u                   /* MXCSR rounding control, the spec's fprc */

/* Stack frame, after six pushes: FRAME % 16 == 8 keeps calls 16-byte aligned. */
enum {
	F_SP0 = 0,              /* scratchpad + spAddr0 */
	F_SP1 = 8,              /* scratchpad + spAddr1 */
	F_VM = 16,
	F_CSR = 24,             /* MXCSR at entry with RC cleared */
	F_CSR_TMP = 28,
	F_DATASET = 32,         /* dataset + dataset_offset (fast mode) */
	F_ITEM = 48,            /* the dataset item (light mode), 64 bytes */
	F_XMM = 112,            /* xmm0..15 across the call, 256 bytes */
	F_GPR = 368,            /* r8..r11, rsi, rdi across the call */
	FRAME = 424,
};
_Static_assert(FRAME % 16 == 8 && F_GPR + 48 <= FRAME && F_XMM % 16 == 0, "frame layout");

/* An operand: register `reg`, or memory [base + index << scale + disp]. */
struct opnd {
	int reg;
	int base, index, scale;
	int32_t disp;
};
#define REG(r) ((struct opnd){ .reg = (r), .base = NONE, .index = NONE })
#define MEM(b, d) ((struct opnd){ .reg = NONE, .base = (b), .index = NONE, .disp = (int32_t)(d) })
#define MEMX(b, i, d) ((struct opnd){ .reg = NONE, .base = (b), .index = (i), .disp = (int32_t)(d) })
#define OPC(...) (const uint8_t[]){ __VA_ARGS__ }, sizeof((const uint8_t[]){ __VA_ARGS__ })

/* [prefix] [REX] opcode ModRM [SIB] [disp]; `reg` is a register or an opcode extension.
 * rsp/r12 as base need a SIB byte, rbp/r13 a displacement; index is never rsp. */
static void ins(struct pp_jit_buf *b, uint8_t pfx, bool w, const uint8_t *op, size_t n, int reg,
		struct opnd rm)
{
	uint8_t e[16]; /* assembled here and emitted at once: compiling is per program */
	size_t k = 0;
	const bool direct = rm.reg != NONE;
	const int base = direct ? rm.reg : rm.base;
	const int index = direct ? NONE : rm.index;
	if (pfx)
		e[k++] = pfx;
	const uint8_t rex = (uint8_t)(0x40 | (w ? 8 : 0) | (reg & 8) >> 1 |
				      (index != NONE ? (index & 8) >> 2 : 0) | (base & 8) >> 3);
	if (rex != 0x40)
		e[k++] = rex;
	for (size_t i = 0; i < n; i++)
		e[k++] = op[i];
	if (direct) {
		e[k++] = (uint8_t)(0xc0 | (reg & 7) << 3 | (base & 7));
		pp_jit_emit(b, e, k);
		return;
	}
	const int32_t d = rm.disp;
	const uint8_t mod = d == 0 && (base & 7) != RBP ? 0x00 : d >= -128 && d <= 127 ? 0x40 : 0x80;
	if (index == NONE && (base & 7) != RSP) {
		e[k++] = (uint8_t)(mod | (reg & 7) << 3 | (base & 7));
	} else {
		e[k++] = (uint8_t)(mod | (reg & 7) << 3 | 4);
		e[k++] = (uint8_t)(rm.scale << 6 | (index == NONE ? 4 : index & 7) << 3 | (base & 7));
	}
	if (mod == 0x40) {
		e[k++] = (uint8_t)d;
	} else if (mod == 0x80) {
		memcpy(e + k, &d, 4);
		k += 4;
	}
	pp_jit_emit(b, e, k);
}

/* 64-bit `op reg, r/m` (mov 8b, add 03, sub 2b, xor 33, or 0b, imul 0f af, xchg 87). */
static void op64(struct pp_jit_buf *b, uint8_t op, int reg, struct opnd rm)
{
	ins(b, 0, true, OPC(op), reg, rm);
}

static void op32(struct pp_jit_buf *b, uint8_t op, int reg, struct opnd rm)
{
	ins(b, 0, false, OPC(op), reg, rm);
}

/* Group 1 with imm32 (81 /ext: add 0, or 1, and 4, sub 5, xor 6), sign-extended if w. */
static void alu_imm(struct pp_jit_buf *b, bool w, int ext, struct opnd rm, uint32_t imm)
{
	ins(b, 0, w, OPC(0x81), ext, rm);
	pp_jit_u32(b, imm);
}

/* SSE2 `op xmm, xmm/m128` with its mandatory prefix (0 for the ps forms). */
static void sse(struct pp_jit_buf *b, uint8_t pfx, uint8_t op, int x, struct opnd rm)
{
	ins(b, pfx, false, OPC(0x0f, op), x, rm);
}

static void mov_imm64(struct pp_jit_buf *b, int r, uint64_t v)
{
	pp_jit_u8(b, (uint8_t)(0x48 | (r & 8) >> 3));
	pp_jit_u8(b, (uint8_t)(0xb8 | (r & 7)));
	pp_jit_u64(b, v);
}

static void push_pop(struct pp_jit_buf *b, uint8_t op, int r)
{
	if (r & 8)
		pp_jit_u8(b, 0x41);
	pp_jit_u8(b, (uint8_t)(op | (r & 7)));
}

/* xmm = v in both lanes. */
static void xmm_splat(struct pp_jit_buf *b, int x, uint64_t v)
{
	mov_imm64(b, RAX, v);
	ins(b, 0x66, true, OPC(0x0f, 0x6e), x, REG(RAX));       /* movq x, rax */
	sse(b, 0x66, 0x6c, x, REG(x));                          /* punpcklqdq x, x */
}

/* Backward conditional jump (cc 4: zero, 5: not zero) to code offset `to`. */
static void jcc_back(struct pp_jit_buf *b, uint8_t cc, size_t to)
{
	const int64_t rel8 = (int64_t)to - (int64_t)(b->len + 2);
	if (rel8 >= -128) {
		pp_jit_u8(b, 0x70 | cc);
		pp_jit_u8(b, (uint8_t)rel8);
	} else {
		pp_jit_u8(b, 0x0f);
		pp_jit_u8(b, 0x80 | cc);
		pp_jit_u32(b, (uint32_t)(int32_t)((int64_t)to - (int64_t)(b->len + 4)));
	}
}

/* Pads with long NOPs to a multiple of 16 (the loop head). */
static void align16(struct pp_jit_buf *b)
{
	static const uint8_t nops[][9] = {
		{ 0x90 },
		{ 0x66, 0x90 },
		{ 0x0f, 0x1f, 0x00 },
		{ 0x0f, 0x1f, 0x40, 0x00 },
		{ 0x0f, 0x1f, 0x44, 0x00, 0x00 },
		{ 0x66, 0x0f, 0x1f, 0x44, 0x00, 0x00 },
		{ 0x0f, 0x1f, 0x80, 0x00, 0x00, 0x00, 0x00 },
		{ 0x0f, 0x1f, 0x84, 0x00, 0x00, 0x00, 0x00, 0x00 },
		{ 0x66, 0x0f, 0x1f, 0x84, 0x00, 0x00, 0x00, 0x00, 0x00 },
	};
	size_t pad = (16 - (b->len & 15)) & 15;
	while (pad) {
		const size_t n = pad > 9 ? 9 : pad;
		pp_jit_emit(b, nops[n - 1], n);
		pad -= n;
	}
}

/* ecx = (reg + imm) & mask, computed in 32 bits as the spec's address is; returns the
 * scratchpad operand [rsi + rcx]. */
static struct opnd spad_addr(struct pp_jit_buf *b, int reg, uint32_t imm, uint32_t mask)
{
	op32(b, 0x8d, RCX, MEM(reg, imm));                      /* lea ecx, [reg + imm] */
	alu_imm(b, false, 4, REG(RCX), mask);                   /* and ecx, mask */
	return MEMX(RSI, RCX, 0);
}

/* The memory operand of an integer instruction: src == dst reads the fixed L3 address. */
static struct opnd int_mem(struct pp_jit_buf *b, const struct pp_rx_vm *vm,
			   const struct pp_rx_instr *in)
{
	const unsigned dst = in->dst & 7, src = in->src & 7;
	if (src == dst)
		return MEM(RSI, in->imm32 & vm->mask_l3);
	return spad_addr(b, IR(src), in->imm32, (in->mod & 3) ? vm->mask_l1 : vm->mask_l2);
}

static void body(struct pp_jit_buf *b, const struct pp_rx_vm *vm)
{
	const struct pp_rx_config *cfg = vm->cfg;
	size_t at[PP_RX_PROGRAM_SIZE_MAX];      /* code offset of each instruction */
	int changed[8];                         /* last instruction that changed ri */
	for (int r = 0; r < 8; r++)
		changed[r] = -1;
	for (uint32_t i = 0; i < cfg->program_size; i++) {
		const struct pp_rx_instr *in = &vm->prog.instr[i];
		const unsigned dst = in->dst & 7, src = in->src & 7;
		const int rd = IR(dst), rs = IR(src);
		const uint32_t imm = in->imm32;
		const uint32_t mem_mask = (in->mod & 3) ? vm->mask_l1 : vm->mask_l2;
		const enum pp_rx_itype type = vm->optable[in->opcode];
		at[i] = b->len;
		switch (type) {
		case PP_RX_IADD_RS: {
			/* lea rd, [rd + rs << shift (+ imm for r5)] */
			struct opnd m = MEMX(rd, rs, dst == 5 ? imm : 0);
			m.scale = (in->mod >> 2) & 3;
			op64(b, 0x8d, rd, m);
			break;
		}
		case PP_RX_IADD_M:
			op64(b, 0x03, rd, int_mem(b, vm, in));
			break;
		case PP_RX_ISUB_R:
			if (src != dst)
				op64(b, 0x2b, rd, REG(rs));
			else
				alu_imm(b, true, 5, REG(rd), imm);
			break;
		case PP_RX_ISUB_M:
			op64(b, 0x2b, rd, int_mem(b, vm, in));
			break;
		case PP_RX_IMUL_R:
			if (src != dst) {
				ins(b, 0, true, OPC(0x0f, 0xaf), rd, REG(rs));
			} else {
				op64(b, 0x69, rd, REG(rd));     /* imul rd, rd, imm32 */
				pp_jit_u32(b, imm);
			}
			break;
		case PP_RX_IMUL_M:
			ins(b, 0, true, OPC(0x0f, 0xaf), rd, int_mem(b, vm, in));
			break;
		case PP_RX_IMULH_R:
		case PP_RX_ISMULH_R:
		case PP_RX_IMULH_M:
		case PP_RX_ISMULH_M: {
			/* rdx:rax = rax * operand, unsigned (F7 /4) or signed (F7 /5) */
			const bool m = type == PP_RX_IMULH_M || type == PP_RX_ISMULH_M;
			const struct opnd o = m ? int_mem(b, vm, in) : REG(rs);
			const bool sign = type == PP_RX_ISMULH_R || type == PP_RX_ISMULH_M;
			op64(b, 0x8b, RAX, REG(rd));
			ins(b, 0, true, OPC(0xf7), sign ? 5 : 4, o);
			op64(b, 0x8b, rd, REG(RDX));
			break;
		}
		case PP_RX_IMUL_RCP:
			if (!(imm & (imm - 1)))
				continue;       /* 0 or a power of 2: a no-op that changes nothing */
			mov_imm64(b, RAX, pp_rx_reciprocal(imm));
			ins(b, 0, true, OPC(0x0f, 0xaf), rd, REG(RAX));
			break;
		case PP_RX_INEG_R:
			ins(b, 0, true, OPC(0xf7), 3, REG(rd));
			break;
		case PP_RX_IXOR_R:
			if (src != dst)
				op64(b, 0x33, rd, REG(rs));
			else
				alu_imm(b, true, 6, REG(rd), imm);
			break;
		case PP_RX_IXOR_M:
			op64(b, 0x33, rd, int_mem(b, vm, in));
			break;
		case PP_RX_IROR_R:
		case PP_RX_IROL_R: {
			const int ext = type == PP_RX_IROR_R ? 1 : 0;
			if (src != dst) {
				op32(b, 0x8b, RCX, REG(rs));    /* the count is cl & 63 */
				ins(b, 0, true, OPC(0xd3), ext, REG(rd));
			} else {
				ins(b, 0, true, OPC(0xc1), ext, REG(rd));
				pp_jit_u8(b, imm & 63);
			}
			break;
		}
		case PP_RX_ISWAP_R:
			if (src == dst)
				continue;
			op64(b, 0x87, rs, REG(rd));
			changed[src] = (int)i;
			break;
		case PP_RX_FSWAP_R:
			sse(b, 0x66, 0xc6, dst, REG(dst));      /* shufpd x, x, 1; dst 4-7 are e */
			pp_jit_u8(b, 1);
			continue;
		case PP_RX_FADD_R:
			sse(b, 0x66, 0x58, XF(dst & 3), REG(XA(src & 3)));
			continue;
		case PP_RX_FSUB_R:
			sse(b, 0x66, 0x5c, XF(dst & 3), REG(XA(src & 3)));
			continue;
		case PP_RX_FADD_M:
		case PP_RX_FSUB_M:
			sse(b, 0xf3, 0xe6, X_TMP, spad_addr(b, rs, imm, mem_mask)); /* cvtdq2pd */
			sse(b, 0x66, type == PP_RX_FADD_M ? 0x58 : 0x5c, XF(dst & 3), REG(X_TMP));
			continue;
		case PP_RX_FSCAL_R:
			sse(b, 0, 0x57, XF(dst & 3), REG(X_SCALE));     /* xorps */
			continue;
		case PP_RX_FMUL_R:
			sse(b, 0x66, 0x59, XE(dst & 3), REG(XA(src & 3)));
			continue;
		case PP_RX_FDIV_M:
			sse(b, 0xf3, 0xe6, X_TMP, spad_addr(b, rs, imm, mem_mask));
			sse(b, 0, 0x54, X_TMP, REG(X_EAND));    /* andps */
			sse(b, 0, 0x56, X_TMP, REG(X_EOR));     /* orps */
			sse(b, 0x66, 0x5e, XE(dst & 3), REG(X_TMP));
			continue;
		case PP_RX_FSQRT_R:
			sse(b, 0x66, 0x51, XE(dst & 3), REG(XE(dst & 3)));
			continue;
		case PP_RX_CBRANCH: {
			/* cimm has bit b set and bit b-1 cleared (spec 5.4.2); the jump goes to the
			 * instruction after the last one that changed dst, and every register
			 * counts as changed here. */
			const unsigned bit = (in->mod >> 4) + cfg->jump_offset;
			uint64_t cimm = (uint64_t)(int64_t)(int32_t)imm | 1ULL << bit;
			if (bit > 0)
				cimm &= ~(1ULL << (bit - 1));
			if ((uint64_t)(int64_t)(int32_t)cimm == cimm) {
				alu_imm(b, true, 0, REG(rd), (uint32_t)cimm);
			} else {
				mov_imm64(b, RAX, cimm);
				op64(b, 0x03, rd, REG(RAX));
			}
			ins(b, 0, true, OPC(0xf7), 0, REG(rd)); /* test rd, mask */
			pp_jit_u32(b, ((1U << cfg->jump_bits) - 1) << bit);
			jcc_back(b, 4, at[changed[dst] + 1]);
			for (int r = 0; r < 8; r++)
				changed[r] = (int)i;
			continue;
		}
		case PP_RX_CFROUND:
			/* MXCSR = base | (src ror imm & 3) << 13, with one rotate left by 13 - imm */
			op64(b, 0x8b, RAX, REG(rs));
			if (((13 - imm) & 63) != 0) {
				ins(b, 0, true, OPC(0xc1), 0, REG(RAX));
				pp_jit_u8(b, (13 - imm) & 63);
			}
			alu_imm(b, false, 4, REG(RAX), CSR_RC);
			op32(b, 0x0b, RAX, MEM(RSP, F_CSR));
			op32(b, 0x89, RAX, MEM(RSP, F_CSR_TMP));
			ins(b, 0, false, OPC(0x0f, 0xae), 2, MEM(RSP, F_CSR_TMP)); /* ldmxcsr */
			continue;
		case PP_RX_ISTORE: {
			const uint32_t mask = (in->mod >> 4) >= 14 ? vm->mask_l3 : mem_mask;
			op64(b, 0x89, rs, spad_addr(b, rd, imm, mask));
			continue;
		}
		default:
			continue;       /* NOP */
		}
		changed[dst] = (int)i;
	}
}

/* r0..r7 ^= the dataset item at ma; mx advances (and is prefetched in fast mode); then ma
 * and mx swap (spec 4.6.2 steps 5-8). */
static void dataset_step(struct pp_jit_buf *b, const struct pp_rx_vm *vm)
{
	const struct pp_rx_program_config *pc = &vm->pcfg;
	op32(b, 0x8b, RDX, REG(IR(pc->read_reg[2] & 7)));
	op32(b, 0x33, RDX, REG(IR(pc->read_reg[3] & 7)));
	op32(b, 0x33, RDI, REG(RDX));
	alu_imm(b, false, 4, REG(RDI), vm->line_mask);
	if (vm->dataset) {
		op64(b, 0x8b, RCX, MEM(RSP, F_DATASET));
		ins(b, 0, false, OPC(0x0f, 0x18), 0, MEMX(RCX, RDI, 0)); /* prefetchnta */
		for (int i = 0; i < 8; i++)
			op64(b, 0x33, IR(i), MEMX(RCX, RBP, 8 * i));
	} else {
		/* Everything but rbx, rbp, rsp and r12-r15 is the callee's to clobber. */
		static const int gpr[6] = { IR(0), IR(1), IR(2), IR(3), RSI, RDI };
		for (int x = 0; x < 16; x++)
			sse(b, 0x66, 0x11, x, MEM(RSP, F_XMM + 16 * x));       /* movupd */
		for (int k = 0; k < 6; k++)
			op64(b, 0x89, gpr[k], MEM(RSP, F_GPR + 8 * k));
		/* pp_rx_dataset_item(vm->cache, (dataset_offset + ma) / 64, frame item) */
		op64(b, 0x8b, RAX, MEM(RSP, F_VM));
		op64(b, 0x8b, RSI,
		     MEM(RAX, offsetof(struct pp_rx_vm, pcfg) +
				      offsetof(struct pp_rx_program_config, dataset_offset)));
		op32(b, 0x8b, RCX, REG(RBP));
		op64(b, 0x03, RSI, REG(RCX));
		ins(b, 0, true, OPC(0xc1), 5, REG(RSI));        /* shr rsi, 6 */
		pp_jit_u8(b, 6);
		op64(b, 0x8b, RDI, MEM(RAX, offsetof(struct pp_rx_vm, cache)));
		op64(b, 0x8d, RDX, MEM(RSP, F_ITEM));
		mov_imm64(b, RAX, (uint64_t)(uintptr_t)pp_rx_dataset_item);
		ins(b, 0, false, OPC(0xff), 2, REG(RAX));       /* call rax */
		for (int x = 0; x < 16; x++)
			sse(b, 0x66, 0x10, x, MEM(RSP, F_XMM + 16 * x));
		for (int k = 0; k < 6; k++)
			op64(b, 0x8b, gpr[k], MEM(RSP, F_GPR + 8 * k));
		for (int i = 0; i < 8; i++)
			op64(b, 0x33, IR(i), MEM(RSP, F_ITEM + 8 * i));
	}
	op32(b, 0x87, RBP, REG(RDI));                           /* xchg ebp, edi */
}

static void program(struct pp_jit_buf *b, const struct pp_rx_vm *vm)
{
	const size_t pcfg = offsetof(struct pp_rx_vm, pcfg);
	const size_t regfile = offsetof(struct pp_rx_vm, regfile);
	const struct pp_rx_program_config *pc = &vm->pcfg;
	static const int saved[6] = { RBX, RBP, IR(4), IR(5), IR(6), IR(7) };

	/* Prologue: the callee-saved registers, the MXCSR base, the constants. */
	for (int k = 0; k < 6; k++)
		push_pop(b, 0x50, saved[k]);
	alu_imm(b, true, 5, REG(RSP), FRAME);
	op64(b, 0x89, RDI, MEM(RSP, F_VM));
	ins(b, 0, false, OPC(0x0f, 0xae), 3, MEM(RSP, F_CSR)); /* stmxcsr */
	alu_imm(b, false, 4, MEM(RSP, F_CSR), ~CSR_RC);
	op64(b, 0x8b, RSI, MEM(RDI, offsetof(struct pp_rx_vm, scratchpad)));
	if (vm->dataset) {
		op64(b, 0x8b, RAX, MEM(RDI, offsetof(struct pp_rx_vm, dataset)));
		op64(b, 0x03, RAX,
		     MEM(RDI, pcfg + offsetof(struct pp_rx_program_config, dataset_offset)));
		op64(b, 0x89, RAX, MEM(RSP, F_DATASET));
	}
	for (int i = 0; i < 4; i++)
		sse(b, 0x66, 0x10, XA(i),
		    MEM(RDI, pcfg + offsetof(struct pp_rx_program_config, a) + 16 * i));
	sse(b, 0x66, 0x10, X_EOR, MEM(RDI, pcfg + offsetof(struct pp_rx_program_config, emask)));
	xmm_splat(b, X_EAND, E_AND_MASK);
	xmm_splat(b, X_SCALE, SCALE_MASK);
	for (int i = 0; i < 8; i++)
		op32(b, 0x33, IR(i), REG(IR(i)));
	/* ebp = ma, edi = mx, rax = spAddr0 | spAddr1 << 32 = mx | ma << 32 */
	op32(b, 0x8b, RBP, MEM(RDI, pcfg + offsetof(struct pp_rx_program_config, ma)));
	op32(b, 0x8b, RAX, MEM(RDI, pcfg + offsetof(struct pp_rx_program_config, mx)));
	op32(b, 0x8b, RDI, REG(RAX));
	op64(b, 0x8b, RDX, REG(RBP));
	ins(b, 0, true, OPC(0xc1), 4, REG(RDX));                /* shl rdx, 32 */
	pp_jit_u8(b, 32);
	op64(b, 0x0b, RAX, REG(RDX));
	ins(b, 0, false, OPC(0xc7), 0, REG(RBX));               /* mov ebx, iterations */
	pp_jit_u32(b, vm->cfg->program_iterations);

	/* Loop head: spMix, the scratchpad addresses, r ^= [spAddr0], f/e = [spAddr1]. */
	align16(b);
	const size_t loop = b->len;
	op64(b, 0x8b, RDX, REG(IR(pc->read_reg[0] & 7)));
	op64(b, 0x33, RDX, REG(IR(pc->read_reg[1] & 7)));
	op64(b, 0x33, RAX, REG(RDX));
	op64(b, 0x8b, RDX, REG(RAX));
	ins(b, 0, true, OPC(0xc1), 5, REG(RDX));                /* shr rdx, 32 */
	pp_jit_u8(b, 32);
	alu_imm(b, false, 4, REG(RAX), vm->mask_l3_line);
	alu_imm(b, false, 4, REG(RDX), vm->mask_l3_line);
	op64(b, 0x03, RAX, REG(RSI));
	op64(b, 0x03, RDX, REG(RSI));
	op64(b, 0x89, RAX, MEM(RSP, F_SP0));
	op64(b, 0x89, RDX, MEM(RSP, F_SP1));
	for (int i = 0; i < 8; i++)
		op64(b, 0x33, IR(i), MEM(RAX, 8 * i));
	for (int i = 0; i < 4; i++)
		sse(b, 0xf3, 0xe6, XF(i), MEM(RDX, 8 * i));
	for (int i = 0; i < 4; i++) {
		sse(b, 0xf3, 0xe6, XE(i), MEM(RDX, 32 + 8 * i));
		sse(b, 0, 0x54, XE(i), REG(X_EAND));
		sse(b, 0, 0x56, XE(i), REG(X_EOR));
	}

	body(b, vm);
	dataset_step(b, vm);

	/* r -> [spAddr1], f ^= e -> [spAddr0]; the next spMix starts from zero addresses. */
	op64(b, 0x8b, RCX, MEM(RSP, F_SP1));
	for (int i = 0; i < 8; i++)
		op64(b, 0x89, IR(i), MEM(RCX, 8 * i));
	op64(b, 0x8b, RCX, MEM(RSP, F_SP0));
	for (int i = 0; i < 4; i++) {
		sse(b, 0, 0x57, XF(i), REG(XE(i)));
		sse(b, 0x66, 0x11, XF(i), MEM(RCX, 16 * i));
	}
	op32(b, 0x33, RAX, REG(RAX));
	ins(b, 0, false, OPC(0x83), 5, REG(RBX));               /* sub ebx, 1 */
	pp_jit_u8(b, 1);
	jcc_back(b, 5, loop);

	/* Epilogue: the register file as the interpreter leaves it. */
	op64(b, 0x8b, RCX, MEM(RSP, F_VM));
	for (int i = 0; i < 8; i++)
		op64(b, 0x89, IR(i), MEM(RCX, regfile + 8 * i));
	for (int x = 0; x < 12; x++)
		sse(b, 0x66, 0x11, x, MEM(RCX, regfile + 64 + 16 * x));
	alu_imm(b, true, 0, REG(RSP), FRAME);
	for (int k = 5; k >= 0; k--)
		push_pop(b, 0x58, saved[k]);
	pp_jit_u8(b, 0xc3);
}

int pp_rx_jit_new(bool rwx, struct pp_rx_jit **out)
{
	if (!out)
		return -EINVAL;
	*out = NULL;
	struct pp_rx_jit *j = calloc(1, sizeof(*j));
	if (!j)
		return -ENOMEM;
	int err = pp_jit_buf_new(CODE_CAP, rwx, &j->buf);
	if (err) {
		free(j);
		return err;
	}
	*out = j;
	return 0;
}

int pp_rx_jit_compile(struct pp_rx_jit *j, const struct pp_rx_vm *vm)
{
	if (!j || !vm || (!vm->dataset && !vm->cache))
		return -EINVAL;
	j->fn = NULL;
	int err = pp_jit_buf_begin(&j->buf);
	if (err)
		return err;
	program(&j->buf, vm);
	err = pp_jit_buf_finish(&j->buf);
	if (err)
		return err;
	j->fn = (prog_fn)(void *)j->buf.code;
	return 0;
}

void pp_rx_jit_run(struct pp_rx_jit *j, struct pp_rx_vm *vm)
{
	j->fn(vm);
}

#else /* no back end */

int pp_rx_jit_new(bool rwx, struct pp_rx_jit **out)
{
	(void)rwx;
	if (out)
		*out = NULL;
	return -ENOTSUP;
}

int pp_rx_jit_compile(struct pp_rx_jit *j, const struct pp_rx_vm *vm)
{
	(void)j;
	(void)vm;
	return -ENOTSUP;
}

void pp_rx_jit_run(struct pp_rx_jit *j, struct pp_rx_vm *vm)
{
	(void)j;
	(void)vm;
}

#endif

void pp_rx_jit_free(struct pp_rx_jit *j)
{
	if (!j)
		return;
	pp_jit_buf_free(&j->buf);
	free(j);
}

const void *pp_rx_jit_code(const struct pp_rx_jit *j, size_t *len)
{
	if (len)
		*len = j ? j->buf.len : 0;
	return j ? j->buf.code : NULL;
}
