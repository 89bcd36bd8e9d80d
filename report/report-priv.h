/* The report's insides: a growable text buffer, the loaded inputs, figures (CSV data plus a
 * gnuplot script, rendered to SVG) and the output directory's temporary-then-rename dance. */
#ifndef PP_REPORT_PRIV_H
#define PP_REPORT_PRIV_H

#include <cjson/cJSON.h>
#include <stdbool.h>
#include <stddef.h>

struct pp_dataset;

/* buf.c: a NUL-terminated string that grows; a failed allocation sticks (.failed) so callers
 * check once at the end instead of after every append. */
struct rp_buf {
	char *s;
	size_t len, cap;
	bool failed;
};
void rp_buf_add(struct rp_buf *b, const char *s, size_t n);
void rp_buf_puts(struct rp_buf *b, const char *s);
void rp_buf_printf(struct rp_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void rp_buf_free(struct rp_buf *b);

/* text.c: escaping for the three languages the report writes. */
void rp_html_escape(struct rp_buf *b, const char *s);
/* A gnuplot single-quoted string literal, quotes included; control characters dropped. */
void rp_gp_quote(struct rp_buf *b, const char *s);
/* One CSV field (RFC 4180: quoted when it holds a comma, quote or line break). */
void rp_csv_str(struct rp_buf *b, const char *s);
/* A number as a CSV field: %.10g, or empty when NaN (missing). */
void rp_csv_num(struct rp_buf *b, double v);
/* s reduced to [A-Za-z0-9._-] (others become '-'), for file names; into out[len]. */
void rp_slug(const char *s, char *out, size_t len);

/* json.c: lookups that read NaN / NULL for what is absent, null or of another type. */
double rp_num(const cJSON *o, const char *key);
const char *rp_str(const cJSON *o, const char *key);
/* Parses path as JSON, or says why (which file, where it broke). */
int rp_json_load(const char *path, cJSON **out, char *why, size_t len);

/* profile.c: one `powprint profile` JSON, checked. */
struct rp_profile {
	const char *path;
	char label[256];
	cJSON *root;
	const cJSON *hash, *memory, *fingerprints, *machine;  /* NULL when absent */
};
int rp_profile_load(const char *path, struct rp_profile *p, char *why, size_t len);
void rp_profile_free(struct rp_profile *p);

/* eval.c: one `powprint eval --json` report, checked. */
int rp_eval_load(const char *path, cJSON **out, char *why, size_t len);

/* A figure: its data and the gnuplot commands that draw it from NAME.csv into NAME.svg. */
struct rp_fig {
	char name[96];
	char title[256];
	const char *section;     /* which part of the page (static text) */
	const char *how;         /* how to read it (static text) */
	int width, height;       /* pixels */
	struct rp_buf csv, gp, notes;   /* notes: plain sentences, one per line */
	char *svg;               /* the rendered SVG, ready to inline */
};

struct rp_ctx {
	const char *dir;         /* the temporary output directory */
	struct rp_profile *prof;
	int nprof;
	struct pp_dataset *ds;
	const char *ds_path;
	cJSON *eval;
	const char *eval_path;
	struct rp_fig **figs;
	int nfigs, capfigs;
	void (*log)(void *arg, const char *msg);
	void *log_arg;
};

/* figure.c */
/* A new figure appended to ctx (NULL when out of memory); name is slugged. */
struct rp_fig *rp_fig_new(struct rp_ctx *c, const char *section, const char *name,
			  const char *title, const char *how);
void rp_fig_note(struct rp_fig *f, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Writes NAME.csv and NAME.gp into dir, runs gnuplot there and reads NAME.svg back. */
int rp_fig_render(const char *dir, struct rp_fig *f, char *why, size_t len);
void rp_fig_free(struct rp_fig *f);
/* The series colours, one per profile (cycled). */
const char *rp_color(int i);

/* gnuplot.c */
/* 0 when gnuplot is on PATH, else -ENOENT with what to install. */
int rp_gnuplot_find(char *why, size_t len);
/* Runs `gnuplot SCRIPT` with dir as its working directory; -EIO with gnuplot's own words
 * when it fails. */
int rp_gnuplot_run(const char *dir, const char *script, char *why, size_t len);

/* The figures, each adding to ctx; 0 or a negative errno (only -ENOMEM in practice). */
int rp_figs_hash(struct rp_ctx *c);
int rp_figs_speedup(struct rp_ctx *c);
int rp_figs_fingerprint(struct rp_ctx *c);
int rp_figs_memory(struct rp_ctx *c);
int rp_figs_dataset(struct rp_ctx *c);
int rp_figs_eval(struct rp_ctx *c);

/* html.c: index.html from the loaded inputs and the rendered figures. */
int rp_html_write(const struct rp_ctx *c, struct rp_buf *out);

/* outdir.c */
/* Refuses an out that exists and is neither an empty directory nor a previous report. */
int rp_out_check(const char *out, char *why, size_t len);
/* mkdtemp("OUT.tmp-XXXXXX") beside out, into tmp[len]. */
int rp_out_tmp(const char *out, char *tmp, size_t len, char *why, size_t wlen);
/* Puts the finished tmp in out's place (replacing an old report) and removes the old one. */
int rp_out_commit(const char *tmp, const char *out, char *why, size_t len);
/* rm -r path (no symbolic links followed). */
int rp_rmtree(const char *path);

#endif
