/* SuperscalarHash generation and execution, written from the RandomX specification chapter 6
 * (decoder, ports, operand rules); the exact order of generator draws follows the reference
 * implementation, which the specification defers to. */
#include "kernels/randomx/superscalar.h"

#include <stdbool.h>
#include <string.h>

/* ---- the reference CPU ------------------------------------------------------------ */

enum { P0 = 1, P1 = 2, P5 = 4, P01 = P0 | P1, P05 = P0 | P5, P015 = P0 | P1 | P5 };

/* A macro-op: its latency and the ports of its 0-2 micro-ops (both must issue together). */
struct mop {
	uint8_t latency;
	uint8_t uop1, uop2;     /* 0 = none; uop1 0 means eliminated (mov r,r) */
	bool dependent;         /* waits for the previous macro-op (IMUL_RCP's imul) */
};

static const struct mop mop_sub_rr = { 1, P015, 0, false };
static const struct mop mop_xor_rr = { 1, P015, 0, false };
static const struct mop mop_lea_sib = { 1, P01, 0, false };
static const struct mop mop_imul_rr = { 3, P1, 0, false };
static const struct mop mop_ror_ri = { 1, P05, 0, false };
static const struct mop mop_add_ri = { 1, P015, 0, false };
static const struct mop mop_xor_ri = { 1, P015, 0, false };
static const struct mop mop_mov_rr = { 0, 0, 0, false };
static const struct mop mop_mul_r = { 4, P1, P5, false };
static const struct mop mop_imul_r = { 4, P1, P5, false };
static const struct mop mop_mov_ri64 = { 1, P015, 0, false };
static const struct mop mop_imul_rr_dep = { 3, P1, 0, true };

/* Per instruction type: its macro-ops and which of them reads the source, picks the
 * destination and writes the result (-1: never). */
struct info {
	int nops;
	const struct mop *ops[3];
	int src_op, dst_op, result_op;
};

static const struct info infos[PP_RX_SS_TYPES] = {
	[PP_RX_SS_ISUB_R] = { 1, { &mop_sub_rr }, 0, 0, 0 },
	[PP_RX_SS_IXOR_R] = { 1, { &mop_xor_rr }, 0, 0, 0 },
	[PP_RX_SS_IADD_RS] = { 1, { &mop_lea_sib }, 0, 0, 0 },
	[PP_RX_SS_IMUL_R] = { 1, { &mop_imul_rr }, 0, 0, 0 },
	[PP_RX_SS_IROR_C] = { 1, { &mop_ror_ri }, -1, 0, 0 },
	[PP_RX_SS_IADD_C7] = { 1, { &mop_add_ri }, -1, 0, 0 },
	[PP_RX_SS_IADD_C8] = { 1, { &mop_add_ri }, -1, 0, 0 },
	[PP_RX_SS_IADD_C9] = { 1, { &mop_add_ri }, -1, 0, 0 },
	[PP_RX_SS_IXOR_C7] = { 1, { &mop_xor_ri }, -1, 0, 0 },
	[PP_RX_SS_IXOR_C8] = { 1, { &mop_xor_ri }, -1, 0, 0 },
	[PP_RX_SS_IXOR_C9] = { 1, { &mop_xor_ri }, -1, 0, 0 },
	[PP_RX_SS_IMULH_R] = { 3, { &mop_mov_rr, &mop_mul_r, &mop_mov_rr }, 1, 0, 1 },
	[PP_RX_SS_ISMULH_R] = { 3, { &mop_mov_rr, &mop_imul_r, &mop_mov_rr }, 1, 0, 1 },
	[PP_RX_SS_IMUL_RCP] = { 2, { &mop_mov_ri64, &mop_imul_rr_dep }, -1, 1, 1 },
};

/* Decoder groups (spec table 6.3.1): slot sizes of one 16-byte decode cycle. */
struct group {
	int index, nslots;
	uint8_t slot[4];
};

static const struct group groups[6] = {
	{ 0, 3, { 4, 8, 4 } },
	{ 1, 4, { 7, 3, 3, 3 } },
	{ 2, 4, { 3, 7, 3, 3 } },
	{ 3, 3, { 4, 9, 3 } },
	{ 4, 4, { 4, 4, 4, 4 } },
	{ 5, 3, { 3, 3, 10 } },
};

#define NO_TYPE (-1)
#define LOOK_FORWARD 4
#define MAX_THROWAWAY 256
#define CYCLE_MAP (PP_RX_SUPERSCALAR_LATENCY_MAX + 4)
#define REG_NEEDS_DISPLACEMENT 5 /* r5 cannot be IADD_RS's destination (x86 lea) */

static bool is_mul(int type)
{
	return type == PP_RX_SS_IMUL_R || type == PP_RX_SS_IMULH_R ||
	       type == PP_RX_SS_ISMULH_R || type == PP_RX_SS_IMUL_RCP;
}

static const struct group *next_group(int type, int cycle, int mul_count,
				      struct pp_rx_blake2_gen *g)
{
	/* A 128-bit multiply decodes to 2 uops: the next group must be 3-3-10. */
	if (type == PP_RX_SS_IMULH_R || type == PP_RX_SS_ISMULH_R)
		return &groups[5];
	/* Keep the multiplier port busy: 4-4-4-4 while multiplies lag the cycle count. */
	if (mul_count < cycle + 1)
		return &groups[4];
	/* IMUL_RCP's imul needs a 4-byte slot first. */
	if (type == PP_RX_SS_IMUL_RCP)
		return (pp_rx_blake2_gen_byte(g) & 1) ? &groups[0] : &groups[3];
	return &groups[pp_rx_blake2_gen_byte(g) & 3];
}

/* The instruction being issued. */
struct cur {
	int type;               /* NO_TYPE: none (zero macro-ops) */
	int src, dst;
	uint8_t mod;
	uint32_t imm32;
	int group;              /* the "operation group" for the repeat rule */
	int32_t group_par;
	bool can_reuse;         /* dst may equal src */
	bool par_is_src;
};

struct reg {
	int latency;            /* cycle its value is ready */
	int last_group;
	int32_t last_par;
};

static int cur_nops(const struct cur *c)
{
	return c->type == NO_TYPE ? 0 : infos[c->type].nops;
}

static void create(struct cur *c, int type, struct pp_rx_blake2_gen *g)
{
	c->type = type;
	c->src = c->dst = -1;
	c->can_reuse = c->par_is_src = false;
	c->mod = 0;
	c->imm32 = 0;
	switch (type) {
	case PP_RX_SS_ISUB_R:
		c->group = PP_RX_SS_IADD_RS; /* a - b and a + (b << s) count as one group */
		c->par_is_src = true;
		break;
	case PP_RX_SS_IXOR_R:
		c->group = PP_RX_SS_IXOR_R;
		c->par_is_src = true;
		break;
	case PP_RX_SS_IADD_RS:
		c->mod = pp_rx_blake2_gen_byte(g);
		c->group = PP_RX_SS_IADD_RS;
		c->par_is_src = true;
		break;
	case PP_RX_SS_IMUL_R:
		c->group = PP_RX_SS_IMUL_R;
		c->par_is_src = true;
		break;
	case PP_RX_SS_IROR_C:
		do
			c->imm32 = pp_rx_blake2_gen_byte(g) & 63;
		while (c->imm32 == 0);
		c->group = PP_RX_SS_IROR_C;
		c->group_par = -1;
		break;
	case PP_RX_SS_IADD_C7:
	case PP_RX_SS_IADD_C8:
	case PP_RX_SS_IADD_C9:
		c->imm32 = pp_rx_blake2_gen_u32(g);
		c->group = PP_RX_SS_IADD_C7;
		c->group_par = -1;
		break;
	case PP_RX_SS_IXOR_C7:
	case PP_RX_SS_IXOR_C8:
	case PP_RX_SS_IXOR_C9:
		c->imm32 = pp_rx_blake2_gen_u32(g);
		c->group = PP_RX_SS_IXOR_C7;
		c->group_par = -1;
		break;
	case PP_RX_SS_IMULH_R:
	case PP_RX_SS_ISMULH_R:
		c->can_reuse = true;
		c->group = type;
		/* A random parameter: two high multiplies in a row are always allowed. */
		c->group_par = (int32_t)pp_rx_blake2_gen_u32(g);
		break;
	case PP_RX_SS_IMUL_RCP:
		do
			c->imm32 = pp_rx_blake2_gen_u32(g);
		while ((c->imm32 & (c->imm32 - 1)) == 0); /* not 0, not a power of 2 */
		c->group = PP_RX_SS_IMUL_RCP;
		c->group_par = -1;
		break;
	}
}

static void create_for_slot(struct cur *c, struct pp_rx_blake2_gen *g, int slot, int group_index,
			    bool is_last)
{
	static const int slot3[2] = { PP_RX_SS_ISUB_R, PP_RX_SS_IXOR_R };
	static const int slot3l[4] = { PP_RX_SS_ISUB_R, PP_RX_SS_IXOR_R, PP_RX_SS_IMULH_R,
				       PP_RX_SS_ISMULH_R };
	static const int slot4[2] = { PP_RX_SS_IROR_C, PP_RX_SS_IADD_RS };
	static const int slot7[2] = { PP_RX_SS_IXOR_C7, PP_RX_SS_IADD_C7 };
	static const int slot8[2] = { PP_RX_SS_IXOR_C8, PP_RX_SS_IADD_C8 };
	static const int slot9[2] = { PP_RX_SS_IXOR_C9, PP_RX_SS_IADD_C9 };
	switch (slot) {
	case 3:
		if (is_last)
			create(c, slot3l[pp_rx_blake2_gen_byte(g) & 3], g);
		else
			create(c, slot3[pp_rx_blake2_gen_byte(g) & 1], g);
		break;
	case 4:
		/* The 4-4-4-4 group issues multiplies in all but its last slot. */
		if (group_index == 4 && !is_last)
			create(c, PP_RX_SS_IMUL_R, g);
		else
			create(c, slot4[pp_rx_blake2_gen_byte(g) & 1], g);
		break;
	case 7:
		create(c, slot7[pp_rx_blake2_gen_byte(g) & 1], g);
		break;
	case 8:
		create(c, slot8[pp_rx_blake2_gen_byte(g) & 1], g);
		break;
	case 9:
		create(c, slot9[pp_rx_blake2_gen_byte(g) & 1], g);
		break;
	default: /* 10 */
		create(c, PP_RX_SS_IMUL_RCP, g);
		break;
	}
}

static bool select_register(const int *avail, int n, struct pp_rx_blake2_gen *g, int *reg)
{
	if (n == 0)
		return false;
	int i = n > 1 ? (int)(pp_rx_blake2_gen_u32(g) % (uint32_t)n) : 0;
	*reg = avail[i];
	return true;
}

static bool select_source(struct cur *c, int cycle, const struct reg regs[8],
			  struct pp_rx_blake2_gen *g)
{
	int avail[8], n = 0;
	for (int i = 0; i < 8; i++)
		if (regs[i].latency <= cycle)
			avail[n++] = i;
	/* With only two candidates and r5 among them, r5 must be IADD_RS's source. */
	if (n == 2 && c->type == PP_RX_SS_IADD_RS &&
	    (avail[0] == REG_NEEDS_DISPLACEMENT || avail[1] == REG_NEEDS_DISPLACEMENT)) {
		c->src = REG_NEEDS_DISPLACEMENT;
		c->group_par = REG_NEEDS_DISPLACEMENT;
		return true;
	}
	if (!select_register(avail, n, g, &c->src))
		return false;
	if (c->par_is_src)
		c->group_par = c->src;
	return true;
}

static bool select_destination(struct cur *c, int cycle, bool allow_chained_mul,
			       const struct reg regs[8], struct pp_rx_blake2_gen *g)
{
	int avail[8], n = 0;
	for (int i = 0; i < 8; i++) {
		const struct reg *r = &regs[i];
		if (r->latency > cycle)
			continue;               /* not ready */
		if (!c->can_reuse && i == c->src)
			continue;               /* no r ^= r, r -= r */
		if (!allow_chained_mul && c->group == PP_RX_SS_IMUL_R &&
		    r->last_group == PP_RX_SS_IMUL_R)
			continue;               /* no runs of multiplies (trailing zeroes) */
		if (r->last_group == c->group && r->last_par == c->group_par)
			continue;               /* no foldable repeats */
		if (c->type == PP_RX_SS_IADD_RS && i == REG_NEEDS_DISPLACEMENT)
			continue;
		avail[n++] = i;
	}
	return select_register(avail, n, g, &c->dst);
}

/* Earliest cycle >= cycle where a micro-op fits, trying P5, P0, P1 in that order so that
 * any-port operations leave P1 to the multiplier; commit marks the port busy. */
static int schedule_uop(int uop, uint8_t busy[CYCLE_MAP][3], int cycle, int cycles, bool commit)
{
	for (; cycle < cycles; cycle++) {
		if ((uop & P5) && !busy[cycle][2]) {
			if (commit)
				busy[cycle][2] = 1;
			return cycle;
		}
		if ((uop & P0) && !busy[cycle][0]) {
			if (commit)
				busy[cycle][0] = 1;
			return cycle;
		}
		if ((uop & P1) && !busy[cycle][1]) {
			if (commit)
				busy[cycle][1] = 1;
			return cycle;
		}
	}
	return -1;
}

static int schedule_mop(const struct mop *m, uint8_t busy[CYCLE_MAP][3], int cycle, int dep_cycle,
			int cycles, bool commit)
{
	if (m->dependent && dep_cycle > cycle)
		cycle = dep_cycle;
	if (m->uop1 == 0)
		return cycle; /* eliminated: needs no port */
	if (m->uop2 == 0)
		return schedule_uop(m->uop1, busy, cycle, cycles, commit);
	/* Two micro-ops: both in the same cycle. */
	for (; cycle < cycles; cycle++) {
		int c1 = schedule_uop(m->uop1, busy, cycle, cycles, false);
		int c2 = schedule_uop(m->uop2, busy, cycle, cycles, false);
		if (c1 == c2) {
			if (commit) {
				schedule_uop(m->uop1, busy, c1, cycles, true);
				schedule_uop(m->uop2, busy, c2, cycles, true);
			}
			return c1;
		}
	}
	return -1;
}

uint64_t pp_rx_reciprocal(uint32_t d)
{
	int bits = 32 - __builtin_clz(d); /* 2^(bits-1) < d < 2^bits */
	unsigned __int128 num = (unsigned __int128)1 << (63 + bits);
	return (uint64_t)(num / d);
}

#define ZERO_REG 8

static void predecode(struct pp_rx_ss_program *p)
{
	for (uint32_t i = 0; i < p->size; i++) {
		const struct pp_rx_ss_instr *in = &p->instr[i];
		struct pp_rx_ss_op *op = &p->ops[i];
		const uint64_t imm = (uint64_t)(int64_t)(int32_t)in->imm32;
		memset(op, 0, sizeof(*op));
		op->dst = in->dst;
		op->src = in->src;
		switch (in->type) {
		case PP_RX_SS_ISUB_R:
			op->cls = PP_RX_SS_C_ADD;
			op->neg = ~0ULL;
			break;
		case PP_RX_SS_IADD_RS:
			op->cls = PP_RX_SS_C_ADD;
			op->sh = (in->mod >> 2) & 3;
			break;
		case PP_RX_SS_IADD_C7:
		case PP_RX_SS_IADD_C8:
		case PP_RX_SS_IADD_C9:
			op->cls = PP_RX_SS_C_ADD;
			op->src = ZERO_REG;
			op->imm = imm;
			break;
		case PP_RX_SS_IXOR_R:
			op->cls = PP_RX_SS_C_XOR;
			break;
		case PP_RX_SS_IXOR_C7:
		case PP_RX_SS_IXOR_C8:
		case PP_RX_SS_IXOR_C9:
			op->cls = PP_RX_SS_C_XOR;
			op->src = ZERO_REG;
			op->imm = imm;
			break;
		case PP_RX_SS_IMUL_R:
			op->cls = PP_RX_SS_C_MUL;
			break;
		case PP_RX_SS_IMUL_RCP:
			op->cls = PP_RX_SS_C_MUL;
			op->src = ZERO_REG;
			op->imm = pp_rx_reciprocal(in->imm32);
			break;
		case PP_RX_SS_IROR_C:
			op->cls = PP_RX_SS_C_ROR;
			op->sh = in->imm32 & 63;
			break;
		case PP_RX_SS_IMULH_R:
			op->cls = PP_RX_SS_C_MULH;
			break;
		case PP_RX_SS_ISMULH_R:
			op->cls = PP_RX_SS_C_SMULH;
			break;
		}
	}
}

void pp_rx_ss_generate(struct pp_rx_ss_program *p, struct pp_rx_blake2_gen *g, uint32_t latency)
{
	uint8_t busy[CYCLE_MAP][3];
	struct reg regs[8];
	struct cur c = { .type = NO_TYPE };
	const int target = (int)latency, cycles = (int)latency + 4;
	const uint32_t max_size = 3 * latency + 2;
	int mop_index = 0, cycle = 0, dep_cycle = 0, mul_count = 0, throwaways = 0;
	bool saturated = false;
	uint32_t size = 0;

	memset(busy, 0, sizeof(busy));
	for (int i = 0; i < 8; i++)
		regs[i] = (struct reg){ .latency = 0, .last_group = NO_TYPE, .last_par = -1 };

	/* One decode cycle (16 bytes of reference-CPU code) per outer iteration, until a port
	 * is saturated past the target latency or the program is full. */
	for (int dcycle = 0; dcycle < target && !saturated && size < max_size; dcycle++) {
		const struct group *grp = next_group(c.type, dcycle, mul_count, g);
		int slot = 0;
		while (slot < grp->nslots) {
			int top_cycle = cycle;
			if (mop_index >= cur_nops(&c)) {
				if (saturated || size >= max_size)
					break;
				create_for_slot(&c, g, grp->slot[slot], grp->index,
						slot + 1 == grp->nslots);
				mop_index = 0;
			}
			const struct info *inf = &infos[c.type];
			const struct mop *m = inf->ops[mop_index];
			int sched = schedule_mop(m, busy, cycle, dep_cycle, cycles, false);
			if (sched < 0) {
				saturated = true;
				break;
			}
			/* Operands must be ready when the macro-op executes; stall up to
			 * LOOK_FORWARD cycles, else throw the instruction away. */
			bool thrown = false, abort_group = false;
			if (mop_index == inf->src_op) {
				int fwd = 0;
				while (fwd < LOOK_FORWARD && !select_source(&c, sched, regs, g)) {
					sched++;
					cycle++;
					fwd++;
				}
				if (fwd == LOOK_FORWARD) {
					if (throwaways < MAX_THROWAWAY)
						thrown = true;
					else
						abort_group = true;
				}
			}
			if (!thrown && !abort_group && mop_index == inf->dst_op) {
				int fwd = 0;
				while (fwd < LOOK_FORWARD &&
				       !select_destination(&c, sched, throwaways > 0, regs, g)) {
					sched++;
					cycle++;
					fwd++;
				}
				if (fwd == LOOK_FORWARD) {
					if (throwaways < MAX_THROWAWAY)
						thrown = true;
					else
						abort_group = true;
				}
			}
			if (thrown) {
				throwaways++;
				mop_index = cur_nops(&c); /* pick another for this slot */
				continue;
			}
			if (abort_group) {
				c.type = NO_TYPE;
				break;
			}
			throwaways = 0;
			sched = schedule_mop(m, busy, sched, sched, cycles, true);
			dep_cycle = sched + m->latency;
			if (mop_index == inf->result_op) {
				struct reg *r = &regs[c.dst];
				r->latency = dep_cycle;
				r->last_group = c.group;
				r->last_par = c.group_par;
			}
			slot++;
			mop_index++;
			if (sched >= target)
				saturated = true;
			cycle = top_cycle;
			if (mop_index >= inf->nops) {
				struct pp_rx_ss_instr *out = &p->instr[size++];
				out->type = (uint8_t)c.type;
				out->dst = (uint8_t)c.dst;
				out->src = (uint8_t)(c.src >= 0 ? c.src : c.dst);
				out->mod = c.mod;
				out->imm32 = c.imm32;
				mul_count += is_mul(c.type);
			}
		}
		cycle++;
	}

	/* The address register: longest dependency chain with 1-cycle operations. */
	int lat[8] = { 0 };
	for (uint32_t i = 0; i < size; i++) {
		const struct pp_rx_ss_instr *in = &p->instr[i];
		int ld = lat[in->dst] + 1;
		int ls = in->dst != in->src ? lat[in->src] + 1 : 0;
		lat[in->dst] = ld > ls ? ld : ls;
	}
	int best = 0, addr = 0;
	for (int i = 0; i < 8; i++)
		if (lat[i] > best) {
			best = lat[i];
			addr = i;
		}
	p->size = size;
	p->addr_reg = (uint32_t)addr;
	predecode(p);
}

static inline uint64_t rotr(uint64_t x, unsigned n)
{
	return (x >> n) | (x << ((64 - n) & 63));
}

static inline uint64_t mulh(uint64_t a, uint64_t b)
{
	return (uint64_t)(((unsigned __int128)a * b) >> 64);
}

static inline uint64_t smulh(uint64_t a, uint64_t b)
{
	return (uint64_t)(((__int128)(int64_t)a * (int64_t)b) >> 64);
}

/* Why a tree of conditional branches and not a jump table or threaded code: 8 programs of
 * ~450 random instructions overflow the indirect-branch predictor, which then mispredicts
 * nearly every dispatch (measured here: 5-7 ns per instruction with computed goto or a
 * switch, 1.6-1.8 ns with this tree, whose branches the history-based conditional
 * predictor learns). */
static inline uint64_t ss_op(const struct pp_rx_ss_op *o, uint64_t d, uint64_t x)
{
	const unsigned c = o->cls;
	if (c <= PP_RX_SS_C_XOR) {
		if (c == PP_RX_SS_C_ADD)
			return d + (((x << o->sh) ^ o->neg) - o->neg);
		return d ^ x;
	}
	if (c == PP_RX_SS_C_MUL)
		return d * x;
	if (c == PP_RX_SS_C_ROR)
		return rotr(d, o->sh);
	if (c == PP_RX_SS_C_MULH)
		return mulh(d, x);
	return smulh(d, x);
}

void pp_rx_ss_execute(const struct pp_rx_ss_program *p, uint64_t r[8])
{
	uint64_t reg[9];
	memcpy(reg, r, 64);
	reg[ZERO_REG] = 0;
	for (uint32_t i = 0; i < p->size; i++) {
		const struct pp_rx_ss_op *o = &p->ops[i];
		reg[o->dst] = ss_op(o, reg[o->dst], reg[o->src] + o->imm);
	}
	memcpy(r, reg, 64);
}

/* Eight lanes (items) per register as one GCC vector: with AVX-512 each operation but the
 * high multiplies is one or a few instructions on all lanes; other CPUs get the same code
 * split into narrower vectors. The clone is picked at load time (ifunc), so the binary stays
 * portable. */
typedef uint64_t lanes_t __attribute__((vector_size(8 * PP_RX_SS_BATCH)));

#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
#define BATCH_CLONES __attribute__((target_clones("avx512f", "avx2", "default")))
#else
#define BATCH_CLONES
#endif

BATCH_CLONES
void pp_rx_ss_execute_batch(const struct pp_rx_ss_program *p, uint64_t r[8][PP_RX_SS_BATCH])
{
	
	lanes_t reg[9];
	memcpy(reg, r, sizeof(lanes_t) * 8);
	memset(&reg[ZERO_REG], 0, sizeof(lanes_t));
	for (uint32_t i = 0; i < p->size; i++) {
		const struct pp_rx_ss_op *o = &p->ops[i];
		lanes_t d = reg[o->dst];
		const lanes_t x = reg[o->src] + o->imm;
		const unsigned c = o->cls;
		/* The same branch tree as ss_op(): one decision per instruction for all lanes. */
		if (c <= PP_RX_SS_C_XOR) {
			if (c == PP_RX_SS_C_ADD)
				d += ((x << o->sh) ^ o->neg) - o->neg;
			else
				d ^= x;
		} else if (c == PP_RX_SS_C_MUL) {
			d *= x;
		} else if (c == PP_RX_SS_C_ROR) {
			d = (d >> o->sh) | (d << ((64 - o->sh) & 63));
		} else if (c == PP_RX_SS_C_MULH) {
			for (int k = 0; k < PP_RX_SS_BATCH; k++)
				d[k] = mulh(d[k], x[k]);
		} else {
			for (int k = 0; k < PP_RX_SS_BATCH; k++)
				d[k] = smulh(d[k], x[k]);
		}
		reg[o->dst] = d;
	}
	memcpy(r, reg, sizeof(lanes_t) * 8);
}
