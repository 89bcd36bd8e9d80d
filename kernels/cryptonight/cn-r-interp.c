/* A direct-threaded interpreter for cn/r programs. pp_cnr_compile turns each instruction
 * into the address of a handler specialised for its opcode, destination and source register
 * (6 x 4 x 9 of them), so at run time there is no decoding and the nine registers live in
 * machine registers: each instruction costs its ALU op plus one indirect jump, which the
 * branch predictor learns because the same program runs 2^19 times per hash. */
#include "kernels/cryptonight/cn-r.h"

#include <string.h>

#define SRCS(X, op, d) X(op, d, 0) X(op, d, 1) X(op, d, 2) X(op, d, 3) X(op, d, 4) \
	X(op, d, 5) X(op, d, 6) X(op, d, 7) X(op, d, 8)
#define DSTS(X, op) SRCS(X, op, 0) SRCS(X, op, 1) SRCS(X, op, 2) SRCS(X, op, 3)
#define ALL(X) DSTS(X, MUL) DSTS(X, ADD) DSTS(X, SUB) DSTS(X, ROR) DSTS(X, ROL) DSTS(X, XOR)

#define BODY_MUL(d, s) d *= s
#define BODY_ADD(d, s) d += s + ip->c
#define BODY_SUB(d, s) d -= s
#define BODY_ROR(d, s) d = (d >> (s & 31)) | (d << ((32 - (s & 31)) & 31))
#define BODY_ROL(d, s) d = (d << (s & 31)) | (d >> ((32 - (s & 31)) & 31))
#define BODY_XOR(d, s) d ^= s

/* Handler index: op * 36 + dst * 9 + src (ops in enum pp_cnr_op order). */
_Static_assert(PP_CNR_MUL == 0 && PP_CNR_ADD == 1 && PP_CNR_SUB == 2 && PP_CNR_ROR == 3 &&
		       PP_CNR_ROL == 4 && PP_CNR_XOR == 5 && PP_CNR_RET == 6,
	       "handler order");

static void engine(const struct pp_cnr_code *code, uint32_t r[PP_CNR_REGS],
		   const struct pp_cnr_program *compile, struct pp_cnr_code *out)
{
#define OFFSET(op, d, s) (int32_t)(&&op##_##d##_##s - &&ret),
	static const int32_t offsets[6 * 36] = { ALL(OFFSET) };
#undef OFFSET
	if (compile) {
		memset(out, 0, sizeof(*out));
		for (int i = 0; i < compile->n; i++) {
			const struct pp_cnr_insn *in = &compile->insn[i];
			out->op[i].handler = &&ret + offsets[in->op * 36 + in->dst * 9 + in->src];
			out->op[i].c = in->c;
		}
		out->op[compile->n].handler = &&ret;
		out->n = compile->n;
		return;
	}

	uint32_t r0 = r[0], r1 = r[1], r2 = r[2], r3 = r[3];
	const uint32_t r4 = r[4], r5 = r[5], r6 = r[6], r7 = r[7], r8 = r[8];
	const struct pp_cnr_code_op *ip = code->op;
	goto *ip->handler;

#define HANDLER(op, d, s)                  \
	op##_##d##_##s : BODY_##op(r##d, r##s); \
	ip++;                                   \
	goto *ip->handler;
	ALL(HANDLER)
#undef HANDLER

ret:
	r[0] = r0;
	r[1] = r1;
	r[2] = r2;
	r[3] = r3;
	(void)r4, (void)r5, (void)r6, (void)r7, (void)r8;
}

void pp_cnr_compile(const struct pp_cnr_program *p, struct pp_cnr_code *out)
{
	engine(NULL, NULL, p, out);
}

void pp_cnr_exec(const struct pp_cnr_code *code, uint32_t r[PP_CNR_REGS])
{
	engine(code, r, NULL, NULL);
}
