/* A set of counting perf events opened in groups on every thread of a target, with inherit,
 * read as per-window deltas scaled for multiplexing. Shared by perf-sw and perf-hw. */
#ifndef PP_FINGERPRINT_EVSET_H
#define PP_FINGERPRINT_EVSET_H

#include "fingerprint/collect/collector.h"

#include <linux/perf_event.h>
#include <stdint.h>
#include <sys/types.h>

#define PP_EVSET_MAX 32
#define PP_EVSET_GROUP_MAX 4       /* leaves room for the NMI watchdog and other users */

struct pp_evset_task;

struct pp_evset {
	const char *backend;
	int nev;
	struct perf_event_attr attr[PP_EVSET_MAX];
	char name[PP_EVSET_MAX][56];
	bool optional[PP_EVSET_MAX];   /* dropped, with one warning, when the PMU lacks it */
	/* Several events can make one count (one per hybrid core PMU, summed): each part points
	 * at the count's first event; a plain event points at itself. */
	int part_of[PP_EVSET_MAX];
	int group_of[PP_EVSET_MAX];    /* -1: not opened */
	int dropped_err[PP_EVSET_MAX]; /* the open's -errno when an optional event was dropped */
	int ngroups;
	int group_size;                /* most events per group */
	int ntasks;
	struct pp_evset_task *tasks;
	bool threads_only;             /* inherit_thread: not into forked children */
	bool threads_only_refused;     /* asked for, but the kernel has no inherit_thread */
	bool enabled;
	unsigned reopened;             /* a task's groups reopened after a failed read */
};

/* Adds an event (attr already encoded); returns its index or -ENOSPC. */
int pp_evset_add(struct pp_evset *s, const struct perf_event_attr *attr, const char *name,
		 bool optional);
/* Adds an event counted into the count of event first (same name): the same event on
 * another hybrid PMU. Optional: a PMU that lacks it leaves the other parts. */
int pp_evset_add_part(struct pp_evset *s, int first, const struct perf_event_attr *attr);

/* Opens the groups on every task of ctx->tgt, disabled. Optional events the PMU lacks are
 * dropped with one warning naming them; running out of file descriptors keeps the threads
 * opened so far, with a warning. */
int pp_evset_open(struct pp_evset *s, struct pp_backend_ctx *ctx, const char *what);
int pp_evset_enable(struct pp_evset *s, bool on);
/* Appends one count per event (summed over threads and parts, scaled by enabled/running).
 * An event whose read failed, went backwards or was dropped at open counts NaN; a task whose
 * read failed has its groups reopened for the next window. */
void pp_evset_read(struct pp_evset *s, struct pp_window *w);
void pp_evset_close(struct pp_evset *s);

/* ---- the count decoder, a pure function (tests feed it fake read buffers) ---- */

/* What one event of one thread read last time. */
struct pp_evset_prev {
	uint64_t val, ena, run;
};

/* One event's change since the previous read. */
struct pp_evset_delta {
	double val, ena, run;
	bool lost;  /* no trustworthy value: failed or short read, counters went backwards, the
		     * group's size is not the one opened, the event's ID is not in the read */
};

/* Decodes one read of a group leader (read_format GROUP | ID | TOTAL_TIME_ENABLED |
 * TOTAL_TIME_RUNNING): n bytes of buf, or n = -errno when read failed. The group's members
 * have ids[0..nmem); out[j] gets member j's delta and prev[j] its new value. Returns 0,
 * -EIO when the buffer is short or holds another number of members than nmem (kernels
 * before the CVE-2023-5717 fix sum inherited groups of another size by position), or the
 * read's -errno (ECHILD since that fix). A member that went backwards is lost and resynced. */
int pp_evset_decode(const uint64_t *buf, ssize_t n, const uint64_t *ids, int nmem,
		    struct pp_evset_prev *prev, struct pp_evset_delta *out);

/* One thread's value of a count from its parts' deltas (one part, or one per hybrid core
 * PMU): their sum scaled by enabled / running, where running sums over the parts (a thread
 * runs on one core type at a time) and enabled is the longest part's. Sets *ena and *run;
 * NaN when a part is lost or nothing ran. */
double pp_evset_scale(const struct pp_evset_delta *parts, int n, double *ena, double *run);

/* ---- test seams ---- */

/* The perf_event_open every set calls (pp_perf_open unless a test substitutes one that fails
 * like a given PMU, or that opens software events in place of hardware ones), the read of a
 * group (read(2) unless a test makes one fail), and the sysfs root core PMUs are looked up
 * under (NULL: "/sys"). */
struct pp_evset_hooks {
	int (*open)(struct perf_event_attr *attr, pid_t tid, int cpu, int group_fd,
		    unsigned long flags);
	ssize_t (*read)(int fd, void *buf, size_t n);
	const char *sysfs_root;
};
extern struct pp_evset_hooks pp_evset_hooks;

#endif
