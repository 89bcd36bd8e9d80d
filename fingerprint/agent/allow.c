/* The allowlist of --allow: processes --action never touches. A process chooses its name and
 * arguments, and can copy any binary to a path of its own, so an entry names what it cannot
 * take that cheaply: one executable file (its path and, pinned when the agent starts, its
 * device and inode) or a cgroup (only root, or a delegating service manager, moves processes
 * between cgroups). Names and globs are refused: any process could match them. */
#define _GNU_SOURCE
#include "fingerprint/agent/agent-priv.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static int parse_one(const char *e, struct agent_allow *al, char *why, size_t len)
{
	memset(al, 0, sizeof(*al));
	if (strncmp(e, "cgroup:", 7) == 0) {
		const char *cg = e + 7;
		if (strncmp(cg, "/sys/fs/cgroup", 14) == 0 && (cg[14] == '/' || cg[14] == '\0'))
			cg += 14;
		if (cg[0] != '/' || strlen(cg) >= sizeof(al->path)) {
			snprintf(why, len, "--allow %s: give a cgroup v2 path, e.g. "
				 "cgroup:/system.slice/backup.service", e);
			return -EINVAL;
		}
		al->kind = ALLOW_CGROUP;
		snprintf(al->path, sizeof(al->path), "%s", cg);
		return 0;
	}
	const char *path = strncmp(e, "exe:", 4) == 0 ? e + 4 : e;
	if (path[0] != '/') {
		snprintf(why, len, "--allow %s: a name is not an allowlist entry, since any process "
			 "can call itself anything (or copy a binary to that name); give "
			 "exe:/full/path/of/the/executable or cgroup:/its/cgroup", e);
		return -EINVAL;
	}
	/* /proc/PID/exe reads as the resolved path: resolve the entry's symbolic links too. */
	char real[PATH_MAX];
	struct stat st;
	if (!realpath(path, real) || stat(real, &st) < 0) {
		int err = -errno;
		snprintf(why, len, "--allow %s: %s (an entry is one executable file, no globs)", e,
			 strerror(-err));
		return err;
	}
	if (!S_ISREG(st.st_mode) || strlen(real) >= sizeof(al->path)) {
		snprintf(why, len, "--allow %s: not a regular file", e);
		return -EINVAL;
	}
	al->kind = ALLOW_EXE;
	snprintf(al->path, sizeof(al->path), "%s", real);
	al->dev = st.st_dev;
	al->ino = st.st_ino;
	return 0;
}

int agent_allow_parse(const char *list, struct agent_allow *out, int max, int *n, char *why,
		      size_t len)
{
	*n = 0;
	char *copy = strdup(list ? list : ""), *save = NULL;
	if (!copy)
		return -ENOMEM;
	int err = 0;
	for (char *e = strtok_r(copy, ",", &save); e && !err; e = strtok_r(NULL, ",", &save)) {
		if (*n >= max) {
			snprintf(why, len, "--allow: at most %d entries", max);
			err = -EINVAL;
		} else if (!(err = parse_one(e, &out[*n], why, len))) {
			(*n)++;
		}
	}
	free(copy);
	return err;
}

/* The device and inode of the file pid runs, if pid is still the process that started at
 * start_ticks when they have been read. */
static int exe_inode(pid_t pid, unsigned long long start_ticks, struct stat *st)
{
	char path[64];
	snprintf(path, sizeof(path), "/proc/%d/exe", (int)pid);
	if (stat(path, st) < 0)
		return -errno;
	struct agent_stat now;
	int err = agent_stat_read(pid, &now);
	return err ? err : now.start_ticks == start_ticks ? 0 : -ESRCH;
}

const struct agent_allow *agent_allow_match(const struct agent_allow *al, int n,
					    const struct pp_agent_proc *id)
{
	struct stat st;
	bool have_inode = false, tried = false;
	char cgroup[512];
	bool have_cgroup = false;
	for (int i = 0; i < n; i++) {
		if (al[i].kind == ALLOW_CGROUP) {
			if (!have_cgroup) { /* read now: the event's copy may be minutes old */
				agent_cgroup_read(id->pid, cgroup, sizeof(cgroup));
				have_cgroup = true;
			}
			if (cgroup[0] && agent_cgroup_under(cgroup, al[i].path))
				return &al[i];
			continue;
		}
		/* The path it was started from (a replaced or deleted file reads differently) and
		 * the very file pinned at start: a copy elsewhere, or a new file put in its place,
		 * is not the allowed executable. */
		if (strcmp(id->exe, al[i].path) != 0)
			continue;
		if (!tried) {
			have_inode = exe_inode(id->pid, id->start_ticks, &st) == 0;
			tried = true;
		}
		if (have_inode && st.st_dev == al[i].dev && st.st_ino == al[i].ino)
			return &al[i];
	}
	return NULL;
}

bool agent_is_kthread(const struct agent_stat *s)
{
	/* The kernel's own flag, which no process can set: never the name, which any process
	 * can take ("kworker/0:1"), nor the parent (kthreadd also starts user-mode helpers). */
	return (s->flags & PF_KTHREAD_FLAG) || s->pid == 2;
}
