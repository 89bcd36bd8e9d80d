/* Huge-page-aware allocation: hugetlb -> THP (madvise) -> normal pages. */
#include "core/pages.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>

#define HUGE_2M ((size_t)2 << 20)

static size_t round_up(size_t n, size_t a)
{
	return (n + a - 1) / a * a;
}

static void *map_hugetlb(size_t len)
{
#ifdef MAP_HUGETLB
	void *p = mmap(NULL, len, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_HUGETLB, -1, 0);
	return p == MAP_FAILED ? NULL : p;
#else
	(void)len;
	return NULL;
#endif
}

/* THP needs 2 MiB-aligned ranges: map one extra huge page and trim both ends. */
static void *map_aligned(size_t len)
{
	size_t over = len + HUGE_2M;
	uint8_t *p = mmap(NULL, over, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return NULL;
	uintptr_t a = ((uintptr_t)p + HUGE_2M - 1) & ~(uintptr_t)(HUGE_2M - 1);
	size_t head = a - (uintptr_t)p, tail = over - head - len;
	if (head)
		munmap(p, head);
	if (tail)
		munmap((uint8_t *)a + len, tail);
	return (void *)a;
}

/* The kernel accepts MADV_HUGEPAGE even when THP is "never"; only count it when THP can
 * actually happen. */
static int thp_possible(void)
{
	FILE *f = fopen("/sys/kernel/mm/transparent_hugepage/enabled", "r");
	if (!f)
		return 0;
	char buf[128] = "";
	if (!fgets(buf, sizeof(buf), f))
		buf[0] = '\0';
	fclose(f);
	return strstr(buf, "[never]") == NULL && buf[0] != '\0';
}

int pp_pages_alloc(size_t size, enum pp_pages mode, struct pp_mapping *out)
{
	memset(out, 0, sizeof(*out));
	if (size == 0 || (mode != PP_PAGES_AUTO && mode != PP_PAGES_ON && mode != PP_PAGES_OFF))
		return -EINVAL;
	out->size = size;

	if (mode != PP_PAGES_OFF) {
		size_t len = round_up(size, HUGE_2M);
		void *p = map_hugetlb(len);
		if (p) {
			*out = (struct pp_mapping){ p, size, len, PP_PAGE_HUGETLB };
			return 0;
		}
#ifdef MADV_HUGEPAGE
		if (thp_possible()) {
			p = map_aligned(len);
			if (!p)
				return -ENOMEM;
			if (madvise(p, len, MADV_HUGEPAGE) == 0) {
				*out = (struct pp_mapping){ p, size, len, PP_PAGE_THP };
				return 0;
			}
			munmap(p, len);
		}
#endif
		if (mode == PP_PAGES_ON)
			return -ENOMEM;
	}

	size_t len = round_up(size, 4096);
	void *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return -ENOMEM;
	*out = (struct pp_mapping){ p, size, len, PP_PAGE_NORMAL };
	return 0;
}

void pp_pages_free(struct pp_mapping *p)
{
	if (p && p->ptr) {
		munmap(p->ptr, p->mapped);
		p->ptr = NULL;
		p->mapped = 0;
	}
}

const char *pp_page_kind_name(enum pp_page_kind kind)
{
	switch (kind) {
	case PP_PAGE_HUGETLB:
		return "hugetlb";
	case PP_PAGE_THP:
		return "thp";
	case PP_PAGE_NORMAL:
		break;
	}
	return "normal";
}
