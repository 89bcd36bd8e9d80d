/* The properties fuzz-decode-x86.c and fuzz-decode-arm64.c check, for one ISA each. Input:
 * two bytes choosing the sampled IP's offset (0xffff: the very end), then the code bytes. The
 * code is copied so that it ends where an unreadable page begins, as a read that stops at a
 * page boundary leaves it: Zydis and capstone are not instrumented, so the guard page is what
 * catches them reading past the end; ASan poisoning catches our wrappers reading before it. */
#ifndef PP_FUZZ_DECODE_H
#define PP_FUZZ_DECODE_H

#include "fingerprint/collect/decode/decode.h"

#include <powprint/collect.h>

#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#if defined(__has_feature)
#if __has_feature(address_sanitizer)
#include <sanitizer/asan_interface.h>
#define FUZZ_POISON(p, n) ASAN_POISON_MEMORY_REGION(p, n)
#define FUZZ_UNPOISON(p, n) ASAN_UNPOISON_MEMORY_REGION(p, n)
#endif
#endif
#ifndef FUZZ_POISON
#define FUZZ_POISON(p, n) ((void)(p), (void)(n))
#define FUZZ_UNPOISON(p, n) ((void)(p), (void)(n))
#endif

#define FUZZ_CODE_MAX 8192 /* two pages of readable code before the guard page */

struct fuzz_decode {
	struct pp_decoder *d;
	uint8_t *area;          /* FUZZ_CODE_MAX readable bytes, then a PROT_NONE page */
	struct pp_len_memo *memo;
	struct pp_ip_cache *cache;
	uint32_t read_id;       /* names each run's bytes in the memo, never reused */
	unsigned max_len;
};

static void fuzz_decode_init(struct fuzz_decode *f, enum pp_isa isa)
{
	long page = sysconf(_SC_PAGESIZE);
	if (page <= 0 || FUZZ_CODE_MAX % page)
		abort();
	uint8_t *m = mmap(NULL, FUZZ_CODE_MAX + (size_t)page, PROT_READ | PROT_WRITE,
			  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (m == MAP_FAILED || mprotect(m + FUZZ_CODE_MAX, (size_t)page, PROT_NONE))
		abort();
	f->area = m;
	f->memo = calloc(1, sizeof(*f->memo));
	if (!f->memo || pp_decoder_new(isa, &f->d) || pp_ip_cache_new(64, &f->cache))
		abort();
	f->max_len = isa == PP_ISA_X86_64 ? 15 : 4;
}

/* Class and length of the instruction at code[0] with len bytes, checked for sanity. */
static enum pp_iclass fuzz_at(struct fuzz_decode *f, const uint8_t *code, size_t len,
			      size_t *ilen)
{
	size_t l = 99;
	enum pp_iclass c = pp_decode_at(f->d, code, len, &l);
	if ((unsigned)c >= PP_IC_COUNT || l > len || l > f->max_len ||
	    (l == 0) != (c == PP_IC_UNDECODABLE))
		abort();
	if (f->max_len == 4 && l != 0 && l != 4)
		abort();
	*ilen = l;
	return c;
}

/* The same, backwards from code + len. */
static enum pp_iclass fuzz_ending_at(struct fuzz_decode *f, const uint8_t *code, size_t len,
				     size_t *ilen)
{
	size_t l = 99;
	enum pp_iclass c = pp_decode_ending_at(f->d, code, len, &l);
	if ((unsigned)c >= PP_IC_COUNT || l > len || l > PP_DECODE_BACK || l > f->max_len ||
	    (l == 0) != (c == PP_IC_UNDECODABLE))
		abort();
	*ilen = l;
	return c;
}

static int fuzz_decode_one(struct fuzz_decode *f, const uint8_t *data, size_t size)
{
	if (size < 2)
		return 0;
	unsigned sel = data[0] | (unsigned)data[1] << 8;
	data += 2;
	size -= 2;
	size_t n = size < FUZZ_CODE_MAX ? size : FUZZ_CODE_MAX;
	uint8_t *buf = f->area + FUZZ_CODE_MAX - n;
	FUZZ_UNPOISON(f->area, FUZZ_CODE_MAX);
	memcpy(buf, data, n);
	FUZZ_POISON(f->area, FUZZ_CODE_MAX - n);
	size_t ip = sel == 0xffff ? n : sel % (n + 1);

	/* Forward at the IP: a valid class and length, twice the same; the instruction decodes
	 * the same from exactly its own bytes and not at all from one byte fewer, and bytes
	 * that do not decode do not with fewer (what the length memo's exactness rests on). */
	size_t l1, l;
	enum pp_iclass c1 = fuzz_at(f, buf + ip, n - ip, &l1);
	if (fuzz_at(f, buf + ip, n - ip, &l) != c1 || l != l1)
		abort();
	if (l1) {
		if (fuzz_at(f, buf + ip, l1, &l) != c1 || l != l1)
			abort();
		if (fuzz_at(f, buf + ip, l1 - 1, &l) != PP_IC_UNDECODABLE)
			abort();
	} else if (n > ip) {
		size_t fewer = (sel >> 4) % (n - ip);
		if (fuzz_at(f, buf + ip, fewer, &l) != PP_IC_UNDECODABLE)
			abort();
	}

	/* Backwards from the IP: valid, deterministic, the same from the last PP_DECODE_BACK
	 * bytes alone, and the instruction found decodes forward to itself, also with every
	 * byte after the IP available. */
	size_t l2;
	enum pp_iclass c2 = fuzz_ending_at(f, buf, ip, &l2);
	if (fuzz_ending_at(f, buf, ip, &l) != c2 || l != l2)
		abort();
	if (pp_decode_ending_at(f->d, buf, ip, NULL) != c2)
		abort();
	size_t back = ip < PP_DECODE_BACK ? ip : PP_DECODE_BACK;
	if (fuzz_ending_at(f, buf + ip - back, back, &l) != c2 || l != l2)
		abort();
	if (l2) {
		if (fuzz_at(f, buf + ip - l2, l2, &l) != c2 || l != l2)
			abort();
		if (fuzz_at(f, buf + ip - l2, n - (ip - l2), &l) != c2 || l != l2)
			abort();
	}

	/* Through the length memo, which persists across runs as it does across windows: the
	 * same answers as without it, for IPs around this one and windows of two widths (an
	 * IP near a mapping's start has fewer bytes before it). */
	uint32_t id = ++f->read_id;
	size_t from = ip > 4 ? ip - 4 : 0, to = ip + 4 < n ? ip + 4 : n;
	for (size_t e = from; e <= to; e++) {
		size_t widths[2] = { e < PP_DECODE_BACK ? e : PP_DECODE_BACK,
				     e < (sel >> 11) ? e : (sel >> 11) };
		for (int w = 0; w < 2; w++) {
			size_t b = widths[w], lm;
			struct pp_code_at at = { 0, 0, id, 0x7f0000000000ull + e };
			enum pp_iclass cm = pp_decode_ending_at_memo(f->d, buf + e - b, b, &at,
								     f->memo, &lm);
			if (cm != fuzz_ending_at(f, buf + e - b, b, &l) || lm != l)
				abort();
		}
	}

	/* The class cache: what was put is found again, and it never outgrows its bound. */
	pp_icache_tick(f->cache);
	struct pp_icache_key k = { .a = sel, .b = n, .back = (uint8_t)back,
				   .kind = (sel & 1) ? PP_ICK_FILE : PP_ICK_PROC };
	struct pp_icache_entry *ce = pp_icache_put(f->cache, &k);
	ce->cls = (uint8_t)c2;
	ce = pp_icache_find(f->cache, &k);
	if (!ce || ce->cls != c2 || ce->k.a != k.a || ce->k.b != k.b || ce->k.back != k.back ||
	    ce->k.kind != k.kind ||
	    pp_ip_cache_used(f->cache) > pp_ip_cache_capacity(f->cache))
		abort();
	return 0;
}

#endif
