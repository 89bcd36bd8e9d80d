/* Each miner kernel's fingerprint next to its nearest benign look-alike: a heat map per
 * machine, one row per workload (a miner, then the benign workload closest to it), one column
 * per feature, each column scaled to its own range so features of any unit share a colour
 * scale. Grey cells are features the machine could not measure. */
#include "report/report-priv.h"

#include "core/why.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_ROWS 128
#define MAX_COLS 64

static const cJSON *workload_named(const cJSON *wls, const char *name)
{
	const cJSON *w;
	cJSON_ArrayForEach(w, wls)
		if (name && rp_str(w, "workload") && !strcmp(rp_str(w, "workload"), name))
			return w;
	return NULL;
}

static int fingerprint_one(struct rp_ctx *c, int k)
{
	const struct rp_profile *p = &c->prof[k];
	const cJSON *feats = cJSON_GetObjectItemCaseSensitive(p->fingerprints, "features");
	const cJSON *wls = cJSON_GetObjectItemCaseSensitive(p->fingerprints, "workloads"), *w;
	const cJSON *rows[MAX_ROWS];
	const char *pair_of[MAX_ROWS];
	int nr = 0;
	cJSON_ArrayForEach(w, wls) {
		const char *cls = rp_str(w, "class");
		if (!cls || strcmp(cls, "miner") || nr + 2 > MAX_ROWS)
			continue;
		const cJSON *b = workload_named(wls, rp_str(w, "nearest_benign"));
		if (!b)
			continue;
		pair_of[nr] = NULL;
		rows[nr++] = w;
		pair_of[nr] = rp_str(w, "workload");
		rows[nr++] = b;
	}
	/* Columns: features some row has a value for. */
	const char *cols[MAX_COLS];
	double lo[MAX_COLS], hi[MAX_COLS];
	int nc = 0, navail = 0;
	char missing[1024] = "", same[1024] = "";
	const cJSON *fe;
	cJSON_ArrayForEach(fe, feats) {
		const char *fn = cJSON_GetStringValue(fe);
		if (!fn)
			continue;
		double l = INFINITY, h = -INFINITY;
		for (int r = 0; r < nr; r++) {
			double v = rp_num(cJSON_GetObjectItemCaseSensitive(rows[r], "mean"), fn);
			if (!isnan(v)) {
				l = fmin(l, v);
				h = fmax(h, v);
			}
		}
		if (l > h) {
			size_t m = strlen(missing);
			snprintf(missing + m, sizeof(missing) - m, "%s%s", m ? ", " : "", fn);
			continue;
		}
		if (l == h) {  /* the same in every row: tells nothing apart */
			size_t m = strlen(same);
			snprintf(same + m, sizeof(same) - m, "%s%s", m ? ", " : "", fn);
			continue;
		}
		navail++;
		if (nc < MAX_COLS) {
			cols[nc] = fn;
			lo[nc] = l;
			hi[nc++] = h;
		}
	}
	if (!nr || !nc) {
		pp_say(c->log, c->log_arg, "%s: %s; no fingerprint figure for it", p->label,
		       nr ? "no feature differs between its workloads" :
		       "no miner with a benign look-alike among its fingerprints");
		return 0;
	}
	char name[64], title[384];
	snprintf(name, sizeof(name), "fingerprints-%d", k + 1);
	snprintf(title, sizeof(title), "%s: miners beside their nearest benign look-alikes",
		 p->label);
	struct rp_fig *f = rp_fig_new(c, "Fingerprints", name, title,
				      "Rows: each miner kernel, then the benign workload whose "
				      "fingerprint is nearest to it (d: the model's distance between "
				      "them). Columns: features, each scaled to its own range over "
				      "these rows (white: lowest, dark: highest); the CSV holds the "
				      "unscaled means. Columns where the pair differ in shade are what "
				      "tells them apart. Grey: not measured on this machine.");
	if (!f)
		return -ENOMEM;
	f->width = 260 + 24 * nc > 800 ? 260 + 24 * nc : 800;
	f->height = 230 + 34 * nr;
	if (missing[0])
		rp_fig_note(f, "Not available on %s: %s.", p->label, missing);
	if (same[0])
		rp_fig_note(f, "The same in every row, so not drawn: %s.", same);
	if (navail > nc)
		rp_fig_note(f, "Only the first %d of %d features are drawn.", nc, navail);
	rp_buf_puts(&f->csv, "row,column,workload,class,feature,mean,scaled\n");
	rp_buf_puts(&f->gp, "set ytics (");
	for (int r = 0; r < nr; r++) {
		int y = nr - 1 - r;  /* the first pair on top */
		const char *wn = rp_str(rows[r], "workload"), *cls = rp_str(rows[r], "class");
		for (int j = 0; j < nc; j++) {
			double v = rp_num(cJSON_GetObjectItemCaseSensitive(rows[r], "mean"), cols[j]);
			double s = (v - lo[j]) / (hi[j] - lo[j]);
			rp_buf_printf(&f->csv, "%d,%d,", y, j);
			rp_csv_str(&f->csv, wn);
			rp_buf_puts(&f->csv, ",");
			rp_csv_str(&f->csv, cls ? cls : "");
			rp_buf_puts(&f->csv, ",");
			rp_csv_str(&f->csv, cols[j]);
			rp_buf_puts(&f->csv, ",");
			rp_csv_num(&f->csv, v);
			rp_buf_puts(&f->csv, ",");
			rp_csv_num(&f->csv, isnan(v) ? NAN : s);
			rp_buf_puts(&f->csv, "\n");
		}
		char label[320];
		double d = rp_num(rows[r], "distance");
		if (pair_of[r])
			snprintf(label, sizeof(label), "%s (benign)", wn);
		else if (!isnan(d))
			snprintf(label, sizeof(label), "%s (miner, d=%.3g)", wn, d);
		else
			snprintf(label, sizeof(label), "%s (miner)", wn);
		rp_buf_puts(&f->gp, r ? ", " : "");
		rp_gp_quote(&f->gp, label);
		rp_buf_printf(&f->gp, " %d", y);
	}
	rp_buf_puts(&f->gp, ")\nset xtics (");
	for (int j = 0; j < nc; j++) {
		rp_buf_puts(&f->gp, j ? ", " : "");
		rp_gp_quote(&f->gp, cols[j]);
		rp_buf_printf(&f->gp, " %d", j);
	}
	rp_buf_printf(&f->gp, ") rotate by 60 right\nset xrange [-0.5:%g]\nset yrange [-0.5:%g]\n"
		      "set grid noytics\nset border 0\nset tics scale 0\nunset key\n"
		      "set cbrange [0:1]\nset cbtics ('low' 0, 'high' 1)\n"
		      "set palette defined (0 '#f7fbff', 0.5 '#6baed6', 1 '#08306b')\n"
		      "set object 1 rectangle from first -0.5, first -0.5 to first %g, first %g "
		      "behind fc rgb '#cccccc' fs solid 1.0 noborder\n",
		      nc - 0.5, nr - 0.5, nc - 0.5, nr - 0.5);
	for (int r = 2; r < nr; r += 2)
		rp_buf_printf(&f->gp, "set arrow from first -0.5, first %g to first %g, first %g "
			      "nohead front lc rgb '#ffffff' lw 4\n", nr - r - 0.5, nc - 0.5,
			      nr - r - 0.5);
	rp_buf_printf(&f->gp, "plot '%s.csv' skip 1 using 2:1:(0.5):(0.5):7 with boxxyerror "
		      "fs solid 1.0 noborder lc palette notitle\n", f->name);
	return 0;
}

int rp_figs_fingerprint(struct rp_ctx *c)
{
	for (int k = 0; k < c->nprof; k++) {
		int err = fingerprint_one(c, k);
		if (err)
			return err;
	}
	return 0;
}
