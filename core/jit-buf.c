/* Executable memory for the JIT compilers: mmap'd anonymous pages, switched between
 * read-write and read-execute with mprotect around each compilation (W^X), or RWX. */
#include "core/jit-buf.h"

#include <errno.h>
#include <sys/mman.h>
#include <unistd.h>

bool pp_jit_supported(void)
{
#if defined(__x86_64__)
	return true;
#else
	return false;
#endif
}

int pp_jit_buf_new(size_t cap, bool rwx, struct pp_jit_buf *out)
{
	if (!out || cap == 0)
		return -EINVAL;
	memset(out, 0, sizeof(*out));
	const size_t page = (size_t)sysconf(_SC_PAGESIZE);
	cap = (cap + page - 1) & ~(page - 1);
	const int prot = PROT_READ | PROT_WRITE | (rwx ? PROT_EXEC : 0);
	void *p = mmap(NULL, cap, prot, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return errno == EPERM || errno == EACCES ? -EPERM : -ENOMEM;
	out->code = p;
	out->cap = cap;
	out->rwx = rwx;
	out->exec = rwx;
	return 0;
}

void pp_jit_buf_free(struct pp_jit_buf *b)
{
	if (!b || !b->code)
		return;
	munmap(b->code, b->cap);
	memset(b, 0, sizeof(*b));
}

int pp_jit_buf_begin(struct pp_jit_buf *b)
{
	if (!b || !b->code)
		return -EINVAL;
	b->len = 0;
	b->overflow = false;
	if (!b->rwx && b->exec) {
		if (mprotect(b->code, b->cap, PROT_READ | PROT_WRITE))
			return -errno;
		b->exec = false;
	}
	return 0;
}

int pp_jit_buf_finish(struct pp_jit_buf *b)
{
	if (!b || !b->code)
		return -EINVAL;
	if (b->overflow)
		return -ENOSPC;
	if (!b->rwx) {
		/* mprotect also makes the new bytes visible to instruction fetch on x86. */
		if (mprotect(b->code, b->cap, PROT_READ | PROT_EXEC))
			return -errno;
		b->exec = true;
	}
#if !defined(__x86_64__)
	__builtin___clear_cache((char *)b->code, (char *)b->code + b->len);
#endif
	return 0;
}
