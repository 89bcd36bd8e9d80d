/* Inside the dataset container: the struct behind struct pp_dataset and what its files share.
 *   intern.c      interned strings and the (source, run_id) -> run index table
 *   dataset.c     the container: columns, rows, accessors, sources, read_many's merge
 *   csv-read.c    windows.csv (RFC 4180) and pp_dataset_read
 *   csv-write.c   pp_dataset_write_csv
 *   meta.c        meta.json: its reader (declared here) and the recorder's writer
 *                 (declared in record-priv.h), side by side */
#ifndef PP_DATASET_PRIV_H
#define PP_DATASET_PRIV_H

#include <powprint/dataset.h>

#include <cjson/cJSON.h>
#include <stddef.h>
#include <stdint.h>

/* ---- intern.c: open-addressing tables ---- */

struct strtab {
	char **slot;
	size_t cap, n;
};

struct runtab {
	int64_t *key;
	int *val;
	size_t cap, n;
};

/* The table's copy of s ("" for NULL), added on first sight; NULL when out of memory. */
const char *ds_intern(struct strtab *t, const char *s);
/* The table's copy of s, or NULL when it has none. */
const char *ds_find(const struct strtab *t, const char *s);
/* Dense index of run (source, run_id), allocated on first sight as (*nruns)++; -ENOMEM on
 * failure. */
int ds_run_index(struct runtab *t, int *nruns, int source, long run_id);
void ds_strtab_free(struct strtab *t);
void ds_runtab_free(struct runtab *t);

/* ---- dataset.c: the container ---- */

struct pp_dataset {
	int nf, nraw;
	char **fname, **rname;
	int nrows, cap;
	struct pp_dataset_row *rows;
	double *X, *R;
	int nruns;
	int feature_version;
	struct strtab strs;
	struct runtab runs;
	int nsources;
	struct pp_dataset_source *sources;
	/* Per feature: backend names (interned) or nfb[j] == -1 when unknown. */
	const char ***fb;
	int *nfb;
	char *notes;
	size_t notes_len;
};

/* Appends a row of source `source` (its strings interned, f or raw NULL: all NaN). */
int ds_add_row_src(struct pp_dataset *ds, const struct pp_dataset_row *row, int source,
		   const double *f, const double *raw);
/* Appends a copy of src (its strings interned). */
int ds_add_source(struct pp_dataset *ds, const struct pp_dataset_source *src);

/* ---- windows.csv: the fixed columns, in the order pp_dataset_write_csv writes them ---- */

enum ds_fixed_col {
	C_RUN_ID, C_WORKLOAD, C_CLASS, C_FAMILY, C_VARIANT, C_THREADS, C_DUTY, C_SOFT_AES,
	C_HUGE_PAGES, C_WINDOW, C_T_START, C_T_END, C_TASK_CLOCK_S, C_PARTIAL, C_NFIXED
};

/* Column names of the fixed columns (csv-read.c). */
extern const char *const ds_fixed_names[C_NFIXED];

/* ---- csv-read.c: windows.csv's text into a dataset ---- */

struct ds_meta;
/* pp_dataset_read's parser: windows.csv's n bytes at buf, parsed in place (buf[n] must be
 * writable: pp_file_read's NUL), with the meta.json already read into m (its src.dir is set to
 * dir); path names the file in messages. The dataset keeps no pointer into buf; buf and m stay
 * the caller's to free. */
int ds_csv_parse(char *buf, size_t n, struct ds_meta *m, const char *dir, const char *path,
		 struct pp_dataset **out, char *why, size_t len);

/* ---- csv-write.c ---- */

/* pp_dataset_write_csv's text: windows.csv in a malloc'd, NUL-terminated buffer of *n bytes. */
int ds_csv_format(const struct pp_dataset *ds, char **buf, size_t *n);

/* ---- meta.c: reading meta.json ---- */

struct ds_meta {
	cJSON *root;
	struct pp_dataset_source src;   /* everything but dir, which the caller sets */
	const char **backends;
	char first[64], last[64];
};

/* Reads dir/meta.json into m; ds_meta_free(m) afterwards, also on failure. */
int ds_meta_read(const char *dir, struct ds_meta *m, char *why, size_t len);
/* ds_meta_read's parser: meta.json's text (n bytes; path names it in messages). m's strings
 * point into m->root, not into text. ds_meta_free(m) afterwards, also on failure. */
int ds_meta_parse(const char *text, size_t n, const char *path, struct ds_meta *m, char *why,
		  size_t len);
void ds_meta_free(struct ds_meta *m);
/* meta.json's "features" (when given) must name exactly windows.csv's f.* columns. */
int ds_meta_check_features(const struct ds_meta *m, const char *const *fnames, int nf,
			   const char *dir, char *why, size_t len);
/* Sets the features' backends from meta.json's "feature_backends" (when given). */
int ds_meta_apply_feature_backends(struct pp_dataset *ds, const struct ds_meta *m);

#endif
