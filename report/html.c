/* index.html: one self-contained page (styles inline, every figure an inline <svg>, no
 * script, nothing fetched), so it opens offline and prints as it looks. */
#include "report/report-priv.h"

#include <errno.h>
#include <math.h>
#include <powprint/dataset.h>
#include <powprint/version.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

static const char style[] =
	"body{font-family:system-ui,sans-serif;color:#222;max-width:1240px;margin:1.5em auto;"
	"padding:0 1em;line-height:1.45}"
	"h1{font-size:1.6em;margin-bottom:.2em}h2{margin-top:2em;border-bottom:1px solid #ccc}"
	".meta{color:#555;font-size:.9em}"
	"table{border-collapse:collapse;font-size:.92em;margin:.5em 0}"
	"th,td{border:1px solid #ccc;padding:.3em .6em;text-align:left;vertical-align:top}"
	"thead th{background:#f0f3f7}tbody th{background:#fafafa;font-weight:600}"
	".figs{display:grid;grid-template-columns:repeat(auto-fill,minmax(540px,1fr));gap:1em}"
	"figure{margin:0;padding:.5em;border:1px solid #e3e3e3;break-inside:avoid}"
	"figure.wide{grid-column:1/-1}"
	"figure svg{max-width:100%;height:auto;display:block}"
	"figcaption{font-size:.9em;color:#333;margin-top:.4em}"
	".note{color:#8a4b00}.files{font-size:.85em}"
	".missing{background:#fff6e5;border-left:4px solid #e69f00;padding:.4em .8em}";

/* The page's sections, in order; figures name theirs. */
static const struct {
	const char *name, *intro;
} sections[] = {
	{ "Hash rate", "Reference kernels on each machine, scaled over threads." },
	{ "Speed-ups", "What each hardware or software feature is worth, per algorithm." },
	{ "Fingerprints", "What the detector sees of each kernel and of the benign workload it "
	  "resembles most." },
	{ "Memory", "The memory probe: the resource proof-of-work hashes are designed to "
	  "bind to." },
	{ "Dataset", NULL },
	{ "Detection", NULL },
};

static void esc(struct rp_buf *b, const char *s)
{
	rp_html_escape(b, s);
}

static const cJSON *obj(const cJSON *o, const char *k)
{
	return cJSON_GetObjectItemCaseSensitive(o, k);
}

static void size_kib(struct rp_buf *b, double kib)
{
	if (isnan(kib))
		rp_buf_puts(b, "?");
	else if (kib >= 1024 && fmod(kib, 1024) == 0)
		rp_buf_printf(b, "%g MiB", kib / 1024);
	else
		rp_buf_printf(b, "%g KiB", kib);
}

static void num_or_dash(struct rp_buf *b, double v, const char *fmt)
{
	if (isnan(v))
		rp_buf_puts(b, "&ndash;");
	else
		rp_buf_printf(b, fmt, v);
}

static void text_or_dash(struct rp_buf *b, const char *s)
{
	if (s && s[0])
		esc(b, s);
	else
		rp_buf_puts(b, "&ndash;");
}

/* Distinct values of key over a profile's hash entries ("aes-ni, soft"). */
static void hash_values(struct rp_buf *b, const struct rp_profile *p, const char *key)
{
	const char *seen[16];
	int n = 0;
	const cJSON *e;
	cJSON_ArrayForEach(e, p->hash) {
		const char *v = rp_str(e, key);
		bool dup = !v;
		for (int i = 0; i < n && !dup; i++)
			dup = !strcmp(seen[i], v);
		if (dup || n == 16)
			continue;
		esc(b, n ? ", " : "");
		esc(b, v);
		seen[n++] = v;
	}
	if (!n)
		rp_buf_puts(b, "&ndash;");
}

static void yes_no(struct rp_buf *b, const cJSON *v)
{
	rp_buf_puts(b, cJSON_IsTrue(v) ? "yes" : cJSON_IsFalse(v) ? "no" : "&ndash;");
}

enum row { R_BRAND, R_ARCH, R_CORES, R_CACHES, R_KERNEL, R_PMU, R_AES, R_PAGES, R_BACKENDS,
	   R_RXINIT, R_RUN, R_TOOL, NROWS };
static const char *const row_names[NROWS] = {
	"CPU", "architecture, vendor", "cores / threads (online CPUs)", "L1d / L2 / L3",
	"kernel", "hardware PMU", "AES back end (CPU has AES)", "pages", "collector backends",
	"RandomX dataset init", "profiled", "powprint",
};

static void machine_cell(struct rp_buf *b, const struct rp_profile *p, enum row r)
{
	const cJSON *cpu = obj(p->machine, "cpu"), *be;
	switch (r) {
	case R_BRAND:
		text_or_dash(b, rp_str(cpu, "brand"));
		break;
	case R_ARCH:
		text_or_dash(b, rp_str(cpu, "arch"));
		esc(b, ", ");
		text_or_dash(b, rp_str(cpu, "vendor"));
		break;
	case R_CORES:
		num_or_dash(b, rp_num(cpu, "cores"), "%g");
		rp_buf_puts(b, " / ");
		num_or_dash(b, rp_num(cpu, "threads"), "%g");
		rp_buf_puts(b, " (");
		num_or_dash(b, rp_num(cpu, "online_cpus"), "%g");
		rp_buf_puts(b, ")");
		break;
	case R_CACHES:
		size_kib(b, rp_num(cpu, "l1d_kib"));
		rp_buf_puts(b, " / ");
		size_kib(b, rp_num(cpu, "l2_kib"));
		rp_buf_puts(b, " / ");
		size_kib(b, rp_num(cpu, "l3_kib"));
		break;
	case R_KERNEL:
		text_or_dash(b, rp_str(obj(p->machine, "kernel"), "release"));
		break;
	case R_PMU:
		yes_no(b, obj(obj(p->machine, "counters"), "hardware_pmu"));
		break;
	case R_AES:
		hash_values(b, p, "aes");
		rp_buf_puts(b, " (");
		yes_no(b, obj(obj(cpu, "features"), "aes"));
		rp_buf_puts(b, ")");
		break;
	case R_PAGES:
		hash_values(b, p, "pages");
		break;
	case R_BACKENDS: {
		int n = 0;
		cJSON_ArrayForEach(be, obj(p->root, "backends")) {
			if (!cJSON_IsTrue(obj(be, "available")))
				continue;
			esc(b, n++ ? ", " : "");
			esc(b, be->string);
		}
		if (!n)
			rp_buf_puts(b, "&ndash;");
		break;
	}
	case R_RXINIT: {
		double s = rp_num(p->root, "randomx_dataset_init_s");
		const char *note = rp_str(p->root, "randomx_dataset_init_note");
		if (!isnan(s))
			rp_buf_printf(b, "%.3g s", s);
		else
			text_or_dash(b, note && note[0] ? note : NULL);
		break;
	}
	case R_RUN:
		text_or_dash(b, rp_str(p->root, "created"));
		if (cJSON_IsTrue(obj(p->root, "quick")))
			rp_buf_puts(b, ", --quick");
		if (!isnan(rp_num(p->root, "seconds_taken")))
			rp_buf_printf(b, ", %.0f s", rp_num(p->root, "seconds_taken"));
		break;
	case R_TOOL:
		text_or_dash(b, rp_str(p->root, "powprint_version"));
		if (rp_str(p->root, "git")) {
			rp_buf_puts(b, " (git ");
			esc(b, rp_str(p->root, "git"));
			rp_buf_puts(b, ")");
		}
		break;
	case NROWS:
		break;
	}
}

static void machines(struct rp_buf *b, const struct rp_ctx *c)
{
	rp_buf_puts(b, "<h2 id=\"machines\">Machines</h2>\n<table><thead><tr><th></th>");
	for (int k = 0; k < c->nprof; k++) {
		rp_buf_puts(b, "<th>");
		esc(b, c->prof[k].label);
		rp_buf_puts(b, "</th>");
	}
	rp_buf_puts(b, "</tr></thead><tbody>\n");
	for (int r = 0; r < NROWS; r++) {
		rp_buf_printf(b, "<tr><th>%s</th>", row_names[r]);
		for (int k = 0; k < c->nprof; k++) {
			rp_buf_puts(b, "<td>");
			machine_cell(b, &c->prof[k], (enum row)r);
			rp_buf_puts(b, "</td>");
		}
		rp_buf_puts(b, "</tr>\n");
	}
	rp_buf_puts(b, "</tbody></table>\n");
}

static void figure(struct rp_buf *b, const struct rp_fig *f)
{
	rp_buf_printf(b, "<figure id=\"%s\"%s>\n", f->name, f->width > 800 ?
		      " class=\"wide\"" : "");
	rp_buf_puts(b, f->svg);
	rp_buf_puts(b, "\n<figcaption><strong>");
	esc(b, f->title);
	rp_buf_puts(b, ".</strong> ");
	esc(b, f->how);
	for (const char *s = f->notes.s; s && *s;) {
		size_t n = strcspn(s, "\n");
		char line[1024];
		snprintf(line, sizeof(line), "%.*s", (int)n, s);
		rp_buf_puts(b, " <span class=\"note\">");
		esc(b, line);
		rp_buf_puts(b, "</span>");
		s += n + (s[n] == '\n');
	}
	rp_buf_printf(b, "<br><span class=\"files\">Data: <a href=\"%s.csv\">%s.csv</a>, figure: "
		      "<a href=\"%s.svg\">%s.svg</a>, gnuplot script: <a href=\"%s.gp\">%s.gp</a>"
		      "</span></figcaption>\n</figure>\n", f->name, f->name, f->name, f->name,
		      f->name, f->name);
}

static void dataset_intro(struct rp_buf *b, const struct rp_ctx *c)
{
	const struct pp_dataset *ds = c->ds;
	int miner = 0, benign = 0;
	for (int i = 0; i < pp_dataset_nrows(ds); i++) {
		miner += pp_dataset_row(ds, i)->label == PP_LABEL_MINER;
		benign += pp_dataset_row(ds, i)->label == PP_LABEL_BENIGN;
	}
	rp_buf_puts(b, "<p>");
	esc(b, c->ds_path);
	rp_buf_printf(b, ": %d windows in %d runs (%d miner, %d benign), %d features",
		      pp_dataset_nrows(ds), pp_dataset_nruns(ds), miner, benign,
		      pp_dataset_nfeatures(ds));
	const struct pp_dataset_source *src = pp_dataset_source(ds, 0);
	if (src && src->host_cpu && src->host_cpu[0]) {
		rp_buf_puts(b, ", recorded on ");
		esc(b, src->host_cpu);
	}
	rp_buf_puts(b, ". The features that tell miners from benign windows best on their own "
		    "(features: docs/features.md).</p>\n");
}

static void eval_intro(struct rp_buf *b, const struct rp_ctx *c)
{
	const cJSON *w = obj(c->eval, "window");
	rp_buf_puts(b, "<p>");
	esc(b, c->eval_path);
	rp_buf_puts(b, ": cross-validation ");
	text_or_dash(b, rp_str(c->eval, "cv"));
	rp_buf_puts(b, ", window-level TPR ");
	num_or_dash(b, 100 * rp_num(w, "tpr"), "%.2f%%");
	rp_buf_puts(b, ", FPR ");
	num_or_dash(b, 100 * rp_num(w, "fpr"), "%.2f%%");
	rp_buf_puts(b, ", ROC AUC ");
	num_or_dash(b, rp_num(w, "roc_auc"), "%.4f");
	rp_buf_puts(b, ".</p>\n");
	const cJSON *roc = obj(w, "roc");
	if (!roc)
		rp_buf_puts(b, "<p class=\"missing\">No ROC curve: this evaluation report has no "
			    "ROC points (window.roc). It was written by an older powprint; run "
			    "<code>powprint eval --data DIR --json</code> with this version to get "
			    "them.</p>\n");
	else if (!cJSON_GetArraySize(roc))
		rp_buf_puts(b, "<p class=\"missing\">No ROC curve: the evaluation scored windows of "
			    "one class only, so there is no curve to draw.</p>\n");
}

int rp_html_write(const struct rp_ctx *c, struct rp_buf *b)
{
	char when[64] = "";
	time_t now = time(NULL);
	struct tm tm;
	if (gmtime_r(&now, &tm))
		strftime(when, sizeof(when), "%Y-%m-%d %H:%M UTC", &tm);
	rp_buf_printf(b, "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
		      "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
		      "<title>powprint report: ");
	for (int k = 0; k < c->nprof; k++) {
		esc(b, k ? " vs " : "");
		esc(b, c->prof[k].label);
	}
	rp_buf_printf(b, "</title>\n<style>%s</style>\n</head>\n<body>\n<h1>powprint report</h1>\n"
		      "<p class=\"meta\">Written %s by powprint %s (git %s) from ", style, when,
		      PP_VERSION_STRING, PP_GIT_REVISION);
	for (int k = 0; k < c->nprof; k++) {
		esc(b, k ? ", " : "");
		esc(b, c->prof[k].path);
	}
	if (c->ds) {
		rp_buf_puts(b, ", dataset ");
		esc(b, c->ds_path);
	}
	if (c->eval) {
		rp_buf_puts(b, ", evaluation ");
		esc(b, c->eval_path);
	}
	rp_buf_puts(b, ". Every figure's numbers are in the CSV file beside it.</p>\n");
	rp_buf_puts(b, "<nav><a href=\"#machines\">Machines</a>");
	for (size_t s = 0; s < sizeof(sections) / sizeof(sections[0]); s++)
		for (int i = 0; i < c->nfigs; i++)
			if (!strcmp(c->figs[i]->section, sections[s].name)) {
				rp_buf_printf(b, " &middot; <a href=\"#%s\">%s</a>", c->figs[i]->name,
					      sections[s].name);
				break;
			}
	rp_buf_puts(b, "</nav>\n");
	machines(b, c);
	for (size_t s = 0; s < sizeof(sections) / sizeof(sections[0]); s++) {
		const char *name = sections[s].name;
		bool any = false;
		for (int i = 0; i < c->nfigs; i++)
			any |= !strcmp(c->figs[i]->section, name);
		bool dataset = !strcmp(name, "Dataset"), detection = !strcmp(name, "Detection");
		if (!any && !(dataset && c->ds) && !(detection && c->eval))
			continue;
		rp_buf_printf(b, "<h2>%s</h2>\n", name);
		if (sections[s].intro)
			rp_buf_printf(b, "<p>%s</p>\n", sections[s].intro);
		if (dataset)
			dataset_intro(b, c);
		if (detection)
			eval_intro(b, c);
		rp_buf_puts(b, "<div class=\"figs\">\n");
		for (int i = 0; i < c->nfigs; i++)
			if (!strcmp(c->figs[i]->section, name))
				figure(b, c->figs[i]);
		rp_buf_puts(b, "</div>\n");
	}
	rp_buf_puts(b, "</body>\n</html>\n");
	return b->failed ? -ENOMEM : 0;
}
