/* The collector itself: probing the backends, opening on a pid or a command, windows (on
 * time, on demand, partial when the target exits), pausing, the errors a person gets (an
 * invalid pid, an unknown event or backend, a command that cannot run, permissions, running out
 * of file descriptors) and the CLI's stat, and /proc/PID/maps text a process can shape. The backends have their own files
 * (test-backend-*.c); the forked loops are in support/fixtures.c. */
#define _GNU_SOURCE
#include "core/clock.h"
#include "fingerprint/collect/collector.h"
#include "fingerprint/collect/maps.h"
#include "support/fixtures.h"
#include "support/testutil.h"

#include <powprint/collect.h>
#include <powprint/features.h>
#include <powprint/opts.h>

#include <cjson/cJSON.h>
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static struct pp_window win;

/* ---- probing ---- */

Test(collect, probe_says_why)
{
	struct pp_backend_status st[PP_BACKEND_MAX];
	int n = pp_collector_probe(st, PP_BACKEND_MAX);
	cr_assert_eq(n, 5);
	const char *want[] = { "perf-hw", "perf-sw", "ip-sample", "procfs", "ebpf" };
	for (int i = 0; i < n; i++) {
		cr_expect_str_eq(st[i].name, want[i]);
		cr_expect(st[i].summary && st[i].summary[0]);
		/* An unavailable backend always says why (an available one may say what it
		 * lacks here). */
		cr_expect(st[i].available || st[i].why[0], "%s", st[i].name);
		cr_expect_eq(st[i].available, st[i].err == 0);
	}
	cr_expect(st[3].available, "procfs: %s", st[3].why);
	/* Fewer slots than backends: still returns the count, touches no more. */
	struct pp_backend_status one[2];
	memset(one, 0x5a, sizeof(one));
	cr_expect_eq(pp_collector_probe(one, 1), 5);
	cr_expect_eq(((unsigned char *)&one[1])[0], 0x5a);
}

/* ---- pausing ---- */

/* Paused, the events stay attached but count and sample nothing; resumed, they do again. */
Test(collect, pause_stops_counting_and_sampling)
{
	NEED("perf-sw");
	pid_t pid = fx_spawn(fx_loop_busy);
	bool ips = fx_have("ip-sample");
	PP_OPTS(pp_collect_opts, o, .backends = ips ? "perf-sw,ip-sample" : "perf-sw",
		.interval_ms = 300);
	struct pp_collector *c;
	char why[512];
	cr_assert_eq(pp_collector_open_pid(pid, &o, &c, why, sizeof(why)), 0, "%s", why);
	double tc[3], ns[3];
	for (int i = 0; i < 3; i++) {
		cr_assert_eq(pp_collector_pause(c, i == 1), 0);
		cr_assert_eq(pp_collector_read(c, &win), 0);
		/* The window that pause began ended with the events still on: read the next. */
		cr_assert_eq(pp_collector_read(c, &win), 0);
		tc[i] = pp_window_count(&win, "task-clock");
		ns[i] = ips ? pp_window_count(&win, "ip.samples") : NAN;
	}
	pp_collector_close(c);
	fx_reap(pid);
	cr_expect_gt(tc[0], 0.1, "running: task-clock %.3f s", tc[0]);
	cr_expect_eq(tc[1], 0, "paused: task-clock %.3f s", tc[1]);
	cr_expect_gt(tc[2], 0.1, "resumed: task-clock %.3f s", tc[2]);
	if (ips) {
		cr_expect_gt(ns[0], 50);
		cr_expect_eq(ns[1], 0, "paused: %.0f samples", ns[1]);
		cr_expect_gt(ns[2], 50);
	}
}

/* ---- targets that end or never were ---- */

Test(collect, target_exiting_early_ends_a_partial_window)
{
	/* Probing first loads the ebpf program (once per process; a second under ASan), which
	 * would otherwise eat the 300 ms the child works before counting starts. */
	fx_have("ebpf");
	pid_t pid = fx_spawn(fx_exit_soon);
	PP_OPTS(pp_collect_opts, o, .interval_ms = 2000);
	struct pp_collector *c;
	char why[512];
	cr_assert_eq(pp_collector_open_pid(pid, &o, &c, why, sizeof(why)), 0, "%s", why);
	double t0 = pp_clock_mono_s();
	/* It stays a zombie (we fx_reap it below): the collector must see that as gone. */
	int err = pp_collector_read(c, &win);
	double waited = pp_clock_mono_s() - t0;
	cr_assert_eq(err, 0);
	cr_expect_lt(waited, 1.5, "the window should end when the target exits, not at 2 s");
	cr_expect(win.partial);
	cr_expect(win.target_exited);
	cr_expect_lt(win.end_s, 1.5);
	cr_expect_gt(win.task_clock_s, 0.05, "its last CPU time is still counted");
	cr_expect_eq(pp_collector_read(c, &win), -ESRCH);
	cr_expect_eq(pp_collector_read_now(c, &win), -ESRCH);
	pp_collector_close(c);
	fx_reap(pid);
}

/* Busy for 300 ms, then exec'd into a shell loop: the same process, a new program. */
static void busy_then_exec(void)
{
	double t0 = pp_clock_mono_s();
	while (pp_clock_mono_s() - t0 < 0.3)
		;
	execl("/bin/sh", "sh", "-c", "while :; do :; done", (char *)NULL);
}

/* A target that execs in the middle of a window keeps being counted and sampled: counters
 * survive exec, and the sampled code is read from the new program's mappings. */
Test(collect, a_target_that_execs_mid_window_keeps_being_counted)
{
	fx_have("ebpf");
	pid_t pid = fx_spawn(busy_then_exec);
	PP_OPTS(pp_collect_opts, o, .interval_ms = 200);
	struct pp_collector *c;
	char why[512];
	cr_assert_eq(pp_collector_open_pid(pid, &o, &c, why, sizeof(why)), 0, "%s", why);
	int windows = 0;
	for (int i = 0; i < 5; i++) {
		cr_assert_eq(pp_collector_read(c, &win), 0, "window %d", i);
		windows++;
		cr_expect_gt(win.task_clock_s, 0.05, "window %d: %.3f s of CPU", i, win.task_clock_s);
		if (!isnan(pp_window_count(&win, "ip.samples")) && i >= 3) {
			/* After the exec: the shell's code, decoded from its new mappings. */
			cr_expect_gt(pp_window_count(&win, "ip.samples"), 20, "window %d", i);
			cr_expect_lt(F(&win, PP_F_IP_UNREADABLE), 0.2, "window %d: %.2f unreadable", i,
				     F(&win, PP_F_IP_UNREADABLE));
		}
	}
	char comm[32] = "", path[64];
	snprintf(path, sizeof(path), "/proc/%d/comm", (int)pid);
	FILE *f = fopen(path, "r");
	cr_assert(f && fgets(comm, sizeof(comm), f));
	fclose(f);
	cr_expect(!strncmp(comm, "sh", 2), "it did exec: %s", comm);
	pp_collector_close(c);
	fx_reap(pid);
	cr_expect_eq(windows, 5);
}

Test(collect, invalid_pid)
{
	struct pp_collector *c = NULL;
	char why[512] = "";
	/* Above the default pid_max (4194304 at most): never a process. */
	cr_expect_eq(pp_collector_open_pid(0x7ffffff0, NULL, &c, why, sizeof(why)), -ESRCH);
	cr_expect(strstr(why, "does not exist"), "why: %s", why);
	cr_expect_null(c);
	cr_expect_eq(pp_collector_open_pid(0, NULL, &c, why, sizeof(why)), -EINVAL);
	cr_expect_eq(pp_collector_open_pid(-5, NULL, &c, NULL, 0), -EINVAL);
}

Test(collect, unknown_event_and_backend_names)
{
	struct pp_collector *c = NULL;
	char why[512] = "";
	PP_OPTS(pp_collect_opts, o, .events = "cycles,no-such-event-xyz");
	cr_expect_eq(pp_collector_open_pid(getpid(), &o, &c, why, sizeof(why)), -ENOENT);
	cr_expect(strstr(why, "no-such-event-xyz"), "why names the event: %s", why);
	cr_expect_eq(pp_collect_opts_check(&o, why, sizeof(why)), -ENOENT);

	PP_OPTS(pp_collect_opts, b, .backends = "perf-sw,bogus");
	cr_expect_eq(pp_collector_open_pid(getpid(), &b, &c, why, sizeof(why)), -ENOENT);
	cr_expect(strstr(why, "bogus") && strstr(why, "ip-sample"), "why lists the valid ones: %s",
		  why);
	PP_OPTS(pp_collect_opts, i, .interval_ms = 50);
	cr_expect_eq(pp_collect_opts_check(&i, why, sizeof(why)), -EINVAL);
	cr_expect_null(c);
}

Test(collect, command_target_and_its_exit_status)
{
	char *argv[] = { "/bin/sh", "-c", "i=0; while [ $i -lt 20000 ]; do i=$((i+1)); done; exit 3",
			 NULL };
	PP_OPTS(pp_collect_opts, o, .backends = "perf-sw,procfs", .interval_ms = 5000);
	struct pp_collector *c;
	char why[512];
	cr_assert_eq(pp_collector_open_cmd(argv, &o, &c, why, sizeof(why)), 0, "%s", why);
	cr_expect_eq(pp_collector_exit_status(c), -1);
	cr_assert_eq(pp_collector_read(c, &win), 0);
	cr_expect(win.target_exited && win.partial);
	cr_expect_gt(win.task_clock_s, 0.0);
	int st = pp_collector_exit_status(c);
	cr_expect(WIFEXITED(st) && WEXITSTATUS(st) == 3, "status %#x", st);
	cr_expect_eq(pp_collector_read(c, &win), -ESRCH);
	pp_collector_close(c);

	char *bad[] = { "/nonexistent/powprint-test", NULL };
	why[0] = '\0';
	cr_expect_eq(pp_collector_open_cmd(bad, &o, &c, why, sizeof(why)), -ENOENT);
	cr_expect(strstr(why, "cannot run"), "why: %s", why);
}

/* ---- windows on demand, and too few file descriptors ---- */

Test(collect, read_on_demand_is_partial)
{
	pid_t pid = fx_spawn(fx_loop_busy);
	PP_OPTS(pp_collect_opts, o, .backends = "perf-sw", .interval_ms = 10000);
	struct pp_collector *c;
	char why[512];
	cr_assert_eq(pp_collector_open_pid(pid, &o, &c, why, sizeof(why)), 0, "%s", why);
	usleep(200 * 1000);
	cr_assert_eq(pp_collector_read_now(c, &win), 0);
	cr_expect(win.partial && !win.target_exited);
	cr_expect_eq(win.index, 0);
	cr_expect_lt(win.end_s, 1.0);
	cr_assert_eq(pp_collector_read_now(c, &win), 0);
	cr_expect_eq(win.index, 1);
	cr_expect_gt(win.start_s, 0.1, "windows are contiguous");
	pp_collector_close(c);
	fx_reap(pid);
}

/* Out of file descriptors: fewer threads monitored, a warning, never a crash. */
Test(collect, fd_exhaustion_degrades)
{
	NEED("perf-sw");
	pid_t pid = fx_spawn(fx_loop_many_threads);
	usleep(100 * 1000);
	int used = 0;
	for (int fd = 0; fd < 1024; fd++)
		used += fcntl(fd, F_GETFD) >= 0;
	struct rlimit rl = { (rlim_t)(used + 40), (rlim_t)(used + 40) };
	cr_assert_eq(setrlimit(RLIMIT_NOFILE, &rl), 0);
	fx_warnings[0] = '\0';
	PP_OPTS(pp_collect_opts, o, .backends = "perf-sw,ip-sample,procfs", .interval_ms = 300,
		.warn = fx_keep_warning);
	struct pp_collector *c;
	char why[512];
	int err = pp_collector_open_pid(pid, &o, &c, why, sizeof(why));
	cr_assert_eq(err, 0, "%d: %s", err, why);
	cr_expect(strstr(fx_warnings, "out of file descriptors"), "warnings: %s", fx_warnings);
	cr_expect_eq(pp_collector_read(c, &win), 0);
	cr_expect_gt(win.task_clock_s, 0.0);
	pp_collector_close(c);
	fx_reap(pid);
}

/* ---- the CLI ---- */

Test(collect, cli_json_windows)
{
	char *out, *err;
	int rc = pp_cli_run("stat --json -I 200 -n 2 -- sh -c 'while :; do :; done'", &out, &err);
	cr_assert_eq(rc, 0, "stderr: %s", err);
	int lines = 0;
	for (char *line = strtok(out, "\n"); line; line = strtok(NULL, "\n"), lines++) {
		cJSON *o = cJSON_Parse(line);
		cr_assert_not_null(o, "not JSON: %s", line);
		cr_expect_eq(cJSON_GetObjectItem(o, "features_version")->valueint, PP_FEATURES_VERSION);
		cJSON *f = cJSON_GetObjectItem(o, "features");
		for (int i = 0; i < PP_F_COUNT; i++)
			cr_expect_not_null(cJSON_GetObjectItem(f, pp_feature_info(i)->name), "%s",
					   pp_feature_info(i)->name);
		cr_expect(cJSON_IsNull(cJSON_GetObjectItem(f, "ipc")) || cJSON_IsNumber(
			  cJSON_GetObjectItem(f, "ipc")));
		cr_expect(cJSON_IsNumber(cJSON_GetObjectItem(f, "cpu_util")));
		cJSON_Delete(o);
	}
	cr_expect_eq(lines, 2);
	free(out);
	free(err);
}

Test(collect, cli_csv_and_errors)
{
	char *out, *err;
	int rc = pp_cli_run("stat --csv -I 100 -- sh -c 'i=0; while [ $i -lt 3000 ]; do i=$((i+1)); done'",
			    &out, &err);
	cr_assert_eq(rc, 0, "stderr: %s", err);
	cr_expect(strncmp(out, "window,start_s,end_s,partial,task_clock_s,cpu_util,", 51) == 0,
		  "%.80s", out);
	cr_expect(strstr(out, ",1,"), "the last row is partial: %s", out);
	free(out);
	free(err);

	rc = pp_cli_run("stat -p 2147483600", &out, &err);
	cr_expect_eq(rc, 1);
	cr_expect(strstr(err, "does not exist"), "%s", err);
	free(out);
	free(err);

	rc = pp_cli_run("stat -e no-such-event -- true", &out, &err);
	cr_expect_eq(rc, 2);
	cr_expect(strstr(err, "unknown event 'no-such-event'"), "%s", err);
	free(out);
	free(err);

	rc = pp_cli_run("stat --backends nope -- true", &out, &err);
	cr_expect_eq(rc, 2);
	cr_expect(strstr(err, "perf-sw"), "lists the valid backends: %s", err);
	free(out);
	free(err);

	rc = pp_cli_run("stat", &out, &err);
	cr_expect_eq(rc, 2);
	free(out);
	free(err);
}

/* Permission problems name the setting or capability. As an unprivileged user (nobody),
 * attaching to a process of root's must fail with EACCES/EPERM and say why. */
Test(collect, permission_problems_name_the_setting)
{
	char why[1024];
	pp_perf_why(-EACCES, 12345, "perf-sw", why, sizeof(why));
	cr_expect(strstr(why, "perf_event_paranoid") && strstr(why, "CAP_PERFMON"), "%s", why);
	cr_expect(strstr(why, "CAP_SYS_PTRACE"), "another process: ptrace rules too: %s", why);
	pp_ptrace_why(-EPERM, 12345, why, sizeof(why));
	cr_expect(strstr(why, "CAP_SYS_PTRACE") && strstr(why, "process_vm_readv"), "%s", why);
	pp_perf_why(-EMFILE, 12345, "perf-sw", why, sizeof(why));
	cr_expect(strstr(why, "ulimit -n"), "%s", why);

	if (getuid() != 0)
		cr_skip_test("needs root to become another user (the messages above were checked)");
	pid_t victim = fx_spawn(fx_loop_busy); /* root's */
	int pfd[2];
	cr_assert_eq(pipe(pfd), 0);
	pid_t pid = fork();
	cr_assert_geq(pid, 0);
	if (pid == 0) {
		if (setgid(65534) < 0 || setuid(65534) < 0)
			_exit(99);
		PP_OPTS(pp_collect_opts, o, .backends = "perf-sw", .interval_ms = 100);
		struct pp_collector *c;
		char w[1024] = "";
		int err = pp_collector_open_pid(victim, &o, &c, w, sizeof(w));
		if (write(pfd[1], w, strlen(w) + 1) < 0)
			_exit(98);
		_exit(err == -EACCES || err == -EPERM ? 0 : 1);
	}
	close(pfd[1]);
	char got[1024] = "";
	ssize_t n = read(pfd[0], got, sizeof(got) - 1);
	(void)n;
	int st;
	waitpid(pid, &st, 0);
	fx_reap(victim);
	cr_assert(WIFEXITED(st) && WEXITSTATUS(st) != 99, "could not become nobody");
	cr_expect_eq(WEXITSTATUS(st), 0, "nobody attaching to root's process: %s", got);
	cr_expect(strstr(got, "perf_event_paranoid") || strstr(got, "CAP_SYS_PTRACE"),
		  "why: %s", got);
}

/* Found by fuzzing: a maps text whose last line has no newline and a short path ("[he") was
 * compared against "[heap]" past its end. The text sits alone in a buffer of its length, as
 * pp_maps_read has it, so that AddressSanitizer sees such a read. */
Test(collect, maps_text_ending_in_a_short_path)
{
	static const char line[] = "7f00aa000000-7f00aa200000 r-xp 00000000 00:00 0 [he";
	char *text = malloc(sizeof(line) - 1);
	cr_assert_not_null(text);
	memcpy(text, line, sizeof(line) - 1);
	struct pp_maps maps = { 0 };
	cr_assert_eq(pp_maps_parse(text, sizeof(line) - 1, &maps), 0);
	cr_assert_eq(maps.n, 1);
	cr_expect_eq(maps.m[0].loc, PP_LOC_OTHER);
	cr_expect_null(maps.m[0].path);
	pp_maps_free(&maps);
	free(text);
}

/* Found by fuzzing: mappings out of address order, or overlapping, were kept, and the binary
 * search of pp_maps_find then missed addresses that a mapping held. The kernel never lists
 * them so; such lines are dropped. */
Test(collect, maps_out_of_order_lines_are_dropped)
{
	static const char text[] =
		"7f0000002000-7f0000003000 r-xp 00000000 fd:01 12 /usr/lib/b.so\n"
		"7f0000000000-7f0000001000 r-xp 00000000 fd:01 11 /usr/lib/a.so\n"
		"7f0000002800-7f0000004000 r-xp 00000000 00:00 0 \n"
		"7f0000005000-7f0000006000 r-xp 00000000 00:00 0 [vdso]\n"
		"7f0000006000-7f0000007000 r-xp 00001000 fd:01 13 /usr/lib/c.so (deleted)\n";
	struct pp_maps maps = { 0 };
	cr_assert_eq(pp_maps_parse(text, sizeof(text) - 1, &maps), 0);
	cr_assert_eq(maps.n, 3);
	cr_expect_str_eq(maps.m[0].path, "/usr/lib/b.so");
	cr_expect_eq(maps.m[1].loc, PP_LOC_VDSO);
	cr_expect_eq(maps.m[2].loc, PP_LOC_FILE);
	cr_expect_null(maps.m[2].path, "a deleted file is not re-read");
	for (int i = 0; i < maps.n; i++) {
		cr_expect_eq(pp_maps_find(&maps, maps.m[i].start), &maps.m[i]);
		cr_expect_eq(pp_maps_find(&maps, maps.m[i].end - 1), &maps.m[i]);
	}
	cr_expect_null(pp_maps_find(&maps, 0x7f0000000800));
	cr_expect_null(pp_maps_find(&maps, 0x7f0000004800));
	pp_maps_free(&maps);
}

/* `stat -- sleep 1`: a process that hardly runs. A window with under
 * PP_FEATURES_MIN_TASK_CLOCK_S of CPU time has no rates per task-clock second (null in JSON,
 * left out of the text, which says so); every window is stamped with its own end. */
Test(collect, cli_stat_leaves_out_rates_of_a_sleeping_target, .timeout = 60)
{
	char *out, *err;
	int rc = pp_cli_run("stat --json -b perf-sw,procfs -- sleep 1", &out, &err);
	cr_assert_eq(rc, 0, "stderr: %s", err);
	int thin = 0, n = 0;
	double last_end = -1;
	for (char *line = strtok(out, "\n"); line; line = strtok(NULL, "\n"), n++) {
		cJSON *o = cJSON_Parse(line);
		cr_assert_not_null(o, "not JSON: %s", line);
		double tc = cJSON_GetObjectItem(o, "task_clock_s")->valuedouble;
		double end = cJSON_GetObjectItem(o, "end_s")->valuedouble;
		cr_expect_gt(end, last_end, "window %d is stamped %g, the one before %g", n, end,
			     last_end);
		last_end = end;
		bool left_out = tc < PP_FEATURES_MIN_TASK_CLOCK_S;
		thin += left_out;
		cr_expect_eq(cJSON_IsTrue(cJSON_GetObjectItem(o, "rates_left_out")), left_out,
			     "%s", line);
		cJSON *f = cJSON_GetObjectItem(o, "features");
		for (int i = 0; i < PP_F_COUNT; i++)
			if (left_out && pp_feature_per_task_clock(i))
				cr_expect(cJSON_IsNull(cJSON_GetObjectItem(f, pp_feature_info(i)->name)),
					  "%s in a window with %g s on a CPU: %s",
					  pp_feature_info(i)->name, tc, line);
		cr_expect(cJSON_IsNumber(cJSON_GetObjectItem(f, "cpu_util")), "%s", line);
		cJSON_Delete(o);
	}
	cr_expect_geq(n, 1);
	cr_expect_geq(thin, 1, "sleep ran 10 ms on a CPU in every window: %d windows", n);
	free(out);
	free(err);

	rc = pp_cli_run("stat -b perf-sw,procfs -- sleep 1", &out, &err);
	cr_assert_eq(rc, 0, "stderr: %s", err);
	char prev[32] = "";
	int said = 0;
	for (char *line = strtok(out, "\n"); line; line = strtok(NULL, "\n")) {
		char stamp[32];
		cr_assert_eq(sscanf(line, "%31s", stamp), 1, "%s", line);
		cr_expect_str_neq(stamp, prev, "two windows stamped %s", stamp);
		snprintf(prev, sizeof(prev), "%s", stamp);
		if (strstr(line, "rates per task-clock s left out")) {
			said++;
			cr_expect_null(strstr(line, "minor_faults="), "%s", line);
			cr_expect_null(strstr(line, "ctx_switches="), "%s", line);
		}
	}
	cr_expect_geq(said, 1, "%s", out);
	free(out);
	free(err);
}
