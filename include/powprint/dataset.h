/* A labelled counter dataset in memory: rows (one per counting window of one run) x columns of
 * doubles for the feature vector (`f.<name>`) and the raw counts (`raw.<name>`), plus per-row
 * labels and knobs. NaN means "not available", never 0. The on-disk form (windows.csv +
 * meta.json) is described in docs/dataset.md; train, eval and classify read it, and the
 * recorder builds the same structure row by row and writes it with pp_dataset_write_csv(). */
#ifndef POWPRINT_DATASET_H
#define POWPRINT_DATASET_H

#include <stdbool.h>
#include <stddef.h>

struct pp_dataset;

enum pp_label {
	PP_LABEL_UNKNOWN = -1,      /* class column empty (unlabelled recording) */
	PP_LABEL_BENIGN = 0,
	PP_LABEL_MINER = 1,
};

/* The fixed columns of one row. Strings are owned by the dataset (interned: rows of one
 * workload share one pointer). Integers not given in the CSV are -1; doubles are NaN. */
struct pp_dataset_row {
	long run_id;                /* as written in the CSV (unique within one source dir) */
	int run;                    /* dense run index over the whole dataset: (source, run_id) */
	int source;                 /* index of the source directory the row came from */
	const char *workload;
	enum pp_label label;
	const char *family;         /* fingerprint family; the workload when the CSV's is empty */
	const char *variant;        /* "" when empty */
	int threads, duty, soft_aes;
	const char *huge_pages;     /* "" when empty */
	int window;
	double t_start, t_end, task_clock_s;
	bool partial;
};

/* Where a dataset's rows came from: one per directory read. */
struct pp_dataset_source {
	const char *dir;
	int feature_version;
	const char *host_cpu;       /* meta.json host.cpu.brand, "" when absent */
	const char *host_arch;
	int host_hw_pmu;            /* meta.json host.counters.hardware_pmu: 1, 0, -1 unknown */
	const char *first_start;    /* earliest commands[].start, "" when absent (ISO 8601) */
	const char *last_end;       /* latest commands[].end */
	const char *const *backends; /* backends meta.json marks available */
	int nbackends;
};

/* An empty dataset with these feature and raw column names (full names, "f.x" / "raw.y"). */
int pp_dataset_new(const char *const *features, int nfeatures, const char *const *raw,
		   int nraw, struct pp_dataset **out);

/* Appends a row; strings in *row are copied, row->run and row->source are computed from
 * run_id (source 0). raw may be NULL when the dataset has no raw columns; NaN = missing. */
int pp_dataset_add_row(struct pp_dataset *ds, const struct pp_dataset_row *row,
		       const double *features, const double *raw);

/* Reads DIR/windows.csv and DIR/meta.json. On failure returns -ENOENT (missing file),
 * -EBADMSG (malformed: which line, which column), -EINVAL or -ENOMEM and says why. */
int pp_dataset_read(const char *dir, struct pp_dataset **out, char *why, size_t len);

/* Reads several directories into one dataset. They must share the feature-vector version
 * (else -EINVAL naming both); features present in some and not others are dropped (the
 * intersection is kept, in the first directory's order) and listed by pp_dataset_notes(). */
int pp_dataset_read_many(const char *const *dirs, int ndirs, struct pp_dataset **out,
			 char *why, size_t len);

/* Writes the rows as windows.csv (fixed columns, raw.*, f.*) to path, atomically. */
int pp_dataset_write_csv(const struct pp_dataset *ds, const char *path, char *why, size_t len);

void pp_dataset_free(struct pp_dataset *ds);

int pp_dataset_nrows(const struct pp_dataset *ds);
int pp_dataset_nruns(const struct pp_dataset *ds);
int pp_dataset_nfeatures(const struct pp_dataset *ds);
int pp_dataset_nraw(const struct pp_dataset *ds);
const char *pp_dataset_feature_name(const struct pp_dataset *ds, int j);   /* "f.x" */
const char *pp_dataset_raw_name(const struct pp_dataset *ds, int j);       /* "raw.y" */
/* Index of a feature column by full name, or -ENOENT. */
int pp_dataset_feature_index(const struct pp_dataset *ds, const char *name);
const struct pp_dataset_row *pp_dataset_row(const struct pp_dataset *ds, int i);
/* Row i's feature vector (pp_dataset_nfeatures doubles); rows are contiguous, so
 * pp_dataset_features(ds, 0) is the whole row-major matrix. */
const double *pp_dataset_features(const struct pp_dataset *ds, int i);
const double *pp_dataset_raw(const struct pp_dataset *ds, int i);

/* Feature-vector version of the sources (0 for a dataset built in memory). */
int pp_dataset_feature_version(const struct pp_dataset *ds);
void pp_dataset_set_feature_version(struct pp_dataset *ds, int version);
int pp_dataset_nsources(const struct pp_dataset *ds);
const struct pp_dataset_source *pp_dataset_source(const struct pp_dataset *ds, int i);

/* Backends feature j needs, from meta.json's optional "feature_backends" object. Returns
 * the count (and *names), or -ENOENT when no source says: then the feature is assumed to
 * need every backend its sources had available. */
int pp_dataset_feature_backends(const struct pp_dataset *ds, int j, const char *const **names);
/* Sets feature j's backends (the recorder, tests). */
int pp_dataset_set_feature_backends(struct pp_dataset *ds, int j, const char *const *names,
				    int n);

/* Things a person should know about how the dataset was assembled ("" when none). */
const char *pp_dataset_notes(const struct pp_dataset *ds);

#endif
