/* A RandomX program as generated (spec 4.5): 128 bytes of configuration entropy and
 * program_size 8-byte instructions, plus what the configuration means for the VM. This is
 * the representation an executor (the interpreter, later a JIT) consumes; nothing here
 * depends on how the program is run. */
#ifndef PP_KERNELS_RANDOMX_PROGRAM_H
#define PP_KERNELS_RANDOMX_PROGRAM_H

#include "kernels/randomx/aes-gen.h"
#include "kernels/randomx/config.h"

#include <stdint.h>

struct pp_rx_instr {
	uint8_t opcode;         /* instruction type via the config's frequency table */
	uint8_t dst, src;       /* only the low 2 or 3 bits are used */
	uint8_t mod;            /* mem: bits 0-1, shift: 2-3, cond: 4-7 */
	uint32_t imm32;
};

struct pp_rx_program {
	uint64_t entropy[16];
	struct pp_rx_instr instr[PP_RX_PROGRAM_SIZE_MAX];
};
_Static_assert(sizeof(struct pp_rx_program) == 128 + 8 * PP_RX_PROGRAM_SIZE_MAX,
	       "the program is the generator's bytes, unpadded");

/* What the entropy quadwords configure (spec 4.5.2-4.5.6). */
struct pp_rx_program_config {
	uint64_t a[8];          /* a0..a3 as lo, hi bit patterns */
	uint32_t ma, mx;
	uint8_t read_reg[4];    /* address registers readReg0..3 */
	uint64_t dataset_offset;
	uint64_t emask[2];      /* group E exponent/fraction bits, low and high half */
};

/* Size in bytes of the generated program for cfg: 128 + 8 * program_size. */
static inline size_t pp_rx_program_bytes(const struct pp_rx_config *cfg)
{
	return 128 + 8 * (size_t)cfg->program_size;
}

/* Generates the program from seed with AesGenerator4R. */
void pp_rx_program_generate(const struct pp_rx_config *cfg, enum pp_aes_backend aes,
			    const uint8_t seed[64], struct pp_rx_program *p);
void pp_rx_program_configure(const struct pp_rx_config *cfg, const struct pp_rx_program *p,
			     struct pp_rx_program_config *out);
/* The opcode -> enum pp_rx_itype table of cfg's frequencies. */
void pp_rx_opcode_table(const struct pp_rx_config *cfg, uint8_t table[256]);

#endif
