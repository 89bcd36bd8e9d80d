/* Fingerprints: per training workload, the median of every feature and a robust spread
 * (MAD, else IQR), and the standardised distance of a vector to each (NaN features skipped). */
#include "fingerprint/model/model-priv.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#define MAD_TO_SD 1.482602218505602  /* 1 / Phi^-1(3/4): MAD of a normal = 0.6745 sd */
#define IQR_TO_SD 0.741301109252801  /* 1 / 1.349 */
/* A workload's spread is at least this share of the feature's spread over all training rows,
 * so a workload that is perfectly constant in a feature does not make every other value
 * infinitely far. */
#define SPREAD_FLOOR 0.05

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

/* Moves finite values to the front, sorts them; returns how many. */
static int sort_finite(double *v, int n)
{
	int k = 0;
	for (int i = 0; i < n; i++)
		if (isfinite(v[i]))
			v[k++] = v[i];
	qsort(v, (size_t)k, sizeof(*v), cmp_double);
	return k;
}

static double quantile_sorted(const double *v, int n, double q)
{
	double pos = q * (n - 1);
	int lo = (int)floor(pos);
	int hi = lo + 1 < n ? lo + 1 : lo;
	return v[lo] + (pos - lo) * (v[hi] - v[lo]);
}

double pp_median(double *v, int n)
{
	int k = sort_finite(v, n);
	return k ? quantile_sorted(v, k, 0.5) : NAN;
}

/* Median and robust spread of v (reordered; tmp has n doubles of scratch). */
static void robust(double *v, int n, double *tmp, double *centre, double *spread)
{
	int k = sort_finite(v, n);
	if (!k) {
		*centre = *spread = NAN;
		return;
	}
	double med = quantile_sorted(v, k, 0.5);
	double iqr = quantile_sorted(v, k, 0.75) - quantile_sorted(v, k, 0.25);
	for (int i = 0; i < k; i++)
		tmp[i] = fabs(v[i] - med);
	qsort(tmp, (size_t)k, sizeof(*tmp), cmp_double);
	double mad = quantile_sorted(tmp, k, 0.5) * MAD_TO_SD;
	*centre = med;
	*spread = mad > 0 ? mad : iqr * IQR_TO_SD;
}

int pp_fingerprint_knobs(const struct pp_dataset_row *r)
{
	return (r->soft_aes > 0) | (r->huge_pages && strcmp(r->huge_pages, "off") == 0) << 1;
}

const char *pp_fingerprint_knobs_name(int knobs)
{
	static const char *const name[4] = { "", "soft-aes", "4k-pages", "soft-aes,4k-pages" };
	return knobs >= 0 && knobs < 4 ? name[knobs] : "";
}

void pp_fingerprints_free(struct pp_model *m)
{
	for (int i = 0; i < m->nfp; i++) {
		free(m->fp[i].workload);
		free(m->fp[i].family);
		free(m->fp[i].knobs);
		free(m->fp[i].centre);
		free(m->fp[i].spread);
	}
	free(m->fp);
	m->fp = NULL;
	m->nfp = 0;
}

int pp_fingerprints_build(struct pp_model *m, const struct pp_dataset *ds, const int *rows,
			  int nrows, const int *colmap)
{
	int nf = m->nf, err = -ENOMEM;
	/* Group rows by workload (interned pointers compare by address) and knobs. */
	const char **wl = malloc(((size_t)nrows + 1) * sizeof(*wl));
	int *grp = malloc(((size_t)nrows + 1) * sizeof(*grp));
	int *knob = malloc(((size_t)nrows + 1) * sizeof(*knob));
	double *v = malloc(((size_t)nrows + 1) * sizeof(*v));
	double *tmp = malloc(((size_t)nrows + 1) * sizeof(*tmp));
	double *gspread = malloc(((size_t)nf + 1) * sizeof(*gspread));
	char *seen = NULL;
	int ng = 0;
	if (!wl || !grp || !knob || !v || !tmp || !gspread)
		goto out;
	for (int i = 0; i < nrows; i++) {
		const struct pp_dataset_row *r = pp_dataset_row(ds, rows[i]);
		int k = pp_fingerprint_knobs(r);
		int g = 0;
		while (g < ng && (wl[g] != r->workload || knob[g] != k))
			g++;
		if (g == ng) {
			wl[ng] = r->workload;
			knob[ng++] = k;
		}
		grp[i] = g;
	}
	for (int j = 0; j < nf; j++) {
		double c;
		for (int i = 0; i < nrows; i++)
			v[i] = colmap[j] >= 0 ? pp_dataset_features(ds, rows[i])[colmap[j]] : NAN;
		robust(v, nrows, tmp, &c, &gspread[j]);
	}
	m->fp = calloc((size_t)ng + 1, sizeof(*m->fp));
	seen = calloc((size_t)pp_dataset_nruns(ds) + 1, 1);
	if (!m->fp || !seen)
		goto out;
	m->nfp = ng;
	for (int g = 0; g < ng; g++) {
		struct pp_fingerprint *fp = &m->fp[g];
		fp->workload = strdup(wl[g]);
		fp->knobs = strdup(pp_fingerprint_knobs_name(knob[g]));
		fp->centre = malloc(((size_t)nf + 1) * sizeof(double));
		fp->spread = malloc(((size_t)nf + 1) * sizeof(double));
		if (!fp->workload || !fp->knobs || !fp->centre || !fp->spread)
			goto out;
		memset(seen, 0, (size_t)pp_dataset_nruns(ds) + 1);
		for (int i = 0; i < nrows; i++) {
			if (grp[i] != g)
				continue;
			const struct pp_dataset_row *r = pp_dataset_row(ds, rows[i]);
			if (!fp->family) {
				fp->family = strdup(r->family);
				fp->miner = r->label == PP_LABEL_MINER;
				if (!fp->family)
					goto out;
			}
			fp->rows++;
			if (!seen[r->run]) {
				seen[r->run] = 1;
				fp->runs++;
			}
		}
		for (int j = 0; j < nf; j++) {
			int k = 0;
			for (int i = 0; i < nrows; i++)
				if (grp[i] == g)
					v[k++] = colmap[j] >= 0 ?
						 pp_dataset_features(ds, rows[i])[colmap[j]] : NAN;
			double c, s;
			robust(v, k, tmp, &c, &s);
			/* A feature constant over all training data tells workloads apart by
			 * nothing: leave it out of distances. */
			if (!(gspread[j] > 0))
				s = NAN;
			else if (!(s >= SPREAD_FLOOR * gspread[j]))
				s = SPREAD_FLOOR * gspread[j];
			if (isnan(c))
				s = NAN;
			fp->centre[j] = c;
			fp->spread[j] = s;
		}
	}
	err = 0;
out:
	free(wl);
	free(grp);
	free(knob);
	free(v);
	free(tmp);
	free(gspread);
	free(seen);
	if (err)
		pp_fingerprints_free(m);
	return err;
}

/* Root mean square of the standardised differences over features finite on both sides. */
static double distance(const struct pp_fingerprint *fp, const double *x, int n, int *nused)
{
	double s = 0;
	int k = 0;
	for (int j = 0; j < n; j++) {
		if (!isfinite(x[j]) || !isfinite(fp->centre[j]) || !isfinite(fp->spread[j]))
			continue;
		double z = (x[j] - fp->centre[j]) / fp->spread[j];
		s += z * z;
		k++;
	}
	*nused = k;
	return k ? sqrt(s / k) : INFINITY;
}

int pp_model_nearest(const struct pp_model *m, const double *x, int n, int *idx,
		     double *dist, int *nused)
{
	if (!m || !x || n != m->nf)
		return -EINVAL;
	int best = -1, bused = 0;
	double bd = INFINITY;
	for (int i = 0; i < m->nfp; i++) {
		int u;
		double d = distance(&m->fp[i], x, n, &u);
		if (best < 0 || d < bd) {
			best = i;
			bd = d;
			bused = u;
		}
	}
	if (best < 0)
		return -ENOENT;
	*idx = best;
	*dist = bd;
	if (nused)
		*nused = bused;
	return 0;
}

int pp_model_nfingerprints(const struct pp_model *m)
{
	return m->nfp;
}

const char *pp_model_fingerprint_knobs(const struct pp_model *m, int i)
{
	return i >= 0 && i < m->nfp && m->fp[i].knobs ? m->fp[i].knobs : NULL;
}

int pp_model_fingerprint(const struct pp_model *m, int i, const char **workload,
			 const char **family, bool *miner, const double **centre,
			 const double **spread)
{
	if (i < 0 || i >= m->nfp)
		return -EINVAL;
	if (workload)
		*workload = m->fp[i].workload;
	if (family)
		*family = m->fp[i].family;
	if (miner)
		*miner = m->fp[i].miner;
	if (centre)
		*centre = m->fp[i].centre;
	if (spread)
		*spread = m->fp[i].spread;
	return 0;
}
