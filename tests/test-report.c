/* powprint report: the page opens in headless Chromium without console errors and holds every
 * figure; two machines are drawn side by side; each figure's CSV holds the fixture's numbers;
 * bad inputs fail with a sentence naming the file, exit status 1, and leave nothing behind
 * (an existing report stays as it was). Fixtures: tests/data/report/. */
#define _GNU_SOURCE
#include "support/testutil.h"

#include <cjson/cJSON.h>
#include <criterion/criterion.h>
#include <dirent.h>
#include <errno.h>
#include <ftw.h>
#include <libgen.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define DATA PP_SOURCE_DIR "/tests/data/report"
#define AMD DATA "/profile-amd.json"
#define INTEL DATA "/profile-intel.json"
#define DATASET DATA "/dataset"
#define EVAL DATA "/eval.json"

static bool on_path(const char *prog)
{
	const char *path = getenv("PATH");
	char cand[4096];
	for (const char *s = path ? path : ""; *s;) {
		size_t n = strcspn(s, ":");
		snprintf(cand, sizeof(cand), "%.*s/%s", (int)n, s, prog);
		if (n && access(cand, X_OK) == 0)
			return true;
		s += n + (s[n] == ':');
	}
	return false;
}

static void need(const char *prog, const char *package)
{
	if (!on_path(prog))
		cr_skip_test("%s is not installed (scripts/bootstrap installs %s)", prog, package);
}

static char *tmpdir(void)
{
	char *d = strdup("/tmp/pp-test-report-XXXXXX");
	cr_assert_not_null(mkdtemp(d));
	return d;
}

static int rm_one(const char *p, const struct stat *st, int fl, struct FTW *f)
{
	(void)st;
	(void)fl;
	(void)f;
	return remove(p);
}

static void rmrf(char *d)
{
	nftw(d, rm_one, 16, FTW_DEPTH | FTW_PHYS);
	free(d);
}

static char *path_in(const char *dir, const char *name)
{
	char *p;
	cr_assert(asprintf(&p, "%s/%s", dir, name) > 0);
	return p;
}

static bool exists(const char *path)
{
	struct stat st;
	return lstat(path, &st) == 0;
}

static int count_of(const char *hay, const char *needle)
{
	int n = 0;
	for (const char *s = hay; (s = strstr(s, needle)); s += strlen(needle))
		n++;
	return n;
}

/* Files in dir whose names end with ext, and whether any name starts with prefix. */
static int count_files(const char *dir, const char *ext, const char *prefix, bool *has_prefix)
{
	DIR *d = opendir(dir);
	cr_assert_not_null(d, "cannot open %s", dir);
	struct dirent *e;
	int n = 0;
	if (has_prefix)
		*has_prefix = false;
	while ((e = readdir(d))) {
		size_t l = strlen(e->d_name), le = strlen(ext);
		if (l > le && !strcmp(e->d_name + l - le, ext))
			n++;
		if (prefix && has_prefix && !strncmp(e->d_name, prefix, strlen(prefix)))
			*has_prefix = true;
	}
	closedir(d);
	return n;
}

static cJSON *load_json(const char *path)
{
	char *s = pp_test_slurp(path);
	cJSON *j = cJSON_Parse(s);
	free(s);
	cr_assert_not_null(j, "cannot parse %s", path);
	return j;
}

static void write_text(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");
	cr_assert_not_null(f, "cannot write %s", path);
	fputs(text, f);
	fclose(f);
}

static void write_json(const char *path, const cJSON *j)
{
	char *s = cJSON_Print(j);
	write_text(path, s);
	free(s);
}

/* Runs `powprint report ARGS`; returns the exit status, stdout and stderr. */
static int report(const char *args, char **out, char **err)
{
	char cmd[8192];
	snprintf(cmd, sizeof(cmd), "report %s", args);
	return pp_cli_run(cmd, out, err);
}

/* The build directory's artifact folder (beside the powprint binary). */
static char *artifact(const char *name)
{
	char *cli = strdup(PP_CLI_PATH), *dir;
	cr_assert(asprintf(&dir, "%s/test-report-artifacts", dirname(cli)) > 0);
	mkdir(dir, 0777);
	char *p = path_in(dir, name);
	free(cli);
	free(dir);
	return p;
}

/* Opens index.html in headless Chromium: returns the DOM it built, checks that nothing was
 * logged to the console, and saves a screenshot (whose path it prints). */
static char *open_in_chromium(const char *out, const char *tmp, const char *shot_name)
{
	char *html = path_in(out, "index.html"), *dom = path_in(tmp, "dom.html");
	char *log = path_in(tmp, "chromium.log"), *shot = artifact(shot_name);
	char cmd[8192];
	const char *flags = "--headless=new --no-sandbox --disable-gpu --no-first-run "
			    "--enable-logging=stderr --v=0";
	snprintf(cmd, sizeof(cmd), "timeout 180 chromium %s --user-data-dir='%s/chromium' "
		 "--dump-dom 'file://%s' >'%s' 2>'%s'", flags, tmp, html, dom, log);
	cr_assert_eq(system(cmd), 0, "chromium --dump-dom failed: %s", cmd);
	char *console = pp_test_slurp(log);
	/* Page errors (a bad inline SVG, a blocked fetch) are logged as "CONSOLE" lines. */
	cr_assert_null(strstr(console, "CONSOLE"), "console messages opening %s:\n%s", html,
		       console);
	free(console);
	unlink(shot);
	snprintf(cmd, sizeof(cmd), "timeout 180 chromium %s --user-data-dir='%s/chromium' "
		 "--hide-scrollbars --window-size=1280,4000 --screenshot='%s' 'file://%s' "
		 ">/dev/null 2>&1", flags, tmp, shot, html);
	cr_assert_eq(system(cmd), 0, "chromium --screenshot failed: %s", cmd);
	char *png = pp_test_slurp(shot);
	cr_assert(!memcmp(png, "\x89PNG", 4), "no PNG at %s", shot);
	free(png);
	fprintf(stderr, "test-report: screenshot of %s: %s\n", html, shot);
	char *d = pp_test_slurp(dom);
	cr_assert(strlen(d) > 1000, "chromium built no DOM for %s", html);
	free(html);
	free(dom);
	free(log);
	free(shot);
	return d;
}

/* The text of <figure id="name"> ... </figure> in the DOM (malloc'd). */
static char *figure_of(const char *dom, const char *name)
{
	char open[160];
	snprintf(open, sizeof(open), "<figure id=\"%s\"", name);
	const char *s = strstr(dom, open);
	cr_assert_not_null(s, "figure %s is missing from the page", name);
	const char *e = strstr(s, "</figure>");
	cr_assert_not_null(e);
	return strndup(s, (size_t)(e - s));
}

/* Every figure of out (NAME.svg) is inline in the DOM, once, as an <svg> element. */
static int check_figures(const char *out, const char *dom)
{
	int nsvg = count_files(out, ".svg", NULL, NULL);
	cr_assert_gt(nsvg, 0);
	cr_assert_eq(count_of(dom, "<svg"), nsvg, "the page inlines %d <svg>, %s holds %d files",
		     count_of(dom, "<svg"), out, nsvg);
	cr_assert_eq(count_files(out, ".csv", NULL, NULL), nsvg, "a figure without its CSV");
	DIR *d = opendir(out);
	struct dirent *e;
	while ((e = readdir(d))) {
		size_t l = strlen(e->d_name);
		if (l < 5 || strcmp(e->d_name + l - 4, ".svg"))
			continue;
		char name[256];
		snprintf(name, sizeof(name), "%.*s", (int)(l - 4), e->d_name);
		char *fig = figure_of(dom, name);
		cr_assert_eq(count_of(fig, "<svg"), 1, "figure %s holds no inline svg", name);
		free(fig);
	}
	closedir(d);
	return nsvg;
}

/* The figure names a profile must give: one hash-rate plot per algorithm. */
static void check_hash_figures(const char *out, const char *profile)
{
	cJSON *p = load_json(profile), *e;
	cJSON_ArrayForEach(e, cJSON_GetObjectItem(p, "hash")) {
		char name[128], *c;
		snprintf(name, sizeof(name), "hashrate-%s.svg",
			 cJSON_GetStringValue(cJSON_GetObjectItem(e, "algo")));
		for (c = name + 9; *c; c++)
			*c = *c == '/' ? '-' : *c;
		char *f = path_in(out, name);
		cr_assert(exists(f), "%s is missing", f);
		free(f);
	}
	cJSON_Delete(p);
}

Test(report, one_profile_dataset_eval_opens_in_chromium, .timeout = 600)
{
	need("gnuplot", "gnuplot-nox");
	need("chromium", "chromium");
	char *tmp = tmpdir(), *out = path_in(tmp, "rep"), *so, *se;
	char args[4096];
	snprintf(args, sizeof(args), "'%s' --data '%s' --eval '%s' --output '%s'", AMD, DATASET,
		 EVAL, out);
	int rc = report(args, &so, &se);
	cr_assert_eq(rc, 0, "report failed (%d): %s", rc, se);
	char *index = path_in(out, "index.html");
	char want[4200];
	snprintf(want, sizeof(want), "%s\n", index);
	cr_assert_str_eq(so, want, "stdout should be the path of index.html");
	cr_assert(strstr(se, "drawing "), "no progress lines without --quiet: %s", se);

	check_hash_figures(out, AMD);
	static const char *const must[] = { "speedup-soft_aes.svg", "speedup-huge_pages.svg",
					    "speedup-jit.svg", "fingerprints-1.svg",
					    "memory-latency.svg", "memory-bandwidth.svg", "roc.svg",
					    "confusion.svg", "per-workload.svg", "index.html" };
	for (size_t i = 0; i < sizeof(must) / sizeof(must[0]); i++) {
		char *f = path_in(out, must[i]);
		cr_assert(exists(f), "%s is missing", f);
		free(f);
	}
	bool dist;
	count_files(out, ".svg", "dist-", &dist);
	cr_assert(dist, "--data drew no feature distribution");

	char *html = pp_test_slurp(index);
	/* Self-contained: nothing for the browser to fetch. */
	cr_assert_null(strstr(html, "<script"));
	cr_assert_null(strstr(html, "<link"));
	cr_assert_null(strstr(html, "src=\"http"));
	cr_assert_null(strstr(html, "No ROC curve"), "the eval report has ROC points");
	char *dom = open_in_chromium(out, tmp, "report-one-profile.png");
	int n = check_figures(out, dom);
	cr_assert_geq(n, 12, "only %d figures", n);
	free(dom);
	free(html);
	free(index);
	free(so);
	free(se);
	free(out);
	rmrf(tmp);
}

Test(report, two_profiles_side_by_side, .timeout = 600)
{
	need("gnuplot", "gnuplot-nox");
	need("chromium", "chromium");
	char *tmp = tmpdir(), *out = path_in(tmp, "rep"), *so, *se;
	char args[4096];
	snprintf(args, sizeof(args), "'%s' --output '%s' --quiet '%s'", AMD, out, INTEL);
	int rc = report(args, &so, &se);
	cr_assert_eq(rc, 0, "report failed (%d): %s", rc, se);
	cr_assert_str_eq(se, "", "--quiet still printed: %s", se);
	check_hash_figures(out, AMD);
	check_hash_figures(out, INTEL);
	char *dom = open_in_chromium(out, tmp, "report-two-profiles.png");
	check_figures(out, dom);
	const char *labels[2];
	cJSON *a = load_json(AMD), *b = load_json(INTEL);
	labels[0] = cJSON_GetStringValue(cJSON_GetObjectItem(a, "label"));
	labels[1] = cJSON_GetStringValue(cJSON_GetObjectItem(b, "label"));
	/* Machines are series: both legends in every comparison figure. */
	static const char *const shared[] = { "hashrate-cn-r", "speedup-soft_aes",
					      "speedup-jit", "memory-latency" };
	for (size_t i = 0; i < sizeof(shared) / sizeof(shared[0]); i++) {
		char *fig = figure_of(dom, shared[i]);
		for (int k = 0; k < 2; k++)
			cr_assert(strstr(fig, labels[k]), "%s does not show '%s'", shared[i],
				  labels[k]);
		free(fig);
	}
	/* One fingerprint map per machine, and the machine table has a column for each. */
	char *f2 = path_in(out, "fingerprints-2.svg");
	cr_assert(exists(f2));
	char *table = strstr(dom, "<table");
	cr_assert_not_null(table);
	cr_assert(strstr(table, labels[0]) && strstr(table, labels[1]));
	/* A measurement the profile marks null is said, not drawn as 0. */
	char *hp = figure_of(dom, "speedup-huge_pages");
	cr_assert(strstr(hp, "not measured"), "the null huge-pages speed-up is not mentioned");
	free(hp);
	/* No dataset, no eval: no such sections. */
	cr_assert_null(strstr(dom, "id=\"roc\""));
	cJSON_Delete(a);
	cJSON_Delete(b);
	free(f2);
	free(dom);
	free(so);
	free(se);
	free(out);
	rmrf(tmp);
}

/* RFC 4180 fields of one line (no line breaks inside quotes in these files). */
static int csv_fields(char *line, char **f, int max)
{
	int n = 0;
	char *w = line;
	for (char *s = line; n < max;) {
		f[n++] = w;
		if (*s == '"') {
			for (s++; *s && !(*s == '"' && s[1] != '"'); s++)
				*w++ = *s == '"' ? *++s : *s;
			s += *s == '"';
		} else {
			while (*s && *s != ',' && *s != '\n')
				*w++ = *s++;
		}
		bool more = *s == ',';
		*w++ = '\0';
		if (!more)
			break;
		s++;
	}
	return n;
}

static char *slurp_in(const char *dir, const char *name)
{
	char *p = path_in(dir, name), *s = pp_test_slurp(p);
	cr_assert(s[0], "%s is empty or missing", p);
	free(p);
	return s;
}

static double field_num(const char *s)
{
	return *s ? strtod(s, NULL) : NAN;
}

Test(report, csv_holds_the_profile_numbers, .timeout = 300)
{
	need("gnuplot", "gnuplot-nox");
	char *tmp = tmpdir(), *out = path_in(tmp, "rep");
	char args[4096];
	snprintf(args, sizeof(args), "'%s' '%s' --eval '%s' --output '%s' -q", AMD, INTEL, EVAL,
		 out);
	cr_assert_eq(report(args, NULL, NULL), 0);
	const char *paths[2] = { AMD, INTEL };
	cJSON *prof[2] = { load_json(AMD), load_json(INTEL) };

	/* Hash rate of cn/r: a column per machine, named by its label, a row per thread count. */
	char *csv = slurp_in(out, "hashrate-cn-r.csv");
	char *save, *line = strtok_r(csv, "\n", &save), *f[16];
	cr_assert_eq(csv_fields(line, f, 16), 3);
	cr_assert_str_eq(f[0], "threads");
	int rows = 0, checked = 0;
	for (int k = 0; k < 2; k++) {
		char want[300];
		snprintf(want, sizeof(want), "%s H/s",
			 cJSON_GetStringValue(cJSON_GetObjectItem(prof[k], "label")));
		cr_assert_str_eq(f[1 + k], want, "column %d of %s", 1 + k, paths[k]);
	}
	while ((line = strtok_r(NULL, "\n", &save))) {
		cr_assert_eq(csv_fields(line, f, 16), 3);
		double t = field_num(f[0]);
		rows++;
		for (int k = 0; k < 2; k++) {
			double want = NAN;
			cJSON *e, *s;
			cJSON_ArrayForEach(e, cJSON_GetObjectItem(prof[k], "hash"))
				if (!strcmp(cJSON_GetStringValue(cJSON_GetObjectItem(e, "algo")), "cn/r"))
					cJSON_ArrayForEach(s, cJSON_GetObjectItem(e, "scaling"))
						if (cJSON_GetObjectItem(s, "threads")->valuedouble == t)
							want = cJSON_GetObjectItem(s, "hps")->valuedouble;
			double got = field_num(f[1 + k]);
			cr_assert(isnan(want) ? isnan(got) : fabs(got - want) < 1e-9,
				  "cn/r at %g threads on %s: CSV %g, profile %g", t, paths[k], got,
				  want);
			checked += !isnan(want);
		}
	}
	cr_assert_geq(rows, 3);
	cr_assert_geq(checked, 5);
	free(csv);

	/* The JIT speed-up per algorithm, and null stays empty (not 0). */
	csv = slurp_in(out, "speedup-huge_pages.csv");
	line = strtok_r(csv, "\n", &save);
	int empty = 0;
	checked = 0;
	while ((line = strtok_r(NULL, "\n", &save))) {
		cr_assert_eq(csv_fields(line, f, 16), 3);
		for (int k = 0; k < 2; k++) {
			cJSON *e, *v;
			double want = NAN;
			cJSON_ArrayForEach(e, cJSON_GetObjectItem(prof[k], "hash"))
				if (!strcmp(cJSON_GetStringValue(cJSON_GetObjectItem(e, "algo")), f[0]))
					cJSON_ArrayForEach(v, cJSON_GetObjectItem(e, "variants"))
						if (!strncmp(cJSON_GetStringValue(cJSON_GetObjectItem(
							v, "knob")), "huge_pages", 10) &&
						    cJSON_IsNumber(cJSON_GetObjectItem(v, "speedup")))
							want = cJSON_GetObjectItem(v, "speedup")->valuedouble;
			double got = field_num(f[1 + k]);
			cr_assert(isnan(want) ? isnan(got) : fabs(got - want) < 1e-9,
				  "%s huge pages on %s: CSV %g, profile %g", f[0], paths[k], got, want);
			empty += isnan(got);
			checked++;
		}
	}
	cr_assert_eq(checked, 6);
	cr_assert_eq(empty, 1, "the fixture's one null speed-up");
	free(csv);

	/* The ROC curve: from (0,0), then the eval report's points in order. */
	cJSON *ev = load_json(EVAL), *pt;
	csv = slurp_in(out, "roc.csv");
	line = strtok_r(csv, "\n", &save);
	cr_assert_str_eq(line, "threshold,fpr,tpr");
	line = strtok_r(NULL, "\n", &save);
	cr_assert_str_eq(line, ",0,0");
	int npt = 0;
	cJSON_ArrayForEach(pt, cJSON_GetObjectItem(cJSON_GetObjectItem(ev, "window"), "roc")) {
		line = strtok_r(NULL, "\n", &save);
		cr_assert_not_null(line, "roc.csv ends before point %d", npt);
		cr_assert_eq(csv_fields(line, f, 16), 3);
		static const char *const keys[] = { "threshold", "fpr", "tpr" };
		for (int i = 0; i < 3; i++)
			cr_assert_float_eq(field_num(f[i]), cJSON_GetObjectItem(pt, keys[i])->valuedouble,
					   1e-9, "roc point %d %s", npt, keys[i]);
		npt++;
	}
	cr_assert_gt(npt, 1);
	cr_assert_null(strtok_r(NULL, "\n", &save), "roc.csv has more rows than the report");
	free(csv);
	cJSON_Delete(ev);
	cJSON_Delete(prof[0]);
	cJSON_Delete(prof[1]);
	free(out);
	rmrf(tmp);
}

/* The eval report's ROC points: a curve from (0,0) to (1,1), thresholds falling, rates rising,
 * and its area (trapezoids) the report's own roc_auc. */
Test(report, eval_roc_points_agree_with_auc)
{
	cJSON *ev = load_json(EVAL), *pt;
	cJSON *w = cJSON_GetObjectItem(ev, "window");
	double px = 0, py = 0, area = 0, pthr = INFINITY;
	int n = 0;
	cJSON_ArrayForEach(pt, cJSON_GetObjectItem(w, "roc")) {
		double t = cJSON_GetObjectItem(pt, "threshold")->valuedouble;
		double x = cJSON_GetObjectItem(pt, "fpr")->valuedouble;
		double y = cJSON_GetObjectItem(pt, "tpr")->valuedouble;
		cr_assert_lt(t, pthr);
		cr_assert(x >= px && y >= py);
		area += (x - px) * (y + py) / 2;
		px = x, py = y, pthr = t;
		n++;
	}
	cr_assert_gt(n, 1);
	cr_assert_leq(n, 200);
	cr_assert_float_eq(px, 1.0, 1e-12);
	cr_assert_float_eq(py, 1.0, 1e-12);
	cr_assert_float_eq(area, cJSON_GetObjectItem(w, "roc_auc")->valuedouble, 1e-9);
	cJSON_Delete(ev);
}

/* The report of bad input: exit status 1, the message holds each of want[], and the directory
 * holds only what the test put there (no DIR, no DIR.tmp-*). */
static void expect_failure(const char *tmp, const char *args, const char *const *want, int nwant)
{
	int before = count_files(tmp, "", NULL, NULL);
	char *se;
	int rc = report(args, NULL, &se);
	cr_assert_eq(rc, 1, "exit status %d for %s: %s", rc, args, se);
	for (int i = 0; i < nwant; i++)
		cr_assert(strstr(se, want[i]), "message lacks '%s': %s", want[i], se);
	bool tmp_left;
	cr_assert_eq(count_files(tmp, "", "rep.", &tmp_left), before, "files left in %s", tmp);
	cr_assert(!tmp_left, "a temporary directory was left in %s", tmp);
	free(se);
}

Test(report, bad_profiles_fail_clearly_and_leave_nothing)
{
	char *tmp = tmpdir(), *out = path_in(tmp, "rep"), args[4096];
	cJSON *p = load_json(AMD);

	char *newer = path_in(tmp, "newer.json");
	cJSON_ReplaceItemInObject(p, "format_version", cJSON_CreateNumber(99));
	write_json(newer, p);
	snprintf(args, sizeof(args), "'%s' --output '%s'", newer, out);
	expect_failure(tmp, args, (const char *[]){ newer, "newer powprint", "upgrade" }, 3);
	cr_assert(!exists(out));

	char *wrong = path_in(tmp, "wrong.json");
	cJSON_ReplaceItemInObject(p, "format_version", cJSON_CreateNumber(1));
	cJSON_ReplaceItemInObject(p, "format", cJSON_CreateString("powprint-dataset"));
	write_json(wrong, p);
	snprintf(args, sizeof(args), "'%s' '%s' --output '%s'", AMD, wrong, out);
	expect_failure(tmp, args, (const char *[]){ wrong, "'powprint-dataset'",
						    "expected 'powprint-profile'" }, 3);

	char *cut = path_in(tmp, "cut.json"), *whole = pp_test_slurp(AMD);
	whole[strlen(whole) / 2] = '\0';
	write_text(cut, whole);
	snprintf(args, sizeof(args), "'%s' --output '%s'", cut, out);
	expect_failure(tmp, args, (const char *[]){ cut, "not valid JSON", "ends too early" },
		       3);

	/* An eval report passed where a profile goes is named as such. */
	snprintf(args, sizeof(args), "'%s' --output '%s'", EVAL, out);
	expect_failure(tmp, args, (const char *[]){ "not a powprint profile", "--eval" }, 2);

	snprintf(args, sizeof(args), "'%s/missing.json' --output '%s'", tmp, out);
	expect_failure(tmp, args, (const char *[]){ "missing.json", "No such file" }, 2);
	cr_assert(!exists(out));
	free(whole);
	free(cut);
	free(wrong);
	free(newer);
	cJSON_Delete(p);
	free(out);
	rmrf(tmp);
}

Test(report, bad_dataset_and_eval_fail_clearly)
{
	char *tmp = tmpdir(), *out = path_in(tmp, "rep"), args[4096];
	/* A dataset of a header and no rows. */
	char *ds = path_in(tmp, "empty-ds"), *csv = pp_test_slurp(DATASET "/windows.csv");
	mkdir(ds, 0777);
	*strchr(csv, '\n') = '\0';
	char *f = path_in(ds, "windows.csv"), *meta = path_in(ds, "meta.json");
	write_text(f, strcat(csv, "\n"));
	char *m = pp_test_slurp(DATASET "/meta.json");
	write_text(meta, m);
	snprintf(args, sizeof(args), "'%s' --data '%s' --output '%s'", AMD, ds, out);
	expect_failure(tmp, args, (const char *[]){ ds, "empty", "powprint record" }, 3);

	char *ev = path_in(tmp, "eval.json");
	write_text(ev, "{\"window\": {\"tpr\": 0.9}, \"per_workload\": []}");
	snprintf(args, sizeof(args), "'%s' --eval '%s' --output '%s'", AMD, ev, out);
	expect_failure(tmp, args, (const char *[]){ ev, "lacks window.tp", "powprint eval" },
		       3);
	cr_assert(!exists(out));
	free(ev);
	free(m);
	free(meta);
	free(f);
	free(csv);
	free(ds);
	free(out);
	rmrf(tmp);
}

Test(report, existing_report_untouched_on_failure_replaced_on_success, .timeout = 300)
{
	char *tmp = tmpdir(), *out = path_in(tmp, "rep"), args[4096];
	mkdir(out, 0777);
	char *old = path_in(out, "index.html"), *marker = path_in(out, "old-figure.svg");
	write_text(old, "old report");
	write_text(marker, "<svg/>");
	char *cut = path_in(tmp, "cut.json");
	write_text(cut, "{\"format\": \"powprint-profile\", \"format_version\": 1, \"hash\": [");
	snprintf(args, sizeof(args), "'%s' --output '%s'", cut, out);
	expect_failure(tmp, args, (const char *[]){ cut }, 1);
	char *text = pp_test_slurp(old);
	cr_assert_str_eq(text, "old report");
	cr_assert(exists(marker));
	free(text);

	/* Without gnuplot nothing is drawn, and the old report stays too. */
	const char *path = getenv("PATH");
	char *saved = strdup(path ? path : "");
	setenv("PATH", tmp, 1);
	snprintf(args, sizeof(args), "'%s' --output '%s'", AMD, out);
	expect_failure(tmp, args, (const char *[]){ "gnuplot", "gnuplot-nox" }, 2);
	setenv("PATH", saved, 1);
	free(saved);
	text = pp_test_slurp(old);
	cr_assert_str_eq(text, "old report");
	free(text);

	need("gnuplot", "gnuplot-nox");
	cr_assert_eq(report(args, NULL, NULL), 0);
	text = pp_test_slurp(old);
	cr_assert(strstr(text, "<!DOCTYPE html>"), "the old report was not replaced");
	cr_assert(!exists(marker), "the old report's files were kept");
	bool tmp_left;
	count_files(tmp, "", "rep.", &tmp_left);
	cr_assert(!tmp_left, "the old report or a temporary directory was left beside it");
	free(text);
	free(cut);
	free(marker);
	free(old);
	free(out);
	rmrf(tmp);
}

Test(report, refuses_to_replace_a_directory_that_is_not_a_report)
{
	char *tmp = tmpdir(), *out = path_in(tmp, "home"), args[4096];
	mkdir(out, 0777);
	char *keep = path_in(out, "thesis.tex");
	write_text(keep, "precious");
	snprintf(args, sizeof(args), "'%s' --output '%s'", AMD, out);
	char *se;
	cr_assert_eq(report(args, NULL, &se), 1);
	cr_assert(strstr(se, "not a powprint report"), "%s", se);
	cr_assert(exists(keep));
	free(se);
	free(keep);
	free(out);
	rmrf(tmp);
}

Test(report, eval_without_roc_still_reports_the_rest, .timeout = 300)
{
	need("gnuplot", "gnuplot-nox");
	char *tmp = tmpdir(), *out = path_in(tmp, "rep"), *ev = path_in(tmp, "old-eval.json");
	cJSON *e = load_json(EVAL);
	cJSON_DeleteItemFromObject(cJSON_GetObjectItem(e, "window"), "roc");
	write_json(ev, e);
	char args[4096];
	snprintf(args, sizeof(args), "'%s' --eval '%s' --output '%s' -q", AMD, ev, out);
	char *se;
	cr_assert_eq(report(args, NULL, &se), 0, "%s", se);
	char *roc = path_in(out, "roc.svg"), *conf = path_in(out, "confusion.svg");
	char *pw = path_in(out, "per-workload.svg"), *index = path_in(out, "index.html");
	cr_assert(!exists(roc));
	cr_assert(exists(conf) && exists(pw));
	char *html = pp_test_slurp(index);
	cr_assert(strstr(html, "No ROC curve"), "the page does not say why the ROC is missing");
	cr_assert(strstr(html, "this version"));
	free(html);
	free(index);
	free(pw);
	free(conf);
	free(roc);
	free(se);
	cJSON_Delete(e);
	free(ev);
	free(out);
	rmrf(tmp);
}

/* Labels come from files: they reach the page and the scripts as text, never as markup. */
Test(report, labels_are_escaped, .timeout = 300)
{
	need("gnuplot", "gnuplot-nox");
	char *tmp = tmpdir(), *out = path_in(tmp, "rep"), *prof = path_in(tmp, "evil.json");
	cJSON *p = load_json(AMD);
	const char *evil = "x</svg><script>alert(1)</script>' ; system('touch pwned') ; '";
	cJSON_ReplaceItemInObject(p, "label", cJSON_CreateString(evil));
	write_json(prof, p);
	char args[4096];
	snprintf(args, sizeof(args), "'%s' --output '%s' -q", prof, out);
	char *se;
	cr_assert_eq(report(args, NULL, &se), 0, "%s", se);
	char *index = path_in(out, "index.html"), *html = pp_test_slurp(index);
	cr_assert_null(strstr(html, "<script"));
	cr_assert(strstr(html, "&lt;script&gt;"), "the label is not on the page");
	char *pwned = path_in(out, "pwned");
	cr_assert(!exists(pwned), "gnuplot ran a command from a label");
	free(pwned);
	free(html);
	free(index);
	free(se);
	cJSON_Delete(p);
	free(prof);
	free(out);
	rmrf(tmp);
}

Test(report, usage)
{
	char *so, *se;
	cr_assert_eq(pp_cli_run("report --help", &so, NULL), 0);
	cr_assert(strstr(so, "--data") && strstr(so, "--eval") && strstr(so, "--output"));
	free(so);
	cr_assert_eq(report("'" AMD "'", NULL, &se), 2);
	cr_assert(strstr(se, "--output"), "%s", se);
	free(se);
	cr_assert_eq(report("--output /tmp/pp-test-report-never", NULL, &se), 2);
	cr_assert(strstr(se, "profile"), "%s", se);
	free(se);
	cr_assert_eq(report("--bogus x", NULL, &se), 2);
	cr_assert(strstr(se, "--bogus"), "%s", se);
	free(se);
	cr_assert(!exists("/tmp/pp-test-report-never"));
}
