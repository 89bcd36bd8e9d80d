/* powprint classify: p(miner) per window and an explained verdict per run (nearest
 * fingerprint, its distance, the features that contributed most), for a recorded dataset or
 * a live process / command. */
#define _GNU_SOURCE
#include "cli/cli.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <float.h>
#include <math.h>
#include <powprint/collect.h>
#include <powprint/features.h>
#include <powprint/model.h>
#include <powprint/powprint.h>
#include <stdlib.h>
#include <string.h>

static struct {
	const char *dirs[CLI_MAX_DIRS], *model;
	int ndirs, smooth[2];
	long pid, interval;
	double seconds;
	bool json;
} args = { .smooth = { 3, 5 } };

static const struct cli_opt classify_opts[] = {
	CLI_STR("model", 'm', "MODEL", &args.model,
		"model directory or xgboost JSON booster (default: the shipped one)"),
	CLI_LIST("data", 'd', "DIR[,DIR...]", args.dirs, &args.ndirs,
		 "classify the runs of recorded datasets"),
	CLI_LONG("pid", 'p', "PID", &args.pid, 1, 0x7fffffff, "classify a running process"),
	CLI_DOUBLE("seconds", 's', "S", &args.seconds, DBL_TRUE_MIN, INFINITY,
		   "live: stop after S seconds (default: until the target exits)",
		   .what = "a positive number"),
	CLI_LONG("interval", 'I', "MS", &args.interval, PP_INTERVAL_MIN_MS, 3600000,
		 "live: window length in ms (default 1000)"),
	CLI_KOFN("smooth", 0, "K/N", &args.smooth,
		 "verdict: miner once K of the last N windows are (3/5)"),
	CLI_FLAG("json", 'j', &args.json, "print one JSON object"),
	{ 0 },
};

struct ctx {
	const struct pp_model *m;
	int sk, sn;
	bool json;
	cJSON *runs;               /* --json: the runs array */
};

static cJSON *num_or_null(double v)
{
	return isfinite(v) ? cJSON_CreateNumber(v) : cJSON_CreateNull();
}

/* One classified run with its windows' indices and end times. label is "miner", "benign" or
 * NULL. Prints (or appends to ctx->runs) the windows and the verdict. */
static void report_run(struct ctx *c, const char *title, const char *workload,
		       const char *label, long run_id, const struct pp_run_verdict *rv,
		       const int *win, const double *t_end, bool windows_printed)
{
	const struct pp_model *m = c->m;
	const double *p = rv->p;
	const struct pp_verdict v = rv->v;
	double thr = pp_model_threshold(m);
	int n = rv->nwindows, nflag = rv->windows_flagged;
	bool miner = rv->miner;
	int first_win = miner ? win[rv->first_miner] : -1;
	double first = miner ? t_end[rv->first_miner] : NAN;
	if (c->json) {
		cJSON *o = cJSON_CreateObject();
		if (run_id >= 0)
			cJSON_AddNumberToObject(o, "run_id", (double)run_id);
		cJSON_AddStringToObject(o, "target", title);
		if (workload)
			cJSON_AddStringToObject(o, "workload", workload);
		if (label)
			cJSON_AddStringToObject(o, "label", label);
		cJSON *w = cJSON_AddArrayToObject(o, "windows");
		for (int i = 0; i < n; i++) {
			cJSON *e = cJSON_CreateObject();
			cJSON_AddNumberToObject(e, "window", win[i]);
			cJSON_AddItemToObject(e, "t_end", num_or_null(t_end[i]));
			cJSON_AddNumberToObject(e, "p_miner", p[i]);
			if (rv->rule)
				cJSON_AddBoolToObject(e, "rule", rv->rule[i]);
			cJSON_AddItemToArray(w, e);
		}
		cJSON_AddStringToObject(o, "verdict", miner ? "miner" : "benign");
		cJSON_AddNumberToObject(o, "windows_flagged", nflag);
		if (miner) {
			cJSON_AddNumberToObject(o, "first_miner_window", first_win);
			cJSON_AddItemToObject(o, "first_miner_s", num_or_null(first));
		}
		cJSON_AddNumberToObject(o, "p_miner_mean", v.p_miner);
		if (rv->rule) {
			cJSON *r = cJSON_AddObjectToObject(o, "rounding_rule");
			cJSON_AddBoolToObject(r, "fired", v.rule);
			cJSON_AddNumberToObject(r, "windows_fired", rv->windows_rule);
			cJSON_AddItemToObject(r, "nondefault_share", num_or_null(v.round_share));
			cJSON_AddNumberToObject(r, "preemptions", v.round_preemptions);
		}
		if (v.nearest >= 0) {
			cJSON *nr = cJSON_AddObjectToObject(o, "nearest");
			cJSON_AddStringToObject(nr, "workload", v.nearest_workload);
			cJSON_AddStringToObject(nr, "family", v.nearest_family);
			if (v.nearest_knobs && v.nearest_knobs[0])
				cJSON_AddStringToObject(nr, "knobs", v.nearest_knobs);
			cJSON_AddStringToObject(nr, "class", v.nearest_miner ? "miner" : "benign");
			cJSON_AddItemToObject(nr, "distance", num_or_null(v.distance));
			cJSON_AddNumberToObject(nr, "features_used", v.nused);
		}
		cJSON *t = cJSON_AddArrayToObject(o, "top_features");
		for (int k = 0; k < v.ntop; k++) {
			cJSON *e = cJSON_CreateObject();
			cJSON_AddStringToObject(e, "feature", pp_model_feature_name(m, v.top[k].feature));
			cJSON_AddNumberToObject(e, "contribution", v.top[k].contrib);
			cJSON_AddItemToArray(t, e);
		}
		cJSON_AddItemToArray(c->runs, o);
	} else {
		printf("%s%s%s%s%s\n", title, workload ? "  " : "", workload ? workload : "",
		       label ? "  labelled " : "", label ? label : "");
		if (!windows_printed)
			for (int i = 0; i < n; i++)
				printf("  window %3d  t %7.1f s  p(miner) %.3f%s%s\n", win[i],
				       t_end[i], p[i], p[i] >= thr ? "  *" : "",
				       rv->rule && rv->rule[i] ? "  rule" : "");
		printf("  verdict   %s", miner ? "MINER" : "benign");
		if (miner)
			printf(" (%d of %d windows flagged by window %d, t %.1f s)", c->sk, c->sn,
			       first_win, first);
		printf("; %d of %d windows flagged (p >= %.2f or the rounding-mode rule); mean "
		       "p(miner) %.3f\n", nflag, n, thr, v.p_miner);
		if (rv->rule) {
			char ev[128];
			printf("  evidence  %s%s\n", pp_round_describe(&v, ev, sizeof(ev)),
			       v.rule ? ": a RandomX-family miner" : "");
		}
		if (v.nearest >= 0 && v.nused > 0)
			printf("  nearest   %s%s%s%s (%s, %s) at distance %.2f over %d features\n",
			       v.nearest_workload, v.nearest_knobs && v.nearest_knobs[0] ? " [" : "",
			       v.nearest_knobs ? v.nearest_knobs : "",
			       v.nearest_knobs && v.nearest_knobs[0] ? "]" : "", v.nearest_family,
			       v.nearest_miner ? "miner" : "benign", v.distance, v.nused);
		else if (v.nearest >= 0)
			printf("  nearest   none: no feature in common with any fingerprint\n");
		printf("  top       ");
		for (int k = 0; k < v.ntop; k++)
			printf("%s%s %+.2f", k ? ", " : "", pp_model_feature_name(m, v.top[k].feature),
			       v.top[k].contrib);
		printf("%s\n\n", v.ntop ? " (log-odds; + towards miner)" : "-");
	}
}

static int classify_data(struct ctx *c, const char *const *dirs, int ndirs)
{
	struct pp_dataset *ds = cli_dataset_read(&cmd_classify, dirs, ndirs);
	if (!ds)
		return CLI_EXIT_FAIL;
	const struct pp_model *m = c->m;
	struct pp_run_verdict *runs = NULL;
	char why[1024] = "";
	int nf = pp_model_nfeatures(m), n = pp_dataset_nrows(ds), nruns = 0, rc = 0;
	int err = pp_model_classify_runs(m, ds, c->sk, c->sn, &runs, &nruns, why, sizeof(why));
	int *map = malloc(((size_t)nf + 1) * sizeof(*map));
	int *win = malloc(((size_t)n + 1) * sizeof(*win));
	double *t = malloc(((size_t)n + 1) * sizeof(*t));
	if (err)
		fprintf(stderr, "powprint classify: %s\n", why[0] ? why : pp_strerror(err));
	if (err || !map || !win || !t) {
		rc = CLI_EXIT_FAIL;
		goto out;
	}
	/* Columns the data lacks were classified as missing: say which. */
	if (pp_model_bind(m, ds, map))
		for (int j = 0; j < nf; j++)
			if (map[j] < 0)
				fprintf(stderr, "powprint classify: warning: the data has no column "
					"%s; it is treated as missing\n", pp_model_feature_name(m, j));
	for (int r = 0; r < nruns; r++) {
		const struct pp_run_verdict *rv = &runs[r];
		const struct pp_dataset_row *r0 = pp_dataset_row(ds, rv->rows[0]);
		for (int i = 0; i < rv->nwindows; i++) {
			win[i] = pp_dataset_row(ds, rv->rows[i])->window;
			t[i] = pp_dataset_row(ds, rv->rows[i])->t_end;
		}
		char title[4200];
		snprintf(title, sizeof(title), "%s run %ld", pp_dataset_source(ds, r0->source)->dir,
			 r0->run_id);
		const char *label = r0->label == PP_LABEL_MINER ? "miner" :
				    r0->label == PP_LABEL_BENIGN ? "benign" : NULL;
		report_run(c, title, r0->workload, label, r0->run_id, rv, win, t, false);
	}
out:
	free(runs);
	free(map);
	free(win);
	free(t);
	pp_dataset_free(ds);
	return rc;
}

static void print_warning(void *arg, const char *msg)
{
	(void)arg;
	fprintf(stderr, "powprint classify: warning: %s\n", msg);
}

static int classify_live(struct ctx *c, long pid, char **cmdv, double seconds, long interval)
{
	const struct pp_model *m = c->m;
	int nf = pp_model_nfeatures(m);
	char blist[256] = "", why[1024] = "";
	for (int i = 0; i < pp_model_nbackends(m); i++)
		snprintf(blist + strlen(blist), sizeof(blist) - strlen(blist), "%s%s", i ? "," : "",
			 pp_model_backend(m, i));
	/* Only the backends the model needs: naming them makes their failure an error. */
	PP_OPTS(pp_collect_opts, opts, .backends = blist[0] ? blist : NULL,
		.interval_ms = (unsigned)interval, .warn = print_warning);
	cli_catch_stop();
	struct pp_collector *col;
	int err = cmdv ? pp_collector_open_cmd(cmdv, &opts, &col, why, sizeof(why))
		       : pp_collector_open_pid((pid_t)pid, &opts, &col, why, sizeof(why));
	if (err) {
		fprintf(stderr, "powprint classify: cannot monitor %s%s: %s\n",
			cmdv ? "'" : "pid ", cmdv ? cmdv[0] : "", why[0] ? why : pp_strerror(err));
		if (!cmdv)
			fprintf(stderr, "(pid %ld)\n", pid);
		return CLI_EXIT_FAIL;
	}
	static struct pp_window w;  /* large: keep it off the stack */
	int cap = 64, n = 0, rc = 0;
	double *X = malloc((size_t)cap * nf * sizeof(*X)), *t = malloc(cap * sizeof(*t));
	int *win = malloc(cap * sizeof(*win));
	struct pp_evidence *ev = malloc(cap * sizeof(*ev));
	struct pp_round_tally tally;
	pp_round_tally_init(&tally, PP_ROUND_WINDOWS);
	if (!c->json)
		fprintf(stderr, "powprint classify: pid %d, backends %s\n",
			(int)pp_collector_pid(col), pp_collector_backends(col));
	while (X && t && win && ev) {
		err = cli_collector_read(col, &w, cmdv != NULL);
		if (err == -ESRCH)
			break;
		if (err) {
			fprintf(stderr, "powprint classify: reading counters failed: %s\n",
				pp_strerror(err));
			rc = CLI_EXIT_FAIL;
			break;
		}
		if (n == cap) {
			cap *= 2;
			double *nx = realloc(X, (size_t)cap * nf * sizeof(*X));
			double *nt = realloc(t, cap * sizeof(*t));
			int *nw = realloc(win, cap * sizeof(*win));
			struct pp_evidence *ne = realloc(ev, cap * sizeof(*ev));
			X = nx ? nx : X;
			t = nt ? nt : t;
			win = nw ? nw : win;
			ev = ne ? ne : ev;
			if (!nx || !nt || !nw || !ne) {
				rc = CLI_EXIT_FAIL;
				break;
			}
		}
		struct pp_features f;
		pp_features_compute(&w, &f);
		int unknown = pp_model_vector(m, &f, X + (size_t)n * nf);
		if (unknown < 0) {
			fprintf(stderr, "powprint classify: the model uses feature-vector version %d, "
				"this powprint computes version %d: train a model with this "
				"version\n", pp_model_feature_version(m), f.version);
			rc = CLI_EXIT_FAIL;
			break;
		}
		if (unknown == nf) {
			fprintf(stderr, "powprint classify: this powprint computes none of the model's "
				"%d features (e.g. %s): it was trained on other data; see "
				"docs/features.md for the feature names\n", nf,
				pp_model_feature_name(m, 0));
			rc = CLI_EXIT_FAIL;
			break;
		}
		if (unknown && n == 0)
			fprintf(stderr, "powprint classify: warning: %d of the model's %d features "
				"are not computed by this powprint; they are treated as missing\n",
				unknown, nf);
		t[n] = w.end_s;
		win[n] = (int)w.index;
		pp_evidence_from_window(&w, &ev[n]);
		bool fired = pp_round_tally_push(&tally, &ev[n]);
		if (!c->json) {
			struct pp_verdict v;
			if (pp_model_predict(m, X + (size_t)n * nf, nf, &v) == 0)
				printf("  window %3d  t %7.1f s  p(miner) %.3f%s%s%s%s\n", win[n],
				       t[n], v.p_miner, v.miner || fired ? "  *" : "",
				       fired ? "  rule" : "", v.nearest >= 0 ? "  like " : "",
				       v.nearest >= 0 ? v.nearest_workload : "");
			fflush(stdout);
		}
		n++;
		if (w.target_exited || cli_stop || (seconds > 0 && w.end_s >= seconds))
			break;
	}
	if (!rc && n) {
		char title[300];
		if (cmdv)
			snprintf(title, sizeof(title), "command %s (pid %d)", cmdv[0],
				 (int)pp_collector_pid(col));
		else
			snprintf(title, sizeof(title), "pid %ld", pid);
		struct pp_run_verdict rv;
		double *p = malloc((size_t)n * sizeof(*p));
		bool *rule = malloc((size_t)n * sizeof(*rule));
		err = p && rule ? pp_model_classify_run(m, X, n, nf, ev, c->sk, c->sn, p, rule, &rv)
				: -ENOMEM;
		if (!err)
			report_run(c, title, NULL, NULL, -1, &rv, win, t, true);
		else
			rc = CLI_EXIT_FAIL;
		free(p);
		free(rule);
	} else if (!rc) {
		fprintf(stderr, "powprint classify: no window was collected\n");
		rc = CLI_EXIT_FAIL;
	}
	pp_collector_close(col);
	free(X);
	free(t);
	free(win);
	free(ev);
	return rc;
}

static int run(int argc, char **argv)
{
	const struct cli_cmd *cmd = &cmd_classify;
	int st = cli_parse(cmd, argc, argv);
	if (st >= 0)
		return st;
	const char *const *dirs = args.dirs, *model = args.model;
	int ndirs = args.ndirs, sk = args.smooth[0], sn = args.smooth[1];
	long pid = args.pid, interval = args.interval;
	double seconds = args.seconds;
	bool json = args.json;
	char **cmdv = optind < argc ? argv + optind : NULL;
	int forms = (ndirs > 0) + (pid > 0) + (cmdv != NULL);
	if (forms != 1)
		return cli_usage_error(cmd, "give exactly one of --data DIR, -p PID or -- COMMAND "
				       "[ARGS]");
	/* Live, the model must only need backends this machine offers; recorded data comes
	 * from anywhere, so a model given for it is not checked against this machine. */
	char why[1024] = "", used[4096] = "";
	struct pp_model *m;
	int err = ndirs && model
		? pp_model_load(model, NULL, 0, &m, why, sizeof(why))
		: pp_model_load_for_host(model, &m, used, sizeof(used), why, sizeof(why));
	if (err)
		return cli_fail(cmd, err, why);
	if (!model)
		model = used;
	struct ctx ctx = { .m = m, .sk = sk, .sn = sn, .json = json };
	cJSON *root = NULL;
	if (json) {
		root = cJSON_CreateObject();
		cJSON_AddStringToObject(root, "model", model);
		cJSON_AddNumberToObject(root, "threshold", pp_model_threshold(m));
		cJSON *s = cJSON_AddObjectToObject(root, "smoothing");
		cJSON_AddNumberToObject(s, "k", sk);
		cJSON_AddNumberToObject(s, "n", sn);
		ctx.runs = cJSON_AddArrayToObject(root, "runs");
	}
	int rc = ndirs ? classify_data(&ctx, dirs, ndirs)
		       : classify_live(&ctx, pid, cmdv, seconds, interval);
	if (json && !rc) {
		char *s = cJSON_Print(root);
		puts(s);
		free(s);
	}
	cJSON_Delete(root);
	pp_model_free(m);
	return rc;
}

const struct cli_cmd cmd_classify = {
	.name = "classify", .fn = run,
	.summary = "p(miner) per window and an explained verdict for recorded runs or a live process",
	.usage = "--model MODEL (--data DIR[,DIR...] | -p PID [--seconds S] | -- CMD ARGS) "
		 "[--smooth K/N] [--json]",
	.description = "Each window gets p(miner) from the model's booster; a window is flagged "
		       "when p >= the model's threshold, and a run is a miner once K of the last N "
		       "windows were flagged. The verdict names the nearest fingerprint (the training "
		       "workload, with its knobs, whose median features are closest, in robust "
		       "standard units over "
		       "the features both have) and the features that pushed p(miner) most "
		       "(xgboost per-feature contributions, in log-odds, averaged over the windows).",
	.opts = classify_opts,
};
