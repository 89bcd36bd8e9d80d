/* The RandomX variants as data. rx/0 is the specification's table 1.2.1 and 5.x frequencies.
 * rx/wow (Wownero's RandomWOW) and rx/arq (ArQmA) differ in the parameters listed with
 * them. rx/0 and rx/wow reproduce published vectors (tests/vectors/randomx.txt); rx/arq has
 * none yet, so it stays out of PP_RX_VARIANTS (config.h) and is only exercised by tests. */
#include "kernels/randomx/config.h"

#include <errno.h>
#include <string.h>

/* Instruction frequencies of rx/0 (spec tables 5.2.1, 5.3.1, 5.4.1, 5.5.1). */
#define RX0_FREQ                                                                        \
	{                                                                               \
		[PP_RX_IADD_RS] = 16, [PP_RX_IADD_M] = 7, [PP_RX_ISUB_R] = 16,          \
		[PP_RX_ISUB_M] = 7, [PP_RX_IMUL_R] = 16, [PP_RX_IMUL_M] = 4,            \
		[PP_RX_IMULH_R] = 4, [PP_RX_IMULH_M] = 1, [PP_RX_ISMULH_R] = 4,         \
		[PP_RX_ISMULH_M] = 1, [PP_RX_IMUL_RCP] = 8, [PP_RX_INEG_R] = 2,         \
		[PP_RX_IXOR_R] = 15, [PP_RX_IXOR_M] = 5, [PP_RX_IROR_R] = 8,            \
		[PP_RX_IROL_R] = 2, [PP_RX_ISWAP_R] = 4, [PP_RX_FSWAP_R] = 4,           \
		[PP_RX_FADD_R] = 16, [PP_RX_FADD_M] = 5, [PP_RX_FSUB_R] = 16,           \
		[PP_RX_FSUB_M] = 5, [PP_RX_FSCAL_R] = 6, [PP_RX_FMUL_R] = 32,           \
		[PP_RX_FDIV_M] = 4, [PP_RX_FSQRT_R] = 6, [PP_RX_CBRANCH] = 25,          \
		[PP_RX_CFROUND] = 1, [PP_RX_ISTORE] = 16, [PP_RX_NOP] = 0,              \
	}

/* Fields the three variants share; each instance sets the others. */
#define RX0_BASE                                                         \
	.argon_memory = PP_RX0_ARGON_MEMORY,                              \
	.argon_lanes = PP_RX0_ARGON_LANES,                                \
	.cache_accesses = PP_RX0_CACHE_ACCESSES,                          \
	.superscalar_latency = PP_RX0_SUPERSCALAR_LATENCY,                \
	.dataset_base_size = PP_RX0_DATASET_BASE_SIZE,                    \
	.dataset_extra_size = PP_RX0_DATASET_EXTRA_SIZE,                  \
	.program_size = PP_RX0_PROGRAM_SIZE,                              \
	.jump_bits = PP_RX0_JUMP_BITS,                                    \
	.jump_offset = PP_RX0_JUMP_OFFSET,                                \
	.scratchpad_l1 = PP_RX0_SCRATCHPAD_L1

const struct pp_rx_config pp_rx_config_rx0 = {
	.name = "rx/0",
	RX0_BASE,
	.argon_iterations = PP_RX0_ARGON_ITERATIONS,
	.argon_salt = "RandomX\x03",
	.program_iterations = PP_RX0_PROGRAM_ITERATIONS,
	.program_count = PP_RX0_PROGRAM_COUNT,
	.scratchpad_l2 = PP_RX0_SCRATCHPAD_L2,
	.scratchpad_l3 = PP_RX0_SCRATCHPAD_L3,
	.argon_salt_len = 8,
	.freq = RX0_FREQ,
	.verified = true,
};

/* RandomWOW's AesGenerator4R keys (keys 4-7 repeat 0-3), as xmrig's
 * RandomX_ConfigurationWownero sets them (src/crypto/randomx/randomx.cpp), in memory order. */
static const uint8_t wow_aes4r_keys[8][16] = {
#define WOW_KEYS                                                                                  \
	{ 0x5d, 0x46, 0x90, 0xf8, 0xa6, 0xe4, 0xfb, 0x7f, 0xb7, 0x82, 0x1f, 0x14, 0x95, 0x9e, 0x35, 0xcf }, \
	{ 0x50, 0xc4, 0x55, 0x6a, 0x8a, 0x27, 0xe8, 0xfe, 0xc3, 0x5a, 0x5c, 0xbd, 0xdc, 0xff, 0x41, 0x67 }, \
	{ 0xa4, 0x47, 0x4c, 0x11, 0xe4, 0xfd, 0x24, 0xd5, 0xd2, 0x9a, 0x27, 0xa7, 0xac, 0x4a, 0x32, 0x3d }, \
	{ 0x2a, 0x3a, 0x0c, 0x81, 0xff, 0xae, 0xa9, 0x99, 0xd9, 0xdb, 0xd3, 0x42, 0x08, 0xdb, 0xf6, 0x76 }
	WOW_KEYS, WOW_KEYS
#undef WOW_KEYS
};

/* RandomWOW: salt, 1024 iterations, 16 programs, L2 128 KiB, L3 1 MiB, its own
 * frequencies (IADD_RS 25, IROR_R 10, IROL_R 0, FSWAP_R 8, FADD_R/FSUB_R/FMUL_R 20,
 * CBRANCH 16) and AesGenerator4R keys. */
const struct pp_rx_config pp_rx_config_wow = {
	.name = "rx/wow",
	RX0_BASE,
	.argon_iterations = PP_RX0_ARGON_ITERATIONS,
	.argon_salt = "RandomWOW\x01",
	.argon_salt_len = 10,
	.program_iterations = 1024,
	.program_count = 16,
	.scratchpad_l2 = 131072,
	.scratchpad_l3 = 1048576,
	.freq = {
		[PP_RX_IADD_RS] = 25, [PP_RX_IADD_M] = 7, [PP_RX_ISUB_R] = 16, [PP_RX_ISUB_M] = 7,
		[PP_RX_IMUL_R] = 16, [PP_RX_IMUL_M] = 4, [PP_RX_IMULH_R] = 4, [PP_RX_IMULH_M] = 1,
		[PP_RX_ISMULH_R] = 4, [PP_RX_ISMULH_M] = 1, [PP_RX_IMUL_RCP] = 8,
		[PP_RX_INEG_R] = 2, [PP_RX_IXOR_R] = 15, [PP_RX_IXOR_M] = 5, [PP_RX_IROR_R] = 10,
		[PP_RX_IROL_R] = 0, [PP_RX_ISWAP_R] = 4, [PP_RX_FSWAP_R] = 8, [PP_RX_FADD_R] = 20,
		[PP_RX_FADD_M] = 5, [PP_RX_FSUB_R] = 20, [PP_RX_FSUB_M] = 5, [PP_RX_FSCAL_R] = 6,
		[PP_RX_FMUL_R] = 20, [PP_RX_FDIV_M] = 4, [PP_RX_FSQRT_R] = 6, [PP_RX_CBRANCH] = 16,
		[PP_RX_CFROUND] = 1, [PP_RX_ISTORE] = 16, [PP_RX_NOP] = 0,
	},
	.aes4r_keys = wow_aes4r_keys,
	.verified = true,
};

/* RandomARQ: 1 Argon2 pass, salt, 1024 iterations, 4 programs, L2 128 KiB, L3 256 KiB. */
const struct pp_rx_config pp_rx_config_arq = {
	.name = "rx/arq",
	RX0_BASE,
	.argon_iterations = 1,
	.argon_salt = "RandomARQ\x01",
	.argon_salt_len = 10,
	.program_iterations = 1024,
	.program_count = 4,
	.scratchpad_l2 = 131072,
	.scratchpad_l3 = 262144,
	.freq = RX0_FREQ,
	.verified = false,
};

static bool pow2(uint64_t x)
{
	return PP_RX_IS_POW2(x);
}

int pp_rx_config_check(const struct pp_rx_config *c)
{
	if (!c || !pow2(c->argon_memory) || c->argon_iterations < 1 || c->argon_lanes < 1 ||
	    c->argon_memory < 8 * c->argon_lanes || !c->argon_salt || c->argon_salt_len < 8)
		return -EINVAL;
	if (c->cache_accesses < 2 || c->cache_accesses > PP_RX_CACHE_ACCESSES_MAX ||
	    c->superscalar_latency < 1 || c->superscalar_latency > PP_RX_SUPERSCALAR_LATENCY_MAX)
		return -EINVAL;
	if (!pow2(c->dataset_base_size) || c->dataset_base_size > 4294967296ULL ||
	    c->dataset_base_size < 64 || c->dataset_extra_size % 64)
		return -EINVAL;
	if (c->program_size == 0 || c->program_size % 8 || c->program_size > PP_RX_PROGRAM_SIZE_MAX ||
	    c->program_iterations < 1 || c->program_count < 1)
		return -EINVAL;
	if (c->jump_bits + c->jump_offset > 16 || c->jump_bits < 1)
		return -EINVAL;
	if (!pow2(c->scratchpad_l1) || !pow2(c->scratchpad_l2) || !pow2(c->scratchpad_l3) ||
	    c->scratchpad_l1 < 64 || c->scratchpad_l1 > c->scratchpad_l2 ||
	    c->scratchpad_l2 > c->scratchpad_l3)
		return -EINVAL;
	unsigned sum = 0;
	for (int i = 0; i < PP_RX_INSTR_COUNT; i++)
		sum += c->freq[i];
	return sum == 256 ? 0 : -EINVAL;
}

const struct pp_rx_config *pp_rx_config_find(const char *name)
{
#define RX_CONFIG(n, cfg, ...) &cfg,
	static const struct pp_rx_config *const all[] = { PP_RX_VARIANTS(RX_CONFIG) };
#undef RX_CONFIG
	for (size_t i = 0; name && i < sizeof(all) / sizeof(all[0]); i++)
		if (strcmp(all[i]->name, name) == 0)
			return all[i];
	return NULL;
}
