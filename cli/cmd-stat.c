/* powprint stat: counters of a process or a command, one line (or JSON object, or CSV row)
 * per window, like `perf stat -I`. */
#include "cli/cli.h"

#include <powprint/collect.h>
#include <powprint/error.h>
#include <powprint/features.h>
#include <powprint/opts.h>

#include <cjson/cJSON.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

enum { OPT_CSV = 256, OPT_KERNEL, OPT_COUNTS };

static const struct cli_opt stat_opts[] = {
	{ "pid", 'p', "PID", "attach to process PID (all its threads)" },
	{ "backends", 'b', "LIST", "comma-separated: perf-hw,perf-sw,ip-sample,procfs (default: "
				   "every available one)" },
	{ "events", 'e', "EVENTS", "perf-hw events by libpfm4 name (default: cycles, "
				   "instructions, cache/TLB/branch misses)" },
	{ "interval", 'I', "MS", "window length in ms (default 1000, at least 100)" },
	{ "freq", 'F', "HZ", "ip-sample rate per thread (default 1000)" },
	{ "count", 'n', "N", "stop after N windows" },
	{ "kernel", OPT_KERNEL, NULL, "count kernel mode too (perf-hw, ip-sample)" },
	{ "counts", OPT_COUNTS, NULL, "text and CSV: print the raw counts too" },
	{ "json", 'j', NULL, "one JSON object per window" },
	{ "csv", OPT_CSV, NULL, "CSV: a header, then one row per window" },
	{ 0 },
};

static void print_warning(void *arg, const char *msg)
{
	(void)arg;
	fprintf(stderr, "powprint stat: warning: %s\n", msg);
}

static cJSON *num_or_null(double v)
{
	return isfinite(v) ? cJSON_CreateNumber(v) : cJSON_CreateNull();
}

static void print_json(const struct pp_window *w)
{
	struct pp_features fv;
	pp_features_compute(w, &fv);
	cJSON *o = cJSON_CreateObject();
	cJSON_AddNumberToObject(o, "window", (double)w->index);
	cJSON_AddNumberToObject(o, "start_s", w->start_s);
	cJSON_AddNumberToObject(o, "end_s", w->end_s);
	cJSON_AddNumberToObject(o, "start_unix", w->start_unix);
	cJSON_AddItemToObject(o, "task_clock_s", num_or_null(w->task_clock_s));
	cJSON_AddNumberToObject(o, "tasks", w->tasks);
	cJSON_AddBoolToObject(o, "partial", w->partial);
	cJSON_AddBoolToObject(o, "target_exited", w->target_exited);
	cJSON_AddNumberToObject(o, "features_version", fv.version);
	cJSON *f = cJSON_AddObjectToObject(o, "features");
	for (int i = 0; i < PP_F_COUNT; i++)
		cJSON_AddItemToObject(f, pp_feature_info(i)->name, num_or_null(fv.v[i]));
	cJSON *c = cJSON_AddObjectToObject(o, "counts");
	for (int i = 0; i < w->ncounts; i++)
		cJSON_AddItemToObject(c, w->counts[i].name, num_or_null(w->counts[i].value));
	char *s = cJSON_PrintUnformatted(o);
	puts(s);
	free(s);
	cJSON_Delete(o);
}

static void print_csv_header(const struct pp_window *w, bool counts)
{
	printf("window,start_s,end_s,partial,task_clock_s");
	for (int i = 0; i < PP_F_COUNT; i++)
		printf(",%s", pp_feature_info(i)->name);
	if (counts)
		for (int i = 0; i < w->ncounts; i++)
			printf(",%s", w->counts[i].name);
	printf("\n");
}

static void csv_num(double v)
{
	if (isfinite(v))
		printf(",%.6g", v);
	else
		printf(",");
}

static void print_csv(const struct pp_window *w, bool counts)
{
	struct pp_features f;
	pp_features_compute(w, &f);
	printf("%llu,%.3f,%.3f,%d", (unsigned long long)w->index, w->start_s, w->end_s,
	       w->partial);
	csv_num(w->task_clock_s);
	for (int i = 0; i < PP_F_COUNT; i++)
		csv_num(f.v[i]);
	if (counts)
		for (int i = 0; i < w->ncounts; i++)
			csv_num(w->counts[i].value);
	printf("\n");
}

static void print_text(const struct pp_window *w, bool counts)
{
	struct pp_features f;
	pp_features_compute(w, &f);
	printf("%9.3f", w->end_s);
	for (int i = 0; i < PP_F_COUNT; i++)
		if (isfinite(f.v[i]))
			printf(" %s=%.4g", pp_feature_info(i)->name, f.v[i]);
	if (counts)
		for (int i = 0; i < w->ncounts; i++)
			if (isfinite(w->counts[i].value))
				printf(" [%s]=%.6g", w->counts[i].name, w->counts[i].value);
	if (w->partial)
		printf(" (partial%s)", w->target_exited ? ": target exited" : "");
	printf("\n");
}

static int run(int argc, char **argv)
{
	const struct cli_cmd *cmd = &cmd_stat;
	long pid = 0, interval = 0, freq = 0, count = 0;
	const char *backends = NULL, *events = NULL;
	bool json = false, csv = false, kernel = false, counts = false;
	int c;
	while ((c = cli_getopt(cmd, argc, argv)) != -1) {
		switch (c) {
		case 'h':
			return 0;
		case '?':
			return CLI_EXIT_USAGE;
		case 'p':
			if (!cli_parse_long(cmd, "pid", optarg, 1, 0x7fffffff, &pid))
				return CLI_EXIT_USAGE;
			break;
		case 'b': backends = optarg; break;
		case 'e': events = optarg; break;
		case 'I':
			if (!cli_parse_long(cmd, "interval", optarg, PP_INTERVAL_MIN_MS, 3600000,
					    &interval))
				return CLI_EXIT_USAGE;
			break;
		case 'F':
			if (!cli_parse_long(cmd, "freq", optarg, 1, 100000, &freq))
				return CLI_EXIT_USAGE;
			break;
		case 'n':
			if (!cli_parse_long(cmd, "count", optarg, 1, 1L << 40, &count))
				return CLI_EXIT_USAGE;
			break;
		case 'j': json = true; break;
		case OPT_CSV: csv = true; break;
		case OPT_KERNEL: kernel = true; break;
		case OPT_COUNTS: counts = true; break;
		default:
			return CLI_EXIT_USAGE;
		}
	}
	char **cmdv = argv + optind;
	bool have_cmd = optind < argc;
	if (json && csv)
		return cli_usage_error(cmd, "choose one of --json and --csv");
	if (!pid == !have_cmd)
		return cli_usage_error(cmd, "give either -p PID or -- COMMAND [ARGS], not %s",
				       pid ? "both" : "neither");

	PP_OPTS(pp_collect_opts, opts, .backends = backends, .events = events,
		.interval_ms = (unsigned)interval, .sample_hz = (unsigned)freq, .kernel = kernel,
		.warn = print_warning);
	char why[1024];
	int err = pp_collect_opts_check(&opts, why, sizeof(why));
	if (err)
		return cli_usage_error(cmd, "%s", why);

	cli_catch_stop();

	struct pp_collector *col;
	err = have_cmd ? pp_collector_open_cmd(cmdv, &opts, &col, why, sizeof(why))
		       : pp_collector_open_pid((pid_t)pid, &opts, &col, why, sizeof(why));
	if (err) {
		if (have_cmd)
			fprintf(stderr, "powprint stat: cannot monitor '%s': %s\n", cmdv[0],
				why[0] ? why : pp_strerror(err));
		else
			fprintf(stderr, "powprint stat: cannot attach to pid %ld: %s\n", pid,
				why[0] ? why : pp_strerror(err));
		return CLI_EXIT_FAIL;
	}
	fprintf(stderr, "powprint stat: pid %d, backends %s, %u ms windows\n",
		(int)pp_collector_pid(col), pp_collector_backends(col),
		interval ? (unsigned)interval : PP_INTERVAL_DEFAULT_MS);

	static struct pp_window w; /* ~12 KiB: keep it off the stack */
	bool header = false;
	long n = 0;
	int rc = 0;
	for (;;) {
		err = cli_collector_read(col, &w, have_cmd);
		if (err == -ESRCH)
			break;
		if (err) {
			fprintf(stderr, "powprint stat: reading counters failed: %s\n", pp_strerror(err));
			rc = CLI_EXIT_FAIL;
			break;
		}
		if (json) {
			print_json(&w);
		} else if (csv) {
			if (!header)
				print_csv_header(&w, counts);
			header = true;
			print_csv(&w, counts);
		} else {
			print_text(&w, counts);
		}
		fflush(stdout);
		if (w.target_exited || cli_stop || (count && ++n >= count))
			break;
	}
	int st = pp_collector_exit_status(col);
	if (have_cmd && st >= 0 && WIFEXITED(st) && WEXITSTATUS(st) != 0)
		fprintf(stderr, "powprint stat: '%s' exited with status %d\n", cmdv[0],
			WEXITSTATUS(st));
	pp_collector_close(col);
	return rc;
}

const struct cli_cmd cmd_stat = {
	.name = "stat",
	.fn = run,
	.summary = "count a process's events window by window (perf-hw, perf-sw, ip-sample, procfs)",
	.usage = "[--backends LIST] [-e EVENTS] [--interval MS] [--json|--csv] (-p PID | -- CMD ARGS)",
	.description =
		"Prints one line per window with every feature that is available (NaN ones are left "
		"out; --json and --csv print them all, as null or empty). Features are normalised per "
		"task-clock second, per instruction or per sample (docs/features.md). A target that "
		"exits ends its last window early (marked partial); the exit status is then still 0. "
		"`powprint info` lists which backends work on this machine and why not.",
	.opts = stat_opts,
};
