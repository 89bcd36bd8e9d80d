/* Evaluation: folds never split a run (checked on the fold assignment itself), metrics against
 * values worked out by hand, eval's report, and the train / eval / classify commands. */
#include "data/model/synth.h"
#include "support/testutil.h"

#include <cjson/cJSON.h>
#include <criterion/criterion.h>
#include <errno.h>
#include <math.h>
#include <powprint/features.h>
#include <powprint/model.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Two sources whose run_ids collide, so "run" must mean (source, run_id). */
static struct pp_dataset *two_sources(char **d1, char **d2)
{
	struct pp_dataset *a = synth_dataset(4, 3, 1, 0), *b = synth_dataset(3, 4, 2, 0), *ds;
	*d1 = synth_tmpdir();
	*d2 = synth_tmpdir();
	synth_write(a, *d1, 1, 0);
	synth_write(b, *d2, 1, 0);
	pp_dataset_free(a);
	pp_dataset_free(b);
	const char *dirs[] = { *d1, *d2 };
	char why[512] = "";
	cr_assert_eq(pp_dataset_read_many(dirs, 2, &ds, why, sizeof(why)), 0, "%s", why);
	return ds;
}

static void cleanup(char *d1, char *d2)
{
	synth_rmrf(d1);
	synth_rmrf(d2);
	free(d1);
	free(d2);
}

/* Every run lies in exactly one fold; returns the fold of each run. */
static int *check_runs_not_split(const struct pp_dataset *ds, const int *fold, int nfolds)
{
	int nr = pp_dataset_nruns(ds);
	int *of = malloc(nr * sizeof(int));
	for (int r = 0; r < nr; r++)
		of[r] = -1;
	for (int i = 0; i < pp_dataset_nrows(ds); i++) {
		const struct pp_dataset_row *r = pp_dataset_row(ds, i);
		cr_assert(fold[i] >= 0 && fold[i] < nfolds, "row %d: fold %d", i, fold[i]);
		if (of[r->run] < 0)
			of[r->run] = fold[i];
		cr_assert_eq(of[r->run], fold[i], "run %ld of source %d is on both sides (folds %d "
			     "and %d)", r->run_id, r->source, of[r->run], fold[i]);
	}
	return of;
}

Test(eval, leave_one_workload_out_folds)
{
	char *d1, *d2;
	struct pp_dataset *ds = two_sources(&d1, &d2);
	int n = pp_dataset_nrows(ds), *fold = malloc(n * sizeof(int)), nf;
	const char **names;
	cr_assert_eq(pp_cv_assign(ds, PP_CV_WORKLOAD, 0, fold, &nf, &names), 0);
	cr_assert_eq(nf, SYNTH_NWORKLOADS);
	free(check_runs_not_split(ds, fold, nf));
	for (int i = 0; i < n; i++)
		cr_assert_str_eq(names[fold[i]], pp_dataset_row(ds, i)->workload,
				 "a fold holds exactly one workload");
	free(names);
	free(fold);
	pp_dataset_free(ds);
	cleanup(d1, d2);
}

Test(eval, leave_one_family_out_folds)
{
	char *d1, *d2;
	struct pp_dataset *ds = two_sources(&d1, &d2);
	int n = pp_dataset_nrows(ds), *fold = malloc(n * sizeof(int)), nf;
	const char **names;
	cr_assert_eq(pp_cv_assign(ds, PP_CV_FAMILY, 0, fold, &nf, &names), 0);
	cr_assert_eq(nf, 4, "cryptonight, randomx, crypto, memory");
	free(check_runs_not_split(ds, fold, nf));
	for (int i = 0; i < n; i++)
		cr_assert_str_eq(names[fold[i]], pp_dataset_row(ds, i)->family);
	free(names);
	free(fold);
	pp_dataset_free(ds);
	cleanup(d1, d2);
}

Test(eval, by_run_folds)
{
	char *d1, *d2;
	struct pp_dataset *ds = two_sources(&d1, &d2);
	int n = pp_dataset_nrows(ds), *fold = malloc(n * sizeof(int)), nf;
	for (int k = 2; k <= 7; k++) {
		cr_assert_eq(pp_cv_assign(ds, PP_CV_RUN, k, fold, &nf, NULL), 0);
		cr_assert_eq(nf, k);
		int *of = check_runs_not_split(ds, fold, nf);
		/* Each fold holds whole runs of both classes, and fold sizes differ by at most
		 * one run per class. */
		for (int f = 0; f < k; f++) {
			int cls[2] = { 0, 0 };
			for (int r = 0; r < pp_dataset_nruns(ds); r++)
				if (of[r] == f)
					for (int i = 0; i < n; i++)
						if (pp_dataset_row(ds, i)->run == r) {
							cls[pp_dataset_row(ds, i)->label]++;
							break;
						}
			cr_assert_gt(cls[0], 0, "k=%d fold %d has no benign run", k, f);
			cr_assert_gt(cls[1], 0, "k=%d fold %d has no miner run", k, f);
		}
		free(of);
	}
	cr_assert_eq(pp_cv_assign(ds, PP_CV_RUN, pp_dataset_nruns(ds) + 1, fold, &nf, NULL),
		     -EINVAL);
	free(fold);
	pp_dataset_free(ds);
	cleanup(d1, d2);
}

Test(eval, cv_parse)
{
	enum pp_cv cv;
	int k;
	cr_assert_eq(pp_cv_parse("leave-one-workload-out", &cv, &k), 0);
	cr_assert_eq(cv, PP_CV_WORKLOAD);
	cr_assert_eq(pp_cv_parse("leave-one-family-out", &cv, &k), 0);
	cr_assert_eq(cv, PP_CV_FAMILY);
	cr_assert_eq(pp_cv_parse("by-run", &cv, &k), 0);
	cr_assert_eq(cv, PP_CV_RUN);
	cr_assert_eq(k, 5);
	cr_assert_eq(pp_cv_parse("by-run:3", &cv, &k), 0);
	cr_assert_eq(k, 3);
	cr_assert_eq(pp_cv_parse("by-run:1", &cv, &k), -EINVAL);
	cr_assert_eq(pp_cv_parse("by-run:x", &cv, &k), -EINVAL);
	cr_assert_eq(pp_cv_parse("random", &cv, &k), -EINVAL);
}

/* Scores and labels small enough to work out by hand. */
Test(eval, metrics_by_hand)
{
	/* miners score 0.9 0.8 0.6 0.3; benign 0.7 0.4 0.2. */
	const double p[] = { 0.9, 0.8, 0.7, 0.6, 0.4, 0.3, 0.2, NAN };
	const int label[] = { 1, 1, 0, 1, 0, 1, 0, 1 };
	struct pp_confusion c;
	pp_confusion_compute(p, label, 8, 0.5, &c);
	/* At 0.5: miners 0.9 0.8 0.6 flagged, 0.3 missed; benign 0.7 flagged. NaN not scored. */
	cr_assert_eq(c.tp, 3);
	cr_assert_eq(c.fn, 1);
	cr_assert_eq(c.fp, 1);
	cr_assert_eq(c.tn, 2);
	cr_assert_float_eq(c.tpr, 3.0 / 4, 1e-12);
	cr_assert_float_eq(c.fpr, 1.0 / 3, 1e-12);
	cr_assert_float_eq(c.precision, 3.0 / 4, 1e-12);
	cr_assert_float_eq(c.f1, 2 * 0.75 * 0.75 / 1.5, 1e-12);
	cr_assert_float_eq(c.accuracy, 5.0 / 7, 1e-12);
	/* AUC: of the 4 x 3 miner/benign pairs, the miner scores higher in 3 + 3 + 2 + 1. */
	cr_assert_float_eq(pp_roc_auc(p, label, 8), 9.0 / 12, 1e-12);
	/* Ties count half: one tied pair and one won pair out of two. */
	const double q[] = { 0.5, 0.5, 0.1 };
	const int lq[] = { 1, 0, 0 };
	cr_assert_float_eq(pp_roc_auc(q, lq, 3), (0.5 + 1) / 2, 1e-12);
	/* Perfect and inverted rankings; one class only is undefined. */
	const double r[] = { 0.1, 0.2, 0.8, 0.9 };
	const int lr[] = { 0, 0, 1, 1 }, li[] = { 1, 1, 0, 0 }, l1[] = { 1, 1, 1, 1 };
	cr_assert_eq(pp_roc_auc(r, lr, 4), 1.0);
	cr_assert_eq(pp_roc_auc(r, li, 4), 0.0);
	cr_assert(isnan(pp_roc_auc(r, l1, 4)));
	pp_confusion_compute(r, l1, 4, 0.5, &c);
	cr_assert(isnan(c.fpr), "no benign window: FPR undefined, not 0");
}

static cJSON *run_eval(const struct pp_dataset *ds, enum pp_cv cv, int k)
{
	PP_OPTS(pp_train_opts, to, .params = "rounds=20");
	PP_OPTS(pp_eval_opts, eo, .cv = cv, .k = k, .train = &to);
	char *json, why[512] = "";
	cr_assert_eq(pp_model_eval(ds, &eo, &json, why, sizeof(why)), 0, "%s", why);
	cJSON *r = cJSON_Parse(json);
	cr_assert_not_null(r);
	free(json);
	return r;
}

static double num(const cJSON *o, const char *k)
{
	const cJSON *v = cJSON_GetObjectItem(o, k);
	cr_assert(cJSON_IsNumber(v), "%s is not a number", k);
	return v->valuedouble;
}

Test(eval, report_on_synthetic_data)
{
	char *d1, *d2;
	struct pp_dataset *ds = two_sources(&d1, &d2);
	cJSON *r = run_eval(ds, PP_CV_WORKLOAD, 0);
	int n = pp_dataset_nrows(ds);
	cr_assert_eq(num(r, "rows"), n);
	cr_assert_eq(num(r, "rows_scored"), n, "every window is scored exactly once");
	cr_assert_eq(cJSON_GetArraySize(cJSON_GetObjectItem(r, "fold_results")), SYNTH_NWORKLOADS);
	const cJSON *w = cJSON_GetObjectItem(r, "window");
	cr_assert_eq(num(w, "tp") + num(w, "fn") + num(w, "fp") + num(w, "tn"), n);
	cr_assert_gt(num(w, "tpr"), 0.9, "the synthetic classes are well apart");
	cr_assert_lt(num(w, "fpr"), 0.1);
	cr_assert_gt(num(w, "roc_auc"), 0.95);
	cr_assert_eq(cJSON_GetArraySize(cJSON_GetObjectItem(r, "per_workload")), SYNTH_NWORKLOADS);
	const cJSON *duty = cJSON_GetObjectItem(cJSON_GetObjectItem(r, "per_knob"), "duty");
	cr_assert_eq(cJSON_GetArraySize(duty), 2, "duty 20 and 100");
	cr_assert_eq(num(cJSON_GetArrayItem(duty, 0), "value"), 20);
	const cJSON *p = cJSON_GetObjectItem(r, "process");
	/* 8 workloads x (4 runs in one source + 3 in the other), half of them miners. */
	cr_assert_eq(num(p, "miner_runs"), 4 * 7);
	cr_assert_eq(num(p, "benign_runs"), 4 * 7);
	cr_assert_eq(cJSON_GetArraySize(cJSON_GetObjectItem(p, "runs")), 8 * 7);
	/* With 3 or 4 windows a run, 3-of-5 can only fire at the third window (t_end 3). */
	const cJSON *it;
	cJSON_ArrayForEach(it, cJSON_GetObjectItem(p, "runs"))
		if (cJSON_IsTrue(cJSON_GetObjectItem(it, "flagged")))
			cr_assert_geq(num(it, "first_miner_s"), 3.0);
	cJSON_Delete(r);

	/* Leave-one-family-out: a held-out family is unseen; still one score per window. */
	r = run_eval(ds, PP_CV_FAMILY, 0);
	cr_assert_eq(num(r, "rows_scored"), n);
	cr_assert_eq(num(r, "folds"), 4);
	cJSON_Delete(r);
	r = run_eval(ds, PP_CV_RUN, 3);
	cr_assert_eq(num(r, "rows_scored"), n);
	cJSON_Delete(r);
	pp_dataset_free(ds);
	cleanup(d1, d2);
}

/* A fold whose removal leaves one class is reported as skipped, not scored. */
Test(eval, one_class_left_is_skipped)
{
	const char *names[] = { "f.a" };
	struct pp_dataset *ds;
	cr_assert_eq(pp_dataset_new(names, 1, NULL, 0, &ds), 0);
	for (int r = 0; r < 4; r++)
		for (int k = 0; k < 3; k++) {
			struct pp_dataset_row row = { .run_id = r, .workload = r < 3 ? "m" : "b",
						      .family = r < 3 ? "fm" : "fb",
						      .label = r < 3 ? PP_LABEL_MINER : PP_LABEL_BENIGN,
						      .window = k, .t_end = k + 1, .duty = -1,
						      .threads = -1, .soft_aes = -1 };
			double x = (r < 3 ? 5 : 0) + 0.1 * k;
			cr_assert_eq(pp_dataset_add_row(ds, &row, &x, NULL), 0);
		}
	cJSON *r = run_eval(ds, PP_CV_FAMILY, 0);
	cr_assert_eq(num(r, "rows_scored"), 0);
	const cJSON *it;
	int skipped = 0;
	cJSON_ArrayForEach(it, cJSON_GetObjectItem(r, "fold_results"))
		skipped += cJSON_GetStringValue(cJSON_GetObjectItem(it, "skipped")) != NULL;
	cr_assert_eq(skipped, 2);
	cJSON_Delete(r);
	pp_dataset_free(ds);
}

Test(eval, cli_train_eval_classify)
{
	struct pp_dataset *a = synth_dataset(3, 5, 3, 0);
	char *dir = synth_tmpdir(), args[4096], data[1024], model[1024];
	snprintf(data, sizeof(data), "%s/data", dir);
	snprintf(model, sizeof(model), "%s/model", dir);
	synth_write(a, data, 1, 1);
	pp_dataset_free(a);
	char *out, *err;

	snprintf(args, sizeof(args), "train --data '%s' --params rounds=20 --output '%s'", data,
		 model);
	cr_assert_eq(pp_cli_run(args, &out, &err), 0, "%s", err);
	cr_assert(strstr(out, "booster.json") && strstr(out, "f.a"), "%s", out);
	free(out);
	free(err);

	snprintf(args, sizeof(args), "eval --data '%s' --cv by-run:3 --params rounds=10 --json",
		 data);
	cr_assert_eq(pp_cli_run(args, &out, &err), 0, "%s", err);
	cJSON *r = cJSON_Parse(out);
	cr_assert_not_null(r, "%s", out);
	cr_assert_str_eq(cJSON_GetStringValue(cJSON_GetObjectItem(r, "cv")), "by-run");
	cr_assert_eq(num(r, "rows_scored"), 8 * 3 * 5);
	cJSON_Delete(r);
	free(out);
	free(err);

	snprintf(args, sizeof(args), "eval --data '%s' --cv leave-one-family-out --params "
		 "rounds=10", data);
	cr_assert_eq(pp_cli_run(args, &out, &err), 0, "%s", err);
	cr_assert(strstr(out, "ROC AUC") && strstr(out, "process level"), "%s", out);
	free(out);
	free(err);

	snprintf(args, sizeof(args), "classify --model '%s' --data '%s' --json", model, data);
	cr_assert_eq(pp_cli_run(args, &out, &err), 0, "%s", err);
	r = cJSON_Parse(out);
	cr_assert_not_null(r, "%s", out);
	const cJSON *runs = cJSON_GetObjectItem(r, "runs"), *it;
	cr_assert_eq(cJSON_GetArraySize(runs), 8 * 3);
	cJSON_ArrayForEach(it, runs) {
		const char *label = cJSON_GetStringValue(cJSON_GetObjectItem(it, "label"));
		const char *verdict = cJSON_GetStringValue(cJSON_GetObjectItem(it, "verdict"));
		cr_assert_str_eq(verdict, label, "run %g of %s", num(it, "run_id"),
				 cJSON_GetStringValue(cJSON_GetObjectItem(it, "workload")));
		cr_assert_eq(cJSON_GetArraySize(cJSON_GetObjectItem(it, "windows")), 5);
		const cJSON *nr = cJSON_GetObjectItem(it, "nearest");
		cr_assert_str_eq(cJSON_GetStringValue(cJSON_GetObjectItem(nr, "workload")),
				 cJSON_GetStringValue(cJSON_GetObjectItem(it, "workload")),
				 "a training run is nearest its own workload's fingerprint");
		cr_assert_gt(cJSON_GetArraySize(cJSON_GetObjectItem(it, "top_features")), 0);
	}
	cJSON_Delete(r);
	free(out);
	free(err);

	/* Usage errors (exit 2) and failures (exit 1) say what to do. */
	cr_assert_eq(pp_cli_run("eval --data x --cv random", NULL, &err), 2);
	cr_assert(strstr(err, "leave-one-workload-out"), "%s", err);
	free(err);
	cr_assert_eq(pp_cli_run("train --data x", NULL, &err), 2);
	cr_assert(strstr(err, "--output"), "%s", err);
	free(err);
	snprintf(args, sizeof(args), "classify --model '%s' --data '%s'", data, data);
	cr_assert_eq(pp_cli_run(args, NULL, &err), 1);
	cr_assert(strstr(err, "not a model directory"), "%s", err);
	free(err);
	snprintf(args, sizeof(args), "train --data '%s/nope' --output '%s'", dir, model);
	cr_assert_eq(pp_cli_run(args, NULL, &err), 1);
	cr_assert(strstr(err, "meta.json"), "%s", err);
	free(err);
	synth_rmrf(dir);
	free(dir);
}

/* A model on real feature names (cpu_util, ctx_switches) for the live tests: miners at full
 * utilisation, idle benign runs. Returns its temporary directory (model in DIR/model). */
static char *live_model(char *model, size_t len)
{
	const char *names[] = { "f.cpu_util", "f.ctx_switches" };
	struct pp_dataset *src;
	cr_assert_eq(pp_dataset_new(names, 2, NULL, 0, &src), 0);
	for (int r = 0; r < 6; r++)
		for (int k = 0; k < 5; k++) {
			bool miner = r < 3;
			struct pp_dataset_row row = { .run_id = r, .workload = miner ? "cn/r" : "idle",
						      .label = miner ? PP_LABEL_MINER : PP_LABEL_BENIGN,
						      .window = k, .duty = -1, .threads = -1,
						      .soft_aes = -1, .t_end = k + 1 };
			double x[2] = { miner ? 0.95 + 0.01 * k : 0.001 * k,
					miner ? 5 + k : 200 + 10 * k };
			cr_assert_eq(pp_dataset_add_row(src, &row, x, NULL), 0);
		}
	char *dir = synth_tmpdir(), data[1024], args[4096], *err;
	snprintf(data, sizeof(data), "%s/data", dir);
	snprintf(model, len, "%s/model", dir);
	synth_write(src, data, PP_FEATURES_VERSION, 0);
	pp_dataset_free(src);
	snprintf(args, sizeof(args), "train --data '%s' --params rounds=5 -o '%s'", data, model);
	cr_assert_eq(pp_cli_run(args, NULL, &err), 0, "%s", err);
	free(err);
	return dir;
}

/* The live form: a model on real feature names (cpu_util) classifies a started command.
 * `sleep` uses no CPU, so with miners trained at full utilisation it must come out benign. */
Test(eval, cli_classify_live_command)
{
	char model[1024], args[4096], *out, *err, *dir = live_model(model, sizeof(model));
	snprintf(args, sizeof(args), "classify --model '%s' --interval 200 --json -- sleep 1",
		 model);
	int rc = pp_cli_run(args, &out, &err);
	if (rc != 0 && (strstr(err, "cannot monitor") || strstr(err, "does not provide"))) {
		synth_rmrf(dir);
		free(dir);
		cr_skip_test("the collector cannot run here: %s", err);
	}
	cr_assert_eq(rc, 0, "%s", err);
	cJSON *r = cJSON_Parse(out);
	cr_assert_not_null(r, "%s", out);
	const cJSON *run = cJSON_GetArrayItem(cJSON_GetObjectItem(r, "runs"), 0);
	cr_assert_str_eq(cJSON_GetStringValue(cJSON_GetObjectItem(run, "verdict")), "benign", "%s",
			 out);
	cr_assert_geq(cJSON_GetArraySize(cJSON_GetObjectItem(run, "windows")), 2, "%s", out);
	cr_assert_str_eq(cJSON_GetStringValue(cJSON_GetObjectItem(
				 cJSON_GetObjectItem(run, "nearest"), "workload")), "idle", "%s", out);
	cJSON_Delete(r);
	free(out);
	free(err);
	synth_rmrf(dir);
	free(dir);
}

/* The rounding-mode rule in eval: a RandomX family whose features look benign is missed by a
 * model that never saw it (leave-one-family-out) and caught by the rule from its ebpf counts,
 * at every window; the rule alone never flags a benign window, whose rounding mode is always
 * the default. */
Test(eval, rounding_rule_catches_the_family_the_model_never_saw)
{
	const char *names[] = { "f.cpu_util", "f.ctx_switches" };
	const char *raw[] = { "raw.bpf.fp_preempted", "raw.bpf.fp_preempted_nondefault" };
	struct pp_dataset *ds;
	cr_assert_eq(pp_dataset_new(names, 2, raw, 2, &ds), 0);
	static const struct {
		const char *workload, *family;
		enum pp_label label;
		double util, nondefault_share;
	} kinds[] = {
		{ "cn/0", "cn", PP_LABEL_MINER, 0.98, 0 },
		{ "cn-lite/0", "cn-lite", PP_LABEL_MINER, 0.97, 0 },
		{ "sort", "compute", PP_LABEL_BENIGN, 0.30, 0 },
		{ "zstd", "compression", PP_LABEL_BENIGN, 0.35, 0 },
		/* Looks like the benign ones to a model that has not seen it. */
		{ "rx/0-light", "randomx", PP_LABEL_MINER, 0.32, 0.67 },
	};
	long id = 0;
	for (size_t k = 0; k < sizeof(kinds) / sizeof(kinds[0]); k++)
		for (int r = 0; r < 4; r++, id++)
			for (int w = 0; w < 5; w++) {
				struct pp_dataset_row row = {
					.run_id = id, .workload = kinds[k].workload,
					.family = kinds[k].family, .label = kinds[k].label,
					.window = w, .duty = -1, .threads = -1, .soft_aes = -1,
					.t_end = w + 1,
				};
				double x[2] = { kinds[k].util + 0.005 * w, 40 + r + w };
				double pre = 30 + 3 * w, rw[2] = { pre, floor(pre * kinds[k].nondefault_share) };
				cr_assert_eq(pp_dataset_add_row(ds, &row, x, rw), 0);
			}
	struct pp_train_opts to = { .sz = sizeof(to), .params = "rounds=10" };
	char *json = NULL, why[512] = "";
	for (int model_only = 0; model_only < 2; model_only++) {
		struct pp_eval_opts eo = { .sz = sizeof(eo), .cv = PP_CV_FAMILY, .train = &to,
					   .model_only = model_only };
		cr_assert_eq(pp_model_eval(ds, &eo, &json, why, sizeof(why)), 0, "%s", why);
		cJSON *r = cJSON_Parse(json);
		cr_assert_not_null(r);
		const cJSON *rl = cJSON_GetObjectItem(r, "rounding_rule"), *it;
		cr_assert_eq(cJSON_IsTrue(cJSON_GetObjectItem(rl, "used")), !model_only, "%s", json);
		cJSON_ArrayForEach(it, cJSON_GetObjectItem(r, "per_workload")) {
			const char *wl = cJSON_GetStringValue(cJSON_GetObjectItem(it, "workload"));
			double flagged = cJSON_GetObjectItem(it, "flagged")->valuedouble;
			if (!strcmp(wl, "rx/0-light") && !model_only)
				cr_expect_eq(flagged, 20, "the rule flags every RandomX window");
			if (!strcmp(wl, "rx/0-light") && model_only)
				cr_expect_lt(flagged, 10, "the model alone has not seen RandomX");
		}
		if (!model_only) {
			const cJSON *rw = cJSON_GetObjectItem(rl, "rule_window");
			cr_expect_eq(cJSON_GetObjectItem(rw, "fp")->valuedouble, 0);
			cr_expect_eq(cJSON_GetObjectItem(rw, "tp")->valuedouble, 20);
		}
		cJSON_Delete(r);
		free(json);
	}
	pp_dataset_free(ds);
}

/* classify --data says when it scores the model's own training data (train records a digest
 * of each training run), says nothing of the kind for data the model never saw, says it
 * cannot tell for a model without digests, and closes with a summary by label and workload. */
Test(eval, classify_says_when_the_data_trained_the_model)
{
	struct pp_dataset *a = synth_dataset(2, 4, 3, 0), *b = synth_dataset(2, 4, 7, 0);
	char *dir = synth_tmpdir(), args[4096], da[1024], db[1024], model[1024], *out, *err;
	snprintf(da, sizeof(da), "%s/a", dir);
	snprintf(db, sizeof(db), "%s/b", dir);
	snprintf(model, sizeof(model), "%s/model", dir);
	synth_write(a, da, 1, 1);
	synth_write(b, db, 1, 1);
	pp_dataset_free(a);
	pp_dataset_free(b);
	snprintf(args, sizeof(args), "train --data '%s' --params rounds=10 --output '%s'", da, model);
	cr_assert_eq(pp_cli_run(args, NULL, &err), 0, "%s", err);
	free(err);

	snprintf(args, sizeof(args), "classify --model '%s' --data '%s'", model, da);
	cr_assert_eq(pp_cli_run(args, &out, &err), 0, "%s", err);
	cr_expect(strstr(out, "every run was in the model's training data"), "%s", out);
	cr_expect(strstr(out, "(in the model's training data)"), "%s", out);
	const char *sum = strstr(out, "\nsummary: 16 runs, 64 windows");
	cr_assert_not_null(sum, "no closing summary: %s", out);
	cr_expect(strstr(sum, "labelled miner: ") && strstr(sum, "of 8 runs"), "%s", sum);
	for (int w = 0; w < SYNTH_NWORKLOADS; w++)
		cr_expect(strstr(sum, synth_workloads[w].name), "%s not summed up: %s",
			  synth_workloads[w].name, sum);
	free(out);
	free(err);

	snprintf(args, sizeof(args), "classify --model '%s' --data '%s' --json", model, db);
	cr_assert_eq(pp_cli_run(args, &out, &err), 0, "%s", err);
	cJSON *r = cJSON_Parse(out), *it;
	cr_assert_not_null(r, "%s", out);
	const cJSON *s = cJSON_GetObjectItem(r, "summary");
	cr_expect_eq(num(s, "runs"), 16, "%s", out);
	cr_expect_eq(num(s, "windows"), 64, "%s", out);
	cr_expect_eq(num(s, "runs_in_training"), 0, "%s", out);
	cJSON_ArrayForEach(it, cJSON_GetObjectItem(r, "runs"))
		cr_expect(cJSON_IsFalse(cJSON_GetObjectItem(it, "in_training")), "%s", out);
	cJSON_Delete(r);
	free(out);
	free(err);

	/* A model from before the digests still loads, and classify says it cannot tell. */
	char path[1100];
	snprintf(path, sizeof(path), "%s/model.json", model);
	char *text = pp_test_slurp(path);
	cJSON *mj = cJSON_Parse(text);
	cr_assert_not_null(mj);
	cr_assert(cJSON_HasObjectItem(cJSON_GetObjectItem(mj, "training"), "run_digests"));
	cJSON_DeleteItemFromObject(cJSON_GetObjectItem(mj, "training"), "run_digests");
	char *old = cJSON_Print(mj);
	FILE *f = fopen(path, "w");
	cr_assert_not_null(f);
	fputs(old, f);
	fclose(f);
	free(old);
	free(text);
	cJSON_Delete(mj);
	snprintf(args, sizeof(args), "classify --model '%s' --data '%s'", model, db);
	cr_assert_eq(pp_cli_run(args, &out, &err), 0, "%s", err);
	cr_expect(strstr(out, "records no run digests"), "%s", out);
	free(out);
	free(err);
	synth_rmrf(dir);
	free(dir);
}

/* Live, the last window of a command that exits mid-window is marked partial and makes no
 * "like X" claim of its own (the run's nearest fingerprint covers it); the run closes with a
 * summary. */
Test(eval, classify_live_partial_window_makes_no_claim, .timeout = 60)
{
	char model[1024], args[4096], *out, *err, *dir = live_model(model, sizeof(model));
	snprintf(args, sizeof(args), "classify --model '%s' --interval 300 -- sleep 0.75", model);
	int rc = pp_cli_run(args, &out, &err);
	if (rc != 0 && (strstr(err, "cannot monitor") || strstr(err, "does not provide"))) {
		synth_rmrf(dir);
		free(dir);
		cr_skip_test("the collector cannot run here: %s", err);
	}
	cr_assert_eq(rc, 0, "%s", err);
	int partial = 0, like = 0;
	for (char *line = strtok(out, "\n"); line; line = strtok(NULL, "\n")) {
		if (strncmp(line, "  window ", 9))
			continue;
		if (strstr(line, "(partial")) {
			partial++;
			cr_expect_null(strstr(line, " like "), "%s", line);
		} else {
			like += strstr(line, " like ") != NULL;
		}
	}
	cr_expect_eq(partial, 1, "the last window is not marked partial");
	cr_expect_geq(like, 1, "the full windows lost their nearest fingerprint");
	free(out);
	free(err);
	/* strtok cut out: run it again for the summary. */
	cr_assert_eq(pp_cli_run(args, &out, &err), 0, "%s", err);
	cr_expect(strstr(out, "\nsummary: 1 run, ") && strstr(out, "(1 partial)"), "%s", out);
	free(out);
	free(err);
	synth_rmrf(dir);
	free(dir);
}
