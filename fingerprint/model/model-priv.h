/* Inside the model: the struct behind struct pp_model and helpers shared by dataset.c and
 * model*.c. Not installed. */
#ifndef PP_FINGERPRINT_MODEL_PRIV_H
#define PP_FINGERPRINT_MODEL_PRIV_H

#include "core/file.h"
#include "core/why.h"
#include <cjson/cJSON.h>
#include <powprint/dataset.h>
#include <powprint/model.h>
#include <powprint/opts.h>
#include <stddef.h>

#define PP_MODEL_MAX_BACKENDS 16
#define PP_MODEL_FORMAT "powprint-model"
#define PP_MODEL_FORMAT_VERSION 1

struct pp_fingerprint {
	char *workload, *family;
	/* The knobs its rows share: "", "soft-aes", "4k-pages" or both. A workload gets one
	 * fingerprint per setting of them: pooled, a miner's AES-NI and soft-AES runs made
	 * spreads so wide that it was near everything. */
	char *knobs;
	bool miner;
	long rows, runs;
	double *centre, *spread;   /* per model feature; NaN = not usable for distances */
};

/* One digest per run of the training rows over m's features (provenance.c), for
 * training.run_digests. */
cJSON *pp_model_run_digests(const struct pp_model *m, const struct pp_dataset *ds,
			    const int *rows, int nrows);

struct pp_model {
	void *booster;             /* BoosterHandle */
	int nf;
	char **fname;
	int feature_version;
	double threshold;
	char *threshold_rule;
	int nbackends;
	char **backends;
	int nfp;
	struct pp_fingerprint *fp;
	int rounds;
	cJSON *params;             /* the xgboost parameters trained with: {"k": "v"} */
	cJSON *training;           /* training-data summary */
	char *created;             /* ISO 8601 UTC */
	char *booster_file;        /* where it was loaded from, or NULL */
};

/* Booster (model-booster.c). Trains on a row-major float matrix (NaN = missing). params is a
 * cJSON object of string values, applied in order. */
int pp_booster_train(const float *X, const float *y, int nrows, int nf, const cJSON *params,
		     int rounds, char *const *fnames, void **out, char *why, size_t len);
/* type 0: p (nrows), type 2: contributions (nrows x (nf + 1)). X rows have stride doubles. */
int pp_booster_predict(void *booster, const double *X, int nrows, int stride, int nf,
		       int type, double *out);
void pp_booster_free(void *booster);
/* Builds the parameter object: defaults, then "k=v,..." overrides; rounds separately. */
int pp_booster_params(const char *overrides, double scale_pos_weight, int nthread,
		      cJSON **params, int *rounds, char *why, size_t len);
/* Serialises the booster as xgboost JSON (caller frees). */
int pp_booster_save_json(void *booster, char **buf, size_t *len);
/* Loads an xgboost model file; checks it is a binary:logistic model. Sets *nfeat and, when
 * the booster carries feature names, *names (caller frees each and the array). */
int pp_booster_load(const char *path, void **out, int *nfeat, char ***names, int *nnames,
		    char *why, size_t len);

/* Fingerprints (model-fingerprint.c): one per workload of the given rows; colmap[j] is the
 * dataset column of model feature j. */
int pp_fingerprints_build(struct pp_model *m, const struct pp_dataset *ds, const int *rows,
			  int nrows, const int *colmap);
void pp_fingerprints_free(struct pp_model *m);
/* The knobs of a row that get a fingerprint of their own (bits: 1 soft AES, 2 4 KiB pages),
 * and their name. */
int pp_fingerprint_knobs(const struct pp_dataset_row *r);
const char *pp_fingerprint_knobs_name(int knobs);
/* Median of the finite values of v (reorders v); NaN when there are none. */
double pp_median(double *v, int n);

/* model.json (model-file.c). */
cJSON *pp_model_to_cjson(const struct pp_model *m);

#endif
