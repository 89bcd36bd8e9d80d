/* powprint record: labelled counter datasets (docs/dataset.md). */
#include "cli/cli.h"
#include "cli/progress.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <float.h>
#include <powprint/powprint.h>
#include <powprint/record.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static struct {
	struct pp_record_opts o;
	bool json, quick, progress;
} args = { .o = { .sz = sizeof(struct pp_record_opts), .seed = 1 } };

static const struct cli_opt record_opts[] = {
	CLI_STR("workloads", 0, "SEL", &args.o.workloads,
		"all | miner | benign | NAME[,NAME...] (default all)"),
	CLI_DOUBLE("seconds", 's', "S", &args.o.seconds, DBL_TRUE_MIN, 86400 * 7,
		   "counted seconds per run (default 10)",
		   .what = "a positive number of seconds"),
	CLI_INT("repeat", 0, "N", &args.o.repeat, 1, 1000,
		"runs per combination of knobs (default 1)"),
	CLI_STR("threads", 't', "LIST", &args.o.threads,
		"thread counts to record, e.g. 1,2 (default 1)"),
	CLI_STR("duty", 0, "LIST", &args.o.duty,
		"duty cycles in percent, e.g. 100,50,20 (default 100)"),
	CLI_STR("soft-aes", 0, "LIST", &args.o.soft_aes, "miners: off, on or off,on (default off)"),
	CLI_STR("huge-pages", 0, "LIST", &args.o.huge_pages,
		"miners' page policy: auto, on, off or a list, e.g. auto,off (default auto)"),
	CLI_UINT("interval", 'I', "MS", &args.o.interval_ms, 100, 60000,
		 "window length in ms (default 1000, at least 100)"),
	CLI_STR("backends", 'b', "LIST", &args.o.backends,
		"collector backends (default: every available one)"),
	CLI_STR("events", 'e', "EVENTS", &args.o.events,
		"perf-hw events by libpfm4 name (default set otherwise)"),
	CLI_UINT("freq", 'F', "HZ", &args.o.sample_hz, 1, 100000,
		 "ip-sample rate per thread (default 1000)"),
	CLI_U64("seed", 0, "N", &args.o.seed, 0, 0x7fffffff,
		"orders the runs reproducibly (default 1)"),
	CLI_STR("output", 'o', "DIR", &args.o.out_dir,
		"dataset directory; an existing dataset is appended to"),
	CLI_FLAG("quick", 0, &args.quick, "a small representative set in about two minutes"),
	CLI_STR("label", 0, "CLASS", &args.o.label, "external program or pid: miner or benign"),
	CLI_STR("family", 0, "NAME", &args.o.family,
		"external program or pid: its fingerprint family"),
	CLI_STR("name", 0, "NAME", &args.o.name,
		"external program or pid: workload column (default: its name)"),
	CLI_INT("pid", 'p', "PID", &args.o.pid, 1, 0x7fffffff,
		"record an existing process (with --seconds)"),
	CLI_FLAG("json", 'j', &args.json, "print the summary as one JSON object"),
	CLI_PROGRESS_OPT(&args.progress),
	{ 0 },
};

/* "run 3/12: sort t2 d50 soft-aes, 4/6 s" with the time left for the whole recording. */
static void progress(void *arg, const struct pp_record_progress *p)
{
	const bool pages = p->huge_pages && strcmp(p->huge_pages, "auto");
	char what[256];
	snprintf(what, sizeof(what), "%s t%d d%d%s%s%s, %.0f/%.0f s", p->workload, p->threads,
		 p->duty, p->soft_aes ? " soft-aes" : "", pages ? " huge-pages=" : "",
		 pages ? p->huge_pages : "", p->run_elapsed_s, p->run_seconds);
	cli_progress_show(arg, p->run, p->nruns, true, what, p->left_s);
}

static void log_line(void *arg, const char *msg)
{
	cli_progress_say(arg, msg);
}

static char *join_argv(int argc, char **argv)
{
	size_t n = 16;
	for (int i = 0; i < argc; i++)
		n += strlen(argv[i]) + 1;
	char *s = malloc(n);
	if (!s)
		return NULL;
	strcpy(s, "powprint");
	for (int i = 0; i < argc; i++) {
		strcat(s, " ");
		strcat(s, argv[i]);
	}
	return s;
}

static int run(int argc, char **argv)
{
	char *cmdline = join_argv(argc, argv);
	int rc = cli_parse(&cmd_record, argc, argv);
	if (rc >= 0) {
		free(cmdline);
		return rc;
	}
	struct pp_record_opts o = args.o;
	bool json = args.json, quick = args.quick;
	if (optind < argc) {
		if (strcmp(argv[optind - 1], "--")) {
			/* A bare word is not a command: -- must separate it from our options. */
			rc = cli_usage_error(&cmd_record, "unexpected argument '%s' (an external "
					     "program goes after --)", argv[optind]);
			free(cmdline);
			return rc;
		}
		o.cmd = &argv[optind];
	}
	if (quick && !o.workloads)
		o.workloads = pp_workload_quick_names(); /* the catalog's quick set */
	if (quick && !o.seconds)
		o.seconds = 6;
	if ((o.cmd || o.pid) && o.workloads) {
		free(cmdline);
		return cli_usage_error(&cmd_record, "--workloads records the catalog; it does not "
				       "mix with -- CMD or --pid");
	}
	if (o.cmd && o.pid) {
		free(cmdline);
		return cli_usage_error(&cmd_record, "give either -- CMD ARGS or --pid PID, not both");
	}
	if (!o.out_dir) {
		free(cmdline);
		return cli_usage_error(&cmd_record, "--output DIR is required");
	}
	o.command_line = cmdline;
	o.stop = &cli_stop;
	/* --json keeps stderr for messages unless --progress asks for the line too. */
	struct cli_progress prog;
	cli_progress_start(&prog, args.progress);
	prog.on &= !json || args.progress;
	o.log = log_line;
	o.log_arg = &prog;
	if (prog.on) {
		o.progress = progress;
		o.progress_arg = &prog;
	}

	cli_catch_stop();

	struct pp_record_summary sum;
	char why[1024] = "";
	int err = pp_record(&o, &sum, why, sizeof(why));
	cli_progress_end(&prog);
	if (err && err != -EIO && err != -EINTR) {
		cli_fail(&cmd_record, err, why);
		free(cmdline);
		return err == -EINVAL || err == -ENOENT ? CLI_EXIT_USAGE : CLI_EXIT_FAIL;
	}
	if (json) {
		cJSON *j = cJSON_CreateObject();
		cJSON_AddStringToObject(j, "out", o.out_dir);
		cJSON_AddNumberToObject(j, "runs_planned", sum.runs_planned);
		cJSON_AddNumberToObject(j, "runs_ok", sum.runs_ok);
		cJSON_AddNumberToObject(j, "runs_failed", sum.runs_failed);
		cJSON_AddNumberToObject(j, "rows_added", (double)sum.rows_added);
		cJSON_AddNumberToObject(j, "rows_total", (double)sum.rows_total);
		cJSON_AddBoolToObject(j, "interrupted", sum.interrupted);
		cli_json_print(j, false);
		cJSON_Delete(j);
	} else if (sum.text) {
		fputs(sum.text, stdout);
	}
	free(sum.text);
	free(cmdline);
	return err ? CLI_EXIT_FAIL : 0;
}

const struct cli_cmd cmd_record = {
	.name = "record", .fn = run,
	.summary = "record a labelled counter dataset (windows.csv + meta.json)",
	.usage = "[--workloads SEL] [--seconds S] [--repeat N] [--threads LIST] [--duty LIST]\n"
		 "       [--soft-aes LIST] [--huge-pages LIST] [--interval MS] [--backends LIST] [--seed N] [--quick] "
		 "--output DIR\n"
		 "   or: powprint record --label miner|benign --family NAME --output DIR -- CMD ARGS\n"
		 "   or: powprint record --label miner|benign --family NAME --pid PID --seconds S "
		 "--output DIR",
	.description =
		"Runs each selected workload, once per combination of the knobs, as its own child "
		"process with the collectors attached after its setup, and appends one row per "
		"window to DIR/windows.csv (format: docs/dataset.md). Each completed run is saved "
		"before the next starts; Ctrl-C keeps every completed run.",
	.opts = record_opts,
};
