/* The hardware-counter path on a PMU: scripts/arm64-guest boots the AArch64 build in
 * qemu-system-aarch64 -M virt -cpu max -icount shift=0, whose emulated PMUv3 counts cycles and
 * instructions and lacks most cache, TLB and branch-miss events, and runs `powprint info` and
 * `powprint stat` there (docs/arm64.md). This test reads the guest's console: perf-hw counts
 * cycles and instructions in every window, IPC is plausible, the events the PMU lacks are
 * null and named by exactly one warning, multiplexed counts are scaled back, kernel mode
 * opens, and an event named on the command line that the PMU lacks is refused with the reason.
 *
 * It runs against the AArch64 build directory named by PP_ARM64_BUILD (scripts/cross-arm64
 * sets it and runs this test, label `guest`, after the unit tests) and skips when that is
 * unset, holds no powprint, or qemu-system-aarch64 is missing. */
#define _GNU_SOURCE
#include "support/testutil.h"

#include <cjson/cJSON.h>
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

/* The default events (pp_collector_default_events) the guest's perf-hw reports. */
static const char *const default_events[] = {
	"cycles", "instructions", "L1-dcache-load-misses", "LLC-load-misses",
	"dTLB-load-misses", "branch-misses", "cache-references", "stalled-cycles-frontend",
	"stalled-cycles-backend", NULL,
};

static bool on_path(const char *prog)
{
	char cmd[256];
	snprintf(cmd, sizeof(cmd), "command -v %s >/dev/null 2>&1", prog);
	int st = system(cmd);
	return st != -1 && WIFEXITED(st) && WEXITSTATUS(st) == 0;
}

/* The output of one step of the guest's /init (between its begin and end markers, the end
 * line included) as a malloc'd string, and its exit status in *rc; NULL when absent. */
static char *section(const char *console, const char *step, int *rc)
{
	char begin[128], end[128];
	snprintf(begin, sizeof(begin), "@@@ powprint-guest begin %s\n", step);
	snprintf(end, sizeof(end), "@@@ powprint-guest end %s rc=", step);
	const char *b = strstr(console, begin);
	if (!b)
		return NULL;
	b += strlen(begin);
	const char *e = strstr(b, end);
	if (!e)
		return NULL;
	*rc = atoi(e + strlen(end));
	return strndup(b, (size_t)(e - b));
}

static int count_lines_with(const char *text, const char *needle)
{
	int n = 0;
	for (const char *p = text; (p = strstr(p, needle)); p += strlen(needle))
		n++;
	return n;
}

/* The line of text holding needle, copied into line (empty when none). */
static void line_with(const char *text, const char *needle, char *line, size_t len)
{
	line[0] = 0;
	const char *p = strstr(text, needle);
	if (!p)
		return;
	while (p > text && p[-1] != '\n')
		p--;
	const char *e = strchr(p, '\n');
	size_t n = e ? (size_t)(e - p) : strlen(p);
	snprintf(line, len, "%.*s", (int)n, p);
}

/* A raw count printed by `stat --counts` in one text line: " [name]=value". */
static double text_count(const char *line, const char *name)
{
	char key[80];
	snprintf(key, sizeof(key), " [%s]=", name);
	const char *p = strstr(line, key);
	return p ? strtod(p + strlen(key), NULL) : NAN;
}

static double text_feature(const char *line, const char *name)
{
	char key[80];
	snprintf(key, sizeof(key), " %s=", name);
	const char *p = strstr(line, key);
	return p ? strtod(p + strlen(key), NULL) : NAN;
}

/* A step that must have run and succeeded: its output (caller frees). */
static char *step_ok(const char *console, const char *step, const char *what)
{
	int rc;
	char *s = section(console, step, &rc);
	cr_assert_not_null(s, "no %s in the guest's console", what);
	cr_expect_eq(rc, 0, "%s failed:\n%s", what, s);
	return s;
}

static bool plausible_ipc(double ipc)
{
	return isfinite(ipc) && ipc >= 0.05 && ipc <= 8;
}

static void check_info(const char *console)
{
	char *s = step_ok(console, "info", "`powprint info`");
	char line[512];
	line_with(s, "perf-hw ", line, sizeof(line));
	cr_expect(strstr(line, "available:") && !strstr(line, "unavailable"),
		  "perf-hw is available in the guest: '%s'", line);
	line_with(s, "hardware PMU", line, sizeof(line));
	cr_expect(strstr(line, "yes"), "info sees the PMU: '%s'", line);
	/* The CPU named from its MIDR (core/midr.c), not x86's family/model. */
	line_with(s, "  id ", line, sizeof(line));
	cr_expect(strstr(line, "MIDR 0x") && strstr(line, "part 0x051"), "id: '%s'", line);
	line_with(s, "  core ", line, sizeof(line));
	cr_expect(strstr(line, "QEMU -cpu max"), "core: '%s'", line);
	line_with(s, "  brand ", line, sizeof(line));
	cr_expect(strstr(line, "QEMU -cpu max r0p0") && !strstr(line, "QEMU QEMU"), "brand: '%s'",
		  line);
	free(s);
}

/* stat --json over the default events: every window counts cycles and instructions, IPC is
 * plausible, the events the PMU lacks are null in every window, and one warning names
 * exactly them. */
static void check_stat_json(const char *console)
{
	char *s = step_ok(console, "stat-json", "`powprint stat --json`");
	cr_expect_eq(count_lines_with(s, "warning:"), 1, "exactly one warning:\n%s", s);
	char warning[2048];
	line_with(s, "warning:", warning, sizeof(warning));
	cr_expect(strstr(warning, "perf-hw") && strstr(warning, "reported as missing"),
		  "the warning says what is missing: '%s'", warning);

	bool missing[sizeof(default_events) / sizeof(default_events[0])] = { 0 };
	int windows = 0;
	char *save = NULL;
	for (char *l = strtok_r(s, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
		if (l[0] != '{')
			continue;
		cJSON *w = cJSON_Parse(l);
		cr_assert_not_null(w, "not JSON: %s", l);
		cJSON *counts = cJSON_GetObjectItem(w, "counts");
		cJSON *features = cJSON_GetObjectItem(w, "features");
		cr_assert(cJSON_IsObject(counts) && cJSON_IsObject(features), "%s", l);
		double cyc = cJSON_GetNumberValue(cJSON_GetObjectItem(counts, "cycles"));
		double ins = cJSON_GetNumberValue(cJSON_GetObjectItem(counts, "instructions"));
		double ipc = cJSON_GetNumberValue(cJSON_GetObjectItem(features, "ipc"));
		cr_expect(isfinite(cyc) && cyc > 1e6, "window %d: cycles %g", windows, cyc);
		cr_expect(isfinite(ins) && ins > 1e6, "window %d: instructions %g", windows, ins);
		cr_expect(plausible_ipc(ipc), "window %d: ipc %g", windows, ipc);
		cr_expect(fabs(ipc - ins / cyc) < 1e-6 * ipc, "ipc is instructions / cycles");
		for (int i = 2; default_events[i]; i++) {
			cJSON *c = cJSON_GetObjectItem(counts, default_events[i]);
			cr_expect_not_null(c, "window %d reports %s (null or a count)", windows,
					   default_events[i]);
			bool null = cJSON_IsNull(c);
			if (windows == 0)
				missing[i] = null;
			cr_expect_eq(null, missing[i], "%s is null in every window or in none",
				     default_events[i]);
			cr_expect(null || (cJSON_IsNumber(c) && isfinite(c->valuedouble) &&
					   c->valuedouble >= 0), "%s: a count", default_events[i]);
		}
		cJSON_Delete(w);
		windows++;
	}
	cr_expect_eq(windows, 3, "stat -n 3 prints three windows, not %d", windows);
	int nmissing = 0;
	for (int i = 2; default_events[i]; i++) {
		char named[80];
		snprintf(named, sizeof(named), " %s (", default_events[i]);
		bool in_warning = strstr(warning, named) != NULL;
		cr_expect_eq(in_warning, missing[i], "%s is %s, so the warning %s it: '%s'",
			     default_events[i], missing[i] ? "null" : "counted",
			     missing[i] ? "names" : "does not name", warning);
		nmissing += missing[i];
	}
	/* qemu's PMUv3 has no L1D refill, LLC, dTLB or branch-miss events. */
	cr_expect_geq(nmissing, 4, "the emulated PMU lacks events, so some are null");
	free(s);
}

/* The same in text with --counts: three windows with ipc and cycles, one warning. */
static void check_stat_text(const char *console)
{
	char *s = step_ok(console, "stat-text", "`powprint stat --counts`");
	cr_expect_eq(count_lines_with(s, "warning:"), 1, "exactly one warning:\n%s", s);
	cr_expect_eq(count_lines_with(s, " [cycles]="), 3, "three windows count cycles:\n%s", s);
	cr_expect_eq(count_lines_with(s, " ipc="), 3, "three windows have an IPC:\n%s", s);
	free(s);
}

/* Kernel mode (exclude_hv follows exclude_kernel, or arm64 kernels refuse it). */
static void check_stat_kernel(const char *console)
{
	char *s = step_ok(console, "stat-kernel", "`powprint stat --kernel`");
	char line[2048];
	line_with(s, " [hw.kernel]=1", line, sizeof(line));
	cr_expect(line[0], "a window counted in kernel mode:\n%s", s);
	cr_expect(plausible_ipc(text_feature(line, "ipc")), "'%s'", line);
	cr_expect_eq(count_lines_with(s, "warning:"), 0, "nothing missing:\n%s", s);
	free(s);
}

/* Ten events on seven counters: each runs part of the time, and its count scaled by
 * enabled / running comes back to about the cycles count (all ten count cycles or
 * instructions, which -icount shift=0 makes equal). */
static void check_stat_mux(const char *console)
{
	char *s = step_ok(console, "stat-mux", "multiplexed `powprint stat`");
	static const char *const mux[] = { "instructions", "perf_raw::r8", "perf_raw::r11",
		"perf_raw::r08", "perf_raw::r011", "perf_raw::r008", "perf_raw::r0011",
		"perf_raw::r0008", "perf_raw::r00011", NULL };
	int windows = 0;
	char *save = NULL;
	for (char *l = strtok_r(s, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
		if (!strstr(l, " [cycles]="))
			continue;
		windows++;
		double cyc = text_count(l, "cycles"), run = text_feature(l, "hw_running");
		cr_expect(run > 0.05 && run < 0.9, "multiplexed: hw_running %g in '%s'", run, l);
		for (int i = 0; mux[i]; i++) {
			double v = text_count(l, mux[i]);
			cr_expect(fabs(v / cyc - 1) < 0.1, "%s %g scaled to about cycles %g",
				  mux[i], v, cyc);
		}
	}
	cr_expect_eq(windows, 2, "two windows:\n%s", s);
	free(s);
}

/* Every backend at once, beside the missing events. */
static void check_stat_all(const char *console)
{
	char *s = step_ok(console, "stat-all", "`powprint stat` with every backend");
	char line[8192];
	line_with(s, " [cycles]=", line, sizeof(line));
	cr_expect(plausible_ipc(text_feature(line, "ipc")), "ipc beside the other backends:\n%s",
		  s);
	cr_expect(isfinite(text_feature(line, "ghz")), "ghz from cycles and task-clock:\n%s", s);
	free(s);
}

/* An event the user names is required: refused, with the PMU's reason. */
static void check_named_missing(const char *console)
{
	int rc;
	char *s = section(console, "stat-named-missing", &rc);
	cr_assert_not_null(s, "no `powprint stat -e cycles,branch-misses` in the guest's console");
	cr_expect_neq(rc, 0, "a named event the PMU lacks fails stat:\n%s", s);
	cr_expect(strstr(s, "branch-misses") && strstr(s, "not supported"),
		  "the message names the event and why:\n%s", s);
	free(s);
}

Test(arm64_guest, perf_hw_on_the_emulated_pmu, .timeout = 840)
{
	const char *build = getenv("PP_ARM64_BUILD");
	if (!build || !build[0])
		cr_skip_test("PP_ARM64_BUILD is not set: name an AArch64 build directory "
			     "(scripts/cross-arm64 sets it and runs this test)");
	char bin[4096];
	snprintf(bin, sizeof(bin), "%s/powprint", build);
	if (access(bin, X_OK) != 0)
		cr_skip_test("no AArch64 build in PP_ARM64_BUILD=%s (%s is missing): build it "
			     "with scripts/cross-arm64", build, bin);
	if (!on_path("qemu-system-aarch64"))
		cr_skip_test("qemu-system-aarch64 is not installed (scripts/bootstrap --arm64 "
			     "installs it)");

	const char *out = "arm64-guest-console.txt"; /* kept in the test's directory */
	char cmd[8192];
	snprintf(cmd, sizeof(cmd), "'%s/scripts/arm64-guest' -B '%s' -o '%s' -t 780",
		 PP_SOURCE_DIR, build, out);
	int st = system(cmd);
	char *console = pp_test_slurp(out);
	cr_assert(st != -1 && WIFEXITED(st) && WEXITSTATUS(st) == 0,
		  "scripts/arm64-guest failed (status %d); the console:\n%s", st, console);
	check_info(console);
	check_stat_json(console);
	check_stat_text(console);
	check_stat_kernel(console);
	check_stat_mux(console);
	check_stat_all(console);
	check_named_missing(console);
	free(console);
}
