/* SuperscalarHash (RandomX spec 6): program generation, which simulates the spec's reference
 * CPU (decoder groups, ports P0/P1/P5, latencies) to pick each instruction and its operands,
 * and execution. The generated program (instr[]) is the representation; ops[] is the
 * interpreter's pre-decoded form of it (reciprocals and sign extension done once). */
#ifndef PP_KERNELS_RANDOMX_SUPERSCALAR_H
#define PP_KERNELS_RANDOMX_SUPERSCALAR_H

#include "kernels/randomx/blake2-gen.h"
#include "kernels/randomx/config.h"

#include <stdint.h>

enum pp_rx_ss_type {
	PP_RX_SS_ISUB_R, PP_RX_SS_IXOR_R, PP_RX_SS_IADD_RS, PP_RX_SS_IMUL_R, PP_RX_SS_IROR_C,
	PP_RX_SS_IADD_C7, PP_RX_SS_IADD_C8, PP_RX_SS_IADD_C9, PP_RX_SS_IXOR_C7,
	PP_RX_SS_IXOR_C8, PP_RX_SS_IXOR_C9, PP_RX_SS_IMULH_R, PP_RX_SS_ISMULH_R,
	PP_RX_SS_IMUL_RCP,
	PP_RX_SS_TYPES
};

struct pp_rx_ss_instr {
	uint8_t type;           /* enum pp_rx_ss_type */
	uint8_t dst, src;       /* src == dst when the instruction has no source register */
	uint8_t mod;
	uint32_t imm32;
};

/* Pre-decoded operation: r[dst] = r[dst] <class op> x, where x = r[src] + imm and src is 8
 * (a constant-zero register) for immediate forms. The classes merge instruction types that
 * compute alike, so dispatch is a short tree of conditional branches (see superscalar.c). */
enum pp_rx_ss_class {
	PP_RX_SS_C_ADD,         /* d += ((x << sh) ^ neg) - neg: IADD_RS, IADD_C, ISUB_R */
	PP_RX_SS_C_XOR,         /* d ^= x: IXOR_R, IXOR_C */
	PP_RX_SS_C_MUL,         /* d *= x: IMUL_R, IMUL_RCP (x = the reciprocal) */
	PP_RX_SS_C_ROR,         /* d = d >>> sh */
	PP_RX_SS_C_MULH,        /* unsigned high half of d * x */
	PP_RX_SS_C_SMULH,       /* signed high half */
};

struct pp_rx_ss_op {
	uint8_t cls;            /* enum pp_rx_ss_class */
	uint8_t dst, src;       /* src 8: the zero register */
	uint8_t sh;             /* shift (C_ADD) or rotation (C_ROR) */
	uint32_t unused;
	uint64_t imm;
	uint64_t neg;           /* all ones for ISUB_R: negates the addend */
};

struct pp_rx_ss_program {
	uint32_t size;
	uint32_t addr_reg;      /* the register with the longest dependency chain (spec 7.3) */
	struct pp_rx_ss_instr instr[PP_RX_SUPERSCALAR_SIZE_MAX];
	struct pp_rx_ss_op ops[PP_RX_SUPERSCALAR_SIZE_MAX];
};

/* Generates one program with target latency `latency` (<= PP_RX_SUPERSCALAR_LATENCY_MAX)
 * from generator g, and pre-decodes it. */
void pp_rx_ss_generate(struct pp_rx_ss_program *p, struct pp_rx_blake2_gen *g, uint32_t latency);

/* Runs the program on r[0..7]. */
void pp_rx_ss_execute(const struct pp_rx_ss_program *p, uint64_t r[8]);

/* The same on `n` (<= PP_RX_SS_BATCH) independent register sets at once, r[reg][lane]:
 * one instruction dispatch serves every lane (dataset initialisation). */
#define PP_RX_SS_BATCH 8
void pp_rx_ss_execute_batch(const struct pp_rx_ss_program *p, uint64_t r[8][PP_RX_SS_BATCH]);

/* floor(2^x / d) for the largest x keeping it below 2^64 (spec 5.2.6); d is neither 0 nor a
 * power of 2. */
uint64_t pp_rx_reciprocal(uint32_t d);

#endif
