/* An x86-64 JIT for cn/r programs: each instruction becomes one or two native 32-bit
 * instructions (imul; lea or add for ADD with its constant folded in; sub; mov ecx + ror/rol
 * by cl; xor), so a program of 60..70 operations runs at the latency of its dependency chains
 * with no dispatch, from anonymous executable memory as real miners run it.
 *
 * Two entry points share the buffer. The first follows the SysV ABI (pp_cnr_fn: registers in
 * memory). The second keeps all nine registers in machine registers across the call
 * (PP_CNR_JIT_REG_*), so the main loop can call it from inline asm without a round trip
 * through memory on the critical path. */
#include "kernels/cryptonight/cn-r.h"
#include "core/jit-buf.h"

#include <errno.h>

#if defined(__x86_64__)

enum {
	RAX = 0, RCX, RDX, RBX, RSP, RBP, RSI, RDI,
	R8, R9, R10, R11, R12, R13, R14, R15,
};

/* The register-convention entry's assignment; cn-core.c's asm constraints mirror it. */
static const uint8_t reg_map[PP_CNR_REGS] = { RAX, RDX, RSI, RDI, R8, R9, R10, R11, RBX };

/* The SysV entry: rdi holds r[], so it cannot hold a register; rbx and rbp are saved. */
static const uint8_t sysv_map[PP_CNR_REGS] = { RAX, RDX, RSI, R8, R9, R10, R11, RBX, RBP };

_Static_assert(PP_CNR_JIT_REG_R0 == RAX && PP_CNR_JIT_REG_R8 == RBX, "cn-r.h map");

/* REX prefix for a ModRM with `reg` in the reg field and `rm` in r/m (or SIB base), `x` as
 * SIB index; omitted when no extended register is used. */
static void rex(struct pp_jit_buf *b, int reg, int x, int rm)
{
	const uint8_t v = 0x40 | (reg >= 8 ? 4 : 0) | (x >= 8 ? 2 : 0) | (rm >= 8 ? 1 : 0);
	if (v != 0x40)
		pp_jit_u8(b, v);
}

static uint8_t modrm(int mod, int reg, int rm)
{
	return (uint8_t)(mod << 6 | (reg & 7) << 3 | (rm & 7));
}

/* op r/m32, r32 (add 01, sub 29, xor 31, mov 89): dst in r/m, src in reg. */
static void alu_rr(struct pp_jit_buf *b, uint8_t opc, int dst, int src)
{
	rex(b, src, 0, dst);
	pp_jit_u8(b, opc);
	pp_jit_u8(b, modrm(3, src, dst));
}

/* mov r32, [rdi + off] (load) or mov [rdi + off], r32 (store). */
static void mov_mem(struct pp_jit_buf *b, bool load, int reg, uint8_t off)
{
	rex(b, reg, 0, RDI);
	pp_jit_u8(b, load ? 0x8b : 0x89);
	pp_jit_u8(b, modrm(1, reg, RDI));
	pp_jit_u8(b, off);
}

static void emit_insn(struct pp_jit_buf *b, const struct pp_cnr_insn *in, const uint8_t *map)
{
	const int d = map[in->dst], s = map[in->src];
	switch (in->op) {
	case PP_CNR_MUL: /* imul d, s */
		rex(b, d, 0, s);
		PP_JIT_BYTES(b, 0x0f, 0xaf);
		pp_jit_u8(b, modrm(3, d, s));
		break;
	case PP_CNR_ADD:
		if (in->c == 0) {
			alu_rr(b, 0x01, d, s);
			break;
		}
		/* lea d, [d + s + c]: one instruction, and the 64-bit sum's low half is the
		 * 32-bit result; src == dst gives 2d + c as the interpreter does. */
		rex(b, d, s, d);
		pp_jit_u8(b, 0x8d);
		const bool small = (int32_t)in->c >= -128 && (int32_t)in->c <= 127;
		pp_jit_u8(b, modrm(small ? 1 : 2, d, RSP)); /* r/m = 100: a SIB follows */
		pp_jit_u8(b, modrm(0, s, d));               /* scale 1, index s, base d */
		if (small)
			pp_jit_u8(b, (uint8_t)in->c);
		else
			pp_jit_u32(b, in->c);
		break;
	case PP_CNR_SUB:
		alu_rr(b, 0x29, d, s);
		break;
	case PP_CNR_XOR:
		alu_rr(b, 0x31, d, s);
		break;
	case PP_CNR_ROR:
	case PP_CNR_ROL:
		/* mov ecx, s; ror/rol d, cl: 32-bit rotates mask the count to 5 bits, as the
		 * program does; s == d reads d before it changes. */
		alu_rr(b, 0x89, RCX, s);
		rex(b, 0, 0, d);
		pp_jit_u8(b, 0xd3);
		pp_jit_u8(b, modrm(3, in->op == PP_CNR_ROR ? 1 : 0, d));
		break;
	}
}

static void emit_body(struct pp_jit_buf *b, const struct pp_cnr_program *p, const uint8_t *map)
{
	for (int i = 0; i < p->n; i++)
		emit_insn(b, &p->insn[i], map);
}

static bool program_valid(const struct pp_cnr_program *p)
{
	if (p->n < 0 || p->n > PP_CNR_MAX_INSNS)
		return false;
	for (int i = 0; i < p->n; i++)
		if (p->insn[i].op >= PP_CNR_RET || p->insn[i].dst >= 4 ||
		    p->insn[i].src >= PP_CNR_REGS)
			return false;
	return true;
}

int pp_cnr_jit_compile_regs(const struct pp_cnr_program *p, struct pp_jit_buf *buf,
			    pp_cnr_fn *fn, const void **regs)
{
	if (!p || !buf || !program_valid(p))
		return -EINVAL;
	int err = pp_jit_buf_begin(buf);
	if (err)
		return err;

	/* SysV entry: push rbx; push rbp; load r0..r8; body; store r0..r3; pop; ret. Both
	 * entries start with endbr64 (a no-op without CET) as indirect-call targets. */
	PP_JIT_BYTES(buf, 0xf3, 0x0f, 0x1e, 0xfa, 0x53, 0x55);
	for (int i = 0; i < PP_CNR_REGS; i++)
		mov_mem(buf, true, sysv_map[i], (uint8_t)(4 * i));
	emit_body(buf, p, sysv_map);
	for (int i = 0; i < 4; i++)
		mov_mem(buf, false, sysv_map[i], (uint8_t)(4 * i));
	PP_JIT_BYTES(buf, 0x5d, 0x5b, 0xc3);

	/* Register entry, 64-byte aligned so the hot loop's target starts a fetch line. */
	while (buf->len % 64)
		pp_jit_u8(buf, 0xcc);
	const size_t regs_at = buf->len;
	PP_JIT_BYTES(buf, 0xf3, 0x0f, 0x1e, 0xfa);
	emit_body(buf, p, reg_map);
	pp_jit_u8(buf, 0xc3);

	err = pp_jit_buf_finish(buf);
	if (err)
		return err;
	/* ISO C has no object-to-function pointer conversion; POSIX (dlsym) guarantees it. */
	void *code = buf->code;
	if (fn)
		memcpy(fn, &code, sizeof(*fn));
	if (regs)
		*regs = buf->code + regs_at;
	return 0;
}

#else

int pp_cnr_jit_compile_regs(const struct pp_cnr_program *p, struct pp_jit_buf *buf,
			    pp_cnr_fn *fn, const void **regs)
{
	(void)p, (void)buf, (void)fn, (void)regs;
	return -ENOTSUP;
}

#endif

int pp_cnr_jit_compile(const struct pp_cnr_program *p, struct pp_jit_buf *buf, pp_cnr_fn *out)
{
	return pp_cnr_jit_compile_regs(p, buf, out, NULL);
}
