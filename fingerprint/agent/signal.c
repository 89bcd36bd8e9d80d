/* Signalling a process the agent judged, and no other: a pidfd, opened while the process is
 * monitored and checked against its start time, names that process for as long as it is
 * held, whatever happens to its pid. Without pidfds (Linux < 5.3) the start time is checked
 * right before kill(), which leaves a short race (docs/security.md). */
#define _GNU_SOURCE
#include "fingerprint/agent/agent-priv.h"

#include <errno.h>
#include <signal.h>
#include <sys/syscall.h>
#include <unistd.h>

/* Whether pid is (still) the process that started at start_ticks. */
static int same_process(pid_t pid, unsigned long long start_ticks)
{
	struct agent_stat st;
	int err = agent_stat_read(pid, &st);
	return err ? err : st.start_ticks == start_ticks ? 0 : -ESRCH;
}

int agent_pidfd_open(pid_t pid, unsigned long long start_ticks)
{
#ifdef SYS_pidfd_open
	int fd = (int)syscall(SYS_pidfd_open, pid, 0);
	if (fd < 0)
		return -errno;
	/* The pidfd names whoever had pid when it was opened; if that is still the process
	 * that started at start_ticks now, it was then too (a pid is held by one process at a
	 * time, and no process starts twice). */
	int err = same_process(pid, start_ticks);
	if (err) {
		close(fd);
		return err;
	}
	return fd;
#else
	(void)pid;
	(void)start_ticks;
	return -ENOSYS;
#endif
}

int agent_signal(pid_t pid, unsigned long long start_ticks, int pidfd, int sig)
{
#ifdef SYS_pidfd_send_signal
	if (pidfd >= 0)
		return syscall(SYS_pidfd_send_signal, pidfd, sig, NULL, 0) < 0 ? -errno : 0;
#else
	(void)pidfd;
#endif
	/* No pidfd: the pid may have been reused between this check and kill(). */
	int err = same_process(pid, start_ticks);
	if (err)
		return err;
	return kill(pid, sig) < 0 ? -errno : 0;
}
