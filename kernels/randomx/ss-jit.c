/* SuperscalarHash JIT for x86-64 (see ss-jit.h). Register use in the generated code:
 * r8..r15 hold the item's r0..r7, rax and rdx are the multiplies' scratch, rcx points at the
 * cache item of the program being run, rbx is the cache base and rbp the item mask. */
#include "kernels/randomx/ss-jit.h"

#include "core/jit-buf.h"

#include <errno.h>
#include <stdlib.h>

/* Items per group in the run entry point: a cache read is issued GROUP - 1 program
 * executions before it is needed, which covers a DRAM miss. Measured per thread on a
 * Sapphire Rapids VM: 1 item 0.8 M items/s, 2: 1.1-1.5 M, 3 to 16: 1.2-1.7 M (8 best). */
#define GROUP 8
#define GROUP_MAX 16    /* the run entry's stack frame holds this many cache pointers */
_Static_assert(GROUP >= 1 && GROUP <= GROUP_MAX, "group must fit the run entry's frame");

typedef void (*run_fn)(uint64_t *out, uint64_t first, uint64_t n);

struct pp_rx_ss_jit {
	struct pp_jit_buf buf;
	pp_rx_ss_item_fn one;
	run_fn run;             /* 1..GROUP_MAX consecutive items */
};

#if defined(__x86_64__)

enum { RAX, RCX, RDX, RBX, RSP, RBP, RSI, RDI, R8 };

/* Machine register of SuperscalarHash register i. */
#define SSR(i) (R8 + (i))

static void rex_w(struct pp_jit_buf *b, int reg, int index, int rm)
{
	pp_jit_u8(b, 0x48 | (reg & 8) >> 1 | (index & 8) >> 2 | (rm & 8) >> 3);
}

/* op with ModRM register form: `reg` in the reg field, `rm` in r/m. */
static void op_rr(struct pp_jit_buf *b, uint8_t op, int reg, int rm)
{
	rex_w(b, reg, 0, rm);
	pp_jit_u8(b, op);
	pp_jit_u8(b, 0xc0 | (reg & 7) << 3 | (rm & 7));
}

/* op with a [base + disp] operand (rsp/r12 need a SIB byte, rbp/r13 a displacement). */
static void op_rm(struct pp_jit_buf *b, const uint8_t *op, int nop, int reg, int base,
		  int32_t disp)
{
	rex_w(b, reg, 0, base);
	pp_jit_emit(b, op, (size_t)nop);
	const bool d8 = disp >= -128 && disp <= 127;
	const uint8_t mod = disp == 0 && (base & 7) != RBP ? 0x00 : d8 ? 0x40 : 0x80;
	pp_jit_u8(b, mod | (reg & 7) << 3 | (base & 7));
	if ((base & 7) == RSP)
		pp_jit_u8(b, 0x24);
	if (mod == 0x40)
		pp_jit_u8(b, (uint8_t)disp);
	else if (mod == 0x80)
		pp_jit_u32(b, (uint32_t)disp);
}

static void load(struct pp_jit_buf *b, int dst, int base, int32_t disp)
{
	op_rm(b, (const uint8_t[]){ 0x8b }, 1, dst, base, disp);
}

static void store(struct pp_jit_buf *b, int base, int32_t disp, int src)
{
	op_rm(b, (const uint8_t[]){ 0x89 }, 1, src, base, disp);
}

/* imul d, s (two-operand: reg field is the destination) */
static void imul_rr(struct pp_jit_buf *b, int d, int s)
{
	rex_w(b, d, 0, s);
	PP_JIT_BYTES(b, 0x0f, 0xaf);
	pp_jit_u8(b, 0xc0 | (d & 7) << 3 | (s & 7));
}

static void mov_imm64(struct pp_jit_buf *b, int dst, uint64_t v)
{
	rex_w(b, 0, 0, dst);
	pp_jit_u8(b, 0xb8 | (dst & 7));
	pp_jit_u64(b, v);
}

static void push_pop(struct pp_jit_buf *b, uint8_t op, int r)
{
	if (r & 8)
		pp_jit_u8(b, 0x41);
	pp_jit_u8(b, op | (r & 7));
}

/* rcx = base + 64 * (reg & mask), then prefetch it. */
static void cache_addr(struct pp_jit_buf *b, int reg)
{
	op_rr(b, 0x89, reg, RCX);               /* mov rcx, reg */
	op_rr(b, 0x21, RBP, RCX);               /* and rcx, rbp */
	op_rr(b, 0xc1, 4, RCX);                 /* shl rcx, 6 */
	pp_jit_u8(b, 6);
	op_rr(b, 0x01, RBX, RCX);               /* add rcx, rbx */
	PP_JIT_BYTES(b, 0x0f, 0x18, 0x09);      /* prefetcht0 [rcx] */
}

static void program(struct pp_jit_buf *b, const struct pp_rx_ss_program *p)
{
	for (uint32_t i = 0; i < p->size; i++) {
		const struct pp_rx_ss_instr *in = &p->instr[i];
		const int d = SSR(in->dst), s = SSR(in->src);
		switch (in->type) {
		case PP_RX_SS_ISUB_R:
			op_rr(b, 0x29, s, d);
			break;
		case PP_RX_SS_IXOR_R:
			op_rr(b, 0x31, s, d);
			break;
		case PP_RX_SS_IADD_RS:
			/* lea d, [d + s << shift]; r13 as base needs a zero disp8. */
			rex_w(b, d, s, d);
			pp_jit_u8(b, 0x8d);
			pp_jit_u8(b, ((d & 7) == RBP ? 0x44 : 0x04) | (d & 7) << 3);
			pp_jit_u8(b, (uint8_t)(((in->mod >> 2) & 3) << 6 | (s & 7) << 3 | (d & 7)));
			if ((d & 7) == RBP)
				pp_jit_u8(b, 0);
			break;
		case PP_RX_SS_IMUL_R:
			imul_rr(b, d, s);
			break;
		case PP_RX_SS_IROR_C:
			op_rr(b, 0xc1, 1, d);
			pp_jit_u8(b, in->imm32 & 63);
			break;
		case PP_RX_SS_IADD_C7:
		case PP_RX_SS_IADD_C8:
		case PP_RX_SS_IADD_C9:
			op_rr(b, 0x81, 0, d);   /* imm32, sign-extended as the spec wants */
			pp_jit_u32(b, in->imm32);
			break;
		case PP_RX_SS_IXOR_C7:
		case PP_RX_SS_IXOR_C8:
		case PP_RX_SS_IXOR_C9:
			op_rr(b, 0x81, 6, d);
			pp_jit_u32(b, in->imm32);
			break;
		case PP_RX_SS_IMULH_R:
		case PP_RX_SS_ISMULH_R:
			op_rr(b, 0x89, d, RAX);                 /* mov rax, d */
			op_rr(b, 0xf7, in->type == PP_RX_SS_IMULH_R ? 4 : 5, s); /* (i)mul s */
			op_rr(b, 0x89, RDX, d);                 /* mov d, rdx */
			break;
		case PP_RX_SS_IMUL_RCP:
			mov_imm64(b, RAX, pp_rx_reciprocal(in->imm32));
			imul_rr(b, d, RAX);
			break;
		}
	}
}

static void xor_cache_item(struct pp_jit_buf *b)
{
	for (int q = 0; q < 8; q++)
		op_rm(b, (const uint8_t[]){ 0x33 }, 1, SSR(q), RCX, 8 * q);
}

static const int saved[] = { RBX, RBP, R8 + 4, R8 + 5, R8 + 6, R8 + 7 };
#define NSAVED (int)(sizeof(saved) / sizeof(saved[0]))

static void prologue(struct pp_jit_buf *b, const struct pp_rx_cache *c)
{
	for (int i = 0; i < NSAVED; i++)
		push_pop(b, 0x50, saved[i]);
	mov_imm64(b, RBX, (uint64_t)(uintptr_t)c->words);
	mov_imm64(b, RBP, c->item_mask);
}

static void epilogue(struct pp_jit_buf *b)
{
	for (int i = NSAVED - 1; i >= 0; i--)
		push_pop(b, 0x58, saved[i]);
	pp_jit_u8(b, 0xc3);
}

/* Registers of item rsi (spec 7.3 step 1): r0 = (item + 1) * mul, ri = r0 ^ const, into
 * r8..r15, or stored at [rdi] when `to_mem`. */
static void item_init(struct pp_jit_buf *b, bool to_mem)
{
	op_rm(b, (const uint8_t[]){ 0x8d }, 1, RAX, RSI, 1);   /* lea rax, [rsi + 1] */
	mov_imm64(b, RDX, PP_RX_ITEM_MUL);
	imul_rr(b, RAX, RDX);
	for (int q = 0; q < 8; q++) {
		const int r = to_mem ? RDX : SSR(q);
		if (q == 0) {
			op_rr(b, 0x89, RAX, r);
		} else {
			mov_imm64(b, r, pp_rx_item_xor[q - 1]);
			op_rr(b, 0x31, RAX, r);
		}
		if (to_mem)
			store(b, RDI, 8 * q, r);
	}
}

static void emit_one(struct pp_jit_buf *b, const struct pp_rx_cache *c)
{
	const uint32_t n = c->cfg->cache_accesses;
	prologue(b, c);
	item_init(b, false);
	cache_addr(b, RSI);
	for (uint32_t i = 0; i < n; i++) {
		program(b, &c->prog[i]);
		xor_cache_item(b);
		if (i + 1 < n)
			cache_addr(b, SSR(c->prog[i].addr_reg));
	}
	for (int q = 0; q < 8; q++)
		store(b, RDI, 8 * q, SSR(q));
	epilogue(b);
}

/* Stack frame of the run entry point. */
#define F_OUT 0                 /* out */
#define F_END 8                 /* out + 64 n */
#define F_PTR 16                /* the cache item pointer of each item */
#define F_SIZE (F_PTR + 8 * GROUP_MAX) /* no calls are made, so no alignment is kept */

/* cmp rdi, [rsp + F_END]; jb `to` */
static void loop_back(struct pp_jit_buf *b, size_t to)
{
	op_rm(b, (const uint8_t[]){ 0x3b }, 1, RDI, RSP, F_END);
	PP_JIT_BYTES(b, 0x0f, 0x82);
	pp_jit_u32(b, (uint32_t)(to - (b->len + 4)));
}

static void emit_run(struct pp_jit_buf *b, const struct pp_rx_cache *c)
{
	const uint32_t n = c->cfg->cache_accesses;
	prologue(b, c);
	op_rr(b, 0x81, 5, RSP);                                 /* sub rsp, F_SIZE */
	pp_jit_u32(b, F_SIZE);
	store(b, RSP, F_OUT, RDI);
	op_rr(b, 0xc1, 4, RDX);                                 /* shl rdx, 6 */
	pp_jit_u8(b, 6);
	op_rr(b, 0x01, RDI, RDX);                               /* add rdx, rdi */
	store(b, RSP, F_END, RDX);
	op_rm(b, (const uint8_t[]){ 0x8d }, 1, R8, RSP, F_PTR); /* lea r8, [rsp + F_PTR] */

	/* Each item's registers go straight to its output slot, which is its state. */
	size_t top = b->len;
	item_init(b, true);
	cache_addr(b, RSI);
	store(b, R8, 0, RCX);
	op_rm(b, (const uint8_t[]){ 0x8d }, 1, RSI, RSI, 1);   /* lea rsi, [rsi + 1] */
	op_rm(b, (const uint8_t[]){ 0x8d }, 1, R8, R8, 8);
	op_rm(b, (const uint8_t[]){ 0x8d }, 1, RDI, RDI, 64);
	loop_back(b, top);

	for (uint32_t i = 0; i < n; i++) {
		load(b, RDI, RSP, F_OUT);
		op_rm(b, (const uint8_t[]){ 0x8d }, 1, RSI, RSP, F_PTR);
		top = b->len;
		for (int q = 0; q < 8; q++)
			load(b, SSR(q), RDI, 8 * q);
		load(b, RCX, RSI, 0);
		program(b, &c->prog[i]);
		xor_cache_item(b);
		if (i + 1 < n) {
			cache_addr(b, SSR(c->prog[i].addr_reg));
			store(b, RSI, 0, RCX);
		}
		for (int q = 0; q < 8; q++)
			store(b, RDI, 8 * q, SSR(q));
		op_rm(b, (const uint8_t[]){ 0x8d }, 1, RSI, RSI, 8);
		op_rm(b, (const uint8_t[]){ 0x8d }, 1, RDI, RDI, 64);
		loop_back(b, top);
	}
	op_rr(b, 0x81, 0, RSP);                                 /* add rsp, F_SIZE */
	pp_jit_u32(b, F_SIZE);
	epilogue(b);
}

int pp_rx_ss_jit_new(const struct pp_rx_cache *c, bool rwx, struct pp_rx_ss_jit **out)
{
	if (out)
		*out = NULL;
	if (!out || !c || !c->words)
		return -EINVAL;
	struct pp_rx_ss_jit *j = calloc(1, sizeof(*j));
	if (!j)
		return -ENOMEM;
	/* Worst case: 14 bytes per instruction (IMUL_RCP), plus per program and entry. */
	const size_t per_entry = c->cfg->cache_accesses *
				 (PP_RX_SUPERSCALAR_SIZE_MAX * 14 + 256) + 1024;
	int err = pp_jit_buf_new(2 * per_entry, rwx, &j->buf);
	if (err) {
		free(j);
		return err;
	}
	err = pp_jit_buf_begin(&j->buf);
	if (err) {
		pp_rx_ss_jit_free(j);
		return err;
	}
	struct pp_jit_buf *b = &j->buf;
	emit_one(b, c);
	while (b->len % 64)
		pp_jit_u8(b, 0xcc);
	const size_t run_at = b->len;
	emit_run(b, c);
	err = pp_jit_buf_finish(b);
	if (err) {
		pp_rx_ss_jit_free(j);
		return err;
	}
	j->one = (pp_rx_ss_item_fn)(void *)b->code;
	j->run = (run_fn)(void *)(b->code + run_at);
	*out = j;
	return 0;
}

void pp_rx_ss_jit_free(struct pp_rx_ss_jit *j)
{
	if (!j)
		return;
	pp_jit_buf_free(&j->buf);
	free(j);
}

void pp_rx_ss_jit_items(const struct pp_rx_ss_jit *j, uint64_t first, uint64_t count,
			uint64_t *out)
{
	while (count >= GROUP) {
		j->run(out, first, GROUP);
		first += GROUP;
		count -= GROUP;
		out += 8 * GROUP;
	}
	if (count)
		j->run(out, first, count);
}

pp_rx_ss_item_fn pp_rx_ss_jit_item_fn(const struct pp_rx_ss_jit *j)
{
	return j->one;
}

const void *pp_rx_ss_jit_code(const struct pp_rx_ss_jit *j, size_t *len)
{
	if (len)
		*len = j->buf.len;
	return j->buf.code;
}

#else /* no back end for this CPU */

int pp_rx_ss_jit_new(const struct pp_rx_cache *c, bool rwx, struct pp_rx_ss_jit **out)
{
	(void)c;
	(void)rwx;
	if (out)
		*out = NULL;
	return -ENOTSUP;
}

void pp_rx_ss_jit_free(struct pp_rx_ss_jit *j)
{
	(void)j;
}

void pp_rx_ss_jit_items(const struct pp_rx_ss_jit *j, uint64_t first, uint64_t count,
			uint64_t *out)
{
	(void)j;
	(void)first;
	(void)count;
	(void)out;
}

pp_rx_ss_item_fn pp_rx_ss_jit_item_fn(const struct pp_rx_ss_jit *j)
{
	(void)j;
	return NULL;
}

const void *pp_rx_ss_jit_code(const struct pp_rx_ss_jit *j, size_t *len)
{
	(void)j;
	if (len)
		*len = 0;
	return NULL;
}

#endif
