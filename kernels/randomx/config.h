/* RandomX tunables: one run-time struct per variant (rx/0, rx/wow, rx/arq), plus the
 * compile-time limits our fixed-size buffers assume, each with its contract checked by
 * _Static_assert (the defaults) or pp_rx_config_check() (every instance).
 * Parameter names and rx/0 values follow the RandomX specification, table 1.2.1. */
#ifndef PP_KERNELS_RANDOMX_CONFIG_H
#define PP_KERNELS_RANDOMX_CONFIG_H

#include <powprint/hash.h>

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* VM instruction types in opcode-table order (spec 5.2-5.5); frequencies are per 256. */
enum pp_rx_itype {
	PP_RX_IADD_RS, PP_RX_IADD_M, PP_RX_ISUB_R, PP_RX_ISUB_M, PP_RX_IMUL_R, PP_RX_IMUL_M,
	PP_RX_IMULH_R, PP_RX_IMULH_M, PP_RX_ISMULH_R, PP_RX_ISMULH_M, PP_RX_IMUL_RCP,
	PP_RX_INEG_R, PP_RX_IXOR_R, PP_RX_IXOR_M, PP_RX_IROR_R, PP_RX_IROL_R, PP_RX_ISWAP_R,
	PP_RX_FSWAP_R, PP_RX_FADD_R, PP_RX_FADD_M, PP_RX_FSUB_R, PP_RX_FSUB_M, PP_RX_FSCAL_R,
	PP_RX_FMUL_R, PP_RX_FDIV_M, PP_RX_FSQRT_R, PP_RX_CBRANCH, PP_RX_CFROUND, PP_RX_ISTORE,
	PP_RX_NOP,
	PP_RX_INSTR_COUNT
};

struct pp_rx_config {
	const char *name;              /* "rx/0" */
	uint32_t argon_memory;         /* 1 KiB Argon2 blocks in the cache; a power of 2 */
	uint32_t argon_iterations;
	uint32_t argon_lanes;
	const char *argon_salt;        /* >= 8 bytes */
	size_t argon_salt_len;
	uint32_t cache_accesses;       /* per dataset item, 2..PP_RX_CACHE_ACCESSES_MAX */
	uint32_t superscalar_latency;  /* <= PP_RX_SUPERSCALAR_LATENCY_MAX */
	uint64_t dataset_base_size;    /* a power of 2 */
	uint64_t dataset_extra_size;   /* a multiple of 64 */
	uint32_t program_size;         /* a multiple of 8, <= PP_RX_PROGRAM_SIZE_MAX */
	uint32_t program_iterations;
	uint32_t program_count;
	uint32_t jump_bits, jump_offset; /* sum <= 16 */
	uint32_t scratchpad_l1, scratchpad_l2, scratchpad_l3; /* powers of 2, L1 >= 64 */
	uint8_t freq[PP_RX_INSTR_COUNT]; /* opcodes per instruction type; sum 256 */
	const uint8_t (*aes4r_keys)[16]; /* AesGenerator4R's 8 round keys; NULL: the spec's */
	bool verified;                 /* reproduces published vectors (tests/vectors/) */
};

/* Limits of our fixed-size buffers. */
#define PP_RX_PROGRAM_SIZE_MAX 256
#define PP_RX_SUPERSCALAR_LATENCY_MAX 170
#define PP_RX_SUPERSCALAR_SIZE_MAX (3 * PP_RX_SUPERSCALAR_LATENCY_MAX + 2)
#define PP_RX_CACHE_ACCESSES_MAX 8
#define PP_RX_KEY_MAX 60        /* longer keys: the spec leaves it implementation-defined */

/* rx/0 defaults (spec table 1.2.1), the values the contracts below are checked on. */
#define PP_RX0_ARGON_MEMORY 262144
#define PP_RX0_ARGON_ITERATIONS 3
#define PP_RX0_ARGON_LANES 1
#define PP_RX0_CACHE_ACCESSES 8
#define PP_RX0_SUPERSCALAR_LATENCY 170
#define PP_RX0_DATASET_BASE_SIZE 2147483648ULL
#define PP_RX0_DATASET_EXTRA_SIZE 33554368ULL
#define PP_RX0_PROGRAM_SIZE 256
#define PP_RX0_PROGRAM_ITERATIONS 2048
#define PP_RX0_PROGRAM_COUNT 8
#define PP_RX0_JUMP_BITS 8
#define PP_RX0_JUMP_OFFSET 8
#define PP_RX0_SCRATCHPAD_L3 2097152
#define PP_RX0_SCRATCHPAD_L2 262144
#define PP_RX0_SCRATCHPAD_L1 16384

#define PP_RX_IS_POW2(x) ((x) > 0 && ((x) & ((x) - 1)) == 0)
_Static_assert(PP_RX_IS_POW2(PP_RX0_ARGON_MEMORY), "cache size must be a power of 2");
_Static_assert(PP_RX0_CACHE_ACCESSES >= 2 && PP_RX0_CACHE_ACCESSES <= PP_RX_CACHE_ACCESSES_MAX,
	       "2 <= cache accesses <= our limit");
_Static_assert(PP_RX0_SUPERSCALAR_LATENCY <= PP_RX_SUPERSCALAR_LATENCY_MAX,
	       "superscalar program buffer too small");
_Static_assert(PP_RX_IS_POW2(PP_RX0_DATASET_BASE_SIZE), "dataset base size must be a power of 2");
_Static_assert(PP_RX0_DATASET_BASE_SIZE <= 4294967296ULL, "ma/mx are 32-bit registers");
_Static_assert(PP_RX0_DATASET_EXTRA_SIZE % 64 == 0, "dataset extra size must be a multiple of 64");
_Static_assert(PP_RX0_PROGRAM_SIZE % 8 == 0 && PP_RX0_PROGRAM_SIZE <= PP_RX_PROGRAM_SIZE_MAX,
	       "program size: a multiple of 8 within our buffer");
_Static_assert(PP_RX0_JUMP_BITS + PP_RX0_JUMP_OFFSET <= 16, "jump condition must fit 16 bits");
_Static_assert(PP_RX_IS_POW2(PP_RX0_SCRATCHPAD_L3) && PP_RX_IS_POW2(PP_RX0_SCRATCHPAD_L2) &&
		       PP_RX_IS_POW2(PP_RX0_SCRATCHPAD_L1),
	       "scratchpad levels must be powers of 2");
_Static_assert(PP_RX0_SCRATCHPAD_L1 >= 64 && PP_RX0_SCRATCHPAD_L1 <= PP_RX0_SCRATCHPAD_L2 &&
		       PP_RX0_SCRATCHPAD_L2 <= PP_RX0_SCRATCHPAD_L3,
	       "64 <= L1 <= L2 <= L3");
_Static_assert(PP_RX_SUPERSCALAR_SIZE_MAX < 65536, "superscalar sizes are 16-bit");
_Static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__,
	       "the cache, scratchpad and register file are used in native byte order");

extern const struct pp_rx_config pp_rx_config_rx0;
extern const struct pp_rx_config pp_rx_config_wow;
extern const struct pp_rx_config pp_rx_config_arq;

/* rx/0's known answer, the first official vector (tevador/RandomX src/tests/tests.cpp): key
 * "test key 000", input "This is a test". rx-selftest.c runs it with the other four. */
#define PP_RX0_KAT_KEY "74657374206b657920303030"
#define PP_RX0_KAT_INPUT "5468697320697320612074657374"
#define PP_RX0_KAT_HASH "639183aae1bf4c9a35884cb46b09cad9175f04efd7684e7262a0ac1c2f0b4e3f"

/* The RandomX algorithms, one row each: the single list behind pp_rx_config_find, the
 * pp_hash table (kernels/hash.c) and the known answers the catalog's miners verify with
 * (kernels/workloads/miner.c).
 *
 * X(name, configuration, uses (PP_HASH_* flags), known answer: key, input, hash in hex)
 *
 * rx/wow's answer (key: 32 zero bytes, input "This is a test") is published by
 * Snipa22/node-multi-hashing-aesni, tests/test_random_wow.js (tests/vectors/README.md).
 * rx/arq (pp_rx_config_arq) is not listed: there is no published vector to check it by. */
#define PP_RX_VARIANTS(X)                                                                     \
	X("rx/0", pp_rx_config_rx0,                                                           \
	  PP_HASH_SELFTEST | PP_HASH_BENCH | PP_HASH_BENCH_QUICK | PP_HASH_QUICK,              \
	  PP_RX0_KAT_KEY, PP_RX0_KAT_INPUT, PP_RX0_KAT_HASH)                                   \
	X("rx/wow", pp_rx_config_wow, 0,                                                      \
	  "0000000000000000000000000000000000000000000000000000000000000000",                   \
	  "5468697320697320612074657374",                                                       \
	  "dcd9efef9df794171af262df328bd2c16a6d51ae9abdcb9357ce4ab3c0c9a8ba")

/* Checks an instance against the contracts above; 0 or -EINVAL. */
int pp_rx_config_check(const struct pp_rx_config *c);
/* The instance of a PP_RX_VARIANTS row ("rx/0", "rx/wow"), or NULL. */
const struct pp_rx_config *pp_rx_config_find(const char *name);

#endif
