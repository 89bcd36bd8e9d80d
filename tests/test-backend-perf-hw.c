/* The perf-hw backend. Encoding event names through libpfm4 and building event sets work
 * without a PMU and always run; counting needs one, and its test skips with the probe's reason
 * where there is none (virtual machines, containers). */
#define _GNU_SOURCE
#include "core/clock.h"
#include "core/pmus.h"
#include "fingerprint/collect/collector.h"
#include "fingerprint/collect/evset.h"
#include "support/fixtures.h"

#include <powprint/collect.h>
#include <powprint/features.h>
#include <powprint/opts.h>
#include <powprint/perf.h>

#include <criterion/criterion.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
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
 * without it (each criterion test is its own process, so libpfm4 initialises afresh). libpfm4
 * is built with its own architecture's tables only: Skylake's on x86, Cortex-A57's on ARM. */
#if defined(__aarch64__)
#define FORCED_PMU "arm_ac57"
#define FORCED_EVENT "INST_RETIRED"
#define FORCED_CODE 0x08 /* ARM's architected event number */
#define FORCED_BAD "INST_RETIRED:NO_SUCH_UMASK"
#else
#define FORCED_PMU "skl"
#define FORCED_EVENT "INST_RETIRED:ANY_P"
#define FORCED_CODE 0xc0 /* Intel's event code */
#define FORCED_BAD "INST_RETIRED:NO_SUCH_UMASK"
#endif

Test(perf_hw, perf_hw_model_events_encode_with_forced_pmu)
{
	setenv("LIBPFM_FORCE_PMU", FORCED_PMU, 1);
	struct perf_event_attr a;
	char why[512];
	int err = pp_pfm_encode(FORCED_EVENT, false, &a, why, sizeof(why));
	cr_assert_eq(err, 0, "%s", why);
	cr_expect_eq(a.type, PERF_TYPE_RAW);
	cr_expect_eq(a.config & 0xffff, FORCED_CODE, "the model's event code for %s: %#llx",
		     FORCED_EVENT, (unsigned long long)a.config);
	cr_expect_eq(pp_pfm_encode(FORCED_BAD, false, &a, why, sizeof(why)), -EINVAL);
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


/* ---- perf-hw through hooks: PMUs that lack events, hybrid PMUs (no PMU needed) ---- */

static const char *const *hw_counts(void)
{
	return pp_backend_counts(pp_backend_find("perf-hw", 7));
}

/* What a test's PMU lacks: generic events by type and config (low 32 bits), and the error
 * opening one gives. */
struct lack {
	uint32_t type;
	uint64_t config;
	int err;
};
#define HWC(c) (PERF_COUNT_HW_CACHE_##c | (PERF_COUNT_HW_CACHE_OP_READ << 8) |                \
		(PERF_COUNT_HW_CACHE_RESULT_MISS << 16))
static const struct lack *lacks;
static int nlacks;
static struct { uint32_t type; uint64_t config; } opened[256];
static int nopened;

/* Opens cpu-clock in place of every hardware event, so that the hardware path's open, enable
 * and read really run, and fails like the PMU being played for the events it lacks. */
static int pmu_open(struct perf_event_attr *a, pid_t tid, int cpu, int group, unsigned long fl)
{
	if (nopened < (int)(sizeof(opened) / sizeof(opened[0])))
		opened[nopened].type = a->type, opened[nopened++].config = a->config;
	if (a->type != PERF_TYPE_HARDWARE && a->type != PERF_TYPE_HW_CACHE)
		return pp_perf_open(a, tid, cpu, group, fl);
	for (int i = 0; i < nlacks; i++)
		if (lacks[i].type == a->type && lacks[i].config == (a->config & 0xffffffffu))
			return lacks[i].err;
	struct perf_event_attr b = *a;
	b.type = PERF_TYPE_SOFTWARE;
	b.config = PERF_COUNT_SW_CPU_CLOCK;
	return pp_perf_open(&b, tid, cpu, group, fl);
}

static char hw_warned[2048];
static int hw_nwarned;

static void keep_hw_warning(const struct pp_backend_ctx *ctx, const char *fmt, ...)
{
	(void)ctx;
	va_list ap;
	va_start(ap, fmt);
	size_t len = strlen(hw_warned);
	vsnprintf(hw_warned + len, sizeof(hw_warned) - len, fmt, ap);
	va_end(ap);
	hw_nwarned++;
}

/* One 300 ms window of perf-hw's default events on a busy child, through the hooks. */
static void hw_window(const struct lack *l, int n, struct pp_window *w)
{
	lacks = l;
	nlacks = n;
	nopened = 0;
	hw_warned[0] = 0;
	hw_nwarned = 0;
	pp_evset_hooks.open = pmu_open;
	pid_t pid = fx_spawn(fx_loop_busy);
	struct pp_target t = { .pid = pid, .tids = &pid, .ntids = 1 };
	PP_OPTS(pp_collect_opts, o, .interval_ms = 1000);
	char why[512] = "";
	struct pp_backend_ctx ctx = { .tgt = &t, .opts = &o, .why = why, .why_len = sizeof(why),
				      .warn = keep_hw_warning };
	void *priv = calloc(1, pp_backend_perf_hw.priv_size);
	int err = pp_backend_perf_hw.open(priv, &ctx);
	if (!err) {
		cr_assert_eq(pp_backend_perf_hw.enable(priv, true), 0);
		usleep(300 * 1000);
		pp_backend_perf_hw.enable(priv, false);
		w->ncounts = 0;
		pp_backend_perf_hw.read(priv, w);
		pp_backend_perf_hw.close(priv);
	}
	free(priv);
	fx_reap(pid);
	pp_evset_hooks.open = pp_perf_open;
	cr_assert_eq(err, 0, "%s", why);
}

/* cycles and instructions counted, the events named in lacks NaN, every other default
 * event counted, and one warning naming exactly the missing ones. */
static void expect_missing(const struct pp_window *w, const char *const *missing, int n)
{
	cr_expect_gt(pp_window_count(w, "cycles"), 1e7, "cycles %g", pp_window_count(w, "cycles"));
	cr_expect_gt(pp_window_count(w, "instructions"), 1e7);
	for (int i = 0; hw_counts()[i]; i++) {
		const char *ev = hw_counts()[i];
		bool miss = false;
		for (int k = 0; k < n; k++)
			miss |= !strcmp(ev, missing[k]);
		if (miss) {
			cr_expect(isnan(pp_window_count(w, ev)), "%s: %g", ev, pp_window_count(w, ev));
			cr_expect(strstr(hw_warned, ev), "the warning names %s: %s", ev, hw_warned);
		} else {
			cr_expect(isfinite(pp_window_count(w, ev)), "%s is counted", ev);
			cr_expect(!strstr(hw_warned, ev) || !strcmp(ev, "cycles"),
				  "%s is not missing: %s", ev, hw_warned);
		}
	}
	cr_expect_eq(hw_nwarned, 1, "one warning: %s", hw_warned);
	cr_expect(isfinite(F(w, PP_F_IPC)), "ipc from cycles and instructions");
}

Test(perf_hw, amd_zen_without_an_llc_map_counts_the_rest)
{
	NEED("perf-sw");
	static const struct lack amd[] = { { PERF_TYPE_HW_CACHE, HWC(LL), -ENOENT } };
	static struct pp_window w;
	hw_window(amd, 1, &w);
	static const char *const miss[] = { "LLC-load-misses" };
	expect_missing(&w, miss, 1);
	cr_expect(strstr(hw_warned, "No such file"), "%s", hw_warned);
}

Test(perf_hw, intel_guest_hiding_the_offcore_msr_counts_the_rest)
{
	NEED("perf-sw");
	static const struct lack guest[] = { { PERF_TYPE_HW_CACHE, HWC(LL), -ENXIO } };
	static struct pp_window w;
	hw_window(guest, 1, &w);
	static const char *const miss[] = { "LLC-load-misses" };
	expect_missing(&w, miss, 1);
}

/* What qemu-system-aarch64 -cpu max's PMUv3 lacks, as the AArch64 guest showed
 * (docs/arm64.md): L1D refills, LLC, dTLB and branch misses and L1D accesses; its
 * STALL_FRONTEND and STALL_BACKEND exist (and count 0). */
Test(perf_hw, qemu_arm_pmu_without_cache_and_branch_events_counts_the_rest)
{
	NEED("perf-sw");
	static const struct lack arm[] = {
		{ PERF_TYPE_HW_CACHE, HWC(L1D), -ENOENT },
		{ PERF_TYPE_HW_CACHE, HWC(LL), -ENOENT },
		{ PERF_TYPE_HW_CACHE, HWC(DTLB), -ENOENT },
		{ PERF_TYPE_HARDWARE, PERF_COUNT_HW_BRANCH_MISSES, -ENOENT },
		{ PERF_TYPE_HARDWARE, PERF_COUNT_HW_CACHE_REFERENCES, -ENOENT },
	};
	static struct pp_window w;
	hw_window(arm, 5, &w);
	static const char *const miss[] = { "L1-dcache-load-misses", "LLC-load-misses",
					    "dTLB-load-misses", "branch-misses",
					    "cache-references" };
	expect_missing(&w, miss, 5);
}

Test(perf_hw, without_cycles_nothing_is_counted_and_the_reason_is_given)
{
	NEED("perf-sw");
	static const struct lack none[] = {
		{ PERF_TYPE_HARDWARE, PERF_COUNT_HW_CPU_CYCLES, -ENOENT } };
	lacks = none;
	nlacks = 1;
	pp_evset_hooks.open = pmu_open;
	pid_t pid = getpid();
	struct pp_target t = { .pid = pid, .tids = &pid, .ntids = 1 };
	PP_OPTS(pp_collect_opts, o, .interval_ms = 1000);
	char why[512] = "";
	struct pp_backend_ctx ctx = { .tgt = &t, .opts = &o, .why = why, .why_len = sizeof(why),
				      .warn = keep_hw_warning };
	void *priv = calloc(1, pp_backend_perf_hw.priv_size);
	cr_expect_eq(pp_backend_perf_hw.open(priv, &ctx), -ENOENT);
	free(priv);
	pp_evset_hooks.open = pp_perf_open;
	cr_expect(strstr(why, "cycles") && strstr(why, "not supported"), "%s", why);
}

/* An event named with --events that the PMU lacks fails the open; the message (as stat and
 * record print it: the collector puts the backend's name first) names the event and why,
 * and names the backend once. The AArch64 guest showed "perf-hw: perf-hw event
 * 'branch-misses': ..." (docs/arm64.md). */
Test(perf_hw, a_named_event_the_pmu_lacks_is_refused_naming_it_once)
{
	NEED("perf-sw");
	static const struct lack arm[] = {
		{ PERF_TYPE_HARDWARE, PERF_COUNT_HW_BRANCH_MISSES, -ENOENT } };
	lacks = arm;
	nlacks = 1;
	pp_evset_hooks.open = pmu_open;
	char *argv[] = { "true", NULL };
	PP_OPTS(pp_collect_opts, o, .backends = "perf-hw", .events = "cycles,branch-misses",
		.interval_ms = 1000);
	struct pp_collector *c = NULL;
	char why[1024] = "";
	int err = pp_collector_open_cmd(argv, &o, &c, why, sizeof(why));
	pp_evset_hooks.open = pp_perf_open;
	if (!err)
		pp_collector_close(c);
	cr_expect_eq(err, -ENOENT, "%d: %s", err, why);
	cr_expect(strstr(why, "'branch-misses'") && strstr(why, "not supported"), "%s", why);
	cr_expect(!strstr(why, "perf-hw: perf-hw"), "the backend is named once: %s", why);
}

/* A sysfs tree under dir: name/type (and name/cpus for core PMUs of hybrid machines). */
static void fake_pmu(const char *dir, const char *name, unsigned type, const char *cpus_file)
{
	char path[512];
	snprintf(path, sizeof(path), "%s/bus/event_source/devices/%s", dir, name);
	char cmd[700];
	snprintf(cmd, sizeof(cmd), "mkdir -p '%s'", path);
	cr_assert_eq(system(cmd), 0);
	char file[600];
	snprintf(file, sizeof(file), "%s/type", path);
	FILE *f = fopen(file, "w");
	cr_assert_not_null(f);
	fprintf(f, "%u\n", type);
	fclose(f);
	if (cpus_file) {
		snprintf(file, sizeof(file), "%s/%s", path, cpus_file);
		f = fopen(file, "w");
		cr_assert_not_null(f);
		fprintf(f, "0-3\n");
		fclose(f);
	}
}

Test(perf_hw, core_pmus_are_found_by_name_or_cpus_file)
{
	char dir[] = "/tmp/pp-sysfs-XXXXXX";
	cr_assert_not_null(mkdtemp(dir));
	fake_pmu(dir, "armv8_neoverse_n1", 9, "cpus");  /* a device-tree name */
	fake_pmu(dir, "armv8_cortex_a55", 8, "cpus");
	fake_pmu(dir, "arm_cmn_0", 12, "cpumask");      /* uncore: not a core PMU */
	fake_pmu(dir, "software", 1, NULL);
	struct pp_core_pmu p[PP_CORE_PMUS_MAX];
	int n = pp_core_pmus(dir, p, PP_CORE_PMUS_MAX);
	cr_expect_eq(n, 2);
	cr_expect_str_eq(p[0].name, "armv8_cortex_a55", "by type");
	cr_expect_eq(p[0].type, 8);
	cr_expect_str_eq(p[1].name, "armv8_neoverse_n1");
	char cmd[600];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	cr_expect_eq(system(cmd), 0);
	fake_pmu(dir, "cpu", 4, NULL);
	cr_expect_eq(pp_core_pmus(dir, p, PP_CORE_PMUS_MAX), 1, "x86: cpu has no cpus file");
	cr_expect_eq(system(cmd), 0);
	cr_expect_eq(pp_core_pmus(dir, p, PP_CORE_PMUS_MAX), 0, "none: a VM without a PMU");
}

/* Hybrid Intel: each generic event is opened once per core PMU with the PMU's type in config
 * bits 32-63, and the window has one count per event, summed. */
Test(perf_hw, hybrid_events_open_once_per_core_pmu_and_are_summed)
{
	NEED("perf-sw");
	char dir[] = "/tmp/pp-sysfs-XXXXXX";
	cr_assert_not_null(mkdtemp(dir));
	fake_pmu(dir, "cpu_core", 4, "cpus");
	fake_pmu(dir, "cpu_atom", 10, "cpus");
	fake_pmu(dir, "uncore_imc_0", 15, "cpumask");
	pp_evset_hooks.sysfs_root = dir;
	static struct pp_window w;
	static const struct lack intel[] = {
		{ PERF_TYPE_HARDWARE, PERF_COUNT_HW_STALLED_CYCLES_FRONTEND, -ENOENT },
		{ PERF_TYPE_HARDWARE, PERF_COUNT_HW_STALLED_CYCLES_BACKEND, -ENOENT } };
	hw_window(intel, 2, &w);
	pp_evset_hooks.sysfs_root = NULL;
	char cmd[600];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	cr_expect_eq(system(cmd), 0);

	for (int i = 0; hw_counts()[i]; i++) {
		const char *ev = hw_counts()[i];
		int seen = 0;
		for (int c = 0; c < w.ncounts; c++)
			seen += !strcmp(w.counts[c].name, ev);
		cr_expect_eq(seen, 1, "%s: one count, not one per PMU", ev);
	}
	bool on[2][2] = { { false } }; /* [cycles|instructions][cpu_core|cpu_atom] */
	int other_type = 0;
	for (int k = 0; k < nopened; k++) {
		if (opened[k].type != PERF_TYPE_HARDWARE && opened[k].type != PERF_TYPE_HW_CACHE)
			continue;
		unsigned pmu = (unsigned)(opened[k].config >> 32);
		uint64_t ev = opened[k].config & 0xffffffffu;
		if (pmu != 4 && pmu != 10)
			other_type++;
		if (opened[k].type == PERF_TYPE_HARDWARE && ev <= PERF_COUNT_HW_INSTRUCTIONS)
			on[ev][pmu == 10] = true;
	}
	cr_expect_eq(other_type, 0, "every generic event names cpu_core (4) or cpu_atom (10)");
	cr_expect(on[0][0] && on[0][1], "cycles on both core PMUs");
	cr_expect(on[1][0] && on[1][1], "instructions on both core PMUs");
	/* Both stand-ins count all the time here, so the sum is scaled back to one thread's
	 * time: about 0.3 s of cpu-clock, not 0.6 s. */
	double cyc = pp_window_count(&w, "cycles");
	cr_expect(cyc > 3e7 && cyc < 4.5e8, "cycles %g (ns of cpu-clock)", cyc);
}

/* ---- libpfm4 encoding details ---- */

Test(perf_hw, encoding_keeps_the_whole_attr_and_counts_guests)
{
	struct perf_event_attr a;
	char why[512];
	cr_assert_eq(pp_pfm_encode("cycles", false, &a, why, sizeof(why)), 0, "%s", why);
	cr_expect_eq(a.size, sizeof(a), "libpfm4 copies back 64 bytes only when size is 0");
	cr_expect(!a.exclude_guest, "a miner in a guest of the target counts");
	cr_expect_eq(a.exclude_hv, a.exclude_kernel);
	cr_assert_eq(pp_pfm_encode("cycles", true, &a, why, sizeof(why)), 0, "%s", why);
	cr_expect(!a.exclude_kernel && !a.exclude_hv,
		  "--kernel: exclude_hv follows exclude_kernel (arm64 refuses them unequal)");
	cr_expect_eq(pp_pfm_encode("cycles:period=100000", false, &a, why, sizeof(why)), -EINVAL);
	cr_expect(strstr(why, ":period"), "%s", why);
	cr_expect_eq(pp_pfm_encode("instructions:pinned", false, &a, why, sizeof(why)), -EINVAL);
	cr_expect(strstr(why, "group"), "%s", why);
}

Test(perf_hw, an_explicit_guest_modifier_is_kept)
{
	setenv("LIBPFM_FORCE_PMU", FORCED_PMU, 1);
	struct perf_event_attr a;
	char why[512];
	int err = pp_pfm_encode(FORCED_EVENT ":mh", false, &a, why, sizeof(why));
	if (err == -EINVAL && strstr(why, "mh"))
		cr_skip_test("this PMU's libpfm4 table has no guest/host modifiers: %s", why);
	cr_assert_eq(err, 0, "%s", why);
	cr_expect(a.exclude_guest, ":mh counts the host only");
	cr_assert_eq(pp_pfm_encode(FORCED_EVENT, false, &a, why, sizeof(why)), 0);
	cr_expect(!a.exclude_guest);
}

Test(perf_hw, event_meanings_differ_by_vendor)
{
	const char *intel = pp_hw_event_meaning("cache-references", "GenuineIntel");
	const char *amd = pp_hw_event_meaning("cache-references", "AuthenticAMD");
	const char *arm = pp_hw_event_meaning("cache-references", "implementer 0x41");
	cr_assert(intel && amd && arm);
	cr_expect(strstr(intel, "last-level"), "%s", intel);
	cr_expect(strstr(amd, "L2"), "%s", amd);
	cr_expect(strstr(arm, "L1D"), "%s", arm);
	for (int i = 0; hw_counts()[i]; i++)
		if (strcmp(hw_counts()[i], "hw.kernel"))
			cr_expect_not_null(pp_hw_event_meaning(hw_counts()[i],
							       "AuthenticAMD"),
					   "%s", hw_counts()[i]);
	cr_expect_null(pp_hw_event_meaning("no-such-event", "GenuineIntel"));
}
