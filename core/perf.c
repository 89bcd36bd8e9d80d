#include <powprint/perf.h>

#include <errno.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

int pp_perf_open(struct perf_event_attr *attr, pid_t pid, int cpu, int group_fd,
		 unsigned long flags)
{
	attr->size = sizeof(*attr);
	long fd = syscall(SYS_perf_event_open, attr, pid, cpu, group_fd, flags);
	return fd < 0 ? -errno : (int)fd;
}

bool pp_perf_has_inherit_thread(void)
{
	static int known = -1; /* the kernel does not change: ask once (a benign race) */
	if (known >= 0)
		return known;
	struct perf_event_attr a;
	memset(&a, 0, sizeof(a));
	a.type = PERF_TYPE_SOFTWARE;
	a.config = PERF_COUNT_SW_TASK_CLOCK;
	a.disabled = 1;
	a.inherit = 1;
	a.inherit_thread = 1;
	a.exclude_kernel = 1;
	a.exclude_hv = 1;
	int fd = pp_perf_open(&a, 0, -1, -1, PERF_FLAG_FD_CLOEXEC);
	if (fd >= 0)
		close(fd);
	known = fd != -EINVAL; /* other failures (no perf at all) say nothing about it */
	return known;
}
