/* Datasets: windows.csv (RFC 4180: quoted fields, "" escapes, newlines inside quotes, CRLF,
 * empty field = NaN) and meta.json, read into rows x doubles plus per-row labels. */
#include "core/file.h"
#include "core/why.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <powprint/dataset.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Interned strings and (source, run_id) -> dense run index, both open-addressing tables. */
struct strtab {
	char **slot;
	size_t cap, n;
};

struct runtab {
	int64_t *key;
	int *val;
	size_t cap, n;
};

struct pp_dataset {
	int nf, nraw;
	char **fname, **rname;
	int nrows, cap;
	struct pp_dataset_row *rows;
	double *X, *R;
	int nruns;
	int feature_version;
	struct strtab strs;
	struct runtab runs;
	int nsources;
	struct pp_dataset_source *sources;
	/* Per feature: backend names (interned) or nfb[j] == -1 when unknown. */
	const char ***fb;
	int *nfb;
	char *notes;
	size_t notes_len;
};

static uint64_t hash_str(const char *s)
{
	uint64_t h = 1469598103934665603ull;  /* FNV-1a */
	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ull;
	return h;
}

static const char *intern(struct pp_dataset *ds, const char *s)
{
	struct strtab *t = &ds->strs;
	if (!s)
		s = "";
	if (2 * (t->n + 1) > t->cap) {
		size_t ncap = t->cap ? 2 * t->cap : 64;
		char **ns = calloc(ncap, sizeof(*ns));
		if (!ns)
			return NULL;
		for (size_t i = 0; i < t->cap; i++) {
			if (!t->slot[i])
				continue;
			size_t k = hash_str(t->slot[i]) & (ncap - 1);
			while (ns[k])
				k = (k + 1) & (ncap - 1);
			ns[k] = t->slot[i];
		}
		free(t->slot);
		t->slot = ns;
		t->cap = ncap;
	}
	size_t k = hash_str(s) & (t->cap - 1);
	while (t->slot[k]) {
		if (strcmp(t->slot[k], s) == 0)
			return t->slot[k];
		k = (k + 1) & (t->cap - 1);
	}
	t->slot[k] = strdup(s);
	if (!t->slot[k])
		return NULL;
	t->n++;
	return t->slot[k];
}

static uint64_t hash_key(int64_t key)
{
	uint64_t x = (uint64_t)key * 0x9e3779b97f4a7c15ull;
	return x ^ (x >> 29);
}

/* Dense index of run (source, run_id), allocated on first sight; -ENOMEM on failure. */
static int run_index(struct pp_dataset *ds, int source, long run_id)
{
	struct runtab *t = &ds->runs;
	int64_t key = ((int64_t)source << 40) ^ (int64_t)run_id;
	if (2 * (t->n + 1) > t->cap) {
		size_t ncap = t->cap ? 2 * t->cap : 64;
		int64_t *nk = malloc(ncap * sizeof(*nk));
		int *nv = malloc(ncap * sizeof(*nv));
		if (!nk || !nv) {
			free(nk);
			free(nv);
			return -ENOMEM;
		}
		for (size_t i = 0; i < ncap; i++)
			nv[i] = -1;
		for (size_t i = 0; i < t->cap; i++) {
			if (t->val[i] < 0)
				continue;
			size_t k = hash_key(t->key[i]) & (ncap - 1);
			while (nv[k] >= 0)
				k = (k + 1) & (ncap - 1);
			nk[k] = t->key[i];
			nv[k] = t->val[i];
		}
		free(t->key);
		free(t->val);
		t->key = nk;
		t->val = nv;
		t->cap = ncap;
	}
	size_t k = hash_key(key) & (t->cap - 1);
	while (t->val[k] >= 0) {
		if (t->key[k] == key)
			return t->val[k];
		k = (k + 1) & (t->cap - 1);
	}
	t->key[k] = key;
	t->val[k] = ds->nruns++;
	t->n++;
	return t->val[k];
}

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
	for (size_t i = 0; i < ds->strs.cap; i++)
		free(ds->strs.slot[i]);
	free(ds->strs.slot);
	free(ds->runs.key);
	free(ds->runs.val);
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

static int add_row_src(struct pp_dataset *ds, const struct pp_dataset_row *row, int source,
		       const double *f, const double *raw)
{
	int err = grow_rows(ds);
	if (err)
		return err;
	struct pp_dataset_row r = *row;
	r.source = source;
	r.run = run_index(ds, source, row->run_id);
	r.workload = intern(ds, row->workload);
	r.family = intern(ds, row->family && row->family[0] ? row->family : row->workload);
	r.variant = intern(ds, row->variant);
	r.huge_pages = intern(ds, row->huge_pages);
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
	return add_row_src(ds, row, 0, features, raw);
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
		if (!(v[i] = intern(ds, names[i]))) {
			free(v);
			return -ENOMEM;
		}
	free(ds->fb[j]);
	ds->fb[j] = v;
	ds->nfb[j] = n;
	return 0;
}

static int add_source(struct pp_dataset *ds, const struct pp_dataset_source *src)
{
	struct pp_dataset_source *s = realloc(ds->sources, (ds->nsources + 1) * sizeof(*s));
	if (!s)
		return -ENOMEM;
	ds->sources = s;
	struct pp_dataset_source c = *src;
	c.dir = intern(ds, src->dir);
	c.host_cpu = intern(ds, src->host_cpu);
	c.host_arch = intern(ds, src->host_arch);
	c.first_start = intern(ds, src->first_start);
	c.last_end = intern(ds, src->last_end);
	const char **b = calloc((size_t)src->nbackends + 1, sizeof(*b));
	if (!b || !c.dir || !c.host_cpu || !c.host_arch || !c.first_start || !c.last_end) {
		free(b);
		return -ENOMEM;
	}
	for (int i = 0; i < src->nbackends; i++)
		if (!(b[i] = intern(ds, src->backends[i]))) {
			free(b);
			return -ENOMEM;
		}
	c.backends = b;
	ds->sources[ds->nsources++] = c;
	return 0;
}

/* ---- CSV ---- */

struct csv {
	char *p, *end;
	int line;                   /* line of the record being parsed, from 1 */
	char **field;
	int nfield, cap;
};

/* Parses one record in place (fields become NUL-terminated, quotes removed). Returns the
 * number of fields, 0 at the end of input, or -EBADMSG with why filled. Blank lines are
 * skipped. */
static int csv_record(struct csv *c, const char *file, char *why, size_t len)
{
	for (;;) {
		if (c->p >= c->end)
			return 0;
		if (*c->p == '\n') {
			c->p++;
			c->line++;
		} else if (*c->p == '\r') {
			c->p += (c->p + 1 < c->end && c->p[1] == '\n') ? 2 : 1;
			c->line++;
		} else {
			break;
		}
	}
	int startline = c->line;
	c->nfield = 0;
	for (;;) {
		if (c->nfield == c->cap) {
			int ncap = c->cap ? 2 * c->cap : 64;
			char **nf = realloc(c->field, (size_t)ncap * sizeof(*nf));
			if (!nf)
				return -ENOMEM;
			c->field = nf;
			c->cap = ncap;
		}
		char *start = c->p, *o = c->p;
		if (c->p < c->end && *c->p == '"') {
			c->p++;
			for (;;) {
				if (c->p >= c->end)
					return pp_why(why, len, -EBADMSG,
						      "%s line %d: a quoted field is never closed "
						      "(missing '\"')", file, startline);
				if (*c->p == '"') {
					if (c->p + 1 < c->end && c->p[1] == '"') {
						*o++ = '"';
						c->p += 2;
						continue;
					}
					c->p++;
					break;
				}
				if (*c->p == '\n')
					c->line++;
				*o++ = *c->p++;
			}
			if (c->p < c->end && *c->p != ',' && *c->p != '\n' && *c->p != '\r')
				return pp_why(why, len, -EBADMSG,
					      "%s line %d: text after a closing quote in field %d",
					      file, c->line, c->nfield + 1);
		} else {
			while (c->p < c->end && *c->p != ',' && *c->p != '\n' && *c->p != '\r')
				c->p++;
			o = c->p;
		}
		char delim = c->p < c->end ? *c->p : '\n';
		if (c->p < c->end)
			c->p++;
		if (delim == '\r' && c->p < c->end && *c->p == '\n')
			c->p++;
		*o = '\0';  /* o <= the delimiter's position, so this stays inside the buffer */
		c->field[c->nfield++] = start;
		if (delim != ',') {
			c->line++;
			return c->nfield;
		}
	}
}

static char *trim(char *s)
{
	while (*s == ' ' || *s == '\t')
		s++;
	size_t l = strlen(s);
	while (l && (s[l - 1] == ' ' || s[l - 1] == '\t'))
		s[--l] = '\0';
	return s;
}

/* Empty -> NaN; otherwise the whole field must be a number (strtod also takes nan, inf). */
static int parse_num(char *s, double *out)
{
	s = trim(s);
	if (!*s) {
		*out = NAN;
		return 0;
	}
	char *end;
	errno = 0;
	double v = strtod(s, &end);
	if (end == s || *end || (errno == ERANGE && fabs(v) > 1))
		return -EBADMSG;
	*out = v;
	return 0;
}

static int parse_int(char *s, long *out, long def)
{
	double v;
	if (parse_num(s, &v))
		return -EBADMSG;
	if (isnan(v)) {
		*out = def;
		return 0;
	}
	if (v != floor(v) || fabs(v) > (double)LONG_MAX / 2)
		return -EBADMSG;
	*out = (long)v;
	return 0;
}

enum fixed_col {
	C_RUN_ID, C_WORKLOAD, C_CLASS, C_FAMILY, C_VARIANT, C_THREADS, C_DUTY, C_SOFT_AES,
	C_HUGE_PAGES, C_WINDOW, C_T_START, C_T_END, C_TASK_CLOCK_S, C_PARTIAL, C_NFIXED
};

static const char *const fixed_names[C_NFIXED] = {
	"run_id", "workload", "class", "family", "variant", "threads", "duty", "soft_aes",
	"huge_pages", "window", "t_start", "t_end", "task_clock_s", "partial",
};

/* Column layout of one CSV header. */
struct layout {
	int fixed[C_NFIXED];        /* column index or -1 */
	int *fcol, nf;              /* feature k is in column fcol[k] */
	int *rcol, nr;
	const char **fnames, **rnames;
};

static void layout_free(struct layout *L)
{
	free(L->fcol);
	free(L->rcol);
	free(L->fnames);
	free(L->rnames);
}

static int parse_header(struct csv *c, int n, const char *file, struct layout *L, char *why,
			size_t len)
{
	memset(L, 0, sizeof(*L));
	for (int k = 0; k < C_NFIXED; k++)
		L->fixed[k] = -1;
	L->fcol = malloc((size_t)n * sizeof(int));
	L->rcol = malloc((size_t)n * sizeof(int));
	L->fnames = malloc((size_t)n * sizeof(char *));
	L->rnames = malloc((size_t)n * sizeof(char *));
	if (!L->fcol || !L->rcol || !L->fnames || !L->rnames)
		return -ENOMEM;
	for (int i = 0; i < n; i++) {
		char *name = trim(c->field[i]);
		if (i == 0 && (unsigned char)name[0] == 0xef && (unsigned char)name[1] == 0xbb &&
		    (unsigned char)name[2] == 0xbf)
			name += 3;  /* a UTF-8 byte-order mark from a spreadsheet */
		c->field[i] = name;
		for (int k = 0; k < i; k++)
			if (strcmp(c->field[k], name) == 0)
				return pp_why(why, len, -EBADMSG,
					      "%s: column '%s' appears twice in the header", file,
					      name);
		bool fixed = false;
		for (int k = 0; k < C_NFIXED; k++)
			if (strcmp(name, fixed_names[k]) == 0) {
				L->fixed[k] = i;
				fixed = true;
			}
		if (fixed)
			continue;
		if (strncmp(name, "f.", 2) == 0 && name[2]) {
			L->fnames[L->nf] = name;
			L->fcol[L->nf++] = i;
		} else if (strncmp(name, "raw.", 4) == 0 && name[4]) {
			L->rnames[L->nr] = name;
			L->rcol[L->nr++] = i;
		}
		/* Other columns are ignored: a newer recorder may add some. */
	}
	for (int k = 0; k <= C_CLASS; k++)
		if (L->fixed[k] < 0)
			return pp_why(why, len, -EBADMSG,
				      "%s: the header has no '%s' column (docs/dataset.md lists the "
				      "required columns)", file, fixed_names[k]);
	return 0;
}

static int parse_row(struct csv *c, const struct layout *L, const char *file, int line,
		     struct pp_dataset_row *r, double *f, double *raw, char *why, size_t len)
{
	char **v = c->field;
	const int *x = L->fixed;
	long lv;
#define COL(k) (x[k] >= 0 ? v[x[k]] : (char *)"")
#define BAD(k) pp_why(why, len, -EBADMSG, "%s line %d, column '%s': '%s' is not valid", \
		      file, line, fixed_names[k], COL(k))
	memset(r, 0, sizeof(*r));
	if (parse_int(COL(C_RUN_ID), &lv, LONG_MIN) || lv == LONG_MIN || lv < 0)
		return BAD(C_RUN_ID);
	r->run_id = lv;
	r->workload = trim(COL(C_WORKLOAD));
	if (!r->workload[0])
		return BAD(C_WORKLOAD);
	const char *cls = trim(COL(C_CLASS));
	if (strcmp(cls, "miner") == 0)
		r->label = PP_LABEL_MINER;
	else if (strcmp(cls, "benign") == 0)
		r->label = PP_LABEL_BENIGN;
	else if (!cls[0])
		r->label = PP_LABEL_UNKNOWN;
	else
		return pp_why(why, len, -EBADMSG,
			      "%s line %d: class is '%s'; expected 'miner', 'benign' or empty", file,
			      line, cls);
	r->family = trim(COL(C_FAMILY));
	r->variant = trim(COL(C_VARIANT));
	r->huge_pages = trim(COL(C_HUGE_PAGES));
	static const int ints[] = { C_THREADS, C_DUTY, C_SOFT_AES, C_WINDOW };
	int *dst[] = { &r->threads, &r->duty, &r->soft_aes, &r->window };
	for (size_t k = 0; k < sizeof(ints) / sizeof(ints[0]); k++) {
		if (parse_int(COL(ints[k]), &lv, -1) || lv < -1 || lv > INT_MAX)
			return BAD(ints[k]);
		*dst[k] = (int)lv;
	}
	static const int dbls[] = { C_T_START, C_T_END, C_TASK_CLOCK_S };
	double *dd[] = { &r->t_start, &r->t_end, &r->task_clock_s };
	for (size_t k = 0; k < sizeof(dbls) / sizeof(dbls[0]); k++)
		if (parse_num(COL(dbls[k]), dd[k]))
			return BAD(dbls[k]);
	if (parse_int(COL(C_PARTIAL), &lv, 0) || (lv != 0 && lv != 1))
		return BAD(C_PARTIAL);
	r->partial = lv == 1;
#undef BAD
#undef COL
	for (int k = 0; k < L->nf; k++)
		if (parse_num(v[L->fcol[k]], &f[k]))
			return pp_why(why, len, -EBADMSG,
				      "%s line %d, column '%s': '%s' is not a number (write an "
				      "empty field for a missing value)", file, line, L->fnames[k],
				      v[L->fcol[k]]);
	for (int k = 0; k < L->nr; k++)
		if (parse_num(v[L->rcol[k]], &raw[k]))
			return pp_why(why, len, -EBADMSG, "%s line %d, column '%s': '%s' is not a "
				      "number", file, line, L->rnames[k], v[L->rcol[k]]);
	return 0;
}

/* ---- meta.json ---- */

struct meta {
	cJSON *root;
	struct pp_dataset_source src;
	const char **backends;
	char first[64], last[64];
};

static int read_meta(const char *dir, struct meta *m, char *why, size_t len)
{
	char path[PATH_MAX];
	snprintf(path, sizeof(path), "%s/meta.json", dir);
	memset(m, 0, sizeof(*m));
	char *buf;
	size_t n;
	int err = pp_file_read(path, &buf, &n);
	if (err)
		return pp_why(why, len, err, "cannot read %s: %s (a dataset directory holds "
			      "windows.csv and meta.json, as `powprint record` writes them)", path,
			      strerror(-err));
	m->root = cJSON_ParseWithLength(buf, n);
	free(buf);
	if (!m->root || !cJSON_IsObject(m->root))
		return pp_why(why, len, -EBADMSG, "%s is not valid JSON: the file is corrupt or "
			      "truncated", path);
	const char *fmt = cJSON_GetStringValue(cJSON_GetObjectItem(m->root, "format"));
	if (!fmt || strcmp(fmt, "powprint-dataset") != 0)
		return pp_why(why, len, -EBADMSG, "%s is not a powprint dataset's meta.json "
			      "(its \"format\" is %s%s%s, expected \"powprint-dataset\")", path,
			      fmt ? "\"" : "", fmt ? fmt : "missing", fmt ? "\"" : "");
	cJSON *fv = cJSON_GetObjectItem(m->root, "format_version");
	if (cJSON_IsNumber(fv) && fv->valuedouble > 1)
		return pp_why(why, len, -EINVAL, "%s has format_version %g; this powprint reads "
			      "version 1: upgrade powprint", path, fv->valuedouble);
	cJSON *ver = cJSON_GetObjectItem(m->root, "feature_version");
	m->src.feature_version = cJSON_IsNumber(ver) ? ver->valueint : 0;
	cJSON *host = cJSON_GetObjectItem(m->root, "host");
	cJSON *cpu = cJSON_GetObjectItem(host, "cpu");
	const char *s = cJSON_GetStringValue(cJSON_GetObjectItem(cpu, "brand"));
	m->src.host_cpu = s ? s : "";
	s = cJSON_GetStringValue(cJSON_GetObjectItem(cpu, "arch"));
	m->src.host_arch = s ? s : "";
	cJSON *pmu = cJSON_GetObjectItem(cJSON_GetObjectItem(host, "counters"), "hardware_pmu");
	m->src.host_hw_pmu = cJSON_IsBool(pmu) ? cJSON_IsTrue(pmu) : -1;
	cJSON *cmd;
	cJSON_ArrayForEach(cmd, cJSON_GetObjectItem(m->root, "commands")) {
		const char *a = cJSON_GetStringValue(cJSON_GetObjectItem(cmd, "start"));
		const char *b = cJSON_GetStringValue(cJSON_GetObjectItem(cmd, "end"));
		/* ISO 8601 times of one form order as strings. */
		if (a && (!m->first[0] || strcmp(a, m->first) < 0))
			snprintf(m->first, sizeof(m->first), "%s", a);
		if (b && (!m->last[0] || strcmp(b, m->last) > 0))
			snprintf(m->last, sizeof(m->last), "%s", b);
	}
	m->src.first_start = m->first;
	m->src.last_end = m->last;
	cJSON *bk = cJSON_GetObjectItem(m->root, "backends");
	int nb = cJSON_GetArraySize(bk);
	m->backends = calloc((size_t)nb + 1, sizeof(char *));
	if (!m->backends)
		return -ENOMEM;
	cJSON *b;
	cJSON_ArrayForEach(b, bk) {
		/* {"name": {"available": bool}} as documented, or a plain list of names. */
		if (cJSON_IsString(b))
			m->backends[m->src.nbackends++] = b->valuestring;
		else if (b->string && cJSON_IsTrue(cJSON_GetObjectItem(b, "available")))
			m->backends[m->src.nbackends++] = b->string;
	}
	m->src.backends = m->backends;
	return 0;
}

static void meta_free(struct meta *m)
{
	cJSON_Delete(m->root);
	free(m->backends);
}

/* meta.json's "features" (when given) must name exactly the CSV's f.* columns. */
static int check_meta_features(const struct meta *m, const struct layout *L, const char *dir,
			       char *why, size_t len)
{
	cJSON *list = cJSON_GetObjectItem(m->root, "features");
	if (!cJSON_IsArray(list))
		return 0;
	cJSON *it;
	cJSON_ArrayForEach(it, list) {
		const char *name = cJSON_GetStringValue(it);
		bool found = false;
		for (int k = 0; name && k < L->nf && !found; k++)
			found = strcmp(L->fnames[k], name) == 0;
		if (!found)
			return pp_why(why, len, -EBADMSG, "%s: meta.json lists feature '%s' but "
				      "windows.csv has no such column; the two files do not belong "
				      "together", dir, name ? name : "(not a string)");
	}
	if (cJSON_GetArraySize(list) != L->nf)
		return pp_why(why, len, -EBADMSG, "%s: windows.csv has %d f.* columns but "
			      "meta.json lists %d features; the two files do not belong together",
			      dir, L->nf, cJSON_GetArraySize(list));
	return 0;
}

/* The most backends meta.json may name for one feature (more are ignored). */
#define MAX_FEATURE_BACKENDS 16

static int apply_feature_backends(struct pp_dataset *ds, const struct meta *m)
{
	cJSON *fb = cJSON_GetObjectItem(m->root, "feature_backends");
	if (!cJSON_IsObject(fb))
		return 0;
	for (int j = 0; j < ds->nf; j++) {
		cJSON *e = cJSON_GetObjectItem(fb, ds->fname[j]);
		const char *names[MAX_FEATURE_BACKENDS];
		int n = 0;
		if (cJSON_IsString(e)) {
			names[n++] = e->valuestring;
		} else if (cJSON_IsArray(e)) {
			cJSON *it;
			cJSON_ArrayForEach(it, e)
				if (cJSON_IsString(it) && n < MAX_FEATURE_BACKENDS)
					names[n++] = it->valuestring;
		} else {
			continue;
		}
		int err = pp_dataset_set_feature_backends(ds, j, names, n);
		if (err)
			return err;
	}
	return 0;
}

int pp_dataset_read(const char *dir, struct pp_dataset **out, char *why, size_t len)
{
	if (!dir || !out)
		return -EINVAL;
	struct meta m;
	int err = read_meta(dir, &m, why, len);
	if (err) {
		meta_free(&m);
		return err;
	}
	char path[PATH_MAX];
	snprintf(path, sizeof(path), "%s/windows.csv", dir);
	char *buf;
	size_t n;
	err = pp_file_read_zst(path, &buf, &n); /* shipped datasets are windows.csv.zst */
	if (err) {
		meta_free(&m);
		return pp_why(why, len, err, "cannot read %s: %s", path, strerror(-err));
	}
	struct csv c = { .p = buf, .end = buf + n, .line = 1 };
	struct layout L = { 0 };
	struct pp_dataset *ds = NULL;
	double *f = NULL, *raw = NULL;
	int nh = csv_record(&c, path, why, len);
	if (nh <= 0) {
		err = nh ? nh : pp_why(why, len, -EBADMSG, "%s is empty: no header row", path);
		goto out;
	}
	err = parse_header(&c, nh, path, &L, why, len);
	if (!err)
		err = check_meta_features(&m, &L, dir, why, len);
	if (!err)
		err = pp_dataset_new(L.fnames, L.nf, L.rnames, L.nr, &ds);
	if (err)
		goto out;
	ds->feature_version = m.src.feature_version;
	m.src.dir = dir;
	f = malloc(((size_t)L.nf + 1) * sizeof(*f));
	raw = malloc(((size_t)L.nr + 1) * sizeof(*raw));
	if (!f || !raw || (err = add_source(ds, &m.src)) || (err = apply_feature_backends(ds, &m))) {
		err = err ? err : -ENOMEM;
		goto out;
	}
	for (;;) {
		int line = c.line;
		int k = csv_record(&c, path, why, len);
		if (k <= 0) {
			err = k;
			break;
		}
		if (k != nh) {
			err = pp_why(why, len, -EBADMSG, "%s line %d: %d fields, but the header has "
				     "%d; the file is truncated or a field holds an unquoted comma",
				     path, line, k, nh);
			break;
		}
		struct pp_dataset_row r;
		err = parse_row(&c, &L, path, line, &r, f, raw, why, len);
		if (!err)
			err = add_row_src(ds, &r, 0, f, raw);
		if (err)
			break;
	}
out:
	free(f);
	free(raw);
	layout_free(&L);
	free(buf);
	free(c.field);
	meta_free(&m);
	if (err) {
		pp_dataset_free(ds);
		return err;
	}
	*out = ds;
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
		if ((err = add_source(ds, &part[d]->sources[0])))
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
			if ((err = add_row_src(ds, &p->rows[i], d, f, raw)))
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

/* ---- writing ---- */

static void put_str(FILE *m, const char *s)
{
	if (!strpbrk(s, ",\"\r\n") && s[0] != ' ' && (!s[0] || s[strlen(s) - 1] != ' ')) {
		fputs(s, m);
		return;
	}
	fputc('"', m);
	for (; *s; s++) {
		if (*s == '"')
			fputc('"', m);
		fputc(*s, m);
	}
	fputc('"', m);
}

static void put_num(FILE *m, double v)
{
	if (!isnan(v))
		fprintf(m, "%.17g", v);
}

static void put_int(FILE *m, long v)
{
	if (v >= 0)
		fprintf(m, "%ld", v);
}

int pp_dataset_write_csv(const struct pp_dataset *ds, const char *path, char *why, size_t len)
{
	char *buf = NULL;
	size_t n = 0;
	FILE *m = open_memstream(&buf, &n);
	if (!m)
		return -ENOMEM;
	for (int k = 0; k < C_NFIXED; k++)
		fprintf(m, "%s%s", k ? "," : "", fixed_names[k]);
	for (int j = 0; j < ds->nraw; j++) {
		fputc(',', m);
		put_str(m, ds->rname[j]);
	}
	for (int j = 0; j < ds->nf; j++) {
		fputc(',', m);
		put_str(m, ds->fname[j]);
	}
	fputs("\r\n", m);  /* RFC 4180 line ends */
	for (int i = 0; i < ds->nrows; i++) {
		const struct pp_dataset_row *r = &ds->rows[i];
		fprintf(m, "%ld,", r->run_id);
		put_str(m, r->workload);
		fputs(r->label == PP_LABEL_MINER ? ",miner," :
		      r->label == PP_LABEL_BENIGN ? ",benign," : ",,", m);
		put_str(m, r->family);
		fputc(',', m);
		put_str(m, r->variant);
		fputc(',', m);
		put_int(m, r->threads);
		fputc(',', m);
		put_int(m, r->duty);
		fputc(',', m);
		put_int(m, r->soft_aes);
		fputc(',', m);
		put_str(m, r->huge_pages);
		fputc(',', m);
		put_int(m, r->window);
		fputc(',', m);
		put_num(m, r->t_start);
		fputc(',', m);
		put_num(m, r->t_end);
		fputc(',', m);
		put_num(m, r->task_clock_s);
		fprintf(m, ",%d", r->partial ? 1 : 0);
		for (int j = 0; j < ds->nraw; j++) {
			fputc(',', m);
			put_num(m, ds->R[(size_t)i * ds->nraw + j]);
		}
		for (int j = 0; j < ds->nf; j++) {
			fputc(',', m);
			put_num(m, ds->X[(size_t)i * ds->nf + j]);
		}
		fputs("\r\n", m);
	}
	if (fclose(m)) {
		free(buf);
		return -ENOMEM;
	}
	int err = pp_file_write_atomic(path, buf, n);
	free(buf);
	if (err)
		return pp_why(why, len, err, "cannot write %s: %s", path, strerror(-err));
	return 0;
}
