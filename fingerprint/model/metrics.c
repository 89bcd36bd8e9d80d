/* Detection metrics: confusion counts and rates at a threshold, ROC AUC. */
#include "fingerprint/model/model-priv.h"

#include <math.h>
#include <stdlib.h>

static double ratio(long a, long b)
{
	return b ? (double)a / (double)b : NAN;
}

void pp_confusion_compute(const double *p, const int *label, int n, double threshold,
			  struct pp_confusion *c)
{
	c->tp = c->fp = c->tn = c->fn = 0;
	for (int i = 0; i < n; i++) {
		if (isnan(p[i]) || (label[i] != 0 && label[i] != 1))
			continue;
		bool flagged = p[i] >= threshold;
		if (label[i])
			flagged ? c->tp++ : c->fn++;
		else
			flagged ? c->fp++ : c->tn++;
	}
	c->tpr = ratio(c->tp, c->tp + c->fn);
	c->fpr = ratio(c->fp, c->fp + c->tn);
	c->precision = ratio(c->tp, c->tp + c->fp);
	c->f1 = ratio(2 * c->tp, 2 * c->tp + c->fp + c->fn);
	c->accuracy = ratio(c->tp + c->tn, c->tp + c->tn + c->fp + c->fn);
}

struct scored {
	double p;
	int label;
};

static int cmp_scored(const void *a, const void *b)
{
	double x = ((const struct scored *)a)->p, y = ((const struct scored *)b)->p;
	return (x > y) - (x < y);
}

/* Mann-Whitney U / (n_pos n_neg) with mid-ranks for ties: equals the area under the ROC curve
 * drawn through every threshold, ties giving diagonal segments. */
double pp_roc_auc(const double *p, const int *label, int n)
{
	struct scored *s = malloc(((size_t)n + 1) * sizeof(*s));
	if (!s)
		return NAN;
	int k = 0;
	long npos = 0, nneg = 0;
	for (int i = 0; i < n; i++) {
		if (isnan(p[i]) || (label[i] != 0 && label[i] != 1))
			continue;
		s[k++] = (struct scored){ p[i], label[i] };
		label[i] ? npos++ : nneg++;
	}
	if (!npos || !nneg) {
		free(s);
		return NAN;
	}
	qsort(s, (size_t)k, sizeof(*s), cmp_scored);
	double ranksum = 0;
	for (int i = 0; i < k;) {
		int e = i;
		while (e < k && s[e].p == s[i].p)
			e++;
		double mid = (i + 1 + e) / 2.0;  /* mean of ranks i+1 .. e */
		for (int t = i; t < e; t++)
			if (s[t].label)
				ranksum += mid;
		i = e;
	}
	free(s);
	double u = ranksum - (double)npos * (npos + 1) / 2.0;
	return u / ((double)npos * (double)nneg);
}
