/* Executable memory for the JIT compilers (RandomX programs, SuperscalarHash, cn/r random
 * math) and the byte emitter they share. A buffer is writable or executable, never both,
 * unless it was made RWX on purpose (--jit-rwx: many real miners keep their code pages RWX,
 * and that shows in /proc/PID/maps, so it is a knob of the fingerprint). Internal. */
#ifndef PP_CORE_JIT_BUF_H
#define PP_CORE_JIT_BUF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

struct pp_jit_buf {
	uint8_t *code;          /* page-aligned, `cap` bytes */
	size_t cap;
	size_t len;             /* bytes emitted so far */
	bool rwx;               /* mapped read-write-execute for its whole life */
	bool overflow;          /* an emit did not fit: the code is unusable */
	bool exec;              /* currently executable (W^X state) */
};

/* True where a JIT back end exists for this build's CPU (x86-64 today; AArch64 keeps the
 * interpreters). */
bool pp_jit_supported(void);

/* Maps `cap` bytes (rounded up to pages), writable. Returns 0, -EINVAL or -ENOMEM. */
int pp_jit_buf_new(size_t cap, bool rwx, struct pp_jit_buf *out);
void pp_jit_buf_free(struct pp_jit_buf *b);
/* Starts a new compilation: writable again, len 0. Returns 0 or -errno from mprotect. */
int pp_jit_buf_begin(struct pp_jit_buf *b);
/* Ends it: executable (read-exec unless rwx). Returns 0, -ENOSPC after an overflow, or
 * -errno from mprotect. */
int pp_jit_buf_finish(struct pp_jit_buf *b);

static inline void pp_jit_emit(struct pp_jit_buf *b, const void *bytes, size_t n)
{
	if (b->len + n > b->cap) {
		b->overflow = true;
		return;
	}
	memcpy(b->code + b->len, bytes, n);
	b->len += n;
}

static inline void pp_jit_u8(struct pp_jit_buf *b, uint8_t v)
{
	pp_jit_emit(b, &v, 1);
}

static inline void pp_jit_u32(struct pp_jit_buf *b, uint32_t v)
{
	pp_jit_emit(b, &v, 4); /* x86-64 and AArch64 are little-endian */
}

static inline void pp_jit_u64(struct pp_jit_buf *b, uint64_t v)
{
	pp_jit_emit(b, &v, 8);
}

/* Overwrites 4 bytes at `at` (branch displacement fix-ups). */
static inline void pp_jit_patch32(struct pp_jit_buf *b, size_t at, uint32_t v)
{
	if (at + 4 <= b->len)
		memcpy(b->code + at, &v, 4);
}

/* Emits a list of literal bytes: PP_JIT_BYTES(b, 0x48, 0x89, 0xc0). */
#define PP_JIT_BYTES(b, ...)                                              \
	do {                                                              \
		static const uint8_t pp_jit_lit_[] = { __VA_ARGS__ };     \
		pp_jit_emit((b), pp_jit_lit_, sizeof(pp_jit_lit_));       \
	} while (0)

#endif
