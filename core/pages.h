/* Large, page-aligned allocations for hash scratchpads, RandomX caches and datasets: hugetlb
 * pages when some are reserved, else transparent huge pages via madvise, else normal pages.
 * The allocation reports which kind it got, because page size changes both speed and the
 * counter fingerprint (TLB misses, AnonHugePages). Internal to powprint. */
#ifndef PP_CORE_PAGES_H
#define PP_CORE_PAGES_H

#include <powprint/pages.h>

#include <stddef.h>

enum pp_page_kind {
	PP_PAGE_NORMAL = 0,
	PP_PAGE_THP,     /* madvise(MADV_HUGEPAGE) accepted; the kernel may still use 4 KiB */
	PP_PAGE_HUGETLB, /* MAP_HUGETLB from the reserved pool */
};

/* One mapping (named apart from enum pp_pages: C shares one tag namespace). */
struct pp_mapping {
	void *ptr;              /* page-aligned (2 MiB-aligned for THP and hugetlb) */
	size_t size;            /* what the caller asked for */
	size_t mapped;          /* what is mapped (size rounded up to the page size) */
	enum pp_page_kind kind;
};

/* Maps `size` zeroed bytes. mode AUTO tries hugetlb, THP, normal in turn; ON tries hugetlb
 * then THP and fails with -ENOMEM when neither is possible; OFF maps normal pages. Returns 0,
 * -EINVAL (size 0 or bad mode) or -ENOMEM. */
int pp_pages_alloc(size_t size, enum pp_pages mode, struct pp_mapping *out);
/* Unmaps; safe on a zeroed struct and twice. */
void pp_pages_free(struct pp_mapping *p);
/* "hugetlb", "thp", "normal". */
const char *pp_page_kind_name(enum pp_page_kind kind);

#endif
