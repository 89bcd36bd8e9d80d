/* windows.csv (fingerprint/dataset/csv-read.c): any text parses or fails cleanly, never
 * crashes or leaks. What parses is a consistent dataset (every row's run, labels and strings
 * in range, the matrices as large as nrows x columns), and pp_dataset_write_csv's text of it
 * reads back to the same dataset: the same columns, rows, labels and values (NaN as NaN).
 * The input is the whole windows.csv, beside a fixed minimal meta.json; both are parsed in
 * memory, by the functions pp_dataset_read and pp_dataset_write_csv use. */
#include "fingerprint/dataset/dataset-priv.h"

#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static const char meta_json[] =
	"{\"format\": \"powprint-dataset\", \"format_version\": 1, \"feature_version\": 3}";

static int parse(char *buf, size_t n, struct pp_dataset **ds)
{
	struct ds_meta m;
	char why[512] = "";
	int err = ds_meta_parse(meta_json, sizeof(meta_json) - 1, "fuzz/meta.json", &m, why,
				sizeof(why));
	if (err)
		abort();  /* the fixed meta.json is valid */
	err = ds_csv_parse(buf, n, &m, "fuzz", "fuzz/windows.csv", ds, why, sizeof(why));
	ds_meta_free(&m);
	if (err && err != -ENOMEM && !why[0])
		abort();  /* every failure says why */
	return err;
}

static void check_str(const char *s)
{
	if (!s)
		abort();
	(void)strlen(s);  /* ASan: a NUL-terminated string the dataset owns */
}

static void check(const struct pp_dataset *ds)
{
	int nrows = pp_dataset_nrows(ds), nf = pp_dataset_nfeatures(ds);
	int nraw = pp_dataset_nraw(ds), nruns = pp_dataset_nruns(ds);
	if (nrows < 0 || nf < 0 || nraw < 0 || nruns < 0 || nruns > nrows)
		abort();
	if (pp_dataset_nsources(ds) != 1 || pp_dataset_feature_version(ds) != 3)
		abort();
	for (int j = 0; j < nf; j++) {
		const char *name = pp_dataset_feature_name(ds, j);
		check_str(name);
		if (strncmp(name, "f.", 2) != 0 || !name[2] || pp_dataset_feature_index(ds, name) != j)
			abort();  /* f.* names, each once */
	}
	for (int j = 0; j < nraw; j++) {
		const char *name = pp_dataset_raw_name(ds, j);
		check_str(name);
		if (strncmp(name, "raw.", 4) != 0 || !name[4])
			abort();
	}
	if (pp_dataset_feature_name(ds, nf) || pp_dataset_raw_name(ds, nraw) ||
	    pp_dataset_row(ds, nrows))
		abort();
	volatile double sink = 0;
	for (int i = 0; i < nrows; i++) {
		const struct pp_dataset_row *r = pp_dataset_row(ds, i);
		if (!r || r->source != 0 || r->run < 0 || r->run >= nruns || r->run_id < 0)
			abort();
		if (r->label != PP_LABEL_MINER && r->label != PP_LABEL_BENIGN &&
		    r->label != PP_LABEL_UNKNOWN)
			abort();
		check_str(r->workload);
		check_str(r->family);
		check_str(r->variant);
		check_str(r->huge_pages);
		if (!r->workload[0] || !r->family[0])
			abort();  /* a row has a workload; an empty family is the workload */
		if (r->threads < -1 || r->duty < -1 || r->soft_aes < -1 || r->window < -1)
			abort();
		const double *f = pp_dataset_features(ds, i), *raw = pp_dataset_raw(ds, i);
		for (int j = 0; j < nf; j++)
			sink += f[j];  /* ASan: the row is inside the matrix */
		for (int j = 0; j < nraw; j++)
			sink += raw[j];
	}
	(void)sink;
}

static int same_num(double a, double b)
{
	return (isnan(a) && isnan(b)) || a == b;
}

static void same(const struct pp_dataset *a, const struct pp_dataset *b)
{
	int nrows = pp_dataset_nrows(a), nf = pp_dataset_nfeatures(a), nraw = pp_dataset_nraw(a);
	if (pp_dataset_nrows(b) != nrows || pp_dataset_nfeatures(b) != nf ||
	    pp_dataset_nraw(b) != nraw || pp_dataset_nruns(b) != pp_dataset_nruns(a))
		abort();
	for (int j = 0; j < nf; j++)
		if (strcmp(pp_dataset_feature_name(a, j), pp_dataset_feature_name(b, j)))
			abort();
	for (int j = 0; j < nraw; j++)
		if (strcmp(pp_dataset_raw_name(a, j), pp_dataset_raw_name(b, j)))
			abort();
	for (int i = 0; i < nrows; i++) {
		const struct pp_dataset_row *x = pp_dataset_row(a, i), *y = pp_dataset_row(b, i);
		if (x->run_id != y->run_id || x->run != y->run || x->label != y->label ||
		    strcmp(x->workload, y->workload) || strcmp(x->family, y->family) ||
		    strcmp(x->variant, y->variant) || strcmp(x->huge_pages, y->huge_pages) ||
		    x->threads != y->threads || x->duty != y->duty || x->soft_aes != y->soft_aes ||
		    x->window != y->window || x->partial != y->partial ||
		    !same_num(x->t_start, y->t_start) || !same_num(x->t_end, y->t_end) ||
		    !same_num(x->task_clock_s, y->task_clock_s))
			abort();
		const double *fa = pp_dataset_features(a, i), *fb = pp_dataset_features(b, i);
		for (int j = 0; j < nf; j++)
			if (!same_num(fa[j], fb[j]))
				abort();
		const double *ra = pp_dataset_raw(a, i), *rb = pp_dataset_raw(b, i);
		for (int j = 0; j < nraw; j++)
			if (!same_num(ra[j], rb[j]))
				abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* The parser works in place and needs buf[size] (pp_file_read's NUL). */
	char *buf = malloc(size + 1);
	if (!buf)
		return 0;
	memcpy(buf, data, size);
	buf[size] = '\0';
	struct pp_dataset *ds = NULL;
	int err = parse(buf, size, &ds);
	free(buf);  /* the dataset keeps no pointer into the text */
	if (err)
		return 0;
	check(ds);

	char *text;
	size_t n;
	if (ds_csv_format(ds, &text, &n))
		abort();
	struct pp_dataset *back = NULL;
	if (parse(text, n, &back))
		abort();  /* what pp_dataset_write_csv writes reads back */
	free(text);
	check(back);
	same(ds, back);
	pp_dataset_free(back);
	pp_dataset_free(ds);
	return 0;
}
