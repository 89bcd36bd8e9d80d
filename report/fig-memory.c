/* The memory probe of each machine: pointer-chase latency (what CryptoNight's scratchpad and
 * RandomX's dataset reads wait on) and STREAM bandwidth, one bar per machine. */
#include "report/report-priv.h"

#include "core/why.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>

static int memory_one(struct rp_ctx *c, const char *key, const char *name, const char *title,
		      const char *unit, const char *how)
{
	int valid = 0;
	for (int k = 0; k < c->nprof; k++)
		valid += !isnan(rp_num(c->prof[k].memory, key));
	if (!valid) {
		pp_say(c->log, c->log_arg, "no profile measured %s; no %s figure", key, name);
		return 0;
	}
	struct rp_fig *f = rp_fig_new(c, "Memory", name, title, how);
	if (!f)
		return -ENOMEM;
	f->width = 300 + 130 * c->nprof < 800 ? 300 + 130 * c->nprof : 800;
	rp_buf_printf(&f->csv, "machine,%s\n", unit);
	rp_buf_puts(&f->gp, "set xtics (");
	for (int k = 0; k < c->nprof; k++) {
		double v = rp_num(c->prof[k].memory, key);
		rp_csv_str(&f->csv, c->prof[k].label);
		rp_buf_puts(&f->csv, ",");
		rp_csv_num(&f->csv, v);
		rp_buf_puts(&f->csv, "\n");
		if (isnan(v))
			rp_fig_note(f, "%s: not measured.", c->prof[k].label);
		rp_buf_puts(&f->gp, k ? ", " : "");
		rp_gp_quote(&f->gp, c->prof[k].label);
		rp_buf_printf(&f->gp, " %d", k);
	}
	rp_buf_printf(&f->gp, ")%s\nset xrange [-0.6:%g]\nset ylabel ", c->nprof > 3 ?
		      " rotate by 25 right" : "", c->nprof - 0.4);
	rp_gp_quote(&f->gp, unit);
	rp_buf_puts(&f->gp, "\nset yrange [0:*]\nunset key\nset style fill solid 0.85 noborder\n"
		    "set boxwidth 0.6 absolute\nplot ");
	int drawn = 0;
	for (int k = 0; k < c->nprof; k++) {
		if (isnan(rp_num(c->prof[k].memory, key)))
			continue;
		rp_buf_printf(&f->gp, "%s'%s.csv' skip 1 using ($0 == %d ? $0 : NaN):2 with boxes "
			      "lc rgb '%s' notitle, \\\n  '%s.csv' skip 1 using ($0 == %d ? $0 : "
			      "NaN):2:(sprintf('%%.5g', $2)) with labels offset 0,0.7 notitle",
			      drawn++ ? ", \\\n  " : "", f->name, k, rp_color(k), f->name, k);
	}
	rp_buf_puts(&f->gp, "\n");
	return 0;
}

int rp_figs_memory(struct rp_ctx *c)
{
	int err = memory_one(c, "pointer_chase_ns", "memory-latency",
			     "Memory latency: pointer chase", "ns per load",
			     "Nanoseconds per dependent load walking a buffer far larger than the "
			     "caches: lower is better. CryptoNight's scratchpad and RandomX's "
			     "dataset reads wait on this.");
	if (!err)
		err = memory_one(c, "stream_mb_s", "memory-bandwidth", "Memory bandwidth: STREAM",
				 "MB/s", "Sustained memory bandwidth of a STREAM-style loop: higher "
				 "is better. RandomX's fast mode and many threads lean on it.");
	return err;
}
