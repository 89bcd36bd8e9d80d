/* pp_bench_run: hash rates, then a short recording of each workload (pp_record into a
 * temporary dataset), then each run classified with the default model. */
#include "bench/lib/tmp-dataset.h"
#include "core/why.h"
#include "core/file.h"
#include "fingerprint/agent/json-shapes.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <powprint/bench.h>
#include <powprint/dataset.h>
#include <powprint/mine.h>
#include <powprint/opts.h>
#include <powprint/model.h>
#include <powprint/workload.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* The kernels whose hash rates the bench measures are the algorithms flagged PP_HASH_BENCH
 * (PP_HASH_BENCH_QUICK with --quick) in the hash table: one per family and the main Monero
 * ones; rx/0 in light mode so the job needs neither 2 GiB nor a minute of dataset init.
 * --quick records the catalog's quick set (pp_workload_quick_names). */

/* The whole catalog but rx/0 in fast mode, whose 2 GiB dataset takes minutes to build. */
#define FULL_EXCLUDE "rx/0-fast"

#define RX_BENCH_KEY "powprint bench"

static cJSON *bench_hashes(const struct pp_bench_opts *o)
{
	cJSON *arr = cJSON_CreateArray();
	double secs = o->hash_seconds > 0 ? o->hash_seconds : o->quick ? 1.5 : 2;
	unsigned want = o->quick ? PP_HASH_BENCH_QUICK : PP_HASH_BENCH;
	for (const char *const *k = pp_hash_names(); *k; k++) {
		if (o->stop && *o->stop)
			break;
		if (!(pp_hash_flags(*k) & want))
			continue;
		struct pp_mine_opts mo = { .sz = sizeof(mo), .algo = *k, .threads = 1,
					   .seconds = secs, .stop = o->stop };
		mo.hash.sz = sizeof(mo.hash);
		mo.hash.key = RX_BENCH_KEY;
		mo.hash.key_len = strlen(RX_BENCH_KEY);
		struct pp_mine_result r;
		int err = pp_mine_run(&mo, &r);
		cJSON *e;
		if (err) {
			e = cJSON_CreateObject();
			cJSON_AddStringToObject(e, "algo", *k);
			cJSON_AddStringToObject(e, "error", strerror(-err));
			pp_say(o->log, o->log_arg, "hash %-10s failed: %s", *k, strerror(-err));
		} else {
			e = pp_mine_result_json(&mo, &r); /* the shape `powprint hash --json` prints */
			pp_say(o->log, o->log_arg, "hash %-10s %8.1f H/s (1 thread, %s AES, %s pages)",
			       *k, r.hps, r.info.aes_backend ? r.info.aes_backend : "?",
			       r.info.pages ? r.info.pages : "?");
		}
		cJSON_AddItemToArray(arr, e);
	}
	return arr;
}

/* Catalog names minus the excluded one, comma-separated (caller frees). */
static char *full_catalog(void)
{
	size_t n = 1;
	for (int i = 0; i < pp_workload_count(); i++)
		n += strlen(pp_workload_name(pp_workload_at(i))) + 1;
	char *s = calloc(1, n);
	for (int i = 0; s && i < pp_workload_count(); i++) {
		const char *name = pp_workload_name(pp_workload_at(i));
		char why[128];
		if (!strcmp(name, FULL_EXCLUDE) ||
		    pp_workload_supported(pp_workload_at(i), why, sizeof(why)) < 0)
			continue;
		if (s[0])
			strcat(s, ",");
		strcat(s, name);
	}
	return s;
}

static cJSON *find_run(cJSON *meta, long run_id)
{
	cJSON *it;
	cJSON_ArrayForEach(it, cJSON_GetObjectItem(meta, "runs")) {
		cJSON *id = cJSON_GetObjectItem(it, "run_id");
		if (cJSON_IsNumber(id) && (long)id->valuedouble == run_id)
			return it;
	}
	return NULL;
}

/* Classifies the rows [a, b) of one run; adds the verdict to e. */
static void classify_run(const struct pp_model *m, const struct pp_dataset *ds, const int *map,
			 int a, int b, cJSON *e)
{
	int nf = pp_model_nfeatures(m), n = b - a;
	double *X = malloc((size_t)n * nf * sizeof(*X)), *p = malloc((size_t)n * sizeof(*p));
	struct pp_evidence *ev = malloc((size_t)n * sizeof(*ev));
	bool *rule = malloc((size_t)n * sizeof(*rule));
	if (!X || !p || !ev || !rule)
		goto out;
	int ecols[2];
	pp_evidence_bind(ds, ecols);
	for (int i = 0; i < n; i++)
		pp_evidence_from_row(ds, ecols, a + i, &ev[i]);
	for (int i = 0; i < n; i++)
		for (int j = 0; j < nf; j++)
			X[(size_t)i * nf + j] = map[j] >= 0 ? pp_dataset_features(ds, a + i)[map[j]]
							   : NAN;
	/* Process-level verdict: k of the last n windows (3 of 5, or a majority of fewer). */
	int sn = n < 5 ? n : 5, sk = n < 5 ? n / 2 + 1 : 3;
	struct pp_run_verdict rv;
	if (pp_model_classify_run(m, X, n, nf, ev, sk, sn, p, rule, &rv))
		goto out;
	struct pp_verdict v = rv.v;
	if (v.ntop > 3)
		v.ntop = 3; /* the bench's table shows three */
	/* Each telling feature's mean over the run, shown beside its contribution. */
	double *mean = malloc((size_t)nf * sizeof(*mean));
	for (int j = 0; mean && j < nf; j++) {
		double sum = 0;
		int cnt = 0;
		for (int i = 0; i < n; i++)
			if (isfinite(X[(size_t)i * nf + j])) {
				sum += X[(size_t)i * nf + j];
				cnt++;
			}
		mean[j] = cnt ? sum / cnt : NAN;
	}
	pp_verdict_json_add(e, m, &v, rv.miner, mean);
	free(mean);
out:
	free(X);
	free(p);
	free(ev);
	free(rule);
}

int pp_bench_run(const struct pp_bench_opts *o, void **report, char *why, size_t len)
{
	cJSON *root = cJSON_CreateObject();
	*report = root;
	struct pp_model *m = NULL;

	char dir[] = "/tmp/powprint-bench-XXXXXX";
	if (!mkdtemp(dir)) {
		snprintf(why, len, "cannot create a temporary directory: %s", strerror(errno));
		pp_model_free(m);
		return -errno;
	}
	char *all = o->workloads || o->quick ? NULL : full_catalog();
	pp_say(o->log, o->log_arg, "== fingerprints ==");
	struct pp_record_opts ro = {
		.sz = sizeof(ro), .out_dir = dir,
		.workloads = o->workloads ? o->workloads : o->quick ? pp_workload_quick_names() : all,
		.seconds = o->seconds > 0 ? o->seconds : o->quick ? 3 : 5, .seed = 1,
		.command_line = "powprint bench", .stop = o->stop, .log = o->log,
		.log_arg = o->log_arg, .progress = PP_OPTS_GET(o, pp_bench_opts, progress, NULL),
		.progress_arg = PP_OPTS_GET(o, pp_bench_opts, progress_arg, NULL),
	};
	struct pp_record_summary sum;
	int err = pp_record(&ro, &sum, why, len);
	free(all);
	free(sum.text);
	if (err && err != -EIO && err != -EINTR) {
		pp_tmp_dataset_remove(dir);
		pp_model_free(m);
		return err;
	}
	/* Only now the hash rates and the model: the recorder forks its workloads, and a process
	 * whose OpenMP (hashing, xgboost) threads already ran must not fork. */
	pp_say(o->log, o->log_arg, "== hash rates ==");
	cJSON_AddItemToObject(root, "hash", bench_hashes(o));
	char used[4096] = "", mwhy[1024] = "";
	int merr = pp_model_load_for_host(o->model, &m, used, sizeof(used), mwhy, sizeof(mwhy));
	cJSON *mj = cJSON_AddObjectToObject(root, "model");
	cJSON_AddStringToObject(mj, "path", used);
	/* The line p(miner) is judged against: a table of p values means little without it. */
	if (!merr)
		cJSON_AddNumberToObject(mj, "threshold", pp_model_threshold(m));
	if (merr) {
		cJSON_AddStringToObject(mj, "error", mwhy);
		pp_say(o->log, o->log_arg, "no verdicts: %s", mwhy);
	}

	struct pp_dataset *ds = NULL;
	char *mtext = NULL;
	size_t mlen;
	char path[4096];
	snprintf(path, sizeof(path), "%s/meta.json", dir);
	cJSON *meta = pp_file_read(path, &mtext, &mlen) == 0 ? cJSON_Parse(mtext) : NULL;
	free(mtext);
	if (sum.rows_added && (err = pp_dataset_read(dir, &ds, why, len))) {
		cJSON_Delete(meta);
		pp_tmp_dataset_remove(dir);
		pp_model_free(m);
		return err;
	}

	int *map = m ? calloc((size_t)pp_model_nfeatures(m), sizeof(int)) : NULL;
	if (m && ds && map)
		pp_model_bind(m, ds, map);
	cJSON *wl = cJSON_AddArrayToObject(root, "workloads");
	int nmin = 0, nmin_flag = 0, nben = 0, nben_flag = 0;
	for (int a = 0, b; ds && a < pp_dataset_nrows(ds); a = b) {
		const struct pp_dataset_row *r = pp_dataset_row(ds, a);
		for (b = a + 1; b < pp_dataset_nrows(ds) && pp_dataset_row(ds, b)->run == r->run; b++)
			;
		cJSON *e = cJSON_CreateObject();
		bool miner = r->label == PP_LABEL_MINER;
		cJSON_AddStringToObject(e, "workload", r->workload);
		cJSON_AddStringToObject(e, "class", miner ? "miner" : "benign");
		cJSON *run = find_run(meta, r->run_id);
		cJSON *rate = cJSON_GetObjectItem(run, "rate"), *unit = cJSON_GetObjectItem(run, "unit");
		if (cJSON_IsNumber(rate) && cJSON_IsString(unit)) {
			pp_json_add_number(e, "rate", rate->valuedouble, PP_JSON_MEASURED);
			cJSON_AddStringToObject(e, "unit", unit->valuestring);
		}
		cJSON_AddNumberToObject(e, "windows", b - a);
		if (m && map) {
			classify_run(m, ds, map, a, b, e);
			bool flagged = !strcmp(cJSON_GetStringValue(cJSON_GetObjectItem(e, "verdict"))
					       ?: "", "miner");
			nmin += miner;
			nmin_flag += miner && flagged;
			nben += !miner;
			nben_flag += !miner && flagged;
		}
		cJSON_AddItemToArray(wl, e);
	}
	cJSON *s = cJSON_AddObjectToObject(root, "summary");
	cJSON_AddNumberToObject(s, "runs_ok", sum.runs_ok);
	cJSON_AddNumberToObject(s, "runs_failed", sum.runs_failed);
	if (m) {
		cJSON_AddNumberToObject(s, "miners", nmin);
		cJSON_AddNumberToObject(s, "miners_flagged", nmin_flag);
		cJSON_AddNumberToObject(s, "benign", nben);
		cJSON_AddNumberToObject(s, "benign_flagged", nben_flag);
	}
	cJSON_AddBoolToObject(s, "interrupted", sum.interrupted);
	free(map);
	cJSON_Delete(meta);
	pp_dataset_free(ds);
	pp_model_free(m);
	pp_tmp_dataset_remove(dir);
	return 0;
}
