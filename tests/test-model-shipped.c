/* The shipped model on the shipped dataset: p(miner) of every window is bit-identical to the
 * figures in tests/vectors/shipped-model-pminer.txt, computed when both were last replaced. A refactoring of the collector, features, dataset or model code that changes
 * any prediction (a reordered sum, a different parse of a CSV double) fails here. */
#include <criterion/criterion.h>

#include <powprint/dataset.h>
#include <powprint/model.h>

#include "support/testutil.h"

#include <math.h>
#include <stdlib.h>

#define SHIPPED_MODEL PP_SOURCE_DIR "/data/models/pmu-less"
#define SHIPPED_DATA PP_SOURCE_DIR "/data/datasets/reference-pmu-less"

Test(model_shipped, p_miner_bit_identical, .timeout = 120)
{
	char why[512] = "";
	struct pp_dataset *ds = NULL;
	struct pp_model *m = NULL;
	cr_assert_eq(pp_dataset_read(SHIPPED_DATA, &ds, why, sizeof(why)), 0, "%s", why);
	cr_assert_eq(pp_model_load(SHIPPED_MODEL, NULL, 0, &m, why, sizeof(why)), 0, "%s", why);

	int nf = pp_model_nfeatures(m), nrows = pp_dataset_nrows(ds);
	int *map = malloc(sizeof(*map) * nf);
	double *X = malloc(sizeof(*X) * (size_t)nrows * nf), *p = malloc(sizeof(*p) * nrows);
	cr_assert(map && X && p);
	cr_assert_eq(pp_model_bind(m, ds, map), 0, "the shipped dataset has every model feature");
	for (int i = 0; i < nrows; i++) {
		const double *f = pp_dataset_features(ds, i);
		for (int j = 0; j < nf; j++)
			X[(size_t)i * nf + j] = map[j] >= 0 ? f[map[j]] : NAN;
	}
	cr_assert_eq(pp_model_predict_many(m, X, nrows, nf, p), 0);

	struct pp_vec_line *lines;
	int n = pp_vec_load("shipped-model-pminer.txt", &lines);
	cr_assert_eq(n, nrows, "one reference value per window: %d values, %d windows", n, nrows);
	for (int k = 0; k < n; k++) {
		long run_id = strtol(lines[k].field[0], NULL, 10);
		int window = (int)strtol(lines[k].field[1], NULL, 10);
		double want = strtod(lines[k].field[2], NULL);
		int found = -1;
		for (int i = 0; i < nrows && found < 0; i++) {
			const struct pp_dataset_row *r = pp_dataset_row(ds, i);
			if (r->run_id == run_id && r->window == window)
				found = i;
		}
		cr_assert_geq(found, 0, "line %d: run %ld window %d is in the dataset",
			      lines[k].lineno, run_id, window);
		cr_expect_eq(p[found], want, "line %d: run %ld window %d: p = %a, was %a",
			     lines[k].lineno, run_id, window, p[found], want);
	}
	pp_vec_free(lines, n);
	free(map), free(X), free(p);
	pp_model_free(m);
	pp_dataset_free(ds);
}
