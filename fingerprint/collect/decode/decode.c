/* Architecture-independent half of the decoder: class names and the backwards search for the
 * instruction that ends at a sampled IP. */
#include "fingerprint/collect/decode/decode.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

struct pp_decoder {
	const struct pp_isa_ops *ops;
	void *state;
};

static const char *const iclass_names[PP_IC_COUNT] = {
	[PP_IC_ROUNDING] = "rounding",   [PP_IC_AES] = "aes",
	[PP_IC_CLMUL] = "clmul",         [PP_IC_SHA] = "sha",
	[PP_IC_DIV] = "div",             [PP_IC_SQRT] = "sqrt",
	[PP_IC_MUL] = "mul",             [PP_IC_BRANCH] = "branch",
	[PP_IC_STORE] = "store",         [PP_IC_LOAD] = "load",
	[PP_IC_FP_SIMD] = "fp-simd",     [PP_IC_INT_SIMD] = "int-simd",
	[PP_IC_OTHER] = "other",         [PP_IC_UNDECODABLE] = "undecodable",
};

const char *pp_iclass_name(enum pp_iclass c)
{
	return (unsigned)c < PP_IC_COUNT ? iclass_names[c] : "?";
}

enum pp_isa pp_isa_native(void)
{
#if defined(__aarch64__)
	return PP_ISA_ARM64;
#elif defined(__x86_64__)
	return PP_ISA_X86_64;
#else
	return PP_ISA_UNSUPPORTED;
#endif
}

int pp_decoder_new(enum pp_isa isa, struct pp_decoder **out)
{
	const struct pp_isa_ops *ops;
	switch (isa) {
	case PP_ISA_X86_64: ops = &pp_isa_x86_64; break;
	case PP_ISA_ARM64: ops = &pp_isa_arm64; break;
	default: return -EOPNOTSUPP;
	}
	struct pp_decoder *d = calloc(1, sizeof(*d));
	if (!d)
		return -ENOMEM;
	d->ops = ops;
	int err = ops->init(&d->state);
	if (err) {
		free(d);
		return err;
	}
	*out = d;
	return 0;
}

void pp_decoder_free(struct pp_decoder *d)
{
	if (!d)
		return;
	d->ops->fini(d->state);
	free(d);
}

enum pp_iclass pp_decode_at(struct pp_decoder *d, const uint8_t *code, size_t len,
			    size_t *insn_len)
{
	size_t l = 0;
	enum pp_iclass c = len ? d->ops->classify(d->state, code, len, &l) : PP_IC_UNDECODABLE;
	if (c == PP_IC_UNDECODABLE)
		l = 0;
	if (insn_len)
		*insn_len = l;
	return c;
}

/* Fixed-width ISAs: the instruction before the IP starts max_len bytes back. Variable-width
 * ones (x86): decode forward from each of the first starts offsets and let every chain that
 * lands exactly on the IP vote for the start of its last instruction. x86 decoding
 * resynchronises within a few instructions, so the true boundary wins unless the bytes are
 * ambiguous data; then the longest candidate wins ties (a suffix of a longer instruction
 * often decodes too). */
#define MEMO_PROBES 8

/* Length of the instruction at code[0] with len bytes available, at position at. */
static size_t length_at(struct pp_decoder *d, const uint8_t *code, size_t len,
			const struct pp_code_at *at, struct pp_len_memo *memo)
{
	if (!memo)
		return d->ops->length(d->state, code, len);
	uint64_t h = (at->pos ^ ((at->ino ^ at->ver) * 0xbf58476d1ce4e5b9ull) ^
		      ((uint64_t)at->dev << 32)) * 0x9e3779b97f4a7c15ull;
	size_t first = (size_t)(h >> 40) & (PP_LEN_MEMO_SIZE - 1), slot = first;
	/* Entries are never removed, only replaced: a key is before the first free slot. */
	for (int i = 0; i < MEMO_PROBES; i++) {
		size_t k = (first + (size_t)i) & (PP_LEN_MEMO_SIZE - 1);
		if (!memo->e[k].used) {
			slot = k;
			break;
		}
		if (memo->e[k].pos != at->pos || memo->e[k].ino != at->ino ||
		    memo->e[k].ver != at->ver || memo->e[k].dev != at->dev)
			continue;
		if (memo->e[k].len)
			return memo->e[k].len <= len ? memo->e[k].len : 0;
		if (len <= memo->e[k].avail)
			return 0;
		slot = k; /* found with fewer bytes: decode again, keep the better */
		break;
	}
	size_t l = d->ops->length(d->state, code, len);
	memo->e[slot].pos = at->pos;
	memo->e[slot].ino = at->ino;
	memo->e[slot].ver = at->ver;
	memo->e[slot].dev = at->dev;
	memo->e[slot].len = (uint8_t)l;
	memo->e[slot].avail = (uint8_t)len;
	memo->e[slot].used = 1;
	return l;
}

enum pp_iclass pp_decode_ending_at(struct pp_decoder *d, const uint8_t *code, size_t len,
				   size_t *insn_len)
{
	return pp_decode_ending_at_memo(d, code, len, NULL, NULL, insn_len);
}

enum pp_iclass pp_decode_ending_at_memo(struct pp_decoder *d, const uint8_t *code, size_t len,
					const struct pp_code_at *end, struct pp_len_memo *memo,
					size_t *insn_len)
{
	const struct pp_isa_ops *ops = d->ops;
	if (insn_len)
		*insn_len = 0;
	if (len > PP_DECODE_BACK) {
		code += len - PP_DECODE_BACK;
		len = PP_DECODE_BACK;
	}
	if (!end)
		memo = NULL;
	struct pp_code_at at = { 0 }; /* of code[0], then of each start */
	if (end)
		at = (struct pp_code_at){ end->ino, end->ver, end->dev, end->pos - len };
	uint64_t base = at.pos;
	if (ops->min_len == ops->max_len) {
		size_t w = ops->max_len;
		if (len < w)
			return PP_IC_UNDECODABLE;
		return pp_decode_at(d, code + len - w, w, insn_len);
	}

	/* ends[o]: 0 unknown, 1 the chain from o misses the IP, else 2 + start of the last
	 * instruction of the chain that reaches the IP. Memoised so each offset decodes once. */
	uint8_t ends[PP_DECODE_BACK + 1] = { 0 };
	unsigned votes[PP_DECODE_BACK + 1] = { 0 };
	size_t path[PP_DECODE_BACK + 1];
	size_t starts = len < 12 ? len : 12; /* enough to outvote a misaligned chain */

	for (size_t s = 0; s < starts; s++) {
		size_t n = 0, o = s;
		uint8_t res = 1;
		while (o < len) {
			if (ends[o]) {
				res = ends[o];
				break;
			}
			path[n++] = o;
			at.pos = base + o;
			size_t l = length_at(d, code + o, len - o, &at, memo);
			if (l == 0 || o + l > len)
				break; /* res stays "misses" */
			if (o + l == len) {
				res = (uint8_t)(2 + o);
				break;
			}
			o += l;
		}
		for (size_t i = 0; i < n; i++)
			ends[path[i]] = res;
		if (res >= 2)
			votes[res - 2]++;
	}

	size_t best = len;
	unsigned bestv = 0;
	for (size_t o = 0; o < len; o++)
		if (votes[o] > bestv) { /* scanning from the front prefers the longer on ties */
			bestv = votes[o];
			best = o;
		}
	if (!bestv)
		return PP_IC_UNDECODABLE;
	size_t l;
	enum pp_iclass c = pp_decode_at(d, code + best, len - best, &l);
	if (c == PP_IC_UNDECODABLE || best + l != len)
		return PP_IC_UNDECODABLE;
	if (insn_len)
		*insn_len = l;
	return c;
}
