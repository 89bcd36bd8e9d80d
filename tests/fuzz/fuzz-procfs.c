/* The procfs backend's parsers of /proc/PID/stat, io, task schedstat, task status and
 * smaps_rollup, on any text (the first byte picks the file, the rest is its text): none reads
 * past the text or overflows, levels are NAN or not negative, and a stat line whose command
 * name is anything a process may call itself (spaces, parentheses, newlines) still yields the
 * numbers that follow the name. */
#include "fingerprint/collect/backends/procfs-parse.h"

#include "fuzz/fuzz-stat.h"

#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { STAT, STAT_COMM, IO, SCHEDSTAT, STATUS, SMAPS, NFILES };

/* A stat line of a process called comm in state `state` (fuzz-stat.h). */
static void stat_comm(const char *comm, char state)
{
	char text[1024];
	fuzz_stat_line(text, sizeof(text), comm, state);
	struct pp_procfs_stat st;
	if (pp_procfs_stat_parse(text, &st) != 0 || st.minflt != 10 * 1001 ||
	    st.majflt != 12 * 1001 || st.utime != 14 * 1001 || st.stime != 15 * 1001 ||
	    st.threads != 20 * 1001 || st.rss_pages != 24 * 1001 ||
	    st.zombie != (state == 'Z' || state == 'X'))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	int file = data[0] % NFILES;
	/* The text alone in a buffer of its size, so that a read past its NUL is caught. */
	char *text = malloc(size);
	if (!text)
		return 0;
	memcpy(text, data + 1, size - 1);
	text[size - 1] = '\0';
	switch (file) {
	case STAT: {
		struct pp_procfs_stat st;
		int r = pp_procfs_stat_parse(text, &st);
		if (r != 0 && r != -EBADMSG)
			abort();
		break;
	}
	case STAT_COMM: {
		/* The kernel prints comm up to its NUL; workqueue workers' names run to 64. */
		char comm[65];
		snprintf(comm, sizeof(comm), "%s", text);
		stat_comm(comm, "RSDZXtTIW"[(data[0] / NFILES) % 9]);
		break;
	}
	case IO: {
		struct pp_procfs_io io;
		int r = pp_procfs_io_parse(text, &io);
		if (r != 0 && r != -EBADMSG)
			abort();
		break;
	}
	case SCHEDSTAT: {
		uint64_t run = 1, wait = 2, slices = 3;
		int r = pp_procfs_schedstat_parse(text, &run, &wait, &slices);
		if (r != 0 && (r != -EBADMSG || run != 1 || wait != 2 || slices != 3))
			abort(); /* a failed parse leaves the last values */
		break;
	}
	case STATUS: {
		uint64_t vol, invol;
		pp_procfs_ctxt_parse(text, &vol, &invol);
		break;
	}
	case SMAPS: {
		double ahp, htlb, lck;
		pp_procfs_smaps_parse(text, &ahp, &htlb, &lck);
		if (ahp < 0 || htlb < 0 || lck < 0)
			abort();
		break;
	}
	}
	free(text);
	return 0;
}
