/* Small helpers the workload files share. */
#include "kernels/workloads/wl.h"
#include "core/why.h"

#include <errno.h>
#include <string.h>
#include <sys/mman.h>

int wl_fail(struct wl_ctx *ctx, int err, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	pp_vwhy(ctx->err, ctx->errlen, err, fmt, ap);
	va_end(ap);
	return err;
}

int wl_bad(char *msg, size_t len, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	pp_vwhy(msg, len, -EBADMSG, fmt, ap);
	va_end(ap);
	return -EBADMSG;
}

void *wl_alloc(size_t bytes)
{
	if (!bytes)
		bytes = 1;
	void *p = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return NULL;
#ifdef MADV_HUGEPAGE
	/* Big arrays are what real services back with THP too; fewer TLB misses. */
	if (bytes >= (2u << 20))
		madvise(p, bytes, MADV_HUGEPAGE);
#endif
	return p;
}

void wl_free(void *p, size_t bytes)
{
	if (p)
		munmap(p, bytes ? bytes : 1);
}
