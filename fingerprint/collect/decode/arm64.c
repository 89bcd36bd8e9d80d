/* AArch64 instruction classes with capstone. Built on every host (capstone is multi-arch) so
 * the mapping is tested on known encodings even where no ARM machine is at hand. */
#include "fingerprint/collect/decode/decode.h"

#include <capstone/capstone.h>
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

struct arm64_state {
	csh cs;
	cs_insn *insn; /* one reusable buffer for cs_disasm_iter */
};

static int arm64_init(void **state)
{
	struct arm64_state *s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	if (cs_open(CS_ARCH_ARM64, CS_MODE_ARM, &s->cs) != CS_ERR_OK) {
		free(s);
		return -EOPNOTSUPP;
	}
	cs_option(s->cs, CS_OPT_DETAIL, CS_OPT_ON);
	s->insn = cs_malloc(s->cs);
	if (!s->insn) {
		cs_close(&s->cs);
		free(s);
		return -ENOMEM;
	}
	*state = s;
	return 0;
}

static void arm64_fini(void *state)
{
	struct arm64_state *s = state;
	cs_free(s->insn, 1);
	cs_close(&s->cs);
	free(s);
}

static bool decode_one(struct arm64_state *s, const uint8_t *code, size_t len)
{
	const uint8_t *p = code;
	size_t n = len < 4 ? len : 4;
	uint64_t addr = 0;
	return n == 4 && cs_disasm_iter(s->cs, &p, &n, &addr, s->insn);
}

static size_t arm64_length(void *state, const uint8_t *code, size_t len)
{
	return decode_one(state, code, len) ? 4 : 0;
}

static bool in_group(const cs_insn *insn, uint8_t grp)
{
	const cs_detail *d = insn->detail;
	for (unsigned i = 0; i < d->groups_count; i++)
		if (d->groups[i] == grp)
			return true;
	return false;
}

static bool is_vreg(arm64_reg r)
{
	return (r >= ARM64_REG_B0 && r <= ARM64_REG_B31) || (r >= ARM64_REG_H0 && r <= ARM64_REG_H31) ||
	       (r >= ARM64_REG_S0 && r <= ARM64_REG_S31) || (r >= ARM64_REG_D0 && r <= ARM64_REG_D31) ||
	       (r >= ARM64_REG_Q0 && r <= ARM64_REG_Q31) || (r >= ARM64_REG_V0 && r <= ARM64_REG_V31);
}

static enum pp_iclass arm64_classify(void *state, const uint8_t *code, size_t len, size_t *ilen)
{
	struct arm64_state *s = state;
	if (!decode_one(s, code, len))
		return PP_IC_UNDECODABLE;
	*ilen = 4;
	const cs_insn *insn = s->insn;
	const char *m = insn->mnemonic;

	switch (insn->id) {
	case ARM64_INS_MSR:
		/* Only the FPCR write changes the rounding mode (RandomX CFROUND). */
		return strstr(insn->op_str, "fpcr") ? PP_IC_ROUNDING : PP_IC_OTHER;
	case ARM64_INS_AESE: case ARM64_INS_AESD: case ARM64_INS_AESMC: case ARM64_INS_AESIMC:
		return PP_IC_AES;
	case ARM64_INS_PMULL: case ARM64_INS_PMULL2:
		return PP_IC_CLMUL;
	case ARM64_INS_SDIV: case ARM64_INS_UDIV: case ARM64_INS_FDIV:
		return PP_IC_DIV;
	case ARM64_INS_FSQRT: case ARM64_INS_FRSQRTE: case ARM64_INS_FRSQRTS:
		return PP_IC_SQRT;
	case ARM64_INS_MUL: case ARM64_INS_MADD: case ARM64_INS_MSUB: case ARM64_INS_MNEG:
	case ARM64_INS_SMULL: case ARM64_INS_UMULL: case ARM64_INS_SMULH: case ARM64_INS_UMULH:
	case ARM64_INS_SMADDL: case ARM64_INS_UMADDL: case ARM64_INS_SMSUBL: case ARM64_INS_UMSUBL:
	case ARM64_INS_SMNEGL: case ARM64_INS_UMNEGL:
		/* The same ids name the vector forms (mul v0.4s): those are SIMD, not GP. */
		if (insn->detail->arm64.op_count > 0 &&
		    insn->detail->arm64.operands[0].type == ARM64_OP_REG &&
		    is_vreg(insn->detail->arm64.operands[0].reg))
			break;
		return PP_IC_MUL;
	default:
		break;
	}
	if (strncmp(m, "sha", 3) == 0)
		return PP_IC_SHA;
	if (in_group(insn, ARM64_GRP_JUMP) || in_group(insn, ARM64_GRP_CALL) ||
	    in_group(insn, ARM64_GRP_RET) || insn->id == ARM64_INS_B || insn->id == ARM64_INS_BL ||
	    insn->id == ARM64_INS_BR || insn->id == ARM64_INS_BLR || insn->id == ARM64_INS_RET ||
	    insn->id == ARM64_INS_CBZ || insn->id == ARM64_INS_CBNZ || insn->id == ARM64_INS_TBZ ||
	    insn->id == ARM64_INS_TBNZ)
		return PP_IC_BRANCH;

	const cs_arm64 *a = &insn->detail->arm64;
	bool mem = false, vec = false;
	for (unsigned i = 0; i < a->op_count && i < 8; i++) {
		if (a->operands[i].type == ARM64_OP_MEM)
			mem = true;
		if (a->operands[i].type == ARM64_OP_REG && is_vreg(a->operands[i].reg))
			vec = true;
	}
	/* Loads and stores by mnemonic: capstone 4's memory access flags are incomplete for
	 * AArch64, but every load starts "ld" (ldr, ldp, ld1, ldxr, ldar) and every store "st"
	 * (atomics "ldadd"/"swp" read too, so they count as loads). */
	if (mem || insn->id == ARM64_INS_PRFM) {
		if (m[0] == 's' && m[1] == 't')
			return PP_IC_STORE;
		return PP_IC_LOAD;
	}
	if (m[0] == 'f' || strstr(m, "cvtf")) /* fadd, fmla, fcvtzs, scvtf, ... */
		return PP_IC_FP_SIMD;
	if (vec || in_group(insn, ARM64_GRP_NEON))
		return PP_IC_INT_SIMD;
	return PP_IC_OTHER;
}

const struct pp_isa_ops pp_isa_arm64 = {
	.init = arm64_init,
	.fini = arm64_fini,
	.length = arm64_length,
	.classify = arm64_classify,
	.min_len = 4,
	.max_len = 4,
};
