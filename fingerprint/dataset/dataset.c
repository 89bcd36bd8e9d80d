/* The dataset container: named feature and raw columns, rows of doubles with their labels
 * (strings interned, runs numbered densely per source), the sources a dataset was read from,
 * and pp_dataset_read_many, which merges several directories on their common columns.
 * Reading and writing files: csv-read.c, csv-write.c, meta.c. */
#include "fingerprint/dataset/dataset-priv.h"
#include "core/why.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void add_note(struct pp_dataset *ds, const char *fmt, ...)
{
	char line[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	size_t l = strlen(line);
	char *n = realloc(ds->notes, ds->notes_len + l + 2);
	if (!n)
		return;
	memcpy(n + ds->notes_len, line, l);
	n[ds->notes_len + l] = '\n';
	n[ds->notes_len + l + 1] = '\0';
	ds->notes = n;
	ds->notes_len += l + 1;
}

static char **dup_names(const char *const *names, int n)
{
	char **v = calloc((size_t)n + 1, sizeof(*v));
	if (!v)
		return NULL;
	for (int i = 0; i < n; i++) {
		v[i] = strdup(names[i]);
		if (!v[i]) {
			for (int k = 0; k < i; k++)
				free(v[k]);
			free(v);
			return NULL;
		}
	}
	return v;
}

int pp_dataset_new(const char *const *features, int nfeatures, const char *const *raw,
		   int nraw, struct pp_dataset **out)
{
	if (!out || nfeatures < 0 || nraw < 0 || (nfeatures && !features) || (nraw && !raw))
		return -EINVAL;
	struct pp_dataset *ds = calloc(1, sizeof(*ds));
	if (!ds)
		return -ENOMEM;
	ds->nf = nfeatures;
	ds->nraw = nraw;
	ds->fname = dup_names(features, nfeatures);
	ds->rname = dup_names(raw, nraw);
	ds->fb = calloc((size_t)nfeatures + 1, sizeof(*ds->fb));
	ds->nfb = malloc(((size_t)nfeatures + 1) * sizeof(*ds->nfb));
	if (!ds->fname || !ds->rname || !ds->fb || !ds->nfb) {
		pp_dataset_free(ds);
		return -ENOMEM;
	}
	for (int j = 0; j < nfeatures; j++)
		ds->nfb[j] = -1;
	*out = ds;
	return 0;
}

void pp_dataset_free(struct pp_dataset *ds)
{
	if (!ds)
		return;
	for (int j = 0; ds->fname && j < ds->nf; j++)
		free(ds->fname[j]);
	for (int j = 0; ds->rname && j < ds->nraw; j++)
		free(ds->rname[j]);
	free(ds->fname);
	free(ds->rname);
	for (int j = 0; ds->fb && j < ds->nf; j++)
		free(ds->fb[j]);
	free(ds->fb);
	free(ds->nfb);
	free(ds->rows);
	free(ds->X);
	free(ds->R);
	ds_strtab_free(&ds->strs);
	ds_runtab_free(&ds->runs);
	for (int i = 0; i < ds->nsources; i++)
		free((void *)ds->sources[i].backends);
	free(ds->sources);
	free(ds->notes);
	free(ds);
}

static int grow_rows(struct pp_dataset *ds)
{
	if (ds->nrows < ds->cap)
		return 0;
	int ncap = ds->cap ? 2 * ds->cap : 256;
	struct pp_dataset_row *r = realloc(ds->rows, (size_t)ncap * sizeof(*r));
	if (!r)
		return -ENOMEM;
	ds->rows = r;
	double *x = realloc(ds->X, (size_t)ncap * (size_t)(ds->nf ? ds->nf : 1) * sizeof(*x));
	if (!x)
		return -ENOMEM;
	ds->X = x;
	double *y = realloc(ds->R, (size_t)ncap * (size_t)(ds->nraw ? ds->nraw : 1) * sizeof(*y));
	if (!y)
		return -ENOMEM;
	ds->R = y;
	ds->cap = ncap;
	return 0;
}

int ds_add_row_src(struct pp_dataset *ds, const struct pp_dataset_row *row, int source,
		   const double *f, const double *raw)
{
	int err = grow_rows(ds);
	if (err)
		return err;
	struct pp_dataset_row r = *row;
	r.source = source;
	r.run = ds_run_index(&ds->runs, &ds->nruns, source, row->run_id);
	r.workload = ds_intern(&ds->strs, row->workload);
	r.family = ds_intern(&ds->strs,
			     row->family && row->family[0] ? row->family : row->workload);
	r.variant = ds_intern(&ds->strs, row->variant);
	r.huge_pages = ds_intern(&ds->strs, row->huge_pages);
	if (r.run < 0 || !r.workload || !r.family || !r.variant || !r.huge_pages)
		return -ENOMEM;
	ds->rows[ds->nrows] = r;
	for (int j = 0; j < ds->nf; j++)
		ds->X[(size_t)ds->nrows * ds->nf + j] = f ? f[j] : NAN;
	for (int j = 0; j < ds->nraw; j++)
		ds->R[(size_t)ds->nrows * ds->nraw + j] = raw ? raw[j] : NAN;
	ds->nrows++;
	return 0;
}

int pp_dataset_add_row(struct pp_dataset *ds, const struct pp_dataset_row *row,
		       const double *features, const double *raw)
{
	if (!ds || !row || !row->workload || (ds->nf && !features))
		return -EINVAL;
	return ds_add_row_src(ds, row, 0, features, raw);
}

int pp_dataset_nrows(const struct pp_dataset *ds) { return ds->nrows; }
int pp_dataset_nruns(const struct pp_dataset *ds) { return ds->nruns; }
int pp_dataset_nfeatures(const struct pp_dataset *ds) { return ds->nf; }
int pp_dataset_nraw(const struct pp_dataset *ds) { return ds->nraw; }
int pp_dataset_feature_version(const struct pp_dataset *ds) { return ds->feature_version; }
void pp_dataset_set_feature_version(struct pp_dataset *ds, int v) { ds->feature_version = v; }
int pp_dataset_nsources(const struct pp_dataset *ds) { return ds->nsources; }
const char *pp_dataset_notes(const struct pp_dataset *ds) { return ds->notes ? ds->notes : ""; }

const char *pp_dataset_feature_name(const struct pp_dataset *ds, int j)
{
	return j >= 0 && j < ds->nf ? ds->fname[j] : NULL;
}

const char *pp_dataset_raw_name(const struct pp_dataset *ds, int j)
{
	return j >= 0 && j < ds->nraw ? ds->rname[j] : NULL;
}

int pp_dataset_feature_index(const struct pp_dataset *ds, const char *name)
{
	for (int j = 0; j < ds->nf; j++)
		if (strcmp(ds->fname[j], name) == 0)
			return j;
	return -ENOENT;
}

const struct pp_dataset_row *pp_dataset_row(const struct pp_dataset *ds, int i)
{
	return i >= 0 && i < ds->nrows ? &ds->rows[i] : NULL;
}

const double *pp_dataset_features(const struct pp_dataset *ds, int i)
{
	return ds->X + (size_t)i * ds->nf;
}

const double *pp_dataset_raw(const struct pp_dataset *ds, int i)
{
	return ds->R + (size_t)i * ds->nraw;
}

const struct pp_dataset_source *pp_dataset_source(const struct pp_dataset *ds, int i)
{
	return i >= 0 && i < ds->nsources ? &ds->sources[i] : NULL;
}

int pp_dataset_feature_backends(const struct pp_dataset *ds, int j, const char *const **names)
{
	if (j < 0 || j >= ds->nf)
		return -EINVAL;
	if (ds->nfb[j] < 0)
		return -ENOENT;
	*names = ds->fb[j];
	return ds->nfb[j];
}

int pp_dataset_set_feature_backends(struct pp_dataset *ds, int j, const char *const *names,
				    int n)
{
	if (j < 0 || j >= ds->nf || n < 0)
		return -EINVAL;
	const char **v = calloc((size_t)n + 1, sizeof(*v));
	if (!v)
		return -ENOMEM;
	for (int i = 0; i < n; i++)
		if (!(v[i] = ds_intern(&ds->strs, names[i]))) {
			free(v);
			return -ENOMEM;
		}
	free(ds->fb[j]);
	ds->fb[j] = v;
	ds->nfb[j] = n;
	return 0;
}

int ds_add_source(struct pp_dataset *ds, const struct pp_dataset_source *src)
{
	struct pp_dataset_source *s = realloc(ds->sources, (ds->nsources + 1) * sizeof(*s));
	if (!s)
		return -ENOMEM;
	ds->sources = s;
	struct pp_dataset_source c = *src;
	c.dir = ds_intern(&ds->strs, src->dir);
	c.host_cpu = ds_intern(&ds->strs, src->host_cpu);
	c.host_arch = ds_intern(&ds->strs, src->host_arch);
	c.first_start = ds_intern(&ds->strs, src->first_start);
	c.last_end = ds_intern(&ds->strs, src->last_end);
	const char **b = calloc((size_t)src->nbackends + 1, sizeof(*b));
	if (!b || !c.dir || !c.host_cpu || !c.host_arch || !c.first_start || !c.last_end) {
		free(b);
		return -ENOMEM;
	}
	for (int i = 0; i < src->nbackends; i++)
		if (!(b[i] = ds_intern(&ds->strs, src->backends[i]))) {
			free(b);
			return -ENOMEM;
		}
	c.backends = b;
	ds->sources[ds->nsources++] = c;
	return 0;
}

static int name_index(char *const *names, int n, const char *name)
{
	for (int i = 0; i < n; i++)
		if (strcmp(names[i], name) == 0)
			return i;
	return -1;
}

int pp_dataset_read_many(const char *const *dirs, int ndirs, struct pp_dataset **out,
			 char *why, size_t len)
{
	if (!dirs || ndirs < 1 || !out)
		return -EINVAL;
	if (ndirs == 1)
		return pp_dataset_read(dirs[0], out, why, len);
	struct pp_dataset **part = calloc((size_t)ndirs, sizeof(*part));
	if (!part)
		return -ENOMEM;
	struct pp_dataset *ds = NULL;
	const char **fn = NULL, **rn = NULL;
	int **fmap = NULL, **rmap = NULL;
	double *f = NULL, *raw = NULL;
	int err = 0;
	for (int d = 0; d < ndirs && !err; d++) {
		err = pp_dataset_read(dirs[d], &part[d], why, len);
		if (!err && part[d]->feature_version != part[0]->feature_version)
			err = pp_why(why, len, -EINVAL, "%s has feature-vector version %d but %s has "
				     "%d: datasets recorded by different powprint versions cannot be "
				     "mixed; re-record one of them", dirs[d],
				     part[d]->feature_version, dirs[0], part[0]->feature_version);
	}
	if (err)
		goto out;
	/* The intersection of the columns, in the first directory's order. */
	fn = malloc(((size_t)part[0]->nf + 1) * sizeof(*fn));
	rn = malloc(((size_t)part[0]->nraw + 1) * sizeof(*rn));
	fmap = calloc((size_t)ndirs, sizeof(*fmap));
	rmap = calloc((size_t)ndirs, sizeof(*rmap));
	if (!fn || !rn || !fmap || !rmap)
		goto nomem;
	int nf = 0, nr = 0;
	for (int j = 0; j < part[0]->nf; j++) {
		const char *name = part[0]->fname[j];
		int d = 1;
		while (d < ndirs && name_index(part[d]->fname, part[d]->nf, name) >= 0)
			d++;
		if (d == ndirs)
			fn[nf++] = name;
	}
	for (int j = 0; j < part[0]->nraw; j++) {
		const char *name = part[0]->rname[j];
		int d = 1;
		while (d < ndirs && name_index(part[d]->rname, part[d]->nraw, name) >= 0)
			d++;
		if (d == ndirs)
			rn[nr++] = name;
	}
	if ((err = pp_dataset_new(fn, nf, rn, nr, &ds)))
		goto out;
	ds->feature_version = part[0]->feature_version;
	for (int d = 0; d < ndirs; d++) {
		fmap[d] = malloc(((size_t)nf + 1) * sizeof(int));
		rmap[d] = malloc(((size_t)nr + 1) * sizeof(int));
		if (!fmap[d] || !rmap[d])
			goto nomem;
		for (int j = 0; j < nf; j++)
			fmap[d][j] = name_index(part[d]->fname, part[d]->nf, fn[j]);
		for (int j = 0; j < nr; j++)
			rmap[d][j] = name_index(part[d]->rname, part[d]->nraw, rn[j]);
		for (int j = 0; j < part[d]->nf; j++)
			if (name_index(ds->fname, nf, part[d]->fname[j]) < 0)
				add_note(ds, "feature %s is in %s but not in every --data directory: "
					 "not used", part[d]->fname[j], dirs[d]);
		if ((err = ds_add_source(ds, &part[d]->sources[0])))
			goto out;
	}
	for (int j = 0; j < nf; j++)
		for (int d = 0; d < ndirs; d++) {
			int k = fmap[d][j];
			if (part[d]->nfb[k] >= 0) {
				err = pp_dataset_set_feature_backends(ds, j, part[d]->fb[k],
								      part[d]->nfb[k]);
				if (err)
					goto out;
				break;
			}
		}
	f = malloc(((size_t)nf + 1) * sizeof(*f));
	raw = malloc(((size_t)nr + 1) * sizeof(*raw));
	if (!f || !raw)
		goto nomem;
	for (int d = 0; d < ndirs; d++) {
		const struct pp_dataset *p = part[d];
		for (int i = 0; i < p->nrows; i++) {
			for (int j = 0; j < nf; j++)
				f[j] = p->X[(size_t)i * p->nf + fmap[d][j]];
			for (int j = 0; j < nr; j++)
				raw[j] = p->R[(size_t)i * p->nraw + rmap[d][j]];
			if ((err = ds_add_row_src(ds, &p->rows[i], d, f, raw)))
				goto out;
		}
	}
	goto out;
nomem:
	err = -ENOMEM;
out:
	for (int d = 0; d < ndirs; d++) {
		if (fmap)
			free(fmap[d]);
		if (rmap)
			free(rmap[d]);
		pp_dataset_free(part[d]);
	}
	free(part);
	free(fmap);
	free(rmap);
	free(fn);
	free(rn);
	free(f);
	free(raw);
	if (err) {
		pp_dataset_free(ds);
		return err;
	}
	*out = ds;
	return 0;
}
