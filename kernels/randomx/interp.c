/* The RandomX bytecode interpreter. Each program is decoded once into pp_rx_bc (register
 * indices, masks, sign-extended immediates, reciprocals and branch targets resolved), then
 * run program_iterations times by a direct-threaded loop (one computed goto per
 * instruction). The rounding mode is changed only by CFROUND, in the FPU's control
 * register, so floating-point instructions run as plain SIMD operations. */
#include "kernels/randomx/vm.h"

#include "kernels/randomx/superscalar.h"

#include <string.h>

#if defined(__x86_64__) || defined(__SSE2__)
#include <immintrin.h>
#define HAVE_SSE2 1
#else
#include <fenv.h>
#endif

enum op {
	OP_IADD_RS, OP_IADD_M, OP_ISUB_R, OP_ISUB_I, OP_ISUB_M, OP_IMUL_R, OP_IMUL_I, OP_IMUL_M,
	OP_IMULH_R, OP_IMULH_M, OP_ISMULH_R, OP_ISMULH_M, OP_INEG_R, OP_IXOR_R, OP_IXOR_I,
	OP_IXOR_M, OP_IROR_R, OP_IROR_I, OP_IROL_R, OP_IROL_I, OP_ISWAP_R, OP_FSWAP_R,
	OP_FADD_R, OP_FADD_M, OP_FSUB_R, OP_FSUB_M, OP_FSCAL_R, OP_FMUL_R, OP_FDIV_M,
	OP_FSQRT_R, OP_CBRANCH, OP_CFROUND, OP_ISTORE, OP_NOP, OP_END,
	OP_COUNT
};

#define ZERO_REG 8 /* r[8] stays 0: the "src == dst" memory operand base */

static inline uint64_t simm(uint32_t imm32)
{
	return (uint64_t)(int64_t)(int32_t)imm32;
}

void pp_rx_interp_compile(struct pp_rx_vm *vm)
{
	const struct pp_rx_config *cfg = vm->cfg;
	int usage[8]; /* last instruction that modified each register (for CBRANCH) */
	for (int i = 0; i < 8; i++)
		usage[i] = -1;
	for (uint32_t i = 0; i < cfg->program_size; i++) {
		const struct pp_rx_instr *in = &vm->prog.instr[i];
		struct pp_rx_bc *bc = &vm->bc[i];
		const uint8_t dst = in->dst & 7, src = in->src & 7;
		const uint32_t mem_mask = (in->mod & 3) ? vm->mask_l1 : vm->mask_l2;
		memset(bc, 0, sizeof(*bc));
		bc->dst = dst;
		bc->src = src;
		bc->imm = simm(in->imm32);
		/* Register-memory form: src == dst reads [imm32] from L3. */
#define MEM_OPERAND(opname)                         \
	do {                                        \
		bc->op = opname;                    \
		if (src != dst) {                   \
			bc->mask = mem_mask;        \
		} else {                            \
			bc->src = ZERO_REG;         \
			bc->mask = vm->mask_l3;     \
		}                                   \
		usage[dst] = (int)i;                \
	} while (0)
		/* Register-register form: src == dst uses imm32 instead. */
#define REG_OR_IMM(opr, opi)                        \
	do {                                        \
		bc->op = src != dst ? opr : opi;    \
		usage[dst] = (int)i;                \
	} while (0)
		switch (vm->optable[in->opcode]) {
		case PP_RX_IADD_RS:
			bc->op = OP_IADD_RS;
			bc->target = (in->mod >> 2) & 3; /* the shift */
			if (dst != 5) /* r5 also adds the immediate (spec 5.2.1) */
				bc->imm = 0;
			usage[dst] = (int)i;
			break;
		case PP_RX_IADD_M:
			MEM_OPERAND(OP_IADD_M);
			break;
		case PP_RX_ISUB_R:
			REG_OR_IMM(OP_ISUB_R, OP_ISUB_I);
			break;
		case PP_RX_ISUB_M:
			MEM_OPERAND(OP_ISUB_M);
			break;
		case PP_RX_IMUL_R:
			REG_OR_IMM(OP_IMUL_R, OP_IMUL_I);
			break;
		case PP_RX_IMUL_M:
			MEM_OPERAND(OP_IMUL_M);
			break;
		case PP_RX_IMULH_R:
			bc->op = OP_IMULH_R; /* src == dst squares */
			usage[dst] = (int)i;
			break;
		case PP_RX_IMULH_M:
			MEM_OPERAND(OP_IMULH_M);
			break;
		case PP_RX_ISMULH_R:
			bc->op = OP_ISMULH_R;
			usage[dst] = (int)i;
			break;
		case PP_RX_ISMULH_M:
			MEM_OPERAND(OP_ISMULH_M);
			break;
		case PP_RX_IMUL_RCP:
			if (in->imm32 & (in->imm32 - 1)) { /* neither 0 nor a power of 2 */
				bc->op = OP_IMUL_I;
				bc->imm = pp_rx_reciprocal(in->imm32);
				usage[dst] = (int)i;
			} else {
				bc->op = OP_NOP;
			}
			break;
		case PP_RX_INEG_R:
			bc->op = OP_INEG_R;
			usage[dst] = (int)i;
			break;
		case PP_RX_IXOR_R:
			REG_OR_IMM(OP_IXOR_R, OP_IXOR_I);
			break;
		case PP_RX_IXOR_M:
			MEM_OPERAND(OP_IXOR_M);
			break;
		case PP_RX_IROR_R:
			REG_OR_IMM(OP_IROR_R, OP_IROR_I);
			bc->imm = in->imm32 & 63;
			break;
		case PP_RX_IROL_R:
			REG_OR_IMM(OP_IROL_R, OP_IROL_I);
			bc->imm = in->imm32 & 63;
			break;
		case PP_RX_ISWAP_R:
			if (src != dst) {
				bc->op = OP_ISWAP_R;
				usage[dst] = usage[src] = (int)i;
			} else {
				bc->op = OP_NOP;
			}
			break;
		case PP_RX_FSWAP_R:
			bc->op = OP_FSWAP_R; /* dst 0-3: f, 4-7: e, as in fe[] */
			break;
		case PP_RX_FADD_R:
			bc->op = OP_FADD_R;
			bc->dst = dst & 3;
			bc->src = src & 3;
			break;
		case PP_RX_FADD_M:
			bc->op = OP_FADD_M;
			bc->dst = dst & 3;
			bc->mask = mem_mask;
			break;
		case PP_RX_FSUB_R:
			bc->op = OP_FSUB_R;
			bc->dst = dst & 3;
			bc->src = src & 3;
			break;
		case PP_RX_FSUB_M:
			bc->op = OP_FSUB_M;
			bc->dst = dst & 3;
			bc->mask = mem_mask;
			break;
		case PP_RX_FSCAL_R:
			bc->op = OP_FSCAL_R;
			bc->dst = dst & 3;
			break;
		case PP_RX_FMUL_R:
			bc->op = OP_FMUL_R;
			bc->dst = 4 + (dst & 3);
			bc->src = src & 3;
			break;
		case PP_RX_FDIV_M:
			bc->op = OP_FDIV_M;
			bc->dst = 4 + (dst & 3);
			bc->mask = mem_mask;
			break;
		case PP_RX_FSQRT_R:
			bc->op = OP_FSQRT_R;
			bc->dst = 4 + (dst & 3);
			break;
		case PP_RX_CBRANCH: {
			/* cimm: imm32 with bit b set and bit b-1 cleared (spec 5.4.2); jump to
			 * the instruction after dst's last modification. */
			const unsigned b = (in->mod >> 4) + cfg->jump_offset;
			bc->op = OP_CBRANCH;
			bc->imm |= 1ULL << b;
			if (b > 0)
				bc->imm &= ~(1ULL << (b - 1));
			bc->mask = ((1U << cfg->jump_bits) - 1) << b;
			bc->target = (uint8_t)(usage[dst] + 1);
			for (int r = 0; r < 8; r++)
				usage[r] = (int)i;
			break;
		}
		case PP_RX_CFROUND:
			bc->op = OP_CFROUND;
			bc->imm = in->imm32 & 63;
			break;
		case PP_RX_ISTORE:
			bc->op = OP_ISTORE;
			bc->mask = (in->mod >> 4) >= 14 ? vm->mask_l3 : mem_mask;
			break;
		default:
			bc->op = OP_NOP;
			break;
		}
#undef MEM_OPERAND
#undef REG_OR_IMM
	}
	memset(&vm->bc[cfg->program_size], 0, sizeof(vm->bc[0]));
	vm->bc[cfg->program_size].op = OP_END;
}

/* ---- floating point: two doubles per register -------------------------------------------- */
#ifdef HAVE_SSE2
typedef __m128d fv;
static inline fv fv_load_i32x2(const uint8_t *p)
{
	return _mm_cvtepi32_pd(_mm_loadl_epi64((const __m128i *)p));
}
static inline fv fv_bits(uint64_t lo, uint64_t hi)
{
	return _mm_castsi128_pd(_mm_set_epi64x((long long)hi, (long long)lo));
}
#define fv_add _mm_add_pd
#define fv_sub _mm_sub_pd
#define fv_mul _mm_mul_pd
#define fv_div _mm_div_pd
#define fv_sqrt _mm_sqrt_pd
#define fv_xor _mm_xor_pd
#define fv_and _mm_and_pd
#define fv_or _mm_or_pd
static inline fv fv_swap(fv x)
{
	return _mm_shuffle_pd(x, x, 1);
}
static inline void fv_store(void *p, fv x)
{
	_mm_storeu_pd((double *)p, x);
}
/* MXCSR rounding control (bits 13-14) uses the spec's fprc encoding directly. */
static inline unsigned fp_save(void)
{
	return _mm_getcsr();
}
static inline void fp_restore(unsigned s)
{
	_mm_setcsr(s);
}
static inline void fp_round(unsigned base, unsigned mode)
{
	_mm_setcsr((base & ~0x6000u) | (mode << 13));
}
#else
typedef struct {
	double lo, hi;
} fv;
static inline double bits_f(uint64_t u)
{
	double d;
	memcpy(&d, &u, 8);
	return d;
}
static inline uint64_t f_bits(double d)
{
	uint64_t u;
	memcpy(&u, &d, 8);
	return u;
}
static inline fv fv_load_i32x2(const uint8_t *p)
{
	int32_t v[2];
	memcpy(v, p, 8);
	return (fv){ v[0], v[1] };
}
static inline fv fv_bits(uint64_t lo, uint64_t hi)
{
	return (fv){ bits_f(lo), bits_f(hi) };
}
static inline fv fv_add(fv a, fv b) { return (fv){ a.lo + b.lo, a.hi + b.hi }; }
static inline fv fv_sub(fv a, fv b) { return (fv){ a.lo - b.lo, a.hi - b.hi }; }
static inline fv fv_mul(fv a, fv b) { return (fv){ a.lo * b.lo, a.hi * b.hi }; }
static inline fv fv_div(fv a, fv b) { return (fv){ a.lo / b.lo, a.hi / b.hi }; }
static inline fv fv_sqrt(fv a) { return (fv){ __builtin_sqrt(a.lo), __builtin_sqrt(a.hi) }; }
static inline fv fv_xor(fv a, fv b)
{
	return fv_bits(f_bits(a.lo) ^ f_bits(b.lo), f_bits(a.hi) ^ f_bits(b.hi));
}
static inline fv fv_and(fv a, fv b)
{
	return fv_bits(f_bits(a.lo) & f_bits(b.lo), f_bits(a.hi) & f_bits(b.hi));
}
static inline fv fv_or(fv a, fv b)
{
	return fv_bits(f_bits(a.lo) | f_bits(b.lo), f_bits(a.hi) | f_bits(b.hi));
}
static inline fv fv_swap(fv x) { return (fv){ x.hi, x.lo }; }
static inline void fv_store(void *p, fv x) { memcpy(p, &x, 16); }
static inline unsigned fp_save(void) { return (unsigned)fegetround(); }
static inline void fp_restore(unsigned s) { fesetround((int)s); }
static inline void fp_round(unsigned base, unsigned mode)
{
	static const int modes[4] = { FE_TONEAREST, FE_DOWNWARD, FE_UPWARD, FE_TOWARDZERO };
	(void)base;
	fesetround(modes[mode]);
}
#endif

static inline uint64_t load64(const uint8_t *p)
{
	uint64_t v;
	memcpy(&v, p, 8);
	return v;
}

static inline void store64(uint8_t *p, uint64_t v)
{
	memcpy(p, &v, 8);
}

static inline uint64_t rotr64(uint64_t x, unsigned n)
{
	return (x >> n) | (x << ((64 - n) & 63));
}

static inline uint64_t rotl64(uint64_t x, unsigned n)
{
	return (x << n) | (x >> ((64 - n) & 63));
}

static inline uint64_t mulh(uint64_t a, uint64_t b)
{
	return (uint64_t)(((unsigned __int128)a * b) >> 64);
}

static inline uint64_t smulh(uint64_t a, uint64_t b)
{
	return (uint64_t)(((__int128)(int64_t)a * (int64_t)b) >> 64);
}

/* Runs the compiled program under the rounding mode left by the previous program of the
 * hash (pp_rx_vm_hash() starts each hash at round-to-nearest and restores the caller's). */
void pp_rx_interp_run(struct pp_rx_vm *vm)
{
	static const void *const labels[OP_COUNT] = {
		[OP_IADD_RS] = &&iadd_rs, [OP_IADD_M] = &&iadd_m, [OP_ISUB_R] = &&isub_r,
		[OP_ISUB_I] = &&isub_i, [OP_ISUB_M] = &&isub_m, [OP_IMUL_R] = &&imul_r,
		[OP_IMUL_I] = &&imul_i, [OP_IMUL_M] = &&imul_m, [OP_IMULH_R] = &&imulh_r,
		[OP_IMULH_M] = &&imulh_m, [OP_ISMULH_R] = &&ismulh_r, [OP_ISMULH_M] = &&ismulh_m,
		[OP_INEG_R] = &&ineg_r, [OP_IXOR_R] = &&ixor_r, [OP_IXOR_I] = &&ixor_i,
		[OP_IXOR_M] = &&ixor_m, [OP_IROR_R] = &&iror_r, [OP_IROR_I] = &&iror_i,
		[OP_IROL_R] = &&irol_r, [OP_IROL_I] = &&irol_i, [OP_ISWAP_R] = &&iswap_r,
		[OP_FSWAP_R] = &&fswap_r, [OP_FADD_R] = &&fadd_r, [OP_FADD_M] = &&fadd_m,
		[OP_FSUB_R] = &&fsub_r, [OP_FSUB_M] = &&fsub_m, [OP_FSCAL_R] = &&fscal_r,
		[OP_FMUL_R] = &&fmul_r, [OP_FDIV_M] = &&fdiv_m, [OP_FSQRT_R] = &&fsqrt_r,
		[OP_CBRANCH] = &&cbranch, [OP_CFROUND] = &&cfround, [OP_ISTORE] = &&istore,
		[OP_NOP] = &&nop, [OP_END] = &&end,
	};
	const struct pp_rx_program_config *pc = &vm->pcfg;
	const struct pp_rx_bc *const code = vm->bc;
	uint8_t *const sp = vm->scratchpad;
	const uint32_t l3line = vm->mask_l3_line, line_mask = vm->line_mask;
	const uint8_t *const dataset = vm->dataset;
	const unsigned csr = fp_save();
	const fv e_and = fv_bits((1ULL << 56) - 1, (1ULL << 56) - 1); /* fraction + 4 exp bits */
	const fv e_or = fv_bits(pc->emask[0], pc->emask[1]);
	const fv scal = fv_bits(0x80F0000000000000ULL, 0x80F0000000000000ULL);
	const unsigned rr0 = pc->read_reg[0], rr1 = pc->read_reg[1];
	const unsigned rr2 = pc->read_reg[2], rr3 = pc->read_reg[3];
	uint64_t r[9] = { 0 };
	fv fe[8]; /* f0-f3, e0-e3 */
	fv a[4];
	for (int i = 0; i < 4; i++)
		a[i] = fv_bits(pc->a[2 * i], pc->a[2 * i + 1]);
	uint32_t ma = pc->ma, mx = pc->mx;
	uint32_t sp0 = mx, sp1 = ma;
	const struct pp_rx_bc *bc;
	uint32_t ic = vm->cfg->program_iterations;

#define DISPATCH() goto *labels[bc->op]
#define NEXT()         \
	do {           \
		bc++;  \
		DISPATCH(); \
	} while (0)
#define MEM(b) (sp + (uint32_t)((r[(b)->src] + (b)->imm) & (b)->mask))

iteration:;
	const uint64_t mix = r[rr0] ^ r[rr1];
	sp0 = (sp0 ^ (uint32_t)mix) & l3line;
	sp1 = (sp1 ^ (uint32_t)(mix >> 32)) & l3line;
	for (int i = 0; i < 8; i++)
		r[i] ^= load64(sp + sp0 + 8 * i);
	for (int i = 0; i < 4; i++) {
		fe[i] = fv_load_i32x2(sp + sp1 + 8 * i);
		fe[4 + i] = fv_or(fv_and(fv_load_i32x2(sp + sp1 + 32 + 8 * i), e_and), e_or);
	}
	bc = code;
	DISPATCH();

iadd_rs:
	r[bc->dst] += (r[bc->src] << bc->target) + bc->imm;
	NEXT();
iadd_m:
	r[bc->dst] += load64(MEM(bc));
	NEXT();
isub_r:
	r[bc->dst] -= r[bc->src];
	NEXT();
isub_i:
	r[bc->dst] -= bc->imm;
	NEXT();
isub_m:
	r[bc->dst] -= load64(MEM(bc));
	NEXT();
imul_r:
	r[bc->dst] *= r[bc->src];
	NEXT();
imul_i:
	r[bc->dst] *= bc->imm;
	NEXT();
imul_m:
	r[bc->dst] *= load64(MEM(bc));
	NEXT();
imulh_r:
	r[bc->dst] = mulh(r[bc->dst], r[bc->src]);
	NEXT();
imulh_m:
	r[bc->dst] = mulh(r[bc->dst], load64(MEM(bc)));
	NEXT();
ismulh_r:
	r[bc->dst] = smulh(r[bc->dst], r[bc->src]);
	NEXT();
ismulh_m:
	r[bc->dst] = smulh(r[bc->dst], load64(MEM(bc)));
	NEXT();
ineg_r:
	r[bc->dst] = 0 - r[bc->dst];
	NEXT();
ixor_r:
	r[bc->dst] ^= r[bc->src];
	NEXT();
ixor_i:
	r[bc->dst] ^= bc->imm;
	NEXT();
ixor_m:
	r[bc->dst] ^= load64(MEM(bc));
	NEXT();
iror_r:
	r[bc->dst] = rotr64(r[bc->dst], r[bc->src] & 63);
	NEXT();
iror_i:
	r[bc->dst] = rotr64(r[bc->dst], (unsigned)bc->imm);
	NEXT();
irol_r:
	r[bc->dst] = rotl64(r[bc->dst], r[bc->src] & 63);
	NEXT();
irol_i:
	r[bc->dst] = rotl64(r[bc->dst], (unsigned)bc->imm);
	NEXT();
iswap_r: {
	const uint64_t t = r[bc->src];
	r[bc->src] = r[bc->dst];
	r[bc->dst] = t;
	NEXT();
}
fswap_r:
	fe[bc->dst] = fv_swap(fe[bc->dst]);
	NEXT();
fadd_r:
	fe[bc->dst] = fv_add(fe[bc->dst], a[bc->src]);
	NEXT();
fadd_m:
	fe[bc->dst] = fv_add(fe[bc->dst], fv_load_i32x2(MEM(bc)));
	NEXT();
fsub_r:
	fe[bc->dst] = fv_sub(fe[bc->dst], a[bc->src]);
	NEXT();
fsub_m:
	fe[bc->dst] = fv_sub(fe[bc->dst], fv_load_i32x2(MEM(bc)));
	NEXT();
fscal_r:
	fe[bc->dst] = fv_xor(fe[bc->dst], scal);
	NEXT();
fmul_r:
	fe[bc->dst] = fv_mul(fe[bc->dst], a[bc->src]);
	NEXT();
fdiv_m:
	fe[bc->dst] = fv_div(fe[bc->dst], fv_or(fv_and(fv_load_i32x2(MEM(bc)), e_and), e_or));
	NEXT();
fsqrt_r:
	fe[bc->dst] = fv_sqrt(fe[bc->dst]);
	NEXT();
cbranch:
	r[bc->dst] += bc->imm;
	if ((r[bc->dst] & bc->mask) == 0) {
		bc = code + bc->target;
		DISPATCH();
	}
	NEXT();
cfround:
	fp_round(csr, (unsigned)rotr64(r[bc->src], (unsigned)bc->imm) & 3);
	NEXT();
istore:
	store64(sp + (uint32_t)((r[bc->dst] + bc->imm) & bc->mask), r[bc->src]);
	NEXT();
nop:
	NEXT();

end:
	/* Dataset read for this iteration, prefetch for the next (spec 4.6.2 steps 5-8). */
	mx ^= (uint32_t)(r[rr2] ^ r[rr3]);
	mx &= line_mask;
	if (dataset) {
		__builtin_prefetch(dataset + pc->dataset_offset + mx, 0, 0);
		const uint8_t *item = dataset + pc->dataset_offset + ma;
		for (int i = 0; i < 8; i++)
			r[i] ^= load64(item + 8 * i);
	} else {
		uint64_t item[8];
		pp_rx_dataset_item(vm->cache, (pc->dataset_offset + ma) / 64, item);
		for (int i = 0; i < 8; i++)
			r[i] ^= item[i];
	}
	const uint32_t t = mx;
	mx = ma;
	ma = t;
	for (int i = 0; i < 8; i++)
		store64(sp + sp1 + 8 * i, r[i]);
	for (int i = 0; i < 4; i++) {
		fe[i] = fv_xor(fe[i], fe[4 + i]);
		fv_store(sp + sp0 + 16 * i, fe[i]);
	}
	sp0 = sp1 = 0;
	if (--ic)
		goto iteration;

	for (int i = 0; i < 8; i++)
		vm->regfile[i] = r[i];
	for (int i = 0; i < 8; i++)
		fv_store(&vm->regfile[8 + 2 * i], fe[i]);
	for (int i = 0; i < 4; i++)
		fv_store(&vm->regfile[24 + 2 * i], a[i]);
#undef DISPATCH
#undef NEXT
#undef MEM
}
