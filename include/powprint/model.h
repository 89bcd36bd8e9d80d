/* The miner/benign detector: gradient-boosted trees (xgboost) plus per-workload fingerprints
 * (robust centre and spread of every feature) that say which known workload a process looks
 * like and how far it is. A model is a directory: booster.json (plain xgboost JSON, loadable by
 * Python's xgboost) and model.json (feature names and version, needed backends, threshold,
 * fingerprints, training summary). docs/model.md describes the format and the eval metrics. */
#ifndef POWPRINT_MODEL_H
#define POWPRINT_MODEL_H

#include <powprint/dataset.h>
#include <powprint/opts.h>

#include <stdbool.h>
#include <stddef.h>

#define PP_VERDICT_TOP 5

struct pp_model;

struct pp_train_opts {
	size_t sz;
	/* xgboost parameters "k=v,k=v" over the defaults (docs/model.md); "rounds=N" sets the
	 * number of boosting rounds. */
	const char *params;
	/* Decision threshold on p(miner); 0 = 0.5. */
	double threshold;
	/* Comma-separated backends the model may use; NULL = every backend of the data. Features
	 * that need another backend are left out, so the model runs where only these exist. */
	const char *backends;
	int nthread;               /* xgboost threads; 0 = 2 */
	/* Rows used for training (indices into the dataset); NULL = every labelled row. */
	const int *rows;
	int nrows;
	bool no_fingerprints;      /* skip fingerprints (cross-validation folds) */
	/* Comma-separated features to leave out ("f.x,f.y"); NULL = PP_TRAIN_EXCLUDE_DEFAULT,
	 * "" = none. */
	const char *exclude;
};

/* Left out by default: the thread count says how a program was written and started (our
 * miner loop runs its hashing on the main thread, the benign harness on workers), not what
 * it computes, and a model would learn that shortcut instead of the workload. The two
 * rounding-mode shares belong to the rounding-mode rule, which weighs them with their number
 * of switches: a share is NaN in a window without switches (a lone busy thread on an idle
 * machine), which recordings on a busy machine never show, so a model would send those
 * windows down whichever branch it happened to make for "missing". */
#define PP_TRAIN_EXCLUDE_DEFAULT \
	"f.threads,f.fp_round_nondefault_share,f.fp_preempt_nondefault_share"

/* Trains a model on ds. -EINVAL (with why) when a class is missing, no feature is usable, or
 * a parameter is wrong. */
int pp_model_train(const struct pp_dataset *ds, const struct pp_train_opts *opts,
		   struct pp_model **out, char *why, size_t len);

/* Writes the model directory DIR (created if needed; files replaced atomically). */
int pp_model_save(const struct pp_model *m, const char *dir, char *why, size_t len);

/* Loads a model directory (or its model.json), or a bare xgboost JSON booster trained
 * elsewhere (features from its feature_names, threshold 0.5, no fingerprints).
 * available: the backends this machine offers (NULL = don't check). Errors: -ENOENT missing
 * file, -EBADMSG corrupt or not a powprint model, -EINVAL newer format or feature version,
 * -EOPNOTSUPP the model needs backends not available (why names them). */
int pp_model_load(const char *path, const char *const *available, int navailable,
		  struct pp_model **out, char *why, size_t len);

/* pp_model_load for live use here: path, or the shipped default for this machine when path
 * is NULL (data/models/pmu with a hardware PMU when shipped, else data/models/pmu-less),
 * checked against the backends this machine offers. The path used goes to used. */
int pp_model_load_for_host(const char *path, struct pp_model **out, char *used, size_t used_len,
			   char *why, size_t len);

void pp_model_free(struct pp_model *m);

/* Whether the model was trained on the run made of these n rows of ds: 1 or 0, by the digest
 * of each training run that train records (model.json training.run_digests), or -ENOENT for
 * a model that records none (an older powprint's, or a bare booster). */
int pp_model_trained_on(const struct pp_model *m, const struct pp_dataset *ds, const int *rows,
			int n);
/* For a model without run digests: 1 when source s of ds was recorded within the time span of
 * the model's training data on one of its hosts (likely some of it), 0 when not, -ENOENT when
 * either side has no dates. */
int pp_model_trained_near(const struct pp_model *m, const struct pp_dataset *ds, int source);

int pp_model_nfeatures(const struct pp_model *m);
const char *pp_model_feature_name(const struct pp_model *m, int j);
int pp_model_feature_version(const struct pp_model *m);
double pp_model_threshold(const struct pp_model *m);
int pp_model_nbackends(const struct pp_model *m);
const char *pp_model_backend(const struct pp_model *m, int i);

/* Maps the model's features to a dataset's columns: map[j] = dataset column of model feature
 * j, or -1 when the dataset lacks it (it is then NaN). Returns how many are missing. */
int pp_model_bind(const struct pp_model *m, const struct pp_dataset *ds, int *map);

/* Fills x (pp_model_nfeatures() values, the model's order) from a live window's feature vector
 * (features.h): model feature "f.NAME" is feature NAME. Features this code does not compute
 * are NaN. Returns how many those are, or -EINVAL when f's feature-vector version differs from
 * the model's (a model loaded from a bare booster, version 0, takes any). */
struct pp_features;
int pp_model_vector(const struct pp_model *m, const struct pp_features *f, double *x);

/* A verdict for one feature vector (or a whole run, see pp_model_explain). */
struct pp_verdict {
	double p_miner;
	bool miner;                /* p_miner >= threshold */
	int nearest;               /* fingerprint index, -1 when the model has none */
	const char *nearest_workload, *nearest_family;  /* owned by the model */
	const char *nearest_knobs; /* "" or "soft-aes", "4k-pages", both (owned by the model) */
	bool nearest_miner;
	double distance;           /* standardised distance to it (docs/model.md) */
	int nused;                 /* features that entered the distance */
	double bias;               /* the contributions' base value, in log-odds */
	int ntop;
	struct {
		int feature;       /* model feature index */
		double contrib;    /* log-odds contribution: > 0 pushes towards miner */
	} top[PP_VERDICT_TOP];
	/* The rounding-mode rule (below): it fired (miner is then true whatever p_miner is),
	 * and its evidence over the recent windows; NaN share / 0 preemptions without ebpf. */
	bool rule;
	double round_share;
	double round_preemptions;
};

/* Classifies one feature vector x of n = pp_model_nfeatures() values in the model's order
 * (NaN = missing): p(miner), nearest fingerprint, top contributions. */
int pp_model_predict(const struct pp_model *m, const double *x, int n, struct pp_verdict *v);

/* p(miner) for nrows row-major vectors (with row stride `stride` doubles); p has nrows. */
int pp_model_predict_many(const struct pp_model *m, const double *X, int nrows, int stride,
			  double *p);

/* Per-feature contributions (pred_contribs) for nrows vectors: out has nrows x (n + 1)
 * values, the last of each row the bias. */
int pp_model_contribs(const struct pp_model *m, const double *X, int nrows, int stride,
		      double *out);

/* Explains a whole run: the nearest fingerprint to the per-feature median of its vectors and
 * the mean contributions over them; p_miner is the mean p. */
int pp_model_explain(const struct pp_model *m, const double *X, int nrows, int stride,
		     struct pp_verdict *v);

/* Fingerprints: one per training workload and setting of the knobs that change its
 * instruction mix or pages (soft AES, 4 KiB pages). */
int pp_model_nfingerprints(const struct pp_model *m);
/* Fingerprint i's knobs: "", "soft-aes", "4k-pages" or "soft-aes,4k-pages"; NULL for a bad i. */
const char *pp_model_fingerprint_knobs(const struct pp_model *m, int i);
int pp_model_fingerprint(const struct pp_model *m, int i, const char **workload,
			 const char **family, bool *miner, const double **centre,
			 const double **spread);
/* Index of the fingerprint nearest to x and its distance; -ENOENT when there is none. */
int pp_model_nearest(const struct pp_model *m, const double *x, int n, int *idx,
		     double *distance, int *nused);

/* The training summary and other provenance as JSON text (caller frees), for reports. */
char *pp_model_summary_json(const struct pp_model *m);

/* k-of-n smoothing of per-window verdicts: miner once k of the last n windows were. */
struct pp_kofn;
int pp_kofn_new(int k, int n, struct pp_kofn **out);
/* Pushes one window's verdict; returns the smoothed verdict (true = miner). */
bool pp_kofn_push(struct pp_kofn *s, bool miner);
void pp_kofn_reset(struct pp_kofn *s);
void pp_kofn_free(struct pp_kofn *s);

/* ---- the rounding-mode rule ---- */

/* What a window says about the FPU rounding mode (ebpf backend; NaN without it): preemptions
 * of the process's threads and how many found the rounding mode off round-to-nearest. */
struct pp_evidence {
	double preempted, preempted_nondefault;
};
struct pp_window;
void pp_evidence_from_window(const struct pp_window *w, struct pp_evidence *e);
/* The dataset's raw columns of that evidence (-1 when absent), then one row's evidence. */
void pp_evidence_bind(const struct pp_dataset *ds, int cols[2]);
void pp_evidence_from_row(const struct pp_dataset *ds, const int cols[2], int i,
			  struct pp_evidence *e);

/* A RandomX-family miner, whatever the model says: over the process's last windows, at least
 * PP_ROUND_MIN_PREEMPTIONS preemptions, and the rounding mode non-default in at least
 * PP_ROUND_MIN_SHARE of them (docs/model.md: "The rounding-mode rule"). */
#define PP_ROUND_MIN_SHARE 0.5
#define PP_ROUND_MIN_PREEMPTIONS 4
#define PP_ROUND_WINDOWS 30        /* windows of evidence kept by default */
#define PP_ROUND_WINDOWS_MAX 32

/* The evidence of one process's last `windows` windows (a ring; no allocation). */
struct pp_round_tally {
	int windows, used, head;
	double pre[PP_ROUND_WINDOWS_MAX], nd[PP_ROUND_WINDOWS_MAX];
	double sum_pre, sum_nd;
};
/* -EINVAL unless 1 <= windows <= PP_ROUND_WINDOWS_MAX. */
int pp_round_tally_init(struct pp_round_tally *t, int windows);
/* Adds a window's evidence (unknown counts add none); returns pp_round_tally_fires(). */
bool pp_round_tally_push(struct pp_round_tally *t, const struct pp_evidence *e);
bool pp_round_tally_fires(const struct pp_round_tally *t);
double pp_round_tally_share(const struct pp_round_tally *t);  /* NaN before any preemption */
/* Sets v's rule fields from t, and v->miner when the rule fires. */
void pp_round_verdict_fill(const struct pp_round_tally *t, struct pp_verdict *v);
/* "rounding mode non-default at 74% of 2310 preemptions", for alerts and reports. */
char *pp_round_describe(const struct pp_verdict *v, char *buf, size_t len);

/* ---- runs ---- */

/* One run classified window by window: p(miner) per window, the rounding-mode rule per window,
 * the k-of-n smoothed verdict and the explained verdict of the whole run. A window is flagged
 * when p >= the model's threshold or the rule fires. */
struct pp_run_verdict {
	int run;                   /* the dataset's run index (pp_dataset_row.run); -1 for a matrix */
	int nwindows;
	const int *rows;           /* its dataset rows in window order; NULL for a matrix */
	const double *p;           /* p(miner) of each window, in that order */
	const bool *rule;          /* the rule fired at each window; NULL without evidence */
	int windows_flagged;       /* windows flagged (by p or the rule) */
	int windows_rule;          /* ... by the rule */
	bool miner;                /* k of the last n windows were flagged at some window */
	int first_miner;           /* the first such window (0-based position), -1 when none */
	struct pp_verdict v;       /* pp_model_explain over the run's windows; the rule's fields
				    * from the evidence of its last PP_ROUND_WINDOWS windows */
};

/* Classifies one run's nrows windows X (row-major, stride doubles, the model's order, in time
 * order) with k-of-n smoothing. ev: each window's rounding-mode evidence, or NULL (no rule).
 * p (nrows values, caller's) gets p(miner) of each window and out->p points to it; rule (nrows,
 * caller's, may be NULL when ev is) gets the rule's verdict per window. */
int pp_model_classify_run(const struct pp_model *m, const double *X, int nrows, int stride,
			  const struct pp_evidence *ev, int k, int n, double *p, bool *rule,
			  struct pp_run_verdict *out);

/* Groups ds's rows into runs, in run order, each run's rows by window (ties in row order),
 * binds the model's features by name (missing ones are NaN) and classifies every run. *out
 * gets *nruns verdicts (pp_dataset_nruns() of them) in one block, with their rows and p, that
 * the caller frees with free(). -EINVAL (with why) when the feature-vector versions differ,
 * the data has none of the model's features or k-of-n is wrong. */
int pp_model_classify_runs(const struct pp_model *m, const struct pp_dataset *ds, int k,
			   int n, struct pp_run_verdict **out, int *nruns, char *why, size_t len);

/* ---- evaluation ---- */

enum pp_cv {
	PP_CV_WORKLOAD,            /* leave-one-workload-out */
	PP_CV_FAMILY,              /* leave-one-family-out */
	PP_CV_RUN,                 /* by run: K folds of whole runs, stratified by class */
};

/* Parses "leave-one-workload-out", "leave-one-family-out", "by-run" or "by-run:K". */
int pp_cv_parse(const char *s, enum pp_cv *cv, int *k);

/* Assigns every row of ds to a fold (fold[i] in [0, *nfolds)); rows of one run always share
 * a fold. Fold names (workload / family / "runs-k") go to names[f] when names != NULL
 * (pointers owned by ds or static). */
int pp_cv_assign(const struct pp_dataset *ds, enum pp_cv cv, int k, int *fold, int *nfolds,
		 const char ***names);

/* Window-level counts at a threshold and the derived rates (NaN when undefined). */
struct pp_confusion {
	long tp, fp, tn, fn;
	double tpr, fpr, precision, f1, accuracy;
};
void pp_confusion_compute(const double *p, const int *label, int n, double threshold,
			  struct pp_confusion *c);
/* ROC AUC of scores p against labels (1 miner, 0 benign): the probability that a random
 * miner scores above a random benign window, ties counting half. NaN if a class is absent. */
double pp_roc_auc(const double *p, const int *label, int n);

struct pp_eval_opts {
	size_t sz;
	enum pp_cv cv;
	int k;                     /* folds for PP_CV_RUN; 0 = 5 */
	struct pp_train_opts *train;   /* may be NULL: defaults */
	int smooth_k, smooth_n;    /* process-level k-of-n; 0 = 3 of 5 */
	/* Called after each fold, for progress. */
	void (*progress)(void *arg, int fold, int nfolds, const char *name);
	void *progress_arg;
	/* Score the model alone: without the rounding-mode rule beside it. */
	bool model_only;
};

/* Cross-validates on ds: every labelled row gets an out-of-fold p(miner). A window is flagged
 * when p >= the threshold or, unless model_only, the rounding-mode rule fires on its run's
 * windows so far (the rule learns nothing, so it needs no folds). The result is a JSON object
 * (docs/model.md: "eval output") the caller frees with free(). */
int pp_model_eval(const struct pp_dataset *ds, const struct pp_eval_opts *opts, char **json,
		  char *why, size_t len);

#endif
