/* cn/r program generation (Monero's variant4_random_math.h semantics): bytes from repeated
 * BLAKE-256 of a 32-byte seed holding the height pick opcodes and registers; a scheduler
 * for an abstract 3-ALU CPU (MUL 3 cycles, ADD and rotations 2, SUB and XOR 1) accepts an
 * instruction only when it keeps the program's latency near 45 cycles on every register,
 * then MUL/ROR padding raises the latency an ASIC would see. Every quirk below (which byte
 * is read when, which candidates are rejected) is consensus: tests-slow-4.txt pins it. */
#include "kernels/cryptonight/cn-r.h"
#include "kernels/crypto/blake256.h"

#include <stdbool.h>
#include <string.h>

#define TOTAL_LATENCY (15 * 3)
#define ALU_COUNT_MUL 1
#define ALU_COUNT 3

struct byte_source {
	uint8_t data[32];
	size_t pos;
};

/* Rehashes the whole buffer when fewer than `need` bytes are left. */
static void ensure(struct byte_source *b, size_t need)
{
	if (b->pos + need > sizeof(b->data)) {
		uint8_t h[32];
		pp_blake256(b->data, sizeof(b->data), h);
		memcpy(b->data, h, sizeof(h));
		b->pos = 0;
	}
}

static uint8_t next_byte(struct byte_source *b)
{
	ensure(b, 1);
	return b->data[b->pos++];
}

static bool is_rotation(int op)
{
	return op == PP_CNR_ROR || op == PP_CNR_ROL;
}

/* One attempt; returns the program size. */
static int generate_once(struct byte_source *b, struct pp_cnr_insn *code, bool *r8_used)
{
	static const int op_latency[6] = { 3, 2, 1, 2, 2, 1 };
	static const int asic_op_latency[6] = { 3, 1, 1, 1, 1, 1 };
	static const int op_alus[6] = { ALU_COUNT_MUL, ALU_COUNT, ALU_COUNT,
					ALU_COUNT,     ALU_COUNT, ALU_COUNT };
	int latency[PP_CNR_REGS] = { 0 }, asic_latency[PP_CNR_REGS] = { 0 };
	/* Per register: byte 0 = the instruction that last wrote it (its index), byte 1 = that
	 * opcode, byte 2 = the source's byte 0. The constant registers r4..r8 share one value,
	 * since the same op twice with two constants folds into one. */
	uint32_t inst_data[PP_CNR_REGS] = { 0, 1, 2, 3, 0xffffff, 0xffffff,
					    0xffffff, 0xffffff, 0xffffff };
	bool alu_busy[TOTAL_LATENCY + 1][ALU_COUNT];
	bool rotated[4] = { false };
	int rotate_count = 0, num_retries = 0, code_size = 0, total_iterations = 0;
	memset(alu_busy, 0, sizeof(alu_busy));
	*r8_used = false;

	while ((latency[0] < TOTAL_LATENCY || latency[1] < TOTAL_LATENCY ||
		latency[2] < TOTAL_LATENCY || latency[3] < TOTAL_LATENCY) &&
	       num_retries < 64) {
		if (++total_iterations > 256) /* guarantees termination */
			break;
		uint8_t c = next_byte(b);
		/* opcode bits: 0-2 MUL, 3 ADD, 4 SUB, 5 ROR/ROL (by the sign of the next byte),
		 * 6-7 XOR; then 2 bits of destination, 3 of source. */
		int op = c & 7;
		if (op == 5)
			op = (int8_t)next_byte(b) >= 0 ? PP_CNR_ROR : PP_CNR_ROL;
		else if (op >= 6)
			op = PP_CNR_XOR;
		else
			op = op <= 2 ? PP_CNR_MUL : op - 2;
		int dst = (c >> 3) & 3, src = (c >> 5) & 7;
		const int a = dst;
		int bsrc = src;

		/* ADD, SUB and XOR of a register with itself would be degenerate: use r8. */
		if ((op == PP_CNR_ADD || op == PP_CNR_SUB || op == PP_CNR_XOR) && a == bsrc)
			src = bsrc = 8;
		/* Two rotations in a row of one register fold into one. */
		if (is_rotation(op) && rotated[a])
			continue;
		/* The same op with the same source value twice folds too (except MUL). */
		if (op != PP_CNR_MUL &&
		    (inst_data[a] & 0xffff00) ==
			    ((uint32_t)op << 8) + ((inst_data[bsrc] & 255) << 16))
			continue;

		/* The earliest cycle an ALU of the right kind is free. */
		int next_latency = latency[a] > latency[bsrc] ? latency[a] : latency[bsrc];
		int alu = -1;
		while (next_latency < TOTAL_LATENCY) {
			for (int i = op_alus[op] - 1; i >= 0; --i) {
				if (alu_busy[next_latency][i])
					continue;
				/* ADD is two 1-cycle ops on a real CPU */
				if (op == PP_CNR_ADD && alu_busy[next_latency + 1][i])
					continue;
				/* a rotation starts after the previous one finished */
				if (is_rotation(op) &&
				    next_latency < rotate_count * op_latency[op])
					continue;
				alu = i;
				break;
			}
			if (alu >= 0)
				break;
			++next_latency;
		}
		/* Don't leave a register unchanged for more than 7 cycles. */
		if (next_latency > latency[a] + 7)
			continue;
		next_latency += op_latency[op];
		if (next_latency > TOTAL_LATENCY) {
			++num_retries;
			continue;
		}

		if (is_rotation(op))
			++rotate_count;
		alu_busy[next_latency - op_latency[op]][alu] = true;
		latency[a] = next_latency;
		int al = asic_latency[a] > asic_latency[bsrc] ? asic_latency[a] : asic_latency[bsrc];
		asic_latency[a] = al + asic_op_latency[op];
		rotated[a] = is_rotation(op);
		inst_data[a] = (uint32_t)code_size + ((uint32_t)op << 8) +
			       ((inst_data[bsrc] & 255) << 16);

		struct pp_cnr_insn *in = &code[code_size];
		*in = (struct pp_cnr_insn){ (uint8_t)op, (uint8_t)dst, (uint8_t)src, 0 };
		if (src == 8)
			*r8_used = true;
		if (op == PP_CNR_ADD) {
			alu_busy[next_latency - op_latency[op] + 1][alu] = true;
			ensure(b, 4); /* the constant: 4 little-endian bytes */
			in->c = (uint32_t)b->data[b->pos] | (uint32_t)b->data[b->pos + 1] << 8 |
				(uint32_t)b->data[b->pos + 2] << 16 |
				(uint32_t)b->data[b->pos + 3] << 24;
			b->pos += 4;
		}
		if (++code_size >= PP_CNR_MIN_INSNS)
			break;
	}

	/* Pad with ROR, MUL, MUL until some register reaches the ASIC latency target. */
	const int prev = code_size;
	while (code_size < PP_CNR_MAX_INSNS && asic_latency[0] < TOTAL_LATENCY &&
	       asic_latency[1] < TOTAL_LATENCY && asic_latency[2] < TOTAL_LATENCY &&
	       asic_latency[3] < TOTAL_LATENCY) {
		int min_idx = 0, max_idx = 0;
		for (int i = 1; i < 4; i++) {
			if (asic_latency[i] < asic_latency[min_idx])
				min_idx = i;
			if (asic_latency[i] > asic_latency[max_idx])
				max_idx = i;
		}
		static const uint8_t pattern[3] = { PP_CNR_ROR, PP_CNR_MUL, PP_CNR_MUL };
		const uint8_t op = pattern[(code_size - prev) % 3];
		latency[min_idx] = latency[max_idx] + op_latency[op];
		asic_latency[min_idx] = asic_latency[max_idx] + asic_op_latency[op];
		code[code_size++] = (struct pp_cnr_insn){ op, (uint8_t)min_idx, (uint8_t)max_idx, 0 };
	}
	return code_size;
}

void pp_cnr_generate(uint64_t height, struct pp_cnr_program *p)
{
	struct byte_source b;
	memset(&b, 0, sizeof(b));
	memset(p, 0, sizeof(*p)); /* padding and unused slots compare equal */
	for (int i = 0; i < 8; i++)
		b.data[i] = (uint8_t)(height >> (8 * i));
	b.data[20] = (uint8_t)-38; /* cn/r's domain separator (cn/wow leaves it zero) */
	b.pos = sizeof(b.data);    /* hash before the first byte is used */

	bool r8_used;
	int n;
	do {
		n = generate_once(&b, p->insn, &r8_used);
	} while (!r8_used || n < PP_CNR_MIN_INSNS || n > PP_CNR_MAX_INSNS);
	p->insn[n] = (struct pp_cnr_insn){ PP_CNR_RET, 0, 0, 0 };
	p->n = n;
	p->height = height;
}
