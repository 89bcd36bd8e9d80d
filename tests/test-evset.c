/* Event sets (fingerprint/collect/evset.c), the part of the hardware-counter path that needs
 * no PMU to test: the count decoder fed fake group reads, the scaling of a count's parts, and
 * on software events, a failed read that reopens the task's groups and a kernel that refuses
 * inherit_thread. */
#define _GNU_SOURCE
#include "fingerprint/collect/evset.h"
#include "support/fixtures.h"

#include <powprint/collect.h>
#include <powprint/opts.h>
#include <powprint/perf.h>

#include <criterion/criterion.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* ---- the decoder: read_format GROUP | ID | TOTAL_TIME_ENABLED | TOTAL_TIME_RUNNING ---- */

static const uint64_t ids[2] = { 11, 22 };

Test(evset, decoder_gives_deltas_per_member_by_id)
{
	struct pp_evset_prev prev[2] = { 0 };
	struct pp_evset_delta d[2];
	/* nr, enabled, running, then value and ID per member: here listed in reverse order. */
	uint64_t b1[] = { 2, 1000, 500, 600, 22, 300, 11 };
	cr_assert_eq(pp_evset_decode(b1, sizeof(b1), ids, 2, prev, d), 0);
	cr_expect(!d[0].lost && !d[1].lost);
	cr_expect_eq(d[0].val, 300);
	cr_expect_eq(d[1].val, 600);
	cr_expect_eq(d[0].ena, 1000);
	cr_expect_eq(d[0].run, 500);
	uint64_t b2[] = { 2, 1500, 900, 350, 11, 700, 22 };
	cr_assert_eq(pp_evset_decode(b2, sizeof(b2), ids, 2, prev, d), 0);
	cr_expect_eq(d[0].val, 50, "a delta since the last read: %g", d[0].val);
	cr_expect_eq(d[1].val, 100);
	cr_expect_eq(d[0].ena, 500);
	cr_expect_eq(d[0].run, 400);
}

Test(evset, running_less_than_enabled_is_scaled_and_never_running_is_nan)
{
	struct pp_evset_delta d = { .val = 300, .ena = 1000, .run = 500 };
	double e, r;
	cr_expect_eq(pp_evset_scale(&d, 1, &e, &r), 600, "multiplexed half the time: x2");
	cr_expect_eq(e, 1000);
	cr_expect_eq(r, 500);
	d = (struct pp_evset_delta){ .val = 0, .ena = 1000, .run = 0 };
	cr_expect(isnan(pp_evset_scale(&d, 1, &e, &r)), "enabled, never on a counter: unknown");
	cr_expect_eq(e, 1000, "its enabled time still lowers the running share");
	cr_expect_eq(r, 0);
}

/* A hybrid count: the thread ran 40% of the time on one core type and 60% on the other;
 * neither part alone may be extrapolated over the whole time. */
Test(evset, hybrid_parts_are_summed_before_scaling)
{
	struct pp_evset_delta parts[2] = { { .val = 100, .ena = 1000, .run = 400 },
					   { .val = 60, .ena = 1000, .run = 600 } };
	double e, r;
	cr_expect_eq(pp_evset_scale(parts, 2, &e, &r), 160, "not 100 x 2.5 + 60 x 1.67");
	cr_expect_eq(r, 1000);
	parts[1].lost = true;
	cr_expect(isnan(pp_evset_scale(parts, 2, &e, &r)), "one part lost: the count is lost");
}

Test(evset, short_reads_other_group_sizes_and_failed_reads_are_lost)
{
	struct pp_evset_prev prev[2] = { { 5, 5, 5 }, { 7, 7, 7 } };
	struct pp_evset_delta d[2];
	uint64_t b[] = { 2, 1000, 1000, 300, 11, 600, 22 };
	cr_expect_eq(pp_evset_decode(b, 5 * sizeof(uint64_t), ids, 2, prev, d), -EIO, "short");
	cr_expect(d[0].lost && d[1].lost);
	cr_expect_eq(prev[0].val, 5, "a lost read leaves the last values alone");
	uint64_t three[] = { 3, 1000, 1000, 300, 11, 600, 22, 900, 33 };
	cr_expect_eq(pp_evset_decode(three, sizeof(three), ids, 2, prev, d), -EIO,
		     "an inherited group of another size (older kernels sum by position)");
	cr_expect(d[0].lost && d[1].lost);
	cr_expect_eq(pp_evset_decode(b, -ECHILD, ids, 2, prev, d), -ECHILD,
		     "the read's error is returned (ECHILD since the CVE-2023-5717 fix)");
	cr_expect(d[0].lost && d[1].lost);
	cr_expect_eq(pp_evset_decode(b, 2, ids, 2, prev, d), -EIO);
}

Test(evset, a_value_lower_than_last_time_is_lost_then_resynced)
{
	struct pp_evset_prev prev[2] = { 0 };
	struct pp_evset_delta d[2];
	uint64_t b1[] = { 2, 1000, 1000, 300, 11, 600, 22 };
	cr_assert_eq(pp_evset_decode(b1, sizeof(b1), ids, 2, prev, d), 0);
	uint64_t b2[] = { 2, 2000, 2000, 200, 11, 900, 22 };
	cr_assert_eq(pp_evset_decode(b2, sizeof(b2), ids, 2, prev, d), 0);
	cr_expect(d[0].lost, "300 then 200: not a delta of 2^64 - 100");
	cr_expect(!d[1].lost);
	cr_expect_eq(d[1].val, 300);
	uint64_t b3[] = { 2, 3000, 3000, 250, 11, 950, 22 };
	cr_assert_eq(pp_evset_decode(b3, sizeof(b3), ids, 2, prev, d), 0);
	cr_expect(!d[0].lost);
	cr_expect_eq(d[0].val, 50, "counted from the value it went back to");
}

Test(evset, an_unknown_id_leaves_its_member_lost)
{
	struct pp_evset_prev prev[2] = { 0 };
	struct pp_evset_delta d[2];
	uint64_t b[] = { 2, 1000, 1000, 300, 99, 600, 22 };
	cr_assert_eq(pp_evset_decode(b, sizeof(b), ids, 2, prev, d), 0);
	cr_expect(d[0].lost, "ID 11 is not in the read");
	cr_expect(!d[1].lost);
	cr_expect_eq(d[1].val, 600);
}

/* Found by fuzzing: a read listing one ID twice, the first time going backwards, must not
 * count the second as a delta from the first. */
Test(evset, an_id_listed_twice_counts_once)
{
	struct pp_evset_prev prev[2] = { { 1000, 1000, 1000 }, { 0, 0, 0 } };
	struct pp_evset_delta d[2];
	uint64_t b[] = { 2, 0, 5000, 300, 11, 9000, 11 };
	cr_assert_eq(pp_evset_decode(b, sizeof(b), ids, 2, prev, d), 0);
	cr_expect(d[0].lost, "enabled time went backwards");
	cr_expect(d[1].lost, "ID 22 is not in the read");
	cr_expect_eq(prev[0].val, 300, "resynced to the first listing, not the second");
}

/* ---- on software events: the same open, enable and read the hardware path runs ---- */

static char warned[2048];
static int nwarned;

static void keep_warning(const struct pp_backend_ctx *ctx, const char *fmt, ...)
{
	(void)ctx;
	va_list ap;
	va_start(ap, fmt);
	size_t len = strlen(warned);
	vsnprintf(warned + len, sizeof(warned) - len, fmt, ap);
	va_end(ap);
	nwarned++;
}

static void open_sw_set(struct pp_evset *s, bool threads_only)
{
	static const uint64_t cfg[] = { PERF_COUNT_SW_TASK_CLOCK, PERF_COUNT_SW_CPU_CLOCK };
	static const char *const names[] = { "task-clock", "cpu-clock" };
	*s = (struct pp_evset){ .backend = "test" };
	for (int i = 0; i < 2; i++) {
		struct perf_event_attr a = { .type = PERF_TYPE_SOFTWARE, .size = sizeof(a),
					     .config = cfg[i], .exclude_kernel = 1,
					     .exclude_hv = 1 };
		cr_assert_eq(pp_evset_add(s, &a, names[i], false), i);
	}
	static pid_t tid;
	tid = gettid();
	static struct pp_target t;
	t = (struct pp_target){ .pid = getpid(), .tids = &tid, .ntids = 1 };
	static struct pp_collect_opts o;
	PP_OPTS(pp_collect_opts, opts, .interval_ms = 1000, .threads_only = threads_only);
	o = opts;
	static char why[512];
	struct pp_backend_ctx ctx = { .tgt = &t, .opts = &o, .why = why, .why_len = sizeof(why),
				      .warn = keep_warning };
	warned[0] = 0;
	nwarned = 0;
	cr_assert_eq(pp_evset_open(s, &ctx, "test"), 0, "%s", why);
}

/* Spins for ms of this thread's CPU time (not wall time: the machine may be busy). */
static double cpu_s(void)
{
	struct timespec t;
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
	return (double)t.tv_sec + t.tv_nsec * 1e-9;
}

static void spin_ms(double ms)
{
	double t0 = cpu_s();
	while (cpu_s() - t0 < ms / 1000)
		;
}

static int fail_reads;

static ssize_t failing_read(int fd, void *buf, size_t n)
{
	if (fail_reads > 0) {
		fail_reads--;
		errno = ECHILD;
		return -1;
	}
	return read(fd, buf, n);
}

Test(evset, a_failed_read_is_nan_and_the_groups_are_reopened)
{
	NEED("perf-sw");
	static struct pp_evset s;
	open_sw_set(&s, false);
	cr_assert_eq(pp_evset_enable(&s, true), 0);
	spin_ms(20);
	pp_evset_hooks.read = failing_read;
	fail_reads = 1;
	static struct pp_window w;
	pp_evset_read(&s, &w);
	cr_expect(isnan(pp_window_count(&w, "task-clock")), "ECHILD: no value, not 0");
	cr_expect_eq(s.reopened, 1u);
	spin_ms(20);
	w.ncounts = 0;
	pp_evset_read(&s, &w);
	pp_evset_hooks.read = read;
	pp_evset_close(&s);
	cr_expect_gt(pp_window_count(&w, "task-clock"), 1e7,
		     "reopened and enabled again: 20 ms counted, %.0f ns",
		     pp_window_count(&w, "task-clock"));
}

static int refuse_inherit_thread(struct perf_event_attr *a, pid_t tid, int cpu, int group,
				 unsigned long flags)
{
	if (a->inherit_thread)
		return -EINVAL; /* a kernel before 5.13 */
	return pp_perf_open(a, tid, cpu, group, flags);
}

Test(evset, a_kernel_without_inherit_thread_is_said_not_hidden)
{
	NEED("perf-sw");
	static struct pp_evset s;
	pp_evset_hooks.open = refuse_inherit_thread;
	open_sw_set(&s, true);
	pp_evset_hooks.open = pp_perf_open;
	cr_expect(s.threads_only_refused);
	cr_expect(!s.threads_only);
	cr_expect(strstr(warned, "inherit_thread") && strstr(warned, "children"), "%s", warned);
	cr_expect_eq(nwarned, 1, "said once per set: %s", warned);
	pp_evset_close(&s);

	if (!pp_perf_has_inherit_thread())
		cr_skip_test("this kernel has no inherit_thread (Linux < 5.13)");
	open_sw_set(&s, true);
	cr_expect(!s.threads_only_refused, "this kernel has it");
	cr_expect_eq(nwarned, 0, "%s", warned);
	pp_evset_close(&s);
}
