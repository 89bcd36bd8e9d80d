#include <powprint/perf.h>

#include <errno.h>
#include <sys/syscall.h>
#include <unistd.h>

int pp_perf_open(struct perf_event_attr *attr, pid_t pid, int cpu, int group_fd,
		 unsigned long flags)
{
	attr->size = sizeof(*attr);
	long fd = syscall(SYS_perf_event_open, attr, pid, cpu, group_fd, flags);
	if (fd < 0 && errno == EINVAL && attr->inherit_thread) {
		/* Before Linux 5.13 there is no inherit_thread: follow forked children too. */
		attr->inherit_thread = 0;
		fd = syscall(SYS_perf_event_open, attr, pid, cpu, group_fd, flags);
	}
	return fd < 0 ? -errno : (int)fd;
}
