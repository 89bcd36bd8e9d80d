/* Every command's --json output against its schema in docs/schemas/ (docs/json.md), with
 * the layout rule: documents indented, streams one compact object per line; and no number
 * with float noise. The validator (scripts/json-validate) is first shown to reject what it
 * must, so these checks cannot pass by accepting anything. */
#include "support/testutil.h"

#include <cjson/cJSON.h>
#include <criterion/criterion.h>
#include <math.h>
#include <powprint/agent.h>
#include <powprint/model.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define DATASET PP_SOURCE_DIR "/tests/data/report/dataset"
#define MODEL PP_SOURCE_DIR "/data/models/pmu-less"

/* Runs `powprint ARGS`, which must succeed, and checks its stdout against schema. Returns
 * stdout (caller frees) for further checks. */
static char *cli_valid(const char *args, const char *schema, bool lines)
{
	char *out, *err, *why;
	int rc = pp_cli_run(args, &out, &err);
	cr_assert_eq(rc, 0, "powprint %s failed (%d): %s", args, rc, err);
	cr_assert_eq(pp_json_validate(schema, out, lines, &why), 0,
		     "powprint %s does not follow %s:\n%s\noutput:\n%.2000s", args, schema, why, out);
	free(why);
	free(err);
	return out;
}

/* The validator rejects wrong documents and says where: old shapes, noise, wrong layout. */
static const struct {
	int line;
	const char *schema;
	bool lines;
	const char *doc;
	const char *where; /* in its complaint */
} wrong[] = {
	/* bench before: nearest a bare name, contributions under "contrib", short names */
	{ __LINE__, "bench.schema.json", false,
	  "{\n\t\"hash\": [], \"model\": {\"path\": \"m\"}, \"summary\": {\"runs_ok\": 1, "
	  "\"runs_failed\": 0, \"interrupted\": false}, \"workloads\": [{\"workload\": \"zstd\", "
	  "\"class\": \"benign\", \"windows\": 2, \"verdict\": \"benign\", \"p_miner\": 0.1, "
	  "\"threshold\": 0.85, \"nearest\": \"zstd\", \"top_features\": []}]}",
	  "workloads/0/nearest" },
	{ __LINE__, "bench.schema.json", false,
	  "{\n\t\"hash\": [], \"model\": {\"path\": \"m\"}, \"summary\": {\"runs_ok\": 1, "
	  "\"runs_failed\": 0, \"interrupted\": false}, \"workloads\": [{\"workload\": \"zstd\", "
	  "\"class\": \"benign\", \"windows\": 2, \"verdict\": \"benign\", \"p_miner\": 0.1, "
	  "\"threshold\": 0.85, \"nearest\": null, \"top_features\": [{\"feature\": "
	  "\"anon_huge_share\", \"contrib\": 0.5}]}]}",
	  "workloads/0/top_features/0" },
	/* float noise, and a threshold printed with 17 digits */
	{ __LINE__, "selftest.schema.json", false,
	  "{\n\t\"kernels\": [{\"kernel\": \"aes\", \"pass\": true, \"passed\": 1, \"total\": 1, "
	  "\"seconds\": 4.819999958272092e-06, \"detail\": \"\"}], \"pass\": true, \"failed\": 0}",
	  "kernels/0/seconds" },
	{ __LINE__, "classify.schema.json", false,
	  "{\n\t\"model\": \"m\", \"threshold\": 0.84999999999999998, \"smoothing\": {\"k\": 3, "
	  "\"n\": 5}, \"runs\": [{\"target\": \"t\", \"windows\": [{\"window\": 0, \"end_s\": 1, "
	  "\"p_miner\": 0.5}], \"windows_flagged\": 0, \"verdict\": \"benign\", \"p_miner\": 0.5, "
	  "\"threshold\": 0.85, \"nearest\": null, \"top_features\": []}]}",
	  "threshold" },
	/* a run's window before: t_end instead of end_s */
	{ __LINE__, "classify.schema.json", false,
	  "{\n\t\"model\": \"m\", \"threshold\": 0.85, \"smoothing\": {\"k\": 3, \"n\": 5}, "
	  "\"runs\": [{\"target\": \"t\", \"windows\": [{\"window\": 0, \"t_end\": 1, "
	  "\"p_miner\": 0.5}], \"windows_flagged\": 0, \"verdict\": \"benign\", \"p_miner\": 0.5, "
	  "\"threshold\": 0.85, \"nearest\": null, \"top_features\": []}]}",
	  "runs/0/windows/0" },
	/* a document on one line (hash --json before), a stream record spread over lines */
	{ __LINE__, "hash.schema.json", false,
	  "{\"algo\":\"cn/0\",\"input\":\"00\",\"height\":0,\"hash\":\"" "ed9f9bf165801f2c715fa4567"
	  "27a90cca41237aeda545ee6eec878f4bbf5fcdc\",\"aes_backend\":\"aes-ni\",\"exec\":\"native\"}",
	  "not indented" },
	{ __LINE__, "watch.schema.json", true,
	  "{\n\"time\": \"2024-01-01T00:00:00.000Z\", \"event\": \"warning\", \"host\": null}",
	  "line 1" },
	/* run: busy_seconds missing beside a result */
	{ __LINE__, "run.schema.json", false,
	  "{\n\t\"workload\": \"cn/r\", \"class\": \"miner\", \"family\": \"cn\", \"pid\": 1, "
	  "\"rate\": 1, \"unit\": \"H/s\", \"work\": 1, \"seconds\": 1, \"setup_seconds\": 0, "
	  "\"cpu_seconds\": 1, \"threads\": 1, \"verified\": true, \"verify\": \"\", \"knobs\": "
	  "{\"duty_pct\": 100, \"burst_on_s\": 0, \"burst_off_s\": 0, \"nice\": 0}, "
	  "\"options\": {}}",
	  "(top)" },
};

Test(json_schema, validator_rejects_wrong_documents)
{
	for (size_t i = 0; i < sizeof(wrong) / sizeof(wrong[0]); i++) {
		char *why;
		int rc = pp_json_validate(wrong[i].schema, wrong[i].doc, wrong[i].lines, &why);
		cr_expect_eq(rc, 1, "line %d: accepted by %s", wrong[i].line, wrong[i].schema);
		cr_expect(why && strstr(why, wrong[i].where), "line %d: the complaint does not "
			  "name %s: %s", wrong[i].line, wrong[i].where, why);
		free(why);
	}
}

Test(json_schema, hash, .timeout = 120)
{
	free(cli_valid("hash --algo cn/0 --input 00 --json", "hash.schema.json", false));
	char *out = cli_valid("hash --algo cn-pico/0 -n 4 --threads 2 --json", "hash.schema.json",
			      false);
	cJSON *j = cJSON_Parse(out);
	cr_assert_eq(cJSON_GetNumberValue(cJSON_GetObjectItem(j, "hashes")), 4);
	cJSON_Delete(j);
	free(out);
}

/* A miner's busy time is measured (it was 0 beside its CPU time): the time spent hashing. */
Test(json_schema, run, .timeout = 120)
{
	char *out = cli_valid("run cn-pico/0 --seconds 0.3 --json -q", "run.schema.json", false);
	cJSON *j = cJSON_Parse(out);
	double busy = cJSON_GetNumberValue(cJSON_GetObjectItem(j, "busy_seconds"));
	double secs = cJSON_GetNumberValue(cJSON_GetObjectItem(j, "seconds"));
	double cpu = cJSON_GetNumberValue(cJSON_GetObjectItem(j, "cpu_seconds"));
	cr_assert_gt(busy, 0.5 * secs, "busy %g s of %g s: %s", busy, secs, out);
	cr_assert_leq(busy, secs * 1.01 + 0.001, "one thread, busy %g s of %g s", busy, secs);
	cr_assert_gt(cpu, 0, "the miner's CPU time is counted from when hashing starts: %s", out);
	cJSON_Delete(j);
	free(out);
	free(cli_valid("run sha256 --seconds 0.2 --threads 2 --json -q", "run.schema.json", false));
}

Test(json_schema, list_info)
{
	free(cli_valid("list --json", "list.schema.json", false));
	free(cli_valid("list --class miner --json", "list.schema.json", false));
	free(cli_valid("info --json", "info.schema.json", false));
}

Test(json_schema, selftest, .timeout = 300)
{
	free(cli_valid("selftest --json", "selftest.schema.json", false));
}

/* A stream: one compact object per window, each a window with its features. */
Test(json_schema, stat, .timeout = 120)
{
	char *out = cli_valid("stat -n 2 -I 200 --json -- '" PP_CLI_PATH "' run zstd --seconds 1 -q",
			      "stat.schema.json", true);
	int n = 0;
	for (const char *p = out; (p = strchr(p, '\n')); p++)
		n++;
	cr_assert_eq(n, 2, "two windows, two lines: %s", out);
	free(out);
}

Test(json_schema, classify, .timeout = 120)
{
	char *out = cli_valid("classify --model '" MODEL "' --data '" DATASET "' --json",
			      "classify.schema.json", false);
	cJSON *j = cJSON_Parse(out), *run;
	cr_assert_gt(cJSON_GetArraySize(cJSON_GetObjectItem(j, "runs")), 0);
	cJSON_ArrayForEach(run, cJSON_GetObjectItem(j, "runs"))
		cr_assert(cJSON_IsObject(cJSON_GetObjectItem(run, "nearest")), "%s", out);
	cJSON_Delete(j);
	free(out);
}

Test(json_schema, train_eval_record, .timeout = 300)
{
	char dir[] = "/tmp/pp-json-schema-XXXXXX", args[4096];
	cr_assert_not_null(mkdtemp(dir));
	snprintf(args, sizeof(args), "train --data '" DATASET "' --params rounds=5 --out '%s/m' "
		 "--json", dir);
	free(cli_valid(args, "train.schema.json", false));
	free(cli_valid("eval --data '" DATASET "' --params rounds=5 --cv by-run:2 --json",
		       "eval.schema.json", false));
	snprintf(args, sizeof(args), "record --workloads idle --seconds 1 --interval 200 "
		 "--out '%s/ds' --json", dir);
	free(cli_valid(args, "record.schema.json", false));
	snprintf(args, sizeof(args), "rm -rf '%s'", dir);
	cr_assert_eq(system(args), 0);
}

Test(json_schema, bench, .timeout = 300)
{
	free(cli_valid("bench --quick --workloads idle,cn-pico/0 --seconds 1 --json",
		       "bench.schema.json", false));
}

/* watch's events: each kind as the agent writes it (watch --json and --log print these
 * lines; tests/test-watch.c checks a live agent's log against the same schema). */
Test(json_schema, watch_events)
{
	struct pp_model *m;
	char why[1024] = "";
	cr_assert_eq(pp_model_load(MODEL, NULL, 0, &m, why, sizeof(why)), 0, "%s", why);
	int nf = pp_model_nfeatures(m);
	double *x = malloc((size_t)nf * sizeof(*x));
	for (int j = 0; j < nf; j++)
		x[j] = j % 3 ? 0.25 * j : NAN;
	struct pp_verdict v;
	cr_assert_eq(pp_model_predict(m, x, nf, &v), 0);
	v.round_preemptions = 40;
	v.round_share = 0.75;
	struct pp_agent_proc p = { .pid = 4242, .ppid = 1, .uid = 1000, .comm = "xmrig",
				   .exe = "/tmp/xmrig", .cmdline = "xmrig -o pool" };
	const struct pp_agent_event evs[] = {
		{ .type = PP_EV_ALERT, .time_unix = 1712345678.25, .proc = &p, .verdict = &v,
		  .model = m, .windows_seen = 5, .windows_flagged = 3, .smooth_k = 3,
		  .smooth_n = 5 },
		{ .type = PP_EV_ACTION, .time_unix = 1712345679, .proc = &p, .verdict = &v,
		  .model = m, .windows_seen = 5, .windows_flagged = 3, .smooth_k = 3,
		  .smooth_n = 5, .action = "stop" },
		{ .type = PP_EV_CLEARED, .time_unix = 1712345680, .proc = &p, .verdict = &v,
		  .model = m, .windows_seen = 9, .windows_flagged = 3, .smooth_k = 3,
		  .smooth_n = 5, .reason = "exited" },
		{ .type = PP_EV_WARNING, .time_unix = 1712345681, .reason = "fds",
		  .message = "out of file descriptors" },
	};
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	for (size_t i = 0; i < sizeof(evs) / sizeof(evs[0]); i++) {
		char *line = pp_agent_event_json(&evs[i], "host");
		cr_assert_not_null(line);
		fprintf(f, "%s\n", line);
		free(line);
	}
	fclose(f);
	char *complaint;
	cr_assert_eq(pp_json_validate("watch.schema.json", text, true, &complaint), 0, "%s\n%s",
		     complaint, text);
	free(complaint);
	free(text);
	free(x);
	pp_model_free(m);
}

/* A live agent's stream: with nothing to flag, its summary line on exit. */
Test(json_schema, watch_summary, .timeout = 60)
{
	char args[256];
	snprintf(args, sizeof(args), "watch --json --seconds 1 --pid %d", (int)getpid());
	char *out = cli_valid(args, "watch.schema.json", true);
	cr_assert(strstr(out, "\"event\":\"summary\""), "%s", out);
	free(out);
}
