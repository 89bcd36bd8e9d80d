/* CryptoNight: Keccak-1600 of the input seeds an AES-expanded scratchpad ("explode"), a
 * memory-hard loop of dependent loads, one AES round, a 64x64->128 multiply and stores walks
 * it, then the scratchpad is folded back into the state ("implode") and one of four hashes
 * (BLAKE, Groestl, JH, Skein) picked by the state finishes. References: CNS008 (the
 * CryptoNight standard) and Monero's slow-hash.c for variants 1, 2 and 4; the alt-coin tweaks
 * are described in cn-config.h.
 *
 * The main loop is written once (cn_main_loop, always inlined) and instantiated per AES back
 * end and per "kind" of variant (base plus tweak flags), so each instance compiles to a
 * tight loop without per-iteration tests of the variant. */
#include "kernels/cryptonight/cryptonight.h"
#include "kernels/cryptonight/cn-r.h"
#include "kernels/crypto/blake256.h"
#include "kernels/crypto/groestl.h"
#include "kernels/crypto/jh.h"
#include "kernels/crypto/keccak.h"
#include "kernels/crypto/skein.h"
#include "core/jit-buf.h"
#include "core/pages.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

/* ---- the variant table -------------------------------------------------------------- */

static const struct pp_cn_variant variants[PP_CN_COUNT] = {
#define PP_CN_ROW(id, name, family, mem, iter, mask, base, flags, ...) \
	[PP_##id] = { PP_##id, name, mem, iter, mask, base, flags },
	PP_CN_VARIANTS(PP_CN_ROW)
#undef PP_CN_ROW
};

/* Names miners and pools use for the same algorithms. */
static const struct {
	const char *alias;
	enum pp_cn_id id;
} aliases[] = {
	{ "cn/msr", PP_CN_FAST },       { "cn-pico", PP_CN_PICO_0 },
	{ "cn-pico/trtl", PP_CN_PICO_0 }, { "cn/4", PP_CN_R },
	{ "cryptonight", PP_CN_0 },     { "cn-lite", PP_CN_LITE_1 },
	{ "cn-heavy", PP_CN_HEAVY_0 },
};

const struct pp_cn_variant *pp_cn_variant_find(const char *name)
{
	if (!name)
		return NULL;
	for (int i = 0; i < PP_CN_COUNT; i++)
		if (strcmp(variants[i].name, name) == 0)
			return &variants[i];
	for (size_t i = 0; i < sizeof(aliases) / sizeof(aliases[0]); i++)
		if (strcmp(aliases[i].alias, name) == 0)
			return &variants[aliases[i].id];
	return NULL;
}

const struct pp_cn_variant *pp_cn_variant_at(int i)
{
	return i >= 0 && i < PP_CN_COUNT ? &variants[i] : NULL;
}

/* ---- context ------------------------------------------------------------------------ */

struct pp_cn_ctx {
	uint64_t state[25] __attribute__((aligned(64)));
	uint8_t *pad;
	size_t memory;
	struct pp_mapping map;
	enum pp_aes_backend aes;
	bool prog_valid; /* prog/code hold cn/r's program for prog.height */
	struct pp_cnr_program prog;
	struct pp_cnr_code code;
	/* cn/r's JIT: on when `jit`; jit_buf holds prog compiled when jit_valid. */
	bool jit, jit_rwx, jit_valid;
	struct pp_jit_buf jit_buf;
	const void *jit_entry; /* the register entry (pp_cnr_jit_call) */
};

/* 4 KiB hold the longest program twice (about 10 bytes per instruction at most). */
#define CN_JIT_BUF_SIZE 4096
_Static_assert(2 * (64 + 10 * PP_CNR_MAX_INSNS) < CN_JIT_BUF_SIZE, "JIT buffer size");

int pp_cn_ctx_new(size_t memory, enum pp_pages pages, bool soft_aes, struct pp_cn_ctx **out)
{
	*out = NULL;
	if (memory == 0 || memory > PP_CN_MAX_MEMORY)
		return -EINVAL;
	struct pp_cn_ctx *c = aligned_alloc(64, sizeof(*c));
	if (!c)
		return -ENOMEM;
	memset(c, 0, sizeof(*c));
	int err = pp_pages_alloc(memory, pages, &c->map);
	if (err) {
		free(c);
		return err;
	}
	c->pad = c->map.ptr;
	c->memory = memory;
	c->aes = pp_aes_backend_detect(soft_aes);
	*out = c;
	return 0;
}

void pp_cn_ctx_free(struct pp_cn_ctx *ctx)
{
	if (!ctx)
		return;
	pp_jit_buf_free(&ctx->jit_buf);
	pp_pages_free(&ctx->map);
	free(ctx);
}

enum pp_aes_backend pp_cn_ctx_aes(const struct pp_cn_ctx *ctx)
{
	return ctx->aes;
}

const char *pp_cn_ctx_pages(const struct pp_cn_ctx *ctx)
{
	return pp_page_kind_name(ctx->map.kind);
}

size_t pp_cn_ctx_memory(const struct pp_cn_ctx *ctx)
{
	return ctx->memory;
}

int pp_cn_ctx_set_jit(struct pp_cn_ctx *ctx, bool on, bool rwx)
{
	if (!ctx)
		return -EINVAL;
	if (on && !pp_jit_supported())
		return -ENOTSUP;
	/* A mapping's RWX-ness is fixed when it is made: switching means a new one. */
	if (ctx->jit_buf.code && (!on || ctx->jit_buf.rwx != rwx))
		pp_jit_buf_free(&ctx->jit_buf);
	ctx->jit = false;
	ctx->jit_valid = false;
	if (on) {
		int err = ctx->jit_buf.code ? 0 : pp_jit_buf_new(CN_JIT_BUF_SIZE, rwx, &ctx->jit_buf);
		if (err)
			return err;
		ctx->jit = true;
		ctx->jit_rwx = rwx;
	}
	return 0;
}

bool pp_cn_ctx_jit(const struct pp_cn_ctx *ctx)
{
	return ctx && ctx->jit;
}

/* ---- 128-bit blocks ----------------------------------------------------------------- */

/* GCC vector types: lane-wise 64-bit add and xor are native on every target, and the same
 * bits cast to __m128i / uint8x16_t for the AES instructions. */
typedef uint64_t cn_v __attribute__((vector_size(16)));
typedef cn_v cn_v_alias __attribute__((may_alias));
typedef float cn_v4f __attribute__((vector_size(16)));
typedef int32_t cn_v4i __attribute__((vector_size(16)));
typedef cn_v4i cn_v4i_alias __attribute__((may_alias));

#define CN_INLINE static inline __attribute__((always_inline))

CN_INLINE cn_v ld(const uint8_t *p)
{
	return *(const cn_v_alias *)p;
}

CN_INLINE void st(uint8_t *p, cn_v v)
{
	*(cn_v_alias *)p = v;
}

CN_INLINE cn_v cn_aes(cn_v s, cn_v k, const int aes)
{
#ifdef PP_AES_HAVE_X86
	if (aes == PP_AES_X86)
		return (cn_v)pp_aes_x86_enc((__m128i)s, (__m128i)k);
#endif
#ifdef PP_AES_HAVE_ARM
	if (aes == PP_AES_ARM)
		return (cn_v)pp_aes_arm_enc((uint8x16_t)s, (uint8x16_t)k);
#endif
	uint32_t w[4], kw[4];
	memcpy(w, &s, 16);
	memcpy(kw, &k, 16);
	pp_aes_soft_enc(w, w, kw);
	memcpy(&s, w, 16);
	return s;
}

/* One round on the block at p (the scratchpad). The portable back end reads the four words
 * straight from memory: going through a vector register costs extra moves on the critical
 * path. */
CN_INLINE cn_v cn_aes_at(const uint8_t *p, cn_v k, const int aes)
{
	if (aes != PP_AES_SOFT)
		return cn_aes(ld(p), k, aes);
	const uint32_t *x = (const uint32_t *)(const void *)p;
	uint32_t y[4], kw[4] = { (uint32_t)k[0], (uint32_t)(k[0] >> 32), (uint32_t)k[1],
				 (uint32_t)(k[1] >> 32) };
	pp_aes_soft_enc(y, x, kw);
	return (cn_v){ y[0] | (uint64_t)y[1] << 32, y[2] | (uint64_t)y[3] << 32 };
}

/* ---- explode / implode -------------------------------------------------------------- */

CN_INLINE void rounds10(cn_v x[8], const cn_v k[10], const int aes)
{
	for (int r = 0; r < 10; r++)
		for (int j = 0; j < 8; j++)
			x[j] = cn_aes(x[j], k[r], aes);
}

CN_INLINE void mix8(cn_v x[8]) /* heavy variants: xor each block with its successor */
{
	cn_v x0 = x[0];
	for (int j = 0; j < 7; j++)
		x[j] ^= x[j + 1];
	x[7] ^= x0;
}

static void expand_keys(const uint8_t key[32], void *k /* 10 round keys of 16 bytes */)
{
	uint8_t rk[15][16];
	pp_aes256_expand_key(key, rk);
	memcpy(k, rk, 10 * 16);
}

/* The portable back end keeps the eight blocks as 32-bit words for the whole pass, so the
 * table lookups never round-trip through vector registers. */
static void soft_rounds10(uint32_t x[8][4], const uint32_t k[10][4])
{
	for (int r = 0; r < 10; r++)
		for (int j = 0; j < 8; j++)
			pp_aes_soft_enc(x[j], x[j], k[r]);
}

static void soft_mix8(uint32_t x[8][4])
{
	uint32_t x0[4];
	memcpy(x0, x[0], 16);
	for (int j = 0; j < 7; j++)
		for (int w = 0; w < 4; w++)
			x[j][w] ^= x[j + 1][w];
	for (int w = 0; w < 4; w++)
		x[7][w] ^= x0[w];
}

static void soft_implode_pass(const uint8_t *pad, size_t mem, uint32_t x[8][4],
			      const uint32_t k[10][4], bool heavy)
{
	for (size_t off = 0; off < mem; off += 128) {
		const uint32_t *p = (const uint32_t *)(const void *)(pad + off);
		for (int j = 0; j < 8; j++)
			for (int w = 0; w < 4; w++)
				x[j][w] ^= p[4 * j + w];
		soft_rounds10(x, k);
		if (heavy)
			soft_mix8(x);
	}
}

CN_INLINE void explode(const uint64_t *h, uint8_t *pad, size_t mem, bool heavy, const int aes)
{
	if (aes == PP_AES_SOFT) {
		uint32_t k[10][4], x[8][4];
		expand_keys((const uint8_t *)h, k);
		memcpy(x, (const uint8_t *)h + 64, 128);
		if (heavy)
			for (int i = 0; i < 16; i++) {
				soft_rounds10(x, k);
				soft_mix8(x);
			}
		for (size_t off = 0; off < mem; off += 128) {
			soft_rounds10(x, k);
			memcpy(pad + off, x, 128);
		}
		return;
	}
	cn_v k[10], x[8];
	expand_keys((const uint8_t *)h, k);
	memcpy(x, (const uint8_t *)h + 64, 128);
	if (heavy)
		for (int i = 0; i < 16; i++) {
			rounds10(x, k, aes);
			mix8(x);
		}
	for (size_t off = 0; off < mem; off += 128) {
		rounds10(x, k, aes);
		for (int j = 0; j < 8; j++)
			st(pad + off + 16 * j, x[j]);
	}
}

CN_INLINE void implode_pass(const uint8_t *pad, size_t mem, cn_v x[8], const cn_v k[10],
			    bool heavy, const int aes)
{
	for (size_t off = 0; off < mem; off += 128) {
		for (int j = 0; j < 8; j++)
			x[j] ^= ld(pad + off + 16 * j);
		rounds10(x, k, aes);
		if (heavy)
			mix8(x);
	}
}

CN_INLINE void implode(uint64_t *h, const uint8_t *pad, size_t mem, bool heavy, const int aes)
{
	if (aes == PP_AES_SOFT) {
		uint32_t k[10][4], x[8][4];
		expand_keys((const uint8_t *)h + 32, k);
		memcpy(x, (const uint8_t *)h + 64, 128);
		soft_implode_pass(pad, mem, x, k, heavy);
		if (heavy) {
			soft_implode_pass(pad, mem, x, k, heavy);
			for (int i = 0; i < 16; i++) {
				soft_rounds10(x, k);
				soft_mix8(x);
			}
		}
		memcpy((uint8_t *)h + 64, x, 128);
		return;
	}
	cn_v k[10], x[8];
	expand_keys((const uint8_t *)h + 32, k);
	memcpy(x, (const uint8_t *)h + 64, 128);
	implode_pass(pad, mem, x, k, heavy, aes);
	if (heavy) {
		implode_pass(pad, mem, x, k, heavy, aes);
		for (int i = 0; i < 16; i++) {
			rounds10(x, k, aes);
			mix8(x);
		}
	}
	memcpy((uint8_t *)h + 64, x, 128);
}

/* ---- main-loop pieces --------------------------------------------------------------- */

/* Variant 2's exact integer square root: floor(sqrt(2^64 + n) * 2 - 2^33), computed in
 * double precision and then corrected by one either way (Monero's SQRT_FIXUP), so the
 * result does not depend on the FPU rounding mode. */
CN_INLINE uint64_t int_sqrt_v2(uint64_t n)
{
	uint64_t r = (uint64_t)(sqrt((double)n + 18446744073709551616.0) * 2.0 - 8589934592.0);
	const uint64_t s = r >> 1, b = r & 1;
	const uint64_t r2 = s * (s + b) + (r << 32);
	r += (r2 + b > n ? (uint64_t)-1 : 0) + (r2 + (1ULL << 32) < n - s ? 1 : 0);
	return r;
}

/* Variant 2's shuffle: the three other 16-byte chunks of the 64-byte line at `off` are
 * rotated and offset by b1, b0 and a; cn/r also folds them into c. REVERSE swaps the roles
 * of chunks 1 and 3. */
CN_INLINE void shuffle_add(uint8_t *l, uint64_t off, cn_v a, cn_v b0, cn_v b1, cn_v *c,
			   const bool reverse, const bool fold)
{
	const cn_v c1 = ld(l + (off ^ (reverse ? 0x30 : 0x10)));
	const cn_v c2 = ld(l + (off ^ 0x20));
	const cn_v c3 = ld(l + (off ^ (reverse ? 0x10 : 0x30)));
	st(l + (off ^ 0x10), c3 + b1);
	st(l + (off ^ 0x20), c1 + b0);
	st(l + (off ^ 0x30), c2 + a);
	if (fold)
		*c ^= c1 ^ c2 ^ c3;
}

/* The second shuffle of variants 2/rwz/etc.: the multiply result is mixed with the line
 * first (Monero's VARIANT2_2). */
CN_INLINE void shuffle_mul(uint8_t *l, uint64_t off, cn_v a, cn_v b0, cn_v b1, uint64_t *hi,
			   uint64_t *lo, const bool reverse)
{
	const cn_v c1 = ld(l + (off ^ 0x10)) ^ (cn_v){ *hi, *lo };
	const cn_v c2 = ld(l + (off ^ 0x20));
	*hi ^= c2[0];
	*lo ^= c2[1];
	const cn_v c3 = ld(l + (off ^ 0x30));
	st(l + (off ^ 0x10), (reverse ? c1 : c3) + b1);
	st(l + (off ^ 0x20), (reverse ? c3 : c1) + b0);
	st(l + (off ^ 0x30), c2 + a);
}

/* Conceal (cn/ccx): a float accumulator perturbs the AES input. Lane-wise IEEE single
 * precision, int->float rounds to nearest, float->int truncates (as SSE's cvtdq2ps and
 * cvttps2dq do). */
CN_INLINE cn_v conceal(cn_v c, cn_v4f *conc)
{
	const cn_v4i mant = { 0x807fffff, 0x807fffff, 0x807fffff, 0x807fffff };
	const cn_v4i two = { 0x40000000, 0x40000000, 0x40000000, 0x40000000 };
	cn_v4f r = __builtin_convertvector((cn_v4i)c, cn_v4f) + *conc;
	r = r * (r * r);
	r = (cn_v4f)(((cn_v4i)r & mant) | two);
	cn_v4f old = (cn_v4f)(((cn_v4i)*conc & mant) | two);
	*conc += r;
	const cn_v4f scale = { 536870880.0f, 536870880.0f, 536870880.0f, 536870880.0f };
	return c ^ (cn_v)__builtin_convertvector(old * scale, cn_v4i);
}

/* Tube (cn-heavy/tube): an AES round on ~c whose key words are chained: each column's
 * result feeds the next column's input. Table-based on every back end. */
CN_INLINE cn_v aes_tube(cn_v c, cn_v a)
{
	uint32_t x[4], k[4];
	c = ~c;
	memcpy(x, &c, 16);
	memcpy(k, &a, 16);
#define B(w, n) ((x[w] >> (8 * (n))) & 0xff)
	k[0] ^= pp_aes_te[0][B(0, 0)] ^ pp_aes_te[1][B(1, 1)] ^ pp_aes_te[2][B(2, 2)] ^
		pp_aes_te[3][B(3, 3)];
	x[0] ^= k[0];
	k[1] ^= pp_aes_te[0][B(1, 0)] ^ pp_aes_te[1][B(2, 1)] ^ pp_aes_te[2][B(3, 2)] ^
		pp_aes_te[3][B(0, 3)];
	x[1] ^= k[1];
	k[2] ^= pp_aes_te[0][B(2, 0)] ^ pp_aes_te[1][B(3, 1)] ^ pp_aes_te[2][B(0, 2)] ^
		pp_aes_te[3][B(1, 3)];
	x[2] ^= k[2];
	k[3] ^= pp_aes_te[0][B(3, 0)] ^ pp_aes_te[1][B(0, 1)] ^ pp_aes_te[2][B(1, 2)] ^
		pp_aes_te[3][B(2, 3)];
#undef B
	memcpy(&c, k, 16);
	return c;
}

/* ---- the main loop ------------------------------------------------------------------ */

struct cn_loop_args {
	uint8_t *l;
	uint64_t *h;
	uint64_t tweak1_2;
	const struct pp_cnr_code *prog;
	const void *jit; /* cn/r's program as JIT code (register entry), for CN_JIT loops */
	uint32_t mask, iterations;
};

/* Loop instances for cn/r with the JIT: a flag of our own beside the PP_CNF_* ones. */
#define CN_JIT (1u << 31)

CN_INLINE void cn_main_loop(const struct cn_loop_args *args, const int aes, const int base,
			    const uint32_t fl)
{
	uint8_t *const l = args->l;
	const uint64_t *h = args->h;
	const uint64_t mask = args->mask, tweak1_2 = args->tweak1_2;
	const struct pp_cnr_code *prog = args->prog;

	cn_v a = { h[0] ^ h[4], h[1] ^ h[5] };
	cn_v b0 = { h[2] ^ h[6], h[3] ^ h[7] };
	cn_v b1 = { h[8] ^ h[10], h[9] ^ h[11] };
	uint64_t div_r = h[12], sqrt_r = h[13];
	uint32_t r[PP_CNR_REGS] = { (uint32_t)h[12], (uint32_t)(h[12] >> 32), (uint32_t)h[13],
				    (uint32_t)(h[13] >> 32) };
	cn_v4f conc = { 0, 0, 0, 0 };
	uint64_t idx = a[0];

	for (uint32_t i = 0; i < args->iterations; i++) {
		uint8_t *p = l + (idx & mask);
		uint64_t r_mix = 0;
		if (fl & PP_CNF_R) {
			/* The random math reads only values fixed at the top of the iteration (a, b0,
			 * b1, its own r0..r3), so it runs here, overlapping the scratchpad loads that
			 * follow, instead of where Monero's reference places it (after the second
			 * load); the results are identical. */
			__builtin_prefetch(p);
			r_mix = (uint64_t)(r[0] + r[1]) | (uint64_t)(r[2] + r[3]) << 32;
			r[4] = (uint32_t)a[0];
			r[5] = (uint32_t)a[1];
			r[6] = (uint32_t)b0[0];
			r[7] = (uint32_t)b1[0];
			r[8] = (uint32_t)b1[1];
#if defined(__x86_64__)
			if (fl & CN_JIT) /* r[] stays in registers: its address is never taken */
				pp_cnr_jit_call(args->jit, r);
			else
#endif
				pp_cnr_exec(prog, r);
		}
		cn_v c;
		if (fl & PP_CNF_CCX)
			c = cn_aes(conceal(ld(p), &conc), a, aes);
		else if (fl & PP_CNF_TUBE)
			c = aes_tube(ld(p), a);
		else
			c = cn_aes_at(p, a, aes);
		if (base == PP_CN_BASE2)
			shuffle_add(l, idx & mask, a, b0, b1, &c, fl & PP_CNF_REVERSE, fl & PP_CNF_R);
		cn_v t = b0 ^ c;
		if (base == PP_CN_BASE1) { /* variant 1: flip bits 4-5 of byte 11 by a table */
			const uint8_t x = (uint8_t)(t[1] >> 24);
			const int sh = (((x >> 3) & 6) | (x & 1)) << 1;
			t[1] ^= (uint64_t)((0x75310 >> sh) & 0x30) << 24;
		}
		st(p, t);

		idx = c[0];
		p = l + (idx & mask);
		const cn_v cc = ld(p);
		uint64_t cl = cc[0];
		const uint64_t ch = cc[1];
		const cn_v a0 = a;
		if (base == PP_CN_BASE2 && !(fl & PP_CNF_R)) {
			cl ^= div_r ^ (sqrt_r << 32);
			const uint32_t d = (uint32_t)(c[0] + (sqrt_r << 1)) | 0x80000001u;
			div_r = (uint32_t)(c[1] / d) + ((c[1] % d) << 32);
			sqrt_r = int_sqrt_v2(c[0] + div_r);
		}
		if (fl & PP_CNF_R) {
			cl ^= r_mix;
			a[0] ^= r[2] | (uint64_t)r[3] << 32;
			a[1] ^= r[0] | (uint64_t)r[1] << 32;
		}
		const unsigned __int128 m = (unsigned __int128)idx * cl;
		uint64_t hi = (uint64_t)(m >> 64), lo = (uint64_t)m;
		if (base == PP_CN_BASE2) {
			if (fl & PP_CNF_R)
				shuffle_add(l, idx & mask, a0, b0, b1, &c, false, true);
			else
				shuffle_mul(l, idx & mask, a0, b0, b1, &hi, &lo,
					    fl & PP_CNF_REVERSE);
		}
		a[0] += hi;
		a[1] += lo;
		uint64_t w1 = a[1];
		if (fl & (PP_CNF_TUBE | PP_CNF_RTO))
			w1 ^= tweak1_2 ^ a[0];
		else if (base == PP_CN_BASE1)
			w1 ^= tweak1_2;
		st(p, (cn_v){ a[0], w1 });
		a[0] ^= cl;
		a[1] ^= ch;
		idx = a[0];

		if (fl & PP_CNF_HEAVY) { /* signed division feeds the next address */
			uint8_t *q = l + (idx & mask);
			int64_t n;
			int32_t d;
			memcpy(&n, q, 8);
			memcpy(&d, q + 8, 4);
			const int64_t dv = (int64_t)(d | 5);
			/* INT64_MIN / -1 traps on x86; define it as the wrapped negation */
			const int64_t qt = dv == -1 ? (int64_t)(0 - (uint64_t)n) : n / dv;
			const uint64_t nn = (uint64_t)n ^ (uint64_t)qt;
			memcpy(q, &nn, 8);
			if (fl & PP_CNF_XHV)
				d = ~d;
			idx = (uint64_t)((int64_t)d ^ qt);
		}
		if (base == PP_CN_BASE2)
			b1 = b0;
		b0 = c;
	}
}

/* ---- instances ---------------------------------------------------------------------- */

typedef void (*cn_loop_fn)(const struct cn_loop_args *);
typedef void (*cn_pad_fn)(uint64_t *h, uint8_t *pad, size_t mem, bool heavy);

/* kind name, base, flags */
#define CN_KINDS(X)                                      \
	X(k0, PP_CN_BASE0, 0)                            \
	X(heavy, PP_CN_BASE0, PP_CNF_HEAVY)              \
	X(xhv, PP_CN_BASE0, PP_CNF_HEAVY | PP_CNF_XHV)   \
	X(ccx, PP_CN_BASE0, PP_CNF_CCX)                  \
	X(k1, PP_CN_BASE1, 0)                            \
	X(rto, PP_CN_BASE1, PP_CNF_RTO)                  \
	X(tube, PP_CN_BASE1, PP_CNF_HEAVY | PP_CNF_TUBE) \
	X(k2, PP_CN_BASE2, 0)                            \
	X(rev, PP_CN_BASE2, PP_CNF_REVERSE)              \
	X(r, PP_CN_BASE2, PP_CNF_R)                      \
	X(rjit, PP_CN_BASE2, PP_CNF_R | CN_JIT)

#define CN_INSTANCES(backend, AES, TARGET)                                                     \
	CN_KINDS(CN_LOOP_##backend)                                                            \
	TARGET static void explode_##backend(uint64_t *h, uint8_t *pad, size_t mem, bool heavy) \
	{                                                                                      \
		explode(h, pad, mem, heavy, AES);                                              \
	}                                                                                      \
	TARGET static void implode_##backend(uint64_t *h, uint8_t *pad, size_t mem, bool heavy) \
	{                                                                                      \
		implode(h, pad, mem, heavy, AES);                                              \
	}                                                                                      \
	static const struct cn_backend backend_##backend = {                                  \
		explode_##backend, implode_##backend,                                          \
		{ CN_KINDS(CN_ENTRY_##backend) },                                              \
	};

struct cn_kind_fn {
	int base;
	uint32_t flags;
	cn_loop_fn fn;
};

#define CN_KIND_COUNT 11
struct cn_backend {
	cn_pad_fn explode, implode;
	struct cn_kind_fn kinds[CN_KIND_COUNT];
};

#define CN_LOOP_soft(kind, base, fl)                                          \
	static void loop_soft_##kind(const struct cn_loop_args *a)            \
	{                                                                     \
		cn_main_loop(a, PP_AES_SOFT, base, fl);                       \
	}
#define CN_ENTRY_soft(kind, base, fl) { base, fl, loop_soft_##kind },
CN_INSTANCES(soft, PP_AES_SOFT, )

#ifdef PP_AES_HAVE_X86
#define CN_LOOP_x86(kind, base, fl)                                           \
	PP_AES_X86_TARGET static void loop_x86_##kind(const struct cn_loop_args *a) \
	{                                                                     \
		cn_main_loop(a, PP_AES_X86, base, fl);                        \
	}
#define CN_ENTRY_x86(kind, base, fl) { base, fl, loop_x86_##kind },
CN_INSTANCES(x86, PP_AES_X86, PP_AES_X86_TARGET)
#endif

#ifdef PP_AES_HAVE_ARM
#define CN_LOOP_arm(kind, base, fl)                                           \
	PP_AES_ARM_TARGET static void loop_arm_##kind(const struct cn_loop_args *a) \
	{                                                                     \
		cn_main_loop(a, PP_AES_ARM, base, fl);                        \
	}
#define CN_ENTRY_arm(kind, base, fl) { base, fl, loop_arm_##kind },
CN_INSTANCES(arm, PP_AES_ARM, PP_AES_ARM_TARGET)
#endif

static const struct cn_backend *backend_for(enum pp_aes_backend b)
{
#ifdef PP_AES_HAVE_X86
	if (b == PP_AES_X86)
		return &backend_x86;
#endif
#ifdef PP_AES_HAVE_ARM
	if (b == PP_AES_ARM)
		return &backend_arm;
#endif
	(void)b;
	return &backend_soft;
}

/* ---- the hash ----------------------------------------------------------------------- */

int pp_cn_hash(struct pp_cn_ctx *ctx, const struct pp_cn_variant *v, const void *in,
	       size_t len, uint64_t height, uint8_t out[32])
{
	if (!ctx || !v || (!in && len) || v->memory > ctx->memory)
		return -EINVAL;
	if (v->base == PP_CN_BASE1 && len < PP_CN_V1_MIN_INPUT)
		return -EINVAL;

	const struct cn_backend *be = backend_for(ctx->aes);
	uint64_t *h = ctx->state;
	const bool heavy = v->flags & PP_CNF_HEAVY;
	pp_keccak(in, len, (uint8_t *)h, 200);
	be->explode(h, ctx->pad, v->memory, heavy);

	struct cn_loop_args args = { ctx->pad, h, 0, NULL, NULL, v->mask, v->iterations };
	if (v->base == PP_CN_BASE1) {
		uint64_t t;
		memcpy(&t, (const uint8_t *)in + 35, 8);
		args.tweak1_2 = t ^ h[24];
	}
	if (v->flags & PP_CNF_R) {
		if (!ctx->prog_valid || ctx->prog.height != height) {
			pp_cnr_generate(height, &ctx->prog);
			pp_cnr_compile(&ctx->prog, &ctx->code);
			ctx->prog_valid = true;
			ctx->jit_valid = false;
		}
		args.prog = &ctx->code;
		/* A failed compilation (mprotect refused) costs this hash the interpreter, not
		 * an error; the next hash tries again. */
		if (ctx->jit && !ctx->jit_valid)
			ctx->jit_valid = pp_cnr_jit_compile_regs(&ctx->prog, &ctx->jit_buf, NULL,
								 &ctx->jit_entry) == 0;
		if (ctx->jit && ctx->jit_valid)
			args.jit = ctx->jit_entry;
	}

	const uint32_t flags = v->flags | (args.jit ? CN_JIT : 0);
	cn_loop_fn loop = NULL;
	for (int i = 0; i < CN_KIND_COUNT; i++)
		if (be->kinds[i].base == (int)v->base && be->kinds[i].flags == flags)
			loop = be->kinds[i].fn;
	if (!loop)
		return -EINVAL; /* a table row without a loop instance: a bug caught by tests */
	loop(&args);

	be->implode(h, ctx->pad, v->memory, heavy);
	pp_keccakf(h, 24);
	const uint8_t *s = (const uint8_t *)h;
	switch (h[0] & 3) {
	case 0:
		pp_blake256(s, 200, out);
		break;
	case 1:
		pp_groestl256(s, 200, out);
		break;
	case 2:
		pp_jh256(s, 200, out);
		break;
	default:
		pp_skein512_256(s, 200, out);
		break;
	}
	return 0;
}
