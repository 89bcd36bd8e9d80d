/* pp_report_write: load and check every input first (a bad file fails before anything is
 * drawn), draw each figure with gnuplot into a temporary directory, write index.html, then
 * swap the directory into place. */
#include "report/report-priv.h"

#include "core/file.h"
#include "core/why.h"

#include <errno.h>
#include <powprint/dataset.h>
#include <powprint/opts.h>
#include <powprint/report.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int load_inputs(struct rp_ctx *c, const struct pp_report_opts *o, char *why, size_t len)
{
	c->prof = calloc((size_t)o->nprofiles, sizeof(*c->prof));
	if (!c->prof)
		return -ENOMEM;
	for (int k = 0; k < o->nprofiles; k++) {
		int err = rp_profile_load(o->profiles[k], &c->prof[k], why, len);
		if (err)
			return err;
		c->nprof++;
	}
	if (o->dataset) {
		c->ds_path = o->dataset;
		int err = pp_dataset_read(o->dataset, &c->ds, why, len);
		if (err)
			return err;
		if (!pp_dataset_nrows(c->ds))
			return pp_why(why, len, -EINVAL, "the dataset %s is empty (its windows.csv has "
				      "no rows); record one with powprint record --output DIR, or leave "
				      "out --data", o->dataset);
	}
	if (o->eval) {
		c->eval_path = o->eval;
		int err = rp_eval_load(o->eval, &c->eval, why, len);
		if (err)
			return err;
	}
	return 0;
}

static int draw(struct rp_ctx *c, char *why, size_t len)
{
	int (*const figs[])(struct rp_ctx *) = { rp_figs_hash, rp_figs_speedup,
						 rp_figs_fingerprint, rp_figs_memory };
	for (size_t i = 0; i < sizeof(figs) / sizeof(figs[0]); i++) {
		int err = figs[i](c);
		if (err)
			return pp_why(why, len, err, "out of memory laying out the figures");
	}
	if (c->ds && rp_figs_dataset(c))
		return pp_why(why, len, -ENOMEM, "out of memory laying out the dataset figures");
	if (c->eval && rp_figs_eval(c))
		return pp_why(why, len, -ENOMEM, "out of memory laying out the evaluation figures");
	for (int i = 0; i < c->nfigs; i++) {
		pp_say(c->log, c->log_arg, "drawing %s", c->figs[i]->name);
		int err = rp_fig_render(c->dir, c->figs[i], why, len);
		if (err)
			return err;
	}
	struct rp_buf html = { 0 };
	int err = rp_html_write(c, &html);
	if (!err) {
		char path[4200];
		snprintf(path, sizeof(path), "%s/index.html", c->dir);
		err = pp_file_write_atomic(path, html.s, html.len);
		if (err)
			pp_why(why, len, err, "cannot write %s: %s", path, strerror(-err));
	} else {
		pp_why(why, len, err, "out of memory writing index.html");
	}
	rp_buf_free(&html);
	return err;
}

int pp_report_write(const struct pp_report_opts *o, char *why, size_t len)
{
	if (!o || !o->out || !o->out[0] || o->nprofiles < 1 || !o->profiles)
		return pp_why(why, len, -EINVAL, "a report needs at least one profile and an output "
			      "directory");
	struct rp_ctx c = { .log = PP_OPTS_GET(o, pp_report_opts, log, NULL),
			    .log_arg = PP_OPTS_GET(o, pp_report_opts, log_arg, NULL) };
	char tmp[4200] = "";
	/* Inputs first: a bad file is the first thing to hear about, gnuplot or not. */
	int err = load_inputs(&c, o, why, len);
	if (!err)
		err = rp_out_check(o->out, why, len);
	if (!err)
		err = rp_gnuplot_find(why, len);
	if (!err)
		err = rp_out_tmp(o->out, tmp, sizeof(tmp), why, len);
	if (!err) {
		c.dir = tmp;
		err = draw(&c, why, len);
	}
	if (!err)
		err = rp_out_commit(tmp, o->out, why, len);
	if (err && tmp[0])
		rp_rmtree(tmp);
	for (int i = 0; i < c.nfigs; i++)
		rp_fig_free(c.figs[i]);
	free(c.figs);
	for (int k = 0; k < c.nprof; k++)
		rp_profile_free(&c.prof[k]);
	free(c.prof);
	pp_dataset_free(c.ds);
	cJSON_Delete(c.eval);
	return err;
}
