/* Instruction decoding for the ip-sample backend: the class of the instruction that ends at a
 * sampled IP. A timer sample's IP is the next instruction to run, so the instruction that just
 * retired (and usually stalled) is the one ending there (docs/features.md, ip-sample).
 * x86-64 uses Zydis (capstone 4 misses EVEX forms); AArch64 uses capstone. Both decoders are
 * built on every host so either can be tested anywhere. */
#ifndef PP_FINGERPRINT_DECODE_H
#define PP_FINGERPRINT_DECODE_H

#include <stddef.h>
#include <stdint.h>

/* One class per instruction; when several apply, the earlier one wins (docs/features.md). */
enum pp_iclass {
	PP_IC_ROUNDING,    /* rounding-mode write: ldmxcsr, fldcw, msr fpcr */
	PP_IC_AES,
	PP_IC_CLMUL,       /* pclmulqdq, vpclmulqdq, pmull */
	PP_IC_SHA,
	PP_IC_DIV,         /* integer and floating-point divide */
	PP_IC_SQRT,
	PP_IC_MUL,         /* general-purpose integer multiply */
	PP_IC_BRANCH,
	PP_IC_STORE,       /* writes memory without reading it */
	PP_IC_LOAD,        /* reads memory (read-modify-write included) */
	PP_IC_FP_SIMD,     /* floating point, scalar or vector */
	PP_IC_INT_SIMD,    /* integer vector */
	PP_IC_OTHER,
	PP_IC_UNDECODABLE, /* the bytes do not decode to an instruction ending at the IP */
	PP_IC_COUNT
};

enum pp_isa { PP_ISA_X86_64, PP_ISA_ARM64, PP_ISA_UNSUPPORTED };

/* The ISA this build runs on natively (what live targets use); PP_ISA_UNSUPPORTED elsewhere,
 * where pp_decoder_new says -EOPNOTSUPP. */
enum pp_isa pp_isa_native(void);

/* Short name of a class ("aes", "fp-simd", ...). */
const char *pp_iclass_name(enum pp_iclass c);

struct pp_decoder;

int pp_decoder_new(enum pp_isa isa, struct pp_decoder **out);
void pp_decoder_free(struct pp_decoder *d);

/* Class of the instruction starting at code[0] (len bytes available); *insn_len gets its
 * length, 0 when undecodable. Never reads outside code[0..len). */
enum pp_iclass pp_decode_at(struct pp_decoder *d, const uint8_t *code, size_t len,
			    size_t *insn_len);

/* Class of the instruction that ends exactly at code + len, where code[0..len) are the bytes
 * before the sampled IP (up to PP_DECODE_BACK of them). On x86 several start offsets decode
 * forward and vote on where the last instruction began. */
#define PP_DECODE_BACK 32
enum pp_iclass pp_decode_ending_at(struct pp_decoder *d, const uint8_t *code, size_t len,
				   size_t *insn_len);

/* Instruction lengths already found, so that IPs close together (a hot loop's, in any process
 * running the same binary) share the forward decodes of their backwards searches. A position
 * is named by where its bytes come from: a file (inode, version and device, file offset), or
 * one read of a process's memory (inode 0, a read id that is never reused, address). Exact because the
 * decoder never reads past an instruction's end: one that decodes to L bytes with n available
 * decodes to L with any n' >= L, and one that does not decode with n bytes does not with
 * fewer. A fixed table: new lengths replace old ones. */
#define PP_LEN_MEMO_SIZE 2048      /* a power of two */
struct pp_code_at {
	uint64_t ino;              /* the file's inode; 0 for process memory */
	uint64_t ver;              /* the file's version (struct pp_map.ver); 0 for memory */
	uint32_t dev;              /* the file's device, or the read id */
	uint64_t pos;              /* file offset, or address */
};
struct pp_len_memo {
	struct {
		uint64_t ino, ver, pos;
		uint32_t dev;
		uint8_t len, avail; /* the length (0: none) found with avail bytes available */
		uint8_t used;
	} e[PP_LEN_MEMO_SIZE];
};
/* pp_decode_ending_at for code whose byte at code + len (the IP) is at position end, through
 * memo (NULL: none). */
enum pp_iclass pp_decode_ending_at_memo(struct pp_decoder *d, const uint8_t *code, size_t len,
					const struct pp_code_at *end, struct pp_len_memo *memo,
					size_t *insn_len);

/* Architecture back ends (decode/x86.c, decode/arm64.c). `state` is allocated by new. */
struct pp_isa_ops {
	int (*init)(void **state);
	void (*fini)(void *state);
	/* Length of the instruction at code, or 0 if it does not decode within len bytes. */
	size_t (*length)(void *state, const uint8_t *code, size_t len);
	enum pp_iclass (*classify)(void *state, const uint8_t *code, size_t len, size_t *ilen);
	unsigned min_len, max_len;
};
extern const struct pp_isa_ops pp_isa_x86_64;
extern const struct pp_isa_ops pp_isa_arm64;

/* The decoded-class cache (decode/cache.c; struct pp_ip_cache in collect.h). The class of an
 * IP is a function of the code bytes before it, so an entry is keyed by where those bytes
 * come from: a file (device, inode, offset of the IP, bytes available before it) when the
 * code is file-backed, which processes running the same binaries share; else the process and
 * address, and for generated code the bytes' hash must match again in each window. A file
 * whose identity could not be checked (struct pp_map.ver 0) is cached as process memory. */
enum pp_icache_kind { PP_ICK_FILE = 1, PP_ICK_PROC };

struct pp_icache_key {
	uint64_t a, b;             /* file: inode, offset; proc: pid, address */
	uint64_t v;                /* file: its version (struct pp_map.ver); proc: 0 */
	uint32_t c;                /* file: device; proc: 0 */
	uint8_t back;              /* code bytes before the IP the class was decoded from */
	uint8_t kind;
};

struct pp_icache_entry {
	struct pp_icache_key k;
	uint64_t hash;             /* of the code bytes */
	uint32_t stamp;            /* the cache's clock when last used: the oldest way goes */
	uint32_t owner, window;    /* the collector and its window that last read the bytes */
	uint8_t cls;
	uint8_t used;
};

struct pp_ip_cache;
/* The entry for k, or NULL; a hit counts as a use. */
struct pp_icache_entry *pp_icache_find(struct pp_ip_cache *c, const struct pp_icache_key *k);
/* The entry for k, made (in place of its set's least recently used one) if absent. */
struct pp_icache_entry *pp_icache_put(struct pp_ip_cache *c, const struct pp_icache_key *k);
/* Advances the clock: call once per classification batch. */
void pp_icache_tick(struct pp_ip_cache *c);
/* A new id for a collector using the cache (for pp_icache_entry.owner), from 1. */
uint32_t pp_icache_owner_new(struct pp_ip_cache *c);
/* A scratch buffer of at least len bytes, shared by the cache's users (one thread); NULL when
 * out of memory. Valid until the next call. */
void *pp_icache_scratch(struct pp_ip_cache *c, size_t len);
/* The cache's length memo (for one thread's use, like the scratch buffer); NULL when out of
 * memory. */
struct pp_len_memo *pp_icache_len_memo(struct pp_ip_cache *c);
/* A new id for one read of process memory (struct pp_code_at), from 1. */
uint32_t pp_icache_read_id(struct pp_ip_cache *c);

#endif
