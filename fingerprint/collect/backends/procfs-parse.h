/* The text of the /proc files the procfs backend reads, turned into values. The target process
 * chooses its own command name (which /proc/PID/stat prints as is) and may be hostile, so
 * these are kept apart from the reading to be tested and fuzzed on any text. Each takes a
 * NUL-terminated text. */
#ifndef PP_FINGERPRINT_PROCFS_PARSE_H
#define PP_FINGERPRINT_PROCFS_PARSE_H

#include <stdbool.h>
#include <stdint.h>

/* The fields of /proc/PID/stat the backend uses. */
struct pp_procfs_stat {
	bool zombie;               /* state Z or X */
	uint64_t utime, stime, minflt, majflt; /* clock ticks / counts */
	long threads, rss_pages;
};

/* /proc/PID/stat: 0, or -EBADMSG when it does not hold the fields up to rss. */
int pp_procfs_stat_parse(const char *text, struct pp_procfs_stat *st);

struct pp_procfs_io {
	uint64_t rchar, wchar, syscr, syscw;
};

/* /proc/PID/io: 0, or -EBADMSG when one of the four counts is missing. */
int pp_procfs_io_parse(const char *text, struct pp_procfs_io *io);

/* /proc/PID/task/TID/schedstat ("run_ns wait_ns timeslices"): 0, or -EBADMSG. */
int pp_procfs_schedstat_parse(const char *text, uint64_t *run_ns, uint64_t *wait_ns,
			      uint64_t *slices);

/* Context switches from /proc/PID/task/TID/status; 0 for a count that is missing. */
void pp_procfs_ctxt_parse(const char *text, uint64_t *vol, uint64_t *invol);

/* Levels from /proc/PID/smaps_rollup, KiB: anonymous huge pages, hugetlb (shared + private),
 * locked; NAN for what is missing. */
void pp_procfs_smaps_parse(const char *text, double *ahp, double *htlb, double *lck);

#endif
