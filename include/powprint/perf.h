/* Thin perf_event_open wrapper shared by sysinfo and the collectors. */
#ifndef POWPRINT_PERF_H
#define POWPRINT_PERF_H

#include <linux/perf_event.h>
#include <stdbool.h>
#include <sys/types.h>

/* perf_event_open(2); returns an fd or a negative errno. Sets attr->size. */
int pp_perf_open(struct perf_event_attr *attr, pid_t pid, int cpu, int group_fd,
		 unsigned long flags);

/* Whether the kernel takes inherit_thread (Linux 5.13): counters that follow new threads but
 * not forked children. Without it the collectors fall back to following both, and say so. */
bool pp_perf_has_inherit_thread(void);

#endif
