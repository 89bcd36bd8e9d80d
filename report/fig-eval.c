/* With --eval: the detector's ROC curve, its confusion matrix at the report's threshold, and
 * how often each workload's windows were flagged. */
#include "report/report-priv.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

static int roc(struct rp_ctx *c, const cJSON *w)
{
	const cJSON *pts = cJSON_GetObjectItemCaseSensitive(w, "roc"), *pt;
	if (!cJSON_GetArraySize(pts))
		return 0;  /* the page says why there is no curve */
	double auc = rp_num(w, "roc_auc");
	char title[128];
	if (isnan(auc))
		snprintf(title, sizeof(title), "ROC curve (window level)");
	else
		snprintf(title, sizeof(title), "ROC curve (window level), AUC %.4f", auc);
	struct rp_fig *f = rp_fig_new(c, "Detection", "roc", title,
				      "Each point is one decision threshold on the detector's score: "
				      "the share of benign windows flagged (false positive rate) "
				      "against the share of miner windows caught (true positive "
				      "rate). Top left is perfect, the dashed diagonal is chance; the "
				      "dot is the report's threshold.");
	if (!f)
		return -ENOMEM;
	f->width = 620;
	f->height = 560;
	/* The curve starts where no window is flagged: a threshold above every score. */
	rp_buf_puts(&f->csv, "threshold,fpr,tpr\n,0,0\n");
	cJSON_ArrayForEach(pt, pts) {
		rp_csv_num(&f->csv, rp_num(pt, "threshold"));
		rp_buf_puts(&f->csv, ",");
		rp_csv_num(&f->csv, rp_num(pt, "fpr"));
		rp_buf_puts(&f->csv, ",");
		rp_csv_num(&f->csv, rp_num(pt, "tpr"));
		rp_buf_puts(&f->csv, "\n");
	}
	rp_buf_puts(&f->gp, "set size ratio -1\nset xrange [0:1]\nset yrange [0:1.02]\n"
		    "set xlabel 'false positive rate (benign windows flagged)'\n"
		    "set ylabel 'true positive rate (miner windows flagged)'\n"
		    "set key inside right bottom\nset grid xtics ytics lc rgb '#dddddd'\n");
	double fpr = rp_num(w, "fpr"), tpr = rp_num(w, "tpr"), thr = rp_num(c->eval, "threshold");
	if (!isnan(fpr) && !isnan(tpr))
		rp_buf_printf(&f->gp, "set label 1 sprintf('threshold %%g', %.10g) at first %.10g, "
			      "first %.10g point pt 7 ps 1.4 lc rgb '%s' offset 1,-1\n",
			      isnan(thr) ? 0.5 : thr, fpr, tpr, rp_color(3));
	rp_buf_printf(&f->gp, "plot x with lines dt 2 lc rgb '#888888' title 'chance', \\\n"
		      "  '%s.csv' skip 1 using 2:3 with lines lw 2 lc rgb '%s' title 'detector'\n",
		      f->name, rp_color(0));
	return 0;
}

static int confusion(struct rp_ctx *c, const cJSON *w)
{
	double tp = rp_num(w, "tp"), fn = rp_num(w, "fn"), fp = rp_num(w, "fp"),
	       tn = rp_num(w, "tn");
	char title[128];
	snprintf(title, sizeof(title), "Confusion matrix (windows, threshold %g)",
		 isnan(rp_num(c->eval, "threshold")) ? 0.5 : rp_num(c->eval, "threshold"));
	struct rp_fig *f = rp_fig_new(c, "Detection", "confusion", title,
				      "Windows by true class (rows) and verdict (columns), with the "
				      "share of the row: the diagonal is right, the rest are missed "
				      "miners and false alarms.");
	if (!f)
		return -ENOMEM;
	f->width = 560;
	f->height = 460;
	double miners = tp + fn, benign = fp + tn;
	struct { const char *actual, *pred; double n, of; int x, y; } cell[] = {
		{ "miner", "miner", tp, miners, 0, 1 }, { "miner", "benign", fn, miners, 1, 1 },
		{ "benign", "miner", fp, benign, 0, 0 }, { "benign", "benign", tn, benign, 1, 0 },
	};
	rp_buf_puts(&f->csv, "actual,predicted,windows,share_of_actual,x,y\n");
	for (int i = 0; i < 4; i++) {
		rp_buf_printf(&f->csv, "%s,%s,%.0f,", cell[i].actual, cell[i].pred, cell[i].n);
		rp_csv_num(&f->csv, cell[i].of > 0 ? cell[i].n / cell[i].of : NAN);
		rp_buf_printf(&f->csv, ",%d,%d\n", cell[i].x, cell[i].y);
	}
	rp_buf_puts(&f->gp, "set xtics ('flagged miner' 0, 'passed as benign' 1)\n"
		    "set ytics ('miner' 1, 'benign' 0) rotate by 90 center\n"
		    "set xlabel 'verdict'\nset ylabel 'true class'\n"
		    "set xrange [-0.5:1.5]\nset yrange [-0.5:1.5]\nset size ratio -1\n"
		    "set border 0\nset tics scale 0\nset grid noytics\nunset key\n"
		    "set cbrange [0:1]\nunset colorbox\n"
		    "set palette defined (0 '#ffffff', 1 '#6baed6')\n");
	rp_buf_printf(&f->gp, "plot '%s.csv' skip 1 using 5:6:(0.5):(0.5):4 with boxxyerror "
		      "fs solid 1.0 noborder lc palette, \\\n  '%s.csv' skip 1 using 5:6:(sprintf('%%d\\n%%.1f%%%%', "
		      "$3, 100*$4)) with labels font ',14'\n", f->name, f->name);
	return 0;
}

static int per_workload(struct rp_ctx *c)
{
	const cJSON *pw = cJSON_GetObjectItemCaseSensitive(c->eval, "per_workload"), *e;
	int n = cJSON_GetArraySize(pw), rated = 0;
	cJSON_ArrayForEach(e, pw)
		rated += !isnan(rp_num(e, strcmp(rp_str(e, "class"), "miner") ? "fpr" : "recall"));
	if (!rated)
		return 0;  /* nothing scored: the confusion matrix says so */
	struct rp_fig *f = rp_fig_new(c, "Detection", "per-workload",
				      "Windows flagged per workload",
				      "For each miner workload, the share of its windows the "
				      "detector flagged (recall: higher is better); for each benign "
				      "workload, the share wrongly flagged (false positive rate: "
				      "lower is better). Held-out scores: each workload was scored "
				      "by a model that never saw it (with leave-one-workload-out).");
	if (!f)
		return -ENOMEM;
	f->width = 180 + 20 * n > 800 ? 180 + 20 * n : 800;
	f->height = 520;
	rp_buf_puts(&f->csv, "workload,class,family,scored,flagged,rate\n");
	rp_buf_puts(&f->gp, "set xtics (");
	int i = 0;
	for (int pass = 0; pass < 2; pass++) {
		cJSON_ArrayForEach(e, pw) {
			bool miner = !strcmp(rp_str(e, "class"), "miner");
			if (miner != (pass == 0))
				continue;
			rp_csv_str(&f->csv, rp_str(e, "workload"));
			rp_buf_printf(&f->csv, ",%s,", miner ? "miner" : "benign");
			rp_csv_str(&f->csv, rp_str(e, "family"));
			rp_buf_puts(&f->csv, ",");
			rp_csv_num(&f->csv, rp_num(e, "scored"));
			rp_buf_puts(&f->csv, ",");
			rp_csv_num(&f->csv, rp_num(e, "flagged"));
			rp_buf_puts(&f->csv, ",");
			double rate = rp_num(e, miner ? "recall" : "fpr");
			rp_csv_num(&f->csv, rate);
			rp_buf_puts(&f->csv, "\n");
			if (isnan(rate))
				rp_fig_note(f, "%s: no windows scored.", rp_str(e, "workload"));
			rp_buf_puts(&f->gp, i ? ", " : "");
			rp_gp_quote(&f->gp, rp_str(e, "workload"));
			rp_buf_printf(&f->gp, " %d", i++);
		}
	}
	rp_buf_printf(&f->gp, ") rotate by 60 right\nset xrange [-0.6:%g]\n"
		      "set yrange [0:105]\nset ylabel '%% of windows flagged'\n"
		      "set key outside top center horizontal\n"
		      "set style fill solid 0.85 noborder\nset boxwidth 0.7 absolute\n"
		      "plot '%s.csv' skip 1 using ($0):(strcol(2) eq 'miner' ? 100*$6 : NaN) "
		      "with boxes lc rgb '%s' title 'miner: caught (recall)', \\\n"
		      "  '%s.csv' skip 1 using ($0):(strcol(2) eq 'benign' ? 100*$6 : NaN) "
		      "with boxes lc rgb '%s' title 'benign: false alarms (FPR)'\n",
		      n - 0.4, f->name, rp_color(0), f->name, rp_color(3));
	return 0;
}

int rp_figs_eval(struct rp_ctx *c)
{
	const cJSON *w = cJSON_GetObjectItemCaseSensitive(c->eval, "window");
	int err = roc(c, w);
	if (!err)
		err = confusion(c, w);
	if (!err)
		err = per_workload(c);
	return err;
}
