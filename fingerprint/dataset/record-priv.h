/* Internals of the recorder (fingerprint/dataset/record*.c; its meta.json writer is in meta.c). */
#ifndef PP_RECORD_PRIV_H
#define PP_RECORD_PRIV_H

#include <powprint/collect.h>
#include <powprint/dataset.h>
#include <powprint/features.h>
#include <powprint/record.h>
#include <powprint/workload.h>

#include <cjson/cJSON.h>

#define REC_MAX_SKIPPED 64

/* One planned run of a catalog workload. */
struct rec_run {
	const struct pp_workload *w;
	int threads, duty, rep;
	bool soft_aes;
	const char *pages;      /* the miners' --huge-pages: "auto", "on" or "off" */
};

struct rec_plan {
	struct rec_run *run;
	int n;
	struct { char why[300]; } skipped[REC_MAX_SKIPPED];
	int nskipped;
};

int rec_plan_build(const struct pp_record_opts *o, struct rec_plan *plan, char *why, size_t len);
void rec_plan_free(struct rec_plan *plan);

/* The labels and knobs every row of one run carries. */
struct rec_labels {
	long run_id;
	const char *workload, *cls, *family, *variant, *huge_pages;
	int threads, duty, soft_aes;
};

/* How one run ended. */
struct rec_outcome {
	int windows;
	bool ok;
	char status[320];           /* "ok" or what went wrong */
	double rate;                /* the workload's own throughput (catalog runs) */
	char unit[16];
	bool verified;
};

/* Where rows go: the dataset in memory, created on the first window when new. */
struct rec_sink {
	struct pp_dataset *ds;
	const struct pp_record_opts *o;
	void (*on_window)(struct rec_sink *s, const struct pp_window *w, double run_seconds);
	void *arg;
};

/* Runs one catalog workload in a forked child, collecting its windows into the sink. */
int rec_run_catalog(const struct rec_run *r, const struct rec_labels *lab,
		    const struct pp_collect_opts *co, double seconds, struct rec_sink *sink,
		    struct rec_outcome *out);
/* Collects an external command (cmd) or an existing process (pid). */
int rec_run_external(const struct pp_record_opts *o, const struct rec_labels *lab,
		     const struct pp_collect_opts *co, struct rec_sink *sink,
		     struct rec_outcome *out);
/* Appends the window as a row (creating the dataset's columns on the first one). */
int rec_sink_add(struct rec_sink *s, const struct rec_labels *lab, const struct pp_window *w);

/* meta.json (meta.c): load (or start) it, record a finished run, write it atomically;
 * record-meta.c: check that a recording may extend it, and the next free run id. */
cJSON *rec_meta_load(const char *dir, char *why, size_t len);
int rec_meta_check(cJSON *meta, const struct pp_collect_opts *co, const char *dir, char *why,
		   size_t len);
void rec_meta_begin(cJSON *meta, const struct pp_record_opts *o, const struct pp_collect_opts *co);
void rec_meta_add_run(cJSON *meta, const struct rec_labels *lab, const struct rec_outcome *out);
int rec_meta_write(cJSON *meta, const struct pp_dataset *ds, const char *dir);
long rec_meta_next_run_id(cJSON *meta, const struct pp_dataset *ds);

#endif
