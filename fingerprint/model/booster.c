/* The xgboost C API behind the model: training, prediction (values and per-feature
 * contributions), JSON save and load. */
#include "fingerprint/model/model-priv.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <xgboost/c_api.h>

/* Defaults for small tabular data (docs/model.md says why each). */
static const char *const default_params[][2] = {
	{ "objective", "binary:logistic" },
	{ "eval_metric", "logloss" },
	{ "tree_method", "hist" },
	{ "max_depth", "2" },
	{ "eta", "0.1" },
	{ "min_child_weight", "1" },
	{ "subsample", "0.9" },
	{ "colsample_bytree", "0.5" },
	{ "seed", "0" },
	{ "verbosity", "0" },
};
#define DEFAULT_ROUNDS 300
#define MAX_ROUNDS 100000

/* xgboost's last error, first line only (the rest is a C++ stack trace). */
static const char *xgb_error(char *buf, size_t len)
{
	const char *e = XGBGetLastError();
	snprintf(buf, len, "%s", e && *e ? e : "unknown xgboost error");
	char *nl = strchr(buf, '\n');
	if (nl)
		*nl = '\0';
	return buf;
}

int pp_booster_params(const char *overrides, double scale_pos_weight, int nthread,
		      cJSON **params, int *rounds, char *why, size_t len)
{
	cJSON *p = cJSON_CreateObject();
	if (!p)
		return -ENOMEM;
	char num[64];
	for (size_t i = 0; i < sizeof(default_params) / sizeof(default_params[0]); i++)
		cJSON_AddStringToObject(p, default_params[i][0], default_params[i][1]);
	snprintf(num, sizeof(num), "%.6g", scale_pos_weight > 0 ? scale_pos_weight : 1.0);
	cJSON_AddStringToObject(p, "scale_pos_weight", num);
	snprintf(num, sizeof(num), "%d", nthread > 0 ? nthread : 2);
	cJSON_AddStringToObject(p, "nthread", num);
	*rounds = DEFAULT_ROUNDS;

	char *copy = strdup(overrides ? overrides : "");
	if (!copy) {
		cJSON_Delete(p);
		return -ENOMEM;
	}
	int err = 0;
	char *save = NULL;
	for (char *kv = strtok_r(copy, ",", &save); kv && !err; kv = strtok_r(NULL, ",", &save)) {
		char *eq = strchr(kv, '=');
		if (!eq || eq == kv || !eq[1]) {
			err = pp_why(why, len, -EINVAL, "parameter '%s' is not of the form "
				     "key=value (e.g. max_depth=6,eta=0.1,rounds=200)", kv);
			break;
		}
		*eq = '\0';
		const char *k = kv, *v = eq + 1;
		if (!strcmp(k, "rounds") || !strcmp(k, "num_boost_round") ||
		    !strcmp(k, "n_estimators")) {
			char *end;
			long r = strtol(v, &end, 10);
			if (*end || r < 1 || r > MAX_ROUNDS)
				err = pp_why(why, len, -EINVAL, "rounds must be a whole number from 1 "
					     "to %d, not '%s'", MAX_ROUNDS, v);
			else
				*rounds = (int)r;
			continue;
		}
		if (!strcmp(k, "objective") && strcmp(v, "binary:logistic") != 0) {
			err = pp_why(why, len, -EINVAL, "objective must stay binary:logistic (the "
				     "model outputs p(miner)), not '%s'", v);
			continue;
		}
		cJSON_DeleteItemFromObject(p, k);
		cJSON_AddStringToObject(p, k, v);
	}
	free(copy);
	if (err) {
		cJSON_Delete(p);
		return err;
	}
	*params = p;
	return 0;
}

static int dmatrix_f(const float *X, int nrows, int nf, DMatrixHandle *out)
{
	return XGDMatrixCreateFromMat_omp(X, (bst_ulong)nrows, (bst_ulong)nf, NAN, out, 1);
}

int pp_booster_train(const float *X, const float *y, int nrows, int nf, const cJSON *params,
		     int rounds, char *const *fnames, void **out, char *why, size_t len)
{
	char e[512];
	DMatrixHandle d = NULL;
	BoosterHandle b = NULL;
	if (dmatrix_f(X, nrows, nf, &d) || XGDMatrixSetFloatInfo(d, "label", y, (bst_ulong)nrows))
		goto fail;
	if (XGBoosterCreate(&d, 1, &b))
		goto fail;
	const cJSON *it;
	cJSON_ArrayForEach(it, params)
		if (XGBoosterSetParam(b, it->string, cJSON_GetStringValue(it)))
			goto fail;
	for (int r = 0; r < rounds; r++)
		if (XGBoosterUpdateOneIter(b, r, d))
			goto fail;
	/* Names travel inside booster.json, so Python's xgboost checks a DataFrame's columns. */
	if (fnames && XGBoosterSetStrFeatureInfo(b, "feature_name", (const char **)fnames,
						 (bst_ulong)nf))
		goto fail;
	XGDMatrixFree(d);
	*out = b;
	return 0;
fail:
	pp_why(why, len, -EINVAL, "xgboost training failed: %s (check --params)",
	       xgb_error(e, sizeof(e)));
	if (b)
		XGBoosterFree(b);
	if (d)
		XGDMatrixFree(d);
	return -EINVAL;
}

int pp_booster_predict(void *booster, const double *X, int nrows, int stride, int nf,
		       int type, double *out)
{
	if (nrows == 0)
		return 0;
	float *f = malloc((size_t)nrows * (size_t)(nf ? nf : 1) * sizeof(*f));
	if (!f)
		return -ENOMEM;
	for (int i = 0; i < nrows; i++)
		for (int j = 0; j < nf; j++)
			f[(size_t)i * nf + j] = (float)X[(size_t)i * stride + j];
	DMatrixHandle d = NULL;
	int err = -EIO;
	char cfg[160];
	snprintf(cfg, sizeof(cfg), "{\"type\": %d, \"training\": false, \"iteration_begin\": 0, "
		 "\"iteration_end\": 0, \"strict_shape\": false}", type);
	const bst_ulong *shape;
	bst_ulong dim;
	const float *res;
	if (dmatrix_f(f, nrows, nf, &d) == 0 &&
	    XGBoosterPredictFromDMatrix(booster, d, cfg, &shape, &dim, &res) == 0) {
		size_t n = (size_t)nrows * (type == 2 ? (size_t)nf + 1 : 1), total = 1;
		for (bst_ulong k = 0; k < dim; k++)
			total *= shape[k];
		if (total == n) {
			for (size_t k = 0; k < n; k++)
				out[k] = res[k];
			err = 0;
		}
	}
	if (d)
		XGDMatrixFree(d);
	free(f);
	return err;
}

void pp_booster_free(void *booster)
{
	if (booster)
		XGBoosterFree(booster);
}

int pp_booster_save_json(void *booster, char **buf, size_t *len)
{
	bst_ulong n;
	const char *p;
	if (XGBoosterSaveModelToBuffer(booster, "{\"format\": \"json\"}", &n, &p))
		return -EIO;
	char *c = malloc((size_t)n + 1);
	if (!c)
		return -ENOMEM;
	memcpy(c, p, (size_t)n);
	c[n] = '\0';
	*buf = c;
	*len = (size_t)n;
	return 0;
}

int pp_booster_load(const char *path, void **out, int *nfeat, char ***names, int *nnames,
		    char *why, size_t len)
{
	char e[512];
	BoosterHandle b = NULL;
	*names = NULL;
	*nnames = 0;
	if (XGBoosterCreate(NULL, 0, &b))
		return pp_why(why, len, -ENOMEM, "xgboost: %s", xgb_error(e, sizeof(e)));
	if (XGBoosterLoadModel(b, path)) {
		pp_why(why, len, -EBADMSG, "%s is not a readable xgboost model: %s (the file is "
		       "corrupt, truncated or not a booster)", path, xgb_error(e, sizeof(e)));
		XGBoosterFree(b);
		return -EBADMSG;
	}
	int err = 0;
	bst_ulong nf = 0, cl = 0;
	const char *cfg = NULL;
	cJSON *c = NULL;
	if (XGBoosterGetNumFeature(b, &nf) || XGBoosterSaveJsonConfig(b, &cl, &cfg) ||
	    !(c = cJSON_ParseWithLength(cfg, (size_t)cl))) {
		err = pp_why(why, len, -EBADMSG, "%s: cannot read the booster's configuration: %s",
			     path, xgb_error(e, sizeof(e)));
		goto out;
	}
	const char *obj = cJSON_GetStringValue(cJSON_GetObjectItem(
		cJSON_GetObjectItem(cJSON_GetObjectItem(c, "learner"), "objective"), "name"));
	if (!obj || strcmp(obj, "binary:logistic") != 0) {
		err = pp_why(why, len, -EINVAL, "%s has objective '%s'; a powprint detector must "
			     "be trained with objective binary:logistic (its output is p(miner))",
			     path, obj ? obj : "unknown");
		goto out;
	}
	if (nf == 0 || nf > 1000000) {
		err = pp_why(why, len, -EBADMSG, "%s: the booster has %lu features", path,
			     (unsigned long)nf);
		goto out;
	}
	bst_ulong nn = 0;
	const char **fn = NULL;
	if (XGBoosterGetStrFeatureInfo(b, "feature_name", &nn, &fn) == 0 && nn > 0) {
		char **v = calloc((size_t)nn, sizeof(*v));
		if (!v) {
			err = -ENOMEM;
			goto out;
		}
		for (bst_ulong k = 0; k < nn; k++)
			v[k] = strdup(fn[k] ? fn[k] : "");
		*names = v;
		*nnames = (int)nn;
		for (bst_ulong k = 0; k < nn; k++)
			if (!v[k])
				err = -ENOMEM;
	}
out:
	cJSON_Delete(c);
	if (err) {
		for (int k = 0; *names && k < *nnames; k++)
			free((*names)[k]);
		free(*names);
		*names = NULL;
		*nnames = 0;
		XGBoosterFree(b);
		return err;
	}
	*nfeat = (int)nf;
	*out = b;
	return 0;
}
