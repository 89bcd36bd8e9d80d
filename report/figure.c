/* A figure: NAME.csv (the plotted numbers, for a spreadsheet or another plotting tool),
 * NAME.gp (the gnuplot script, to restyle it for a paper) and NAME.svg (what gnuplot drew),
 * whose text is kept to inline into index.html. */
#include "report/report-priv.h"

#include "core/file.h"
#include "core/why.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Okabe and Ito's palette: told apart by people with colour-blind vision, and in greyscale. */
static const char *const colors[] = { "#0072b2", "#e69f00", "#009e73", "#d55e00", "#cc79a7",
				      "#56b4e9", "#000000", "#f0e442" };

const char *rp_color(int i)
{
	return colors[i % (int)(sizeof(colors) / sizeof(colors[0]))];
}

struct rp_fig *rp_fig_new(struct rp_ctx *c, const char *section, const char *name,
			  const char *title, const char *how)
{
	if (c->nfigs == c->capfigs) {
		int cap = c->capfigs ? 2 * c->capfigs : 16;
		struct rp_fig **p = realloc(c->figs, (size_t)cap * sizeof(*p));
		if (!p)
			return NULL;
		c->figs = p;
		c->capfigs = cap;
	}
	struct rp_fig *f = calloc(1, sizeof(*f));
	if (!f)
		return NULL;
	char slug[sizeof(f->name)];
	rp_slug(name, slug, sizeof(slug));
	/* Two workloads can slug alike ("a/b", "a-b"): number the later ones. */
	snprintf(f->name, sizeof(f->name), "%s", slug);
	for (int k = 2, clash = 1; clash; k++) {
		clash = 0;
		for (int i = 0; i < c->nfigs; i++)
			clash |= !strcmp(c->figs[i]->name, f->name);
		if (clash)
			snprintf(f->name, sizeof(f->name), "%.80s-%d", slug, k);
	}
	snprintf(f->title, sizeof(f->title), "%s", title);
	f->section = section;
	f->how = how;
	f->width = 800;
	f->height = 450;
	c->figs[c->nfigs++] = f;
	return f;
}

void rp_fig_note(struct rp_fig *f, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	rp_buf_puts(&f->notes, msg);
	rp_buf_puts(&f->notes, "\n");
}

static int write_file(const char *dir, const char *name, const char *ext, const struct rp_buf *b,
		      char *why, size_t len)
{
	char path[4096];
	snprintf(path, sizeof(path), "%s/%s.%s", dir, name, ext);
	FILE *f = fopen(path, "w");
	if (!f)
		return pp_why(why, len, -errno, "cannot write %s: %s", path, strerror(errno));
	bool ok = fwrite(b->s ? b->s : "", 1, b->len, f) == b->len;
	ok &= fclose(f) == 0;
	if (!ok)
		return pp_why(why, len, -EIO, "cannot write %s (disk full?)", path);
	return 0;
}

/* The SVG as an element of the page: no XML prologue, and every id (and what refers to it)
 * prefixed with the figure's name, since gnuplot names the parts of every figure alike. */
static char *inline_svg(const char *svg, const char *name, const char *title)
{
	const char *start = strstr(svg, "<svg");
	if (!start)
		return NULL;
	struct rp_buf b = { 0 };
	char pre[128];
	snprintf(pre, sizeof(pre), "%s-", name);
	static const char *const refs[] = { "id=\"", "url(#", "href=\"#" };
	for (const char *s = start; *s;) {
		size_t k, n = 0;
		for (k = 0; k < sizeof(refs) / sizeof(refs[0]); k++)
			if (!strncmp(s, refs[k], n = strlen(refs[k])))
				break;
		if (k < sizeof(refs) / sizeof(refs[0])) {
			rp_buf_add(&b, s, n);
			rp_buf_puts(&b, pre);
			s += n;
		} else if (!strncmp(s, "<title>Gnuplot</title>", 22)) {
			rp_buf_puts(&b, "<title>");
			rp_html_escape(&b, title);
			rp_buf_puts(&b, "</title>");
			s += 22;
		} else {
			rp_buf_add(&b, s, 1);
			s++;
		}
	}
	if (b.failed) {
		rp_buf_free(&b);
		return NULL;
	}
	return b.s;
}

int rp_fig_render(const char *dir, struct rp_fig *f, char *why, size_t len)
{
	struct rp_buf gp = { 0 };
	rp_buf_printf(&gp, "# %s: drawn by powprint report from %s.csv\n"
		      "set terminal svg size %d,%d noenhanced font 'sans,12' background '#ffffff'\n"
		      "set output '%s.svg'\n"
		      "set datafile separator comma\n"
		      "set grid ytics lc rgb '#dddddd'\n"
		      "set border 3 lc rgb '#444444'\n"
		      "set tics nomirror\n"
		      "set key below noreverse samplen 2\n"
		      "set title ", f->name, f->name, f->width, f->height, f->name);
	rp_gp_quote(&gp, f->title);
	rp_buf_puts(&gp, "\n");
	rp_buf_add(&gp, f->gp.s ? f->gp.s : "", f->gp.len);
	if (gp.failed || f->csv.failed || f->gp.failed || f->notes.failed) {
		rp_buf_free(&gp);
		return pp_why(why, len, -ENOMEM, "out of memory drawing %s", f->name);
	}
	char script[128];
	snprintf(script, sizeof(script), "%s.gp", f->name);
	int err = write_file(dir, f->name, "csv", &f->csv, why, len);
	if (!err)
		err = write_file(dir, f->name, "gp", &gp, why, len);
	rp_buf_free(&gp);
	if (!err)
		err = rp_gnuplot_run(dir, script, why, len);
	if (err)
		return err;
	char path[4096], *svg;
	size_t n;
	snprintf(path, sizeof(path), "%s/%s.svg", dir, f->name);
	if ((err = pp_file_read(path, &svg, &n)))
		return pp_why(why, len, err, "gnuplot wrote no %s: %s", path, strerror(-err));
	f->svg = inline_svg(svg, f->name, f->title);
	free(svg);
	if (!f->svg)
		return pp_why(why, len, -EIO, "gnuplot's %s holds no <svg> element", path);
	return 0;
}

void rp_fig_free(struct rp_fig *f)
{
	if (!f)
		return;
	rp_buf_free(&f->csv);
	rp_buf_free(&f->gp);
	rp_buf_free(&f->notes);
	free(f->svg);
	free(f);
}
