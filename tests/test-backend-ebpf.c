/* The ebpf backend: it loads and counts on this kernel, a process that runs with a non-default
 * SSE rounding mode shows up in the rounding counts and one that does not never does, syscall
 * classes count known calls, the CO-RE paths for older kernels load, and every other backend
 * works the same when it is absent. Skips with the probe's reason where BPF is not allowed. */
#define _GNU_SOURCE
#include "support/fixtures.h"
#include "fingerprint/collect/backends/ebpf-backend.h"
#include "fingerprint/collect/backends/ebpf-syscalls.h"

#include <powprint/collect.h>
#include <powprint/features.h>
#include <powprint/model.h>

#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>
#if defined(__x86_64__)
#include <xmmintrin.h>
#endif

static struct pp_window win;

/* ---- syscall classes ---- */

#define CALLS 2000

/* Known numbers of known calls, then idle: sched_yield (sync), mprotect (protect), write to
 * /dev/null (file), send on a socket pair (net), clock_nanosleep of 0 (time), getppid
 * (other: not counted as any of the others). */
static void known_calls(void)
{
	int null = open("/dev/null", O_WRONLY), sv[2];
	if (null < 0 || socketpair(AF_UNIX, SOCK_DGRAM, 0, sv) < 0)
		_exit(1);
	void *page = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	usleep(300 * 1000); /* the collector attaches */
	for (int i = 0; i < CALLS; i++) {
		sched_yield();
		mprotect(page, 4096, i & 1 ? PROT_READ : PROT_READ | PROT_WRITE);
		if (write(null, "x", 1) < 0 || send(sv[0], "x", 1, MSG_DONTWAIT) < 0)
			recv(sv[1], (char[8]){ 0 }, 8, MSG_DONTWAIT);
		recv(sv[1], (char[8]){ 0 }, 8, MSG_DONTWAIT);
		clock_nanosleep(CLOCK_MONOTONIC, 0, &(struct timespec){ 0, 0 }, NULL);
		syscall(SYS_getppid);
	}
	for (;;)
		pause();
}

/* One window of ms on pid with ebpf and perf-sw, syscalls counted pct of the time. */
static void sampled_window(pid_t pid, unsigned ms, unsigned pct, struct pp_window *w)
{
	PP_OPTS(pp_collect_opts, o, .backends = "ebpf,perf-sw", .interval_ms = ms,
		.syscall_sample_pct = pct, .warn = fx_keep_warning);
	struct pp_collector *c;
	char why[512];
	cr_assert_eq(pp_collector_open_pid(pid, &o, &c, why, sizeof(why)), 0, "%s", why);
	cr_assert_eq(pp_collector_read(c, w), 0);
	pp_collector_close(c);
}

Test(ebpf, syscall_classes_count_known_calls)
{
	NEED("ebpf");
	pid_t pid = fx_spawn(known_calls);
	sampled_window(pid, 1000, 100, &win);
	fx_reap(pid);
	static const struct {
		const char *count;
		double at_least;
	} want[] = {
		{ "bpf.sc.sync", CALLS },   { "bpf.sc.protect", CALLS }, { "bpf.sc.file", CALLS },
		{ "bpf.sc.net", 2 * CALLS }, { "bpf.sc.time", CALLS },  { "bpf.sc.other", CALLS },
	};
	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		double v = pp_window_count(&win, want[i].count);
		cr_expect_geq(v, want[i].at_least, "%s: %.0f, want at least %.0f", want[i].count, v,
			      want[i].at_least);
		/* A few calls of libc's own, not thousands of strangers'. */
		cr_expect_lt(v, want[i].at_least + 200, "%s: %.0f", want[i].count, v);
	}
	/* Per task-clock second, as every feature. */
	cr_expect_gt(F(&win, PP_F_SC_PROTECT), 0);
	cr_expect_eq(F(&win, PP_F_SC_TOTAL),
		     (pp_window_count(&win, "bpf.sc.sync") + pp_window_count(&win, "bpf.sc.memory") +
		      pp_window_count(&win, "bpf.sc.protect") + pp_window_count(&win, "bpf.sc.file") +
		      pp_window_count(&win, "bpf.sc.net") + pp_window_count(&win, "bpf.sc.time") +
		      pp_window_count(&win, "bpf.sc.other")) / win.task_clock_s);
}

static void steady_calls(void)
{
	for (;;)
		syscall(SYS_getppid);
}

/* Sampled 10% of the time, a steady caller's rate comes out as counted all the time. */
Test(ebpf, sampled_syscall_counts_are_scaled_to_the_window)
{
	NEED("ebpf");
	pid_t pid = fx_spawn(steady_calls);
	static struct pp_window all, some;
	sampled_window(pid, 1000, 100, &all);
	sampled_window(pid, 2000, 10, &some);
	fx_reap(pid);
	double ms = pp_window_count(&some, "bpf.sc_counted_ms");
	cr_expect(ms > 100 && ms < 300, "counted %.0f ms of a 2000 ms window at 10%%", ms);
	cr_expect_float_eq(pp_window_count(&all, "bpf.sc_counted_ms"), 1000, 100);
	double full = F(&all, PP_F_SC_OTHER), est = F(&some, PP_F_SC_OTHER);
	cr_assert_gt(full, 1e4, "getppid calls per task-clock second: %g", full);
	cr_expect(est > 0.6 * full && est < 1.6 * full, "sampled %g per s, counted %g", est, full);
}

Test(ebpf, syscall_table_names_this_architecture)
{
	cr_expect_eq(pp_sc_class_of(SYS_futex), PP_SC_SYNC);
	cr_expect_eq(pp_sc_class_of(SYS_mprotect), PP_SC_PROTECT);
	cr_expect_eq(pp_sc_class_of(SYS_mmap), PP_SC_MEMORY);
	cr_expect_eq(pp_sc_class_of(SYS_connect), PP_SC_NET);
	cr_expect_eq(pp_sc_class_of(SYS_openat), PP_SC_FILE);
	cr_expect_eq(pp_sc_class_of(SYS_clock_nanosleep), PP_SC_TIME);
	cr_expect_eq(pp_sc_class_of(SYS_getpid), PP_SC_OTHER);
	cr_expect_eq(pp_sc_class_of(-1), PP_SC_OTHER);
	cr_expect_eq(pp_sc_class_of(1L << 40), PP_SC_OTHER);
	for (int k = 0; k < PP_SC_NCLASSES; k++)
		cr_expect_not_null(pp_sc_class_name(k));
	cr_expect_null(pp_sc_class_name(PP_SC_NCLASSES));
}

/* ---- rounding mode ---- */

#if defined(__x86_64__)
/* Busy on CPU 0 beside a sibling, so the scheduler preempts both every few milliseconds. */
static void pin_cpu0(void)
{
	cpu_set_t s;
	CPU_ZERO(&s);
	CPU_SET(0, &s);
	sched_setaffinity(0, sizeof(s), &s);
}

static void spin_round_up(void)
{
	pin_cpu0();
	_mm_setcsr((_mm_getcsr() & ~0x6000u) | 0x4000u); /* RC = round up */
	volatile double x = 1;
	for (;;)
		x = x * 1.0000001 + 1e-9;
}

static void spin_round_nearest(void)
{
	pin_cpu0();
	volatile double x = 1;
	for (;;)
		x = x * 1.0000001 + 1e-9;
}

Test(ebpf, nondefault_rounding_mode_shows_up_and_default_never_does)
{
	NEED("ebpf");
	pid_t up = fx_spawn(spin_round_up), near = fx_spawn(spin_round_nearest);
	PP_OPTS(pp_collect_opts, o, .backends = "ebpf,perf-sw", .interval_ms = 1000,
		.warn = fx_keep_warning);
	struct pp_collector *cu, *cn;
	char why[512];
	cr_assert_eq(pp_collector_open_pid(up, &o, &cu, why, sizeof(why)), 0, "%s", why);
	cr_assert_eq(pp_collector_open_pid(near, &o, &cn, why, sizeof(why)), 0, "%s", why);
	static struct pp_window wn;
	cr_assert_eq(pp_collector_read(cu, &win), 0);
	cr_assert_eq(pp_collector_read_now(cn, &wn), 0);
	pp_collector_close(cu);
	pp_collector_close(cn);
	fx_reap(up);
	fx_reap(near);

	/* Two busy processes on one CPU: each is preempted hundreds of times a second. */
	double pu = pp_window_count(&win, "bpf.fp_preempted");
	double pn = pp_window_count(&wn, "bpf.fp_preempted");
	cr_assert_geq(pu, 20, "round-up spinner preempted %.0f times in a second", pu);
	cr_assert_geq(pn, 20, "round-to-nearest spinner preempted %.0f times", pn);
	cr_expect_geq(F(&win, PP_F_FP_PREEMPT_NONDEFAULT_SHARE), 0.95, "share %.3f of %.0f",
		      F(&win, PP_F_FP_PREEMPT_NONDEFAULT_SHARE), pu);
	cr_expect_geq(F(&win, PP_F_FP_ROUND_NONDEFAULT_SHARE), 0.95);
	cr_expect_eq(pp_window_count(&wn, "bpf.fp_round_nondefault"), 0);
	cr_expect_eq(F(&wn, PP_F_FP_PREEMPT_NONDEFAULT_SHARE), 0);

	/* The rule: the first one is a RandomX-family miner, the second is not. */
	struct pp_round_tally t;
	struct pp_evidence e;
	cr_assert_eq(pp_round_tally_init(&t, PP_ROUND_WINDOWS), 0);
	pp_evidence_from_window(&win, &e);
	cr_expect(pp_round_tally_push(&t, &e));
	cr_assert_eq(pp_round_tally_init(&t, PP_ROUND_WINDOWS), 0);
	pp_evidence_from_window(&wn, &e);
	cr_expect_not(pp_round_tally_push(&t, &e));
}

Test(ebpf, core_paths_for_this_kernel_and_older_ones)
{
	NEED("ebpf");
	int layout = -1;
	char why[512] = "";
	struct utsname u;
	uname(&u);
	int major = 0, minor = 0;
	sscanf(u.release, "%d.%d", &major, &minor);
	int err = pp_ebpf_layout_check(NULL, &layout, why, sizeof(why));
	cr_assert_eq(err, 0, "%s", why);
	bool new_fpu = major > 5 || (major == 5 && minor >= 16);
	cr_expect_eq(layout, new_fpu ? PP_FPU_LAYOUT_FPSTATE : PP_FPU_LAYOUT_STATE,
		     "kernel %s: layout %d", u.release, layout);
	/* Relocated against an older kernel's types (tests/data/btf-before-5.16.c): the other
	 * branch of each field-existence check is the one that loads and runs. */
	err = pp_ebpf_layout_check(PP_OLD_BTF_PATH, &layout, why, sizeof(why));
	cr_assert_eq(err, 0, "%s", why);
	cr_expect_eq(layout, PP_FPU_LAYOUT_STATE, "layout %d", layout);
}
#endif

/* ---- without it ---- */

Test(ebpf, other_backends_work_without_it)
{
	/* Whatever this machine has, a collector without ebpf attaches and counts. */
	pid_t pid = fx_spawn(fx_loop_busy);
	fx_one_window(pid, "perf-sw,procfs", 500, &win);
	fx_reap(pid);
	cr_expect_gt(win.task_clock_s, 0.1);
	cr_expect(isnan(pp_window_count(&win, "bpf.fp_switches")));
	cr_expect(isnan(F(&win, PP_F_FP_ROUND_NONDEFAULT_SHARE)));
	cr_expect(isnan(F(&win, PP_F_SC_TOTAL)));
	/* ... and the rule without evidence neither fires nor counts. */
	struct pp_round_tally t;
	struct pp_evidence e;
	pp_round_tally_init(&t, 3);
	pp_evidence_from_window(&win, &e);
	cr_expect_not(pp_round_tally_push(&t, &e));
	cr_expect(isnan(pp_round_tally_share(&t)));
}
