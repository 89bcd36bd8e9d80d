/* Which pages large allocations (scratchpads, RandomX caches and datasets) ask for. A core
 * type: hash options, workload options and the page allocator all name it. */
#ifndef POWPRINT_PAGES_H
#define POWPRINT_PAGES_H

enum pp_pages {
	PP_PAGES_AUTO = 0, /* hugetlb if reserved, else THP via madvise, else normal */
	PP_PAGES_ON,       /* hugetlb or THP; fail if neither is possible */
	PP_PAGES_OFF,      /* normal 4 KiB pages */
};

#endif
