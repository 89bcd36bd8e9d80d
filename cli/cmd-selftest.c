/* powprint selftest: runs every kernel's embedded known-answer vectors; exit 1 on any
 * failure. */
#include "cli/cli.h"
#include "core/json.h"

#include <powprint/error.h>
#include <powprint/selftest.h>

#include <cjson/cJSON.h>
#include <stdlib.h>

static bool json;

static const struct cli_opt selftest_opts[] = {
	CLI_FLAG("json", 'j', &json, "print one JSON object"),
	{ 0 },
};

static int run(int argc, char **argv)
{
	int rc = cli_parse(&cmd_selftest, argc, argv);
	if (rc >= 0)
		return rc;

	cJSON *root = json ? cJSON_CreateObject() : NULL;
	cJSON *arr = json ? cJSON_AddArrayToObject(root, "kernels") : NULL;
	int failed = 0, n = pp_selftest_count();
	for (int i = 0; i < n; i++) {
		struct pp_selftest_result r;
		int err = pp_selftest_run(i, &r);
		bool ok = !err && r.total > 0 && r.passed == r.total;
		failed += !ok;
		const char *detail = err ? pp_strerror(err) : r.detail;
		if (json) {
			cJSON *k = cJSON_CreateObject();
			cJSON_AddStringToObject(k, "kernel", pp_selftest_name(i));
			cJSON_AddBoolToObject(k, "pass", ok);
			cJSON_AddNumberToObject(k, "passed", r.passed);
			cJSON_AddNumberToObject(k, "total", r.total);
			pp_json_add_number(k, "seconds", r.seconds, PP_JSON_MEASURED);
			cJSON_AddStringToObject(k, "detail", detail);
			cJSON_AddItemToArray(arr, k);
		} else {
			printf("%-24s %s  %s (%.2f s)\n", pp_selftest_name(i), ok ? "pass" : "FAIL",
			       detail, r.seconds);
		}
	}
	if (json) {
		cJSON_AddBoolToObject(root, "pass", failed == 0);
		cJSON_AddNumberToObject(root, "failed", failed);
		cli_json_print(root, false);
		cJSON_Delete(root);
	} else {
		printf("%s: %d of %d kernels passed\n", failed ? "FAILED" : "ok", n - failed, n);
	}
	if (failed)
		fprintf(stderr, "powprint selftest: %d kernel%s failed its known-answer vectors: "
			"this build computes wrong hashes; rebuild, or report it with the output "
			"above\n", failed, failed == 1 ? "" : "s");
	return failed ? CLI_EXIT_FAIL : 0;
}

const struct cli_cmd cmd_selftest = {
	.name = "selftest", .fn = run, .no_operands = true, .output = true,
	.summary = "check every kernel against embedded known-answer vectors",
	.usage = "[--json]",
	.opts = selftest_opts,
};
