/* powprint list: the workload catalog (miners and benign look-alikes). */
#include "cli/cli.h"

#include <powprint/workload.h>

#include <cjson/cJSON.h>
#include <string.h>

static bool json, verbose;
static int want = -1;  /* a class, or -1: every one */

static const struct cli_word class_words[] = {
	{ "miner", PP_WL_MINER }, { "benign", PP_WL_BENIGN }, { 0 },
};

static const struct cli_opt list_opts[] = {
	CLI_WORD("class", 'c', "miner|benign", &want, class_words, "only workloads of this class"),
	CLI_FLAG("verbose", 'v', &verbose, "also list each workload's options"),
	CLI_FLAG("json", 'j', &json, "print one JSON object (every field, options included)"),
	{ 0 },
};

static const char *type_name(enum pp_workload_opt_type t)
{
	switch (t) {
	case PP_WOPT_INT: return "int";
	case PP_WOPT_SIZE: return "size";
	case PP_WOPT_FLAG: return "flag";
	case PP_WOPT_CHOICE: return "choice";
	}
	return "?";
}

static cJSON *opt_json(const struct pp_workload_opt *o)
{
	cJSON *j = cJSON_CreateObject();
	cJSON_AddStringToObject(j, "name", o->name);
	cJSON_AddStringToObject(j, "type", type_name(o->type));
	if (o->arg)
		cJSON_AddStringToObject(j, "arg", o->arg);
	if (o->def)
		cJSON_AddStringToObject(j, "default", o->def);
	if (o->type == PP_WOPT_INT || o->type == PP_WOPT_SIZE) {
		cJSON_AddNumberToObject(j, "min", (double)o->min);
		cJSON_AddNumberToObject(j, "max", (double)o->max);
	}
	if (o->type == PP_WOPT_CHOICE && o->choices) {
		cJSON *c = cJSON_AddArrayToObject(j, "choices");
		char buf[256];
		snprintf(buf, sizeof(buf), "%s", o->choices);
		char *save = NULL;
		for (char *t = strtok_r(buf, "|", &save); t; t = strtok_r(NULL, "|", &save))
			cJSON_AddItemToArray(c, cJSON_CreateString(t));
	}
	cJSON_AddStringToObject(j, "help", o->help);
	return j;
}

static cJSON *workload_json(const struct pp_workload *w)
{
	char why[256];
	int sup = pp_workload_supported(w, why, sizeof(why));
	cJSON *j = cJSON_CreateObject();
	cJSON_AddStringToObject(j, "name", pp_workload_name(w));
	cJSON_AddStringToObject(j, "class", pp_workload_class_name(pp_workload_class(w)));
	cJSON_AddStringToObject(j, "family", pp_workload_family(w));
	cJSON_AddStringToObject(j, "help", pp_workload_help(w));
	cJSON_AddStringToObject(j, "unit", pp_workload_unit(w));
	cJSON_AddNumberToObject(j, "max_threads", pp_workload_max_threads(w));
	cJSON_AddBoolToObject(j, "quick", pp_workload_quick(w));
	cJSON_AddBoolToObject(j, "supported", sup == 0);
	if (sup)
		cJSON_AddStringToObject(j, "why", why);
	cJSON *opts = cJSON_AddArrayToObject(j, "options");
	for (const struct pp_workload_opt *o = pp_workload_opts(w); o->name; o++)
		cJSON_AddItemToArray(opts, opt_json(o));
	return j;
}

/* The options every workload takes, from `powprint run`'s own table. */
static cJSON *common_json(void)
{
	cJSON *a = cJSON_CreateArray();
	for (const struct cli_opt *o = cmd_run.opts; o && o->name; o++) {
		cJSON *j = cJSON_CreateObject();
		cJSON_AddStringToObject(j, "name", o->name);
		if (o->arg)
			cJSON_AddStringToObject(j, "arg", o->arg);
		cJSON_AddStringToObject(j, "help", o->help);
		cJSON_AddItemToArray(a, j);
	}
	return a;
}

static void print_opts(const struct pp_workload *w)
{
	for (const struct pp_workload_opt *o = pp_workload_opts(w); o->name; o++) {
		char left[64];
		snprintf(left, sizeof(left), "--%s%s%s", o->name, o->arg ? " " : "",
			 o->arg ? o->arg : "");
		printf("      %-26s %s", left, o->help);
		if (o->type == PP_WOPT_CHOICE)
			printf(" (%s)", o->choices);
		if (o->def)
			printf(" [%s]", o->def);
		printf("\n");
	}
}

static int run(int argc, char **argv)
{
	int rc = cli_parse(&cmd_list, argc, argv);
	if (rc >= 0)
		return rc;

	int n = pp_workload_count();
	if (json) {
		cJSON *root = cJSON_CreateObject();
		cJSON *arr = cJSON_AddArrayToObject(root, "workloads");
		for (int i = 0; i < n; i++) {
			const struct pp_workload *w = pp_workload_at(i);
			if (want < 0 || (int)pp_workload_class(w) == want)
				cJSON_AddItemToArray(arr, workload_json(w));
		}
		cJSON_AddItemToObject(root, "common_options", common_json());
		rc = cli_json_print(root, false);
		cJSON_Delete(root);
		return rc;
	}
	printf("%-18s %-7s %-12s %-9s %s\n", "NAME", "CLASS", "FAMILY", "UNIT", "DESCRIPTION");
	for (int i = 0; i < n; i++) {
		const struct pp_workload *w = pp_workload_at(i);
		if (want >= 0 && (int)pp_workload_class(w) != want)
			continue;
		char why[256];
		int sup = pp_workload_supported(w, why, sizeof(why));
		printf("%-18s %-7s %-12s %-9s %s%s%s%s\n", pp_workload_name(w),
		       pp_workload_class_name(pp_workload_class(w)), pp_workload_family(w),
		       pp_workload_unit(w), pp_workload_help(w), sup ? " [unavailable: " : "",
		       sup ? why : "", sup ? "]" : "");
		if (verbose)
			print_opts(w);
	}
	printf("\n'powprint run NAME --help' shows a workload's options; every workload also takes "
	       "--seconds, --threads, --duty, --burst and --nice.\n");
	return 0;
}

const struct cli_cmd cmd_list = {
	.name = "list", .fn = run, .no_operands = true, .output = true,
	.summary = "list the workloads: miners and benign look-alikes",
	.usage = "[--class miner|benign] [--verbose] [--json]",
	.opts = list_opts,
};
