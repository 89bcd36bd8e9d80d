/* The backend table (fingerprint/collect/backends.c), the feature table
 * (fingerprint/features/features.c) and docs/features.md checked against each other, from the
 * tables themselves: adding a backend, a count or a feature without its other places fails
 * here. Backends are complete and unique; each feature is computed by each backend its source
 * names and by none of the others; every backend, count and feature is documented; the model
 * accepts exactly the table's backends; and the counts a backend declares are the ones it
 * emits (for the backends that work on this machine). */
#include "fingerprint/collect/collector.h"

#include <powprint/collect.h>
#include <powprint/dataset.h>
#include <powprint/features.h>
#include <powprint/model.h>
#include <powprint/opts.h>

#include <criterion/criterion.h>
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static struct pp_window w;
static struct pp_features f;

static bool in_names(const char *const *names, const char *s)
{
	for (; names && *names; names++)
		if (strcmp(*names, s) == 0)
			return true;
	return false;
}

/* Backend indices a feature's source names ("perf-sw|procfs"); fails on an unknown name. */
static int source_backends(const struct pp_feature_info *fi, int *out)
{
	int n = 0;
	for (const char *a = fi->source; *a;) {
		size_t l = strcspn(a, "|");
		int b = pp_backend_find(a, l);
		cr_assert_geq(b, 0, "%s: source '%s' names '%.*s', which is no backend of the table",
			      fi->name, fi->source, (int)l, a);
		cr_assert_lt(n, PP_BACKEND_MAX);
		out[n++] = b;
		a += l + (a[l] == '|');
	}
	cr_assert_gt(n, 0, "%s has no source backend", fi->name);
	return n;
}

static bool contains(const int *v, int n, int x)
{
	for (int i = 0; i < n; i++)
		if (v[i] == x)
			return true;
	return false;
}

Test(registry_collect, backends_are_complete_and_unique)
{
	int n = 0;
	while (pp_backend_table[n].ops)
		n++;
	cr_assert_gt(n, 0);
	cr_assert_eq(pp_backend_count(), n, "pp_backend_count() walks the whole table");
	cr_assert_leq(n, PP_BACKEND_MAX);
	char joined[256] = "";
	for (int i = 0; i < n; i++) {
		const struct pp_backend_ops *ops = pp_backend_table[i].ops;
		cr_assert(ops->name && ops->name[0], "backend %d has no name", i);
		cr_expect(ops->summary && ops->summary[0], "%s has no summary", ops->name);
		cr_expect(ops->probe && ops->open && ops->enable && ops->read && ops->close,
			  "%s lacks probe, open, enable, read or close", ops->name);
		cr_expect_gt(ops->priv_size, 0, "%s", ops->name);
		cr_expect(!ops->pollfds == !ops->service, "%s: pollfds and service go together",
			  ops->name);
		for (const char *p = ops->name; *p; p++) {
			unsigned char ch = (unsigned char)*p;
			cr_expect(islower(ch) || isdigit(ch) || ch == '-',
				  "backend names are [a-z0-9-] (they go in lists): %s", ops->name);
		}
		cr_expect_str_eq(pp_backend_name(i), ops->name);
		cr_expect_eq(pp_backend_find(ops->name, strlen(ops->name)), i, "%s", ops->name);
		cr_expect_eq(pp_backend_counts(i), pp_backend_table[i].counts);
		for (int j = 0; j < i; j++)
			cr_expect_str_neq(pp_backend_table[j].ops->name, ops->name,
					  "backend %d and %d share a name", j, i);
		snprintf(joined + strlen(joined), sizeof(joined) - strlen(joined), "%s%s",
			 i ? "," : "", ops->name);

		/* Counts: some, each named once across all backends, since features find counts
		 * by name alone. */
		const char *const *c = pp_backend_table[i].counts;
		cr_assert(c && c[0], "%s declares no raw counts", ops->name);
		for (int k = 0; c[k]; k++) {
			cr_expect(c[k][0] && strlen(c[k]) < sizeof(((struct pp_count *)0)->name),
				  "%s: count '%s' does not fit struct pp_count", ops->name, c[k]);
			for (int j = 0; j <= i; j++) {
				const char *const *o = pp_backend_table[j].counts;
				for (int m = 0; o[m] && (j < i || m < k); m++)
					cr_expect_str_neq(o[m], c[k], "count %s is declared twice "
							  "(%s and %s)", c[k],
							  pp_backend_table[j].ops->name, ops->name);
			}
		}
	}
	cr_expect_null(pp_backend_name(-1));
	cr_expect_null(pp_backend_name(n));
	cr_expect_null(pp_backend_counts(n));
	cr_expect_eq(pp_backend_find("no-such-backend", 15), -ENOENT);
	cr_expect_eq(pp_backend_find(pp_backend_name(0), strlen(pp_backend_name(0)) - 1), -ENOENT,
		     "a prefix is not a name");
	char list[256];
	cr_expect_str_eq(pp_backend_list(list, sizeof(list), ","), joined);
	char tiny[4];
	cr_expect_eq(strlen(pp_backend_list(tiny, sizeof(tiny), ",")), 3, "cut to fit");

	/* perf-hw declares its default events, the ones the features read. */
	int hw = pp_backend_find(pp_backend_perf_hw.name, strlen(pp_backend_perf_hw.name));
	cr_assert_geq(hw, 0, "perf-hw is in the table");
	char ev[512];
	snprintf(ev, sizeof(ev), "%s", pp_collector_default_events());
	int nev = 0;
	for (char *save, *e = strtok_r(ev, ",", &save); e; e = strtok_r(NULL, ",", &save), nev++)
		cr_expect(in_names(pp_backend_counts(hw), e), "default event %s is not declared", e);
	int ndecl = 0;
	while (pp_backend_counts(hw)[ndecl])
		ndecl++;
	cr_expect(in_names(pp_backend_counts(hw), "hw.kernel"), "and the counting mode");
	cr_expect_eq(nev + 1, ndecl, "perf-hw declares exactly its default events and the mode");

	/* Probing and option checking walk the same table. */
	struct pp_backend_status st[PP_BACKEND_MAX];
	cr_assert_eq(pp_collector_probe(st, PP_BACKEND_MAX), n);
	for (int i = 0; i < n; i++)
		cr_expect_str_eq(st[i].name, pp_backend_name(i));
	char why[512];
	for (int i = 0; i < n; i++) {
		PP_OPTS(pp_collect_opts, o, .backends = pp_backend_name(i));
		cr_expect_eq(pp_collect_opts_check(&o, why, sizeof(why)), 0, "%s: %s",
			     pp_backend_name(i), why);
	}
	PP_OPTS(pp_collect_opts, all, .backends = joined);
	cr_expect_eq(pp_collect_opts_check(&all, why, sizeof(why)), 0, "%s: %s", joined, why);
	PP_OPTS(pp_collect_opts, bad, .backends = "no-such-backend");
	cr_expect_eq(pp_collect_opts_check(&bad, why, sizeof(why)), -ENOENT);
	for (int i = 0; i < n; i++)
		cr_expect(strstr(why, pp_backend_name(i)), "why lists %s: %s", pp_backend_name(i),
			  why);
}

/* A window holding every count backends in[] declare, as that backend would emit them (its
 * name as the backend, distinct positive values), and the task clock the collector derives
 * from them. */
static void window_of(const int *in, int nin)
{
	memset(&w, 0, sizeof(w));
	w.start_s = 1;
	w.end_s = 2;
	for (int i = 0; i < nin; i++) {
		const char *const *c = pp_backend_counts(in[i]);
		for (int k = 0; c[k]; k++)
			pp_window_add(&w, pp_backend_name(in[i]), c[k], 1000 + 7 * w.ncounts, 1,
				      false);
	}
	cr_assert_lt(w.ncounts, PP_WINDOW_MAX_COUNTS);
	pp_window_task_clock(&w);
}

Test(registry_collect, each_feature_comes_from_the_backends_its_source_names)
{
	int n = pp_backend_count();
	/* The task clock that normalises every feature: cpu_util is nothing else, so its sources
	 * are exactly the backends that give one alone. */
	int tcs[PP_BACKEND_MAX], ntcs = source_backends(pp_feature_info(PP_F_CPU_UTIL), tcs);
	for (int b = 0; b < n; b++) {
		window_of(&b, 1);
		cr_expect(isnan(w.task_clock_s) == !contains(tcs, ntcs, b), "%s %s a task clock "
			  "alone, cpu_util's source says %s", pp_backend_name(b),
			  isnan(w.task_clock_s) ? "does not give" : "gives",
			  pp_feature_info(PP_F_CPU_UTIL)->source);
	}
	for (int i = 0; i < PP_F_COUNT; i++) {
		const struct pp_feature_info *fi = pp_feature_info(i);
		int src[PP_BACKEND_MAX], nsrc = source_backends(fi, src);
		/* Each source alone computes it: from its own counts, with a task clock (perf-sw and
		 * procfs give one; the others are always opened beside procfs). */
		for (int s = 0; s < nsrc; s++) {
			window_of(&src[s], 1);
			if (isnan(w.task_clock_s))
				w.task_clock_s = 0.5;
			pp_features_compute(&w, &f);
			const char *b = pp_backend_name(src[s]);
			cr_expect(isfinite(f.v[i]), "%s (source %s) is %g from %s's counts alone: "
				  "it reads a count %s does not declare (backends.c)", fi->name,
				  fi->source, f.v[i], b, b);
		}
		/* No other backend does, together with everything else. */
		int other[PP_BACKEND_MAX], nother = 0;
		for (int b = 0; b < n; b++)
			if (!contains(src, nsrc, b))
				other[nother++] = b;
		window_of(other, nother);
		pp_features_compute(&w, &f);
		cr_expect(isnan(f.v[i]), "%s is %g without its source %s: its source should name "
			  "the backend whose counts it reads", fi->name, f.v[i], fi->source);
	}
}

static char *read_doc(void)
{
	char path[4096];
	snprintf(path, sizeof(path), "%s/docs/features.md", PP_SOURCE_DIR);
	FILE *fp = fopen(path, "r");
	cr_assert_not_null(fp, "cannot open %s", path);
	static char doc[1 << 17];
	size_t len = fread(doc, 1, sizeof(doc) - 1, fp);
	fclose(fp);
	cr_assert_lt(len, sizeof(doc) - 1, "docs/features.md outgrew the test's buffer");
	doc[len] = '\0';
	return doc;
}

/* The table row "| `name` | ..." of the doc, as its own string (static), or NULL. */
static const char *doc_row(const char *doc, const char *name, const char **at)
{
	static char row[4096];
	char head[96];
	snprintf(head, sizeof(head), "\n| `%s` |", name);
	const char *p = strstr(doc, head);
	if (!p)
		return NULL;
	size_t l = strcspn(p + 1, "\n");
	cr_assert_lt(l, sizeof(row));
	memcpy(row, p + 1, l);
	row[l] = '\0';
	if (at)
		*at = p;
	return row;
}

/* Cell k (0 = the name) of a table row. */
static void doc_cell(const char *row, int k, char *out, size_t cap)
{
	const char *p = row + 1;
	for (int i = 0; i < k && p; i++) {
		p = strchr(p, '|');
		p = p ? p + 1 : NULL;
	}
	cr_assert_not_null(p, "row has no cell %d: %s", k, row);
	size_t l = strcspn(p, "|");
	cr_assert_lt(l, cap);
	memcpy(out, p, l);
	out[l] = '\0';
}

/* Whether text names word on its own (not as part of a longer name). */
static bool mentions(const char *text, const char *word)
{
	size_t l = strlen(word);
	for (const char *p = text; (p = strstr(p, word)); p++) {
		bool left = p == text || !(isalnum((unsigned char)p[-1]) || p[-1] == '-' ||
					    p[-1] == '.' || p[-1] == '_');
		bool right = !(isalnum((unsigned char)p[l]) || p[l] == '-' || p[l] == '_');
		if (left && right)
			return true;
	}
	return false;
}

Test(registry_collect, backends_counts_and_features_are_documented)
{
	const char *doc = read_doc();
	const char *prev = NULL;
	for (int b = 0; b < pp_backend_count(); b++) {
		const char *at, *row = doc_row(doc, pp_backend_name(b), &at);
		cr_expect_not_null(row, "docs/features.md has no row for backend %s in its Backends "
				   "table", pp_backend_name(b));
		if (!row)
			continue;
		cr_expect(!prev || at > prev, "docs/features.md lists %s out of the table's order",
			  pp_backend_name(b));
		prev = at;
		for (const char *const *c = pp_backend_counts(b); *c; c++) {
			char q[80];
			snprintf(q, sizeof(q), "`%s`", *c);
			cr_expect(strstr(row, q), "docs/features.md: the row of %s does not list its "
				  "count %s", pp_backend_name(b), *c);
		}
	}
	for (int i = 0; i < PP_F_COUNT; i++) {
		const struct pp_feature_info *fi = pp_feature_info(i);
		const char *row = doc_row(doc, fi->name, NULL);
		cr_expect_not_null(row, "docs/features.md has no row for feature %s", fi->name);
		if (!row)
			continue;
		char cell[512];
		doc_cell(row, 2, cell, sizeof(cell));
		int src[PP_BACKEND_MAX], nsrc = source_backends(fi, src);
		for (int b = 0; b < pp_backend_count(); b++)
			cr_expect(mentions(cell, pp_backend_name(b)) == contains(src, nsrc, b),
				  "docs/features.md: the source of %s is '%s', the feature table "
				  "says %s", fi->name, cell, fi->source);
	}
}

/* A dataset with a column for every feature, half miner, half benign rows. */
static struct pp_dataset *every_feature_dataset(void)
{
	char names[PP_F_COUNT][64];
	const char *np[PP_F_COUNT];
	for (int i = 0; i < PP_F_COUNT; i++) {
		snprintf(names[i], sizeof(names[i]), "f.%s", pp_feature_info(i)->name);
		np[i] = names[i];
	}
	struct pp_dataset *ds;
	cr_assert_eq(pp_dataset_new(np, PP_F_COUNT, NULL, 0, &ds), 0);
	pp_dataset_set_feature_version(ds, PP_FEATURES_VERSION);
	for (int r = 0; r < 4; r++)
		for (int k = 0; k < 4; k++) {
			bool miner = r < 2;
			struct pp_dataset_row row = {
				.run_id = r, .workload = miner ? "cn/r" : "aes",
				.label = miner ? PP_LABEL_MINER : PP_LABEL_BENIGN, .window = k,
				.duty = -1, .threads = -1, .soft_aes = -1,
			};
			double x[PP_F_COUNT];
			for (int i = 0; i < PP_F_COUNT; i++)
				x[i] = (miner ? 1.0 : 0.1) + 0.01 * (k + i);
			cr_assert_eq(pp_dataset_add_row(ds, &row, x, NULL), 0);
		}
	return ds;
}

Test(registry_collect, the_model_accepts_exactly_the_tables_backends)
{
	struct pp_dataset *ds = every_feature_dataset();
	char why[512];
	for (int b = 0; b < pp_backend_count(); b++) {
		/* Limited to one backend, a model keeps exactly the features whose source names it,
		 * and needs that backend alone. */
		PP_OPTS(pp_train_opts, o, .params = "rounds=2", .backends = pp_backend_name(b),
			.exclude = "", .no_fingerprints = true);
		struct pp_model *m;
		why[0] = '\0';
		cr_assert_eq(pp_model_train(ds, &o, &m, why, sizeof(why)), 0,
			     "the model does not train on %s's features: %s", pp_backend_name(b),
			     why);
		cr_expect_eq(pp_model_nbackends(m), 1);
		cr_expect_str_eq(pp_model_backend(m, 0), pp_backend_name(b));
		int want = 0;
		for (int i = 0; i < PP_F_COUNT; i++) {
			int src[PP_BACKEND_MAX], nsrc = source_backends(pp_feature_info(i), src);
			want += contains(src, nsrc, b);
		}
		cr_expect_eq(pp_model_nfeatures(m), want, "%s computes %d features",
			     pp_backend_name(b), want);
		pp_model_free(m);
	}
	PP_OPTS(pp_train_opts, o, .params = "rounds=2", .backends = "no-such-backend",
		.exclude = "", .no_fingerprints = true);
	struct pp_model *m = NULL;
	cr_expect_lt(pp_model_train(ds, &o, &m, why, sizeof(why)), 0,
		     "a backend outside the table computes no feature");
	pp_dataset_free(ds);
}

/* Each backend that works here, attached to this process for one window, emits its declared
 * counts under its own name (perf-hw: the default events this PMU has, no others). */
Test(registry_collect, backends_emit_the_counts_they_declare)
{
	struct pp_backend_status st[PP_BACKEND_MAX];
	int n = pp_collector_probe(st, PP_BACKEND_MAX), tried = 0;
	for (int b = 0; b < n; b++) {
		if (!st[b].available)
			continue;
		PP_OPTS(pp_collect_opts, o, .backends = pp_backend_name(b), .interval_ms = 100);
		struct pp_collector *c;
		char why[512] = "";
		if (pp_collector_open_pid(getpid(), &o, &c, why, sizeof(why))) {
			cr_log_warn("%s probes fine but does not open here: %s", pp_backend_name(b),
				    why);
			continue;
		}
		tried++;
		cr_assert_eq(pp_collector_read_now(c, &w), 0);
		pp_collector_close(c);
		const char *const *decl = pp_backend_counts(b);
		for (int i = 0; i < w.ncounts; i++) {
			const struct pp_count *c = &w.counts[i];
			cr_expect(c->backend && !strcmp(c->backend, pp_backend_name(b)),
				  "count %s of %s is marked as %s's", c->name, pp_backend_name(b),
				  c->backend);
			cr_expect(in_names(decl, c->name), "%s emits %s, which its row in backends.c "
				  "does not declare", pp_backend_name(b), c->name);
		}
		if (&pp_backend_perf_hw == pp_backend_table[b].ops)
			continue; /* optional events (stalled-cycles-*) are missing on many PMUs */
		for (int k = 0; decl[k]; k++) {
			bool found = false;
			for (int i = 0; i < w.ncounts && !found; i++)
				found = !strcmp(w.counts[i].name, decl[k]);
			cr_expect(found, "%s declares %s but does not emit it", pp_backend_name(b),
				  decl[k]);
		}
	}
	cr_expect_gt(tried, 0, "no backend could be opened on this process (procfs always can)");
}
