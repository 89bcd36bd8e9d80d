/* What the agent reads of a process from /proc: the scan's stat fields and, for events, who
 * the process is (owner, executable, command line, cgroup and container). */
#define _GNU_SOURCE
#include "fingerprint/agent/agent-priv.h"

#include <ctype.h>
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
	/* comm may hold spaces and parentheses: it ends at the last ')'. */
	char *open_p = strchr(buf, '('), *close_p = strrchr(buf, ')');
	if (!open_p || !close_p || close_p < open_p || close_p[1] != ' ')
		return -EBADMSG;
	memset(st, 0, sizeof(*st));
	st->pid = pid;
	size_t cl = (size_t)(close_p - open_p - 1);
	if (cl >= sizeof(st->comm))
		cl = sizeof(st->comm) - 1;
	memcpy(st->comm, open_p + 1, cl);
	st->comm[cl] = '\0';
	/* Fields from 3 (state) on. */
	char *save = NULL, *tok = strtok_r(close_p + 2, " ", &save);
	unsigned long long utime = 0, stime = 0;
	for (int field = 3; tok && field <= 22; field++, tok = strtok_r(NULL, " ", &save)) {
		switch (field) {
		case 3: st->state = tok[0]; break;
		case 4: st->ppid = (pid_t)atoi(tok); break;
		case 9: st->flags = (unsigned)strtoul(tok, NULL, 10); break;
		case 14: utime = strtoull(tok, NULL, 10); break;
		case 15: stime = strtoull(tok, NULL, 10); break;
		case 22:
			st->start_ticks = strtoull(tok, NULL, 10);
			st->cpu_ticks = utime + stime;
			return 0;
		default: break;
		}
	}
	return -EBADMSG;
}

void agent_cgroup_read(pid_t pid, char *out, size_t len)
{
	char path[64], buf[4096];
	out[0] = '\0';
	snprintf(path, sizeof(path), "/proc/%d/cgroup", (int)pid);
	if (read_small(path, buf, sizeof(buf)) <= 0)
		return;
	/* cgroup v2 is the "0::PATH" line; on v1-only hosts take the first line's path. */
	char *save = NULL, *first = NULL;
	for (char *line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char *p = strchr(line, ':');
		p = p ? strchr(p + 1, ':') : NULL;
		if (!p)
			continue;
		if (strncmp(line, "0::", 3) == 0) {
			snprintf(out, len, "%s", p + 1);
			return;
		}
		if (!first)
			first = p + 1;
	}
	if (first)
		snprintf(out, len, "%s", first);
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

void pp_agent_container_id(const char *path, char *out, size_t len)
{
	if (!len)
		return;
	out[0] = '\0';
	/* The last run of exactly 64 hex digits: "docker-<id>.scope", "/docker/<id>",
	 * "cri-containerd-<id>.scope", "libpod-<id>.scope", ".../kubepods/.../<id>". */
	const char *best = NULL;
	for (const char *p = path; *p;) {
		if (!isxdigit((unsigned char)*p)) {
			p++;
			continue;
		}
		const char *s = p;
		while (isxdigit((unsigned char)*p))
			p++;
		if (p - s == 64)
			best = s;
	}
	if (best)
		snprintf(out, len, "%.64s", best);
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
	if (read_small(path, buf, sizeof(buf)) > 0) {
		char *u = strstr(buf, "\nUid:");
		if (u)
			p->uid = (uid_t)strtoul(u + 5, NULL, 10);
	}
	snprintf(path, sizeof(path), "/proc/%d/exe", (int)pid);
	ssize_t k = readlink(path, p->exe, sizeof(p->exe) - 1);
	p->exe[k > 0 ? k : 0] = '\0';

	snprintf(path, sizeof(path), "/proc/%d/cmdline", (int)pid);
	ssize_t n = read_small(path, buf, sizeof(p->cmdline));
	if (n > 0) {
		while (n > 0 && buf[n - 1] == '\0')
			n--;
		for (ssize_t i = 0; i < n; i++)
			buf[i] = buf[i] == '\0' ? ' ' : buf[i];
		memcpy(p->cmdline, buf, (size_t)n); /* n < sizeof(p->cmdline): read_small's bound */
		p->cmdline[n] = '\0';
	}
	agent_cgroup_read(pid, p->cgroup, sizeof(p->cgroup));
	pp_agent_container_id(p->cgroup, p->container_id, sizeof(p->container_id));
	return 0;
}
