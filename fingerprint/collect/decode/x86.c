/* x86-64 instruction classes with Zydis: its ISA categories name AES, PCLMULQDQ, SHA and the
 * EVEX (AVX-512) forms that capstone 4 cannot decode. */
#include "fingerprint/collect/decode/decode.h"

#include <Zydis/Zydis.h>
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>

struct x86_state {
	ZydisDecoder dec;
};

static int x86_init(void **state)
{
	struct x86_state *s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	if (!ZYAN_SUCCESS(ZydisDecoderInit(&s->dec, ZYDIS_MACHINE_MODE_LONG_64,
					   ZYDIS_STACK_WIDTH_64))) {
		free(s);
		return -EINVAL;
	}
	*state = s;
	return 0;
}

static void x86_fini(void *state)
{
	free(state);
}

static size_t x86_length(void *state, const uint8_t *code, size_t len)
{
	struct x86_state *s = state;
	ZydisDecodedInstruction insn;
	if (!ZYAN_SUCCESS(ZydisDecoderDecodeInstruction(&s->dec, NULL, code, len, &insn)))
		return 0;
	return insn.length;
}

static bool is_float(ZydisElementType t)
{
	return t == ZYDIS_ELEMENT_TYPE_FLOAT16 || t == ZYDIS_ELEMENT_TYPE_FLOAT32 ||
	       t == ZYDIS_ELEMENT_TYPE_FLOAT64 || t == ZYDIS_ELEMENT_TYPE_FLOAT80;
}

static bool is_vector_reg(ZydisRegister r)
{
	switch (ZydisRegisterGetClass(r)) {
	case ZYDIS_REGCLASS_MMX:
	case ZYDIS_REGCLASS_XMM:
	case ZYDIS_REGCLASS_YMM:
	case ZYDIS_REGCLASS_ZMM:
		return true;
	default:
		return false;
	}
}

/* Classes decided by the mnemonic or category alone, before operands matter. */
static enum pp_iclass by_mnemonic(const ZydisDecodedInstruction *insn)
{
	switch (insn->mnemonic) {
	case ZYDIS_MNEMONIC_LDMXCSR:
	case ZYDIS_MNEMONIC_VLDMXCSR:
	case ZYDIS_MNEMONIC_FLDCW:
		return PP_IC_ROUNDING;
	case ZYDIS_MNEMONIC_DIV: case ZYDIS_MNEMONIC_IDIV:
	case ZYDIS_MNEMONIC_DIVSS: case ZYDIS_MNEMONIC_DIVSD:
	case ZYDIS_MNEMONIC_DIVPS: case ZYDIS_MNEMONIC_DIVPD:
	case ZYDIS_MNEMONIC_VDIVSS: case ZYDIS_MNEMONIC_VDIVSD:
	case ZYDIS_MNEMONIC_VDIVPS: case ZYDIS_MNEMONIC_VDIVPD:
	case ZYDIS_MNEMONIC_VDIVSH: case ZYDIS_MNEMONIC_VDIVPH:
	case ZYDIS_MNEMONIC_FDIV: case ZYDIS_MNEMONIC_FDIVP: case ZYDIS_MNEMONIC_FIDIV:
	case ZYDIS_MNEMONIC_FDIVR: case ZYDIS_MNEMONIC_FDIVRP: case ZYDIS_MNEMONIC_FIDIVR:
		return PP_IC_DIV;
	case ZYDIS_MNEMONIC_SQRTSS: case ZYDIS_MNEMONIC_SQRTSD:
	case ZYDIS_MNEMONIC_SQRTPS: case ZYDIS_MNEMONIC_SQRTPD:
	case ZYDIS_MNEMONIC_VSQRTSS: case ZYDIS_MNEMONIC_VSQRTSD:
	case ZYDIS_MNEMONIC_VSQRTPS: case ZYDIS_MNEMONIC_VSQRTPD:
	case ZYDIS_MNEMONIC_VSQRTSH: case ZYDIS_MNEMONIC_VSQRTPH:
	case ZYDIS_MNEMONIC_FSQRT:
		return PP_IC_SQRT;
	case ZYDIS_MNEMONIC_MUL: case ZYDIS_MNEMONIC_IMUL: case ZYDIS_MNEMONIC_MULX:
		return PP_IC_MUL;
	default:
		break;
	}
	switch (insn->meta.category) {
	case ZYDIS_CATEGORY_AES:
	case ZYDIS_CATEGORY_VAES:
	case ZYDIS_CATEGORY_KEYLOCKER:
	case ZYDIS_CATEGORY_KEYLOCKER_WIDE:
		return PP_IC_AES;
	case ZYDIS_CATEGORY_PCLMULQDQ:
	case ZYDIS_CATEGORY_VPCLMULQDQ:
		return PP_IC_CLMUL;
	case ZYDIS_CATEGORY_SHA:
		return PP_IC_SHA;
	case ZYDIS_CATEGORY_COND_BR:
	case ZYDIS_CATEGORY_UNCOND_BR:
	case ZYDIS_CATEGORY_CALL:
	case ZYDIS_CATEGORY_RET:
		return PP_IC_BRANCH;
	default:
		return PP_IC_COUNT; /* undecided */
	}
}

static enum pp_iclass x86_classify(void *state, const uint8_t *code, size_t len, size_t *ilen)
{
	struct x86_state *s = state;
	ZydisDecodedInstruction insn;
	ZydisDecodedOperand ops[ZYDIS_MAX_OPERAND_COUNT];
	if (!ZYAN_SUCCESS(ZydisDecoderDecodeFull(&s->dec, code, len, &insn, ops)))
		return PP_IC_UNDECODABLE;
	*ilen = insn.length;

	enum pp_iclass c = by_mnemonic(&insn);
	if (c != PP_IC_COUNT)
		return c;
	if (insn.meta.category == ZYDIS_CATEGORY_NOP || insn.meta.category == ZYDIS_CATEGORY_WIDENOP)
		return PP_IC_OTHER;

	/* Memory before SIMD: a sample that skids past a vector load usually waited on the
	 * load. Hidden operands count too (push writes the stack, movs reads and writes). */
	bool rd = false, wr = false, fp = false, vec = false;
	for (unsigned i = 0; i < insn.operand_count && i < ZYDIS_MAX_OPERAND_COUNT; i++) {
		const ZydisDecodedOperand *op = &ops[i];
		if (op->type == ZYDIS_OPERAND_TYPE_MEMORY &&
		    (op->mem.type == ZYDIS_MEMOP_TYPE_MEM || op->mem.type == ZYDIS_MEMOP_TYPE_VSIB)) {
			if (op->actions & ZYDIS_OPERAND_ACTION_MASK_READ)
				rd = true;
			if (op->actions & ZYDIS_OPERAND_ACTION_MASK_WRITE)
				wr = true;
		}
		if (op->type == ZYDIS_OPERAND_TYPE_REGISTER && is_vector_reg(op->reg.value))
			vec = true;
		if (is_float(op->element_type) &&
		    (op->type == ZYDIS_OPERAND_TYPE_REGISTER || op->type == ZYDIS_OPERAND_TYPE_MEMORY))
			fp = true;
	}
	if (insn.meta.category == ZYDIS_CATEGORY_PREFETCH)
		rd = true;
	if (insn.meta.category == ZYDIS_CATEGORY_X87_ALU)
		fp = true;
	if (rd)
		return PP_IC_LOAD;
	if (wr)
		return PP_IC_STORE;
	if (fp)
		return PP_IC_FP_SIMD;
	if (vec)
		return PP_IC_INT_SIMD;
	return PP_IC_OTHER;
}

const struct pp_isa_ops pp_isa_x86_64 = {
	.init = x86_init,
	.fini = x86_fini,
	.length = x86_length,
	.classify = x86_classify,
	.min_len = 1,
	.max_len = 15,
};
