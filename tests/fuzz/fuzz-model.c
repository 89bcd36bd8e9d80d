/* A model directory (fingerprint/model/file.c): any model.json, beside a fixed valid
 * booster.json (two features, f.a and f.b: a tiny model trained like the tests train theirs),
 * loads with pp_model_load() or fails cleanly with a reason, never crashes, leaks or hangs.
 * It is checked once against a list of available backends and, when that fails for a missing
 * backend, once without. What loads predicts a NaN vector (and one of ones, which fingerprints
 * measure distances to) to a sane verdict, and, when it uses the fixed booster, the model.json
 * powprint would write for it loads back to the same model. The directory is made once per
 * process (mkdtemp) and removed at exit. */
#include "fingerprint/model/model-priv.h"

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* powprint train --params rounds=2,max_depth=1,colsample_bytree=1,subsample=1 on 48 windows
 * of two workloads (cn/r, sqlite) with features f.a and f.b. */
static const char booster_json[] =
	"{\"learner\":{\"attributes\":{},\"feature_names\":[\"f.a\",\"f.b\"],\"feature_types\":[],"
	"\"gradient_booster\":{\"model\":{\"gbtree_model_param\":{\"num_parallel_tree\":\"1\","
	"\"num_trees\":\"2\",\"size_leaf_vector\":\"0\"},\"tree_info\":[0,0],\"trees\":[{"
	"\"base_weights\":[-0E0,-1.7142858E-1,1.7142858E-1],\"categories\":[],"
	"\"categories_nodes\":[],\"categories_segments\":[],\"categories_sizes\":[],"
	"\"default_left\":[0,0,0],\"id\":0,\"left_children\":[1,-1,-1],"
	"\"loss_changes\":[4.1142857E1,0E0,0E0],\"parents\":[2147483647,0,0],"
	"\"right_children\":[2,-1,-1],\"split_conditions\":[2.009E0,-1.7142858E-1,1.7142858E-1],"
	"\"split_indices\":[0,0,0],\"split_type\":[0,0,0],\"sum_hessian\":[1.2E1,6E0,6E0],"
	"\"tree_param\":{\"num_deleted\":\"0\",\"num_feature\":\"2\",\"num_nodes\":\"3\","
	"\"size_leaf_vector\":\"0\"}},{\"base_weights\":[-5.5393507E-8,-1.577592E-1,1.5775919E-1],"
	"\"categories\":[],\"categories_nodes\":[],\"categories_segments\":[],"
	"\"categories_sizes\":[],\"default_left\":[0,0,0],\"id\":1,\"left_children\":[1,-1,-1],"
	"\"loss_changes\":[3.46248E1,0E0,0E0],\"parents\":[2147483647,0,0],"
	"\"right_children\":[2,-1,-1],\"split_conditions\":[2.009E0,-1.577592E-1,1.5775919E-1],"
	"\"split_indices\":[0,0,0],\"split_type\":[0,0,0],"
	"\"sum_hessian\":[1.1912267E1,5.956134E0,5.9561334E0],\"tree_param\":{"
	"\"num_deleted\":\"0\",\"num_feature\":\"2\",\"num_nodes\":\"3\","
	"\"size_leaf_vector\":\"0\"}}]},\"name\":\"gbtree\"},\"learner_model_param\":{"
	"\"base_score\":\"5E-1\",\"boost_from_average\":\"1\",\"num_class\":\"0\","
	"\"num_feature\":\"2\",\"num_target\":\"1\"},\"objective\":{\"name\":\"binary:logistic\","
	"\"reg_loss_param\":{\"scale_pos_weight\":\"1\"}}},\"version\":[1,7,4]}";

static const char *const available[] = { "perf-sw", "procfs", "ip-sample" };

static char dir[PATH_MAX], model_path[PATH_MAX + 16], booster_path[PATH_MAX + 16];

static void put(const char *path, const void *data, size_t n)
{
	FILE *f = fopen(path, "wb");
	if (!f || fwrite(data, 1, n, f) != n || fclose(f))
		abort();
}

static void cleanup(void)
{
	unlink(model_path);
	unlink(booster_path);
	rmdir(dir);
}

static void setup(void)
{
	const char *tmp = getenv("TMPDIR");
	snprintf(dir, sizeof(dir), "%s/powprint-fuzz-model.XXXXXX", tmp && *tmp ? tmp : "/tmp");
	if (!mkdtemp(dir))
		abort();
	snprintf(model_path, sizeof(model_path), "%s/model.json", dir);
	snprintf(booster_path, sizeof(booster_path), "%s/booster.json", dir);
	put(booster_path, booster_json, sizeof(booster_json) - 1);
	atexit(cleanup);
}

static void check_verdict(const struct pp_model *m, const struct pp_verdict *v)
{
	if (v->p_miner < 0 || v->p_miner > 1 || v->miner != (v->p_miner >= m->threshold))
		abort();
	/* The fixed booster has no NaN leaves (a bare one from the input might). */
	if (isnan(v->p_miner) && strcmp(m->booster_file, booster_path) == 0)
		abort();
	if (v->ntop < 0 || v->ntop > PP_VERDICT_TOP)
		abort();
	for (int k = 0; k < v->ntop; k++)
		if (v->top[k].feature < 0 || v->top[k].feature >= m->nf)
			abort();
	if (v->nearest < -1 || v->nearest >= m->nfp || (v->nearest < 0) != (m->nfp == 0))
		abort();
	if (v->nearest >= 0 && (!v->nearest_workload || !v->nearest_family || !v->nearest_knobs ||
				v->nused < 0 || v->nused > m->nf))
		abort();
}

static bool same_num(double a, double b)
{
	return (!isfinite(a) && !isfinite(b)) || a == b;  /* inf is written as null */
}

/* The model.json powprint writes for m loads back to the same model. */
static void round_trip(const struct pp_model *m)
{
	cJSON *j = pp_model_to_cjson(m);
	char *s = j ? cJSON_PrintUnformatted(j) : NULL;
	cJSON_Delete(j);
	if (!s)
		abort();
	put(model_path, s, strlen(s));
	free(s);
	struct pp_model *b = NULL;
	char why[512] = "";
	if (pp_model_load(dir, NULL, 0, &b, why, sizeof(why)))
		abort();
	if (b->nf != m->nf || b->feature_version != m->feature_version ||
	    b->threshold != m->threshold || b->nbackends != m->nbackends || b->nfp != m->nfp ||
	    b->rounds != m->rounds || strcmp(b->threshold_rule, m->threshold_rule) ||
	    strcmp(b->created, m->created))
		abort();
	for (int k = 0; k < m->nf; k++)
		if (strcmp(b->fname[k], m->fname[k]))
			abort();
	for (int k = 0; k < m->nbackends; k++)
		if (strcmp(b->backends[k], m->backends[k]))
			abort();
	for (int i = 0; i < m->nfp; i++) {
		const struct pp_fingerprint *x = &m->fp[i], *y = &b->fp[i];
		if (strcmp(x->workload, y->workload) || strcmp(x->family, y->family) ||
		    strcmp(x->knobs, y->knobs) || x->miner != y->miner || x->rows != y->rows ||
		    x->runs != y->runs)
			abort();
		for (int k = 0; k < m->nf; k++)
			if (!same_num(x->centre[k], y->centre[k]) ||
			    !same_num(x->spread[k], y->spread[k]))
				abort();
	}
	pp_model_free(b);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (!dir[0])
		setup();
	put(model_path, data, size);
	struct pp_model *m = NULL;
	char why[512] = "";
	int err = pp_model_load(dir, available, 3, &m, why, sizeof(why));
	if (err == -EOPNOTSUPP) {
		if (!strstr(why, "needs the backend(s)"))
			abort();
		why[0] = '\0';
		err = pp_model_load(dir, NULL, 0, &m, why, sizeof(why));
	}
	if (err) {
		if (!why[0] && err != -ENOMEM)
			abort();  /* every failure says why */
		return 0;
	}
	int nf = pp_model_nfeatures(m);
	if (nf < 1 || !(m->threshold > 0 && m->threshold < 1) || !m->booster_file)
		abort();
	double *x = malloc((size_t)nf * sizeof(*x));
	if (!x)
		abort();
	struct pp_verdict v;
	for (int k = 0; k < nf; k++)
		x[k] = NAN;
	if (pp_model_predict(m, x, nf, &v))
		abort();
	check_verdict(m, &v);
	for (int k = 0; k < nf; k++)
		x[k] = 1;
	if (pp_model_predict(m, x, nf, &v))
		abort();
	check_verdict(m, &v);
	free(x);
	if (strcmp(m->booster_file, booster_path) == 0)
		round_trip(m);
	char *s = pp_model_summary_json(m);
	if (!s)
		abort();
	free(s);
	pp_model_free(m);
	return 0;
}
