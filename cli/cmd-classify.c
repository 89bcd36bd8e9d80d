/* powprint classify: p(miner) per window and an explained verdict per run (nearest
 * fingerprint, its distance, the features that contributed most), for a recorded dataset or
 * a live process / command. */
#define _GNU_SOURCE
#include "cli/cli.h"
#include "fingerprint/agent/json-shapes.h"

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
	/* The run about to be reported: its windows cut short (NULL: none), and whether it was
	 * in the model's training data (1, 0, or -1 when the model cannot say). */
	const bool *partial;
	int in_training;
	/* For the closing summary. */
	int nruns, nwindows, npartial, runs_miner, windows_flagged;
	int labelled[2], labelled_flagged[2];   /* runs by label: benign, miner */
	int trained, trained_unknown;           /* runs in the training data; runs it cannot tell */
	int near_training;                      /* sources dated within the training data */
	cJSON *per_workload;       /* workload -> [class, runs, runs judged miner] */
};

/* Counts one reported run for the summary. */
static void tally_run(struct ctx *c, const char *workload, const char *label,
		      const struct pp_run_verdict *rv)
{
	c->nruns++;
	c->nwindows += rv->nwindows;
	c->runs_miner += rv->miner;
	c->windows_flagged += rv->windows_flagged;
	for (int i = 0; c->partial && i < rv->nwindows; i++)
		c->npartial += c->partial[i];
	if (label) {
		int k = !strcmp(label, "miner");
		c->labelled[k]++;
		c->labelled_flagged[k] += rv->miner;
	}
	c->trained += c->in_training == 1;
	c->trained_unknown += c->in_training == -1;
	if (!workload)
		return;
	if (!c->per_workload)
		c->per_workload = cJSON_CreateObject();
	cJSON *w = cJSON_GetObjectItemCaseSensitive(c->per_workload, workload);
	if (!w) {
		w = cJSON_CreateArray();
		cJSON_AddItemToArray(w, cJSON_CreateString(label ? label : "-"));
		cJSON_AddItemToArray(w, cJSON_CreateNumber(0));
		cJSON_AddItemToArray(w, cJSON_CreateNumber(0));
		cJSON_AddItemToObject(c->per_workload, workload, w);
	}
	cJSON *runs = cJSON_GetArrayItem(w, 1), *flagged = cJSON_GetArrayItem(w, 2);
	cJSON_SetNumberValue(runs, runs->valuedouble + 1);
	cJSON_SetNumberValue(flagged, flagged->valuedouble + rv->miner);
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
	tally_run(c, workload, label, rv);
	if (c->json) {
		cJSON *o = cJSON_CreateObject();
		if (run_id >= 0)
			cJSON_AddNumberToObject(o, "run_id", (double)run_id);
		cJSON_AddStringToObject(o, "target", title);
		if (workload)
			cJSON_AddStringToObject(o, "workload", workload);
		if (label)
			cJSON_AddStringToObject(o, "label", label);
		if (c->in_training >= 0)
			cJSON_AddBoolToObject(o, "in_training", c->in_training);
		cJSON *w = cJSON_AddArrayToObject(o, "windows");
		for (int i = 0; i < n; i++) {
			cJSON *e = pp_window_json((uint64_t)win[i], NAN, t_end[i]);
			pp_json_add_number(e, "p_miner", p[i], PP_JSON_MEASURED);
			if (rv->rule)
				cJSON_AddBoolToObject(e, "rule", rv->rule[i]);
			if (c->partial && c->partial[i])
				cJSON_AddBoolToObject(e, "partial", true);
			cJSON_AddItemToArray(w, e);
		}
		/* The run's verdict: p_miner is the mean over its windows. */
		pp_verdict_json_add(o, m, &v, miner, NULL);
		if (rv->rule) {
			cJSON *r = cJSON_GetObjectItem(o, "rounding_rule");
			if (!r) {
				r = pp_rounding_rule_json(&v);
				cJSON_AddItemToObject(o, "rounding_rule", r);
			}
			cJSON_AddNumberToObject(r, "windows_fired", rv->windows_rule);
		}
		cJSON_AddNumberToObject(o, "windows_flagged", nflag);
		if (miner) {
			cJSON_AddNumberToObject(o, "first_miner_window", first_win);
			pp_json_add_number(o, "first_miner_s", first, PP_JSON_TIME);
		}
		cJSON_AddItemToArray(c->runs, o);
	} else {
		printf("%s%s%s%s%s%s\n", title, workload ? "  " : "", workload ? workload : "",
		       label ? "  labelled " : "", label ? label : "",
		       c->in_training == 1 ? "  (in the model's training data)" : "");
		if (!windows_printed)
			for (int i = 0; i < n; i++)
				printf("  window %3d  t %7.1f s  p(miner) %.3f%s%s%s\n", win[i],
				       t_end[i], p[i], p[i] >= thr ? "  *" : "",
				       rv->rule && rv->rule[i] ? "  rule" : "",
				       c->partial && c->partial[i] ? "  (partial)" : "");
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
	bool *part = malloc(((size_t)n + 1) * sizeof(*part));
	if (err)
		fprintf(stderr, "powprint classify: %s\n", why[0] ? why : pp_strerror(err));
	if (err || !map || !win || !t || !part) {
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
			part[i] = pp_dataset_row(ds, rv->rows[i])->partial;
		}
		c->partial = part;
		c->in_training = pp_model_trained_on(m, ds, rv->rows, rv->nwindows);
		if (c->in_training < 0)
			c->in_training = -1;
		char title[4200];
		snprintf(title, sizeof(title), "%s run %ld", pp_dataset_source(ds, r0->source)->dir,
			 r0->run_id);
		const char *label = r0->label == PP_LABEL_MINER ? "miner" :
				    r0->label == PP_LABEL_BENIGN ? "benign" : NULL;
		report_run(c, title, r0->workload, label, r0->run_id, rv, win, t, false);
	}
	/* A model from before run digests: the dates and hosts can still say "probably". */
	for (int src = 0; c->trained_unknown && src < pp_dataset_nsources(ds); src++)
		c->near_training += pp_model_trained_near(m, ds, src) == 1;
out:
	free(part);
	free(runs);
	free(map);
	free(win);
	free(t);
	pp_dataset_free(ds);
	return rc;
}

/* What the training data has to do with these runs, in one sentence (NULL: nothing to say). */
static const char *training_note(const struct ctx *c, char *buf, size_t len)
{
	const char *why = "p(miner), the verdicts and the nearest-fingerprint distances are "
			  "in-sample (optimistic); powprint eval measures runs the model never saw";
	if (c->trained == c->nruns && c->nruns)
		snprintf(buf, len, "every run was in the model's training data: %s", why);
	else if (c->trained)
		snprintf(buf, len, "%d of the %d runs were in the model's training data (marked "
			 "above): for those, %s", c->trained, c->nruns, why);
	else if (c->trained_unknown && c->near_training)
		snprintf(buf, len, "the model records no run digests (trained by an older powprint), "
			 "but this data was recorded on its training host within its training data's "
			 "time span: probably part of it, so %s", why);
	else if (c->trained_unknown)
		snprintf(buf, len, "the model records no run digests (trained by an older powprint): "
			 "whether these runs were in its training data is unknown");
	else if (c->nruns && c->per_workload)
		snprintf(buf, len, "none of these runs was in the model's training data");
	else
		return NULL;
	return buf;
}

/* The closing summary, as bench and eval have: windows, runs, verdicts by label and workload,
 * and whether the model saw these runs in training. */
static void print_summary(const struct ctx *c, cJSON *root, double thr)
{
	char note[512];
	const char *tn = training_note(c, note, sizeof(note));
	if (root) {
		cJSON *s = cJSON_AddObjectToObject(root, "summary");
		cJSON_AddNumberToObject(s, "runs", c->nruns);
		cJSON_AddNumberToObject(s, "windows", c->nwindows);
		cJSON_AddNumberToObject(s, "partial_windows", c->npartial);
		cJSON_AddNumberToObject(s, "windows_flagged", c->windows_flagged);
		cJSON_AddNumberToObject(s, "runs_miner", c->runs_miner);
		static const char *const cls[2] = { "benign", "miner" };
		for (int k = 1; k >= 0; k--)
			if (c->labelled[k]) {
				char key[32];
				snprintf(key, sizeof(key), "labelled_%s", cls[k]);
				cJSON *l = cJSON_AddObjectToObject(s, key);
				cJSON_AddNumberToObject(l, "runs", c->labelled[k]);
				cJSON_AddNumberToObject(l, "runs_miner", c->labelled_flagged[k]);
			}
		/* null: the model cannot tell (no run digests), or a live target. */
		if (c->per_workload && !c->trained_unknown)
			cJSON_AddNumberToObject(s, "runs_in_training", c->trained);
		else
			cJSON_AddNullToObject(s, "runs_in_training");
		if (tn)
			cJSON_AddStringToObject(s, "training_data", tn);
		return;
	}
	printf("summary: %d run%s, %d windows (%d partial), %d flagged (p(miner) >= %.2f or the "
	       "rounding-mode rule); %d run%s judged miner, %d benign\n", c->nruns,
	       c->nruns == 1 ? "" : "s", c->nwindows, c->npartial, c->windows_flagged, thr,
	       c->runs_miner, c->runs_miner == 1 ? "" : "s", c->nruns - c->runs_miner);
	if (c->labelled[1] || c->labelled[0])
		printf("  labelled miner: %d of %d runs judged miner; labelled benign: %d of %d runs "
		       "judged miner\n", c->labelled_flagged[1], c->labelled[1],
		       c->labelled_flagged[0], c->labelled[0]);
	if (c->per_workload) {
		printf("  %-20s %-7s %6s %13s\n", "workload", "class", "runs", "judged miner");
		const cJSON *w;
		cJSON_ArrayForEach(w, c->per_workload)
			printf("  %-20s %-7s %6.0f %13.0f\n", w->string,
			       cJSON_GetStringValue(cJSON_GetArrayItem(w, 0)),
			       cJSON_GetArrayItem(w, 1)->valuedouble,
			       cJSON_GetArrayItem(w, 2)->valuedouble);
	}
	if (tn)
		printf("  training data: %s\n", tn);
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
	if (cmdv)
		opts.child_stdout = cli_child_stdout(&cmd_classify, c->json);
	cli_catch_stop();
	struct pp_collector *col;
	int err = cmdv ? pp_collector_open_cmd(cmdv, &opts, &col, why, sizeof(why))
		       : pp_collector_open_pid((pid_t)pid, &opts, &col, why, sizeof(why));
	if (err) {
		if (cmdv)
			fprintf(stderr, "powprint classify: cannot monitor '%s': %s\n", cmdv[0],
				why[0] ? why : pp_strerror(err));
		else
			fprintf(stderr, "powprint classify: cannot attach to pid %ld: %s\n", pid,
				why[0] ? why : pp_strerror(err));
		return CLI_EXIT_FAIL;
	}
	static struct pp_window w;  /* large: keep it off the stack */
	int cap = 64, n = 0, rc = 0;
	bool last_partial = false; /* only the last window can be cut short */
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
		last_partial = w.partial;
		if (!c->json) {
			struct pp_verdict v;
			/* A window cut short (the target exited, or Ctrl-C) still gets its p(miner) and
			 * counts towards the verdict like any window, but no "like X" of its own: a few
			 * milliseconds of counts are not a fingerprint, and a user reading "like
			 * cn/upx2" under a sleeping process's last instant would take it for one. The
			 * run's nearest fingerprint below covers it with the other windows. */
			if (pp_model_predict(m, X + (size_t)n * nf, nf, &v) == 0 && w.partial)
				printf("  window %3d  t %7.1f s  p(miner) %.3f%s%s  (partial: %.0f ms)\n",
				       win[n], t[n], v.p_miner, v.miner || fired ? "  *" : "",
				       fired ? "  rule" : "", (w.end_s - w.start_s) * 1e3);
			else if (!w.partial)
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
		bool *part = calloc((size_t)n, sizeof(*part));
		err = p && rule && part ? pp_model_classify_run(m, X, n, nf, ev, c->sk, c->sn, p,
								 rule, &rv) : -ENOMEM;
		if (!err) {
			part[n - 1] = last_partial;
			c->partial = part;
			c->in_training = -2; /* live: no training data to be part of */
			report_run(c, title, NULL, NULL, -1, &rv, win, t, true);
			c->partial = NULL;
		} else {
			rc = CLI_EXIT_FAIL;
		}
		free(p);
		free(rule);
		free(part);
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
		pp_json_add_number(root, "threshold", pp_model_threshold(m), PP_JSON_EXACT);
		cJSON *s = cJSON_AddObjectToObject(root, "smoothing");
		cJSON_AddNumberToObject(s, "k", sk);
		cJSON_AddNumberToObject(s, "n", sn);
		ctx.runs = cJSON_AddArrayToObject(root, "runs");
	}
	int rc = ndirs ? classify_data(&ctx, dirs, ndirs)
		       : classify_live(&ctx, pid, cmdv, seconds, interval);
	if (!rc)
		print_summary(&ctx, root, pp_model_threshold(m));
	cJSON_Delete(ctx.per_workload);
	if (json && !rc)
		rc = cli_json_print(root, false);
	cJSON_Delete(root);
	pp_model_free(m);
	return rc;
}

const struct cli_cmd cmd_classify = {
	.name = "classify", .fn = run, .output = true,
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
