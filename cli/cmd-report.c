/* powprint report: figures and tables from machine profiles (and optionally a dataset and an
 * evaluation report) in one self-contained HTML page, for a paper or a procurement note. */
#include "cli/cli.h"

#include <getopt.h>
#include <powprint/opts.h>
#include <powprint/report.h>
#include <stdio.h>
#include <string.h>

#define MAX_PROFILES 16

static struct {
	const char *dataset, *eval, *out;
	bool quiet;
} args;

static const struct cli_opt report_opts[] = {
	CLI_STR("output", 'o', "DIR", &args.out,
		"directory to write (index.html, and NAME.svg, NAME.csv, NAME.gp per figure); "
		"replaced only once the new report is complete"),
	CLI_STR("data", 'd', "DIR", &args.dataset,
		"a recorded dataset: add the distributions of its most telling features"),
	CLI_STR("eval", 0, "REPORT.json", &args.eval,
		"a report of powprint eval --json: add the ROC curve, the confusion matrix and "
		"the detection rate of each workload"),
	CLI_FLAG("quiet", 'q', &args.quiet, "no progress lines; print only the path of index.html"),
	{ 0 },
};

static void log_line(void *arg, const char *msg)
{
	(void)arg;
	fprintf(stderr, "%s\n", msg);
}

static int run(int argc, char **argv)
{
	/* Profiles may come before, between or after the options: parse the options, take the
	 * operands up to the next option, and parse again from there (getopt stops at the first
	 * operand, so the CLI can pass "-- CMD ARGS" through elsewhere). */
	const char *profiles[MAX_PROFILES];
	int np = 0, n = argc;
	char **av = argv;
	bool rest_operands = false;
	for (;;) {
		int i = 1;
		if (!rest_operands) {
			optind = 0;  /* glibc: start over on this argv */
			int rc = cli_parse(&cmd_report, n, av);
			if (rc >= 0)
				return rc;
			i = optind;
			rest_operands = i > 1 && !strcmp(av[i - 1], "--");
		}
		for (; i < n && (rest_operands || av[i][0] != '-' || !av[i][1]); i++) {
			if (np == MAX_PROFILES)
				return cli_usage_error(&cmd_report, "at most %d profiles in one report",
						       MAX_PROFILES);
			profiles[np++] = av[i];
		}
		if (i >= n)
			break;
		av += i - 1;  /* av[0] stands in for the program name */
		n -= i - 1;
	}
	if (!np)
		return cli_usage_error(&cmd_report, "name at least one profile (the JSON that "
				       "powprint profile writes)");
	if (!args.out)
		return cli_usage_error(&cmd_report, "--output DIR is required");
	PP_OPTS(pp_report_opts, o, .profiles = profiles, .nprofiles = np,
		.dataset = args.dataset, .eval = args.eval, .out = args.out,
		.log = args.quiet ? NULL : log_line);
	char why[2048] = "";
	int err = pp_report_write(&o, why, sizeof(why));
	if (err)
		return cli_fail(&cmd_report, err, why);
	size_t l = strlen(args.out);
	printf("%s%sindex.html\n", args.out, l && args.out[l - 1] == '/' ? "" : "/");
	return 0;
}

const struct cli_cmd cmd_report = {
	.name = "report", .fn = run,
	.summary = "figures for a paper: profiles side by side, dataset and detection, in one "
		   "HTML page",
	.usage = "PROFILE.json... [--data DIR] [--eval REPORT.json] --output DIR [--quiet]",
	.description = "Draws with gnuplot (package gnuplot-nox) the hash rate against threads, "
		       "the speed-ups of hardware AES, huge pages and the JIT, each miner's "
		       "fingerprint beside its nearest benign look-alike and the memory probe of "
		       "each profile (machines side by side, named by their label), a table of "
		       "the machines, and with --data and --eval the feature distributions per "
		       "class, the ROC curve, the confusion matrix and the per-workload detection "
		       "rates. DIR/index.html holds everything inline and opens offline; each "
		       "figure is also NAME.svg with its numbers in NAME.csv. DIR appears only "
		       "when everything succeeded, and an existing report there is replaced then. "
		       "Details: docs/report.md.",
	.opts = report_opts,
};
