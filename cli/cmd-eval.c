/* powprint eval: cross-validates the detector on recorded datasets with splits by workload,
 * family or run (never by window), and prints window- and process-level metrics. */
#include "cli/cli.h"
#include "cli/progress.h"

#include <cjson/cJSON.h>
#include <math.h>
#include <powprint/model.h>
#include <powprint/powprint.h>
#include <stdlib.h>
#include <string.h>

static struct {
	const char *dirs[CLI_MAX_DIRS], *cv, *backends, *params;
	int ndirs;
	int smooth[2];     /* K/N; 0/0: the library's default */
	double threshold;  /* 0: the library's default */
	bool json, model_only, progress;
} args;

static const struct cli_opt eval_opts[] = {
	CLI_LIST("data", 'd', "DIR[,DIR...]", args.dirs, &args.ndirs,
		 "dataset directories (windows.csv + meta.json)"),
	CLI_STR("cv", 0, "SCHEME", &args.cv,
		"leave-one-workload-out (default), leave-one-family-out, by-run[:K]"),
	CLI_STR("backends", 'b', "LIST", &args.backends,
		"use only features these backends produce"),
	CLI_STR("params", 'P', "K=V,...", &args.params, "xgboost parameters, as for train"),
	CLI_PROB("threshold", 0, "P", &args.threshold,
		 "decision threshold on p(miner) (default 0.5)"),
	CLI_KOFN("smooth", 0, "K/N", &args.smooth,
		 "process verdict: miner once K of the last N windows are (3/5)"),
	CLI_FLAG("model-only", 0, &args.model_only,
		 "score the model alone, without the rounding-mode rule beside it"),
	CLI_FLAG("json", 'j', &args.json, "print one JSON object"),
	CLI_PROGRESS_OPT(&args.progress),
	{ 0 },
};

static double num(const cJSON *o, const char *k)
{
	const cJSON *v = cJSON_GetObjectItem(o, k);
	return cJSON_IsNumber(v) ? v->valuedouble : NAN;
}

static void pct(const char *label, double v)
{
	if (isnan(v))
		printf("  %s -", label);
	else
		printf("  %s %.2f%%", label, 100 * v);
}

/* Called after each fold: fold + 1 of nfolds are done. */
static void progress(void *arg, int fold, int nfolds, const char *name)
{
	char what[160];
	snprintf(what, sizeof(what), "folds, %s held out", name);
	cli_progress_show(arg, fold + 1, nfolds, false, what, -1);
}

static void print_human(const cJSON *r)
{
	const cJSON *w = cJSON_GetObjectItem(r, "window"), *it;
	printf("eval: %s, %g folds, %g windows in %g runs (%g scored), threshold %g\n\n",
	       cJSON_GetStringValue(cJSON_GetObjectItem(r, "cv")), num(r, "folds"), num(r, "rows"),
	       num(r, "runs"), num(r, "rows_scored"), num(r, "threshold"));
	printf("windows");
	pct("TPR", num(w, "tpr"));
	pct("FPR", num(w, "fpr"));
	pct("precision", num(w, "precision"));
	pct("F1", num(w, "f1"));
	printf("  ROC AUC %.4f\n", num(w, "roc_auc"));
	printf("  %-10s %16s %16s\n", "confusion", "predicted miner", "predicted benign");
	printf("  %-10s %16.0f %16.0f\n", "miner", num(w, "tp"), num(w, "fn"));
	printf("  %-10s %16.0f %16.0f\n", "benign", num(w, "fp"), num(w, "tn"));
	const cJSON *rl = cJSON_GetObjectItem(r, "rounding_rule");
	if (cJSON_IsTrue(cJSON_GetObjectItem(rl, "used"))) {
		const cJSON *rw = cJSON_GetObjectItem(rl, "rule_window");
		const cJSON *mw = cJSON_GetObjectItem(rl, "model_window");
		printf("  flagged by the model or the rounding-mode rule; alone:\n");
		printf("    model");
		pct("TPR", num(mw, "tpr"));
		pct("FPR", num(mw, "fpr"));
		printf("\n    rule ");
		pct("TPR", num(rw, "tpr"));
		pct("FPR", num(rw, "fpr"));
		printf("\n");
	} else {
		printf("  the model alone: %s\n",
		       cJSON_GetStringValue(cJSON_GetObjectItem(rl, "why_not")));
	}
	printf("\n");

	printf("  %-20s %-7s %-14s %8s %8s  %s\n", "workload", "class", "family", "windows",
	       "flagged", "rate");
	cJSON_ArrayForEach(it, cJSON_GetObjectItem(r, "per_workload")) {
		bool miner = !strcmp(cJSON_GetStringValue(cJSON_GetObjectItem(it, "class")), "miner");
		double rate = num(it, miner ? "recall" : "fpr");
		printf("  %-20s %-7s %-14s %8.0f %8.0f  %s ", cJSON_GetStringValue(
			       cJSON_GetObjectItem(it, "workload")), miner ? "miner" : "benign",
		       cJSON_GetStringValue(cJSON_GetObjectItem(it, "family")), num(it, "scored"),
		       num(it, "flagged"), miner ? "recall" : "FPR");
		if (isnan(rate))
			printf("-\n");
		else
			printf("%.2f%%\n", 100 * rate);
	}
	printf("\nper knob (miner recall, benign FPR)\n");
	const cJSON *knobs = cJSON_GetObjectItem(r, "per_knob"), *k;
	cJSON_ArrayForEach(k, knobs) {
		cJSON_ArrayForEach(it, k) {
			printf("  %-8s %-4g  miner %6.0f windows", k->string, num(it, "value"),
			       num(it, "miner_rows"));
			pct("recall", num(it, "recall"));
			printf("   benign %6.0f windows", num(it, "benign_rows"));
			pct("FPR", num(it, "fpr"));
			printf("\n");
		}
	}
	const cJSON *p = cJSON_GetObjectItem(r, "process");
	const cJSON *t = cJSON_GetObjectItem(p, "time_to_detect_s");
	printf("\nprocess level (%g of %g windows)\n", num(p, "k"), num(p, "n"));
	printf("  miner runs flagged %g/%g, benign runs flagged %g/%g\n", num(p, "miner_runs_flagged"),
	       num(p, "miner_runs"), num(p, "benign_runs_flagged"), num(p, "benign_runs"));
	printf("  time to the first miner verdict: median %.1f s, mean %.1f s, max %.1f s\n",
	       num(t, "median"), num(t, "mean"), num(t, "max"));
	cJSON_ArrayForEach(it, cJSON_GetObjectItem(p, "runs")) {
		bool miner = !strcmp(cJSON_GetStringValue(cJSON_GetObjectItem(it, "class")), "miner");
		bool flagged = cJSON_IsTrue(cJSON_GetObjectItem(it, "flagged"));
		if (miner == flagged)
			continue;
		printf("  %s: run %g of %s (source %g), %g of %g windows flagged\n",
		       miner ? "missed" : "false alarm", num(it, "run_id"),
		       cJSON_GetStringValue(cJSON_GetObjectItem(it, "workload")), num(it, "source"),
		       num(it, "windows_flagged"), num(it, "windows"));
	}
	cJSON_ArrayForEach(it, cJSON_GetObjectItem(r, "fold_results")) {
		const char *sk = cJSON_GetStringValue(cJSON_GetObjectItem(it, "skipped"));
		if (sk)
			printf("  fold %s not scored: %s\n",
			       cJSON_GetStringValue(cJSON_GetObjectItem(it, "held_out")), sk);
	}
}

static int run(int argc, char **argv)
{
	int rc = cli_parse(&cmd_eval, argc, argv);
	if (rc >= 0)
		return rc;
	const char *const *dirs = args.dirs, *cvs = args.cv;
	int ndirs = args.ndirs;
	if (!ndirs)
		return cli_usage_error(&cmd_eval, "--data DIR is required");
	enum pp_cv cv = PP_CV_WORKLOAD;
	int k = 0;
	if (cvs && pp_cv_parse(cvs, &cv, &k))
		return cli_usage_error(&cmd_eval, "unknown --cv '%s'; valid: leave-one-workload-out, "
				       "leave-one-family-out, by-run, by-run:K (K from 2)", cvs);

	struct pp_dataset *ds = cli_dataset_read(&cmd_eval, dirs, ndirs);
	if (!ds)
		return CLI_EXIT_FAIL;
	if (pp_dataset_notes(ds)[0])
		fprintf(stderr, "%s", pp_dataset_notes(ds));
	struct cli_progress prog;
	cli_progress_start(&prog, args.progress);
	PP_OPTS(pp_train_opts, to, .params = args.params, .threshold = args.threshold,
		.backends = args.backends);
	PP_OPTS(pp_eval_opts, eo, .cv = cv, .k = k, .train = &to, .smooth_k = args.smooth[0],
		.smooth_n = args.smooth[1], .progress = prog.on ? progress : NULL, .progress_arg = &prog,
		.model_only = args.model_only);
	char *out = NULL, why[1024] = "";
	int err = pp_model_eval(ds, &eo, &out, why, sizeof(why));
	cli_progress_end(&prog);
	pp_dataset_free(ds);
	if (err)
		return cli_fail(&cmd_eval, err, why);
	rc = 0;
	if (args.json) {
		rc = cli_json_print_text(out);
	} else {
		cJSON *r = cJSON_Parse(out);
		print_human(r);
		cJSON_Delete(r);
	}
	free(out);
	return rc;
}

const struct cli_cmd cmd_eval = {
	.name = "eval", .fn = run, .no_operands = true, .output = true,
	.summary = "cross-validate the detector without leakage (splits by workload, family, run)",
	.usage = "--data DIR[,DIR...] [--cv leave-one-workload-out|leave-one-family-out|by-run[:K]] "
		 "[--smooth K/N] [--model-only] [--json]",
	.description = "Every window gets a p(miner) from a model that never saw its run (nor, "
		       "for leave-one-workload/family-out, its workload or family), and is flagged "
		       "when p >= the threshold or the rounding-mode rule fires on its run (ebpf "
		       "data; the rule learns nothing, so it is the same in every fold). Reports "
		       "per-window "
		       "TPR, FPR, precision, F1, ROC AUC and the confusion matrix; recall per "
		       "workload and per knob (duty, threads, soft_aes); and process-level verdicts "
		       "with K-of-N smoothing and the time to the first miner verdict. Definitions: "
		       "docs/model.md.",
	.opts = eval_opts,
};
