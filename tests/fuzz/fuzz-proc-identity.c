/* What the agent reads of who a process is, on any text (the first byte picks the file and
 * an output size, the rest is its text): /proc/PID/stat, cgroup, status and cmdline, the
 * container id of a cgroup path and whether a path lies under a cgroup. None writes past its
 * output or reads past its text; a stat line whose command name is anything a process may
 * call itself still yields that name and the numbers after it; a joined command line is the
 * raw one with NULs as spaces; a container id is 64 hex digits of the path. */
#include "fingerprint/agent/proc-parse.h"

#include <ctype.h>
#include "fuzz/fuzz-stat.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { STAT, STAT_COMM, CGROUP, STATUS, CMDLINE, CONTAINER, NFILES };

/* A stat line of a process called comm in state `state` (fuzz-stat.h). */
static void stat_comm(const char *comm, char state)
{
	char text[1024];
	fuzz_stat_line(text, sizeof(text), comm, state);
	struct agent_stat st;
	if (agent_stat_parse(text, &st) != 0 || st.state != state || st.ppid != 4 * 1001 ||
	    st.flags != 9 * 1001 || st.cpu_ticks != (14 + 15) * 1001 ||
	    st.start_ticks != 22 * 1001 || strncmp(st.comm, comm, sizeof(st.comm) - 1) != 0 ||
	    strlen(st.comm) != (strlen(comm) < sizeof(st.comm) ? strlen(comm) : sizeof(st.comm) - 1))
		abort();
}

static void cmdline(const char *raw, size_t n, size_t len)
{
	char *out = malloc(len);
	if (!out)
		return;
	size_t r = agent_cmdline_parse(raw, n, out, len);
	size_t cut = n < len ? n : len - 1;
	if (r > cut || out[r] != '\0' || (r && raw[r - 1] == '\0'))
		abort();
	for (size_t i = 0; i < r; i++)
		if (out[i] != (raw[i] ? raw[i] : ' '))
			abort();
	for (size_t i = r; i < cut; i++)
		if (raw[i] != '\0')
			abort(); /* only trailing NULs are dropped */
	free(out);
}

static void container(const char *path, size_t len)
{
	char *out = malloc(len ? len : 1);
	if (!out)
		return;
	pp_agent_container_id(path, out, len);
	if (len) {
		size_t l = strlen(out);
		if (l >= len || l > 64 || (l && !strstr(path, out)))
			abort();
		for (size_t i = 0; i < l; i++)
			if (!isxdigit((unsigned char)out[i]))
				abort();
		if (len > 64 && l && l != 64)
			abort();
	}
	free(out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	int file = data[0] % NFILES;
	unsigned arg = data[0] / NFILES; /* 0..42 */
	/* The text alone in a buffer of its size, so that a read past its end is caught. */
	char *text = malloc(size);
	if (!text)
		return 0;
	memcpy(text, data + 1, size - 1);
	text[size - 1] = '\0';
	switch (file) {
	case STAT: {
		struct agent_stat st;
		int r = agent_stat_parse(text, &st);
		if ((r != 0 && r != -EBADMSG) || (r == 0 && strnlen(st.comm, sizeof(st.comm)) ==
					     sizeof(st.comm)))
			abort();
		break;
	}
	case STAT_COMM: {
		/* The kernel prints comm up to its NUL; workqueue workers' names run to 64. */
		char comm[65];
		snprintf(comm, sizeof(comm), "%s", text);
		stat_comm(comm, "RSDZXtTIW"[arg % 9]);
		break;
	}
	case CGROUP: {
		size_t len = arg ? arg : 512;
		char *out = malloc(len);
		if (!out)
			break;
		agent_cgroup_parse(text, out, len);
		if (strlen(out) >= len || strchr(out, '\n'))
			abort();
		free(out);
		break;
	}
	case STATUS:
		agent_uid_parse(text);
		break;
	case CMDLINE:
		cmdline(text, size - 1, arg ? arg : 1024);
		break;
	case CONTAINER: {
		container(text, arg < 42 ? arg * 2 : 80);
		/* Any path is under itself; and the first line under the rest, either way. */
		char *nl = strchr(text, '\n');
		if (!agent_cgroup_under(text, text))
			abort();
		if (nl) {
			*nl = '\0';
			agent_cgroup_under(text, nl + 1);
			agent_cgroup_under(nl + 1, text);
		}
		break;
	}
	}
	free(text);
	return 0;
}
