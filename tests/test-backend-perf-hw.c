/* The perf-hw backend. Encoding event names through libpfm4 and building event sets work
 * without a PMU and always run; counting needs one, and its test skips with the probe's reason
 * where there is none (virtual machines, containers). */
#define _GNU_SOURCE
#include "core/clock.h"
#include "fingerprint/collect/collector.h"
#include "fingerprint/collect/evset.h"
#include "support/fixtures.h"

#include <powprint/collect.h>
#include <powprint/features.h>
#include <powprint/opts.h>

#include <criterion/criterion.h>
#include <errno.h>
#include <linux/perf_event.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static struct pp_window win;

/* ---- perf-hw: encoding through libpfm4 works without a PMU ---- */

Test(perf_hw, perf_hw_default_events_encode)
{
	char *list = strdup(pp_collector_default_events()), *save = NULL;
	int n = 0;
	for (char *ev = strtok_r(list, ",", &save); ev; ev = strtok_r(NULL, ",", &save), n++) {
		struct perf_event_attr a;
		char why[512];
		int err = pp_pfm_encode(ev, false, &a, why, sizeof(why));
		cr_expect_eq(err, 0, "%s: %s", ev, why);
		cr_expect(a.type == PERF_TYPE_HARDWARE || a.type == PERF_TYPE_HW_CACHE,
			  "%s: type %u", ev, a.type);
		cr_expect(a.exclude_kernel, "%s: user space only by default", ev);
		cr_expect_eq(pp_pfm_encode(ev, true, &a, why, sizeof(why)), 0);
		cr_expect(!a.exclude_kernel, "%s: --kernel counts kernel mode", ev);
	}
	cr_expect_geq(n, 6);
	free(list);
	struct perf_event_attr a;
	char why[512];
	cr_expect_eq(pp_pfm_encode("instructions", false, &a, why, sizeof(why)), 0);
	cr_expect_eq(a.config, PERF_COUNT_HW_INSTRUCTIONS);
	cr_expect_eq(pp_pfm_encode("no-such-event", false, &a, why, sizeof(why)), -ENOENT);
}

/* Model-specific names need the model's PMU table: LIBPFM_FORCE_PMU selects one on a machine
 * without it (each criterion test is its own process, so libpfm4 initialises afresh). */
Test(perf_hw, perf_hw_model_events_encode_with_forced_pmu)
{
	setenv("LIBPFM_FORCE_PMU", "skl", 1);
	struct perf_event_attr a;
	char why[512];
	int err = pp_pfm_encode("INST_RETIRED:ANY_P", false, &a, why, sizeof(why));
	cr_assert_eq(err, 0, "%s", why);
	cr_expect_eq(a.type, PERF_TYPE_RAW);
	cr_expect_eq(a.config & 0xffff, 0xc0, "Intel's event code for INST_RETIRED: %#llx",
		     (unsigned long long)a.config);
	cr_expect_eq(pp_pfm_encode("INST_RETIRED:NO_SUCH_UMASK", false, &a, why, sizeof(why)),
		     -EINVAL);
}

Test(perf_hw, perf_hw_counts_when_there_is_a_pmu)
{
	NEED("perf-hw");
	pid_t pid = fx_spawn(fx_loop_busy);
	fx_one_window(pid, "perf-hw,perf-sw", 500, &win);
	fx_reap(pid);
	cr_expect_gt(pp_window_count(&win, "cycles"), 1e6);
	cr_expect_gt(pp_window_count(&win, "instructions"), 1e6);
	cr_expect_gt(F(&win, PP_F_IPC), 0.1);
	cr_expect_gt(F(&win, PP_F_HW_RUNNING), 0.0);
}


/* ---- event sets (evset.c, shared with perf-sw) ---- */

/* A set holds PP_EVSET_MAX events, names cut to fit, none opened before pp_evset_open. */
Test(perf_hw, event_set_holds_at_most_its_size)
{
	static struct pp_evset s;
	struct perf_event_attr a = { .type = PERF_TYPE_SOFTWARE, .size = sizeof(a),
				     .config = PERF_COUNT_SW_TASK_CLOCK };
	char name[96];
	for (int i = 0; i < PP_EVSET_MAX; i++) {
		snprintf(name, sizeof(name), "event-%d-%060d", i, 0);
		cr_assert_eq(pp_evset_add(&s, &a, name, i % 2), i);
	}
	cr_expect_eq(pp_evset_add(&s, &a, "one-too-many", false), -ENOSPC);
	cr_expect_eq(s.nev, PP_EVSET_MAX);
	cr_expect_eq(strlen(s.name[3]), sizeof(s.name[3]) - 1, "%s", s.name[3]);
	cr_expect_eq(strncmp(s.name[3], "event-3-000", 11), 0, "%s", s.name[3]);
	cr_expect(s.optional[5] && !s.optional[4]);
	for (int i = 0; i < s.nev; i++)
		cr_expect_eq(s.group_of[i], -1, "event %d in a group before opening", i);
}

static void ignore_warning(const struct pp_backend_ctx *ctx, const char *fmt, ...)
{
	(void)ctx;
	(void)fmt;
}

/* Software events go through the same grouping as hardware ones: at most group_size per
 * group, each group read as one, every event counted on this process. */
Test(perf_hw, event_set_groups_and_counts_software_events)
{
	NEED("perf-sw");
	static const struct {
		uint64_t config;
		const char *name;
	} ev[] = { { PERF_COUNT_SW_TASK_CLOCK, "task-clock" },
		   { PERF_COUNT_SW_PAGE_FAULTS, "page-faults" },
		   { PERF_COUNT_SW_CONTEXT_SWITCHES, "context-switches" },
		   { PERF_COUNT_SW_CPU_MIGRATIONS, "cpu-migrations" },
		   { PERF_COUNT_SW_CPU_CLOCK, "cpu-clock" } };
	static struct pp_evset s = { .backend = "test", .group_size = 2 };
	for (int i = 0; i < 5; i++) {
		struct perf_event_attr a = { .type = PERF_TYPE_SOFTWARE, .size = sizeof(a),
					     .config = ev[i].config, .exclude_kernel = 1,
					     .exclude_hv = 1 };
		cr_assert_eq(pp_evset_add(&s, &a, ev[i].name, false), i);
	}
	pid_t tid = gettid();
	struct pp_target t = { .pid = getpid(), .tids = &tid, .ntids = 1 };
	PP_OPTS(pp_collect_opts, o, .interval_ms = 1000);
	char why[512] = "";
	struct pp_backend_ctx ctx = { .tgt = &t, .opts = &o, .why = why, .why_len = sizeof(why),
				      .warn = ignore_warning };
	cr_assert_eq(pp_evset_open(&s, &ctx, "test"), 0, "%s", why);
	cr_expect_eq(s.ngroups, 3);
	int want[] = { 0, 0, 1, 1, 2 };
	for (int i = 0; i < 5; i++)
		cr_expect_eq(s.group_of[i], want[i], "%s in group %d", ev[i].name, s.group_of[i]);
	cr_assert_eq(pp_evset_enable(&s, true), 0);
	static volatile uint8_t touch[4 << 20];
	for (size_t i = 0; i < sizeof(touch); i += 4096)
		touch[i] = 1; /* page faults */
	double t0 = pp_clock_mono_s();
	while (pp_clock_mono_s() - t0 < 0.02)
		;
	cr_assert_eq(pp_evset_enable(&s, false), 0);
	win.ncounts = 0;
	pp_evset_read(&s, &win);
	pp_evset_close(&s);
	cr_expect_eq(win.ncounts, 5);
	cr_expect_gt(pp_window_count(&win, "task-clock"), 1e7, "20 ms busy: %.0f ns",
		     pp_window_count(&win, "task-clock"));
	cr_expect_gt(pp_window_count(&win, "cpu-clock"), 1e7);
	cr_expect_gt(pp_window_count(&win, "page-faults"), 100, "4 MiB touched: %.0f faults",
		     pp_window_count(&win, "page-faults"));
}
