/* The dataset reader: RFC 4180 edge cases (quotes, "" escapes, newlines in quotes, CRLF,
 * empty = NaN, BOM), clear errors with line and column, write/read round trip, and merging
 * several directories. */
#include "data/model/synth.h"
#include "support/testutil.h"

#include <criterion/criterion.h>
#include <errno.h>
#include <math.h>
#include <powprint/dataset.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *meta_ok =
	"{\"format\": \"powprint-dataset\", \"format_version\": 1, \"feature_version\": 3,"
	" \"backends\": {\"perf-sw\": {\"available\": true}, \"perf-hw\": {\"available\": false}}}";

static void put(const char *dir, const char *name, const char *text)
{
	char path[4096];
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	FILE *f = fopen(path, "wb");
	cr_assert_not_null(f);
	fputs(text, f);
	fclose(f);
}

/* Reads a dataset made of csv (and meta_ok); returns the error, *ds on success. */
static int read_csv(const char *csv, struct pp_dataset **ds, char *why, size_t len)
{
	char *dir = synth_tmpdir();
	put(dir, "meta.json", meta_ok);
	put(dir, "windows.csv", csv);
	int err = pp_dataset_read(dir, ds, why, len);
	synth_rmrf(dir);
	free(dir);
	return err;
}

Test(dataset, rfc4180_edge_cases)
{
	const char *csv =
		"\xef\xbb\xbfrun_id,workload,class,family,variant,threads,duty,extra,f.x,raw.n,f.y\r\n"
		"0,\"cn/r\",miner,cryptonight,\"cn/r\",2,100,\"ignored, really\",1.5,10,\r\n"
		"\r\n"
		"1,\"a \"\"quoted\"\", comma\",benign,,,,,,\"-2e3\",,7\n"
		"1,\"two\nlines\",benign,fam,\"\",1,20,x, nan ,3,0.25";  /* no final newline */
	struct pp_dataset *ds;
	char why[512] = "";
	cr_assert_eq(read_csv(csv, &ds, why, sizeof(why)), 0, "%s", why);
	cr_assert_eq(pp_dataset_nrows(ds), 3);
	cr_assert_eq(pp_dataset_nfeatures(ds), 2);
	cr_assert_str_eq(pp_dataset_feature_name(ds, 0), "f.x");
	cr_assert_str_eq(pp_dataset_feature_name(ds, 1), "f.y");
	cr_assert_eq(pp_dataset_nraw(ds), 1);
	cr_assert_eq(pp_dataset_feature_version(ds), 3);

	const struct pp_dataset_row *r = pp_dataset_row(ds, 0);
	cr_assert_str_eq(r->workload, "cn/r");
	cr_assert_eq(r->label, PP_LABEL_MINER);
	cr_assert_eq(r->threads, 2);
	cr_assert_eq(r->duty, 100);
	cr_assert_eq(r->soft_aes, -1, "a missing column reads as -1");
	cr_assert(isnan(r->t_end));
	cr_assert_eq(pp_dataset_features(ds, 0)[0], 1.5);
	cr_assert(isnan(pp_dataset_features(ds, 0)[1]), "an empty field is NaN, not 0");
	cr_assert_eq(pp_dataset_raw(ds, 0)[0], 10);

	r = pp_dataset_row(ds, 1);
	cr_assert_str_eq(r->workload, "a \"quoted\", comma");
	cr_assert_str_eq(r->family, r->workload, "an empty family falls back to the workload");
	cr_assert_eq(r->threads, -1);
	cr_assert_eq(pp_dataset_features(ds, 1)[0], -2000);
	cr_assert(isnan(pp_dataset_raw(ds, 1)[0]));
	cr_assert_eq(pp_dataset_features(ds, 1)[1], 7);

	r = pp_dataset_row(ds, 2);
	cr_assert_str_eq(r->workload, "two\nlines");
	cr_assert_str_eq(r->family, "fam");
	cr_assert(isnan(pp_dataset_features(ds, 2)[0]), "'nan' reads as NaN");
	cr_assert_eq(pp_dataset_features(ds, 2)[1], 0.25);
	/* Rows 1 and 2 share run_id 1 in one source: one run. */
	cr_assert_eq(pp_dataset_row(ds, 1)->run, pp_dataset_row(ds, 2)->run);
	cr_assert_neq(pp_dataset_row(ds, 0)->run, pp_dataset_row(ds, 1)->run);
	cr_assert_eq(pp_dataset_nruns(ds), 2);

	const struct pp_dataset_source *s = pp_dataset_source(ds, 0);
	cr_assert_eq(s->nbackends, 1, "only available backends are listed");
	cr_assert_str_eq(s->backends[0], "perf-sw");
	pp_dataset_free(ds);
}

struct bad_csv {
	int line;
	const char *csv;
	int err;
	const char *why1, *why2;   /* substrings the message must hold */
};

static const struct bad_csv bad[] = {
	{ __LINE__, "run_id,workload,class,f.x\n0,a,miner,\"1.5\n", -EBADMSG, "never closed",
	  "line 2" },
	{ __LINE__, "run_id,workload,class,f.x\n0,a,miner,1\n1,b,benign\n", -EBADMSG, "line 3",
	  "3 fields" },
	{ __LINE__, "run_id,workload,class,f.x\n0,a,miner,1\n0,a,miner,abc\n", -EBADMSG,
	  "line 3", "'f.x'" },
	{ __LINE__, "run_id,workload,class,f.x\n0,a,robot,1\n", -EBADMSG, "robot", "miner" },
	{ __LINE__, "run_id,class,f.x\n0,miner,1\n", -EBADMSG, "'workload'", "column" },
	{ __LINE__, "run_id,workload,class,f.x\n0,a,miner,\"1\"x\n", -EBADMSG, "closing quote",
	  "line 2" },
	{ __LINE__, "run_id,workload,class,f.x,f.x\n0,a,miner,1,2\n", -EBADMSG, "twice", "f.x" },
	{ __LINE__, "run_id,workload,class,f.x\n-1,a,miner,1\n", -EBADMSG, "run_id", "line 2" },
	{ __LINE__, "", -EBADMSG, "empty", "header" },
};

Test(dataset, malformed_csv_says_where)
{
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct pp_dataset *ds = NULL;
		char why[512] = "";
		int err = read_csv(bad[i].csv, &ds, why, sizeof(why));
		cr_assert_eq(err, bad[i].err, "case at line %d: %d (%s)", bad[i].line, err, why);
		cr_assert(strstr(why, bad[i].why1) && strstr(why, bad[i].why2),
			  "case at line %d: message '%s'", bad[i].line, why);
	}
}

Test(dataset, missing_or_foreign_meta)
{
	char *dir = synth_tmpdir();
	char why[512] = "";
	struct pp_dataset *ds;
	put(dir, "windows.csv", "run_id,workload,class\n0,a,miner\n");
	cr_assert_eq(pp_dataset_read(dir, &ds, why, sizeof(why)), -ENOENT);
	cr_assert(strstr(why, "meta.json"), "%s", why);

	put(dir, "meta.json", "{\"format\": \"something-else\"}");
	cr_assert_eq(pp_dataset_read(dir, &ds, why, sizeof(why)), -EBADMSG);
	cr_assert(strstr(why, "not a powprint dataset") && strstr(why, "something-else"), "%s",
		  why);

	put(dir, "meta.json", "{\"format\": \"powprint-dataset\", ");
	cr_assert_eq(pp_dataset_read(dir, &ds, why, sizeof(why)), -EBADMSG);
	cr_assert(strstr(why, "not valid JSON"), "%s", why);

	put(dir, "meta.json", "{\"format\": \"powprint-dataset\", \"features\": [\"f.q\"]}");
	put(dir, "windows.csv", "run_id,workload,class,f.x\n0,a,miner,1\n");
	cr_assert_eq(pp_dataset_read(dir, &ds, why, sizeof(why)), -EBADMSG);
	cr_assert(strstr(why, "f.q"), "%s", why);

	/* Listed twice, f.x stood in for the f.y meta.json does not list. */
	put(dir, "meta.json", "{\"format\": \"powprint-dataset\", \"features\": [\"f.x\", "
	    "\"f.x\"]}");
	put(dir, "windows.csv", "run_id,workload,class,f.x,f.y\n0,a,miner,1,2\n");
	cr_assert_eq(pp_dataset_read(dir, &ds, why, sizeof(why)), -EBADMSG);
	cr_assert(strstr(why, "'f.x' twice"), "%s", why);

	put(dir, "meta.json", "{\"format\": \"powprint-dataset\", \"format_version\": 7}");
	cr_assert_eq(pp_dataset_read(dir, &ds, why, sizeof(why)), -EINVAL);
	cr_assert(strstr(why, "/meta.json has format_version 7; this powprint reads version 1: "
			  "upgrade powprint"), "%s", why);
	synth_rmrf(dir);
	free(dir);
}

Test(dataset, write_read_round_trip)
{
	struct pp_dataset *ds = synth_dataset(2, 3, 7, 0);
	/* A name that needs quoting, and values that need all 17 digits. */
	const char *names[] = { "f.a" };
	struct pp_dataset *odd;
	cr_assert_eq(pp_dataset_new(names, 1, NULL, 0, &odd), 0);
	struct pp_dataset_row row = { .run_id = 5, .workload = "we\"ird, name\r\n",
				      .label = PP_LABEL_UNKNOWN, .threads = -1, .duty = -1,
				      .soft_aes = -1, .window = 0, .t_start = NAN,
				      .t_end = 0.1, .task_clock_s = NAN };
	double x = 1.0 / 3.0;
	cr_assert_eq(pp_dataset_add_row(odd, &row, &x, NULL), 0);

	struct pp_dataset *sets[] = { ds, odd };
	for (int k = 0; k < 2; k++) {
		struct pp_dataset *a = sets[k], *b;
		char *dir = synth_tmpdir();
		char why[512] = "";
		synth_write(a, dir, 1, 0);
		cr_assert_eq(pp_dataset_read(dir, &b, why, sizeof(why)), 0, "%s", why);
		cr_assert_eq(pp_dataset_nrows(b), pp_dataset_nrows(a));
		cr_assert_eq(pp_dataset_nfeatures(b), pp_dataset_nfeatures(a));
		cr_assert_eq(pp_dataset_nruns(b), pp_dataset_nruns(a));
		for (int i = 0; i < pp_dataset_nrows(a); i++) {
			const struct pp_dataset_row *ra = pp_dataset_row(a, i),
						    *rb = pp_dataset_row(b, i);
			cr_assert_str_eq(rb->workload, ra->workload);
			cr_assert_str_eq(rb->family, ra->family);
			cr_assert_eq(rb->label, ra->label);
			cr_assert_eq(rb->run_id, ra->run_id);
			cr_assert_eq(rb->duty, ra->duty);
			cr_assert_eq(rb->soft_aes, ra->soft_aes);
			cr_assert_eq(rb->window, ra->window);
			cr_assert(rb->t_end == ra->t_end);
			cr_assert(isnan(ra->t_start) == isnan(rb->t_start));
			for (int j = 0; j < pp_dataset_nfeatures(a); j++) {
				double u = pp_dataset_features(a, i)[j];
				double v = pp_dataset_features(b, i)[j];
				cr_assert(u == v || (isnan(u) && isnan(v)),
					  "row %d feature %d: %.17g != %.17g", i, j, u, v);
			}
		}
		synth_rmrf(dir);
		free(dir);
		pp_dataset_free(a);
		pp_dataset_free(b);
	}
}

Test(dataset, read_many_merges_and_checks_versions)
{
	struct pp_dataset *a = synth_dataset(1, 2, 1, 0);
	/* b lacks f.b and has an extra feature. */
	const char *fb[] = { "f.a", "f.nan", "f.d", "f.e", "f.extra" };
	struct pp_dataset *b;
	cr_assert_eq(pp_dataset_new(fb, 5, NULL, 0, &b), 0);
	struct pp_dataset_row row = { .run_id = 0, .workload = "cn/0", .label = PP_LABEL_MINER,
				      .window = 0 };
	double v[5] = { 9, NAN, 1, 2, 3 };
	cr_assert_eq(pp_dataset_add_row(b, &row, v, NULL), 0);
	char *d1 = synth_tmpdir(), *d2 = synth_tmpdir(), *d3 = synth_tmpdir();
	synth_write(a, d1, 1, 1);
	synth_write(b, d2, 1, 0);
	synth_write(b, d3, 2, 0);
	char why[512] = "";
	struct pp_dataset *m;
	const char *dirs[] = { d1, d2 };
	cr_assert_eq(pp_dataset_read_many(dirs, 2, &m, why, sizeof(why)), 0, "%s", why);
	cr_assert_eq(pp_dataset_nrows(m), pp_dataset_nrows(a) + 1);
	cr_assert_eq(pp_dataset_nfeatures(m), 4, "the intersection of the columns");
	cr_assert_eq(pp_dataset_feature_index(m, "f.b"), -ENOENT);
	cr_assert_eq(pp_dataset_feature_index(m, "f.extra"), -ENOENT);
	cr_assert(strstr(pp_dataset_notes(m), "f.b") && strstr(pp_dataset_notes(m), "f.extra"),
		  "%s", pp_dataset_notes(m));
	int last = pp_dataset_nrows(m) - 1;
	cr_assert_eq(pp_dataset_features(m, last)[pp_dataset_feature_index(m, "f.a")], 9);
	/* run_id 0 exists in both directories: two different runs. */
	cr_assert_eq(pp_dataset_row(m, 0)->run_id, pp_dataset_row(m, last)->run_id);
	cr_assert_neq(pp_dataset_row(m, 0)->run, pp_dataset_row(m, last)->run);
	cr_assert_eq(pp_dataset_row(m, last)->source, 1);
	cr_assert_eq(pp_dataset_nsources(m), 2);
	cr_assert_str_eq(pp_dataset_source(m, 0)->host_cpu, "Synthetic CPU @ 1.00GHz");
	cr_assert_str_eq(pp_dataset_source(m, 1)->first_start, "2024-05-01T10:00:00Z");
	const char *const *names;
	int k = pp_dataset_feature_backends(m, pp_dataset_feature_index(m, "f.e"), &names);
	cr_assert_eq(k, 1);
	cr_assert_str_eq(names[0], "ip-sample");
	pp_dataset_free(m);

	const char *mixed[] = { d1, d3 };
	cr_assert_eq(pp_dataset_read_many(mixed, 2, &m, why, sizeof(why)), -EINVAL);
	cr_assert(strstr(why, "version 2") && strstr(why, d3), "%s", why);
	for (char **d = (char *[]){ d1, d2, d3, NULL }; *d; d++) {
		synth_rmrf(*d);
		free(*d);
	}
	pp_dataset_free(a);
	pp_dataset_free(b);
}

/* A header of 200000 columns, listed in meta.json too, reads in well under a second: the
 * duplicate-name checks of the header and of meta.json's "features" were quadratic (minutes
 * for a file of a few megabytes), and still find a duplicate at the very end. */
Test(dataset, wide_header_is_linear, .timeout = 60)
{
	enum { N = 200000 };
	size_t cap = (size_t)N * 16 + 256;
	char *csv = malloc(cap), *meta = malloc(cap);
	cr_assert(csv && meta);
	size_t c = (size_t)sprintf(csv, "run_id,workload,class");
	size_t m = (size_t)sprintf(meta, "{\"format\": \"powprint-dataset\", \"features\": [");
	for (int j = 0; j < N; j++) {
		c += (size_t)sprintf(csv + c, ",f.x%d", j);
		m += (size_t)sprintf(meta + m, "%s\"f.x%d\"", j ? ", " : "", j);
	}
	strcpy(meta + m, "]}");
	strcpy(csv + c, "\n");
	char *dir = synth_tmpdir(), why[512] = "";
	put(dir, "meta.json", meta);
	put(dir, "windows.csv", csv);
	struct pp_dataset *ds;
	cr_assert_eq(pp_dataset_read(dir, &ds, why, sizeof(why)), 0, "%s", why);
	cr_assert_eq(pp_dataset_nfeatures(ds), N);
	pp_dataset_free(ds);
	strcpy(csv + c, ",f.x7\n");
	put(dir, "windows.csv", csv);
	cr_assert_eq(pp_dataset_read(dir, &ds, why, sizeof(why)), -EBADMSG);
	cr_assert(strstr(why, "'f.x7' appears twice"), "%s", why);
	synth_rmrf(dir);
	free(dir);
	free(csv);
	free(meta);
}
