/* Evaluation without leakage: folds of whole runs, workloads or families (never of single
 * windows, which are strongly correlated within a run), out-of-fold p(miner) for every window,
 * window- and process-level metrics. */
#define _GNU_SOURCE  /* qsort_r */
#include "fingerprint/model/model-priv.h"
#include "core/json.h"

#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DEFAULT_K 5
#define DEFAULT_SMOOTH_K 3
#define DEFAULT_SMOOTH_N 5

int pp_cv_parse(const char *s, enum pp_cv *cv, int *k)
{
	if (!s || !cv || !k)
		return -EINVAL;
	*k = 0;
	if (!strcmp(s, "leave-one-workload-out")) {
		*cv = PP_CV_WORKLOAD;
		return 0;
	}
	if (!strcmp(s, "leave-one-family-out")) {
		*cv = PP_CV_FAMILY;
		return 0;
	}
	if (!strcmp(s, "by-run")) {
		*cv = PP_CV_RUN;
		*k = DEFAULT_K;
		return 0;
	}
	if (!strncmp(s, "by-run:", 7)) {
		char *end;
		long v = strtol(s + 7, &end, 10);
		if (end == s + 7 || *end || v < 2 || v > 1000)
			return -EINVAL;
		*cv = PP_CV_RUN;
		*k = (int)v;
		return 0;
	}
	return -EINVAL;
}

struct runkey {
	int run, label;
	const char *workload;
	uint64_t shuffle;
};

static int cmp_runkey(const void *a, const void *b)
{
	const struct runkey *x = a, *y = b;
	if (x->label != y->label)
		return x->label - y->label;
	int c = strcmp(x->workload, y->workload);
	if (c)
		return c;
	return (x->shuffle > y->shuffle) - (x->shuffle < y->shuffle);
}

static uint64_t mix64(uint64_t x)
{
	x ^= x >> 33;
	x *= 0xff51afd7ed558ccdull;
	x ^= x >> 33;
	x *= 0xc4ceb9fe1a85ec53ull;
	return x ^ (x >> 33);
}

int pp_cv_assign(const struct pp_dataset *ds, enum pp_cv cv, int k, int *fold, int *nfolds,
		 const char ***names)
{
	if (!ds || !fold || !nfolds)
		return -EINVAL;
	int n = pp_dataset_nrows(ds), nruns = pp_dataset_nruns(ds);
	const char **nm = calloc((size_t)(cv == PP_CV_RUN ? k : n) + 1, sizeof(*nm));
	if (!nm)
		return -ENOMEM;
	int nf = 0;
	if (cv == PP_CV_WORKLOAD || cv == PP_CV_FAMILY) {
		/* Interned strings: equal names share a pointer. */
		for (int i = 0; i < n; i++) {
			const struct pp_dataset_row *r = pp_dataset_row(ds, i);
			const char *key = cv == PP_CV_WORKLOAD ? r->workload : r->family;
			int f = 0;
			while (f < nf && nm[f] != key)
				f++;
			if (f == nf)
				nm[nf++] = key;
			fold[i] = f;
		}
	} else if (cv == PP_CV_RUN) {
		if (k < 2 || k > nruns) {
			free(nm);
			return -EINVAL;
		}
		struct runkey *rk = calloc((size_t)nruns + 1, sizeof(*rk));
		int *of = malloc(((size_t)nruns + 1) * sizeof(*of));
		if (!rk || !of) {
			free(rk);
			free(of);
			free(nm);
			return -ENOMEM;
		}
		for (int i = 0; i < n; i++) {
			const struct pp_dataset_row *r = pp_dataset_row(ds, i);
			struct runkey *x = &rk[r->run];
			if (!x->workload) {
				x->run = r->run;
				x->label = r->label;
				x->workload = r->workload;
				/* A fixed pseudo-random order within a workload, so folds do not
				 * follow recording order (e.g. knob sweeps). */
				x->shuffle = mix64(((uint64_t)r->source << 40) ^ (uint64_t)r->run_id);
			}
		}
		qsort(rk, (size_t)nruns, sizeof(*rk), cmp_runkey);
		/* Round robin over runs sorted by class and workload: every fold gets a share of
		 * each class and of most workloads. */
		for (int t = 0; t < nruns; t++)
			of[rk[t].run] = t % k;
		for (int i = 0; i < n; i++)
			fold[i] = of[pp_dataset_row(ds, i)->run];
		nf = k;
		free(rk);
		free(of);
	} else {
		free(nm);
		return -EINVAL;
	}
	*nfolds = nf;
	if (names)
		*names = nm;
	else
		free(nm);
	return 0;
}

/* A rate or score: computed, so PP_JSON_DIGITS digits (null when undefined). */
static void add_num(cJSON *o, const char *name, double v)
{
	pp_json_add_number(o, name, v, PP_JSON_MEASURED);
}

static void add_confusion(cJSON *o, const struct pp_confusion *c)
{
	cJSON_AddNumberToObject(o, "tp", (double)c->tp);
	cJSON_AddNumberToObject(o, "fp", (double)c->fp);
	cJSON_AddNumberToObject(o, "tn", (double)c->tn);
	cJSON_AddNumberToObject(o, "fn", (double)c->fn);
	add_num(o, "tpr", c->tpr);
	add_num(o, "fpr", c->fpr);
	add_num(o, "precision", c->precision);
	add_num(o, "f1", c->f1);
	add_num(o, "accuracy", c->accuracy);
}

/* The ROC curve the AUC measures, for plotting: at most this many points. */
#define ROC_MAX_POINTS 200

struct roc_score {
	double p;
	int label;
};

static int cmp_roc_desc(const void *a, const void *b)
{
	double x = ((const struct roc_score *)a)->p, y = ((const struct roc_score *)b)->p;
	return (x < y) - (x > y);
}

/* window.roc: {threshold, fpr, tpr} where windows with p >= threshold are flagged, one per
 * distinct score from the highest down (the last flags every window), thinned evenly to
 * ROC_MAX_POINTS with both ends kept; empty when a class is absent. */
static int add_roc(cJSON *w, const double *p, const int *label, int n)
{
	cJSON *arr = cJSON_AddArrayToObject(w, "roc");
	struct roc_score *s = malloc(((size_t)n + 1) * sizeof(*s));
	double *pt = malloc(((size_t)n + 1) * 3 * sizeof(*pt));
	int k = 0, m = 0, err = 0;
	long npos = 0, nneg = 0, tp = 0, fp = 0;
	if (!arr || !s || !pt) {
		err = -ENOMEM;
		goto out;
	}
	for (int i = 0; i < n; i++) {
		if (isnan(p[i]) || (label[i] != 0 && label[i] != 1))
			continue;
		s[k++] = (struct roc_score){ p[i], label[i] };
		label[i] ? npos++ : nneg++;
	}
	if (!npos || !nneg)
		goto out;
	qsort(s, (size_t)k, sizeof(*s), cmp_roc_desc);
	for (int i = 0; i < k; i++) {
		s[i].label ? tp++ : fp++;
		if (i + 1 < k && s[i + 1].p == s[i].p)
			continue;
		pt[3 * m] = s[i].p;
		pt[3 * m + 1] = (double)fp / (double)nneg;
		pt[3 * m + 2] = (double)tp / (double)npos;
		m++;
	}
	int keep = m < ROC_MAX_POINTS ? m : ROC_MAX_POINTS;
	for (int j = 0; j < keep; j++) {
		/* keep > 1 whenever m > 1; j * (m - 1) / (keep - 1) rises strictly when m >= keep. */
		int i = keep > 1 ? (int)(((long)j * (m - 1) + (keep - 1) / 2) / (keep - 1)) : 0;
		cJSON *o = cJSON_CreateObject();
		if (!o || !cJSON_AddItemToArray(arr, o)) {
			cJSON_Delete(o);
			err = -ENOMEM;
			goto out;
		}
		add_num(o, "threshold", pt[3 * i]); /* a p(miner) the booster computed */
		add_num(o, "fpr", pt[3 * i + 1]);
		add_num(o, "tpr", pt[3 * i + 2]);
	}
out:
	free(s);
	free(pt);
	return err;
}

static const char *cv_name(enum pp_cv cv)
{
	return cv == PP_CV_WORKLOAD ? "leave-one-workload-out" :
	       cv == PP_CV_FAMILY ? "leave-one-family-out" : "by-run";
}

/* Recall (miner rows) and false-positive rate (benign rows) for each value of one knob. */
static void knob_table(cJSON *parent, const char *name, const struct pp_dataset *ds,
		       const double *p, const int *label, double thr, size_t off)
{
	int n = pp_dataset_nrows(ds);
	cJSON *arr = cJSON_AddArrayToObject(parent, name);
	int vals[256], nv = 0;
	for (int i = 0; i < n; i++) {
		int v = *(const int *)((const char *)pp_dataset_row(ds, i) + off);
		int t = 0;
		while (t < nv && vals[t] != v)
			t++;
		if (t == nv && nv < 256 && v >= 0 && !isnan(p[i]))
			vals[nv++] = v;
	}
	for (int a = 1; a < nv; a++)  /* insertion sort: few values */
		for (int b = a; b > 0 && vals[b - 1] > vals[b]; b--) {
			int t = vals[b];
			vals[b] = vals[b - 1];
			vals[b - 1] = t;
		}
	for (int t = 0; t < nv; t++) {
		long pos = 0, tp = 0, neg = 0, fp = 0;
		for (int i = 0; i < n; i++) {
			int v = *(const int *)((const char *)pp_dataset_row(ds, i) + off);
			if (v != vals[t] || isnan(p[i]) || label[i] < 0)
				continue;
			if (label[i]) {
				pos++;
				tp += p[i] >= thr;
			} else {
				neg++;
				fp += p[i] >= thr;
			}
		}
		cJSON *o = cJSON_CreateObject();
		cJSON_AddNumberToObject(o, "value", vals[t]);
		cJSON_AddNumberToObject(o, "miner_rows", (double)pos);
		add_num(o, "recall", pos ? (double)tp / pos : NAN);
		cJSON_AddNumberToObject(o, "benign_rows", (double)neg);
		add_num(o, "fpr", neg ? (double)fp / neg : NAN);
		cJSON_AddItemToArray(arr, o);
	}
}

static int cmp_row_in_run(const void *a, const void *b, void *ds)
{
	const struct pp_dataset_row *x = pp_dataset_row(ds, *(const int *)a);
	const struct pp_dataset_row *y = pp_dataset_row(ds, *(const int *)b);
	if (x->run != y->run)
		return x->run - y->run;
	if (x->window != y->window)
		return x->window - y->window;
	return *(const int *)a - *(const int *)b;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

/* Process level: each run's windows in order through k-of-n smoothing; a run is flagged once
 * the smoothed verdict says miner, at the end time of that window. */
static int process_level(cJSON *root, const struct pp_dataset *ds, const double *p,
			 const int *label, double thr, int sk, int sn)
{
	int n = pp_dataset_nrows(ds), m = 0;
	int *ord = malloc(((size_t)n + 1) * sizeof(*ord));
	double *times = malloc(((size_t)pp_dataset_nruns(ds) + 1) * sizeof(*times));
	struct pp_kofn *kofn = NULL;
	if (!ord || !times || pp_kofn_new(sk, sn, &kofn)) {
		free(ord);
		free(times);
		return -ENOMEM;
	}
	for (int i = 0; i < n; i++)
		if (!isnan(p[i]) && label[i] >= 0)
			ord[m++] = i;
	qsort_r(ord, (size_t)m, sizeof(*ord), cmp_row_in_run, (void *)ds);
	cJSON *pl = cJSON_AddObjectToObject(root, "process");
	cJSON_AddNumberToObject(pl, "k", sk);
	cJSON_AddNumberToObject(pl, "n", sn);
	cJSON *runs = cJSON_AddArrayToObject(pl, "runs");
	long mr = 0, mflag = 0, br = 0, bflag = 0;
	int nt = 0;
	for (int a = 0; a < m;) {
		const struct pp_dataset_row *r0 = pp_dataset_row(ds, ord[a]);
		int b = a;
		pp_kofn_reset(kofn);
		double first = NAN;
		int first_window = -1;
		bool flagged = false;
		long wflag = 0;
		for (; b < m && pp_dataset_row(ds, ord[b])->run == r0->run; b++) {
			const struct pp_dataset_row *r = pp_dataset_row(ds, ord[b]);
			bool w = p[ord[b]] >= thr;
			wflag += w;
			if (pp_kofn_push(kofn, w) && !flagged) {
				flagged = true;
				first = r->t_end;
				first_window = r->window;
			}
		}
		bool miner = label[ord[a]] == 1;
		if (miner) {
			mr++;
			mflag += flagged;
			if (flagged && isfinite(first))
				times[nt++] = first;
		} else {
			br++;
			bflag += flagged;
		}
		cJSON *o = cJSON_CreateObject();
		cJSON_AddNumberToObject(o, "run_id", (double)r0->run_id);
		cJSON_AddNumberToObject(o, "source", r0->source);
		cJSON_AddStringToObject(o, "workload", r0->workload);
		cJSON_AddStringToObject(o, "class", miner ? "miner" : "benign");
		cJSON_AddNumberToObject(o, "windows", b - a);
		cJSON_AddNumberToObject(o, "windows_flagged", (double)wflag);
		cJSON_AddBoolToObject(o, "flagged", flagged);
		if (flagged) {
			add_num(o, "first_miner_s", first);
			cJSON_AddNumberToObject(o, "first_miner_window", first_window);
		}
		cJSON_AddItemToArray(runs, o);
		a = b;
	}
	cJSON_AddNumberToObject(pl, "miner_runs", (double)mr);
	cJSON_AddNumberToObject(pl, "miner_runs_flagged", (double)mflag);
	cJSON_AddNumberToObject(pl, "benign_runs", (double)br);
	cJSON_AddNumberToObject(pl, "benign_runs_flagged", (double)bflag);
	add_num(pl, "tpr", mr ? (double)mflag / mr : NAN);
	add_num(pl, "fpr", br ? (double)bflag / br : NAN);
	qsort(times, (size_t)nt, sizeof(*times), cmp_double);
	cJSON *t = cJSON_AddObjectToObject(pl, "time_to_detect_s");
	add_num(t, "median", nt ? (nt % 2 ? times[nt / 2] : (times[nt / 2 - 1] + times[nt / 2]) / 2)
			     : NAN);
	add_num(t, "max", nt ? times[nt - 1] : NAN);
	double sum = 0;
	for (int i = 0; i < nt; i++)
		sum += times[i];
	add_num(t, "mean", nt ? sum / nt : NAN);
	pp_kofn_free(kofn);
	free(ord);
	free(times);
	return 0;
}

/* rule: the rounding-mode rule's verdict per row, or NULL when it is not used. */
static void per_workload(cJSON *root, const struct pp_dataset *ds, const double *p,
			 const int *label, double thr, const bool *rule)
{
	int n = pp_dataset_nrows(ds);
	cJSON *arr = cJSON_AddArrayToObject(root, "per_workload");
	const char **seen = calloc((size_t)n + 1, sizeof(*seen));
	int ns = 0;
	if (!seen)
		return;
	for (int i = 0; i < n; i++) {
		const struct pp_dataset_row *r = pp_dataset_row(ds, i);
		if (label[i] < 0)
			continue;
		int s = 0;
		while (s < ns && seen[s] != r->workload)
			s++;
		if (s < ns)
			continue;
		seen[ns++] = r->workload;
		long rows = 0, scored = 0, flagged = 0, by_rule = 0;
		for (int t = i; t < n; t++) {
			if (pp_dataset_row(ds, t)->workload != r->workload || label[t] < 0)
				continue;
			rows++;
			if (!isnan(p[t])) {
				scored++;
				flagged += p[t] >= thr;
				by_rule += rule && rule[t];
			}
		}
		cJSON *o = cJSON_CreateObject();
		cJSON_AddStringToObject(o, "workload", r->workload);
		cJSON_AddStringToObject(o, "family", r->family);
		cJSON_AddStringToObject(o, "class", label[i] ? "miner" : "benign");
		cJSON_AddNumberToObject(o, "rows", (double)rows);
		cJSON_AddNumberToObject(o, "scored", (double)scored);
		cJSON_AddNumberToObject(o, "flagged", (double)flagged);
		if (rule)
			cJSON_AddNumberToObject(o, "flagged_by_rule", (double)by_rule);
		/* Recall for a miner workload, false-positive rate for a benign one. */
		add_num(o, label[i] ? "recall" : "fpr", scored ? (double)flagged / scored : NAN);
		cJSON_AddItemToArray(arr, o);
	}
	free(seen);
}

/* The rounding-mode rule on every labelled row: each run's windows in order, its evidence so
 * far. Returns how many rows had evidence (0: the data has no ebpf counts). */
static long rule_rows(const struct pp_dataset *ds, const int *label, bool *rule)
{
	int n = pp_dataset_nrows(ds), m = 0, cols[2];
	long with = 0;
	memset(rule, 0, ((size_t)n + 1) * sizeof(*rule));
	pp_evidence_bind(ds, cols);
	int *ord = malloc(((size_t)n + 1) * sizeof(*ord));
	if (!ord || cols[0] < 0 || cols[1] < 0) {
		free(ord);
		return 0;
	}
	for (int i = 0; i < n; i++)
		if (label[i] >= 0)
			ord[m++] = i;
	qsort_r(ord, (size_t)m, sizeof(*ord), cmp_row_in_run, (void *)ds);
	struct pp_round_tally t;
	for (int i = 0; i < m; i++) {
		if (i == 0 || pp_dataset_row(ds, ord[i])->run != pp_dataset_row(ds, ord[i - 1])->run)
			pp_round_tally_init(&t, PP_ROUND_WINDOWS);
		struct pp_evidence e;
		pp_evidence_from_row(ds, cols, ord[i], &e);
		with += isfinite(e.preempted);
		rule[ord[i]] = pp_round_tally_push(&t, &e);
	}
	free(ord);
	return with;
}

/* Window-level counts of one detector (scores p, flagged at p >= thr) into o[name]. */
static void window_table(cJSON *o, const char *name, const double *p, const int *label, int n,
			 double thr)
{
	struct pp_confusion c;
	pp_confusion_compute(p, label, n, thr, &c);
	add_confusion(cJSON_AddObjectToObject(o, name), &c);
}

int pp_model_eval(const struct pp_dataset *ds, const struct pp_eval_opts *opts, char **json,
		  char *why, size_t len)
{
	if (!ds || !json)
		return -EINVAL;
	enum pp_cv cv = PP_OPTS_GET(opts, pp_eval_opts, cv, PP_CV_WORKLOAD);
	int k = PP_OPTS_GET(opts, pp_eval_opts, k, 0);
	struct pp_train_opts *topt = PP_OPTS_GET(opts, pp_eval_opts, train, NULL);
	int sk = PP_OPTS_GET(opts, pp_eval_opts, smooth_k, 0);
	int sn = PP_OPTS_GET(opts, pp_eval_opts, smooth_n, 0);
	void (*progress)(void *, int, int, const char *) =
		PP_OPTS_GET(opts, pp_eval_opts, progress, NULL);
	void *parg = PP_OPTS_GET(opts, pp_eval_opts, progress_arg, NULL);
	bool model_only = PP_OPTS_GET(opts, pp_eval_opts, model_only, false);
	if (!k)
		k = DEFAULT_K;
	if (!sk || !sn) {
		sk = DEFAULT_SMOOTH_K;
		sn = DEFAULT_SMOOTH_N;
	}
	if (sk < 1 || sk > sn || sn > 1000)
		return pp_why(why, len, -EINVAL, "smoothing needs 1 <= k <= n, not %d of %d", sk,
			      sn);
	int n = pp_dataset_nrows(ds), nfolds = 0, err;
	int *fold = malloc(((size_t)n + 1) * sizeof(*fold));
	int *label = malloc(((size_t)n + 1) * sizeof(*label));
	int *train = malloc(((size_t)n + 1) * sizeof(*train));
	int *test = malloc(((size_t)n + 1) * sizeof(*test));
	double *p = malloc(((size_t)n + 1) * sizeof(*p));
	double *pc = malloc(((size_t)n + 1) * sizeof(*pc));   /* with the rule: 1 where it fires */
	double *pr = malloc(((size_t)n + 1) * sizeof(*pr));   /* the rule alone: 1 or 0 */
	bool *rule = malloc(((size_t)n + 1) * sizeof(*rule));
	double *X = NULL;
	int *map = NULL;
	const char **fname = NULL;
	cJSON *root = cJSON_CreateObject();
	if (!fold || !label || !train || !test || !p || !pc || !pr || !rule || !root) {
		err = -ENOMEM;
		goto out;
	}
	err = pp_cv_assign(ds, cv, k, fold, &nfolds, &fname);
	if (err == -EINVAL) {
		err = pp_why(why, len, err, "by-run:%d needs at least %d runs; the data has %d",
			     k, k, pp_dataset_nruns(ds));
		goto out;
	}
	if (err)
		goto out;
	long unlabelled = 0;
	for (int i = 0; i < n; i++) {
		enum pp_label l = pp_dataset_row(ds, i)->label;
		label[i] = l == PP_LABEL_UNKNOWN ? -1 : (int)l;
		unlabelled += l == PP_LABEL_UNKNOWN;
		p[i] = NAN;
	}
	long evidence_rows = model_only ? 0 : rule_rows(ds, label, rule);
	if (!evidence_rows)
		memset(rule, 0, ((size_t)n + 1) * sizeof(*rule));
	X = malloc(((size_t)n + 1) * ((size_t)pp_dataset_nfeatures(ds) + 1) * sizeof(*X));
	map = malloc(((size_t)pp_dataset_nfeatures(ds) + 1) * sizeof(*map));
	if (!X || !map) {
		err = -ENOMEM;
		goto out;
	}
	cJSON_AddStringToObject(root, "cv", cv_name(cv));
	if (cv == PP_CV_RUN)
		cJSON_AddNumberToObject(root, "k", k);
	cJSON_AddNumberToObject(root, "folds", nfolds);
	cJSON *folds = cJSON_AddArrayToObject(root, "fold_results");
	double thr = 0.5;
	for (int f = 0; f < nfolds; f++) {
		int ntr = 0, nte = 0;
		long te_cls[2] = { 0, 0 }, tr_cls[2] = { 0, 0 };
		for (int i = 0; i < n; i++) {
			if (label[i] < 0)
				continue;
			if (fold[i] == f) {
				test[nte++] = i;
				te_cls[label[i]]++;
			} else {
				train[ntr++] = i;
				tr_cls[label[i]]++;
			}
		}
		char fbuf[32];
		const char *name = fname[f];
		if (!name) {
			snprintf(fbuf, sizeof(fbuf), "runs-%d", f + 1);
			name = fbuf;
		}
		if (!nte)
			continue;
		cJSON *fo = cJSON_CreateObject();
		cJSON_AddItemToArray(folds, fo);
		cJSON_AddStringToObject(fo, "held_out", name);
		cJSON_AddNumberToObject(fo, "miner_rows", (double)te_cls[1]);
		cJSON_AddNumberToObject(fo, "benign_rows", (double)te_cls[0]);
		if (!tr_cls[0] || !tr_cls[1]) {
			/* Holding this out leaves one class only: nothing to learn from. */
			cJSON_AddStringToObject(fo, "skipped", tr_cls[0] ?
						"no miner windows left for training" :
						"no benign windows left for training");
			continue;
		}
		struct pp_train_opts to = { 0 };
		if (topt)
			memcpy(&to, topt, topt->sz < sizeof(to) ? topt->sz : sizeof(to));
		to.sz = sizeof(to);
		to.rows = train;
		to.nrows = ntr;
		to.no_fingerprints = true;
		struct pp_model *m;
		if ((err = pp_model_train(ds, &to, &m, why, len)))
			goto out;
		thr = m->threshold;
		pp_model_bind(m, ds, map);
		for (int t = 0; t < nte; t++) {
			const double *x = pp_dataset_features(ds, test[t]);
			for (int j = 0; j < m->nf; j++)
				X[(size_t)t * m->nf + j] = map[j] >= 0 ? x[map[j]] : NAN;
		}
		double *pt = malloc(((size_t)nte + 1) * sizeof(*pt));
		int *lt = malloc(((size_t)nte + 1) * sizeof(*lt));
		err = pt && lt ? pp_model_predict_many(m, X, nte, m->nf, pt) : -ENOMEM;
		if (!err) {
			struct pp_confusion c;
			for (int t = 0; t < nte; t++) {
				p[test[t]] = pt[t];
				lt[t] = label[test[t]];
				if (rule[test[t]])
					pt[t] = 1; /* the fold's verdict: model or rule */
			}
			pp_confusion_compute(pt, lt, nte, thr, &c);
			if (te_cls[1])
				add_num(fo, "tpr", c.tpr);
			if (te_cls[0])
				add_num(fo, "fpr", c.fpr);
		}
		free(pt);
		free(lt);
		pp_model_free(m);
		if (err)
			goto out;
		if (progress)
			progress(parg, f, nfolds, name);
	}

	cJSON_AddNumberToObject(root, "threshold", thr);
	cJSON_AddNumberToObject(root, "rows", n);
	cJSON_AddNumberToObject(root, "runs", pp_dataset_nruns(ds));
	long scored = 0;
	for (int i = 0; i < n; i++)
		scored += !isnan(p[i]);
	cJSON_AddNumberToObject(root, "rows_scored", (double)scored);
	cJSON_AddNumberToObject(root, "rows_unlabelled", (double)unlabelled);
	/* From here on p is the detector's score: the model's p, or 1 where the rule fired. */
	for (int i = 0; i < n; i++) {
		pc[i] = rule[i] && !isnan(p[i]) ? 1 : p[i];
		pr[i] = isnan(p[i]) ? NAN : rule[i];
	}
	cJSON *rl = cJSON_AddObjectToObject(root, "rounding_rule");
	cJSON_AddBoolToObject(rl, "used", evidence_rows > 0);
	cJSON_AddStringToObject(rl, "why_not", model_only ? "--model-only" :
				evidence_rows ? "" : "the data has no ebpf rounding-mode counts");
	cJSON_AddNumberToObject(rl, "min_share", PP_ROUND_MIN_SHARE);
	cJSON_AddNumberToObject(rl, "min_preemptions", PP_ROUND_MIN_PREEMPTIONS);
	cJSON_AddNumberToObject(rl, "rows_with_evidence", (double)evidence_rows);
	if (evidence_rows) {
		window_table(rl, "rule_window", pr, label, n, 0.5);
		window_table(rl, "model_window", p, label, n, thr);
	}
	memcpy(p, pc, (size_t)n * sizeof(*p));
	struct pp_confusion c;
	pp_confusion_compute(p, label, n, thr, &c);
	cJSON *w = cJSON_AddObjectToObject(root, "window");
	add_confusion(w, &c);
	add_num(w, "roc_auc", pp_roc_auc(p, label, n));
	if ((err = add_roc(w, p, label, n)))
		goto out;
	per_workload(root, ds, p, label, thr, evidence_rows ? rule : NULL);
	cJSON *knobs = cJSON_AddObjectToObject(root, "per_knob");
	knob_table(knobs, "duty", ds, p, label, thr, offsetof(struct pp_dataset_row, duty));
	knob_table(knobs, "threads", ds, p, label, thr, offsetof(struct pp_dataset_row, threads));
	knob_table(knobs, "soft_aes", ds, p, label, thr,
		   offsetof(struct pp_dataset_row, soft_aes));
	if ((err = process_level(root, ds, p, label, thr, sk, sn)))
		goto out;
	*json = cJSON_Print(root);
	err = *json ? 0 : -ENOMEM;
out:
	cJSON_Delete(root);
	free(fold);
	free(label);
	free(train);
	free(test);
	free(p);
	free(pc);
	free(pr);
	free(rule);
	free(X);
	free(map);
	free(fname);
	return err;
}
