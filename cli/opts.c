/* Option parsing shared by every subcommand. getopt_long's tables come from the command's
 * cli_opt table; each argument is then converted, checked against its range or choices and
 * stored by its type (cli.h), so a command declares its options once. */
#include "cli/cli.h"
#include "core/suggest.h"

#include <powprint/collect.h>
#include <powprint/error.h>

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define CLI_MAX_OPTS 64
/* getopt_long's value for a long-only option: this plus its index in the table. */
#define LONG_ONLY 256

static int count_opts(const struct cli_opt *o)
{
	int n = 0;
	while (o && o[n].name)
		n++;
	return n;
}

static bool has_short(const struct cli_opt *o)
{
	return o->val > 0 && o->val < LONG_ONLY;
}

/* Prints text with CLI_HELP_BACKENDS replaced by the backend table's names, so no help text
 * keeps its own copy of the list. */
static void print_expanded(FILE *out, const char *text)
{
	const char *at = strstr(text, CLI_HELP_BACKENDS);
	if (!at) {
		fputs(text, out);
		return;
	}
	char names[256];
	fprintf(out, "%.*s%s", (int)(at - text), text, pp_backend_list(names, sizeof(names), ","));
	print_expanded(out, at + strlen(CLI_HELP_BACKENDS));
}

/* The -o/--output option that cli_parse adds to commands with .output set. */
static const struct cli_opt output_opt = {
	.name = "output", .val = 'o', .arg = "FILE", .type = CLI_T_STR,
	.help = "write the output to FILE instead of stdout (in place once the command ends)",
};

void cli_help(const struct cli_cmd *cmd, FILE *out)
{
	fprintf(out, "usage: powprint %s %s\n\n%s\n", cmd->name, cmd->usage ? cmd->usage : "",
		cmd->summary);
	if (cmd->description)
		fprintf(out, "\n%s\n", cmd->description);
	fprintf(out, "\noptions:\n");
	for (const struct cli_opt *o = cmd->opts; o && o->name; o++) {
		char left[64];
		if (has_short(o))
			snprintf(left, sizeof(left), "-%c, --%s%s%s", o->val, o->name,
				 o->arg ? " " : "", o->arg ? o->arg : "");
		else
			snprintf(left, sizeof(left), "    --%s%s%s", o->name, o->arg ? " " : "",
				 o->arg ? o->arg : "");
		fprintf(out, "  %-28s ", left);
		print_expanded(out, o->help);
		fputc('\n', out);
	}
	if (cmd->output)
		fprintf(out, "  %-28s %s\n", "-o, --output FILE", output_opt.help);
	fprintf(out, "  %-28s %s\n", "-h, --help", "show this help");
}

static void list_valid(const struct cli_cmd *cmd)
{
	fprintf(stderr, "valid options for '%s':", cmd->name);
	for (const struct cli_opt *o = cmd->opts; o && o->name; o++)
		fprintf(stderr, " --%s", o->name);
	if (cmd->output)
		fprintf(stderr, " --output");
	fprintf(stderr, " --help\n(see 'powprint %s --help')\n", cmd->name);
}

static struct {
	char path[PATH_MAX], tmp[PATH_MAX + 32];
	int saved;          /* the original stdout while it is redirected, else -1 */
	bool child_note;    /* cli_child_stdout said where a child's output goes */
} output = { .saved = -1 };

static int output_open(const struct cli_cmd *cmd, const char *path)
{
	if (output.saved >= 0)
		return cli_usage_error(cmd, "--output given twice");
	if (!path[0] || snprintf(output.path, sizeof(output.path), "%s", path) >=
			(int)sizeof(output.path))
		return cli_usage_error(cmd, "--output expects a file name, not '%s'", path);
	snprintf(output.tmp, sizeof(output.tmp), "%s.tmp-%d", path, (int)getpid());
	int fd = open(output.tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0) {
		fprintf(stderr, "powprint %s: cannot write %s: %s (is its directory there and "
			"writable?)\n", cmd->name, path, strerror(errno));
		return CLI_EXIT_FAIL;
	}
	fflush(stdout);
	output.saved = fcntl(STDOUT_FILENO, F_DUPFD_CLOEXEC, 3);
	if (output.saved < 0 || dup2(fd, STDOUT_FILENO) < 0) {
		int e = errno;
		close(fd);
		unlink(output.tmp);
		if (output.saved >= 0)
			close(output.saved);
		output.saved = -1;
		return cli_fail(cmd, -e, NULL);
	}
	close(fd);
	return 0;
}

int cli_output_finish(const struct cli_cmd *cmd, int status)
{
	if (output.saved < 0)
		return status;
	bool write_failed = fflush(stdout) != 0 || ferror(stdout) || fsync(STDOUT_FILENO) != 0;
	int write_errno = errno;
	struct stat st;
	bool wrote = fstat(STDOUT_FILENO, &st) == 0 && st.st_size > 0;
	dup2(output.saved, STDOUT_FILENO);
	close(output.saved);
	output.saved = -1;
	if (write_failed) {
		unlink(output.tmp);
		fprintf(stderr, "powprint %s: cannot write %s: %s; it was left as it was\n",
			cmd->name, output.path, strerror(write_errno));
		return CLI_EXIT_FAIL;
	}
	if (status != 0 && !wrote) {
		unlink(output.tmp);
		return status;
	}
	if (rename(output.tmp, output.path) != 0) {
		fprintf(stderr, "powprint %s: cannot put the output in place as %s: %s (it is in "
			"%s)\n", cmd->name, output.path, strerror(errno), output.tmp);
		return CLI_EXIT_FAIL;
	}
	return status;
}

int cli_child_stdout(const struct cli_cmd *cmd, bool data_on_stdout)
{
	if (output.saved >= 0)
		return output.saved;
	if (!data_on_stdout)
		return 0;
	if (!output.child_note)
		fprintf(stderr, "powprint %s: the command's stdout goes to stderr, to keep stdout "
			"for the data alone (-o FILE keeps both apart)\n", cmd->name);
	output.child_note = true;
	return STDERR_FILENO;
}

int cli_usage_error(const struct cli_cmd *cmd, const char *fmt, ...)
{
	va_list ap;
	fprintf(stderr, "powprint %s: ", cmd->name);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\n(see 'powprint %s --help')\n", cmd->name);
	return CLI_EXIT_USAGE;
}

int cli_fail(const struct cli_cmd *cmd, int err, const char *why)
{
	fprintf(stderr, "powprint %s: %s\n", cmd->name, why && why[0] ? why : pp_strerror(err));
	return CLI_EXIT_FAIL;
}

/* The converters: each takes the whole argument and says whether it is valid. */

/* Whether v is in [min, max]: as doubles, then exactly against a bound within long long's
 * range, since a double rounds a number past 2^53 onto a bound next to it. */
static bool ll_within(long long v, double min, double max)
{
	if ((double)v < min || (double)v > max)
		return false;
	if (min > -0x1p63 && min < 0x1p63 && v < (long long)min)
		return false;
	return !(max > -0x1p63 && max < 0x1p63 && v > (long long)max);
}

/* The same for uint64_t. */
static bool u64_within(uint64_t v, double min, double max)
{
	if ((double)v < min || (double)v > max)
		return false;
	if (min > 0 && min < 0x1p64 && v < (uint64_t)min)
		return false;
	return !(max >= 0 && max < 0x1p64 && v > (uint64_t)max);
}

/* A whole number (strtoll syntax: 0x.. is hex) in [min, max]. */
static bool parse_ll(const char *s, double min, double max, long long *out)
{
	char *end;
	errno = 0;
	long long v = strtoll(s, &end, 0);
	if (errno || end == s || *end || !ll_within(v, min, max))
		return false;
	*out = v;
	return true;
}

/* As parse_ll, for the whole uint64_t range (strtoull would wrap a minus sign around);
 * min = max = 0 is no limit. */
static bool parse_u64(const char *s, double min, double max, uint64_t *out)
{
	const char *p = s;
	while (isspace((unsigned char)*p))
		p++;
	if (*p == '-')
		return false;
	char *end;
	errno = 0;
	unsigned long long v = strtoull(s, &end, 0);
	if (errno || end == s || *end || ((min || max) && !u64_within(v, min, max)))
		return false;
	*out = v;
	return true;
}

/* A number (strtod syntax) in [min, max], NaN never. */
static bool parse_double(const char *s, double min, double max, double *out)
{
	char *end;
	double v = strtod(s, &end);
	if (end == s || *end || !(v >= min && v <= max))
		return false;
	*out = v;
	return true;
}

/* "A/B" (or A:B, A,B), both in [min, max]. */
static bool parse_pair(const char *s, double min, double max, double out[2])
{
	const char *sep = strpbrk(s, "/:,");
	char a[64];
	double v[2];
	if (!sep || sep - s >= (long)sizeof(a))
		return false;
	snprintf(a, sizeof(a), "%.*s", (int)(sep - s), s);
	if (!parse_double(a, min, max, &v[0]) || !parse_double(sep + 1, min, max, &v[1]))
		return false;
	out[0] = v[0];
	out[1] = v[1];
	return true;
}

/* "K/N" with 1 <= K <= N <= max. strtoll, not sscanf's %d: a number past int's range
 * would wrap into the valid one. */
static bool parse_kofn(const char *s, double max, int out[2])
{
	char *slash, *end;
	errno = 0;
	long long k = strtoll(s, &slash, 10);
	if (slash == s || *slash != '/')
		return false;
	long long n = strtoll(slash + 1, &end, 10);
	if (errno || end == slash + 1 || *end || k < 1 || k > n || n > max)
		return false;
	out[0] = (int)k;
	out[1] = (int)n;
	return true;
}

static bool parse_word(const char *s, const struct cli_word *words, int *out)
{
	for (const struct cli_word *w = words; w && w->name; w++)
		if (!strcmp(s, w->name)) {
			*out = w->val;
			return true;
		}
	return false;
}

/* Appends the comma-separated entries of s (modified in place) to list[n..max); returns the
 * new count. Entries past max are dropped. */
static int split(char *s, const char **list, int n, int max)
{
	char *save = NULL;
	for (char *t = strtok_r(s, ",", &save); t; t = strtok_r(NULL, ",", &save))
		if (n < max)
			list[n++] = t;
	return n;
}

/* What a valid value of o is, for "--NAME expects WHAT, not 'ARG'". */
static void describe(const struct cli_opt *o, char *buf, size_t len)
{
	size_t used = 0;
	switch (o->type) {
	case CLI_T_INT:
	case CLI_T_LONG:
	case CLI_T_UINT:
	case CLI_T_U64:
		if (o->min == 0 && o->max == 0)
			snprintf(buf, len, "a whole number >= 0");
		else
			snprintf(buf, len, "a whole number from %.0f to %.0f", o->min, o->max);
		return;
	case CLI_T_DOUBLE:
		snprintf(buf, len, "a number from %g to %g", o->min, o->max);
		return;
	case CLI_T_PROB:
		snprintf(buf, len, "a probability strictly between 0 and 1");
		return;
	case CLI_T_PAIR:
		snprintf(buf, len, "two numbers from %g to %g, as A/B", o->min, o->max);
		return;
	case CLI_T_KOFN:
		snprintf(buf, len, "K/N with 1 <= K <= N <= %.0f (e.g. 3/5)", o->max);
		return;
	case CLI_T_WORD:
		/* "a, b or c" */
		buf[0] = '\0';
		for (const struct cli_word *w = o->words; w && w->name && used < len; w++)
			used += (size_t)snprintf(buf + used, len - used, "%s%s",
						 w == o->words ? "" : w[1].name ? ", " : " or ",
						 w->name);
		return;
	case CLI_T_FLAG:
	case CLI_T_STR:
	case CLI_T_LIST:
	case CLI_T_FN:
		break;
	}
	snprintf(buf, len, "a value");
}

static const char *word_name(size_t i, const void *ctx)
{
	return ((const struct cli_word *)ctx)[i].name;
}

static int bad_value(const struct cli_cmd *cmd, const struct cli_opt *o, const char *arg)
{
	char what[256];
	if (o->what)
		snprintf(what, sizeof(what), "%s", o->what);
	else
		describe(o, what, sizeof(what));
	const char *near = NULL;
	if (o->type == CLI_T_WORD) {
		size_t n = 0;
		while (o->words[n].name)
			n++;
		near = pp_suggest(arg, word_name, n, o->words);
	}
	if (near)
		return cli_usage_error(cmd, "--%s expects %s, not '%s'; did you mean '%s'?",
				       o->name, what, arg, near);
	return cli_usage_error(cmd, "--%s expects %s, not '%s'", o->name, what, arg);
}

/* Stores arg into o's destination; 0, or the exit status after saying what was wrong. */
static int convert(const struct cli_cmd *cmd, const struct cli_opt *o, char *arg)
{
	long long ll;
	uint64_t u;
	double d[2];
	int w;
	switch (o->type) {
	case CLI_T_FLAG:
		*(bool *)o->dst = true;
		return 0;
	case CLI_T_STR:
		*(const char **)o->dst = arg;
		return 0;
	case CLI_T_LIST:
		*o->count = split(arg, o->dst, *o->count, (int)o->max);
		return 0;
	case CLI_T_INT:
		if (!parse_ll(arg, o->min, o->max, &ll))
			break;
		*(int *)o->dst = (int)ll;
		return 0;
	case CLI_T_LONG:
		if (!parse_ll(arg, o->min, o->max, &ll))
			break;
		*(long *)o->dst = (long)ll;
		return 0;
	case CLI_T_UINT:
		if (!parse_ll(arg, o->min, o->max, &ll))
			break;
		*(unsigned *)o->dst = (unsigned)ll;
		return 0;
	case CLI_T_U64:
		if (!parse_u64(arg, o->min, o->max, &u))
			break;
		*(uint64_t *)o->dst = u;
		return 0;
	case CLI_T_DOUBLE:
		if (!parse_double(arg, o->min, o->max, &d[0]))
			break;
		*(double *)o->dst = d[0];
		return 0;
	case CLI_T_PROB:
		if (!parse_double(arg, 0, 1, &d[0]) || d[0] == 0 || d[0] == 1)
			break;
		*(double *)o->dst = d[0];
		return 0;
	case CLI_T_PAIR:
		if (!parse_pair(arg, o->min, o->max, o->dst))
			break;
		return 0;
	case CLI_T_KOFN:
		if (!parse_kofn(arg, o->max, o->dst))
			break;
		return 0;
	case CLI_T_WORD:
		if (!parse_word(arg, o->words, &w))
			break;
		*(int *)o->dst = w;
		return 0;
	case CLI_T_FN:
		return o->fn ? o->fn(cmd, o, arg) : 0;
	}
	return bad_value(cmd, o, arg);
}

bool cli_parse_long(const struct cli_cmd *cmd, const char *opt, const char *s, long min,
		    long max, long *out)
{
	long long v;
	if (parse_ll(s, (double)min, (double)max, &v)) {
		*out = (long)v;
		return true;
	}
	cli_usage_error(cmd, "--%s expects a whole number from %ld to %ld, not '%s'", opt, min,
			max, s);
	return false;
}

/* The option of cmd's first n that getopt_long returns c for, or NULL. */
static const struct cli_opt *opt_of(const struct cli_cmd *cmd, int n, int c)
{
	if (c >= LONG_ONLY && c < LONG_ONLY + n)
		return &cmd->opts[c - LONG_ONLY];
	for (int i = 0; i < n; i++)
		if (has_short(&cmd->opts[i]) && cmd->opts[i].val == c)
			return &cmd->opts[i];
	return NULL;
}

/* Names of cmd's options; past the table come the implicit --help, then --output. */
static const char *opt_name(size_t i, const void *ctx)
{
	const struct cli_cmd *cmd = ctx;
	size_t n = (size_t)count_opts(cmd->opts);
	return i < n ? cmd->opts[i].name : i == n ? "help" : output_opt.name;
}

static void unknown_long(const struct cli_cmd *cmd, int n, const char *bad)
{
	char name[64];
	/* "--name=value" or "--name": the name alone. */
	snprintf(name, sizeof(name), "%s", bad + strspn(bad, "-"));
	name[strcspn(name, "=")] = '\0';
	const char *near = pp_suggest(name, opt_name, (size_t)n + 1 + cmd->output, cmd);
	const char *now = cli_term_renamed(cmd, name);
	fprintf(stderr, "powprint %s: unknown option '%s'", cmd->name, bad);
	if (now)
		fprintf(stderr, "; it is called '--%s' now", now);
	else if (near)
		fprintf(stderr, "; did you mean '--%s'?", near);
	fputc('\n', stderr);
}

int cli_parse(const struct cli_cmd *cmd, int argc, char **argv)
{
	struct option lo[CLI_MAX_OPTS + 2];
	char so[3 * CLI_MAX_OPTS + 4] = "+:h";  /* '+': stop at the first non-option (-- CMD) */
	int n = count_opts(cmd->opts), k = 0;
	size_t sl = strlen(so);

	if (n > CLI_MAX_OPTS)
		n = CLI_MAX_OPTS;
	for (int i = 0; i < n; i++) {
		const struct cli_opt *o = &cmd->opts[i];
		lo[k++] = (struct option){ o->name, o->arg ? required_argument : no_argument, NULL,
					   has_short(o) ? o->val : LONG_ONLY + i };
		if (has_short(o)) {
			so[sl++] = (char)o->val;
			if (o->arg)
				so[sl++] = ':';
		}
	}
	if (cmd->output) {
		lo[k++] = (struct option){ output_opt.name, required_argument, NULL, 'o' };
		so[sl++] = 'o';
		so[sl++] = ':';
	}
	so[sl] = '\0';
	lo[k++] = (struct option){ "help", no_argument, NULL, 'h' };
	lo[k] = (struct option){ 0 };

	opterr = 0;
	int c;
	while ((c = getopt_long(argc, argv, so, lo, NULL)) != -1) {
		if (c == 'h') {
			cli_help(cmd, stdout);
			return 0;
		}
		if (c == '?' || c == ':') {
			const char *bad = argv[optind - 1];
			/* optopt is the option's value when a long option got an argument it takes
			 * none of (--flag=x), else the letter of an unknown short option, or 0. */
			const struct cli_opt *took = optopt ? opt_of(cmd, n, optopt) : NULL;
			if (c == ':')
				fprintf(stderr, "powprint %s: option '%s' needs an argument\n",
					cmd->name, bad);
			else if (took || optopt == 'h')
				fprintf(stderr, "powprint %s: option '--%s' takes no argument\n",
					cmd->name, took ? took->name : "help");
			else if (optopt)
				fprintf(stderr, "powprint %s: unknown option '-%c'\n", cmd->name,
					optopt);
			else
				unknown_long(cmd, n, bad);
			list_valid(cmd);
			return CLI_EXIT_USAGE;
		}
		if (c == 'o' && cmd->output) {
			int rc = output_open(cmd, optarg);
			if (rc)
				return rc;
			continue;
		}
		const struct cli_opt *o = opt_of(cmd, n, c);
		if (!o)
			return CLI_EXIT_USAGE;
		int rc = convert(cmd, o, optarg);
		if (rc)
			return rc;
	}
	if (cmd->no_operands && optind < argc)
		return cli_usage_error(cmd, "unexpected argument '%s'", argv[optind]);
	return -1;
}

bool cli_isatty(FILE *f)
{
	return isatty(fileno(f));
}
