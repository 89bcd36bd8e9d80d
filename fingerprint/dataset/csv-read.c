/* windows.csv: RFC 4180 (quoted fields, "" escapes, newlines inside quotes, CRLF; an empty
 * field is NaN), read into a dataset together with its meta.json (pp_dataset_read). */
#include "fingerprint/dataset/dataset-priv.h"
#include "core/file.h"
#include "core/why.h"

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

const char *const ds_fixed_names[C_NFIXED] = {
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
	struct strtab seen = { 0 };  /* the names so far: a wide header is not quadratic */
	int err = 0;
	if (!L->fcol || !L->rcol || !L->fnames || !L->rnames)
		err = -ENOMEM;
	for (int i = 0; !err && i < n; i++) {
		char *name = trim(c->field[i]);
		if (i == 0 && (unsigned char)name[0] == 0xef && (unsigned char)name[1] == 0xbb &&
		    (unsigned char)name[2] == 0xbf)
			name += 3;  /* a UTF-8 byte-order mark from a spreadsheet */
		c->field[i] = name;
		size_t before = seen.n;
		if (!ds_intern(&seen, name)) {
			err = -ENOMEM;
			break;
		}
		if (seen.n == before) {
			err = pp_why(why, len, -EBADMSG, "%s: column '%s' appears twice in the header",
				     file, name);
			break;
		}
		bool fixed = false;
		for (int k = 0; k < C_NFIXED; k++)
			if (strcmp(name, ds_fixed_names[k]) == 0) {
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
	ds_strtab_free(&seen);
	if (err)
		return err;
	for (int k = 0; k <= C_CLASS; k++)
		if (L->fixed[k] < 0)
			return pp_why(why, len, -EBADMSG,
				      "%s: the header has no '%s' column (docs/dataset.md lists the "
				      "required columns)", file, ds_fixed_names[k]);
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
		      file, line, ds_fixed_names[k], COL(k))
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

int ds_csv_parse(char *buf, size_t n, struct ds_meta *m, const char *dir, const char *path,
		 struct pp_dataset **out, char *why, size_t len)
{
	struct csv c = { .p = buf, .end = buf + n, .line = 1 };
	struct layout L = { 0 };
	struct pp_dataset *ds = NULL;
	double *f = NULL, *raw = NULL;
	int err;
	int nh = csv_record(&c, path, why, len);
	if (nh <= 0) {
		err = nh ? nh : pp_why(why, len, -EBADMSG, "%s is empty: no header row", path);
		goto out;
	}
	err = parse_header(&c, nh, path, &L, why, len);
	if (!err)
		err = ds_meta_check_features(m, L.fnames, L.nf, dir, why, len);
	if (!err)
		err = pp_dataset_new(L.fnames, L.nf, L.rnames, L.nr, &ds);
	if (err)
		goto out;
	ds->feature_version = m->src.feature_version;
	m->src.dir = dir;
	f = malloc(((size_t)L.nf + 1) * sizeof(*f));
	raw = malloc(((size_t)L.nr + 1) * sizeof(*raw));
	if (!f || !raw || (err = ds_add_source(ds, &m->src)) ||
	    (err = ds_meta_apply_feature_backends(ds, m))) {
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
			err = ds_add_row_src(ds, &r, 0, f, raw);
		if (err)
			break;
	}
out:
	free(f);
	free(raw);
	layout_free(&L);
	free(c.field);
	if (err) {
		pp_dataset_free(ds);
		return err;
	}
	*out = ds;
	return 0;
}

int pp_dataset_read(const char *dir, struct pp_dataset **out, char *why, size_t len)
{
	if (!dir || !out)
		return -EINVAL;
	struct ds_meta m;
	int err = ds_meta_read(dir, &m, why, len);
	if (err) {
		ds_meta_free(&m);
		return err;
	}
	char path[PATH_MAX];
	snprintf(path, sizeof(path), "%s/windows.csv", dir);
	char *buf;
	size_t n;
	err = pp_file_read_zst(path, &buf, &n); /* shipped datasets are windows.csv.zst */
	if (err) {
		ds_meta_free(&m);
		return pp_why(why, len, err, "cannot read %s: %s", path, strerror(-err));
	}
	err = ds_csv_parse(buf, n, &m, dir, path, out, why, len);
	free(buf);
	ds_meta_free(&m);
	return err;
}
