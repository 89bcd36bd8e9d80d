/* powprint train: fits the miner/benign detector on recorded datasets and writes a model
 * directory (booster.json + model.json, docs/model.md). */
#include "cli/cli.h"

#include <cjson/cJSON.h>
#include <powprint/powprint.h>
#include <powprint/model.h>
#include <stdlib.h>
#include <string.h>

static struct {
	const char *dirs[CLI_MAX_DIRS], *out, *backends, *params, *exclude;
	int ndirs;
	double threshold;  /* 0: the library's default */
	bool json;
} args;

static const struct cli_opt train_opts[] = {
	CLI_LIST("data", 'd', "DIR[,DIR...]", args.dirs, &args.ndirs,
		 "dataset directories (windows.csv + meta.json)"),
	CLI_STR("output", 'o', "MODEL", &args.out, "model directory to write"),
	CLI_STR("backends", 'b', "LIST", &args.backends,
		"use only features these backends produce (e.g. perf-sw,ip-sample,procfs)"),
	CLI_STR("params", 'P', "K=V,...", &args.params,
		"xgboost parameters over the defaults; rounds=N for the rounds"),
	CLI_PROB("threshold", 0, "P", &args.threshold,
		 "decision threshold on p(miner) (default 0.5)"),
	CLI_STR("exclude", 'x', "LIST", &args.exclude,
		"features to leave out (default " PP_TRAIN_EXCLUDE_DEFAULT "; \"\" = none)"),
	CLI_FLAG("json", 'j', &args.json, "print the model's summary as JSON"),
	{ 0 },
};

static int run(int argc, char **argv)
{
	int rc = cli_parse(&cmd_train, argc, argv);
	if (rc >= 0)
		return rc;
	const char *const *dirs = args.dirs, *out = args.out;
	int ndirs = args.ndirs;
	bool json = args.json;
	if (!ndirs)
		return cli_usage_error(&cmd_train, "--data DIR is required (a dataset that "
				       "`powprint record` wrote)");
	if (!out)
		return cli_usage_error(&cmd_train, "--output MODEL is required (the model directory "
				       "to write)");

	struct pp_dataset *ds = cli_dataset_read(&cmd_train, dirs, ndirs);
	if (!ds)
		return CLI_EXIT_FAIL;
	if (pp_dataset_notes(ds)[0])
		fprintf(stderr, "%s", pp_dataset_notes(ds));
	PP_OPTS(pp_train_opts, to, .params = args.params, .threshold = args.threshold,
		.backends = args.backends, .exclude = args.exclude);
	struct pp_model *m;
	char why[1024] = "";
	int err = pp_model_train(ds, &to, &m, why, sizeof(why));
	if (!err)
		err = pp_model_save(m, out, why, sizeof(why));
	else
		m = NULL;
	if (err) {
		pp_model_free(m);
		pp_dataset_free(ds);
		return cli_fail(&cmd_train, err, why);
	}
	char *summary = pp_model_summary_json(m);
	rc = 0;
	if (json) {
		rc = cli_json_print_text(summary);
	} else {
		cJSON *s = cJSON_Parse(summary ? summary : "{}");
		cJSON *t = cJSON_GetObjectItem(s, "training");
		cJSON *cls = cJSON_GetObjectItem(t, "classes");
		printf("trained on %d windows in %d runs: %g miner, %g benign\n",
		       (int)cJSON_GetNumberValue(cJSON_GetObjectItem(t, "rows")),
		       (int)cJSON_GetNumberValue(cJSON_GetObjectItem(t, "runs")),
		       cJSON_GetNumberValue(cJSON_GetObjectItem(cls, "miner")),
		       cJSON_GetNumberValue(cJSON_GetObjectItem(cls, "benign")));
		printf("features  %d:", pp_model_nfeatures(m));
		for (int j = 0; j < pp_model_nfeatures(m); j++)
			printf(" %s", pp_model_feature_name(m, j));
		printf("\nbackends ");
		for (int i = 0; i < pp_model_nbackends(m); i++)
			printf(" %s", pp_model_backend(m, i));
		cJSON *dropped = cJSON_GetObjectItem(t, "dropped_features"), *it;
		if (cJSON_GetArraySize(dropped)) {
			printf("\nleft out");
			cJSON_ArrayForEach(it, dropped)
				printf(" %s", it->valuestring);
			printf(" (empty in the data, from backends outside --backends, or in --exclude)");
		}
		printf("\nrounds    %d, threshold %g\nwrote     %s/booster.json, %s/model.json\n",
		       (int)cJSON_GetNumberValue(cJSON_GetObjectItem(s, "rounds")),
		       pp_model_threshold(m), out, out);
		cJSON_Delete(s);
	}
	free(summary);
	pp_model_free(m);
	pp_dataset_free(ds);
	return rc;
}

const struct cli_cmd cmd_train = {
	.name = "train", .fn = run, .no_operands = true,
	.summary = "train the miner/benign detector on recorded datasets",
	.usage = "--data DIR[,DIR...] [--backends LIST] [--params K=V,...] [--threshold P] "
		 "--output MODEL",
	.description = "Fits gradient-boosted trees (xgboost, binary:logistic) to the f.* columns "
		       "and computes a fingerprint (median and robust spread of every feature) per "
		       "workload. Datasets must share the feature-vector version; features not in "
		       "every directory are left out. MODEL is a directory: booster.json is plain "
		       "xgboost JSON (Python: xgb.Booster(model_file=\"MODEL/booster.json\")), "
		       "model.json holds the rest (docs/model.md).",
	.opts = train_opts,
};
