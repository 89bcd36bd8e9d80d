/* powprint stat: counters of a process or a command, one line (or JSON object, or CSV row)
 * per window, like `perf stat -I`. */
#include "cli/cli.h"
#include "fingerprint/agent/json-shapes.h"

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

static struct {
	long pid, interval, freq, count;  /* 0: none, or the library's default */
	const char *backends, *events;
	bool json, csv, kernel, counts;
} args;

static const struct cli_opt stat_opts[] = {
	CLI_LONG("pid", 'p', "PID", &args.pid, 1, 0x7fffffff,
		 "attach to process PID (all its threads)"),
	CLI_STR("backends", 'b', "LIST", &args.backends,
		"comma-separated: " CLI_HELP_BACKENDS " (default: "
		"every available one)"),
	CLI_STR("events", 'e', "EVENTS", &args.events,
		"perf-hw events by libpfm4 name (default: cycles, "
		"instructions, cache/TLB/branch misses)"),
	CLI_LONG("interval", 'I', "MS", &args.interval, PP_INTERVAL_MIN_MS, 3600000,
		 "window length in ms (default 1000, at least 100)"),
	CLI_LONG("freq", 'F', "HZ", &args.freq, 1, 100000,
		 "ip-sample rate per thread (default 1000)"),
	CLI_LONG("count", 'n', "N", &args.count, 1, 1L << 40, "stop after N windows"),
	CLI_FLAG("kernel", 0, &args.kernel, "count kernel mode too (perf-hw, ip-sample)"),
	CLI_FLAG("counts", 0, &args.counts, "text and CSV: print the raw counts too"),
	CLI_FLAG("json", 'j', &args.json, "one JSON object per window"),
	CLI_FLAG("csv", 0, &args.csv, "CSV: a header, then one row per window"),
	{ 0 },
};

static void print_warning(void *arg, const char *msg)
{
	(void)arg;
	fprintf(stderr, "powprint stat: warning: %s\n", msg);
}

static void print_json(const struct pp_window *w)
{
	struct pp_features fv;
	pp_features_compute(w, &fv);
	bool thin = pp_features_drop_thin(w, &fv);
	cJSON *o = pp_window_json(w->index, w->start_s, w->end_s);
	pp_json_add_number(o, "start_unix", w->start_unix, PP_JSON_TIME);
	pp_json_add_number(o, "task_clock_s", w->task_clock_s, PP_JSON_MEASURED);
	cJSON_AddNumberToObject(o, "tasks", w->tasks);
	cJSON_AddBoolToObject(o, "partial", w->partial);
	cJSON_AddBoolToObject(o, "target_exited", w->target_exited);
	/* The rates per task-clock second below are null because the target hardly ran. */
	cJSON_AddBoolToObject(o, "rates_left_out", thin);
	cJSON_AddNumberToObject(o, "features_version", fv.version);
	cJSON *f = cJSON_AddObjectToObject(o, "features");
	for (int i = 0; i < PP_F_COUNT; i++)
		pp_json_add_number(f, pp_feature_info(i)->name, fv.v[i], PP_JSON_MEASURED);
	cJSON *c = cJSON_AddObjectToObject(o, "counts");
	for (int i = 0; i < w->ncounts; i++)
		pp_json_add_number(c, w->counts[i].name, w->counts[i].value, PP_JSON_MEASURED);
	cli_json_print(o, true);
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
	pp_features_drop_thin(w, &f);
	/* Microseconds: a last window cut short by the target's exit may last well under a
	 * millisecond, and must not share its stamp with the window before it. */
	printf("%llu,%.6f,%.6f,%d", (unsigned long long)w->index, w->start_s, w->end_s,
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
	bool thin = pp_features_drop_thin(w, &f);
	/* Milliseconds, unless the window is so short (a target that exited just after the last
	 * full window) that its end would print as the end of the window before it. */
	if (round(w->end_s * 1e3) == round(w->start_s * 1e3))
		printf("%12.6f", w->end_s);
	else
		printf("%9.3f", w->end_s);
	for (int i = 0; i < PP_F_COUNT; i++)
		if (isfinite(f.v[i]))
			printf(" %s=%.4g", pp_feature_info(i)->name, f.v[i]);
	if (counts)
		for (int i = 0; i < w->ncounts; i++)
			if (isfinite(w->counts[i].value))
				printf(" [%s]=%.6g", w->counts[i].name, w->counts[i].value);
	if (w->partial)
		printf(" (partial, %.3g ms%s)", (w->end_s - w->start_s) * 1e3,
		       w->target_exited ? ": target exited" : "");
	if (thin)
		printf(" (rates per task-clock s left out: %.2g ms on a CPU, under %g ms)",
		       isfinite(w->task_clock_s) ? w->task_clock_s * 1e3 : 0,
		       PP_FEATURES_MIN_TASK_CLOCK_S * 1e3);
	printf("\n");
}

static int run(int argc, char **argv)
{
	const struct cli_cmd *cmd = &cmd_stat;
	int rc = cli_parse(cmd, argc, argv);
	if (rc >= 0)
		return rc;
	long pid = args.pid, interval = args.interval, count = args.count;
	bool json = args.json, csv = args.csv, counts = args.counts;
	char **cmdv = argv + optind;
	bool have_cmd = optind < argc;
	if (json && csv)
		return cli_usage_error(cmd, "choose one of --json and --csv");
	if (!pid == !have_cmd)
		return cli_usage_error(cmd, "give either -p PID or -- COMMAND [ARGS], not %s",
				       pid ? "both" : "neither");

	PP_OPTS(pp_collect_opts, opts, .backends = args.backends, .events = args.events,
		.interval_ms = (unsigned)interval, .sample_hz = (unsigned)args.freq,
		.kernel = args.kernel, .warn = print_warning);
	if (have_cmd)
		opts.child_stdout = cli_child_stdout(cmd, json || csv);
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
	rc = 0;
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
	.name = "stat", .fn = run, .output = true,
	.summary = "count a process's events window by window, from every collector backend",
	.usage = "[--backends LIST] [-e EVENTS] [--interval MS] [--json|--csv] (-p PID | -- CMD ARGS)",
	.description =
		"Prints one line per window with every feature that is available (NaN ones are left "
		"out; --json and --csv print them all, as null or empty). Features are normalised per "
		"task-clock second, per instruction or per sample (docs/features.md). A target that "
		"exits ends its last window early (marked partial); the exit status is then still 0. "
		"`powprint info` lists which backends work on this machine and why not.",
	.opts = stat_opts,
};
