/* powprint run: runs one workload in this process (so collectors can attach to its pid),
 * then prints its throughput and whether its known-answer check passed. */
#include "cli/cli.h"
#include "core/json.h"

#include <powprint/error.h>
#include <powprint/workload.h>

#include <cjson/cJSON.h>
#include <errno.h>
#include <float.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static struct {
	struct pp_workload_run_opts ro;
	double burst[2];
	bool json, quiet;
	/* The workload's own options, as pp_workload_run takes them ("name=value"). */
	const char **params;
	int nparams;
} args = {
	.ro = { .sz = sizeof(struct pp_workload_run_opts), .seconds = 1, .threads = 1,
		.stop = &cli_stop },
};

/* A workload option: appends "name=value" (a flag: "name") to args.params. */
static int add_param(const struct cli_cmd *cmd, const struct cli_opt *o, const char *arg)
{
	(void)cmd;
	size_t len = strlen(o->name) + (arg ? strlen(arg) : 0) + 2;
	char *p = malloc(len);
	if (!p)
		return CLI_EXIT_FAIL;
	if (o->arg)
		snprintf(p, len, "%s=%s", o->name, arg);
	else
		snprintf(p, len, "%s", o->name);
	args.params[args.nparams++] = p;
	return 0;
}

#define N_COMMON 8
static const struct cli_opt run_opts[N_COMMON + 1] = {
	CLI_DOUBLE("seconds", 's', "S", &args.ro.seconds, 1e-3, DBL_MAX,
		   "length of the measured phase (default 1)",
		   .what = "a number of seconds (at least 0.001)"),
	/* The maximum is the workload's, set once NAME is known. */
	CLI_INT("threads", 't', "N", &args.ro.threads, 1, INT_MAX, "worker threads (default 1)"),
	CLI_INT("duty", 0, "PCT", &args.ro.duty_pct, 1, 100,
		"work PCT ms of every 100 ms, sleep the rest"),
	CLI_PAIR("burst", 0, "ON/OFF", &args.burst, 1e-3, DBL_MAX,
		 "work ON seconds, pause OFF seconds, repeat",
		 .what = "ON/OFF seconds such as 2/3"),
	CLI_INT("nice", 0, "N", &args.ro.nice, -20, 19, "nice value of the working threads"),
	CLI_FLAG("json", 'j', &args.json, "print the result as one JSON object"),
	CLI_FLAG("quiet", 'q', &args.quiet, "no start line on stderr"),
	CLI_FLAG("inject-fault", 0, &args.ro.inject_fault,
		 "damage the result before verify, to check that verify catches it (exits 1)"),
	{ 0 },
};

static void list_names(FILE *out)
{
	fprintf(out, "valid workloads:");
	for (int i = 0, n = pp_workload_count(); i < n; i++)
		fprintf(out, " %s", pp_workload_name(pp_workload_at(i)));
	fprintf(out, "\n(see 'powprint list')\n");
}

/* True when argv[i] is a common option whose value is the next argument. */
static bool takes_value(const char *a)
{
	if (a[0] != '-' || strchr(a, '='))
		return false;
	if (!strcmp(a, "-o") || !strcmp(a, "--output"))  /* cli_parse's own */
		return true;
	for (const struct cli_opt *o = run_opts; o->name; o++) {
		if (!o->arg)
			continue;
		if ((a[1] == '-' && !strcmp(a + 2, o->name)) ||
		    (o->val > 0 && a[1] == o->val && a[2] == '\0'))
			return true;
	}
	return false;
}

struct start_info {
	bool quiet;
	double seconds;
};

static void on_started(void *arg, const struct pp_workload *w, pid_t pid, pid_t child)
{
	const struct start_info *si = arg;
	if (si->quiet)
		return;
	if (child > 0)
		fprintf(stderr, "powprint run: %s running for %g s in pid %d, child pid %d\n",
			pp_workload_name(w), si->seconds, (int)pid, (int)child);
	else
		fprintf(stderr, "powprint run: %s running for %g s in pid %d\n",
			pp_workload_name(w), si->seconds, (int)pid);
	fflush(stderr);
}

static void print_json(const struct pp_workload *w, int rc, const struct pp_workload_result *r,
		       const char *const *params, const struct pp_workload_run_opts *o)
{
	cJSON *j = cJSON_CreateObject();
	cJSON_AddStringToObject(j, "workload", pp_workload_name(w));
	cJSON_AddStringToObject(j, "class", pp_workload_class_name(pp_workload_class(w)));
	cJSON_AddStringToObject(j, "family", pp_workload_family(w));
	cJSON_AddNumberToObject(j, "pid", (double)getpid());
	if (r->child_pid > 0)
		cJSON_AddNumberToObject(j, "child_pid", (double)r->child_pid);
	if (rc && rc != -EBADMSG) {
		cJSON_AddStringToObject(j, "error", r->error[0] ? r->error : pp_strerror(rc));
	} else {
		pp_json_add_number(j, "rate", r->rate, PP_JSON_MEASURED);
		cJSON_AddStringToObject(j, "unit", r->unit);
		pp_json_add_number(j, "work", r->work, PP_JSON_MEASURED);
		pp_json_add_number(j, "seconds", r->seconds, PP_JSON_MEASURED);
		pp_json_add_number(j, "setup_seconds", r->setup_seconds, PP_JSON_MEASURED);
		pp_json_add_number(j, "cpu_seconds", r->cpu_seconds, PP_JSON_MEASURED);
		pp_json_add_number(j, "busy_seconds", r->busy_seconds, PP_JSON_MEASURED);
		cJSON_AddNumberToObject(j, "threads", r->threads);
		cJSON_AddBoolToObject(j, "verified", r->verified);
		cJSON_AddStringToObject(j, "verify", r->verify_msg);
		if (r->detail[0])
			cJSON_AddStringToObject(j, "detail", r->detail);
	}
	cJSON *k = cJSON_AddObjectToObject(j, "knobs");
	cJSON_AddNumberToObject(k, "duty_pct", o->duty_pct ? o->duty_pct : 100);
	cJSON_AddNumberToObject(k, "burst_on_s", o->burst_on_s);
	cJSON_AddNumberToObject(k, "burst_off_s", o->burst_off_s);
	cJSON_AddNumberToObject(k, "nice", o->nice);
	cJSON *p = cJSON_AddObjectToObject(j, "options");
	for (const char *const *q = params; *q; q++) {
		const char *eq = strchr(*q, '=');
		char key[64];
		snprintf(key, sizeof(key), "%.*s", eq ? (int)(eq - *q) : (int)strlen(*q), *q);
		if (eq)
			cJSON_AddStringToObject(p, key, eq + 1);
		else
			cJSON_AddTrueToObject(p, key);
	}
	cli_json_print(j, false);
	cJSON_Delete(j);
}

static int run(int argc, char **argv)
{
	/* Find NAME: the first argument that is neither an option nor a common option's value. */
	int ni = -1;
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--")) {
			ni = i + 1 < argc ? i + 1 : -1;
			break;
		}
		if (argv[i][0] != '-') {
			ni = i;
			break;
		}
		if (takes_value(argv[i]))
			i++;
	}
	if (ni < 0) {
		for (int i = 1; i < argc; i++)
			if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
				cli_help(&cmd_run, stdout);
				printf("\nworkload options: see 'powprint run NAME --help'\n");
				return 0;
			}
		cli_usage_error(&cmd_run, "which workload? give its NAME");
		list_names(stderr);
		return CLI_EXIT_USAGE;
	}
	const char *name = argv[ni];
	const struct pp_workload *w;
	if (pp_workload_find(name, &w)) {
		const char *near = pp_workload_suggest(name);
		fprintf(stderr, "powprint run: unknown workload '%s'", name);
		if (near)
			fprintf(stderr, "; did you mean '%s'?", near);
		fputc('\n', stderr);
		list_names(stderr);
		return CLI_EXIT_USAGE;
	}

	/* This workload's command: the common options plus its own. */
	struct cli_opt opts[N_COMMON + PP_WORKLOAD_MAX_OPTS + 1];
	int no = 0;
	for (; run_opts[no].name; no++)
		opts[no] = run_opts[no];
	const struct pp_workload_opt *wo = pp_workload_opts(w);
	int nwo = 0;
	for (; wo[nwo].name && nwo < PP_WORKLOAD_MAX_OPTS; nwo++) {
		static char helps[PP_WORKLOAD_MAX_OPTS][256];
		snprintf(helps[nwo], sizeof(helps[nwo]), "%s%s%s%s%s%s", wo[nwo].help,
			 wo[nwo].type == PP_WOPT_CHOICE ? " (" : "",
			 wo[nwo].type == PP_WOPT_CHOICE ? wo[nwo].choices : "",
			 wo[nwo].type == PP_WOPT_CHOICE ? ")" : "", wo[nwo].def ? "; default " : "",
			 wo[nwo].def ? wo[nwo].def : "");
		opts[no++] = (struct cli_opt)CLI_CALL(wo[nwo].name, 0, wo[nwo].arg, add_param, NULL,
						      helps[nwo]);
	}
	opts[no] = (struct cli_opt){ 0 };
	for (int i = 0; i < no; i++)
		if (opts[i].dst == &args.ro.threads)
			opts[i].max = pp_workload_max_threads(w);
	char usage[128], summary[320];
	snprintf(usage, sizeof(usage), "%s [OPTIONS]", name);
	snprintf(summary, sizeof(summary), "%s (%s, %s): %s", name,
		 pp_workload_class_name(pp_workload_class(w)), pp_workload_family(w),
		 pp_workload_help(w));
	const struct cli_cmd cmd = {
		.name = "run",
		.output = true,
		.summary = summary,
		.usage = usage,
		.description = "Runs the workload in this process for --seconds, prints its "
			       "throughput and checks its known answer (exit 1 when that fails).",
		.opts = opts,
	};

	/* Parse everything but NAME. */
	char **av = calloc((size_t)argc + 1, sizeof(*av));
	args.params = calloc((size_t)argc + 1, sizeof(*args.params));
	if (!av || !args.params) {
		free(av), free(args.params);
		fprintf(stderr, "powprint run: out of memory\n");
		return CLI_EXIT_FAIL;
	}
	int ac = 0;
	for (int i = 0; i < argc; i++)
		if (i != ni && !(ni > 0 && i == ni - 1 && !strcmp(argv[i], "--")))
			av[ac++] = argv[i];

	int rc = cli_parse(&cmd, ac, av);
	if (rc >= 0)
		goto out;
	rc = 0;
	struct pp_workload_run_opts ro = args.ro;
	ro.burst_on_s = args.burst[0];
	ro.burst_off_s = args.burst[1];
	const char *const *params = args.params;
	bool json = args.json;
	struct start_info si = { .quiet = args.quiet };
	if (optind < ac) {
		rc = cli_usage_error(&cmd, "unexpected argument '%s' (one workload per run)",
				     av[optind]);
		goto out;
	}

	cli_catch_stop();

	si.seconds = ro.seconds;
	ro.params = params;
	ro.started = on_started;
	ro.started_arg = &si;
	struct pp_workload_result res;
	int wrc = pp_workload_run(w, &ro, &res);
	if (json)
		print_json(w, wrc, &res, params, &ro);
	if (wrc && wrc != -EBADMSG) {
		fprintf(stderr, "powprint run: %s\n", res.error[0] ? res.error : pp_strerror(wrc));
		rc = wrc == -EINVAL ? CLI_EXIT_USAGE : CLI_EXIT_FAIL;
		goto out;
	}
	if (!json) {
		printf("%s: %.6g %s (%d thread%s, %.3g s measured, setup %.3g s, cpu %.3g s)\n",
		       pp_workload_name(w), res.rate, res.unit, res.threads,
		       res.threads == 1 ? "" : "s", res.seconds, res.setup_seconds,
		       res.cpu_seconds);
		if (res.detail[0])
			printf("  %s\n", res.detail);
		if (res.child_pid > 0)
			printf("  child pid %d\n", (int)res.child_pid);
		printf("verify: %s: %s\n", res.verified ? "ok" : "FAILED", res.verify_msg);
	}
	if (!res.verified) {
		fprintf(stderr, "powprint run: %s did not verify: %s\n", pp_workload_name(w),
			res.verify_msg);
		rc = CLI_EXIT_FAIL;
	}
out:
	for (int i = 0; i < args.nparams; i++)
		free((void *)args.params[i]);
	free(args.params);
	free(av);
	return rc;
}

const struct cli_cmd cmd_run = {
	.name = "run", .fn = run, .output = true,
	.summary = "run one workload (miner or benign) and check its known answer",
	.usage = "NAME [--seconds S] [--threads N] [--duty PCT] [--burst ON/OFF] [--nice N] "
		 "[workload options] [--json]",
	.description = "Runs in this process, so collectors can attach to its pid (node-jit: "
		       "to the child pid it prints). 'powprint list' names the workloads; "
		       "'powprint run NAME --help' shows a workload's own options.",
	.opts = run_opts,
};
