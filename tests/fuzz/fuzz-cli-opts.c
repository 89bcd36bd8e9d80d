/* cli/opts.c: any argv (the input split at NUL bytes, at most 16 arguments) parsed over a table
 * with one option of every type and over powprint watch's table never crashes, returns -1, 0
 * or 2, leaves every destination at its default or a value inside its declared range (a
 * string or list entry pointing into argv), parses the same twice, and with a command that
 * takes no operands refuses exactly the operands it otherwise leaves at optind. The input's
 * first piece is also given to each option alone: an accepted number is exactly what the text
 * says, a refused one changes nothing. The CLI's own sources are built in, as in
 * tests/test-cli-opts.c. */
#define _GNU_SOURCE
#include "cli/cmd-watch.c"
#include "cli/opts.c"
#include "cli/stop.c"
#include "cli/json.c"
#include "cli/vocab.c"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define MAX_ARGS 16

enum color { RED, GREEN, BLUE };

static const struct cli_word colors[] = {
	{ "red", RED }, { "green", GREEN }, { "blue", BLUE }, { 0 },
};

static struct vals {
	bool flag;
	const char *str, *list[3];
	int nlist, i, kofn[2];
	long l, big;
	unsigned u;
	uint64_t u64, any;
	double d, p, pair[2], pos;
	enum color color;
	int calls;
	long nums[4];
	int nnums;
} v;

static const struct vals v0 = { .kofn = { 3, 5 }, .color = GREEN, .i = 1, .l = 1, .u64 = 1,
				.d = 1 };

/* A callback that does what watch's --pid does: numbers, each checked, appended. */
static int add_nums(const struct cli_cmd *cmd, const struct cli_opt *o, const char *arg)
{
	(void)o;
	if (!arg)
		abort();
	v.calls++;
	char *copy = strdup(arg), *save = NULL;
	if (!copy)
		abort();
	int rc = 0;
	for (char *t = strtok_r(copy, ",", &save); t && !rc; t = strtok_r(NULL, ",", &save)) {
		long n;
		if (!cli_parse_long(cmd, "num", t, -3, 1L << 40, &n))
			rc = CLI_EXIT_USAGE;
		else if (v.nnums < 4)
			v.nums[v.nnums++] = n;
	}
	free(copy);
	return rc;
}

static const struct cli_opt opts[] = {
	CLI_FLAG("flag", 'f', &v.flag, "a flag"),
	CLI_STR("str", 's', "S", &v.str, "a string"),
	CLI_LIST("list", 'L', "A,B", v.list, &v.nlist, "a list"),
	CLI_INT("int", 'i', "N", &v.i, -5, 5, "an int"),
	CLI_LONG("long", 0, "N", &v.l, 1, 1L << 40, "a long"),
	CLI_LONG("big", 0, "N", &v.big, -(1L << 62), 1L << 62, "a long near its limits"),
	CLI_UINT("uint", 'u', "N", &v.u, 0, 4294967295.0, "an unsigned"),
	CLI_U64("u64", 0, "N", &v.u64, 1, 1ull << 60, "a bounded uint64"),
	CLI_U64("any", 0, "N", &v.any, 0, 0, "any uint64"),
	CLI_DOUBLE("double", 'd', "X", &v.d, 0.5, 2, "a double"),
	CLI_DOUBLE("pos", 0, "X", &v.pos, DBL_TRUE_MIN, INFINITY, "positive",
		   .what = "a positive number"),
	CLI_PROB("prob", 'P', "P", &v.p, "a probability"),
	CLI_PAIR("pair", 0, "A/B", &v.pair, 0.001, 10, "two numbers"),
	CLI_KOFN("smooth", 'k', "K/N", &v.kofn, "k of n"),
	CLI_WORD("color", 'c', "C", &v.color, colors, "a color"),
	CLI_CALL("num", 'n', "N,...", add_nums, NULL, "numbers"),
	{ 0 },
};

static const struct cli_cmd every = {
	.name = "t", .summary = "every option type", .usage = "[OPTIONS] [OPERAND]", .opts = opts,
};

/* Whether p is NULL-free and points into one of the argument strings. */
static bool in_argv(const char *p, char *const *argv, int argc, size_t *lens)
{
	for (int a = 0; a < argc; a++)
		if (p >= argv[a] && p <= argv[a] + lens[a])
			return true;
	return false;
}

static bool in_range(double x, double min, double max)
{
	return x >= min && x <= max;
}

/* Every destination of the table holds its default (def: the same layout as dst) or a value
 * inside its declared range. def and the table's dsts point into the same struct. */
static void check_dsts(const struct cli_opt *t, const void *dst0, const void *def0,
		       char *const *argv, int argc, size_t *lens)
{
	for (const struct cli_opt *o = t; o->name; o++) {
		if (!o->dst)
			continue;
		const char *def = (const char *)def0 + ((const char *)o->dst - (const char *)dst0);
		double x, y;
		switch (o->type) {
		case CLI_T_FLAG:
			break;
		case CLI_T_STR: {
			const char *s = *(const char *const *)o->dst;
			if (s != *(const char *const *)def && !in_argv(s, argv, argc, lens))
				abort();
			break;
		}
		case CLI_T_LIST: {
			int n = *o->count;
			if (n < 0 || n > (int)o->max)
				abort();
			for (int k = 0; k < n; k++) {
				const char *e = ((const char *const *)o->dst)[k];
				if (!e || !*e || strchr(e, ',') || !in_argv(e, argv, argc, lens))
					abort();
			}
			continue;
		}
		case CLI_T_INT:
		case CLI_T_WORD:
			if (!memcmp(o->dst, def, sizeof(int)))
				break;
			if (o->type == CLI_T_INT && !in_range(*(const int *)o->dst, o->min, o->max))
				abort();
			if (o->type == CLI_T_WORD) {
				const struct cli_word *w = o->words;
				while (w->name && w->val != *(const int *)o->dst)
					w++;
				if (!w->name)
					abort();
			}
			break;
		case CLI_T_LONG: {
			long l = *(const long *)o->dst;
			/* Exactly: a long past 2^53 is not exact as a double. */
			if (!memcmp(o->dst, def, sizeof(long)))
				break;
			if (l < (long)o->min || (o->max < 0x1p63 && l > (long)o->max))
				abort();
			break;
		}
		case CLI_T_UINT:
			if (memcmp(o->dst, def, sizeof(unsigned)) &&
			    !in_range(*(const unsigned *)o->dst, o->min, o->max))
				abort();
			break;
		case CLI_T_U64: {
			uint64_t u = *(const uint64_t *)o->dst;
			if (!memcmp(o->dst, def, sizeof(u)) || (o->min == 0 && o->max == 0))
				break;
			if (u < (uint64_t)o->min || (o->max < 0x1p64 && u > (uint64_t)o->max))
				abort();
			break;
		}
		case CLI_T_DOUBLE:
			if (memcmp(o->dst, def, sizeof(double)) &&
			    !in_range(*(const double *)o->dst, o->min, o->max))
				abort();
			break;
		case CLI_T_PROB:
			x = *(const double *)o->dst;
			if (memcmp(o->dst, def, sizeof(double)) && !(x > 0 && x < 1))
				abort();
			break;
		case CLI_T_PAIR:
			x = ((const double *)o->dst)[0];
			y = ((const double *)o->dst)[1];
			if (memcmp(o->dst, def, 2 * sizeof(double)) &&
			    !(in_range(x, o->min, o->max) && in_range(y, o->min, o->max)))
				abort();
			break;
		case CLI_T_KOFN: {
			const int *kn = o->dst;
			if (memcmp(o->dst, def, 2 * sizeof(int)) &&
			    !(kn[0] >= 1 && kn[0] <= kn[1] && kn[1] <= o->max))
				abort();
			break;
		}
		case CLI_T_FN:
			break;
		}
	}
}

struct result {
	int rc, optind, argc;
	struct vals v;
};

static bool vals_eq(const struct vals *x, const struct vals *y)
{
	return x->flag == y->flag && x->nlist == y->nlist && x->i == y->i &&
	       x->kofn[0] == y->kofn[0] && x->kofn[1] == y->kofn[1] && x->l == y->l &&
	       x->big == y->big && x->u == y->u && x->u64 == y->u64 && x->any == y->any &&
	       x->d == y->d && x->p == y->p && x->pair[0] == y->pair[0] &&
	       x->pair[1] == y->pair[1] && x->pos == y->pos && x->color == y->color &&
	       x->calls == y->calls && x->nnums == y->nnums &&
	       !memcmp(x->nums, y->nums, sizeof(x->nums));
}

/* argv from the input: "t", then the NUL-separated pieces (each a fresh copy, since list
 * options split theirs in place). */
static int make_argv(const uint8_t *data, size_t size, char **argv, size_t *lens)
{
	int argc = 0;
	argv[argc] = strdup("t");
	lens[argc++] = 1;
	size_t at = 0;
	while (at < size && argc < MAX_ARGS + 1) {
		const uint8_t *z = memchr(data + at, 0, size - at);
		size_t len = z ? (size_t)(z - (data + at)) : size - at;
		argv[argc] = strndup((const char *)data + at, len);
		lens[argc++] = len;
		at += len + 1;
	}
	argv[argc] = NULL;
	for (int a = 0; a < argc; a++)
		if (!argv[a])
			abort();
	return argc;
}

static void free_argv(char **argv, int argc)
{
	for (int a = 0; a < argc; a++)
		free(argv[a]);
}

static struct result parse_every(const uint8_t *data, size_t size, bool no_operands)
{
	char *argv[MAX_ARGS + 2];
	size_t lens[MAX_ARGS + 2];
	int argc = make_argv(data, size, argv, lens);
	struct cli_cmd cmd = every;
	cmd.no_operands = no_operands;
	v = v0;
	optind = 0; /* glibc: start a new scan */
	struct result r = { .rc = cli_parse(&cmd, argc, argv), .optind = optind, .argc = argc };
	if (r.rc != -1 && r.rc != 0 && r.rc != CLI_EXIT_USAGE)
		abort();
	if (r.rc == -1 && (r.optind < 1 || r.optind > argc))
		abort();
	check_dsts(opts, &v, &v0, argv, argc, lens);
	if (v.nnums > 4 || v.calls > argc)
		abort();
	for (int k = 0; k < v.nnums; k++)
		if (v.nums[k] < -3 || v.nums[k] > 1L << 40)
			abort();
	r.v = v;
	free_argv(argv, argc);
	return r;
}

static int parse_watch(const uint8_t *data, size_t size)
{
	static __typeof__(args) args0;
	static bool saved;
	if (!saved) {
		args0 = args;
		saved = true;
	}
	char *argv[MAX_ARGS + 2];
	size_t lens[MAX_ARGS + 2];
	int argc = make_argv(data, size, argv, lens);
	args = args0;
	optind = 0;
	int rc = cli_parse(&cmd_watch, argc, argv);
	if (rc != -1 && rc != 0 && rc != CLI_EXIT_USAGE)
		abort();
	check_dsts(watch_opts, &args, &args0, argv, argc, lens);
	if (args.npids < 0 || args.npids > PP_AGENT_MAX_PIDS)
		abort();
	for (int k = 0; k < args.npids; k++)
		if (args.pids[k] < 1)
			abort();
	free_argv(argv, argc);
	return rc;
}

/* Bytes of o's destination a refused value must leave alone (lists and callbacks may keep
 * what came before the bad entry). */
static size_t dst_size(const struct cli_opt *o)
{
	switch (o->type) {
	case CLI_T_STR: return sizeof(const char *);
	case CLI_T_INT: case CLI_T_WORD: return sizeof(int);
	case CLI_T_LONG: return sizeof(long);
	case CLI_T_UINT: return sizeof(unsigned);
	case CLI_T_U64: return sizeof(uint64_t);
	case CLI_T_DOUBLE: case CLI_T_PROB: return sizeof(double);
	case CLI_T_PAIR: return 2 * sizeof(double);
	case CLI_T_KOFN: return 2 * sizeof(int);
	default: return 0;
	}
}

/* "t --NAME VALUE" for each option that takes a value, VALUE the input up to its first NUL:
 * an accepted number is exactly the number the text says (nothing rounded or wrapped on the
 * way), an accepted word is the entry of that name, and a refused value leaves the
 * destination at its default. */
static void parse_values(const uint8_t *data, size_t size)
{
	const uint8_t *z = memchr(data, 0, size);
	char *arg = strndup((const char *)data, z ? (size_t)(z - data) : size);
	if (!arg)
		abort();
	for (const struct cli_opt *o = opts; o->name; o++) {
		if (!o->arg)
			continue;
		char name[32], *val = strdup(arg);
		snprintf(name, sizeof(name), "--%s", o->name);
		char *argv[] = { "t", name, val, NULL };
		size_t lens[] = { 1, strlen(name), strlen(arg) };
		if (!val)
			abort();
		v = v0;
		optind = 0;
		int rc = cli_parse(&every, 3, argv);
		if (rc != -1 && rc != CLI_EXIT_USAGE)
			abort();
		check_dsts(opts, &v, &v0, argv, 3, lens);
		if (rc == CLI_EXIT_USAGE && dst_size(o) &&
		    memcmp(o->dst, (const char *)&v0 + ((char *)o->dst - (char *)&v), dst_size(o)))
			abort();
		char *end;
		if (rc == -1) {
			switch (o->type) {
			case CLI_T_INT:
				if (*(int *)o->dst != strtoll(arg, &end, 0))
					abort();
				break;
			case CLI_T_LONG:
				if (*(long *)o->dst != strtoll(arg, &end, 0))
					abort();
				break;
			case CLI_T_UINT:
				if (*(unsigned *)o->dst != strtoll(arg, &end, 0))
					abort();
				break;
			case CLI_T_U64:
				if (*(uint64_t *)o->dst != strtoull(arg, &end, 0))
					abort();
				break;
			case CLI_T_DOUBLE:
			case CLI_T_PROB:
				if (*(double *)o->dst != strtod(arg, &end))
					abort();
				break;
			case CLI_T_KOFN: {
				long long k = strtoll(arg, &end, 10);
				if (*end != '/' || k != v.kofn[0] ||
				    strtoll(end + 1, NULL, 10) != v.kofn[1])
					abort();
				break;
			}
			case CLI_T_WORD:
				if (strcmp(colors[v.color].name, arg))
					abort();
				break;
			case CLI_T_STR:
				if (v.str != val)
					abort();
				break;
			default:
				break;
			}
		}
		free(val);
	}
	free(arg);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static bool quiet;
	if (!quiet) { /* --help and the usage errors; not fd 2, where crashes are reported */
		FILE *null = fopen("/dev/null", "w");
		if (!null)
			abort();
		stdout = null;
		stderr = null;
		quiet = true;
	}
	struct result a = parse_every(data, size, false);
	struct result b = parse_every(data, size, false);
	if (a.rc != b.rc || a.optind != b.optind || !vals_eq(&a.v, &b.v))
		abort();
	/* No operands allowed: the same, except that operands left at optind are refused. */
	struct result c = parse_every(data, size, true);
	if (a.rc == -1 && a.optind < a.argc ? c.rc != CLI_EXIT_USAGE : c.rc != a.rc)
		abort();
	parse_watch(data, size);
	parse_values(data, size);
	return 0;
}
