/* cli/opts.c: option tables that say each option's type, destination and valid values. Every
 * type converts and stores its argument; a bad value is a usage error (2) naming the valid
 * range or words; --help comes from the same table. The parser is the CLI's own source, built
 * into this test so its converters are tested without a subprocess. */
#include "cli/opts.c"
#include "cli/vocab.c"

#include <criterion/criterion.h>
#include <float.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

enum color { RED, GREEN, BLUE };

static struct {
	bool flag;
	const char *str, *list[3];
	int nlist, i, kofn[2];
	long l;
	unsigned u;
	uint64_t u64, any;
	double d, p, pair[2];
	enum color color;
	int calls;
	const char *called_with;
} v = { .kofn = { 3, 5 }, .color = GREEN };

static int note(const struct cli_cmd *cmd, const struct cli_opt *o, const char *arg)
{
	(void)cmd;
	v.calls++;
	v.called_with = arg;
	return strcmp(arg, "fail") ? 0 : *(const int *)o->dst;
}

static const int fail_status = CLI_EXIT_FAIL;

static const struct cli_word colors[] = {
	{ "red", RED }, { "green", GREEN }, { "blue", BLUE }, { 0 },
};

static const struct cli_opt opts[] = {
	CLI_FLAG("flag", 'f', &v.flag, "a flag"),
	CLI_STR("str", 's', "S", &v.str, "a string"),
	CLI_LIST("list", 0, "A,B", v.list, &v.nlist, "a list"),
	CLI_INT("int", 'i', "N", &v.i, -5, 5, "an int"),
	CLI_LONG("long", 0, "N", &v.l, 1, 1L << 40, "a long"),
	CLI_UINT("uint", 0, "N", &v.u, 0, 100, "an unsigned"),
	CLI_U64("u64", 0, "N", &v.u64, 1, 1000, "a bounded uint64"),
	CLI_U64("any", 0, "N", &v.any, 0, 0, "any uint64"),
	CLI_DOUBLE("double", 'd', "X", &v.d, 0.5, 2, "a double"),
	CLI_PROB("prob", 0, "P", &v.p, "a probability"),
	CLI_PAIR("pair", 0, "A/B", &v.pair, 0.001, 10, "two numbers"),
	CLI_KOFN("smooth", 0, "K/N", &v.kofn, "k of n"),
	CLI_WORD("color", 'c', "C", &v.color, colors, "a color"),
	CLI_CALL("call", 0, "X", note, (void *)&fail_status, "a callback"),
	CLI_DOUBLE("secs", 0, "S", &v.d, DBL_TRUE_MIN, 1, "worded", .what = "a positive number"),
	{ 0 },
};

static const struct cli_cmd cmd = {
	.name = "t", .summary = "a test command", .usage = "[OPTIONS] [OPERAND]", .opts = opts,
};

static struct {
	long big;
	uint64_t u64;
	bool quiet;
} w;

/* Bounds past 2^53, where a double no longer tells neighbouring whole numbers apart, and a
 * long-only flag. */
static const struct cli_opt wide_opts[] = {
	CLI_LONG("big", 0, "N", &w.big, -(1L << 62), 1L << 62, "a long near its limits"),
	CLI_U64("u64", 0, "N", &w.u64, 1, 1ull << 60, "a wide uint64"),
	CLI_FLAG("quiet", 0, &w.quiet, "a long-only flag"),
	{ 0 },
};

static const struct cli_cmd wide = { .name = "w", .summary = "wide ranges", .opts = wide_opts };

static int parse_cmd(const struct cli_cmd *c, const char *line, char *err, size_t len);

/* Parses "t LINE" (words split at spaces); err receives what went to stderr. */
static int parse(const char *line, char *err, size_t len)
{
	return parse_cmd(&cmd, line, err, len);
}

static int parse_cmd(const struct cli_cmd *c, const char *line, char *err, size_t len)
{
	static char buf[512];
	static char *argv[64];
	int argc = 0;
	snprintf(buf, sizeof(buf), "t %s", line);
	for (char *save = NULL, *t = strtok_r(buf, " ", &save); t && argc < 63;
	     t = strtok_r(NULL, " ", &save))
		argv[argc++] = t;
	argv[argc] = NULL;

	FILE *tmp = tmpfile();
	cr_assert(tmp);
	fflush(stderr);
	int saved = dup(2);
	dup2(fileno(tmp), 2);
	optind = 0;  /* glibc: start a new scan */
	int rc = cli_parse(c, argc, argv);
	fflush(stderr);
	dup2(saved, 2);
	close(saved);
	rewind(tmp);
	size_t n = fread(err, 1, len - 1, tmp);
	err[n] = '\0';
	fclose(tmp);
	return rc;
}

Test(cli_opts, every_type_is_stored)
{
	char err[1024];
	int rc = parse("-f -s hi --list a,b --list c,d -i -5 --long 0x10 --uint 100 --u64 1000 "
		       "--any 18446744073709551615 -d 2 --prob 0.25 --pair 1:2.5 --smooth 2/7 "
		       "-c blue --call x op -i 1", err, sizeof(err));
	cr_assert_eq(rc, -1, "%s", err);
	cr_assert_str_empty(err);
	cr_assert(v.flag);
	cr_assert_str_eq(v.str, "hi");
	cr_assert_eq(v.nlist, 3, "entries past the list's room are dropped");
	cr_assert_str_eq(v.list[0], "a");
	cr_assert_str_eq(v.list[2], "c");
	cr_assert_eq(v.i, -5);
	cr_assert_eq(v.l, 16);
	cr_assert_eq(v.u, 100);
	cr_assert_eq(v.u64, 1000);
	cr_assert_eq(v.any, UINT64_MAX);
	cr_assert_eq(v.d, 2);
	cr_assert_eq(v.p, 0.25);
	cr_assert_eq(v.pair[0], 1);
	cr_assert_eq(v.pair[1], 2.5);
	cr_assert_eq(v.kofn[0], 2);
	cr_assert_eq(v.kofn[1], 7);
	cr_assert_eq(v.color, BLUE);
	cr_assert_eq(v.calls, 1);
	cr_assert_str_eq(v.called_with, "x");
	cr_assert_eq(optind, 30, "parsing stops at the first operand, not %d", optind);
}

Test(cli_opts, untouched_options_keep_their_defaults)
{
	char err[256];
	cr_assert_eq(parse("-- -f", err, sizeof(err)), -1, "%s", err);
	cr_assert_not(v.flag, "-f after -- is an operand");
	cr_assert_eq(v.kofn[0], 3);
	cr_assert_eq(v.kofn[1], 5);
	cr_assert_eq(v.color, GREEN);
	cr_assert_eq(v.calls, 0);
}

/* Each bad value: exit status 2 and the message a person needs. */
static const struct {
	const char *line, *err;
} bad[] = {
	{ "-i 6", "--int expects a whole number from -5 to 5, not '6'" },
	{ "-i 1x", "--int expects a whole number from -5 to 5, not '1x'" },
	{ "--long 1099511627777", "--long expects a whole number from 1 to 1099511627776" },
	{ "--uint -1", "--uint expects a whole number from 0 to 100, not '-1'" },
	{ "--u64 -1", "--u64 expects a whole number from 1 to 1000, not '-1'" },
	{ "--any -1", "--any expects a whole number >= 0, not '-1'" },
	{ "--any 18446744073709551616", "--any expects a whole number >= 0" },
	{ "-d 2.5", "--double expects a number from 0.5 to 2, not '2.5'" },
	{ "-d nan", "--double expects a number from 0.5 to 2, not 'nan'" },
	{ "--secs 0", "--secs expects a positive number, not '0'" },
	{ "--prob 1", "--prob expects a probability strictly between 0 and 1, not '1'" },
	{ "--prob 0", "--prob expects a probability strictly between 0 and 1, not '0'" },
	{ "--pair 5", "--pair expects two numbers from 0.001 to 10, as A/B, not '5'" },
	{ "--pair 1/0", "--pair expects two numbers from 0.001 to 10, as A/B, not '1/0'" },
	{ "--smooth 6/5", "--smooth expects K/N with 1 <= K <= N <= 1000 (e.g. 3/5), not '6/5'" },
	{ "--smooth 1/1001", "--smooth expects K/N with 1 <= K <= N <= 1000 (e.g. 3/5)" },
	{ "-c pink", "--color expects red, green or blue, not 'pink'" },
};

Test(cli_opts, bad_values_are_usage_errors)
{
	for (size_t k = 0; k < sizeof(bad) / sizeof(bad[0]); k++) {
		char err[1024];
		cr_assert_eq(parse(bad[k].line, err, sizeof(err)), CLI_EXIT_USAGE, "%s", bad[k].line);
		cr_assert(strstr(err, bad[k].err), "%s: %s", bad[k].line, err);
		cr_assert(strstr(err, "powprint t: "), "%s", err);
		cr_assert(strstr(err, "(see 'powprint t --help')"), "%s", err);
	}
}

Test(cli_opts, unknown_and_incomplete_options)
{
	char err[1024];
	cr_assert_eq(parse("--bogus", err, sizeof(err)), CLI_EXIT_USAGE);
	cr_assert(strstr(err, "unknown option '--bogus'"), "%s", err);
	cr_assert(strstr(err, "valid options for 't': --flag --str --list"), "%s", err);
	cr_assert_eq(parse("-x", err, sizeof(err)), CLI_EXIT_USAGE);
	cr_assert(strstr(err, "unknown option '-x'"), "%s", err);
	cr_assert_eq(parse("-f -i", err, sizeof(err)), CLI_EXIT_USAGE);
	cr_assert(strstr(err, "option '-i' needs an argument"), "%s", err);
}

Test(cli_opts, callback_status_is_returned)
{
	char err[256];
	cr_assert_eq(parse("--call fail", err, sizeof(err)), CLI_EXIT_FAIL);
	cr_assert_eq(v.calls, 1);
}

Test(cli_opts, help_comes_from_the_table)
{
	char err[4096];
	FILE *f = tmpfile();
	cr_assert(f);
	cli_help(&cmd, f);
	rewind(f);
	size_t n = fread(err, 1, sizeof(err) - 1, f);
	err[n] = '\0';
	fclose(f);
	cr_assert(strstr(err, "usage: powprint t [OPTIONS] [OPERAND]\n\na test command\n"), "%s",
		  err);
	cr_assert(strstr(err, "\n  -f, --flag                   a flag\n"), "%s", err);
	cr_assert(strstr(err, "\n      --list A,B               a list\n"), "%s", err);
	cr_assert(strstr(err, "\n  -h, --help                   show this help\n"), "%s", err);

	/* --help itself prints it and asks the command to return 0. */
	fflush(stdout);
	int saved = dup(1);
	FILE *out = tmpfile();
	dup2(fileno(out), 1);
	int rc = parse("-f --help --bogus", err, sizeof(err));
	fflush(stdout);
	dup2(saved, 1);
	close(saved);
	fclose(out);
	cr_assert_eq(rc, 0);
}

Test(cli_opts, parse_long_for_callbacks)
{
	long x = 7;
	cr_assert(cli_parse_long(&cmd, "n", "12", 1, 12, &x));
	cr_assert_eq(x, 12);
	fflush(stderr);
	int saved = dup(2);
	FILE *tmp = tmpfile();
	dup2(fileno(tmp), 2);
	bool ok = cli_parse_long(&cmd, "n", "13", 1, 12, &x);
	fflush(stderr);
	dup2(saved, 2);
	close(saved);
	char err[256];
	rewind(tmp);
	err[fread(err, 1, sizeof(err) - 1, tmp)] = '\0';
	fclose(tmp);
	cr_assert_not(ok);
	cr_assert_eq(x, 12, "a rejected value leaves the destination alone");
	cr_assert(strstr(err, "--n expects a whole number from 1 to 12, not '13'"), "%s", err);
}

/* sscanf's %d wrapped 4294967297 to 1, so "--smooth 4294967297/5" was taken as 1/5. */
Test(cli_opts, smooth_past_int_is_refused)
{
	char err[1024];
	static const char *const lines[] = { "--smooth 4294967297/5", "--smooth 3/4294967301",
					     "--smooth -4294967295/5", "--smooth 99999999999999999999/5" };
	for (size_t k = 0; k < sizeof(lines) / sizeof(lines[0]); k++) {
		cr_assert_eq(parse(lines[k], err, sizeof(err)), CLI_EXIT_USAGE, "%s", lines[k]);
		cr_assert(strstr(err, "--smooth expects K/N"), "%s: %s", lines[k], err);
		cr_assert_eq(v.kofn[0], 3, "%s", lines[k]);
		cr_assert_eq(v.kofn[1], 5, "%s", lines[k]);
	}
	cr_assert_eq(parse("--smooth 1000/1000", err, sizeof(err)), -1, "%s", err);
	cr_assert_eq(v.kofn[0], 1000);
}

/* Compared as doubles, 2^62 + 1 rounded to the bound 2^62 and was let through. */
Test(cli_opts, bounds_past_2_53_are_exact)
{
	char err[1024];
	cr_assert_eq(parse_cmd(&wide, "--big 4611686018427387905", err, sizeof(err)),
		     CLI_EXIT_USAGE);
	cr_assert(strstr(err, "--big expects a whole number from"), "%s", err);
	cr_assert_eq(parse_cmd(&wide, "--big -4611686018427387905", err, sizeof(err)),
		     CLI_EXIT_USAGE);
	cr_assert_eq(w.big, 0, "a rejected value leaves the destination alone");
	cr_assert_eq(parse_cmd(&wide, "--big 4611686018427387904", err, sizeof(err)), -1, "%s",
		     err);
	cr_assert_eq(w.big, 1L << 62);
	cr_assert_eq(parse_cmd(&wide, "--big -4611686018427387904", err, sizeof(err)), -1, "%s",
		     err);
	cr_assert_eq(w.big, -(1L << 62));
	cr_assert_eq(parse_cmd(&wide, "--u64 1152921504606846977", err, sizeof(err)),
		     CLI_EXIT_USAGE);
	cr_assert_eq(w.u64, 0);
	cr_assert_eq(parse_cmd(&wide, "--u64 0x1000000000000000", err, sizeof(err)), -1, "%s",
		     err);
	cr_assert_eq(w.u64, 1ull << 60);
}

/* A flag given an argument was reported as the unknown short option of its value: '-f' for
 * --flag=x, and a control character for a long-only flag. */
Test(cli_opts, flag_given_an_argument)
{
	char err[1024];
	cr_assert_eq(parse("--flag=x", err, sizeof(err)), CLI_EXIT_USAGE);
	cr_assert(strstr(err, "powprint t: option '--flag' takes no argument\n"), "%s", err);
	cr_assert_eq(parse_cmd(&wide, "--quiet=1", err, sizeof(err)), CLI_EXIT_USAGE);
	cr_assert(strstr(err, "powprint w: option '--quiet' takes no argument\n"), "%s", err);
	cr_assert_eq(parse("--help=1", err, sizeof(err)), CLI_EXIT_USAGE);
	cr_assert(strstr(err, "option '--help' takes no argument"), "%s", err);
	cr_assert_eq(parse("-fz", err, sizeof(err)), CLI_EXIT_USAGE);
	cr_assert(strstr(err, "unknown option '-z'"), "%s", err);
	cr_assert_eq(parse("--flag -zf", err, sizeof(err)), CLI_EXIT_USAGE);
	cr_assert(strstr(err, "unknown option '-z'"), "%s", err);
}
