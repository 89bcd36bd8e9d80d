/* The perf-sw backend against what /proc says of the same child, and inherit: threads created
 * after attaching are counted, forked children too unless threads_only. */
#define _GNU_SOURCE
#include "support/fixtures.h"

#include <powprint/collect.h>
#include <powprint/features.h>
#include <powprint/opts.h>

#include <criterion/criterion.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <unistd.h>

static struct pp_window win;

/* ---- perf-sw and procfs against /proc ---- */

static double proc_cpu_s(pid_t pid)
{
	char path[64];
	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	FILE *f = fopen(path, "r");
	cr_assert_not_null(f);
	char buf[1024];
	cr_assert_not_null(fgets(buf, sizeof(buf), f));
	fclose(f);
	unsigned long long ut, st;
	char *p = strrchr(buf, ')');
	cr_assert(sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu", &ut,
			 &st) == 2);
	return (double)(ut + st) / (double)sysconf(_SC_CLK_TCK);
}

Test(perf_sw, perf_sw_and_procfs_agree_with_proc)
{
	NEED("perf-sw");
	pid_t pid = fx_spawn(fx_loop_busy);
	double before = proc_cpu_s(pid);
	fx_one_window(pid, "perf-sw,procfs", 1000, &win);
	double after = proc_cpu_s(pid);
	fx_reap(pid);
	double tc = pp_window_count(&win, "task-clock") * 1e-9;
	double run = pp_window_count(&win, "proc.run_ns") * 1e-9;
	double ut = pp_window_count(&win, "proc.utime_s") + pp_window_count(&win, "proc.stime_s");
	cr_assert_gt(tc, 0.1, "task-clock %.3f s: the busy child barely ran", tc);
	cr_expect_eq(win.task_clock_s, tc);
	/* The scheduler's run time is the same clock as task-clock, but /proc shows a running
	 * task's time only up to its last tick or switch. */
	cr_expect_lt(fabs(run - tc), 0.15 * tc + 0.02, "schedstat %.3f s vs task-clock %.3f s",
		     run, tc);
	/* /proc/PID/stat ticks, read by us around the window (which they contain). */
	cr_expect_lt(tc, after - before + 0.05, "task-clock %.3f s, /proc %.3f s", tc,
		     after - before);
	cr_expect_lt(fabs(ut - tc), 0.1 * tc + 0.03, "utime+stime %.3f s vs %.3f s", ut, tc);
	cr_expect_eq(pp_window_count(&win, "proc.threads"), 1);
	cr_expect_gt(pp_window_count(&win, "proc.rss_kib"), 100);
	cr_expect_lt(F(&win, PP_F_SYS_SHARE), 0.2);
	cr_expect_leq(F(&win, PP_F_CPU_UTIL), 1.05);
}

/* ---- inherit: threads and children created after attaching ---- */

Test(perf_sw, threads_created_later_are_inherited)
{
	NEED("perf-sw");
	pid_t pid = fork();
	cr_assert_geq(pid, 0);
	if (pid == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		alarm(60);
		fx_loop_late_threads();
	}
	usleep(20 * 1000); /* attach while it has one thread */
	PP_OPTS(pp_collect_opts, o, .backends = "perf-sw,ip-sample,procfs", .interval_ms = 1000);
	struct pp_collector *c;
	char why[512];
	cr_assert_eq(pp_collector_open_pid(pid, &o, &c, why, sizeof(why)), 0, "%s", why);
	cr_assert_eq(pp_collector_read(c, &win), 0);
	pp_collector_close(c);
	fx_reap(pid);
	cr_expect_eq(win.tasks, 1, "attached to %d threads", win.tasks);
	cr_expect_eq(pp_window_count(&win, "proc.threads"), 3);
	/* The main thread sleeps: the CPU time is the late threads', counted by inheritance,
	 * and it matches what the scheduler says of each thread. */
	double run = pp_window_count(&win, "proc.run_ns") * 1e-9;
	cr_expect_gt(win.task_clock_s, 0.05, "task-clock %.3f s: late threads not counted?",
		     win.task_clock_s);
	cr_expect_lt(fabs(win.task_clock_s - run), 0.1 * run + 0.01,
		     "task-clock %.3f s vs schedstat of the threads %.3f s", win.task_clock_s, run);
	if (fx_have("ip-sample"))
		cr_expect_gt(pp_window_count(&win, "ip.samples"), 200);
}

/* Forked children are followed by default (`stat -- CMD` measures the command's process
 * tree), but not with threads_only, which the agent uses: it watches every process on its
 * own, and a parent must not look like the miner it started. */
Test(perf_sw, forked_children_are_followed_unless_threads_only)
{
	NEED("perf-sw");
	for (int only = 0; only < 2; only++) {
		pid_t pid = fork();
		cr_assert_geq(pid, 0);
		if (pid == 0) {
			prctl(PR_SET_PDEATHSIG, SIGKILL);
			alarm(60);
			fx_loop_late_thread_and_child();
		}
		usleep(20 * 1000);
		bool ips = fx_have("ip-sample");
		PP_OPTS(pp_collect_opts, o, .backends = ips ? "perf-sw,ip-sample,procfs" :
			"perf-sw,procfs", .interval_ms = 1000, .threads_only = only);
		struct pp_collector *c;
		char why[512];
		cr_assert_eq(pp_collector_open_pid(pid, &o, &c, why, sizeof(why)), 0, "%s", why);
		cr_assert_eq(pp_collector_read(c, &win), 0);
		pp_collector_close(c);
		kill(pid, SIGKILL);
		fx_reap(pid);
		/* schedstat of the target's own threads: the late thread, not the child. */
		double run = pp_window_count(&win, "proc.run_ns") * 1e-9, tc = win.task_clock_s;
		cr_assert_gt(run, 0.2, "the late thread ran %.3f s", run);
		/* The busy child runs about as much as the late thread: counted, it doubles
		 * task-clock. Loose bounds: under load the two clocks' windows differ a little. */
		if (only)
			cr_expect_lt(tc, 1.25 * run + 0.02, "threads_only: task-clock %.3f s vs the "
				     "target's threads %.3f s: the child's CPU time is counted", tc, run);
		else
			cr_expect_gt(tc, 1.4 * run, "task-clock %.3f s vs the target's threads "
				     "%.3f s: the child's CPU time is not counted", tc, run);
		/* Samples (1 kHz of CPU time) likewise. */
		double ns = pp_window_count(&win, "ip.samples");
		if (ips && only)
			cr_expect_lt(ns, 1250 * run + 30, "%.0f samples in %.3f s", ns, run);
		else if (ips)
			cr_expect_gt(ns, 1400 * run, "%.0f samples in %.3f s", ns, run);
	}
}

