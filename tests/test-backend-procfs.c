/* The procfs backend: smaps_rollup levels carried forward between its (rare) reads, and its
 * parsers on the text a hostile process can shape. Its agreement with perf-sw and /proc is
 * checked in test-backend-perf-sw.c. */
#define _GNU_SOURCE
#include "fingerprint/collect/backends/procfs-parse.h"
#include "support/fixtures.h"

#include <powprint/collect.h>
#include <powprint/opts.h>

#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

static struct pp_window win;

/* A child that holds memory and changes it on command: 'l' locks 2 MiB of what it has
 * touched (RSS unchanged), 'L' 2 MiB more, 'g' touches 64 MiB more (RSS grows). It answers
 * each with 'k', or 'e' when locking is not allowed or does nothing (AddressSanitizer makes
 * mlock a no-op). */
static int mem_cmd[2], mem_ack[2];

static long vm_locked_kib(void)
{
	char buf[4096];
	int fd = open("/proc/self/status", O_RDONLY);
	ssize_t k = fd >= 0 ? read(fd, buf, sizeof(buf) - 1) : -1;
	if (fd >= 0)
		close(fd);
	buf[k > 0 ? k : 0] = '\0';
	const char *p = strstr(buf, "VmLck:");
	return p ? atol(p + 6) : -1;
}

static void mem_steps(void)
{
	size_t base = 24 << 20, more = 64 << 20, lk = 2 << 20;
	uint8_t *m = mmap(NULL, base + more, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
			  -1, 0);
	if (m == MAP_FAILED)
		_exit(3);
	memset(m, 1, base);
	char ch;
	while (read(mem_cmd[0], &ch, 1) == 1) {
		bool good = true;
		if (ch == 'l')
			good = mlock(m, lk) == 0 && vm_locked_kib() >= 2048;
		else if (ch == 'L')
			good = mlock(m + lk, lk) == 0 && vm_locked_kib() >= 4096;
		else if (ch == 'g')
			memset(m + base, 2, more);
		if (write(mem_ack[1], good ? "k" : "e", 1) != 1)
			_exit(3);
	}
	_exit(0);
}

static char mem_do(char cmd)
{
	char ch = '?';
	cr_assert_eq(write(mem_cmd[1], &cmd, 1), 1);
	cr_assert_eq(read(mem_ack[0], &ch, 1), 1);
	return ch;
}

/* smaps_rollup is read only when RSS has moved notably (at most every 5 windows) or after 30
 * windows; in between every window carries the last levels. */
Test(procfs, smaps_levels_are_carried_forward_between_reads)
{
	cr_assert_eq(pipe(mem_cmd), 0);
	cr_assert_eq(pipe(mem_ack), 0);
	pid_t pid = fx_spawn(mem_steps);
	PP_OPTS(pp_collect_opts, o, .backends = "procfs", .interval_ms = 100);
	struct pp_collector *c;
	char why[512];
	cr_assert_eq(pp_collector_open_pid(pid, &o, &c, why, sizeof(why)), 0, "%s", why);
	cr_assert_eq(pp_collector_read(c, &win), 0); /* window 0: read */
	double lk0 = pp_window_count(&win, "proc.locked_kib");
	cr_assert(isfinite(lk0), "smaps_rollup unreadable here");
	if (mem_do('l') != 'k') {
		pp_collector_close(c);
		fx_reap(pid);
		cr_skip_test("mlock is not allowed here (RLIMIT_MEMLOCK), or does nothing (ASan)");
	}
	/* RSS has not moved: the next windows carry window 0's levels. */
	for (int i = 1; i <= 6; i++) {
		cr_assert_eq(pp_collector_read(c, &win), 0);
		cr_expect_eq(pp_window_count(&win, "proc.locked_kib"), lk0, "window %d", i);
		cr_expect(isfinite(pp_window_count(&win, "proc.anon_huge_kib")), "window %d", i);
		cr_expect(isfinite(pp_window_count(&win, "proc.hugetlb_kib")), "window %d", i);
	}
	/* RSS grows by far more than 1/8: read again at the next window. */
	cr_assert_eq(mem_do('g'), 'k');
	cr_assert_eq(pp_collector_read(c, &win), 0);
	double lk1 = pp_window_count(&win, "proc.locked_kib");
	cr_expect_geq(lk1, lk0 + 2048, "locked %.0f KiB after the RSS grew, was %.0f", lk1, lk0);
	/* Locked again without RSS moving: unseen until 30 windows after that read. */
	cr_assert_eq(mem_do('L'), 'k');
	int seen_at = 0;
	for (int i = 1; i <= 31 && !seen_at; i++) {
		cr_assert_eq(pp_collector_read(c, &win), 0);
		double lk = pp_window_count(&win, "proc.locked_kib");
		if (lk >= lk1 + 2048)
			seen_at = i;
		else
			cr_expect_eq(lk, lk1, "window %d after the read: %.0f KiB", i, lk);
	}
	cr_expect_eq(seen_at, 30, "read again %d windows later, not 30", seen_at);
	pp_collector_close(c);
	fx_reap(pid);
	for (int i = 0; i < 2; i++) {
		close(mem_cmd[i]);
		close(mem_ack[i]);
	}
}


/* A process names itself (prctl, or the name of its executable): the fields after its name
 * are found all the same. */
Test(procfs, stat_of_a_process_with_a_hostile_name)
{
	struct pp_procfs_stat st;
	cr_assert_eq(pp_procfs_stat_parse("7 (a) Z 1 2 (b) R 9 9) S 1 7 7 0 -1 4194304 11 0 12 0 "
					  "13 14 0 0 20 0 3 0 99 999 15 18446744073709551615\n",
					  &st), 0);
	cr_expect_eq(st.minflt, 11);
	cr_expect_eq(st.majflt, 12);
	cr_expect_eq(st.utime, 13);
	cr_expect_eq(st.stime, 14);
	cr_expect_eq(st.threads, 3);
	cr_expect_eq(st.rss_pages, 15);
	cr_expect_not(st.zombie, "the Z was in the name");
	cr_expect_eq(pp_procfs_stat_parse("7 (x) S 1 2 3\n", &st), -EBADMSG);
	cr_expect_eq(pp_procfs_stat_parse("no parenthesis", &st), -EBADMSG);
	cr_expect_eq(pp_procfs_stat_parse("7 (x)", &st), -EBADMSG);

	struct pp_procfs_io io;
	cr_expect_eq(pp_procfs_io_parse("rchar: 1\nwchar: 2\nsyscr: 3\nsyscw: 4\n", &io), 0);
	cr_expect_eq(io.syscw, 4);
	cr_expect_eq(pp_procfs_io_parse("rchar: 1\nwchar: 2\nsyscr: 3\n", &io), -EBADMSG);
	uint64_t run = 0, wait = 0, slices = 0;
	cr_expect_eq(pp_procfs_schedstat_parse("5 6 7\n", &run, &wait, &slices), 0);
	cr_expect(run == 5 && wait == 6 && slices == 7);
	cr_expect_eq(pp_procfs_schedstat_parse("5 6\n", &run, &wait, &slices), -EBADMSG);
}

/* Found by fuzzing: hugetlb is the sum of two counts, which overflowed (undefined behaviour)
 * when each was near the largest long long. */
Test(procfs, smaps_hugetlb_sum_does_not_overflow)
{
	double ahp, htlb, lck;
	pp_procfs_smaps_parse("Shared_Hugetlb: 9223372036854775807 kB\n"
			      "Private_Hugetlb: 9223372036854775807 kB\n", &ahp, &htlb, &lck);
	cr_expect(isnan(ahp) && isnan(lck));
	cr_expect(htlb > 1.8e19, "%g", htlb);
	pp_procfs_smaps_parse("AnonHugePages: 2048 kB\nShared_Hugetlb: 0 kB\n"
			      "Private_Hugetlb: 4096 kB\nLocked: 8 kB\n", &ahp, &htlb, &lck);
	cr_expect(ahp == 2048 && htlb == 4096 && lck == 8);
}
