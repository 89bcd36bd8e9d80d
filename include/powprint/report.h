/* Figures for a paper or a procurement note: machine profiles (`powprint profile`), compared
 * side by side, and optionally a dataset and an evaluation report, drawn by gnuplot as SVG and
 * gathered into one self-contained index.html. The whole output directory appears at once or
 * not at all (docs/report.md). */
#ifndef POWPRINT_REPORT_H
#define POWPRINT_REPORT_H

#include <stddef.h>

/* The newest profile format_version this powprint reads. */
#define PP_REPORT_PROFILE_VERSION 1

struct pp_report_opts {
	size_t sz;
	const char *const *profiles;  /* profile JSON files, one series/column each */
	int nprofiles;
	const char *dataset;          /* a dataset directory, or NULL */
	const char *eval;             /* a `powprint eval --json` report, or NULL */
	const char *out;              /* the directory to write (replaced only on success) */
	void (*log)(void *arg, const char *msg);   /* progress lines, or NULL */
	void *log_arg;
};

/* Writes the report into o->out: index.html, and NAME.svg, NAME.csv and NAME.gp (the gnuplot
 * script that drew it) for each figure. Everything is written into a temporary directory
 * beside o->out and renamed into place only when all of it succeeded; on failure nothing is
 * left behind and an existing o->out is untouched. An existing o->out is replaced only when
 * it is empty or a previous report (it holds index.html).
 *
 * Returns 0, -EINVAL (bad input: a profile from a newer powprint, damaged JSON, a wrong
 * format, an empty dataset, an eval report without the needed fields), -ENOENT (a missing
 * input, or gnuplot not installed), -EEXIST (o->out is something else), or another negative
 * errno, and says why: which file and what to do. */
int pp_report_write(const struct pp_report_opts *o, char *why, size_t len);

#endif
