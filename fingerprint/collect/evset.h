/* A set of counting perf events opened in groups on every thread of a target, with inherit,
 * read as per-window deltas scaled for multiplexing. Shared by perf-sw and perf-hw. */
#ifndef PP_FINGERPRINT_EVSET_H
#define PP_FINGERPRINT_EVSET_H

#include "fingerprint/collect/collector.h"

#include <linux/perf_event.h>
#include <stdint.h>

#define PP_EVSET_MAX 32
#define PP_EVSET_GROUP_MAX 4       /* leaves room for the NMI watchdog and other users */

struct pp_evset_task;

struct pp_evset {
	const char *backend;
	int nev;
	struct perf_event_attr attr[PP_EVSET_MAX];
	char name[PP_EVSET_MAX][56];
	bool optional[PP_EVSET_MAX];   /* dropped silently when the PMU lacks it */
	int group_of[PP_EVSET_MAX];    /* -1: not opened */
	int ngroups;
	int group_size;                /* most events per group */
	int ntasks;
	struct pp_evset_task *tasks;
	bool threads_only;             /* inherit_thread: not into forked children */
};

/* Adds an event (attr already encoded); returns its index or -ENOSPC. */
int pp_evset_add(struct pp_evset *s, const struct perf_event_attr *attr, const char *name,
		 bool optional);

/* Opens the groups on every task of ctx->tgt, disabled. Running out of file descriptors keeps
 * the threads opened so far, with a warning. */
int pp_evset_open(struct pp_evset *s, struct pp_backend_ctx *ctx, const char *what);
int pp_evset_enable(struct pp_evset *s, bool on);
/* Appends one count per event (summed over threads, scaled by enabled/running). */
void pp_evset_read(struct pp_evset *s, struct pp_window *w);
void pp_evset_close(struct pp_evset *s);

#endif
