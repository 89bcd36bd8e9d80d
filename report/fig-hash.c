/* Hash-rate figures: rate against threads per algorithm (machines as series), and what
 * hardware AES, huge pages and the JIT gain per algorithm (machines as bars side by side). */
#include "report/report-priv.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_NAMES 256

/* Distinct strings in first-seen order (borrowed pointers). */
struct names {
	const char *v[MAX_NAMES];
	int n;
};

static void names_add(struct names *s, const char *x)
{
	if (!x)
		return;
	for (int i = 0; i < s->n; i++)
		if (!strcmp(s->v[i], x))
			return;
	if (s->n < MAX_NAMES)
		s->v[s->n++] = x;
}

static const cJSON *hash_entry(const struct rp_profile *p, const char *algo)
{
	const cJSON *e;
	cJSON_ArrayForEach(e, p->hash)
		if (!strcmp(rp_str(e, "algo"), algo))
			return e;
	return NULL;
}

static double hps_at(const cJSON *entry, double threads)
{
	const cJSON *s;
	cJSON_ArrayForEach(s, cJSON_GetObjectItemCaseSensitive(entry, "scaling"))
		if (rp_num(s, "threads") == threads)
			return rp_num(s, "hps");
	return NAN;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

static void xtic_list(struct rp_buf *gp, const struct names *algos)
{
	rp_buf_puts(gp, "set xtics (");
	for (int i = 0; i < algos->n; i++) {
		rp_buf_puts(gp, i ? ", " : "");
		rp_gp_quote(gp, algos->v[i]);
		rp_buf_printf(gp, " %d", i);
	}
	rp_buf_puts(gp, ")");
	rp_buf_puts(gp, algos->n > 6 ? " rotate by 35 right\n" : "\n");
	rp_buf_printf(gp, "set xrange [-0.6:%g]\n", algos->n - 0.4);
}

static int hash_one(struct rp_ctx *c, const char *algo)
{
	double thr[64];
	int nt = 0;
	for (int k = 0; k < c->nprof; k++) {
		const cJSON *s;
		cJSON_ArrayForEach(s, cJSON_GetObjectItemCaseSensitive(hash_entry(&c->prof[k], algo),
								       "scaling")) {
			double t = rp_num(s, "threads");
			bool seen = isnan(t) || t < 1;
			for (int i = 0; i < nt && !seen; i++)
				seen = thr[i] == t;
			if (!seen && nt < 64)
				thr[nt++] = t;
		}
	}
	if (!nt)
		return 0;
	qsort(thr, (size_t)nt, sizeof(thr[0]), cmp_double);
	char name[128], title[256];
	snprintf(name, sizeof(name), "hashrate-%s", algo);
	snprintf(title, sizeof(title), "%s: hash rate against threads", algo);
	struct rp_fig *f = rp_fig_new(c, "Hash rate", name, title,
				      "Hashes per second of the reference kernel at each thread "
				      "count, one line per machine. A line that flattens marks the "
				      "point where threads stop adding throughput (cache or memory "
				      "bound).");
	if (!f)
		return -ENOMEM;
	rp_buf_puts(&f->csv, "threads");
	for (int k = 0; k < c->nprof; k++) {
		rp_buf_puts(&f->csv, ",");
		char col[300];
		snprintf(col, sizeof(col), "%s H/s", c->prof[k].label);
		rp_csv_str(&f->csv, col);
	}
	rp_buf_puts(&f->csv, "\n");
	for (int i = 0; i < nt; i++) {
		rp_buf_printf(&f->csv, "%g", thr[i]);
		for (int k = 0; k < c->nprof; k++) {
			rp_buf_puts(&f->csv, ",");
			rp_csv_num(&f->csv, hps_at(hash_entry(&c->prof[k], algo), thr[i]));
		}
		rp_buf_puts(&f->csv, "\n");
	}
	rp_buf_puts(&f->gp, "set xlabel 'threads'\nset ylabel 'hashes per second'\n"
		    "set yrange [0:*]\nset xtics (");
	for (int i = 0; i < nt; i++)
		rp_buf_printf(&f->gp, "%s%g", i ? ", " : "", thr[i]);
	rp_buf_printf(&f->gp, ")\nset xrange [%g:%g]\nplot ", thr[0] - 0.5, thr[nt - 1] + 0.5);
	int drawn = 0;
	for (int k = 0; k < c->nprof; k++) {
		const cJSON *e = hash_entry(&c->prof[k], algo);
		int valid = 0;
		for (int i = 0; i < nt; i++)
			valid += !isnan(hps_at(e, thr[i]));
		if (rp_str(e, "error"))
			rp_fig_note(f, "%s: %s failed: %s.", c->prof[k].label, algo,
				    rp_str(e, "error"));
		if (!valid) {
			if (!rp_str(e, "error"))
				rp_fig_note(f, "%s: %s not measured.", c->prof[k].label, algo);
			continue;
		}
		rp_buf_printf(&f->gp, "%s'%s.csv' skip 1 using 1:%d with linespoints lw 2 pt 7 "
			      "lc rgb '%s' title ", drawn++ ? ", \\\n  " : "", f->name, k + 2,
			      rp_color(k));
		rp_gp_quote(&f->gp, c->prof[k].label);
	}
	rp_buf_puts(&f->gp, "\n");
	return 0;
}

int rp_figs_hash(struct rp_ctx *c)
{
	struct names algos = { 0 };
	const cJSON *e;
	for (int k = 0; k < c->nprof; k++)
		cJSON_ArrayForEach(e, c->prof[k].hash)
			names_add(&algos, rp_str(e, "algo"));
	for (int i = 0; i < algos.n; i++) {
		int err = hash_one(c, algos.v[i]);
		if (err)
			return err;
	}
	return 0;
}

/* A variant's knob without its value: "huge_pages=off" -> "huge_pages". */
static void knob_key(const char *knob, char *out, size_t len)
{
	snprintf(out, len, "%.*s", (int)strcspn(knob, "="), knob);
}

static const char *knob_gain(const char *key)
{
	if (!strcmp(key, "soft_aes"))
		return "hardware AES";
	if (!strcmp(key, "huge_pages"))
		return "huge pages";
	if (!strcmp(key, "jit"))
		return "the JIT";
	return NULL;
}

static const cJSON *variant_of(const cJSON *entry, const char *key)
{
	const cJSON *v;
	char k[64];
	cJSON_ArrayForEach(v, cJSON_GetObjectItemCaseSensitive(entry, "variants")) {
		const char *knob = rp_str(v, "knob");
		if (!knob)
			continue;
		knob_key(knob, k, sizeof(k));
		if (!strcmp(k, key))
			return v;
	}
	return NULL;
}

static int speedup_one(struct rp_ctx *c, const char *key, const char *vname)
{
	/* The algorithms the knob applies to on some machine. */
	struct names algos = { 0 };
	const cJSON *e;
	for (int k = 0; k < c->nprof; k++)
		cJSON_ArrayForEach(e, c->prof[k].hash)
			if (variant_of(e, key))
				names_add(&algos, rp_str(e, "algo"));
	const char *gain = knob_gain(key);
	char name[128], title[256], what[128];
	snprintf(what, sizeof(what), "%s", gain ? gain : key);
	snprintf(name, sizeof(name), "speedup-%s", key);
	snprintf(title, sizeof(title), "Speed-up from %s (default hash rate / rate with %s)",
		 what, vname ? vname : key);
	struct rp_fig *f = rp_fig_new(c, "Speed-ups", name, title,
				      "How many times faster each kernel runs with the feature than "
				      "without it, one bar per machine; the dashed line at 1 is no "
				      "gain. Algorithms the feature does not apply to are left out.");
	if (!f)
		return -ENOMEM;
	int nbars = c->nprof;
	rp_buf_puts(&f->csv, "algo");
	for (int k = 0; k < c->nprof; k++) {
		rp_buf_puts(&f->csv, ",");
		rp_csv_str(&f->csv, c->prof[k].label);
	}
	rp_buf_puts(&f->csv, "\n");
	int *valid = calloc((size_t)c->nprof, sizeof(int));
	if (!valid)
		return -ENOMEM;
	for (int i = 0; i < algos.n; i++) {
		rp_csv_str(&f->csv, algos.v[i]);
		for (int k = 0; k < c->nprof; k++) {
			const cJSON *entry = hash_entry(&c->prof[k], algos.v[i]);
			const cJSON *v = variant_of(entry, key);
			double s = rp_num(v, "speedup");
			rp_buf_puts(&f->csv, ",");
			rp_csv_num(&f->csv, s);
			valid[k] += !isnan(s);
			if (entry && v && isnan(s) && rp_str(v, "error"))
				rp_fig_note(f, "%s: %s failed for %s: %s.", c->prof[k].label,
					    rp_str(v, "name") ? rp_str(v, "name") : key,
					    algos.v[i], rp_str(v, "error"));
			else if (entry && v && isnan(s))
				rp_fig_note(f, "%s: %s not measured for %s.", c->prof[k].label,
					    what, algos.v[i]);
		}
		rp_buf_puts(&f->csv, "\n");
	}
	double w = 0.8 / nbars;
	xtic_list(&f->gp, &algos);
	rp_buf_printf(&f->gp, "set ylabel 'speed-up (x)'\nset yrange [0:*]\n"
		      "set style fill solid 0.85 noborder\nset boxwidth %g absolute\n"
		      "set arrow from graph 0, first 1 to graph 1, first 1 nohead dt 2 "
		      "lc rgb '#555555'\nplot ", w);
	int drawn = 0;
	for (int k = 0; k < c->nprof; k++) {
		if (!valid[k]) {
			rp_fig_note(f, "%s: no %s speed-up measured.", c->prof[k].label, what);
			continue;
		}
		double off = (k - (nbars - 1) / 2.0) * w;
		rp_buf_printf(&f->gp, "%s'%s.csv' skip 1 using ($0%+g):%d with boxes "
			      "lc rgb '%s' title ", drawn++ ? ", \\\n  " : "", f->name, off, k + 2,
			      rp_color(k));
		rp_gp_quote(&f->gp, c->prof[k].label);
		rp_buf_printf(&f->gp, ", \\\n  '%s.csv' skip 1 using ($0%+g):%d:(sprintf('%%.2f', "
			      "column(%d))) with labels offset 0,0.6 font ',9' notitle", f->name,
			      off, k + 2, k + 2);
	}
	rp_buf_puts(&f->gp, "\n");
	free(valid);
	if (!drawn) {  /* nothing measured anywhere: no empty figure */
		c->nfigs--;
		rp_fig_free(f);
	}
	return 0;
}

int rp_figs_speedup(struct rp_ctx *c)
{
	struct names keys = { 0 }, vnames = { 0 };
	char *store[MAX_NAMES];
	int nstore = 0, err = 0;
	const cJSON *e, *v;
	for (int k = 0; k < c->nprof; k++) {
		cJSON_ArrayForEach(e, c->prof[k].hash) {
			cJSON_ArrayForEach(v, cJSON_GetObjectItemCaseSensitive(e, "variants")) {
				const char *knob = rp_str(v, "knob");
				if (!knob || nstore == MAX_NAMES)
					continue;
				char key[64];
				knob_key(knob, key, sizeof(key));
				int before = keys.n;
				if (!(store[nstore] = strdup(key))) {
					err = -ENOMEM;
					goto out;
				}
				names_add(&keys, store[nstore]);
				if (keys.n > before) {
					vnames.v[vnames.n++] = rp_str(v, "name");
					nstore++;
				} else {
					free(store[nstore]);
				}
			}
		}
	}
	for (int i = 0; i < keys.n && !err; i++)
		err = speedup_one(c, keys.v[i], vnames.v[i]);
out:
	for (int i = 0; i < nstore; i++)
		free(store[i]);
	return err;
}
