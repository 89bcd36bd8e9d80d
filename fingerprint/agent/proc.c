/* What the agent reads of a process from /proc: the scan's stat fields and, for events, who
 * the process is (owner, executable, command line, cgroup and container). */
#define _GNU_SOURCE
#include "fingerprint/agent/agent-priv.h"
#include "fingerprint/agent/proc-parse.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* Reads a small /proc file whole; returns bytes read or a negative errno. */
static ssize_t read_small(const char *path, char *buf, size_t len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT || errno == ESRCH ? -ESRCH : -errno;
	size_t got = 0;
	while (got + 1 < len) {
		ssize_t k = read(fd, buf + got, len - 1 - got);
		if (k < 0) {
			if (errno == EINTR)
				continue;
			int e = errno == ESRCH ? -ESRCH : -errno;
			close(fd);
			return e;
		}
		if (k == 0)
			break;
		got += (size_t)k;
	}
	close(fd);
	buf[got] = '\0';
	return (ssize_t)got;
}

int agent_stat_read(pid_t pid, struct agent_stat *st)
{
	char path[64], buf[1024];
	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	ssize_t n = read_small(path, buf, sizeof(buf));
	if (n < 0)
		return (int)n;
	if (n == 0)
		return -ESRCH;
	int err = agent_stat_parse(buf, st);
	st->pid = pid;
	return err;
}

void agent_cgroup_read(pid_t pid, char *out, size_t len)
{
	char path[64], buf[4096];
	out[0] = '\0';
	snprintf(path, sizeof(path), "/proc/%d/cgroup", (int)pid);
	if (read_small(path, buf, sizeof(buf)) <= 0)
		return;
	agent_cgroup_parse(buf, out, len);
}

bool agent_cgroup_under(const char *path, const char *root)
{
	size_t n = strlen(root);
	while (n > 1 && root[n - 1] == '/')
		n--;
	if (n == 1 && root[0] == '/')
		return path[0] == '/';
	return strncmp(path, root, n) == 0 && (path[n] == '\0' || path[n] == '/');
}

double agent_uptime_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_BOOTTIME, &ts);
	return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

int pp_agent_proc_read(pid_t pid, struct pp_agent_proc *p)
{
	struct agent_stat st;
	int err = agent_stat_read(pid, &st);
	if (err)
		return err;
	memset(p, 0, sizeof(*p));
	p->pid = pid;
	p->ppid = st.ppid;
	p->start_ticks = st.start_ticks;
	snprintf(p->comm, sizeof(p->comm), "%s", st.comm);

	char path[64], buf[4096];
	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	p->uid = (uid_t)-1;
	if (read_small(path, buf, sizeof(buf)) > 0)
		p->uid = agent_uid_parse(buf);
	snprintf(path, sizeof(path), "/proc/%d/exe", (int)pid);
	ssize_t k = readlink(path, p->exe, sizeof(p->exe) - 1);
	p->exe[k > 0 ? k : 0] = '\0';

	snprintf(path, sizeof(path), "/proc/%d/cmdline", (int)pid);
	ssize_t n = read_small(path, buf, sizeof(p->cmdline));
	if (n > 0)
		agent_cmdline_parse(buf, (size_t)n, p->cmdline, sizeof(p->cmdline));
	agent_cgroup_read(pid, p->cgroup, sizeof(p->cgroup));
	pp_agent_container_id(p->cgroup, p->container_id, sizeof(p->container_id));
	return 0;
}
