/* CryptoNight variants: one table of parameters and tweaks, with contracts checked at
 * compile time. Sources: the CryptoNight spec (CNS008), Monero's slow-hash.c for variants
 * 1, 2 and 4 (cn/r), and xmrig's CnAlgo.h for the alt-coin variants; every row is pinned by
 * known-answer vectors in tests/test-cryptonight.c. */
#ifndef PP_KERNELS_CRYPTONIGHT_CN_CONFIG_H
#define PP_KERNELS_CRYPTONIGHT_CN_CONFIG_H

#include <powprint/hash.h>

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

/* The CryptoNight algorithms, one row each: the single list behind the variant table
 * (cn-core.c), the pp_hash table (kernels/hash.c), the catalog's miner entries
 * (kernels/workloads/miner.c) and the self-test (kernels/selftest.c).
 *
 * X(id, name, catalog family, scratchpad bytes, iterations, address mask, base, flags,
 *   uses, known answer)
 *
 * Catalog families follow XMRig's (CN, CN_LITE, CN_HEAVY, CN_PICO, CN_FEMTO). `uses` are
 * PP_HASH_* flags (include/powprint/hash.h). The known answer is the hash of PP_CN_KAT_INPUT
 * (blob 0 of xmrig's src/crypto/cn/CryptoNight_test.h, tests/vectors/cryptonight-variants.txt)
 * or, for random-math variants, of PP_CN_R_KAT_INPUT at PP_CN_R_KAT_HEIGHT (Monero's
 * tests/hash/tests-slow-4.txt, line 1; tests/vectors/tests-slow-4.txt). */
#define PP_CN_ST (PP_HASH_SELFTEST | PP_HASH_SELFTEST_SOFT)
#define PP_CN_VARIANTS(X)                                                                     \
	X(CN_0, "cn/0", "cn", PP_CN_MIB(2), PP_CN_ITER, 0x1ffff0, PP_CN_BASE0, 0,               \
	  PP_CN_ST | PP_HASH_BENCH | PP_HASH_BENCH_QUICK | PP_HASH_QUICK,                      \
	  "1a3ffbee909b420d91f7be6e5fb56db71b3110d886011e877ee5786afd080100")                   \
	X(CN_1, "cn/1", "cn", PP_CN_MIB(2), PP_CN_ITER, 0x1ffff0, PP_CN_BASE1, 0,               \
	  PP_CN_ST | PP_HASH_BENCH,                                                            \
	  "f22d3d6203d2a08b41d9027278d8bcc983acada9b68e52e3c689692a50e921d9")                   \
	X(CN_2, "cn/2", "cn", PP_CN_MIB(2), PP_CN_ITER, 0x1ffff0, PP_CN_BASE2, 0,               \
	  PP_HASH_SELFTEST | PP_HASH_BENCH,                                                    \
	  "97378282cf10e7ad033f7b8074c40e14d06e7f609dddda787680b58c05f43d21")                   \
	X(CN_R, "cn/r", "cn", PP_CN_MIB(2), PP_CN_ITER, 0x1ffff0, PP_CN_BASE2, PP_CNF_R,         \
	  PP_HASH_SELFTEST | PP_HASH_BENCH | PP_HASH_BENCH_QUICK | PP_HASH_QUICK,              \
	  "f759588ad57e758467295443a9bd71490abff8e9dad1b95b6bf2f5d0d78387bc")                   \
	X(CN_HALF, "cn/half", "cn", PP_CN_MIB(2), PP_CN_ITER / 2, 0x1ffff0, PP_CN_BASE2, 0,     \
	  PP_HASH_BENCH, "5d4fbc356097ea6440b0888edeb635ddc84a0e397c868456895c3f29be7312a7")    \
	X(CN_FAST, "cn/fast", "cn", PP_CN_MIB(2), PP_CN_ITER / 2, 0x1ffff0, PP_CN_BASE1, 0, 0,  \
	  "3c7a61084c5eb865b498ab2f5a1ac52c49c177c2d0133442d65ed514335c82c5")                   \
	X(CN_XAO, "cn/xao", "cn", PP_CN_MIB(2), PP_CN_ITER * 2, 0x1ffff0, PP_CN_BASE0, 0, 0,    \
	  "9a29d0c4afdc639b6553b1c83735114c5d77162142975cb850c0a51f6407bd33")                   \
	X(CN_RTO, "cn/rto", "cn", PP_CN_MIB(2), PP_CN_ITER, 0x1ffff0, PP_CN_BASE1, PP_CNF_RTO,  \
	  0, "82661e1c6e6436668406327a9bb11319a5561615dfec1c9ee3884a6c1ceb76a5")                \
	X(CN_RWZ, "cn/rwz", "cn", PP_CN_MIB(2), 0x60000, 0x1ffff0, PP_CN_BASE2, PP_CNF_REVERSE, \
	  0, "5f56c6b0996ba23e0bba0729c99074855a10e3087fdbfe947533547376f075b8")                \
	X(CN_ZLS, "cn/zls", "cn", PP_CN_MIB(2), 0x60000, 0x1ffff0, PP_CN_BASE2, 0, 0,           \
	  "516e33c6e446abbccdad18c04cd9a25e64102853b20a42dfdeaa8b599ecf40e2")                   \
	X(CN_CCX, "cn/ccx", "cn", PP_CN_MIB(2), PP_CN_ITER / 2, 0x1ffff0, PP_CN_BASE0,          \
	  PP_CNF_CCX, PP_HASH_SELFTEST,                                                        \
	  "b3a16786d2c985ecadc45f910527c7a196f0e1e97c8709381d7d419335f81672")                   \
	X(CN_DOUBLE, "cn/double", "cn", PP_CN_MIB(2), PP_CN_ITER * 2, 0x1ffff0, PP_CN_BASE2, 0, \
	  0, "aefbb3f0cc88046d119f6c54b96d90c9e884ea3b5983a60d50a42d7d3ebe4821")                \
	X(CN_LITE_0, "cn-lite/0", "cn-lite", PP_CN_MIB(1), PP_CN_ITER / 2, 0xffff0,             \
	  PP_CN_BASE0, 0, 0, "3695b4b53bb00358b0ad38dc160feb9e004eece09b83a72ef6ba9864d3510c88") \
	X(CN_LITE_1, "cn-lite/1", "cn-lite", PP_CN_MIB(1), PP_CN_ITER / 2, 0xffff0,             \
	  PP_CN_BASE1, 0, PP_HASH_BENCH | PP_HASH_BENCH_QUICK | PP_HASH_QUICK,                 \
	  "6d8cdc444e9bbbfd68fc43fcd4855b228c8a1bd91d9d00285bec02b7ca2d6741")                   \
	X(CN_HEAVY_0, "cn-heavy/0", "cn-heavy", PP_CN_MIB(4), PP_CN_ITER / 2, 0x3ffff0,         \
	  PP_CN_BASE0, PP_CNF_HEAVY, PP_HASH_SELFTEST | PP_HASH_BENCH | PP_HASH_QUICK,         \
	  "9983f21bdf2010a8d707bb2f14d78664bbe1187f55014b39e5f3d69328e48fc2")                   \
	X(CN_HEAVY_XHV, "cn-heavy/xhv", "cn-heavy", PP_CN_MIB(4), PP_CN_ITER / 2, 0x3ffff0,     \
	  PP_CN_BASE0, PP_CNF_HEAVY | PP_CNF_XHV, 0,                                           \
	  "5ac3f785c490c58550ec95d2726563577e7c1c212d0cde591273201e44fdd5b6")                   \
	X(CN_HEAVY_TUBE, "cn-heavy/tube", "cn-heavy", PP_CN_MIB(4), PP_CN_ITER / 2, 0x3ffff0,   \
	  PP_CN_BASE1, PP_CNF_HEAVY | PP_CNF_TUBE, 0,                                          \
	  "fe53352076eae689fa3b4fda614634cfc312ee0c387df2b8b74da2a159741235")                   \
	X(CN_PICO_0, "cn-pico/0", "cn-pico", PP_CN_KIB(256), PP_CN_ITER / 8, 0x1fff0,           \
	  PP_CN_BASE2, 0, PP_HASH_SELFTEST | PP_HASH_BENCH | PP_HASH_QUICK,                    \
	  "08f421d7833117300eda66e98f4a2569093df300500173944efc401e9a4a17af")                   \
	X(CN_PICO_TLO, "cn-pico/tlo", "cn-pico", PP_CN_KIB(256), PP_CN_ITER / 8, 0x3fff0,       \
	  PP_CN_BASE2, 0, 0, "9975f2c1b3b45434a49386213097f31bb4b9a6586a7e81f4429f6d5f65c38d1a") \
	X(CN_UPX2, "cn/upx2", "cn-femto", PP_CN_KIB(128), PP_CN_ITER / 32, 0x1fff0,             \
	  PP_CN_BASE2, PP_CNF_REVERSE, PP_HASH_BENCH | PP_HASH_QUICK,                          \
	  "aabbb8ed14a835fa22cfb1b5dea872b0a1d6cbd846f4391c0f01f3875e3a3761")

/* The known answers' inputs (hex). */
#define PP_CN_KAT_INPUT                                                                       \
	"0305a0dbd6bf05cf16e503f3a66f78007cbf34144332ecbfc22ed95c8700383b309ace1923a0964b"     \
	"00000008ba939a62724c0d7581fce5761e9d8a0e6a1c3f924fdd8493d1115649c05eb601"
#define PP_CN_R_KAT_INPUT                                                                     \
	"5468697320697320612074657374205468697320697320612074657374205468697320697320612074"   \
	"657374"
#define PP_CN_R_KAT_HEIGHT 1806260

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
 *   variant-2 shuffle; CCX is a variant-0 tweak;
 * - the known answer is 64 hex digits; the quick and soft-AES uses imply the full ones. */
#define PP_CN_CHECK(id, name, family, mem, iter, mask, base, flags, uses, kat)               \
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
	_Static_assert(!((flags)&PP_CNF_CCX) || (base) == PP_CN_BASE0, name ": variant-0 tweak"); \
	_Static_assert(sizeof(kat) == 65, name ": the known answer is 32 bytes in hex");       \
	_Static_assert(!((uses)&PP_HASH_SELFTEST_SOFT) || ((uses)&PP_HASH_SELFTEST),           \
		       name ": soft-AES self-test without the self-test");                    \
	_Static_assert(!((uses)&PP_HASH_BENCH_QUICK) || ((uses)&PP_HASH_BENCH),                \
		       name ": in bench --quick but not in bench");
PP_CN_VARIANTS(PP_CN_CHECK)
#undef PP_CN_CHECK

/* cn/1-based variants read tweak1_2 from input bytes 35..42. */
#define PP_CN_V1_MIN_INPUT 43

#endif
