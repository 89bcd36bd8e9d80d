/* powprint bench: the suite's main job. Hash rates, a short fingerprint of each catalog
 * workload, and each one classified with the shipped model, in one table. */
#include "cli/cli.h"
#include "cli/progress.h"
#include "cli/units.h"

#include <cjson/cJSON.h>
#include <float.h>
#include <powprint/bench.h>
#include <powprint/powprint.h>
#include <stdlib.h>
#include <string.h>

static struct {
	struct pp_bench_opts o;
	bool json, progress;
} args = { .o = { .sz = sizeof(struct pp_bench_opts), .stop = &cli_stop } };

static const struct cli_opt bench_opts[] = {
	CLI_FLAG("quick", 0, &args.o.quick,
		 "the quick set of record --quick, shorter hash runs: about two minutes on 2 cores"),
	CLI_STR("model", 'm', "MODEL", &args.o.model,
		"model to classify with (default: the shipped one)"),
	CLI_STR("workloads", 0, "SEL", &args.o.workloads,
		"which workloads to fingerprint (as for record)"),
	CLI_DOUBLE("seconds", 's', "S", &args.o.seconds, DBL_TRUE_MIN, 3600,
		   "counted seconds per workload (default 5, quick 3)",
		   .what = "a number of seconds from 0 to 3600"),
	CLI_FLAG("json", 'j', &args.json, "print one JSON object"),
	CLI_PROGRESS_OPT(&args.progress),
	{ 0 },
};

static void log_line(void *arg, const char *msg)
{
	cli_progress_say(arg, msg);
}

/* The fingerprint runs, the longest part of the suite. */
static void progress(void *arg, const struct pp_record_progress *p)
{
	char what[160];
	snprintf(what, sizeof(what), "fingerprint %s, %.0f/%.0f s", p->workload,
		 p->run_elapsed_s, p->run_seconds);
	cli_progress_show(arg, p->run, p->nruns, true, what, p->left_s);
}

static double num(cJSON *o, const char *k)
{
	cJSON *v = cJSON_GetObjectItem(o, k);
	return cJSON_IsNumber(v) ? v->valuedouble : -1;
}

static const char *str(cJSON *o, const char *k)
{
	const char *s = cJSON_GetStringValue(cJSON_GetObjectItem(o, k));
	return s ? s : "";
}

/* A workload row's cells, as printed. */
enum { C_WORKLOAD, C_CLASS, C_RATE, C_VERDICT, C_P, C_NEAREST, NCOLS };

static void row_cells(cJSON *e, char rate[64], char p[16], const char *cell[NCOLS])
{
	snprintf(rate, 64, "-");
	if (num(e, "rate") >= 0)
		cli_fmt_rate(num(e, "rate"), str(e, "unit"), rate, 64);
	snprintf(p, 16, "-");
	if (num(e, "p_miner") >= 0)
		snprintf(p, 16, "%.3f", num(e, "p_miner"));
	const char *verdict = str(e, "verdict");
	cell[C_WORKLOAD] = str(e, "workload");
	cell[C_CLASS] = str(e, "class");
	cell[C_RATE] = rate;
	cell[C_VERDICT] = verdict[0] ? verdict : "-";
	cell[C_P] = p;
	cell[C_NEAREST] = str(cJSON_GetObjectItem(e, "nearest"), "workload");
}

static int max_int(int a, int b)
{
	return a > b ? a : b;
}

static void print_table(cJSON *rep)
{
	cJSON *e;
	char rate[64], p[16];
	/* Columns as wide as their widest cell: names and rates (MB/s, keys/s) vary a lot. */
	int wa = 10;
	cJSON_ArrayForEach(e, cJSON_GetObjectItem(rep, "hash"))
		wa = max_int(wa, (int)strlen(str(e, "algo")));
	printf("\nhash rates (1 thread)\n");
	cJSON_ArrayForEach(e, cJSON_GetObjectItem(rep, "hash")) {
		if (cJSON_HasObjectItem(e, "error"))
			printf("  %-*s failed: %s\n", wa, str(e, "algo"), str(e, "error"));
		else
			printf("  %-*s %11s  %s AES, %s pages%s\n", wa, str(e, "algo"),
			       (cli_fmt_rate(num(e, "hps"), "H/s", rate, sizeof(rate)), rate),
			       str(e, "aes_backend"), str(e, "pages"),
			       cJSON_IsTrue(cJSON_GetObjectItem(e, "verified")) ? "" :
			       "  (threads disagreed!)");
	}
	static const char *const head[NCOLS] = { "workload", "class", "throughput", "verdict",
						 "p(miner)", "nearest" };
	int w[NCOLS] = { 14, 6, 14, 7, 7, 14 };
	const char *cell[NCOLS];
	for (int i = 0; i < NCOLS; i++)
		w[i] = max_int(w[i], (int)strlen(head[i]));
	cJSON_ArrayForEach(e, cJSON_GetObjectItem(rep, "workloads")) {
		row_cells(e, rate, p, cell);
		for (int i = 0; i < NCOLS; i++)
			w[i] = max_int(w[i], (int)strlen(cell[i]));
	}
	cJSON *model = cJSON_GetObjectItem(rep, "model");
	printf("\nworkloads, classified with %s", cJSON_HasObjectItem(model, "error") ?
	       "no model" : str(model, "path"));
	if (cJSON_IsNumber(cJSON_GetObjectItem(model, "threshold")))
		printf(" (threshold p(miner) >= %.2f)", num(model, "threshold"));
	printf("\n");
	printf("  %-*s %-*s %*s  %-*s %*s  %-*s %s\n", w[0], head[0], w[1], head[1], w[2], head[2],
	       w[3], head[3], w[4], head[4], w[5], head[5], "most telling features");
	cJSON_ArrayForEach(e, cJSON_GetObjectItem(rep, "workloads")) {
		row_cells(e, rate, p, cell);
		const char *verdict = str(e, "verdict");
		bool wrong = verdict[0] && strcmp(verdict, str(e, "class"));
		printf("  %-*s %-*s %*s  %-*s %*s  %-*s", w[0], cell[0], w[1], cell[1], w[2],
		       cell[2], w[3], cell[3], w[4], cell[4], w[5], cell[5]);
		cJSON *t;
		cJSON_ArrayForEach(t, cJSON_GetObjectItem(e, "top_features")) {
			const char *f = str(t, "feature"); /* "f.NAME": the table shows NAME */
			printf(" %s=%.3g", strncmp(f, "f.", 2) ? f : f + 2, num(t, "value"));
		}
		printf("%s\n", wrong ? "  WRONG" : "");
	}
	/* The line p(miner) is judged against, where the reader looks for it. */
	if (cJSON_IsNumber(cJSON_GetObjectItem(model, "threshold")))
		printf("  p(miner): the run's mean; verdict miner once 3 of the last 5 windows (a "
		       "majority of fewer) have p(miner) >= %.2f, the model's threshold, or the "
		       "rounding-mode rule fires\n", num(model, "threshold"));
	cJSON *s = cJSON_GetObjectItem(rep, "summary");
	if (cJSON_HasObjectItem(s, "miners"))
		printf("\nminers flagged %d of %d; benign flagged %d of %d\n",
		       (int)num(s, "miners_flagged"), (int)num(s, "miners"),
		       (int)num(s, "benign_flagged"), (int)num(s, "benign"));
	if (num(s, "runs_failed") > 0)
		printf("%d workload run(s) failed; see the lines above\n", (int)num(s, "runs_failed"));
	if (cJSON_HasObjectItem(model, "error"))
		printf("\nno verdicts: %s\n", str(model, "error"));
}

static int run(int argc, char **argv)
{
	int rc = cli_parse(&cmd_bench, argc, argv);
	if (rc >= 0)
		return rc;
	struct pp_bench_opts o = args.o;
	bool json = args.json;
	struct cli_progress prog;
	cli_progress_start(&prog, args.progress);
	o.log = log_line;
	o.log_arg = &prog;
	if (prog.on) {
		o.progress = progress;
		o.progress_arg = &prog;
	}
	cli_catch_stop();

	void *rep;
	char why[1024] = "";
	int err = pp_bench_run(&o, &rep, why, sizeof(why));
	cli_progress_end(&prog);
	if (err) {
		cJSON_Delete(rep);
		return cli_fail(&cmd_bench, err, why);
	}
	if (json) {
		cli_json_print(rep, false);
	} else {
		print_table(rep);
	}
	cJSON *s = cJSON_GetObjectItem(rep, "summary");
	bool failed = num(s, "runs_failed") > 0 || cJSON_IsTrue(cJSON_GetObjectItem(s, "interrupted"));
	cJSON_Delete(rep);
	return failed ? CLI_EXIT_FAIL : 0;
}

const struct cli_cmd cmd_bench = {
	.name = "bench", .fn = run, .no_operands = true, .output = true,
	.summary = "the suite's main job: hash rates, workload fingerprints and verdicts",
	.usage = "[--quick] [--model MODEL] [--workloads SEL] [--seconds S] [--json]",
	.description =
		"Measures each kernel family's hash rate briefly, records a short fingerprint of "
		"each catalog workload in its own process, classifies each with the shipped "
		"default model (or --model), and prints one table: workload, class, throughput, "
		"verdict, p(miner), nearest fingerprint, the most telling features.",
	.opts = bench_opts,
};
