/* With --data: how the most telling features are spread in miner and benign windows, as
 * box plots. "Telling" is measured the way a detector would use the feature alone: the area
 * under its ROC curve, |AUC - 0.5| (0: no use, 0.5: separates the classes perfectly). */
#include "report/report-priv.h"

#include <errno.h>
#include <math.h>
#include <powprint/dataset.h>
#include <powprint/model.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define TOP_FEATURES 6

struct ranked {
	int j;
	double score;
	int nminer, nbenign;
};

static int cmp_ranked(const void *a, const void *b)
{
	const struct ranked *x = a, *y = b;
	if (x->score != y->score)
		return x->score < y->score ? 1 : -1;
	return x->j - y->j;
}

static int dist_one(struct rp_ctx *c, const struct ranked *r)
{
	const struct pp_dataset *ds = c->ds;
	const char *full = pp_dataset_feature_name(ds, r->j);
	const char *fn = strncmp(full, "f.", 2) ? full : full + 2;
	char name[128], title[256];
	snprintf(name, sizeof(name), "dist-%s", fn);
	snprintf(title, sizeof(title), "%s in miner and benign windows", fn);
	struct rp_fig *f = rp_fig_new(c, "Dataset", name, title,
				      "Each box spans the middle half of the windows of one class "
				      "(line: the median), whiskers reach 1.5 box lengths, dots are "
				      "windows beyond them. Boxes that do not overlap mean the "
				      "feature alone tells the classes apart.");
	if (!f)
		return -ENOMEM;
	f->width = 560;
	f->height = 420;
	if (!isnan(r->score))
		rp_fig_note(f, "The feature alone: ROC AUC %.3f (%d miner, %d benign windows).",
			    0.5 + r->score, r->nminer, r->nbenign);
	if (!r->nminer || !r->nbenign)
		rp_fig_note(f, "The dataset has no %s windows with this feature.",
			    r->nminer ? "benign" : "miner");
	rp_buf_puts(&f->csv, "class,workload,value\n");
	for (int i = 0; i < pp_dataset_nrows(ds); i++) {
		const struct pp_dataset_row *row = pp_dataset_row(ds, i);
		double v = pp_dataset_features(ds, i)[r->j];
		if (isnan(v) || row->label == PP_LABEL_UNKNOWN)
			continue;
		rp_buf_puts(&f->csv, row->label == PP_LABEL_MINER ? "miner," : "benign,");
		rp_csv_str(&f->csv, row->workload);
		rp_buf_puts(&f->csv, ",");
		rp_csv_num(&f->csv, v);
		rp_buf_puts(&f->csv, "\n");
	}
	rp_buf_puts(&f->gp, "set style data boxplot\nset style boxplot outliers pointtype 7\n"
		    "set pointsize 0.4\nset style fill solid 0.5 border -1\nset boxwidth 0.5\n"
		    "unset key\nset xtics ('benign' 1, 'miner' 2)\nset xrange [0.3:2.7]\n"
		    "set ylabel ");
	rp_gp_quote(&f->gp, fn);
	rp_buf_puts(&f->gp, "\nplot ");
	int drawn = 0;
	if (r->nbenign) {
		rp_buf_printf(&f->gp, "'%s.csv' skip 1 using (1):(strcol(1) eq 'benign' ? $3 : NaN) "
			      "lc rgb '%s'", f->name, rp_color(2));
		drawn++;
	}
	if (r->nminer)
		rp_buf_printf(&f->gp, "%s'%s.csv' skip 1 using (2):(strcol(1) eq 'miner' ? $3 : NaN) "
			      "lc rgb '%s'", drawn ? ", \\\n  " : "", f->name, rp_color(3));
	rp_buf_puts(&f->gp, "\n");
	return 0;
}

int rp_figs_dataset(struct rp_ctx *c)
{
	const struct pp_dataset *ds = c->ds;
	int n = pp_dataset_nrows(ds), nf = pp_dataset_nfeatures(ds), err = 0;
	struct ranked *rk = calloc((size_t)nf + 1, sizeof(*rk));
	double *p = malloc(((size_t)n + 1) * sizeof(*p));
	int *label = malloc(((size_t)n + 1) * sizeof(*label));
	if (!rk || !p || !label) {
		err = -ENOMEM;
		goto out;
	}
	int nr = 0;
	for (int j = 0; j < nf; j++) {
		struct ranked r = { .j = j };
		for (int i = 0; i < n; i++) {
			const struct pp_dataset_row *row = pp_dataset_row(ds, i);
			p[i] = pp_dataset_features(ds, i)[j];
			label[i] = row->label == PP_LABEL_MINER ? 1 :
				   row->label == PP_LABEL_BENIGN ? 0 : -1;
			if (!isnan(p[i]) && label[i] >= 0)
				label[i] ? r.nminer++ : r.nbenign++;
		}
		if (!r.nminer && !r.nbenign)
			continue;
		/* Telling either way: a feature lower in miners is as useful as one higher. */
		r.score = fabs(pp_roc_auc(p, label, n) - 0.5);
		rk[nr++] = r;
	}
	/* Without both classes there is no AUC: keep the table's order. */
	for (int i = 0; i < nr; i++)
		if (isnan(rk[i].score))
			rk[i].score = -1;
	qsort(rk, (size_t)nr, sizeof(*rk), cmp_ranked);
	for (int i = 0; i < nr && i < TOP_FEATURES && !err; i++) {
		if (rk[i].score < 0)
			rk[i].score = NAN;
		err = dist_one(c, &rk[i]);
	}
out:
	free(rk);
	free(p);
	free(label);
	return err;
}
