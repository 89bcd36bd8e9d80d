/* Program generation and configuration decoding (spec 4.5). */
#include "kernels/randomx/program.h"

#define MANTISSA_BITS 52
#define MANTISSA_MASK ((1ULL << MANTISSA_BITS) - 1)
#define EXPONENT_BIAS 1023
/* Group E registers keep the value's fraction and the low 4 exponent bits; the program
 * fixes the rest of the exponent (0x300 | 4 bits of entropy) and the low 22 fraction bits. */
#define E_CONST_EXPONENT 0x300ULL
#define E_DYNAMIC_EXPONENT_BITS 4
#define E_STATIC_EXPONENT_BITS 4

void pp_rx_program_generate(const struct pp_rx_config *cfg, enum pp_aes_backend aes,
			    const uint8_t seed[64], struct pp_rx_program *p)
{
	pp_rx_aes_fill4r(aes, cfg->aes4r_keys, seed, p, pp_rx_program_bytes(cfg));
}

/* +1.fraction x 2^e with e in 0..31 from the top 5 bits (spec table 4.5.2). */
static uint64_t small_positive_float(uint64_t entropy)
{
	uint64_t exponent = (entropy >> 59) + EXPONENT_BIAS;
	return (exponent << MANTISSA_BITS) | (entropy & MANTISSA_MASK);
}

static uint64_t e_mask(uint64_t entropy)
{
	uint64_t exponent = E_CONST_EXPONENT |
			    (entropy >> (64 - E_STATIC_EXPONENT_BITS)) << E_DYNAMIC_EXPONENT_BITS;
	return (exponent << MANTISSA_BITS) | (entropy & ((1ULL << 22) - 1));
}

void pp_rx_program_configure(const struct pp_rx_config *cfg, const struct pp_rx_program *p,
			     struct pp_rx_program_config *out)
{
	for (int i = 0; i < 8; i++)
		out->a[i] = small_positive_float(p->entropy[i]);
	out->ma = (uint32_t)(p->entropy[8] & ((cfg->dataset_base_size - 1) & ~63ULL));
	out->mx = (uint32_t)p->entropy[10];
	uint64_t sel = p->entropy[12];
	for (int i = 0; i < 4; i++)
		out->read_reg[i] = (uint8_t)(2 * i + ((sel >> i) & 1));
	out->dataset_offset = (p->entropy[13] % (cfg->dataset_extra_size / 64 + 1)) * 64;
	out->emask[0] = e_mask(p->entropy[14]);
	out->emask[1] = e_mask(p->entropy[15]);
}

void pp_rx_opcode_table(const struct pp_rx_config *cfg, uint8_t table[256])
{
	int op = 0;
	for (int t = 0; t < PP_RX_INSTR_COUNT; t++)
		for (int k = 0; k < cfg->freq[t] && op < 256; k++)
			table[op++] = (uint8_t)t;
	while (op < 256)
		table[op++] = PP_RX_NOP;
}
