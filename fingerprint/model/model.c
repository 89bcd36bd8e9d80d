/* The model: training (feature choice, booster, fingerprints, provenance), prediction with
 * explanation, and k-of-n smoothing of per-window verdicts. */
#include "fingerprint/model/model-priv.h"

#include <errno.h>
#include <math.h>
#include <powprint/collect.h>
#include <powprint/features.h>
#include <powprint/version.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static bool in_list(const char *const *v, int n, const char *s)
{
	for (int i = 0; i < n; i++)
		if (strcmp(v[i], s) == 0)
			return true;
	return false;
}

static bool data_has_backend(const struct pp_dataset *ds, const char *b)
{
	for (int s = 0; s < pp_dataset_nsources(ds); s++) {
		const struct pp_dataset_source *src = pp_dataset_source(ds, s);
		if (in_list(src->backends, src->nbackends, b))
			return true;
	}
	return false;
}

/* The backend a feature of the feature table needs. Its source may list alternatives
 * ("perf-sw|procfs": either one computes it); the first one that --backends allows and the
 * data had is chosen. Returns NULL when the feature is not in the table. */
static const char *table_backend(const struct pp_dataset *ds, int j, const char *const *allowed,
				 int nallowed)
{
	const char *name = pp_dataset_feature_name(ds, j);
	int f = strncmp(name, "f.", 2) == 0 ? pp_feature_find(name + 2) : -ENOENT;
	const struct pp_feature_info *fi = f >= 0 ? pp_feature_info(f) : NULL;
	if (!fi || !fi->source || pp_dataset_feature_version(ds) != PP_FEATURES_VERSION)
		return NULL;
	/* Best: allowed and present in the data; then allowed; then the first listed. */
	const char *first = NULL, *allowed_any = NULL, *ok = NULL;
	for (const char *a = fi->source; *a && !ok;) {
		size_t l = strcspn(a, "|");
		/* Any backend of the collector's table (an unknown name is skipped). */
		const char *b = pp_backend_name(pp_backend_find(a, l));
		a += l + (a[l] == '|');
		if (!b)
			continue;
		if (!first)
			first = b;
		if (allowed && !in_list(allowed, nallowed, b))
			continue;
		if (!allowed_any)
			allowed_any = b;
		if (data_has_backend(ds, b) || !pp_dataset_nsources(ds))
			ok = b;
	}
	if (!ok)
		ok = allowed_any;
	return ok ? ok : first;
}

/* Backends feature j needs: the dataset's mapping, else the feature table's source for a
 * feature this code computes, else every backend its sources had (the safe assumption). */
static int needed_backends(const struct pp_dataset *ds, int j, const char *const *allowed,
			   int nallowed, const char **out, int max)
{
	const char *const *names;
	int n = pp_dataset_feature_backends(ds, j, &names), k = 0;
	if (n >= 0) {
		for (int i = 0; i < n && k < max; i++)
			if (!in_list(out, k, names[i]))
				out[k++] = names[i];
		return k;
	}
	const char *tb = table_backend(ds, j, allowed, nallowed);
	if (tb && max > 0) {
		out[0] = tb;
		return 1;
	}
	for (int s = 0; s < pp_dataset_nsources(ds); s++) {
		const struct pp_dataset_source *src = pp_dataset_source(ds, s);
		for (int i = 0; i < src->nbackends && k < max; i++)
			if (!in_list(out, k, src->backends[i]))
				out[k++] = src->backends[i];
	}
	return k;
}

static char *iso_now(void)
{
	char buf[32];
	time_t t = time(NULL);
	struct tm tm;
	gmtime_r(&t, &tm);
	strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &tm);
	return strdup(buf);
}

void pp_model_free(struct pp_model *m)
{
	if (!m)
		return;
	pp_booster_free(m->booster);
	for (int j = 0; m->fname && j < m->nf; j++)
		free(m->fname[j]);
	free(m->fname);
	for (int i = 0; m->backends && i < m->nbackends; i++)
		free(m->backends[i]);
	free(m->backends);
	pp_fingerprints_free(m);
	cJSON_Delete(m->params);
	cJSON_Delete(m->training);
	free(m->threshold_rule);
	free(m->created);
	free(m->booster_file);
	free(m);
}

/* Training-data summary: rows per class and workload, directories, dates, host CPUs. */
static cJSON *summarise(const struct pp_dataset *ds, const int *rows, int nrows,
		       const char *const *dropped, int ndropped)
{
	cJSON *t = cJSON_CreateObject();
	cJSON *dirs = cJSON_AddArrayToObject(t, "dirs");
	cJSON *hosts = cJSON_AddArrayToObject(t, "hosts");
	const char *first = "", *last = "";
	for (int s = 0; s < pp_dataset_nsources(ds); s++) {
		const struct pp_dataset_source *src = pp_dataset_source(ds, s);
		cJSON_AddItemToArray(dirs, cJSON_CreateString(src->dir));
		cJSON *h = cJSON_CreateObject();
		cJSON_AddStringToObject(h, "dir", src->dir);
		cJSON_AddStringToObject(h, "cpu", src->host_cpu);
		cJSON_AddStringToObject(h, "arch", src->host_arch);
		if (src->host_hw_pmu >= 0)
			cJSON_AddBoolToObject(h, "hardware_pmu", src->host_hw_pmu);
		cJSON_AddItemToArray(hosts, h);
		if (src->first_start[0] && (!first[0] || strcmp(src->first_start, first) < 0))
			first = src->first_start;
		if (src->last_end[0] && strcmp(src->last_end, last) > 0)
			last = src->last_end;
	}
	cJSON_AddStringToObject(t, "first_start", first);
	cJSON_AddStringToObject(t, "last_end", last);
	cJSON_AddNumberToObject(t, "feature_version", pp_dataset_feature_version(ds));
	cJSON_AddNumberToObject(t, "rows", nrows);
	long cls[2] = { 0, 0 };
	cJSON *wl = cJSON_AddObjectToObject(t, "workloads");
	char *seen = calloc((size_t)pp_dataset_nruns(ds) + 1, 1);
	long runs = 0;
	for (int i = 0; i < nrows; i++) {
		const struct pp_dataset_row *r = pp_dataset_row(ds, rows[i]);
		cls[r->label == PP_LABEL_MINER]++;
		cJSON *w = cJSON_GetObjectItemCaseSensitive(wl, r->workload);
		if (!w) {
			w = cJSON_AddObjectToObject(wl, r->workload);
			cJSON_AddStringToObject(w, "class", r->label == PP_LABEL_MINER ? "miner" :
						"benign");
			cJSON_AddStringToObject(w, "family", r->family);
			cJSON_AddNumberToObject(w, "rows", 0);
			cJSON_AddNumberToObject(w, "runs", 0);
		}
		cJSON *n = cJSON_GetObjectItem(w, "rows");
		cJSON_SetNumberValue(n, n->valuedouble + 1);
		if (seen && !seen[r->run]) {
			seen[r->run] = 1;
			runs++;
			n = cJSON_GetObjectItem(w, "runs");
			cJSON_SetNumberValue(n, n->valuedouble + 1);
		}
	}
	free(seen);
	cJSON_AddNumberToObject(t, "runs", (double)runs);
	cJSON *c = cJSON_AddObjectToObject(t, "classes");
	cJSON_AddNumberToObject(c, "miner", (double)cls[1]);
	cJSON_AddNumberToObject(c, "benign", (double)cls[0]);
	cJSON *d = cJSON_AddArrayToObject(t, "dropped_features");
	for (int i = 0; i < ndropped; i++)
		cJSON_AddItemToArray(d, cJSON_CreateString(dropped[i]));
	return t;
}

/* Whether name is one of the comma-separated names in list. */
static bool name_in_list(const char *list, const char *name)
{
	size_t l = strlen(name);
	for (const char *p = list; p && *p;) {
		const char *e = strchr(p, ',');
		size_t k = e ? (size_t)(e - p) : strlen(p);
		if (k == l && !strncmp(p, name, l))
			return true;
		p = e ? e + 1 : NULL;
	}
	return false;
}

int pp_model_train(const struct pp_dataset *ds, const struct pp_train_opts *opts,
		   struct pp_model **out, char *why, size_t len)
{
	if (!ds || !out)
		return -EINVAL;
	const char *params = PP_OPTS_GET(opts, pp_train_opts, params, NULL);
	double threshold = PP_OPTS_GET(opts, pp_train_opts, threshold, 0.0);
	const char *blist = PP_OPTS_GET(opts, pp_train_opts, backends, NULL);
	int nthread = PP_OPTS_GET(opts, pp_train_opts, nthread, 0);
	const int *sel = PP_OPTS_GET(opts, pp_train_opts, rows, NULL);
	int nsel = PP_OPTS_GET(opts, pp_train_opts, nrows, 0);
	bool no_fp = PP_OPTS_GET(opts, pp_train_opts, no_fingerprints, false);
	const char *exclude = PP_OPTS_GET(opts, pp_train_opts, exclude, NULL);
	if (!exclude)
		exclude = PP_TRAIN_EXCLUDE_DEFAULT;
	if (threshold == 0)
		threshold = 0.5;
	if (!(threshold > 0 && threshold < 1))
		return pp_why(why, len, -EINVAL, "the threshold must lie strictly between 0 and "
			      "1, not %g", threshold);

	int nf = pp_dataset_nfeatures(ds), n = 0, err = -ENOMEM;
	int *rows = malloc(((size_t)pp_dataset_nrows(ds) + 1) * sizeof(*rows));
	int *colmap = malloc(((size_t)nf + 1) * sizeof(*colmap));
	const char **dropped = malloc(((size_t)nf + 1) * sizeof(*dropped));
	char *bcopy = strdup(blist ? blist : "");
	const char *allowed[PP_MODEL_MAX_BACKENDS], *used[PP_MODEL_MAX_BACKENDS];
	int nallowed = 0, nused = 0, ndropped = 0, nkept = 0;
	float *X = NULL, *y = NULL;
	cJSON *pj = NULL;
	struct pp_model *m = calloc(1, sizeof(*m));
	if (!rows || !colmap || !dropped || !bcopy || !m)
		goto fail;

	/* Rows: the chosen ones, labelled only. */
	long cls[2] = { 0, 0 };
	for (int k = 0; k < (sel ? nsel : pp_dataset_nrows(ds)); k++) {
		int i = sel ? sel[k] : k;
		const struct pp_dataset_row *r = pp_dataset_row(ds, i);
		if (!r) {
			err = pp_why(why, len, -EINVAL, "row %d is out of range", i);
			goto fail;
		}
		if (r->label == PP_LABEL_UNKNOWN)
			continue;
		rows[n++] = i;
		cls[r->label == PP_LABEL_MINER]++;
	}
	if (!cls[0] || !cls[1]) {
		err = pp_why(why, len, -EINVAL, "the training data has no %s windows: a detector "
			     "needs both miners and benign workloads (record some with `powprint "
			     "record`)", cls[0] ? "miner" : "benign");
		goto fail;
	}

	char *save = NULL;
	for (char *b = strtok_r(bcopy, ",", &save); b && nallowed < PP_MODEL_MAX_BACKENDS;
	     b = strtok_r(NULL, ",", &save))
		allowed[nallowed++] = b;

	/* Features: those the allowed backends produce and that have a value somewhere. */
	for (int j = 0; j < nf; j++) {
		const char *need[PP_MODEL_MAX_BACKENDS];
		int nn = needed_backends(ds, j, blist ? allowed : NULL, nallowed, need,
					 PP_MODEL_MAX_BACKENDS);
		bool ok = true;
		for (int i = 0; blist && i < nn; i++)
			ok = ok && in_list(allowed, nallowed, need[i]);
		bool any = false;
		for (int i = 0; ok && !any && i < n; i++)
			any = !isnan(pp_dataset_features(ds, rows[i])[j]);
		if (!ok || !any || name_in_list(exclude, pp_dataset_feature_name(ds, j))) {
			dropped[ndropped++] = pp_dataset_feature_name(ds, j);
			continue;
		}
		colmap[nkept++] = j;
		for (int i = 0; i < nn; i++)
			if (!in_list(used, nused, need[i]) && nused < PP_MODEL_MAX_BACKENDS)
				used[nused++] = need[i];
	}
	if (!nkept) {
		err = pp_why(why, len, -EINVAL, "no usable feature: %s", blist ?
			     "none of the features comes only from the backends in --backends" :
			     "every feature column is empty in the training data");
		goto fail;
	}

	m->nf = nkept;
	m->fname = calloc((size_t)nkept + 1, sizeof(char *));
	m->backends = calloc((size_t)nused + 1, sizeof(char *));
	X = malloc((size_t)n * nkept * sizeof(*X));
	y = malloc((size_t)n * sizeof(*y));
	if (!m->fname || !m->backends || !X || !y)
		goto fail;
	for (int j = 0; j < nkept; j++)
		if (!(m->fname[j] = strdup(pp_dataset_feature_name(ds, colmap[j]))))
			goto fail;
	for (int i = 0; i < nused; i++)
		if (!(m->backends[m->nbackends++] = strdup(used[i])))
			goto fail;
	for (int i = 0; i < n; i++) {
		const double *x = pp_dataset_features(ds, rows[i]);
		for (int j = 0; j < nkept; j++)
			X[(size_t)i * nkept + j] = (float)x[colmap[j]];
		y[i] = pp_dataset_row(ds, rows[i])->label == PP_LABEL_MINER ? 1.0f : 0.0f;
	}

	/* scale_pos_weight balances the classes: each weighs the same in the loss. */
	err = pp_booster_params(params, (double)cls[0] / (double)cls[1], nthread, &pj, &m->rounds,
				why, len);
	if (err)
		goto fail;
	err = pp_booster_train(X, y, n, nkept, pj, m->rounds, m->fname, &m->booster, why, len);
	if (err)
		goto fail;
	m->params = pj;
	pj = NULL;
	m->feature_version = pp_dataset_feature_version(ds);
	m->threshold = threshold;
	m->threshold_rule = strdup(PP_OPTS_GET(opts, pp_train_opts, threshold, 0.0) ?
				   "given (--threshold)" :
				   "default 0.5 (classes balanced by scale_pos_weight)");
	m->created = iso_now();
	m->training = summarise(ds, rows, n, dropped, ndropped);
	if (!m->threshold_rule || !m->created || !m->training)
		goto nomem;
	cJSON *digests = pp_model_run_digests(m, ds, rows, n);
	if (!digests)
		goto nomem;
	cJSON_AddItemToObject(m->training, "run_digests", digests);
	if (!no_fp && (err = pp_fingerprints_build(m, ds, rows, n, colmap)))
		goto fail;
	*out = m;
	m = NULL;  /* the caller's now: the cleanup below frees only the scratch */
	err = 0;
	goto done;
nomem:
	err = -ENOMEM;
fail:
done:
	cJSON_Delete(pj);
	free(rows);
	free(colmap);
	free(dropped);
	free(bcopy);
	free(X);
	free(y);
	pp_model_free(m);
	return err;
}

int pp_model_nfeatures(const struct pp_model *m) { return m->nf; }
int pp_model_feature_version(const struct pp_model *m) { return m->feature_version; }
double pp_model_threshold(const struct pp_model *m) { return m->threshold; }
int pp_model_nbackends(const struct pp_model *m) { return m->nbackends; }

const char *pp_model_feature_name(const struct pp_model *m, int j)
{
	return j >= 0 && j < m->nf ? m->fname[j] : NULL;
}

const char *pp_model_backend(const struct pp_model *m, int i)
{
	return i >= 0 && i < m->nbackends ? m->backends[i] : NULL;
}

int pp_model_bind(const struct pp_model *m, const struct pp_dataset *ds, int *map)
{
	int missing = 0;
	for (int j = 0; j < m->nf; j++) {
		map[j] = pp_dataset_feature_index(ds, m->fname[j]);
		if (map[j] < 0) {
			map[j] = -1;
			missing++;
		}
	}
	return missing;
}

int pp_model_vector(const struct pp_model *m, const struct pp_features *f, double *x)
{
	if (!m || !f || !x)
		return -EINVAL;
	if (m->feature_version && f->version != m->feature_version)
		return -EINVAL;
	int unknown = 0;
	for (int j = 0; j < m->nf; j++) {
		const char *name = m->fname[j];
		int k = strncmp(name, "f.", 2) == 0 ? pp_feature_find(name + 2) : -ENOENT;
		x[j] = k >= 0 && k < PP_F_COUNT ? f->v[k] : NAN;
		unknown += k < 0;
	}
	return unknown;
}

int pp_model_predict_many(const struct pp_model *m, const double *X, int nrows, int stride,
			  double *p)
{
	if (!m || (nrows && (!X || !p)) || nrows < 0 || stride < m->nf)
		return -EINVAL;
	return pp_booster_predict(m->booster, X, nrows, stride, m->nf, 0, p);
}

int pp_model_contribs(const struct pp_model *m, const double *X, int nrows, int stride,
		      double *out)
{
	if (!m || (nrows && (!X || !out)) || nrows < 0 || stride < m->nf)
		return -EINVAL;
	return pp_booster_predict(m->booster, X, nrows, stride, m->nf, 2, out);
}

/* Fills v's top contributions (by magnitude) from c (nf values, then the bias). */
static void top_contribs(const struct pp_model *m, const double *c, struct pp_verdict *v)
{
	v->bias = c[m->nf];
	v->ntop = 0;
	for (int j = 0; j < m->nf; j++) {
		if (c[j] == 0)
			continue;
		int k = v->ntop < PP_VERDICT_TOP ? v->ntop++ : PP_VERDICT_TOP;
		if (k == PP_VERDICT_TOP && fabs(c[j]) <= fabs(v->top[k - 1].contrib))
			continue;
		if (k == PP_VERDICT_TOP)
			k--;
		while (k > 0 && fabs(v->top[k - 1].contrib) < fabs(c[j])) {
			v->top[k] = v->top[k - 1];
			k--;
		}
		v->top[k].feature = j;
		v->top[k].contrib = c[j];
	}
}

static void fill_nearest(const struct pp_model *m, const double *x, struct pp_verdict *v)
{
	v->nearest = -1;
	v->nearest_workload = v->nearest_family = v->nearest_knobs = NULL;
	v->nearest_miner = false;
	v->distance = NAN;
	v->nused = 0;
	int idx;
	if (pp_model_nearest(m, x, m->nf, &idx, &v->distance, &v->nused) == 0) {
		v->nearest = idx;
		v->nearest_workload = m->fp[idx].workload;
		v->nearest_family = m->fp[idx].family;
		v->nearest_knobs = m->fp[idx].knobs;
		v->nearest_miner = m->fp[idx].miner;
	}
}

int pp_model_predict(const struct pp_model *m, const double *x, int n, struct pp_verdict *v)
{
	if (!m || !x || !v || n != m->nf)
		return -EINVAL;
	double *c = malloc(((size_t)n + 1) * sizeof(*c));
	if (!c)
		return -ENOMEM;
	memset(v, 0, sizeof(*v));
	v->round_share = NAN;
	int err = pp_booster_predict(m->booster, x, 1, n, n, 0, &v->p_miner);
	if (!err)
		err = pp_booster_predict(m->booster, x, 1, n, n, 2, c);
	if (!err) {
		v->miner = v->p_miner >= m->threshold;
		top_contribs(m, c, v);
		fill_nearest(m, x, v);
	}
	free(c);
	return err;
}

int pp_model_explain(const struct pp_model *m, const double *X, int nrows, int stride,
		     struct pp_verdict *v)
{
	if (!m || !X || !v || nrows < 1 || stride < m->nf)
		return -EINVAL;
	int nf = m->nf, err = -ENOMEM;
	double *p = malloc((size_t)nrows * sizeof(*p));
	double *c = malloc((size_t)nrows * (nf + 1) * sizeof(*c));
	double *col = malloc((size_t)nrows * sizeof(*col));
	double *med = malloc((size_t)nf * sizeof(*med));
	double *mc = calloc((size_t)nf + 1, sizeof(*mc));
	if (!p || !c || !col || !med || !mc)
		goto out;
	memset(v, 0, sizeof(*v));
	v->round_share = NAN;
	if ((err = pp_booster_predict(m->booster, X, nrows, stride, nf, 0, p)) ||
	    (err = pp_booster_predict(m->booster, X, nrows, stride, nf, 2, c)))
		goto out;
	for (int i = 0; i < nrows; i++) {
		v->p_miner += p[i] / nrows;
		for (int j = 0; j <= nf; j++)
			mc[j] += c[(size_t)i * (nf + 1) + j] / nrows;
	}
	for (int j = 0; j < nf; j++) {
		for (int i = 0; i < nrows; i++)
			col[i] = X[(size_t)i * stride + j];
		med[j] = pp_median(col, nrows);
	}
	v->miner = v->p_miner >= m->threshold;
	top_contribs(m, mc, v);
	fill_nearest(m, med, v);
out:
	free(p);
	free(c);
	free(col);
	free(med);
	free(mc);
	return err;
}

char *pp_model_summary_json(const struct pp_model *m)
{
	cJSON *j = pp_model_to_cjson(m);
	if (!j)
		return NULL;
	cJSON_DeleteItemFromObject(j, "fingerprints");
	char *s = cJSON_Print(j);
	cJSON_Delete(j);
	return s;
}

/* ---- k-of-n smoothing ---- */

struct pp_kofn {
	int k, n, pos, count, filled;
	bool *ring;
};

int pp_kofn_new(int k, int n, struct pp_kofn **out)
{
	if (!out || n < 1 || k < 1 || k > n || n > 1000)
		return -EINVAL;
	struct pp_kofn *s = calloc(1, sizeof(*s));
	if (!s || !(s->ring = calloc((size_t)n, sizeof(bool)))) {
		free(s);
		return -ENOMEM;
	}
	s->k = k;
	s->n = n;
	*out = s;
	return 0;
}

bool pp_kofn_push(struct pp_kofn *s, bool miner)
{
	if (s->filled == s->n)
		s->count -= s->ring[s->pos];
	else
		s->filled++;
	s->ring[s->pos] = miner;
	s->count += miner;
	s->pos = (s->pos + 1) % s->n;
	return s->count >= s->k;
}

void pp_kofn_reset(struct pp_kofn *s)
{
	memset(s->ring, 0, (size_t)s->n * sizeof(bool));
	s->pos = s->count = s->filled = 0;
}

void pp_kofn_free(struct pp_kofn *s)
{
	if (s) {
		free(s->ring);
		free(s);
	}
}
