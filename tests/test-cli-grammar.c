/* One grammar across the CLI: every command's options against the vocabulary (cli/vocab.c),
 * -o/--output and a started command's stdout, exit statuses per command, "did you mean",
 * plurals, and messages that name their subject once. The option tables are walked in the
 * CLI's own library (pp_cli); the rest runs the program. */
#include "cli/cli.h"
#include "core/suggest.h"
#include "support/fixtures.h"
#include "support/testutil.h"

#include <powprint/workload.h>

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Problems of one option table against the vocabulary: their number, the first described in
 * msg. used[] marks the vocabulary's terms the table takes. */
static int table_problems(const char *who, const struct cli_opt *opts, bool adds_output,
			  bool *used, char *msg, size_t len)
{
	int n = 0;
#define PROBLEM(...) do { if (!n++) snprintf(msg, len, __VA_ARGS__); } while (0)
	for (const struct cli_opt *o = opts; o && o->name; o++) {
		const struct cli_term *t = cli_term_find(o->name);
		if (!t) {
			PROBLEM("%s: --%s is not in the vocabulary (cli/vocab.c): use the name the "
				"other commands use, or add it there", who, o->name);
			continue;
		}
		used[t - cli_vocab] = true;
		if (o->val != t->val)
			PROBLEM("%s: --%s has short option '%c', the vocabulary '%c'", who, o->name,
				o->val ? o->val : ' ', t->val ? t->val : ' ');
		if (adds_output && (!strcmp(o->name, "output") || o->val == 'o'))
			PROBLEM("%s: --%s takes the -o/--output that cli_parse adds", who, o->name);
		if (o->val == 'h')
			PROBLEM("%s: -h is --help's", who);
		for (const struct cli_opt *p = o + 1; p->name; p++) {
			if (!strcmp(o->name, p->name))
				PROBLEM("%s: --%s twice", who, o->name);
			if (o->val && o->val == p->val)
				PROBLEM("%s: -%c for --%s and --%s", who, o->val, o->name, p->name);
		}
	}
#undef PROBLEM
	return n;
}

static size_t vocab_size(void)
{
	size_t n = 0;
	while (cli_vocab[n].name)
		n++;
	return n;
}

Test(grammar, every_option_follows_the_vocabulary)
{
	size_t nv = vocab_size();
	bool *used = calloc(nv, sizeof(*used));
	char msg[512] = "";
	cr_assert_not_null(used);
	for (size_t i = 0; i < nv; i++)
		for (size_t j = i + 1; j < nv; j++) {
			cr_expect(strcmp(cli_vocab[i].name, cli_vocab[j].name), "--%s twice",
				  cli_vocab[i].name);
			cr_expect(!cli_vocab[i].val || cli_vocab[i].val != cli_vocab[j].val,
				  "-%c stands for --%s and --%s", cli_vocab[i].val,
				  cli_vocab[i].name, cli_vocab[j].name);
		}
	int ncmd = 0;
	for (const struct cli_cmd *const *c = cli_commands; *c; c++, ncmd++) {
		int bad = table_problems((*c)->name, (*c)->opts, (*c)->output, used, msg,
					 sizeof(msg));
		cr_expect_eq(bad, 0, "%d problem(s); the first: %s", bad, msg);
		if ((*c)->output)
			used[cli_term_find("output") - cli_vocab] = true;
	}
	cr_expect_geq(ncmd, 14, "the command table lost commands (%d)", ncmd);
	used[cli_term_find("help") - cli_vocab] = true;

	/* A workload's own options (run NAME --OPT) join run's: they must not take one of its
	 * names, and reuse a vocabulary name only for the kernel knobs that mean the same in
	 * hash and record. */
	static const char *const knobs[] = { "soft-aes", "huge-pages", "jit", "jit-rwx" };
	for (int i = 0; i < pp_workload_count(); i++) {
		const struct pp_workload *w = pp_workload_at(i);
		for (const struct pp_workload_opt *o = pp_workload_opts(w); o && o->name; o++) {
			for (const struct cli_opt *r = cmd_run.opts; r->name; r++)
				cr_expect(strcmp(o->name, r->name), "%s: --%s clashes with run's own",
					  pp_workload_name(w), o->name);
			const struct cli_term *t = cli_term_find(o->name);
			bool knob = false;
			for (size_t k = 0; k < sizeof(knobs) / sizeof(knobs[0]); k++)
				knob |= !strcmp(o->name, knobs[k]);
			cr_expect(!t || knob, "%s: --%s means '%s' elsewhere; name this option for "
				  "what it is", pp_workload_name(w), o->name, t ? t->meaning : "");
			if (t)
				used[t - cli_vocab] = true;
		}
	}
	for (size_t i = 0; i < nv; i++)
		cr_expect(used[i], "--%s is in the vocabulary but no command takes it",
			  cli_vocab[i].name);
	free(used);
}

/* The walk is not vacuous: tables that drift are caught, each way they can. */
Test(grammar, the_walk_catches_a_drifting_table)
{
	bool used[256] = { 0 };
	char msg[512] = "";
	cr_assert_lt(vocab_size(), 256);
	static bool v;
	static const char *s;
	const struct cli_opt letter[] = { CLI_FLAG("json", 'J', &v, "x"), { 0 } };
	const struct cli_opt alias[] = { CLI_STR("sample-hz", 0, "HZ", &s, "x"), { 0 } };
	const struct cli_opt taken[] = { CLI_STR("out", 'o', "FILE", &s, "x"), { 0 } };
	const struct cli_opt twice[] = { CLI_FLAG("json", 'j', &v, "x"),
					 CLI_FLAG("json", 'j', &v, "x"), { 0 } };
	cr_expect_gt(table_problems("t", letter, false, used, msg, sizeof(msg)), 0);
	cr_expect(strstr(msg, "short option"), "%s", msg);
	cr_expect_gt(table_problems("t", alias, false, used, msg, sizeof(msg)), 0);
	cr_expect(strstr(msg, "not in the vocabulary"), "%s", msg);
	cr_expect_gt(table_problems("t", taken, true, used, msg, sizeof(msg)), 0);
	cr_expect_gt(table_problems("t", twice, false, used, msg, sizeof(msg)), 0);
	cr_expect(strstr(msg, "twice"), "%s", msg);
}

Test(grammar, suggestions)
{
	static const char *const names[] = { "bench", "profile", "cn/0", "cn/r", "rx/0-light" };
	cr_expect_str_eq(pp_suggest_in("cn/O", names, 5), "cn/0");
	cr_expect_str_eq(pp_suggest_in("bnech", names, 5), "bench");   /* a swap is one edit */
	cr_expect_str_eq(pp_suggest_in("CN/R", names, 5), "cn/r");
	cr_expect_str_eq(pp_suggest_in("rx/0-lite", names, 5), "rx/0-light");
	cr_expect_null(pp_suggest_in("zzzz", names, 5));
	cr_expect_null(pp_suggest_in("", names, 5));
	cr_expect_null(pp_suggest_in("sha256", names, 5));
}

static void expect_run(const char *args, int status, const char *in_err)
{
	char *o = NULL, *e = NULL;
	int rc = pp_cli_run(args, &o, &e);
	cr_expect_eq(rc, status, "powprint %s: exit %d, not %d\nstderr: %s", args, rc, status, e);
	if (in_err)
		cr_expect(strstr(e, in_err), "powprint %s: stderr lacks \"%s\":\n%s", args, in_err, e);
	free(o);
	free(e);
}

Test(grammar, did_you_mean, .timeout = 60)
{
	expect_run("run cn/O", 2, "did you mean 'cn/0'?");
	expect_run("bnech", 2, "did you mean 'bench'?");
	expect_run("stat --jsno -- true", 2, "did you mean '--json'?");
	expect_run("hash --algo rx/0 --mode fats", 2, "did you mean 'fast'?");
	expect_run("hash --algo cn/R", 2, "did you mean 'cn/r'?");
	expect_run("stat -b perf-sv -- true", 2, "did you mean 'perf-sw'?");
	expect_run("record --workloads zstdd --output /nonexistent/ds", 2,
		   "did you mean 'zstd'?");
	expect_run("run nothing-like-it", 2, "valid workloads");
	expect_run("record --sample-hz 100 --output /nonexistent/ds", 2, "called '--freq' now");
	expect_run("report x.json --dataset y --output /nonexistent/r", 2, "called '--data' now");
}

/* README: 0 success, 1 failure, 2 usage error, for every command. */
Test(grammar, exit_statuses, .timeout = 120)
{
	char args[512];
	for (const struct cli_cmd *const *c = cli_commands; *c; c++) {
		/* run takes its workload first */
		snprintf(args, sizeof(args), "%s%s --no-such-option", (*c)->name,
			 strcmp((*c)->name, "run") ? "" : " cn-pico/0");
		expect_run(args, 2, "unknown option");
		snprintf(args, sizeof(args), "%s --help", (*c)->name);
		expect_run(args, 0, NULL);
	}
	expect_run("info", 0, NULL);
	expect_run("list --class miner", 0, NULL);
	expect_run("list --class minor", 2, "did you mean 'miner'?");
	expect_run("run cn/0 --seconds 0.1 --inject-fault -q", 1, NULL);
	expect_run("classify --model /nonexistent/model --data /nonexistent", 1, NULL);
	expect_run("train --data /nonexistent --output /tmp/pp-grammar-none", 1, NULL);
	expect_run("eval --data /nonexistent", 1, NULL);
	expect_run("report /nonexistent.json --output /tmp/pp-grammar-none", 1, NULL);
	expect_run("watch --metrics 127.0.0.1:99999 --seconds 1", 2, "bad metrics address");
	expect_run("watch --metrics localhost --seconds 1", 2, "bad metrics address");
	expect_run("watch --pid 999999 --seconds 1", 1, "pid 999999 does not exist");
	expect_run("hash --algo cn/0 --count 0", 2, "--count");
}

static char *tmpdir(void)
{
	char *d = strdup("/tmp/pp-grammar-XXXXXX");
	cr_assert_not_null(mkdtemp(d));
	return d;
}

static int fields(const char *line)
{
	int n = 1;
	for (; *line && *line != '\n'; line++)
		n += *line == ',';
	return n;
}

/* Every line of text has the same number of CSV fields as the first; returns the lines. */
static int same_fields(const char *text)
{
	int lines = 0, want = fields(text);
	for (const char *l = text; *l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : l + strlen(l)) {
		cr_expect_eq(fields(l), want, "a line of %d fields among %d-field rows: %.80s",
			     fields(l), want, l);
		lines++;
	}
	return lines;
}

Test(grammar, output_file_put_in_place, .timeout = 120)
{
	char *d = tmpdir(), args[1024], path[300], *o, *e;
	/* A document: in FILE, nothing on stdout. */
	snprintf(path, sizeof(path), "%s/run.json", d);
	snprintf(args, sizeof(args), "run cn-pico/0 --seconds 0.1 -q --json -o '%s'", path);
	cr_assert_eq(pp_cli_run(args, &o, &e), 0, "%s", e);
	cr_expect_str_empty(o);
	char *doc = pp_test_slurp(path);
	cr_expect(strstr(doc, "\"workload\""), "%s", doc);
	free(doc), free(o), free(e);

	/* A usage error leaves an existing FILE as it was, and no temporary beside it. */
	snprintf(args, sizeof(args), "run cn-pico/0 --seconds -1 --json -o '%s'", path);
	cr_expect_eq(pp_cli_run(args, &o, &e), 2);
	doc = pp_test_slurp(path);
	cr_expect(strstr(doc, "\"workload\""), "the old output was lost: %s", doc);
	free(doc), free(o), free(e);
	snprintf(args, sizeof(args), "ls -A '%s' | wc -l", d);
	FILE *p = popen(args, "r");
	int nfiles = -1;
	cr_assert(p && fscanf(p, "%d", &nfiles) == 1);
	pclose(p);
	cr_expect_eq(nfiles, 1, "a temporary file was left in %s", d);

	/* A directory that is not there: a clear failure. */
	expect_run("list -o /nonexistent/dir/list.txt", 1, "/nonexistent/dir/list.txt");

	snprintf(args, sizeof(args), "rm -rf '%s'", d);
	cr_expect_eq(system(args), 0);
	free(d);
}

/* stat --csv -- CMD: without -o the command's lines go to stderr, so stdout is CSV alone;
 * with -o the CSV is in FILE and the command keeps stdout. */
Test(grammar, a_started_commands_stdout_stays_apart, .timeout = 120)
{
	NEED("perf-sw");
	NEED("procfs");
	char *d = tmpdir(), args[1024], path[300], *o, *e, *doc;
	const char *child = "sh -c 'for i in 1 2; do echo child,line; sleep 0.3; done'";
	snprintf(args, sizeof(args), "stat --csv -I 200 -b perf-sw,procfs -- %s", child);
	cr_assert_eq(pp_cli_run(args, &o, &e), 0, "%s", e);
	cr_expect_null(strstr(o, "child,line"), "the command's stdout is in the CSV:\n%s", o);
	cr_expect(strstr(e, "child,line"), "the command's stdout was lost: %s", e);
	cr_expect_geq(same_fields(o), 3, "header and rows");
	free(o), free(e);

	snprintf(path, sizeof(path), "%s/stat.csv", d);
	snprintf(args, sizeof(args), "stat --csv -I 200 -b perf-sw,procfs -o '%s' -- %s", path,
		 child);
	cr_assert_eq(pp_cli_run(args, &o, &e), 0, "%s", e);
	cr_expect(strstr(o, "child,line"), "the command lost its stdout: %s", o);
	doc = pp_test_slurp(path);
	cr_expect_null(strstr(doc, "child,line"), "%s", doc);
	cr_expect_geq(same_fields(doc), 3, "header and rows");
	free(doc), free(o), free(e);
	snprintf(args, sizeof(args), "rm -rf '%s'", d);
	cr_expect_eq(system(args), 0);
	free(d);
}

/* A pid that is not there: stat and classify say so, naming it once (exit 1). */
Test(grammar, a_missing_pid_is_named_once, .timeout = 60)
{
	NEED("perf-sw");
	char *o, *e;
	expect_run("stat -p 999999", 1, "does not exist");
	cr_assert_eq(pp_cli_run("classify -p 999999 --seconds 1", &o, &e), 1);
	const char *first = strstr(e, "999999");
	cr_assert_not_null(first, "%s", e);
	cr_expect(strstr(e, "does not exist"), "%s", e);
	cr_expect_null(strstr(first + 1, "999999"), "the pid is named twice: %s", e);
	free(o), free(e);
}

Test(grammar, plurals_in_the_agents_summary, .timeout = 60)
{
	NEED("perf-sw");
	NEED("ip-sample");
	char args[256], *o, *e;
	snprintf(args, sizeof(args), "watch --pid %d --seconds 1 --min-cpu 50", (int)getpid());
	cr_assert_eq(pp_cli_run(args, &o, &e), 0, "%s", e);
	static const char *const wrong[] = { " 1 scans", " 1 windows", " 1 detections",
					     " 1 actions", " 1 times", " 0 scan,", " 0 time;" };
	for (size_t i = 0; i < sizeof(wrong) / sizeof(wrong[0]); i++)
		cr_expect_null(strstr(e, wrong[i]), "\"%s\" in: %s", wrong[i], e);
	cr_expect(strstr(e, " scan"), "no summary: %s", e);
	free(o), free(e);
}
