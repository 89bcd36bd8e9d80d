/* What the agent makes of the text of a process's /proc files (proc-parse.h). */
#define _GNU_SOURCE /* strtok_r */
#include "fingerprint/agent/proc-parse.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int agent_stat_parse(char *text, struct agent_stat *st)
{
	/* comm may hold spaces and parentheses: it ends at the last ')'. */
	char *open_p = strchr(text, '('), *close_p = strrchr(text, ')');
	if (!open_p || !close_p || close_p < open_p || close_p[1] != ' ')
		return -EBADMSG;
	memset(st, 0, sizeof(*st));
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

void agent_cgroup_parse(char *text, char *out, size_t len)
{
	out[0] = '\0';
	/* cgroup v2 is the "0::PATH" line; on v1-only hosts take the first line's path. */
	char *save = NULL, *first = NULL;
	for (char *line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
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

uid_t agent_uid_parse(const char *text)
{
	const char *u = strstr(text, "\nUid:");
	return u ? (uid_t)strtoul(u + 5, NULL, 10) : (uid_t)-1;
}

size_t agent_cmdline_parse(const char *raw, size_t n, char *out, size_t len)
{
	if (n >= len)
		n = len - 1;
	while (n > 0 && raw[n - 1] == '\0')
		n--;
	for (size_t i = 0; i < n; i++)
		out[i] = raw[i] == '\0' ? ' ' : raw[i];
	out[n] = '\0';
	return n;
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
