/* Option parsing shared by every subcommand: builds getopt_long's tables from cli_opt. */
#include "cli/cli.h"

#include <powprint/error.h>

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define CLI_MAX_OPTS 64

static int count_opts(const struct cli_opt *o)
{
	int n = 0;
	while (o && o[n].name)
		n++;
	return n;
}

void cli_help(const struct cli_cmd *cmd, FILE *out)
{
	fprintf(out, "usage: powprint %s %s\n\n%s\n", cmd->name, cmd->usage ? cmd->usage : "",
		cmd->summary);
	if (cmd->description)
		fprintf(out, "\n%s\n", cmd->description);
	fprintf(out, "\noptions:\n");
	for (const struct cli_opt *o = cmd->opts; o && o->name; o++) {
		char left[64];
		if (o->val > 0 && o->val < 256)
			snprintf(left, sizeof(left), "-%c, --%s%s%s", o->val, o->name,
				 o->arg ? " " : "", o->arg ? o->arg : "");
		else
			snprintf(left, sizeof(left), "    --%s%s%s", o->name, o->arg ? " " : "",
				 o->arg ? o->arg : "");
		fprintf(out, "  %-28s %s\n", left, o->help);
	}
	fprintf(out, "  %-28s %s\n", "-h, --help", "show this help");
}

static void list_valid(const struct cli_cmd *cmd)
{
	fprintf(stderr, "valid options for '%s':", cmd->name);
	for (const struct cli_opt *o = cmd->opts; o && o->name; o++)
		fprintf(stderr, " --%s", o->name);
	fprintf(stderr, " --help\n(see 'powprint %s --help')\n", cmd->name);
}

int cli_getopt(const struct cli_cmd *cmd, int argc, char **argv)
{
	struct option lo[CLI_MAX_OPTS + 2];
	char so[3 * CLI_MAX_OPTS + 4] = "+:h";  /* '+': stop at the first non-option (-- CMD) */
	int n = count_opts(cmd->opts), k = 0;
	size_t sl = strlen(so);

	for (int i = 0; i < n && i < CLI_MAX_OPTS; i++) {
		const struct cli_opt *o = &cmd->opts[i];
		lo[k++] = (struct option){ o->name, o->arg ? required_argument : no_argument, NULL,
					   o->val };
		if (o->val > 0 && o->val < 256) {
			so[sl++] = (char)o->val;
			if (o->arg)
				so[sl++] = ':';
		}
	}
	so[sl] = '\0';
	lo[k++] = (struct option){ "help", no_argument, NULL, 'h' };
	lo[k] = (struct option){ 0 };

	opterr = 0;
	int c = getopt_long(argc, argv, so, lo, NULL);
	if (c == 'h') {
		cli_help(cmd, stdout);
		return 'h';
	}
	if (c == '?' || c == ':') {
		const char *bad = argv[optind - 1];
		if (c == ':')
			fprintf(stderr, "powprint %s: option '%s' needs an argument\n", cmd->name, bad);
		else if (optopt)
			fprintf(stderr, "powprint %s: unknown option '-%c'\n", cmd->name, optopt);
		else
			fprintf(stderr, "powprint %s: unknown option '%s'\n", cmd->name, bad);
		list_valid(cmd);
		return '?';
	}
	return c;
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

bool cli_parse_long(const struct cli_cmd *cmd, const char *opt, const char *s, long min,
		    long max, long *out)
{
	char *end;
	errno = 0;
	long v = strtol(s, &end, 0);
	if (errno || end == s || *end || v < min || v > max) {
		cli_usage_error(cmd, "--%s expects a whole number from %ld to %ld, not '%s'", opt,
				min, max, s);
		return false;
	}
	*out = v;
	return true;
}

bool cli_parse_double(const char *s, double min, double max, double *out)
{
	char *end;
	double v = strtod(s, &end);
	if (end == s || *end || !(v >= min && v <= max))
		return false;
	*out = v;
	return true;
}

bool cli_parse_word(const struct cli_cmd *cmd, const char *opt, const char *s,
		    const struct cli_word *words, int *out)
{
	char valid[256] = "";
	size_t len = 0;
	for (const struct cli_word *w = words; w->name; w++) {
		if (!strcmp(s, w->name)) {
			*out = w->val;
			return true;
		}
		if (len < sizeof(valid))
			len += (size_t)snprintf(valid + len, sizeof(valid) - len, "%s%s",
						w == words ? "" : w[1].name ? ", " : " or ",
						w->name);
	}
	cli_usage_error(cmd, "--%s expects %s, not '%s'", opt, valid, s);
	return false;
}

int cli_split(char *s, const char **list, int n, int max)
{
	char *save = NULL;
	for (char *t = strtok_r(s, ",", &save); t; t = strtok_r(NULL, ",", &save))
		if (n < max)
			list[n++] = t;
	return n;
}

bool cli_parse_smooth(const struct cli_cmd *cmd, const char *s, int *k, int *n)
{
	char extra;
	if (sscanf(s, "%d/%d%c", k, n, &extra) != 2 || *k < 1 || *k > *n || *n > 1000) {
		cli_usage_error(cmd, "--smooth expects K/N with 1 <= K <= N <= 1000 (e.g. 3/5), "
				"not '%s'", s);
		return false;
	}
	return true;
}

bool cli_parse_prob(const struct cli_cmd *cmd, const char *opt, const char *s, double *out)
{
	char *end;
	double v = strtod(s, &end);
	if (*end || end == s || !(v > 0 && v < 1)) {
		cli_usage_error(cmd, "--%s expects a probability strictly between 0 and 1, not '%s'",
				opt, s);
		return false;
	}
	*out = v;
	return true;
}

bool cli_isatty(FILE *f)
{
	return isatty(fileno(f));
}
