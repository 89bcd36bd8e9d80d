/* powprint profile: how this machine runs the PoW kernels and what they look like in its
 * counters, saved as one JSON file for `powprint report`. */
#include "cli/cli.h"
#include "core/file.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <float.h>
#include <powprint/powprint.h>
#include <powprint/profile.h>
#include <stdlib.h>
#include <string.h>

static struct {
	struct pp_profile_opts o;
	const char *out;
	bool quiet;
} args = { .o = { .sz = sizeof(struct pp_profile_opts), .stop = &cli_stop },
	   .out = "profile.json" };

static const struct cli_opt profile_opts[] = {
	CLI_FLAG("quick", 0, &args.o.quick,
		 "the quick kernels (cn/0, cn/r, cn-lite/1, rx/0) and look-alikes, shorter runs: "
		 "about two minutes on 2 cores"),
	CLI_STR("output", 'o', "FILE", &args.out, "where to write the profile (default profile.json)"),
	CLI_STR("machine", 0, "NAME", &args.o.label,
		"the machine's name in reports (default: CPU brand and CPU count)"),
	CLI_STR("algos", 0, "LIST", &args.o.algos,
		"comma-separated algorithms to measure (default: one per family, as bench)"),
	CLI_DOUBLE("hash-seconds", 0, "S", &args.o.hash_seconds, DBL_TRUE_MIN, 600,
		   "seconds per hash-rate measurement (default 2, quick 0.8)",
		   .what = "a number of seconds from 0 to 600"),
	CLI_DOUBLE("seconds", 's', "S", &args.o.fp_seconds, DBL_TRUE_MIN, 600,
		   "counted seconds per fingerprinted workload (default 4, quick 2)",
		   .what = "a number of seconds from 0 to 600"),
	CLI_FLAG("quiet", 'q', &args.quiet, "no progress lines on stderr"),
	{ 0 },
};

static void log_line(void *arg, const char *msg)
{
	(void)arg;
	fprintf(stderr, "%s\n", msg);
}

static int run(int argc, char **argv)
{
	int rc = cli_parse(&cmd_profile, argc, argv);
	if (rc >= 0)
		return rc;
	struct pp_profile_opts o = args.o;
	if (!args.quiet)
		o.log = log_line;
	cli_catch_stop();

	void *prof;
	char why[1024] = "";
	int err = pp_profile_run(&o, &prof, why, sizeof(why));
	if (err == -EINVAL)
		return cli_usage_error(&cmd_profile, "%s", why);
	if (err)
		return cli_fail(&cmd_profile, err, why);
	char *text = cJSON_Print(prof);
	cJSON_Delete(prof);
	if (!text)
		return cli_fail(&cmd_profile, -ENOMEM, "out of memory");
	err = pp_file_write_atomic(args.out, text, strlen(text));
	free(text);
	if (err) {
		snprintf(why, sizeof(why), "cannot write %s: %s", args.out, strerror(-err));
		return cli_fail(&cmd_profile, err, why);
	}
	fprintf(stderr, "profile written to %s (draw it with: powprint report %s --output report/)\n",
		args.out, args.out);
	return 0;
}

const struct cli_cmd cmd_profile = {
	.name = "profile", .fn = run, .no_operands = true,
	.summary = "profile this machine: hash rates, scaling, speed knobs, memory, fingerprints",
	.usage = "[--quick] [-o FILE] [--machine NAME] [--algos LIST] [--hash-seconds S] "
		 "[--seconds S]",
	.description =
		"Measures each kernel family's hash rate per thread count (1, 2, 4 ... every "
		"CPU), the speed-up of hardware AES, huge pages and the JIT (each turned off "
		"alone, one thread), RandomX's dataset init (not with --quick), memory latency "
		"(pointer-chase) and bandwidth (STREAM), and the feature fingerprint of each "
		"kernel and of its benign look-alikes with every available collector backend. "
		"Writes one JSON file (docs/report.md describes it) that `powprint report` draws.",
	.opts = profile_opts,
};
