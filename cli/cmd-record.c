/* powprint record: labelled counter datasets (docs/dataset.md). */
#include "cli/cli.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <float.h>
#include <powprint/powprint.h>
#include <powprint/record.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

enum {
	O_WORKLOADS = 256, O_SECONDS, O_REPEAT, O_THREADS, O_DUTY, O_SOFT_AES, O_PAGES, O_INTERVAL,
	O_BACKENDS, O_SAMPLE_HZ, O_SEED, O_OUT, O_QUICK, O_LABEL, O_FAMILY, O_NAME, O_PID,
	O_JSON,
};

static const struct cli_opt record_opts[] = {
	{ "workloads", O_WORKLOADS, "SEL", "all | miner | benign | NAME[,NAME...] (default all)" },
	{ "seconds", O_SECONDS, "S", "counted seconds per run (default 10)" },
	{ "repeat", O_REPEAT, "N", "runs per combination of knobs (default 1)" },
	{ "threads", O_THREADS, "LIST", "thread counts to record, e.g. 1,2 (default 1)" },
	{ "duty", O_DUTY, "LIST", "duty cycles in percent, e.g. 100,50,20 (default 100)" },
	{ "soft-aes", O_SOFT_AES, "LIST", "miners: off, on or off,on (default off)" },
	{ "huge-pages", O_PAGES, "LIST", "miners' page policy: auto, on, off or a list, e.g. "
	  "auto,off (default auto)" },
	{ "interval", O_INTERVAL, "MS", "window length in ms (default 1000, at least 100)" },
	{ "backends", O_BACKENDS, "LIST", "collector backends (default: every available one)" },
	{ "events", 'e', "EVENTS", "perf-hw events by libpfm4 name (default set otherwise)" },
	{ "sample-hz", O_SAMPLE_HZ, "HZ", "ip-sample rate per thread (default 1000)" },
	{ "seed", O_SEED, "N", "orders the runs reproducibly (default 1)" },
	{ "out", O_OUT, "DIR", "dataset directory; an existing dataset is appended to" },
	{ "quick", O_QUICK, NULL, "a small representative set in about two minutes" },
	{ "label", O_LABEL, "CLASS", "external program or pid: miner or benign" },
	{ "family", O_FAMILY, "NAME", "external program or pid: its fingerprint family" },
	{ "name", O_NAME, "NAME", "external program or pid: workload column (default: its name)" },
	{ "pid", 'p', "PID", "record an existing process (with --seconds)" },
	{ "json", O_JSON, NULL, "print the summary as one JSON object" },
	{ 0 },
};

/* --quick: one or two of each kind of look-alike and the main miner families. */
#define QUICK_WORKLOADS "cn/0,cn/r,cn-lite/1,cn-pico/0,rx/0-light,aes-gcm,sha256,argon2id," \
			"pointer-chase,matmul,zstd,sqlite,video-sad,node-jit,idle"

static void fmt_time(double s, char *buf, size_t len)
{
	if (s >= 3600)
		snprintf(buf, len, "%dh%02dm", (int)(s / 3600), (int)(s / 60) % 60);
	else if (s >= 60)
		snprintf(buf, len, "%dm%02ds", (int)(s / 60), (int)s % 60);
	else
		snprintf(buf, len, "%ds", (int)s);
}

static void progress(void *arg, const struct pp_record_progress *p)
{
	(void)arg;
	char left[32];
	fmt_time(p->left_s, left, sizeof(left));
	int width = 24, done = (int)(width * (p->run + (p->run_seconds > 0 ?
			p->run_elapsed_s / p->run_seconds : 0)) / (p->nruns ? p->nruns : 1));
	if (done > width)
		done = width;
	const bool pages = p->huge_pages && strcmp(p->huge_pages, "auto");
	fprintf(stderr, "\r\033[K[%.*s%*s] run %d/%d %s t%d d%d%s%s%s %.0f/%.0fs, %s left",
		done, "########################", width - done, "", p->run + 1, p->nruns,
		p->workload, p->threads, p->duty, p->soft_aes ? " soft-aes" : "",
		pages ? " huge-pages=" : "", pages ? p->huge_pages : "", p->run_elapsed_s,
		p->run_seconds, left);
	fflush(stderr);
}

static void log_line(void *arg, const char *msg)
{
	bool tty = *(bool *)arg;
	fprintf(stderr, "%s%s\n", tty ? "\r\033[K" : "", msg);
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
	struct pp_record_opts o = { .sz = sizeof(o), .seed = 1 };
	bool json = false, quick = false, tty = cli_isatty(stderr);
	long v;
	int c;
	char *cmdline = join_argv(argc, argv);
	while ((c = cli_getopt(&cmd_record, argc, argv)) != -1) {
		switch (c) {
		case 'h':
			free(cmdline);
			return 0;
		case O_WORKLOADS: o.workloads = optarg; break;
		case O_THREADS: o.threads = optarg; break;
		case O_DUTY: o.duty = optarg; break;
		case O_SOFT_AES: o.soft_aes = optarg; break;
		case O_PAGES: o.huge_pages = optarg; break;
		case O_BACKENDS: o.backends = optarg; break;
		case 'e': o.events = optarg; break;
		case O_OUT: o.out_dir = optarg; break;
		case O_LABEL: o.label = optarg; break;
		case O_FAMILY: o.family = optarg; break;
		case O_NAME: o.name = optarg; break;
		case O_QUICK: quick = true; break;
		case O_JSON: json = true; break;
		case O_SECONDS:
			if (!cli_parse_double(optarg, DBL_TRUE_MIN, 86400 * 7, &o.seconds)) {
				free(cmdline);
				return cli_usage_error(&cmd_record, "--seconds expects a positive "
						       "number of seconds, not '%s'", optarg);
			}
			break;
		case O_REPEAT:
		case O_INTERVAL:
		case O_SAMPLE_HZ:
		case O_SEED:
		case 'p': {
			static const struct { int opt; const char *name; long min, max; } lim[] = {
				{ O_REPEAT, "repeat", 1, 1000 },
				{ O_INTERVAL, "interval", 100, 60000 },
				{ O_SAMPLE_HZ, "sample-hz", 1, 100000 },
				{ O_SEED, "seed", 0, 0x7fffffffL },
				{ 'p', "pid", 1, 0x7fffffffL },
			};
			size_t k = 0;
			while (lim[k].opt != c)
				k++;
			if (!cli_parse_long(&cmd_record, lim[k].name, optarg, lim[k].min, lim[k].max,
					    &v)) {
				free(cmdline);
				return CLI_EXIT_USAGE;
			}
			if (c == O_REPEAT)
				o.repeat = (int)v;
			else if (c == O_INTERVAL)
				o.interval_ms = (unsigned)v;
			else if (c == O_SAMPLE_HZ)
				o.sample_hz = (unsigned)v;
			else if (c == O_SEED)
				o.seed = (uint64_t)v;
			else
				o.pid = (pid_t)v;
			break;
		}
		default:
			free(cmdline);
			return CLI_EXIT_USAGE;
		}
	}
	if (optind < argc) {
		if (strcmp(argv[optind - 1], "--")) {
			/* A bare word is not a command: -- must separate it from our options. */
			int rc = cli_usage_error(&cmd_record, "unexpected argument '%s' (an external "
						 "program goes after --)", argv[optind]);
			free(cmdline);
			return rc;
		}
		o.cmd = &argv[optind];
	}
	if (quick && !o.workloads)
		o.workloads = QUICK_WORKLOADS;
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
		return cli_usage_error(&cmd_record, "--out DIR is required");
	}
	o.command_line = cmdline;
	o.stop = &cli_stop;
	o.log = log_line;
	o.log_arg = &tty;
	if (tty && !json)
		o.progress = progress;

	cli_catch_stop();

	struct pp_record_summary sum;
	char why[1024] = "";
	int err = pp_record(&o, &sum, why, sizeof(why));
	if (tty && o.progress)
		fprintf(stderr, "\r\033[K");
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
		char *s = cJSON_Print(j);
		puts(s);
		free(s);
		cJSON_Delete(j);
	} else if (sum.text) {
		fputs(sum.text, stdout);
	}
	free(sum.text);
	free(cmdline);
	return err ? CLI_EXIT_FAIL : 0;
}

const struct cli_cmd cmd_record = {
	.name = "record",
	.fn = run,
	.summary = "record a labelled counter dataset (windows.csv + meta.json)",
	.usage = "[--workloads SEL] [--seconds S] [--repeat N] [--threads LIST] [--duty LIST]\n"
		 "       [--soft-aes LIST] [--huge-pages LIST] [--interval MS] [--backends LIST] [--seed N] [--quick] "
		 "--out DIR\n"
		 "   or: powprint record --label miner|benign --family NAME --out DIR -- CMD ARGS\n"
		 "   or: powprint record --label miner|benign --family NAME --pid PID --seconds S "
		 "--out DIR",
	.description =
		"Runs each selected workload, once per combination of the knobs, as its own child "
		"process with the collectors attached after its setup, and appends one row per "
		"window to DIR/windows.csv (format: docs/dataset.md). Each completed run is saved "
		"before the next starts; Ctrl-C keeps every completed run.",
	.opts = record_opts,
};
