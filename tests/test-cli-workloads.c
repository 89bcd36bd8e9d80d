/* `powprint list` and `powprint run`: complete JSON, exit codes, and error messages that
 * name what exists. */
#include "support/testutil.h"

#include <cjson/cJSON.h>
#include <criterion/criterion.h>
#include <powprint/workload.h>
#include <stdlib.h>
#include <string.h>

static cJSON *parse(const char *s)
{
	cJSON *j = cJSON_Parse(s);
	cr_assert_not_null(j, "not JSON: %.300s", s);
	return j;
}

Test(cli_workloads, list_json_is_complete)
{
	char *out;
	cr_assert_eq(pp_cli_run("list --json", &out, NULL), 0);
	cJSON *j = parse(out);
	const cJSON *arr = cJSON_GetObjectItem(j, "workloads");
	cr_assert_eq(cJSON_GetArraySize(arr), pp_workload_count());
	int i = 0;
	const cJSON *w;
	cJSON_ArrayForEach(w, arr) {
		const char *name = cJSON_GetStringValue(cJSON_GetObjectItem(w, "name"));
		cr_assert_str_eq(name, pp_workload_name(pp_workload_at(i)));
		const char *cls = cJSON_GetStringValue(cJSON_GetObjectItem(w, "class"));
		cr_assert(cls && (!strcmp(cls, "miner") || !strcmp(cls, "benign")), "%s", name);
		cr_assert_not_null(cJSON_GetStringValue(cJSON_GetObjectItem(w, "family")));
		cr_assert_not_null(cJSON_GetStringValue(cJSON_GetObjectItem(w, "help")));
		cr_assert_not_null(cJSON_GetStringValue(cJSON_GetObjectItem(w, "unit")));
		cr_assert(cJSON_IsBool(cJSON_GetObjectItem(w, "supported")));
		cr_assert_eq(cJSON_IsTrue(cJSON_GetObjectItem(w, "quick")),
			     pp_workload_quick(pp_workload_at(i)), "%s: quick", name);
		const cJSON *opts = cJSON_GetObjectItem(w, "options");
		cr_assert(cJSON_IsArray(opts));
		int nopt = 0;
		for (const struct pp_workload_opt *o = pp_workload_opts(pp_workload_at(i)); o->name; o++)
			nopt++;
		cr_assert_eq(cJSON_GetArraySize(opts), nopt, "%s", name);
		i++;
	}
	const cJSON *common = cJSON_GetObjectItem(j, "common_options");
	const char *want[] = { "seconds", "threads", "duty", "burst", "nice", "json" };
	for (size_t k = 0; k < sizeof(want) / sizeof(want[0]); k++) {
		bool found = false;
		const cJSON *c;
		cJSON_ArrayForEach(c, common)
			found |= !strcmp(cJSON_GetStringValue(cJSON_GetObjectItem(c, "name")), want[k]);
		cr_assert(found, "common option %s missing", want[k]);
	}
	cJSON_Delete(j);
	free(out);
}

Test(cli_workloads, list_by_class)
{
	char *out;
	cr_assert_eq(pp_cli_run("list --class miner --json", &out, NULL), 0);
	cJSON *j = parse(out);
	const cJSON *w;
	int n = 0;
	cJSON_ArrayForEach(w, cJSON_GetObjectItem(j, "workloads")) {
		cr_assert_str_eq(cJSON_GetStringValue(cJSON_GetObjectItem(w, "class")), "miner");
		n++;
	}
	cr_assert_gt(n, 0);
	cJSON_Delete(j);
	free(out);
	char *err;
	cr_assert_eq(pp_cli_run("list --class bogus", NULL, &err), 2);
	cr_assert(strstr(err, "miner or benign"), "%s", err);
	free(err);
	cr_assert_eq(pp_cli_run("list", &out, NULL), 0);
	cr_assert(strstr(out, "aes-gcm") && strstr(out, "cn/0"), "%s", out);
	free(out);
}

Test(cli_workloads, unknown_workload_lists_names)
{
	char *err;
	cr_assert_eq(pp_cli_run("run no-such-thing", NULL, &err), 2);
	cr_assert(strstr(err, "unknown workload 'no-such-thing'"), "%s", err);
	cr_assert(strstr(err, "aes-ctr") && strstr(err, "idle") && strstr(err, "cn/0"), "%s", err);
	free(err);
	cr_assert_eq(pp_cli_run("run", NULL, &err), 2);
	cr_assert(strstr(err, "valid workloads"), "%s", err);
	free(err);
}

Test(cli_workloads, unknown_option_lists_options)
{
	char *err;
	cr_assert_eq(pp_cli_run("run aes-ctr --bogus 1", NULL, &err), 2);
	cr_assert(strstr(err, "--bogus") && strstr(err, "--block") && strstr(err, "--seconds"),
		  "%s", err);
	free(err);
	cr_assert_eq(pp_cli_run("run aes-ctr --block 12x", NULL, &err), 2);
	cr_assert(strstr(err, "--block"), "%s", err);
	free(err);
	cr_assert_eq(pp_cli_run("run aes-ctr --burst 5", NULL, &err), 2);
	cr_assert(strstr(err, "ON/OFF"), "%s", err);
	free(err);
}

Test(cli_workloads, run_json_reports_rate_and_verify)
{
	char *out, *err;
	cr_assert_eq(pp_cli_run("run aes-ctr --seconds 0.3 --block 64K --threads 2 --json", &out,
				&err), 0, "%s", err);
	cJSON *j = parse(out);
	cr_assert_str_eq(cJSON_GetStringValue(cJSON_GetObjectItem(j, "workload")), "aes-ctr");
	cr_assert(cJSON_IsTrue(cJSON_GetObjectItem(j, "verified")));
	cr_assert_gt(cJSON_GetNumberValue(cJSON_GetObjectItem(j, "rate")), 0);
	cr_assert_str_eq(cJSON_GetStringValue(cJSON_GetObjectItem(j, "unit")), "MB/s");
	cr_assert_eq(cJSON_GetNumberValue(cJSON_GetObjectItem(j, "threads")), 2);
	cr_assert_gt(cJSON_GetNumberValue(cJSON_GetObjectItem(j, "pid")), 0);
	cr_assert_str_eq(cJSON_GetStringValue(cJSON_GetObjectItem(cJSON_GetObjectItem(j, "options"),
								    "block")), "64K");
	cr_assert(strstr(err, "running"), "no start line: %s", err);
	cJSON_Delete(j);
	free(out);
	free(err);
}

Test(cli_workloads, failed_verify_exits_1)
{
	char *out, *err;
	cr_assert_eq(pp_cli_run("run sort --keys 1000 --seconds 0.1 --inject-fault", &out, &err), 1);
	cr_assert(strstr(out, "FAILED") && strstr(err, "did not verify"), "%s / %s", out, err);
	free(out);
	free(err);
}

Test(cli_workloads, node_child_pid_is_printed, .timeout = 60)
{
	char *out, *err;
	int rc = pp_cli_run("run node-jit --seconds 0.3", &out, &err);
	if (rc && strstr(err, "cannot run here"))
		cr_skip_test("%s", err);
	cr_assert_eq(rc, 0, "%s", err);
	cr_assert(strstr(err, "child pid"), "%s", err);
	free(out);
	free(err);
}

Test(cli_workloads, run_help_shows_workload_options)
{
	char *out;
	cr_assert_eq(pp_cli_run("run cn/0 --help", &out, NULL), 0);
	cr_assert(strstr(out, "--soft-aes") && strstr(out, "--huge-pages") && strstr(out, "--duty"),
		  "%s", out);
	free(out);
}
