/* CryptoNight variants: one table of parameters and tweaks, with contracts checked at
 * compile time. Sources: the CryptoNight spec (CNS008), Monero's slow-hash.c for variants
 * 1, 2 and 4 (cn/r), and xmrig's CnAlgo.h for the alt-coin variants; every row is pinned by
 * known-answer vectors in tests/test-cryptonight.c. */
#ifndef PP_KERNELS_CRYPTONIGHT_CN_CONFIG_H
#define PP_KERNELS_CRYPTONIGHT_CN_CONFIG_H

#include <stdint.h>

#define PP_CN_KIB(n) ((uint32_t)(n) << 10)
#define PP_CN_MIB(n) ((uint32_t)(n) << 20)
#define PP_CN_ITER 0x80000u /* cn/0's iteration count, the unit the others are quoted in */

/* The three bases a variant builds on. */
enum pp_cn_base {
	PP_CN_BASE0 = 0, /* original CryptoNight */
	PP_CN_BASE1,     /* variant 1 (Monero v7): tweak of byte 11, tweak1_2 from the input */
	PP_CN_BASE2,     /* variant 2 (Monero v8): shuffle-add, integer division and sqrt */
};

/* Tweaks on top of the base (flags). */
enum {
	PP_CNF_HEAVY = 1 << 0,   /* 16 mixing rounds around explode/implode, signed division */
	PP_CNF_XHV = 1 << 1,     /* heavy: the next index uses ~d */
	PP_CNF_TUBE = 1 << 2,    /* AES round with chained key words; tweak1_2 ^ a.lo */
	PP_CNF_RTO = 1 << 3,     /* tweak1_2 ^ a.lo in the second store */
	PP_CNF_REVERSE = 1 << 4, /* shuffle with chunks 1 and 3 swapped (rwz, upx2) */
	PP_CNF_R = 1 << 5,       /* random math from the block height (variant 4) */
	PP_CNF_CCX = 1 << 6,     /* Conceal's float tweak of the AES input */
};

/* X(id, name, scratchpad bytes, iterations, address mask, base, flags) */
#define PP_CN_VARIANTS(X)                                                                     \
	X(CN_0, "cn/0", PP_CN_MIB(2), PP_CN_ITER, 0x1ffff0, PP_CN_BASE0, 0)                   \
	X(CN_1, "cn/1", PP_CN_MIB(2), PP_CN_ITER, 0x1ffff0, PP_CN_BASE1, 0)                   \
	X(CN_2, "cn/2", PP_CN_MIB(2), PP_CN_ITER, 0x1ffff0, PP_CN_BASE2, 0)                   \
	X(CN_R, "cn/r", PP_CN_MIB(2), PP_CN_ITER, 0x1ffff0, PP_CN_BASE2, PP_CNF_R)             \
	X(CN_HALF, "cn/half", PP_CN_MIB(2), PP_CN_ITER / 2, 0x1ffff0, PP_CN_BASE2, 0)         \
	X(CN_FAST, "cn/fast", PP_CN_MIB(2), PP_CN_ITER / 2, 0x1ffff0, PP_CN_BASE1, 0)         \
	X(CN_XAO, "cn/xao", PP_CN_MIB(2), PP_CN_ITER * 2, 0x1ffff0, PP_CN_BASE0, 0)           \
	X(CN_RTO, "cn/rto", PP_CN_MIB(2), PP_CN_ITER, 0x1ffff0, PP_CN_BASE1, PP_CNF_RTO)       \
	X(CN_RWZ, "cn/rwz", PP_CN_MIB(2), 0x60000, 0x1ffff0, PP_CN_BASE2, PP_CNF_REVERSE)      \
	X(CN_ZLS, "cn/zls", PP_CN_MIB(2), 0x60000, 0x1ffff0, PP_CN_BASE2, 0)                  \
	X(CN_CCX, "cn/ccx", PP_CN_MIB(2), PP_CN_ITER / 2, 0x1ffff0, PP_CN_BASE0, PP_CNF_CCX)   \
	X(CN_DOUBLE, "cn/double", PP_CN_MIB(2), PP_CN_ITER * 2, 0x1ffff0, PP_CN_BASE2, 0)     \
	X(CN_LITE_0, "cn-lite/0", PP_CN_MIB(1), PP_CN_ITER / 2, 0xffff0, PP_CN_BASE0, 0)      \
	X(CN_LITE_1, "cn-lite/1", PP_CN_MIB(1), PP_CN_ITER / 2, 0xffff0, PP_CN_BASE1, 0)      \
	X(CN_HEAVY_0, "cn-heavy/0", PP_CN_MIB(4), PP_CN_ITER / 2, 0x3ffff0, PP_CN_BASE0,      \
	  PP_CNF_HEAVY)                                                                        \
	X(CN_HEAVY_XHV, "cn-heavy/xhv", PP_CN_MIB(4), PP_CN_ITER / 2, 0x3ffff0, PP_CN_BASE0,  \
	  PP_CNF_HEAVY | PP_CNF_XHV)                                                            \
	X(CN_HEAVY_TUBE, "cn-heavy/tube", PP_CN_MIB(4), PP_CN_ITER / 2, 0x3ffff0, PP_CN_BASE1, \
	  PP_CNF_HEAVY | PP_CNF_TUBE)                                                           \
	X(CN_PICO_0, "cn-pico/0", PP_CN_KIB(256), PP_CN_ITER / 8, 0x1fff0, PP_CN_BASE2, 0)    \
	X(CN_PICO_TLO, "cn-pico/tlo", PP_CN_KIB(256), PP_CN_ITER / 8, 0x3fff0, PP_CN_BASE2, 0) \
	X(CN_UPX2, "cn/upx2", PP_CN_KIB(128), PP_CN_ITER / 32, 0x1fff0, PP_CN_BASE2,          \
	  PP_CNF_REVERSE)

enum pp_cn_id {
#define PP_CN_ENUM(id, ...) PP_##id,
	PP_CN_VARIANTS(PP_CN_ENUM)
#undef PP_CN_ENUM
	PP_CN_COUNT
};

#define PP_CN_MAX_MEMORY PP_CN_MIB(4)

/* Contracts, one per row:
 * - the scratchpad is a power of two between 64 KiB and PP_CN_MAX_MEMORY, a whole number of
 *   128-byte explode blocks;
 * - the mask keeps 16-byte alignment, and every access (idx & mask, plus the shuffle's
 *   ^0x10..0x30 within the same 64-byte line) stays inside the scratchpad;
 * - heavy variants have 4 MiB; TUBE and RTO are variant-1 tweaks; REVERSE and R need the
 *   variant-2 shuffle; CCX is a variant-0 tweak. */
#define PP_CN_CHECK(id, name, mem, iter, mask, base, flags)                                  \
	_Static_assert(((mem) & ((mem)-1)) == 0 && (mem) >= PP_CN_KIB(64) &&                  \
			       (mem) <= PP_CN_MAX_MEMORY && (mem) % 128 == 0,                 \
		       name ": scratchpad size");                                             \
	_Static_assert((iter) > 0 && (iter) <= PP_CN_ITER * 2, name ": iterations");          \
	_Static_assert(((mask) & 0xf) == 0 && ((mask) | 0x3f) < (mem), name ": address mask"); \
	_Static_assert(!((flags)&PP_CNF_HEAVY) || (mem) == PP_CN_MIB(4), name ": heavy size");  \
	_Static_assert(!((flags) & (PP_CNF_TUBE | PP_CNF_RTO)) || (base) == PP_CN_BASE1,        \
		       name ": variant-1 tweak");                                             \
	_Static_assert(!((flags) & (PP_CNF_REVERSE | PP_CNF_R)) || (base) == PP_CN_BASE2,       \
		       name ": variant-2 tweak");                                             \
	_Static_assert(!((flags)&PP_CNF_CCX) || (base) == PP_CN_BASE0, name ": variant-0 tweak");
PP_CN_VARIANTS(PP_CN_CHECK)
#undef PP_CN_CHECK

/* cn/1-based variants read tweak1_2 from input bytes 35..42. */
#define PP_CN_V1_MIN_INPUT 43

#endif
