/* The model: train -> save -> load -> classify gives the same answers; booster.json is plain
 * xgboost JSON (xgboost's own loader reads it, and powprint loads a bare booster); corrupt,
 * foreign and backend-mismatched models fail clearly; fingerprints and k-of-n smoothing. */
#include "core/datadir.h"
#include "data/model/synth.h"
#include "fingerprint/model/model-priv.h"
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
#include <sys/stat.h>
#include <xgboost/c_api.h>

static struct pp_dataset *train_data(void)
{
	return synth_dataset(3, 6, 11, 0);
}

static struct pp_model *train(const struct pp_dataset *ds, const char *params)
{
	PP_OPTS(pp_train_opts, o, .params = params ? params : "rounds=30");
	struct pp_model *m;
	char why[512] = "";
	cr_assert_eq(pp_model_train(ds, &o, &m, why, sizeof(why)), 0, "%s", why);
	return m;
}

/* p(miner) of every row of ds under m, feature columns bound by name. */
static double *predict_all(const struct pp_model *m, const struct pp_dataset *ds)
{
	int n = pp_dataset_nrows(ds), nf = pp_model_nfeatures(m);
	int *map = malloc(nf * sizeof(int));
	double *X = malloc((size_t)n * nf * sizeof(double)), *p = malloc(n * sizeof(double));
	cr_assert_eq(pp_model_bind(m, ds, map), 0);
	for (int i = 0; i < n; i++)
		for (int j = 0; j < nf; j++)
			X[(size_t)i * nf + j] = pp_dataset_features(ds, i)[map[j]];
	cr_assert_eq(pp_model_predict_many(m, X, n, nf, p), 0);
	free(map);
	free(X);
	return p;
}

static void put(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");
	cr_assert_not_null(f);
	fputs(text, f);
	fclose(f);
}

Test(model, train_separates_the_classes)
{
	struct pp_dataset *ds = train_data();
	struct pp_model *m = train(ds, NULL);
	/* f.nan is empty everywhere: not a model feature. */
	cr_assert_eq(pp_model_nfeatures(m), SYNTH_NFEATURES - 1);
	for (int j = 0; j < pp_model_nfeatures(m); j++)
		cr_assert_str_neq(pp_model_feature_name(m, j), "f.nan");
	cr_assert_eq(pp_model_threshold(m), 0.5);
	double *p = predict_all(m, ds);
	for (int i = 0; i < pp_dataset_nrows(ds); i++) {
		bool miner = pp_dataset_row(ds, i)->label == PP_LABEL_MINER;
		cr_assert(miner ? p[i] > 0.5 : p[i] < 0.5, "row %d (%s): p = %g", i,
			  pp_dataset_row(ds, i)->workload, p[i]);
	}
	free(p);
	pp_model_free(m);
	pp_dataset_free(ds);
}

Test(model, save_load_round_trip)
{
	struct pp_dataset *ds = train_data();
	struct pp_model *m = train(ds, "rounds=40,max_depth=3");
	char *dir = synth_tmpdir(), path[4200], why[512] = "";
	snprintf(path, sizeof(path), "%s/model", dir);
	cr_assert_eq(pp_model_save(m, path, why, sizeof(why)), 0, "%s", why);
	struct pp_model *l;
	const char *avail[] = { "perf-sw", "ip-sample", "procfs" };
	cr_assert_eq(pp_model_load(path, avail, 3, &l, why, sizeof(why)), 0, "%s", why);

	cr_assert_eq(pp_model_nfeatures(l), pp_model_nfeatures(m));
	for (int j = 0; j < pp_model_nfeatures(m); j++)
		cr_assert_str_eq(pp_model_feature_name(l, j), pp_model_feature_name(m, j));
	cr_assert_eq(pp_model_threshold(l), pp_model_threshold(m));
	cr_assert_eq(pp_model_feature_version(l), 1);
	/* One per workload, two for each miner: its runs alternate AES-NI and soft AES. */
	int nminers = 0;
	for (int k = 0; k < SYNTH_NWORKLOADS; k++)
		nminers += synth_workloads[k].miner;
	cr_assert_eq(pp_model_nfingerprints(m), SYNTH_NWORKLOADS + nminers);
	cr_assert_eq(pp_model_nfingerprints(l), pp_model_nfingerprints(m));
	for (int i = 0; i < pp_model_nfingerprints(m); i++) {
		const char *wa, *wb;
		const double *ca, *cb, *sa, *sb;
		pp_model_fingerprint(m, i, &wa, NULL, NULL, &ca, &sa);
		pp_model_fingerprint(l, i, &wb, NULL, NULL, &cb, &sb);
		cr_assert_str_eq(wa, wb);
		cr_assert_str_eq(pp_model_fingerprint_knobs(l, i), pp_model_fingerprint_knobs(m, i));
		for (int j = 0; j < pp_model_nfeatures(m); j++) {
			cr_assert(ca[j] == cb[j] || (isnan(ca[j]) && isnan(cb[j])));
			cr_assert(sa[j] == sb[j] || (isnan(sa[j]) && isnan(sb[j])), "%s %d: %.17g %.17g", wa, j, sa[j], sb[j]);
		}
	}
	double *pa = predict_all(m, ds), *pb = predict_all(l, ds);
	for (int i = 0; i < pp_dataset_nrows(ds); i++)
		cr_assert_eq(pa[i], pb[i], "row %d: %.9g before saving, %.9g after", i, pa[i],
			     pb[i]);
	/* The single-vector call agrees with the batch call, and explains itself. */
	struct pp_verdict va, vb;
	int nf = pp_model_nfeatures(m), *map = malloc(nf * sizeof(int));
	double *x = malloc(nf * sizeof(double));
	pp_model_bind(m, ds, map);
	for (int j = 0; j < nf; j++)
		x[j] = pp_dataset_features(ds, 0)[map[j]];
	cr_assert_eq(pp_model_predict(m, x, nf, &va), 0);
	cr_assert_eq(pp_model_predict(l, x, nf, &vb), 0);
	cr_assert_eq(va.p_miner, pa[0]);
	cr_assert_eq(vb.p_miner, va.p_miner);
	cr_assert_eq(va.nearest, vb.nearest);
	cr_assert_eq(va.distance, vb.distance);
	cr_assert_eq(va.ntop, vb.ntop);
	cr_assert_gt(va.ntop, 0);
	/* Contributions plus the bias are the margin: logit(p). */
	double margin = va.bias;
	double *c = malloc((nf + 1) * sizeof(double));
	cr_assert_eq(pp_model_contribs(m, x, 1, nf, c), 0);
	for (int j = 0; j < nf; j++)
		margin += c[j];
	cr_assert_float_eq(1 / (1 + exp(-margin)), va.p_miner, 1e-5);
	/* f.a and f.e separate the classes by construction; f.b is noise, f.nan empty, f.d
	 * partly missing. */
	const char *top = pp_model_feature_name(m, va.top[0].feature);
	cr_assert(!strcmp(top, "f.a") || !strcmp(top, "f.e"),
		  "a class-defining feature contributes most, not %s", top);
	free(c);
	free(x);
	free(map);
	free(pa);
	free(pb);
	pp_model_free(l);
	pp_model_free(m);
	pp_dataset_free(ds);
	synth_rmrf(dir);
	free(dir);
}

/* booster.json is what Python's xgb.Booster(model_file=...) reads: xgboost's own loader must
 * take it and predict the same p, and it must carry the feature names. */
Test(model, booster_json_is_plain_xgboost)
{
	struct pp_dataset *ds = train_data();
	struct pp_model *m = train(ds, NULL);
	char *dir = synth_tmpdir(), path[4200], bpath[4300], why[512] = "";
	snprintf(path, sizeof(path), "%s/model", dir);
	snprintf(bpath, sizeof(bpath), "%s/booster.json", path);
	cr_assert_eq(pp_model_save(m, path, why, sizeof(why)), 0, "%s", why);

	BoosterHandle b;
	cr_assert_eq(XGBoosterCreate(NULL, 0, &b), 0);
	cr_assert_eq(XGBoosterLoadModel(b, bpath), 0, "%s", XGBGetLastError());
	bst_ulong nf;
	cr_assert_eq(XGBoosterGetNumFeature(b, &nf), 0);
	cr_assert_eq((int)nf, pp_model_nfeatures(m));
	bst_ulong nn;
	const char **names;
	cr_assert_eq(XGBoosterGetStrFeatureInfo(b, "feature_name", &nn, &names), 0);
	cr_assert_eq((int)nn, pp_model_nfeatures(m));
	for (int j = 0; j < (int)nn; j++)
		cr_assert_str_eq(names[j], pp_model_feature_name(m, j));

	int n = pp_dataset_nrows(ds), *map = malloc(nf * sizeof(int));
	float *X = malloc((size_t)n * nf * sizeof(float));
	pp_model_bind(m, ds, map);
	for (int i = 0; i < n; i++)
		for (int j = 0; j < (int)nf; j++)
			X[(size_t)i * nf + j] = (float)pp_dataset_features(ds, i)[map[j]];
	DMatrixHandle d;
	cr_assert_eq(XGDMatrixCreateFromMat(X, n, nf, NAN, &d), 0);
	bst_ulong len;
	const float *res;
	cr_assert_eq(XGBoosterPredict(b, d, 0, 0, 0, &len, &res), 0, "%s", XGBGetLastError());
	cr_assert_eq((int)len, n);
	double *p = predict_all(m, ds);
	for (int i = 0; i < n; i++)
		cr_assert_float_eq(res[i], p[i], 1e-6, "row %d", i);
	XGDMatrixFree(d);
	XGBoosterFree(b);

	/* A bare booster, as Python would save it, loads as a model: names from the booster. */
	struct pp_model *bare;
	cr_assert_eq(pp_model_load(bpath, NULL, 0, &bare, why, sizeof(why)), 0, "%s", why);
	cr_assert_eq(pp_model_nfeatures(bare), (int)nf);
	cr_assert_eq(pp_model_nfingerprints(bare), 0);
	cr_assert_eq(pp_model_threshold(bare), 0.5);
	double *q = predict_all(bare, ds);
	for (int i = 0; i < n; i++)
		cr_assert_eq(q[i], p[i]);
	struct pp_verdict v;
	double x[SYNTH_NFEATURES];
	for (int j = 0; j < (int)nf; j++)
		x[j] = X[j];
	cr_assert_eq(pp_model_predict(bare, x, nf, &v), 0);
	cr_assert_eq(v.nearest, -1, "no fingerprints, no nearest one");
	pp_model_free(bare);
	free(q);
	free(p);
	free(X);
	free(map);
	pp_model_free(m);
	pp_dataset_free(ds);
	synth_rmrf(dir);
	free(dir);
}

Test(model, corrupt_and_foreign_files)
{
	struct pp_dataset *ds = train_data();
	struct pp_model *m = train(ds, "rounds=5");
	char *dir = synth_tmpdir(), path[4200], mj[4300], bj[4300], why[512];
	snprintf(path, sizeof(path), "%s/model", dir);
	snprintf(mj, sizeof(mj), "%s/model.json", path);
	snprintf(bj, sizeof(bj), "%s/booster.json", path);
	cr_assert_eq(pp_model_save(m, path, why, sizeof(why)), 0, "%s", why);
	struct pp_model *l = NULL;

	/* Truncated model.json. */
	char *text = NULL;
	size_t len;
	FILE *f = fopen(mj, "r");
	cr_assert_not_null(f);
	cr_assert_gt(getdelim(&text, &len, '\0', f), 100);
	fclose(f);
	char *cut = strdup(text);
	cut[strlen(cut) / 2] = '\0';
	put(mj, cut);
	cr_assert_eq(pp_model_load(path, NULL, 0, &l, why, sizeof(why)), -EBADMSG);
	cr_assert(strstr(why, "corrupt") && strstr(why, "model.json"), "%s", why);

	/* Some other program's JSON. */
	put(mj, "{\"name\": \"not a model\", \"version\": 3}");
	cr_assert_eq(pp_model_load(path, NULL, 0, &l, why, sizeof(why)), -EBADMSG);
	cr_assert(strstr(why, "not a powprint model"), "%s", why);
	put(mj, "{\"format\": \"powprint-dataset\", \"format_version\": 1}");
	cr_assert_eq(pp_model_load(path, NULL, 0, &l, why, sizeof(why)), -EBADMSG);
	cr_assert(strstr(why, "powprint-dataset"), "%s", why);

	/* A model.json with the right format but missing pieces. */
	put(mj, "{\"format\": \"powprint-model\", \"format_version\": 1, \"features\": []}");
	cr_assert_eq(pp_model_load(path, NULL, 0, &l, why, sizeof(why)), -EBADMSG);
	cr_assert(strstr(why, "features"), "%s", why);

	/* A newer format. */
	put(mj, "{\"format\": \"powprint-model\", \"format_version\": 99}");
	cr_assert_eq(pp_model_load(path, NULL, 0, &l, why, sizeof(why)), -EINVAL);
	cr_assert(strstr(why, "upgrade"), "%s", why);

	/* A good model.json with a corrupt booster beside it, then none. */
	put(mj, text);
	cr_assert_eq(pp_model_load(path, NULL, 0, &l, why, sizeof(why)), 0, "%s", why);
	pp_model_free(l);
	put(bj, "{\"learner\": {\"gradient_booster\": tru");
	cr_assert_eq(pp_model_load(path, NULL, 0, &l, why, sizeof(why)), -EBADMSG);
	cr_assert(strstr(why, "booster.json") && strstr(why, "corrupt"), "%s", why);
	put(bj, "this is not json at all");
	cr_assert_eq(pp_model_load(path, NULL, 0, &l, why, sizeof(why)), -EBADMSG);
	remove(bj);
	cr_assert_eq(pp_model_load(path, NULL, 0, &l, why, sizeof(why)), -ENOENT);
	cr_assert(strstr(why, "booster.json"), "%s", why);
	cr_assert_eq(pp_model_load("/nonexistent/model", NULL, 0, &l, why, sizeof(why)),
		     -ENOENT);

	/* A foreign file given directly. */
	snprintf(bj, sizeof(bj), "%s/other.json", dir);
	put(bj, "[1, 2, 3]");
	cr_assert_eq(pp_model_load(bj, NULL, 0, &l, why, sizeof(why)), -EBADMSG);
	free(cut);
	free(text);
	pp_model_free(m);
	pp_dataset_free(ds);
	synth_rmrf(dir);
	free(dir);
}

Test(model, missing_backends_are_named)
{
	struct pp_dataset *src = train_data();
	char *dir = synth_tmpdir(), data[4200], path[4200], why[512] = "";
	snprintf(data, sizeof(data), "%s/data", dir);
	snprintf(path, sizeof(path), "%s/model", dir);
	synth_write(src, data, 1, 1);  /* f.e comes from ip-sample, the rest from perf-sw */
	struct pp_dataset *ds;
	cr_assert_eq(pp_dataset_read(data, &ds, why, sizeof(why)), 0, "%s", why);
	struct pp_model *m = train(ds, "rounds=10");
	cr_assert_eq(pp_model_nbackends(m), 2);
	cr_assert_eq(pp_model_save(m, path, why, sizeof(why)), 0, "%s", why);

	struct pp_model *l = NULL;
	const char *only_sw[] = { "perf-sw", "procfs" };
	cr_assert_eq(pp_model_load(path, only_sw, 2, &l, why, sizeof(why)), -EOPNOTSUPP);
	cr_assert(strstr(why, "ip-sample"), "the missing backend is named: %s", why);
	cr_assert(!strstr(why, "perf-sw,") && !strstr(why, "perf-sw "), "%s", why);
	cr_assert_null(l);

	/* Trained for perf-sw only, the model leaves f.e out and loads there. */
	PP_OPTS(pp_train_opts, o, .params = "rounds=10", .backends = "perf-sw");
	struct pp_model *sw;
	cr_assert_eq(pp_model_train(ds, &o, &sw, why, sizeof(why)), 0, "%s", why);
	cr_assert_eq(pp_model_nbackends(sw), 1);
	cr_assert_str_eq(pp_model_backend(sw, 0), "perf-sw");
	for (int j = 0; j < pp_model_nfeatures(sw); j++)
		cr_assert_str_neq(pp_model_feature_name(sw, j), "f.e");
	cr_assert_eq(pp_model_save(sw, path, why, sizeof(why)), 0, "%s", why);
	cr_assert_eq(pp_model_load(path, only_sw, 2, &l, why, sizeof(why)), 0, "%s", why);
	pp_model_free(l);

	/* Nothing the allowed backends produce. */
	PP_OPTS(pp_train_opts, none, .backends = "perf-hw");
	cr_assert_eq(pp_model_train(ds, &none, &l, why, sizeof(why)), -EINVAL);
	cr_assert(strstr(why, "--backends"), "%s", why);
	pp_model_free(sw);
	pp_model_free(m);
	pp_dataset_free(ds);
	pp_dataset_free(src);
	synth_rmrf(dir);
	free(dir);
}

static int cmp_d(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

Test(model, fingerprints_are_medians_and_distances_skip_nan)
{
	struct pp_dataset *ds = train_data();
	struct pp_model *m = train(ds, "rounds=5");
	int fa = -1;
	for (int j = 0; j < pp_model_nfeatures(m); j++)
		if (!strcmp(pp_model_feature_name(m, j), "f.a"))
			fa = j;
	cr_assert_geq(fa, 0);
	int col = pp_dataset_feature_index(ds, "f.a");
	for (int i = 0; i < pp_model_nfingerprints(m); i++) {
		const char *w, *fam;
		bool miner;
		const double *c, *s;
		pp_model_fingerprint(m, i, &w, &fam, &miner, &c, &s);
		/* The median, computed here from the rows of that workload with its knobs (the
		 * synthetic miners' runs alternate soft AES off, on, off). */
		const char *knobs = pp_model_fingerprint_knobs(m, i);
		cr_assert_not_null(knobs);
		double v[1024];
		int n = 0;
		for (int r = 0; r < pp_dataset_nrows(ds); r++) {
			const struct pp_dataset_row *row = pp_dataset_row(ds, r);
			bool soft = row->soft_aes > 0;
			if (!strcmp(row->workload, w) && soft == !strcmp(knobs, "soft-aes"))
				v[n++] = pp_dataset_features(ds, r)[col];
		}
		cr_assert_eq(n, miner ? (knobs[0] ? 1 : 2) * 6 : 3 * 6, "%s [%s]: %d rows", w,
			     knobs, n);
		qsort(v, n, sizeof(double), cmp_d);
		cr_assert_float_eq(c[fa], (v[n / 2 - 1] + v[n / 2]) / 2, 1e-12, "%s", w);
		cr_assert_gt(s[fa], 0);
		for (int k = 0; k < SYNTH_NWORKLOADS; k++)
			if (!strcmp(synth_workloads[k].name, w)) {
				cr_assert_str_eq(fam, synth_workloads[k].family);
				cr_assert_eq(miner, synth_workloads[k].miner);
			}
	}
	/* A fingerprint's own centre is at distance 0 from it. */
	int nf = pp_model_nfeatures(m), idx, used;
	double d;
	const double *c3, *s3;
	const char *w3;
	pp_model_fingerprint(m, 3, &w3, NULL, NULL, &c3, &s3);
	cr_assert_eq(pp_model_nearest(m, c3, nf, &idx, &d, &used), 0);
	cr_assert_eq(idx, 3);
	cr_assert_eq(d, 0);
	/* Only f.a known: the distance is |z| of f.a alone. */
	double x[SYNTH_NFEATURES];
	for (int j = 0; j < nf; j++)
		x[j] = NAN;
	x[fa] = c3[fa] + 2 * s3[fa];
	cr_assert_eq(pp_model_nearest(m, x, nf, &idx, &d, &used), 0);
	cr_assert_eq(used, 1);
	const double *ci, *si;
	pp_model_fingerprint(m, idx, NULL, NULL, NULL, &ci, &si);
	cr_assert_float_eq(d, fabs(x[fa] - ci[fa]) / si[fa], 1e-12);
	cr_assert_leq(d, 2 + 1e-12, "fingerprint 3 is at 2 spreads; the nearest is no farther");
	/* A verdict names its nearest fingerprint's workload and knobs: every fingerprint's
	 * own centre finds itself. */
	for (int i = 0; i < pp_model_nfingerprints(m); i++) {
		const char *wi;
		pp_model_fingerprint(m, i, &wi, NULL, NULL, &ci, NULL);
		struct pp_verdict v;
		cr_assert_eq(pp_model_predict(m, ci, nf, &v), 0);
		cr_assert_eq(v.nearest, i);
		cr_assert_str_eq(v.nearest_workload, wi);
		cr_assert_str_eq(v.nearest_knobs, pp_model_fingerprint_knobs(m, i));
	}
	pp_model_free(m);
	pp_dataset_free(ds);
}

Test(model, explain_a_run)
{
	struct pp_dataset *ds = train_data();
	struct pp_model *m = train(ds, "rounds=30");
	int nf = pp_model_nfeatures(m), *map = malloc(nf * sizeof(int));
	pp_model_bind(m, ds, map);
	/* The rows of the first rx/0 run. */
	double X[64 * SYNTH_NFEATURES];
	int n = 0, run = -1;
	for (int i = 0; i < pp_dataset_nrows(ds); i++) {
		const struct pp_dataset_row *r = pp_dataset_row(ds, i);
		if (strcmp(r->workload, "rx/0") || (run >= 0 && r->run != run))
			continue;
		run = r->run;
		for (int j = 0; j < nf; j++)
			X[n * nf + j] = pp_dataset_features(ds, i)[map[j]];
		n++;
	}
	cr_assert_eq(n, 6);
	struct pp_verdict v;
	cr_assert_eq(pp_model_explain(m, X, n, nf, &v), 0);
	cr_assert(v.miner);
	cr_assert_gt(v.p_miner, 0.5);
	cr_assert_str_eq(v.nearest_workload, "rx/0");
	cr_assert_str_eq(v.nearest_family, "randomx");
	cr_assert(v.nearest_miner);
	cr_assert_gt(v.top[0].contrib, 0, "the top contribution pushes towards miner");
	for (int t = 1; t < v.ntop; t++)
		cr_assert_geq(fabs(v.top[t - 1].contrib), fabs(v.top[t].contrib));
	free(map);
	pp_model_free(m);
	pp_dataset_free(ds);
}

Test(model, bad_training_input)
{
	struct pp_dataset *ds = train_data();
	struct pp_model *m = NULL;
	char why[512] = "";
	PP_OPTS(pp_train_opts, a, .params = "max_depth");
	cr_assert_eq(pp_model_train(ds, &a, &m, why, sizeof(why)), -EINVAL);
	cr_assert(strstr(why, "key=value"), "%s", why);
	PP_OPTS(pp_train_opts, b, .params = "rounds=zero");
	cr_assert_eq(pp_model_train(ds, &b, &m, why, sizeof(why)), -EINVAL);
	cr_assert(strstr(why, "rounds"), "%s", why);
	PP_OPTS(pp_train_opts, c, .params = "max_depth=deep,rounds=2");
	cr_assert_eq(pp_model_train(ds, &c, &m, why, sizeof(why)), -EINVAL);
	cr_assert(strstr(why, "xgboost"), "%s", why);
	PP_OPTS(pp_train_opts, d, .threshold = 1.5);
	cr_assert_eq(pp_model_train(ds, &d, &m, why, sizeof(why)), -EINVAL);
	cr_assert(strstr(why, "threshold"), "%s", why);
	PP_OPTS(pp_train_opts, e, .params = "objective=reg:squarederror");
	cr_assert_eq(pp_model_train(ds, &e, &m, why, sizeof(why)), -EINVAL);
	/* Miners only. */
	int rows[6] = { 0, 1, 2, 3, 4, 5 };
	PP_OPTS(pp_train_opts, f, .rows = rows, .nrows = 6);
	cr_assert_eq(pp_model_train(ds, &f, &m, why, sizeof(why)), -EINVAL);
	cr_assert(strstr(why, "no benign"), "%s", why);
	cr_assert_null(m);
	pp_dataset_free(ds);
}

Test(model, kofn_smoothing)
{
	struct pp_kofn *s;
	cr_assert_eq(pp_kofn_new(4, 3, &s), -EINVAL);
	cr_assert_eq(pp_kofn_new(0, 3, &s), -EINVAL);
	cr_assert_eq(pp_kofn_new(3, 5, &s), 0);
	/* Worked by hand: the window holds the last 5 verdicts; miner once 3 are. */
	static const int in[] = { 1, 0, 1, 0, 0, 1, 1, 0, 0, 0, 0, 1 };
	static const int want[] = { 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0 };
	for (int i = 0; i < 12; i++)
		cr_assert_eq(pp_kofn_push(s, in[i]), want[i], "step %d", i);
	pp_kofn_reset(s);
	cr_assert_eq(pp_kofn_push(s, 1), 0);
	cr_assert_eq(pp_kofn_push(s, 1), 0);
	cr_assert_eq(pp_kofn_push(s, 1), 1);
	pp_kofn_free(s);
}

/* Without "feature_backends" in meta.json, a feature of the feature table needs its source
 * backend; one computable by either of two backends needs whichever --backends allows. */
Test(model, backends_from_the_feature_table)
{
	const char *names[] = { "f.cpu_util", "f.ip_aes" };
	struct pp_dataset *src;
	cr_assert_eq(pp_dataset_new(names, 2, NULL, 0, &src), 0);
	for (int r = 0; r < 6; r++)
		for (int k = 0; k < 4; k++) {
			struct pp_dataset_row row = { .run_id = r, .workload = r < 3 ? "cn/r" : "aes",
						      .label = r < 3 ? PP_LABEL_MINER : PP_LABEL_BENIGN,
						      .window = k, .duty = -1, .threads = -1,
						      .soft_aes = -1 };
			double x[2] = { 1 + 0.01 * k, r < 3 ? 0.3 + 0.01 * r : 0.05 * k };
			cr_assert_eq(pp_dataset_add_row(src, &row, x, NULL), 0);
		}
	char *dir = synth_tmpdir(), why[512] = "";
	synth_write(src, dir, PP_FEATURES_VERSION, 0);  /* perf-sw and ip-sample available */
	struct pp_dataset *ds;
	cr_assert_eq(pp_dataset_read(dir, &ds, why, sizeof(why)), 0, "%s", why);
	struct pp_model *m = train(ds, "rounds=3");
	cr_assert_eq(pp_model_nbackends(m), 2);
	cr_assert_str_eq(pp_model_backend(m, 0), "perf-sw", "cpu_util: perf-sw, not procfs");
	cr_assert_str_eq(pp_model_backend(m, 1), "ip-sample");
	pp_model_free(m);
	PP_OPTS(pp_train_opts, o, .params = "rounds=3", .backends = "procfs,ip-sample");
	cr_assert_eq(pp_model_train(ds, &o, &m, why, sizeof(why)), 0, "%s", why);
	cr_assert_eq(pp_model_nfeatures(m), 2);
	cr_assert_str_eq(pp_model_backend(m, 0), "procfs", "procfs computes cpu_util too");
	pp_model_free(m);
	pp_dataset_free(ds);
	pp_dataset_free(src);
	synth_rmrf(dir);
	free(dir);
}

/* Checks what pp_model_classify_runs promises of any dataset: one verdict per run in run
 * order, every row in exactly one run, each run's windows in order, and p(miner) per window
 * bit-identical to pp_model_predict_many on the row, bound by name. */
static void check_runs(const struct pp_model *m, const struct pp_dataset *ds,
		       const struct pp_run_verdict *rv, int nruns, int k, int n)
{
	int rows = pp_dataset_nrows(ds), nf = pp_model_nfeatures(m);
	cr_assert_eq(nruns, pp_dataset_nruns(ds));
	int *seen = calloc(rows + 1, sizeof(int)), *map = malloc(nf * sizeof(int));
	double *X = malloc(((size_t)rows + 1) * nf * sizeof(double));
	double *p = malloc((rows + 1) * sizeof(double)), thr = pp_model_threshold(m);
	cr_assert(seen && map && X && p);
	pp_model_bind(m, ds, map);
	for (int i = 0; i < rows; i++)
		for (int j = 0; j < nf; j++)
			X[(size_t)i * nf + j] = map[j] >= 0 ? pp_dataset_features(ds, i)[map[j]] : NAN;
	cr_assert_eq(pp_model_predict_many(m, X, rows, nf, p), 0);
	struct pp_kofn *s;
	cr_assert_eq(pp_kofn_new(k, n, &s), 0);
	int ecols[2];
	pp_evidence_bind(ds, ecols);
	bool have_ev = ecols[0] >= 0 && ecols[1] >= 0;
	for (int r = 0; r < nruns; r++) {
		cr_assert_gt(rv[r].nwindows, 0);
		if (r)
			cr_assert_gt(rv[r].run, rv[r - 1].run, "runs in run order");
		cr_assert_eq(rv[r].rule != NULL, have_ev, "the rule's verdicts where there is evidence");
		int flagged = 0, first = -1;
		struct pp_round_tally tally;
		pp_round_tally_init(&tally, PP_ROUND_WINDOWS);
		pp_kofn_reset(s);
		for (int i = 0; i < rv[r].nwindows; i++) {
			int row = rv[r].rows[i];
			cr_assert(row >= 0 && row < rows);
			seen[row]++;
			const struct pp_dataset_row *x = pp_dataset_row(ds, row);
			cr_assert_eq(x->run, rv[r].run, "run %d window %d", r, i);
			if (i)
				cr_assert_gt(x->window, pp_dataset_row(ds, rv[r].rows[i - 1])->window);
			cr_assert_eq(rv[r].p[i], p[row], "row %d: %a, alone %a", row, rv[r].p[i],
				     p[row]);
			struct pp_evidence e;
			pp_evidence_from_row(ds, ecols, row, &e);
			bool fired = have_ev && pp_round_tally_push(&tally, &e);
			if (have_ev)
				cr_assert_eq(rv[r].rule[i], fired, "row %d", row);
			bool w = p[row] >= thr || fired;
			flagged += w;
			if (pp_kofn_push(s, w) && first < 0)
				first = i;
		}
		cr_assert_eq(rv[r].windows_flagged, flagged);
		cr_assert_eq(rv[r].first_miner, first);
		cr_assert_eq(rv[r].miner, first >= 0);
		cr_assert(rv[r].v.p_miner >= 0 && rv[r].v.p_miner <= 1);
	}
	for (int i = 0; i < rows; i++)
		cr_assert_eq(seen[i], 1, "row %d is in %d runs", i, seen[i]);
	pp_kofn_free(s);
	free(seen), free(map), free(X), free(p);
}

Test(model, classify_runs_groups_and_orders_rows)
{
	struct pp_dataset *src = train_data();
	struct pp_model *m = train(src, NULL);
	/* The same rows added shuffled (runs interleaved, windows out of order), with columns in
	 * another order, one the model lacks and two of the model's missing. */
	const char *names[] = { "f.e", "f.zzz", "f.a" };
	struct pp_dataset *ds;
	cr_assert_eq(pp_dataset_new(names, 3, NULL, 0, &ds), 0);
	pp_dataset_set_feature_version(ds, pp_dataset_feature_version(src));
	int rows = pp_dataset_nrows(src), ja = pp_dataset_feature_index(src, "f.a"),
	    je = pp_dataset_feature_index(src, "f.e");
	cr_assert_neq(rows % 7, 0, "stepping by 7 (a prime) visits every row");
	for (int i = 0; i < rows; i++) {
		int k = (int)((i * 7L) % rows);
		const double *f = pp_dataset_features(src, k);
		double x[3] = { f[je], 42, f[ja] };
		cr_assert_eq(pp_dataset_add_row(ds, pp_dataset_row(src, k), x, NULL), 0);
	}
	struct pp_run_verdict *rv;
	int nruns;
	char why[512] = "";
	cr_assert_eq(pp_model_classify_runs(m, ds, 3, 5, &rv, &nruns, why, sizeof(why)), 0, "%s",
		     why);
	cr_assert_eq(nruns, SYNTH_NWORKLOADS * 3);
	check_runs(m, ds, rv, nruns, 3, 5);
	for (int r = 0; r < nruns; r++) {
		const struct pp_dataset_row *x = pp_dataset_row(ds, rv[r].rows[0]);
		cr_assert_eq(rv[r].nwindows, 6);
		/* f.a and f.e alone separate the classes: a miner run is flagged at its third
		 * window (3 of 5), a benign run never. */
		cr_assert_eq(rv[r].miner, x->label == PP_LABEL_MINER, "run %ld (%s)", x->run_id,
			     x->workload);
		cr_assert_eq(rv[r].first_miner, x->label == PP_LABEL_MINER ? 2 : -1);
		cr_assert_eq(rv[r].v.nearest >= 0 && rv[r].v.nearest_miner, rv[r].miner);
	}
	/* One run alone, from its matrix: the same verdict. */
	int nf = pp_model_nfeatures(m), *map = malloc(nf * sizeof(int)), n = rv[0].nwindows;
	double *X = malloc((size_t)n * nf * sizeof(double)), p[64];
	pp_model_bind(m, ds, map);
	for (int i = 0; i < n; i++)
		for (int j = 0; j < nf; j++)
			X[(size_t)i * nf + j] = map[j] >= 0 ?
				pp_dataset_features(ds, rv[0].rows[i])[map[j]] : NAN;
	/* With the rounding-mode evidence of its rows when the data has it, as classify_runs. */
	struct pp_evidence ev[64];
	bool rule[64];
	int ecols[2];
	cr_assert_leq(n, 64);
	pp_evidence_bind(ds, ecols);
	bool have_ev = ecols[0] >= 0 && ecols[1] >= 0;
	for (int i = 0; i < n; i++)
		pp_evidence_from_row(ds, ecols, rv[0].rows[i], &ev[i]);
	struct pp_run_verdict one;
	cr_assert_eq(pp_model_classify_run(m, X, n, nf, have_ev ? ev : NULL, 3, 5, p, rule, &one),
		     0);
	cr_assert_eq(one.run, -1);
	cr_assert_null(one.rows);
	cr_assert_eq(one.p, p);
	cr_assert_eq(one.first_miner, rv[0].first_miner);
	cr_assert_eq(one.windows_flagged, rv[0].windows_flagged);
	cr_assert_eq(one.windows_rule, rv[0].windows_rule);
	cr_assert_eq(one.v.p_miner, rv[0].v.p_miner);
	cr_assert_eq(one.v.rule, rv[0].v.rule);
	cr_assert_eq(pp_model_classify_run(m, X, 0, nf, NULL, 3, 5, p, NULL, &one), -EINVAL);
	cr_assert_eq(pp_model_classify_run(m, X, n, nf, NULL, 6, 5, p, NULL, &one), -EINVAL);
	cr_assert_eq(pp_model_classify_run(m, X, n, nf, ev, 3, 5, p, NULL, &one), -EINVAL,
		     "evidence without room for the rule's verdicts");
	free(X);
	free(map);
	free(rv);
	pp_dataset_free(ds);
	pp_model_free(m);
	pp_dataset_free(src);
}

Test(model, classify_runs_refuses_what_it_cannot_classify)
{
	struct pp_dataset *src = train_data();
	struct pp_model *m = train(src, NULL);
	struct pp_run_verdict *rv = NULL;
	int nruns = -1;
	char why[512] = "";
	cr_assert_eq(pp_model_classify_runs(m, src, 4, 3, &rv, &nruns, why, sizeof(why)), -EINVAL);
	cr_assert(strstr(why, "smooth"), "%s", why);
	cr_assert_null(rv);
	cr_assert_eq(nruns, 0);
	/* Another feature-vector version. */
	pp_dataset_set_feature_version(src, pp_model_feature_version(m) + 1);
	cr_assert_eq(pp_model_classify_runs(m, src, 3, 5, &rv, &nruns, why, sizeof(why)), -EINVAL);
	cr_assert(strstr(why, "version"), "%s", why);
	/* None of the model's features. */
	const char *names[] = { "f.zzz" };
	struct pp_dataset *ds;
	cr_assert_eq(pp_dataset_new(names, 1, NULL, 0, &ds), 0);
	struct pp_dataset_row row = { .run_id = 1, .workload = "x", .label = PP_LABEL_UNKNOWN,
				      .family = "x", .variant = "", .huge_pages = "", .window = 0 };
	double x = 1;
	cr_assert_eq(pp_dataset_add_row(ds, &row, &x, NULL), 0);
	cr_assert_eq(pp_model_classify_runs(m, ds, 3, 5, &rv, &nruns, why, sizeof(why)), -EINVAL);
	cr_assert(strstr(why, "none of the model's"), "%s", why);
	pp_dataset_free(ds);
	/* No rows: no runs. */
	cr_assert_eq(pp_dataset_new(synth_features, SYNTH_NFEATURES, NULL, 0, &ds), 0);
	cr_assert_eq(pp_model_classify_runs(m, ds, 3, 5, &rv, &nruns, why, sizeof(why)), 0, "%s",
		     why);
	cr_assert_eq(nruns, 0);
	free(rv);
	pp_dataset_free(ds);
	pp_model_free(m);
	pp_dataset_free(src);
}

Test(model, classify_runs_on_the_shipped_data, .timeout = 120)
{
	char why[512] = "";
	struct pp_dataset *ds;
	struct pp_model *m;
	cr_assert_eq(pp_dataset_read(PP_SOURCE_DIR "/data/datasets/reference-pmu-less", &ds, why,
				     sizeof(why)), 0, "%s", why);
	cr_assert_eq(pp_model_load(PP_SOURCE_DIR "/data/models/pmu-less", NULL, 0, &m, why,
				   sizeof(why)), 0, "%s", why);
	struct pp_run_verdict *rv;
	int nruns;
	cr_assert_eq(pp_model_classify_runs(m, ds, 3, 5, &rv, &nruns, why, sizeof(why)), 0, "%s",
		     why);
	cr_assert_gt(nruns, 10);
	check_runs(m, ds, rv, nruns, 3, 5);
	free(rv);
	pp_model_free(m);
	pp_dataset_free(ds);
}

/* ---- model files from elsewhere: what xgboost would trust is checked first ---- */

/* booster.json of a small trained model in dir/model: its text (caller frees). */
static char *saved_model(const char *dir, char *path, size_t plen, char *bj, size_t blen)
{
	struct pp_dataset *ds = train_data();
	struct pp_model *m = train(ds, "rounds=3,max_depth=3");
	char why[512] = "";
	snprintf(path, plen, "%s/model", dir);
	snprintf(bj, blen, "%s/booster.json", path);
	cr_assert_eq(pp_model_save(m, path, why, sizeof(why)), 0, "%s", why);
	pp_model_free(m);
	pp_dataset_free(ds);
	char *text = pp_test_slurp(bj);
	cr_assert_not_null(text);
	return text;
}

static cJSON *tree_item(cJSON *root, int t, const char *key)
{
	cJSON *trees = cJSON_GetObjectItem(cJSON_GetObjectItem(cJSON_GetObjectItem(
		cJSON_GetObjectItem(root, "learner"), "gradient_booster"), "model"), "trees");
	cJSON *tree = cJSON_GetArrayItem(trees, t);
	return key ? cJSON_GetObjectItem(tree, key) : tree;
}

static void set_int(cJSON *array, int i, double v)
{
	cJSON_ReplaceItemInArray(array, i, cJSON_CreateNumber(v));
}

/* Found by tests/fuzz/fuzz-model.c: xgboost 1.7 parses a booster's trees in an OpenMP loop,
 * and one malformed tree (a missing array) raced into a double free; others read out of
 * bounds (a parent or child index, tree_info shorter than num_trees) or walked forever (a
 * child that is its own ancestor). Each is refused, saying what is wrong, before xgboost sees
 * it. */
Test(model, malformed_boosters_fail_before_xgboost_reads_them)
{
	char *dir = synth_tmpdir(), path[4200], bj[4300], why[512];
	char *text = saved_model(dir, path, sizeof(path), bj, sizeof(bj));
	static const struct {
		const char *what, *why;
	} cases[] = {
		{ "a tree without sum_hessian", "\"sum_hessian\" is not" },
		{ "two trees with id 0", "tree 1 has no valid id" },
		{ "a parent out of range", "parent index out of range" },
		{ "the root as its own child", "child index out of range" },
		{ "a node reached twice", "is not a tree" },
		{ "a split on feature 1000", "feature the booster does not have" },
		{ "tree_info shorter than the trees", "disagree" },
		{ "num_trees larger than the trees", "disagree" },
		{ "a linear booster", "gbtree" },
		{ "a categorical split", "categorical" },
		{ "a string among the split conditions", "\"split_conditions\" is not" },
		{ "a deleted node that is not counted", "num_deleted" },
		{ "a tree 2000 deep", "deeper" },
		{ "not JSON", "not JSON" },
		{ "two targets", "one output" },
	};
	for (size_t c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
		cJSON *root = cJSON_Parse(text), *model = cJSON_GetObjectItem(cJSON_GetObjectItem(
			cJSON_GetObjectItem(root, "learner"), "gradient_booster"), "model");
		cr_assert_not_null(model);
		cr_assert_gt(cJSON_GetArraySize(tree_item(root, 0, "left_children")), 2,
			     "tree 0 splits");
		switch (c) {
		case 0: cJSON_DeleteItemFromObject(tree_item(root, 1, NULL), "sum_hessian"); break;
		case 1: cJSON_ReplaceItemInObject(tree_item(root, 1, NULL), "id",
						  cJSON_CreateNumber(0));
			break;
		case 2: set_int(tree_item(root, 0, "parents"), 1, 2147483647); break;
		case 3: set_int(tree_item(root, 0, "left_children"), 0, 0); break;
		case 4: set_int(tree_item(root, 0, "left_children"), 1, 1);
			set_int(tree_item(root, 0, "right_children"), 1, 2);
			break;
		case 5: set_int(tree_item(root, 0, "split_indices"), 0, 1000); break;
		case 6: cJSON_DeleteItemFromArray(cJSON_GetObjectItem(model, "tree_info"), 0); break;
		case 7: cJSON_ReplaceItemInObject(cJSON_GetObjectItem(model, "gbtree_model_param"),
						  "num_trees", cJSON_CreateString("99"));
			break;
		case 8: cJSON_ReplaceItemInObject(cJSON_GetObjectItem(cJSON_GetObjectItem(root,
				"learner"), "gradient_booster"), "name", cJSON_CreateString("gblinear"));
			break;
		case 9: set_int(tree_item(root, 0, "split_type"), 0, 1); break;
		case 10: cJSON_ReplaceItemInArray(tree_item(root, 0, "split_conditions"), 0,
						  cJSON_CreateString("1.5"));
			break;
		case 11: {
			/* xgboost's marker: split index -1 with default-left set */
			int n = cJSON_GetArraySize(tree_item(root, 0, "split_indices"));
			set_int(tree_item(root, 0, "split_indices"), n - 1, -1);
			set_int(tree_item(root, 0, "default_left"), n - 1, 1);
			break;
		}
		case 12: {
			/* A chain 2000 splits deep: nodes 0, 1, 3, 5, ... split, into left and
			 * left + 1; the others are leaves. */
			enum { N = 4001 };
			static double v[5][N];
			for (int i = 0; i < N; i++) {
				bool split = i == 0 || (i % 2 && i <= N - 4);
				int l = i == 0 ? 1 : i + 2;
				v[0][i] = split ? l : -1;
				v[1][i] = split ? l + 1 : -1;
				v[2][i] = i == 0 ? 2147483647 : i <= 2 ? 0 : i % 2 ? i - 2 : i - 3;
				v[3][i] = 0;  /* split index, default-left, split type */
				v[4][i] = 0.5;
			}
			static const char *const keys[] = {
				"left_children", "right_children", "parents", "split_indices",
				"default_left", "split_type", "loss_changes", "sum_hessian",
				"base_weights", "split_conditions" };
			cJSON *tree = tree_item(root, 0, NULL);
			for (int k = 0; k < 10; k++)
				cJSON_ReplaceItemInObject(tree, keys[k], cJSON_CreateDoubleArray(
					v[k < 3 ? k : k < 6 ? 3 : 4], N));
			cJSON_ReplaceItemInObject(cJSON_GetObjectItem(tree, "tree_param"), "num_nodes",
						  cJSON_CreateString("4001"));
			break;
		}
		case 14: cJSON_ReplaceItemInObject(cJSON_GetObjectItem(cJSON_GetObjectItem(root,
				"learner"), "learner_model_param"), "num_target", cJSON_CreateString("2"));
			break;
		}
		char *bad = c == 13 ? strdup("{\"learner\": ") : cJSON_Print(root);
		cJSON_Delete(root);
		put(bj, bad);
		free(bad);
		struct pp_model *l = NULL;
		why[0] = '\0';
		cr_assert_eq(pp_model_load(path, NULL, 0, &l, why, sizeof(why)), -EBADMSG, "%s",
			     cases[c].what);
		cr_assert(strstr(why, cases[c].why) && strstr(why, "booster.json"),
			  "%s: %s", cases[c].what, why);
		cr_assert_null(l);
	}
	free(text);
	synth_rmrf(dir);
	free(dir);
}

/* What xgboost reads after the check is the booster as it was: the shipped one saves back
 * byte for byte as xgboost's own loading of the file does, and one whose floats another JSON
 * tool rewrote without a point or exponent ("0" for "0E0", which xgboost alone refuses, in
 * the OpenMP loop that can turn the refusal into a double free) loads and predicts the same. */
Test(model, checked_boosters_are_unchanged)
{
	const char *shipped = PP_SOURCE_DIR "/data/models/pmu-less/booster.json";
	BoosterHandle b;
	bst_ulong n;
	const char *direct;
	cr_assert_eq(XGBoosterCreate(NULL, 0, &b), 0);
	cr_assert_eq(XGBoosterLoadModel(b, shipped), 0, "%s", XGBGetLastError());
	cr_assert_eq(XGBoosterSaveModelToBuffer(b, "{\"format\": \"json\"}", &n, &direct), 0);
	char *a = strndup(direct, (size_t)n), *c, **names, why[512] = "";
	XGBoosterFree(b);
	void *ours;
	int nf, nn;
	size_t cn;
	cr_assert_eq(pp_booster_load(shipped, &ours, &nf, &names, &nn, why, sizeof(why)), 0,
		     "%s", why);
	cr_assert_eq(pp_booster_save_json(ours, &c, &cn), 0);
	cr_assert_str_eq(c, a, "the checked booster is the file's");
	for (int j = 0; j < nn; j++)
		free(names[j]);
	free(names);
	free(c);
	free(a);
	pp_booster_free(ours);

	char *dir = synth_tmpdir(), path[4200], bj[4300];
	char *text = saved_model(dir, path, sizeof(path), bj, sizeof(bj));
	struct pp_dataset *ds = train_data();
	struct pp_model *m;
	cr_assert_eq(pp_model_load(path, NULL, 0, &m, why, sizeof(why)), 0, "%s", why);
	double *p = predict_all(m, ds);
	pp_model_free(m);
	cJSON *root = cJSON_Parse(text);
	char *plain = cJSON_PrintUnformatted(root);
	cr_assert(strstr(text, "0E0") && !strstr(plain, "0E0"), "a leaf's loss change is now 0");
	put(bj, plain);
	cr_assert_eq(pp_model_load(path, NULL, 0, &m, why, sizeof(why)), 0, "%s", why);
	double *q = predict_all(m, ds);
	for (int i = 0; i < pp_dataset_nrows(ds); i++)
		cr_assert_eq(q[i], p[i], "row %d", i);
	pp_model_free(m);
	free(q);
	free(p);
	free(plain);
	cJSON_Delete(root);
	free(text);
	pp_dataset_free(ds);
	synth_rmrf(dir);
	free(dir);
}

/* model.json's "booster" names a file in the model's directory: not one elsewhere (a model
 * someone sends must not make powprint read /dev/zero forever or parse any other file), not a
 * directory. */
Test(model, the_booster_is_a_file_beside_model_json)
{
	char *dir = synth_tmpdir(), path[4200], bj[4300], mj[4300], sub[4400], why[512];
	char *text = saved_model(dir, path, sizeof(path), bj, sizeof(bj));
	snprintf(mj, sizeof(mj), "%s/model.json", path);
	char *model = pp_test_slurp(mj);
	static const struct {
		const char *name, *why;
	} cases[] = {
		{ "/dev/zero", "must name a file in the model's directory" },
		{ "../model/booster.json", "must name a file in the model's directory" },
		{ "sub/../../x", "must name a file in the model's directory" },
		{ "..", "must name a file in the model's directory" },
		{ ".", "not a regular file" },
		{ "sub", "not a regular file" },
		{ "sub/b.json", NULL },
		{ "..b.json", NULL },
	};
	snprintf(sub, sizeof(sub), "%s/sub", path);
	cr_assert_eq(mkdir(sub, 0777), 0);
	snprintf(sub, sizeof(sub), "%s/sub/b.json", path);
	put(sub, text);
	snprintf(sub, sizeof(sub), "%s/..b.json", path);
	put(sub, text);
	for (size_t c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
		cJSON *j = cJSON_Parse(model);
		cJSON_ReplaceItemInObject(j, "booster", cJSON_CreateString(cases[c].name));
		char *s = cJSON_Print(j);
		put(mj, s);
		free(s);
		cJSON_Delete(j);
		struct pp_model *l = NULL;
		why[0] = '\0';
		int err = pp_model_load(path, NULL, 0, &l, why, sizeof(why));
		if (!cases[c].why) {
			cr_assert_eq(err, 0, "%s: %s", cases[c].name, why);
			pp_model_free(l);
			continue;
		}
		cr_assert_eq(err, -EBADMSG, "%s", cases[c].name);
		cr_assert(strstr(why, cases[c].why), "%s: %s", cases[c].name, why);
	}
	free(model);
	free(text);
	synth_rmrf(dir);
	free(dir);
}

/* A fingerprint's "rows" and "runs" beyond what a long holds read as 0 (converting them was
 * undefined behaviour, found by tests/fuzz/fuzz-model.c under UBSan). */
Test(model, huge_fingerprint_counts_read_as_zero)
{
	char *dir = synth_tmpdir(), path[4200], bj[4300], mj[4300], why[512] = "";
	free(saved_model(dir, path, sizeof(path), bj, sizeof(bj)));
	snprintf(mj, sizeof(mj), "%s/model.json", path);
	char *model = pp_test_slurp(mj);
	cJSON *j = cJSON_Parse(model);
	cJSON *fp = cJSON_GetArrayItem(cJSON_GetObjectItem(j, "fingerprints"), 0);
	cr_assert_not_null(fp);
	cJSON_ReplaceItemInObject(fp, "rows", cJSON_CreateNumber(1e300));
	cJSON_ReplaceItemInObject(fp, "runs", cJSON_CreateNumber(-1e19));
	char *s = cJSON_Print(j);
	put(mj, s);
	struct pp_model *m;
	cr_assert_eq(pp_model_load(path, NULL, 0, &m, why, sizeof(why)), 0, "%s", why);
	cr_assert_eq(m->fp[0].rows, 0);
	cr_assert_eq(m->fp[0].runs, 0);
	pp_model_free(m);
	free(s);
	cJSON_Delete(j);
	free(model);
	synth_rmrf(dir);
	free(dir);
}

/* Without the ebpf backend the default is the model trained without its features: it needs
 * only backends every machine has, and the one with them needs ebpf. */
Test(model, default_model_without_ebpf_needs_no_ebpf)
{
	char path[4096], why[512];
	for (int ebpf = 0; ebpf < 2; ebpf++) {
		cr_assert_eq(pp_default_model_path(false, ebpf, path, sizeof(path)), 0, "%s", path);
		cr_expect(strstr(path, ebpf ? "/models/pmu-less/" : "/models/pmu-less-no-ebpf/"),
			  "%s", path);
		struct pp_model *m;
		cr_assert_eq(pp_model_load(path, NULL, 0, &m, why, sizeof(why)), 0, "%s", why);
		bool needs = false;
		for (int i = 0; i < pp_model_nbackends(m); i++)
			needs |= !strcmp(pp_model_backend(m, i), "ebpf");
		cr_expect_eq(needs, ebpf, "%s", path);
		pp_model_free(m);
	}
}
