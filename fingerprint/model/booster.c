/* The xgboost C API behind the model: training, prediction (values and per-feature
 * contributions), JSON save and load. */
#include "fingerprint/model/model-priv.h"

#include <errno.h>
#include <float.h>
#include <limits.h>
#include <math.h>
#include <stdint.h>
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

/* ---- checking a JSON booster before xgboost reads it ----
 *
 * xgboost (1.7) trusts its model files: a tree's parent, child or feature index is used
 * unchecked (out-of-bounds reads, endless walks, recursion as deep as the tree), tree ids index
 * its tree vector, tree_info is read num_trees long, and the trees are parsed in an OpenMP loop
 * where a malformed one (a missing array, an integer where a float belongs) races into a double
 * free. Models are files people exchange, so every tree is checked here first and rewritten in
 * the exact form xgboost writes (integers as integers, floats with an exponent, no categorical
 * fields but empty ones); what xgboost then parses is only what was checked. */

#define MAX_TREE_DEPTH 1024
#define MAX_TREE_NODES (1 << 24)
#define MAX_FEATURES 1000000

/* A string-valued integer parameter ("num_nodes": "3") in [lo, hi]; def when absent. */
static int param_int(const cJSON *o, const char *key, long lo, long hi, long def, long *out)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
	if (!v) {
		*out = def;
		return def >= lo && def <= hi ? 0 : -1;
	}
	const char *s = cJSON_GetStringValue(v);
	char *end;
	if (!s || !*s)
		return -1;
	errno = 0;
	long x = strtol(s, &end, 10);
	if (*end || errno || x < lo || x > hi)
		return -1;
	*out = x;
	return 0;
}

/* The tree array `key` of n numbers into v: integers in int32 range when ints (booleans too
 * when bools), finite floats otherwise. */
static int tree_array(const cJSON *tree, const char *key, long n, bool ints, bool bools,
		      double *v)
{
	const cJSON *a = cJSON_GetObjectItemCaseSensitive(tree, key), *it;
	if (!cJSON_IsArray(a) || cJSON_GetArraySize(a) != n)
		return -1;
	long i = 0;
	cJSON_ArrayForEach(it, a) {
		double x;
		if (bools && cJSON_IsBool(it))
			x = cJSON_IsTrue(it);
		else if (cJSON_IsNumber(it))
			x = it->valuedouble;
		else
			return -1;
		if (ints ? (x != floor(x) || x < INT32_MIN || x > INT32_MAX) :
			   !(fabs(x) <= FLT_MAX))
			return -1;
		v[i++] = x;
	}
	return 0;
}

/* v as a JSON array the way xgboost writes it. */
static cJSON *raw_array(const double *v, long n, bool ints)
{
	char *s = malloc((size_t)n * 26 + 3), *p = s;
	if (!s)
		return NULL;
	*p++ = '[';
	for (long i = 0; i < n; i++)
		p += ints ? sprintf(p, "%s%d", i ? "," : "", (int)v[i]) :
			    sprintf(p, "%s%.17e", i ? "," : "", v[i]);
	strcpy(p, "]");
	cJSON *r = cJSON_CreateRaw(s);
	free(s);
	return r;
}

enum { T_LOSS, T_HESS, T_WEIGHT, T_COND, T_LEFT, T_RIGHT, T_PARENT, T_SPLIT, T_DEFLEFT, T_NARR };
static const struct {
	const char *key;
	bool ints;
} tree_arrays[T_NARR] = {
	{ "loss_changes", false }, { "sum_hessian", false }, { "base_weights", false },
	{ "split_conditions", false }, { "left_children", true }, { "right_children", true },
	{ "parents", true }, { "split_indices", true }, { "default_left", true },
};

/* Adds item to obj; false (and item freed) when either is missing or adding fails. */
static bool add(cJSON *obj, const char *key, cJSON *item)
{
	if (obj && item && cJSON_AddItemToObject(obj, key, item))
		return true;
	cJSON_Delete(item);
	return false;
}

/* Tree t's structure, or why not: xgboost numbers a split's children left, left + 1 (its
 * predictor steps to left + (x >= cond)); every node is reached from the root once or is
 * deleted, a split's feature exists, parents are nodes, depth is bounded. */
static const char *tree_shape(double *const *v, long n, long nf, long ndel, unsigned char *seen,
			      int *stack)
{
	long deleted = 0;
	for (long i = 0; i < n; i++) {
		if (v[T_DEFLEFT][i] != 0 && v[T_DEFLEFT][i] != 1)
			return "has a default_left that is not 0 or 1";
		if (i == 0)
			continue;
		if (!(v[T_PARENT][i] >= 0 && v[T_PARENT][i] < n))
			return "has a parent index out of range";
		/* xgboost's deleted-node marker: split index and default-left bit all ones */
		if (((uint32_t)(int32_t)v[T_SPLIT][i] | (v[T_DEFLEFT][i] ? 1u << 31 : 0)) ==
		    UINT32_MAX) {
			seen[i] = 1;
			deleted++;
		}
	}
	if (deleted != ndel)
		return "has a num_deleted that does not count its deleted nodes";
	int sp = 0;
	stack[sp++] = 0;  /* node, depth */
	stack[sp++] = 0;
	seen[0] = 1;
	while (sp) {
		int depth = stack[--sp], i = stack[--sp];
		long l = (long)v[T_LEFT][i];
		if (l == -1)
			continue;  /* a leaf */
		if (depth >= MAX_TREE_DEPTH)
			return "is deeper than powprint allows";
		if (l < 1 || l + 1 >= n || (long)v[T_RIGHT][i] != l + 1)
			return "has a child index out of range (or a right child that is not "
			       "left + 1)";
		if (seen[l] || seen[l + 1])
			return "is not a tree: a node is reached twice, or is deleted and reached";
		if (!(v[T_SPLIT][i] >= 0 && v[T_SPLIT][i] < nf))
			return "splits on a feature the booster does not have";
		seen[l] = seen[l + 1] = 1;
		stack[sp++] = (int)l;
		stack[sp++] = depth + 1;
		stack[sp++] = (int)l + 1;
		stack[sp++] = depth + 1;
	}
	for (long i = 0; i < n; i++)
		if (!seen[i])
			return "has a node that is neither reached from the root nor deleted";
	return NULL;
}

/* Checks tree t (of a booster with nf features) and returns it rewritten, or NULL with why. */
static cJSON *check_tree(const cJSON *tree, int t, long nf, char *why, size_t len)
{
	const cJSON *tp = cJSON_GetObjectItemCaseSensitive(tree, "tree_param");
	const cJSON *id = cJSON_GetObjectItemCaseSensitive(tree, "id");
	long n, ndel, tnf, leafvec;
	if (!cJSON_IsObject(tree) || !cJSON_IsNumber(id) || id->valuedouble != t ||
	    param_int(tp, "num_nodes", 1, MAX_TREE_NODES, -1, &n) ||
	    param_int(tp, "num_deleted", 0, n, 0, &ndel) ||
	    param_int(tp, "num_feature", 0, MAX_FEATURES, nf, &tnf) ||
	    param_int(tp, "size_leaf_vector", 0, 0, 0, &leafvec)) {
		pp_why(why, len, -EBADMSG, "tree %d has no valid id and tree_param", t);
		return NULL;
	}
	double *v[T_NARR + 1] = { 0 };  /* the arrays, then split_type */
	unsigned char *seen = calloc((size_t)n, 1);
	int *stack = malloc((size_t)n * 2 * sizeof(int));  /* each node pushed once at most */
	cJSON *out = NULL;
	const char *bad = NULL;
	bool ok = seen && stack;
	for (int k = 0; ok && k <= T_NARR; k++)
		ok = (v[k] = calloc((size_t)n, sizeof(double))) != NULL;
	if (!ok) {
		pp_why(why, len, -ENOMEM, "out of memory");
		goto out;
	}
	for (int k = 0; k < T_NARR; k++)
		if (tree_array(tree, tree_arrays[k].key, n, tree_arrays[k].ints, k == T_DEFLEFT,
			       v[k])) {
			pp_why(why, len, -EBADMSG, "tree %d: \"%s\" is not %ld %s", t,
			       tree_arrays[k].key, n, tree_arrays[k].ints ? "integers" :
			       "finite numbers");
			goto out;
		}
	/* Numerical splits only: split_type, when given, all 0, and no categories. */
	const cJSON *st = cJSON_GetObjectItemCaseSensitive(tree, "split_type");
	const cJSON *cn = cJSON_GetObjectItemCaseSensitive(tree, "categories_nodes");
	bool cat = (st && tree_array(tree, "split_type", n, true, false, v[T_NARR])) ||
		   (cn && (!cJSON_IsArray(cn) || cJSON_GetArraySize(cn) != 0));
	for (long i = 0; i < n; i++)
		cat = cat || v[T_NARR][i] != 0;
	bad = cat ? "has categorical splits, which powprint's numerical features never need" :
		    tree_shape(v, n, nf, ndel, seen, stack);
	if (bad) {
		pp_why(why, len, -EBADMSG, "tree %d %s", t, bad);
		goto out;
	}
	char num[3][24];
	snprintf(num[0], sizeof(num[0]), "%ld", n);
	snprintf(num[1], sizeof(num[1]), "%ld", ndel);
	snprintf(num[2], sizeof(num[2]), "%ld", tnf);
	out = cJSON_CreateObject();
	cJSON *p = cJSON_CreateObject();
	ok = add(out, "tree_param", p) && cJSON_AddStringToObject(p, "num_deleted", num[1]) &&
	     cJSON_AddStringToObject(p, "num_feature", num[2]) &&
	     cJSON_AddStringToObject(p, "num_nodes", num[0]) &&
	     cJSON_AddStringToObject(p, "size_leaf_vector", "0") &&
	     cJSON_AddNumberToObject(out, "id", t);
	for (int k = 0; ok && k < T_NARR; k++)
		ok = add(out, tree_arrays[k].key, raw_array(v[k], n, tree_arrays[k].ints));
	ok = ok && add(out, "split_type", raw_array(v[T_NARR], n, true));  /* all 0 */
	static const char *const cats[] = { "categories", "categories_nodes",
					    "categories_segments", "categories_sizes" };
	for (size_t k = 0; ok && k < sizeof(cats) / sizeof(cats[0]); k++)
		ok = add(out, cats[k], cJSON_CreateArray());
	if (!ok) {
		cJSON_Delete(out);
		out = NULL;
		pp_why(why, len, -ENOMEM, "out of memory");
	}
out:
	for (int k = 0; k <= T_NARR; k++)
		free(v[k]);
	free(seen);
	free(stack);
	return out;
}

/* Checks a JSON booster and rewrites its trees (see above); -EBADMSG with why. */
static int check_booster(cJSON *root, char *why, size_t len)
{
	cJSON *learner = cJSON_GetObjectItemCaseSensitive(root, "learner");
	cJSON *lmp = cJSON_GetObjectItemCaseSensitive(learner, "learner_model_param");
	cJSON *gb = cJSON_GetObjectItemCaseSensitive(learner, "gradient_booster");
	const char *name = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(gb, "name"));
	long nf, ntrees, npar, leafvec, nclass, ntarget;
	if (!cJSON_IsObject(root) || !cJSON_IsObject(learner) || !cJSON_IsObject(lmp) ||
	    param_int(lmp, "num_feature", 1, MAX_FEATURES, -1, &nf))
		return pp_why(why, len, -EBADMSG, "no learner with a num_feature");
	/* One output per row: p(miner). */
	if (param_int(lmp, "num_class", 0, 0, 0, &nclass) ||
	    param_int(lmp, "num_target", 1, 1, 1, &ntarget))
		return pp_why(why, len, -EBADMSG, "it has several classes or targets; a powprint "
			      "detector has one output, p(miner)");
	if (!name || strcmp(name, "gbtree") != 0)
		return pp_why(why, len, -EBADMSG, "its booster is %s; powprint reads gbtree "
			      "boosters (xgboost's default)", name ? name : "missing");
	cJSON *model = cJSON_GetObjectItemCaseSensitive(gb, "model");
	cJSON *gmp = cJSON_GetObjectItemCaseSensitive(model, "gbtree_model_param");
	cJSON *trees = cJSON_GetObjectItemCaseSensitive(model, "trees");
	cJSON *info = cJSON_GetObjectItemCaseSensitive(model, "tree_info"), *it;
	if (!cJSON_IsArray(trees) || !cJSON_IsArray(info) ||
	    param_int(gmp, "num_trees", 0, INT_MAX, -1, &ntrees) ||
	    param_int(gmp, "num_parallel_tree", 1, INT_MAX, 1, &npar) ||
	    param_int(gmp, "size_leaf_vector", 0, 0, 0, &leafvec) ||
	    cJSON_GetArraySize(trees) != ntrees || cJSON_GetArraySize(info) != ntrees)
		return pp_why(why, len, -EBADMSG, "its trees, tree_info and num_trees disagree");
	cJSON_ArrayForEach(it, info)
		if (!cJSON_IsNumber(it) || it->valuedouble != 0)
			return pp_why(why, len, -EBADMSG, "tree_info puts a tree in an output group "
				      "other than 0: not a binary model");
	cJSON *fresh = cJSON_CreateArray();  /* tree_info as integers */
	for (long t = 0; fresh && t < ntrees; t++)
		cJSON_AddItemToArray(fresh, cJSON_CreateRaw("0"));
	if (!fresh || cJSON_GetArraySize(fresh) != ntrees) {
		cJSON_Delete(fresh);
		return pp_why(why, len, -ENOMEM, "out of memory");
	}
	if (!cJSON_ReplaceItemInObjectCaseSensitive(model, "tree_info", fresh)) {
		cJSON_Delete(fresh);
		return pp_why(why, len, -ENOMEM, "out of memory");
	}
	/* One pass: cJSON_GetArrayItem(trees, t) would walk the list for every t. */
	int t = 0;
	for (cJSON *tree = trees->child, *next; tree; tree = next, t++) {
		next = tree->next;
		cJSON *fixed = check_tree(tree, t, nf, why, len);
		if (!fixed)
			return -EBADMSG;
		if (!cJSON_ReplaceItemViaPointer(trees, tree, fixed)) {
			cJSON_Delete(fixed);
			return pp_why(why, len, -ENOMEM, "out of memory");
		}
	}
	return 0;
}

int pp_booster_load(const char *path, void **out, int *nfeat, char ***names, int *nnames,
		    char *why, size_t len)
{
	char e[512];
	BoosterHandle b = NULL;
	*names = NULL;
	*nnames = 0;
	char *text = NULL, reason[256] = "";
	size_t n;
	int err = pp_file_read(path, &text, &n);
	if (err)
		return pp_why(why, len, err, "cannot read %s: %s", path, strerror(-err));
	cJSON *json = cJSON_ParseWithLength(text, n);
	free(text);
	text = NULL;
	if (!json)
		snprintf(reason, sizeof(reason), "not JSON (powprint reads xgboost's JSON format: "
			 "save_model(\"booster.json\"))");
	else if (check_booster(json, reason, sizeof(reason)) == 0 &&
		 !(text = cJSON_PrintUnformatted(json)))
		snprintf(reason, sizeof(reason), "out of memory");
	cJSON_Delete(json);
	if (!text) {
		pp_why(why, len, -EBADMSG, "%s is not a readable xgboost model: %s (the file is "
		       "corrupt, truncated or not a booster)", path, reason);
		return -EBADMSG;
	}
	if (XGBoosterCreate(NULL, 0, &b)) {
		free(text);
		return pp_why(why, len, -ENOMEM, "xgboost: %s", xgb_error(e, sizeof(e)));
	}
	if (XGBoosterLoadModelFromBuffer(b, text, strlen(text))) {
		free(text);
		pp_why(why, len, -EBADMSG, "%s is not a readable xgboost model: %s (the file is "
		       "corrupt, truncated or not a booster)", path, xgb_error(e, sizeof(e)));
		XGBoosterFree(b);
		return -EBADMSG;
	}
	free(text);
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
