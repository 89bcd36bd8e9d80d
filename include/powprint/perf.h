/* Thin perf_event_open wrapper shared by sysinfo and the collectors. */
#ifndef POWPRINT_PERF_H
#define POWPRINT_PERF_H

#include <linux/perf_event.h>
#include <sys/types.h>

/* perf_event_open(2); returns an fd or a negative errno. Sets attr->size. */
int pp_perf_open(struct perf_event_attr *attr, pid_t pid, int cpu, int group_fd,
		 unsigned long flags);

#endif
