/* The CLI's contract: help, version, usage errors (exit 2, with the valid choices), and the
 * shape and truthfulness of `powprint info --json`. */
#include "support/testutil.h"

#include <cjson/cJSON.h>
#include <criterion/criterion.h>
#include <linux/perf_event.h>
#include <powprint/powprint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

Test(cli, help_lists_commands)
{
	char *out;
	cr_assert_eq(pp_cli_run("--help", &out, NULL), 0);
	cr_assert(strstr(out, "usage: powprint"), "%s", out);
	cr_assert(strstr(out, "info"), "info missing from --help: %s", out);
	free(out);
}

Test(cli, version)
{
	char *out;
	cr_assert_eq(pp_cli_run("--version", &out, NULL), 0);
	cr_assert(strstr(out, PP_VERSION_STRING), "%s", out);
	free(out);
}

Test(cli, no_command_is_usage_error)
{
	char *err;
	cr_assert_eq(pp_cli_run("", NULL, &err), 2);
	cr_assert(strstr(err, "usage"), "%s", err);
	free(err);
}

Test(cli, unknown_command_lists_valid_ones)
{
	char *err;
	cr_assert_eq(pp_cli_run("frobnicate", NULL, &err), 2);
	cr_assert(strstr(err, "unknown command 'frobnicate'"), "%s", err);
	cr_assert(strstr(err, "valid commands:") && strstr(err, "info"), "%s", err);
	free(err);
}

Test(cli, unknown_option_lists_valid_ones)
{
	char *err;
	cr_assert_eq(pp_cli_run("info --frobnicate", NULL, &err), 2);
	cr_assert(strstr(err, "unknown option '--frobnicate'"), "%s", err);
	cr_assert(strstr(err, "--json"), "valid options not listed: %s", err);
	free(err);

	cr_assert_eq(pp_cli_run("--frobnicate", NULL, &err), 2);
	cr_assert(strstr(err, "--version"), "%s", err);
	free(err);
}

Test(cli, help_command_and_dash_help_agree)
{
	char *a, *b;
	cr_assert_eq(pp_cli_run("help info", &a, NULL), 0);
	cr_assert_eq(pp_cli_run("info --help", &b, NULL), 0);
	cr_assert_str_eq(a, b);
	cr_assert(strstr(a, "--json"), "%s", a);
	free(a);
	free(b);
	cr_assert_eq(pp_cli_run("help nosuch", NULL, NULL), 2);
}

Test(cli, unexpected_argument)
{
	char *err;
	cr_assert_eq(pp_cli_run("info extra", NULL, &err), 2);
	cr_assert(strstr(err, "unexpected argument 'extra'"), "%s", err);
	free(err);
}

static cJSON *info_json(void)
{
	char *out;
	cr_assert_eq(pp_cli_run("info --json", &out, NULL), 0);
	cJSON *j = cJSON_Parse(out);
	cr_assert_not_null(j, "info --json is not valid JSON: %s", out);
	free(out);
	return j;
}

static cJSON *field(cJSON *obj, const char *path)
{
	char buf[128];
	snprintf(buf, sizeof(buf), "%s", path);
	cJSON *cur = obj;
	for (char *save, *k = strtok_r(buf, ".", &save); k; k = strtok_r(NULL, ".", &save)) {
		cur = cJSON_GetObjectItemCaseSensitive(cur, k);
		cr_assert_not_null(cur, "info --json lacks %s", path);
	}
	return cur;
}

Test(cli, info_json_shape)
{
	cJSON *j = info_json();
	static const char *const strings[] = { "cpu.arch", "cpu.vendor", "cpu.brand",
		"cpu.codename", "kernel.release", "counters.hardware_pmu_why",
		"counters.software_events_why", "pages.thp_enabled", "version" };
	static const char *const numbers[] = { "cpu.family", "cpu.model", "cpu.stepping",
		"cpu.raw_family", "cpu.raw_model", "cpu.cores", "cpu.threads", "cpu.l1d_kib",
		"cpu.l2_kib", "cpu.l3_kib", "pages.nr_hugepages" };
	static const char *const bools[] = { "kernel.root", "kernel.cap_perfmon", "kernel.cap_bpf",
		"kernel.cap_sys_ptrace", "counters.hardware_pmu", "counters.software_events",
		"counters.cpu_clock_sampling", "cpu.features.aes", "cpu.features.vaes",
		"cpu.features.pclmul", "cpu.features.sha", "cpu.features.avx2",
		"cpu.features.avx512f" };
	for (size_t i = 0; i < sizeof(strings) / sizeof(*strings); i++)
		cr_assert(cJSON_IsString(field(j, strings[i])), "%s is not a string", strings[i]);
	for (size_t i = 0; i < sizeof(numbers) / sizeof(*numbers); i++)
		cr_assert(cJSON_IsNumber(field(j, numbers[i])), "%s is not a number", numbers[i]);
	for (size_t i = 0; i < sizeof(bools) / sizeof(*bools); i++)
		cr_assert(cJSON_IsBool(field(j, bools[i])), "%s is not a bool", bools[i]);
	cr_assert(cJSON_IsArray(field(j, "counters.libpfm4_pmus")));
	static const char *const backends[] = { "perf-hw", "perf-sw", "ip-sample", "procfs" };
	for (size_t i = 0; i < sizeof(backends) / sizeof(*backends); i++) {
		char path[64];
		snprintf(path, sizeof(path), "backends.%s.available", backends[i]);
		cr_assert(cJSON_IsBool(field(j, path)), "%s is not a bool", path);
	}
	/* perf-hw's availability is the hardware PMU's. */
	cr_assert_eq(cJSON_IsTrue(field(j, "backends.perf-hw.available")),
		     cJSON_IsTrue(field(j, "counters.hardware_pmu")));
	cJSON_Delete(j);
}

/* info must agree with what the kernel says when we ask it ourselves. */
Test(cli, info_tells_the_truth_about_the_pmu)
{
	struct perf_event_attr a;
	memset(&a, 0, sizeof(a));
	a.size = sizeof(a);
	a.type = PERF_TYPE_HARDWARE;
	a.config = PERF_COUNT_HW_CPU_CYCLES;
	a.exclude_kernel = 1;
	long fd = syscall(SYS_perf_event_open, &a, 0, -1, -1, 0);
	bool have = fd >= 0;
	if (fd >= 0)
		close((int)fd);

	cJSON *j = info_json();
	cr_assert_eq(cJSON_IsTrue(field(j, "counters.hardware_pmu")), have,
		     "info says hardware_pmu=%d, perf_event_open says %d",
		     cJSON_IsTrue(field(j, "counters.hardware_pmu")), have);
	const char *why = field(j, "counters.hardware_pmu_why")->valuestring;
	cr_assert(strlen(why) > 10, "no reason given: '%s'", why);
	if (!have && access("/sys/bus/event_source/devices/cpu", F_OK) != 0)
		cr_assert(strstr(why, "no hardware PMU"), "reason does not say why: %s", why);
	cJSON_Delete(j);
}

Test(cli, info_reads_cpu_features_like_proc_cpuinfo)
{
	FILE *f = fopen("/proc/cpuinfo", "r");
	cr_assert_not_null(f);
	char line[8192];
	bool aes = false, found = false;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, "flags", 5) || !strncmp(line, "Features", 8)) {
			aes = strstr(line, " aes") != NULL;
			found = true;
			break;
		}
	fclose(f);
	if (!found)
		cr_skip_test("/proc/cpuinfo lists no flags here");
	cJSON *j = info_json();
	cr_assert_eq(cJSON_IsTrue(field(j, "cpu.features.aes")), aes);
	cr_assert_eq(field(j, "cpu.online_cpus")->valueint, (int)sysconf(_SC_NPROCESSORS_ONLN));
	cJSON_Delete(j);
}

/* The main job end to end on a small selection: hash rates, two fingerprints, verdicts from
 * the shipped model. */
Test(cli, bench_quick_json, .timeout = 300)
{
	char *out, *err;
	int rc = pp_cli_run("bench --quick --workloads idle,cn-pico/0 --seconds 1 --json", &out,
			    &err);
	cr_assert_eq(rc, 0, "bench failed: %s", err);
	cJSON *j = cJSON_Parse(out);
	cr_assert_not_null(j, "bench --json is not JSON: %.300s", out);
	cJSON *h, *hash = field(j, "hash");
	cr_assert_geq(cJSON_GetArraySize(hash), 4);
	cJSON_ArrayForEach(h, hash) {
		cJSON *hps = cJSON_GetObjectItem(h, "hps");
		cr_assert(cJSON_IsNumber(hps) && hps->valuedouble > 0, "no hash rate for %s",
			  cJSON_GetStringValue(cJSON_GetObjectItem(h, "algo")));
		cr_assert(cJSON_IsTrue(cJSON_GetObjectItem(h, "verified")));
	}
	cJSON *w, *wl = field(j, "workloads");
	cr_assert_eq(cJSON_GetArraySize(wl), 2);
	cJSON_ArrayForEach(w, wl) {
		const char *v = cJSON_GetStringValue(cJSON_GetObjectItem(w, "verdict"));
		cr_assert(v && (!strcmp(v, "miner") || !strcmp(v, "benign")), "no verdict");
		cr_assert(cJSON_IsNumber(cJSON_GetObjectItem(w, "rate")));
	}
	cr_assert_eq(field(j, "summary.miners")->valueint, 1);
	cr_assert_eq(field(j, "summary.benign")->valueint, 1);
	cJSON_Delete(j);
	free(out);
	free(err);
}

/* The table a person reads: the decision threshold is on it, and every throughput is printed
 * by one formatter (three digits and an SI prefix: "270 kblocks/s", never "2.705e+05"). */
Test(cli, bench_table_shows_threshold_and_plain_rates, .timeout = 300)
{
	char *out, *err;
	int rc = pp_cli_run("bench --quick --workloads video-sad,cn-pico/0 --seconds 1", &out, &err);
	cr_assert_eq(rc, 0, "bench failed: %s", err);
	cr_expect(strstr(out, "threshold p(miner) >= 0."), "no threshold: %s", out);
	cr_expect(strstr(out, "have p(miner) >= 0."), "the verdict rule is not said: %s", out);
	cr_expect_null(strstr(out, "e+"), "a rate in exponent notation: %s", out);
	const char *v = strstr(out, "\n  video-sad ");
	cr_assert_not_null(v, "%s", out);
	const char *b = strstr(v, "blocks/s");
	cr_assert(b && b < strchr(v + 1, '\n'), "%s", v);
	cr_expect(strchr("kMG", b[-1]) && b[-2] == ' ', "video-sad's rate has no prefix: %.60s",
		  v);
	free(out);
	free(err);
}
