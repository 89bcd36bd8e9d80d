/* Run-level classification: a run's windows in order through the model and k-of-n smoothing,
 * and a dataset's rows grouped into runs (by run, then window) so that each run is classified
 * on its own. classify prints these; docs/model.md describes the smoothing. */
#define _GNU_SOURCE  /* qsort_r */
#include "fingerprint/model/model-priv.h"

#include <powprint/error.h>

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

int pp_model_classify_run(const struct pp_model *m, const double *X, int nrows, int stride,
			  const struct pp_evidence *ev, int k, int n, double *p, bool *rule,
			  struct pp_run_verdict *out)
{
	if (!m || !X || !p || !out || nrows < 1 || stride < m->nf || (ev && !rule))
		return -EINVAL;
	struct pp_kofn *s;
	int err = pp_kofn_new(k, n, &s);
	if (err)
		return err;
	memset(out, 0, sizeof(*out));
	out->run = -1;
	out->nwindows = nrows;
	out->p = p;
	out->rule = ev ? rule : NULL;
	out->first_miner = -1;
	struct pp_round_tally tally;
	pp_round_tally_init(&tally, PP_ROUND_WINDOWS);
	if ((err = pp_model_predict_many(m, X, nrows, stride, p)) ||
	    (err = pp_model_explain(m, X, nrows, stride, &out->v)))
		goto out;
	for (int i = 0; i < nrows; i++) {
		bool fired = ev && pp_round_tally_push(&tally, &ev[i]);
		if (ev)
			rule[i] = fired;
		bool w = p[i] >= m->threshold || fired;
		out->windows_flagged += w;
		out->windows_rule += fired;
		if (pp_kofn_push(s, w) && out->first_miner < 0)
			out->first_miner = i;
	}
	out->miner = out->first_miner >= 0;
	pp_round_verdict_fill(&tally, &out->v);
out:
	pp_kofn_free(s);
	return err;
}

/* Run, then window; rows that tie keep the dataset's order. */
static int cmp_run_window(const void *a, const void *b, void *ds)
{
	int i = *(const int *)a, j = *(const int *)b;
	const struct pp_dataset_row *x = pp_dataset_row(ds, i), *y = pp_dataset_row(ds, j);
	if (x->run != y->run)
		return x->run < y->run ? -1 : 1;
	if (x->window != y->window)
		return x->window < y->window ? -1 : 1;
	return (i > j) - (i < j);
}

int pp_model_classify_runs(const struct pp_model *m, const struct pp_dataset *ds, int k,
			   int n, struct pp_run_verdict **out, int *nruns, char *why, size_t len)
{
	if (!m || !ds || !out || !nruns)
		return pp_why(why, len, -EINVAL, "no model or dataset given");
	*out = NULL;
	*nruns = 0;
	struct pp_kofn *s;
	if (pp_kofn_new(k, n, &s))
		return pp_why(why, len, -EINVAL, "cannot smooth %d of the last %d windows: need "
			      "1 <= k <= n", k, n);
	pp_kofn_free(s);
	int mv = m->feature_version, dv = pp_dataset_feature_version(ds);
	if (mv && dv && mv != dv)
		return pp_why(why, len, -EINVAL, "the model uses feature-vector version %d but the "
			      "data has version %d: record the data again or train a model on data "
			      "of this version", mv, dv);
	int nf = m->nf, rows = pp_dataset_nrows(ds), err = -ENOMEM;
	int *map = malloc(((size_t)nf + 1) * sizeof(*map));
	int *ord = malloc(((size_t)rows + 1) * sizeof(*ord));
	double *X = malloc(((size_t)rows + 1) * ((size_t)nf + 1) * sizeof(*X));
	struct pp_evidence *ev = malloc(((size_t)rows + 1) * sizeof(*ev));
	struct pp_run_verdict *rv = NULL;
	if (!map || !ord || !X || !ev) {
		pp_why(why, len, err, "out of memory");
		goto out;
	}
	if (pp_model_bind(m, ds, map) == nf) {
		err = pp_why(why, len, -EINVAL, "the data has none of the model's %d features "
			     "(e.g. %s)", nf, pp_model_feature_name(m, 0));
		goto out;
	}
	int ecols[2];
	pp_evidence_bind(ds, ecols);
	bool have_ev = ecols[0] >= 0 && ecols[1] >= 0;
	for (int i = 0; i < rows; i++)
		ord[i] = i;
	qsort_r(ord, (size_t)rows, sizeof(*ord), cmp_run_window, (void *)ds);
	int nr = 0;
	for (int i = 0; i < rows; i++) {
		nr += i == 0 || pp_dataset_row(ds, ord[i])->run != pp_dataset_row(ds, ord[i - 1])->run;
		pp_evidence_from_row(ds, ecols, ord[i], &ev[i]);
		const double *x = pp_dataset_features(ds, ord[i]);
		for (int j = 0; j < nf; j++)
			X[(size_t)i * nf + j] = map[j] >= 0 ? x[map[j]] : NAN;
	}
	/* One block the caller frees: the verdicts, then every row's p, the row order and the
	 * rule's verdicts (the verdicts hold doubles, so the p that follow them are aligned). */
	rv = malloc((size_t)nr * sizeof(*rv) +
		    (size_t)rows * (sizeof(double) + sizeof(int) + sizeof(bool)) + 1);
	if (!rv) {
		pp_why(why, len, err, "out of memory");
		goto out;
	}
	double *p = (double *)(rv + nr);
	int *rord = (int *)(p + rows);
	bool *rule = (bool *)(rord + rows);
	memcpy(rord, ord, (size_t)rows * sizeof(*rord));
	err = 0;
	for (int a = 0, r = 0; a < rows && !err; r++) {
		int run = pp_dataset_row(ds, rord[a])->run, b = a;
		while (b < rows && pp_dataset_row(ds, rord[b])->run == run)
			b++;
		err = pp_model_classify_run(m, X + (size_t)a * nf, b - a, nf, have_ev ? ev + a : NULL,
					    k, n, p + a, rule + a, &rv[r]);
		if (err)
			pp_why(why, len, err, "prediction failed on run %ld: %s",
			       pp_dataset_row(ds, rord[a])->run_id, pp_strerror(err));
		rv[r].run = run;
		rv[r].rows = rord + a;
		a = b;
	}
	if (!err) {
		*out = rv;
		*nruns = nr;
		rv = NULL;
	}
out:
	free(rv);
	free(map);
	free(ord);
	free(X);
	free(ev);
	return err;
}
