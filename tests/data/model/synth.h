/* Synthetic labelled datasets for the model tests: several miner and benign workloads in
 * families, several runs each, features whose distributions depend on the class and the
 * workload, an all-NaN column, a partly missing column, and knob columns. Deterministic. */
#ifndef PP_TEST_SYNTH_H
#define PP_TEST_SYNTH_H

#include <cjson/cJSON.h>
#include <criterion/criterion.h>
#include <math.h>
#include <powprint/dataset.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

struct synth_workload {
	const char *name, *family;
	int miner;
	double a, e;               /* centres of f.a and f.e */
};

static const struct synth_workload synth_workloads[] = {
	{ "cn/0", "cryptonight", 1, 4.0, 1.0 },
	{ "cn/r", "cryptonight", 1, 5.0, 1.5 },
	{ "rx/0", "randomx", 1, 3.5, 2.0 },
	{ "rx/0-light", "randomx", 1, 4.5, 2.5 },
	{ "aes-gcm", "crypto", 0, 0.0, -1.0 },
	{ "sha256", "crypto", 0, -1.0, -1.5 },
	{ "stream", "memory", 0, 0.5, -2.0 },
	{ "sort", "memory", 0, -0.5, -2.5 },
};
#define SYNTH_NWORKLOADS 8

static const char *const synth_features[] = { "f.a", "f.b", "f.nan", "f.d", "f.e" };
#define SYNTH_NFEATURES 5
static const char *const synth_raw[] = { "raw.task-clock" };

struct synth_rng {
	unsigned long long s;
};

static double synth_uniform(struct synth_rng *r)
{
	r->s ^= r->s << 13;
	r->s ^= r->s >> 7;
	r->s ^= r->s << 17;
	return ((r->s >> 11) + 0.5) / 9007199254740992.0;
}

static double synth_normal(struct synth_rng *r)
{
	double u = synth_uniform(r), v = synth_uniform(r);
	return sqrt(-2 * log(u)) * cos(2 * M_PI * v);
}

/* runs per workload, windows per run; seed varies the noise; run_ids start at run_base. */
static struct pp_dataset *synth_dataset(int runs, int windows, unsigned seed, long run_base)
{
	struct pp_dataset *ds;
	cr_assert_eq(pp_dataset_new(synth_features, SYNTH_NFEATURES, synth_raw, 1, &ds), 0);
	pp_dataset_set_feature_version(ds, 1);
	struct synth_rng rng = { 0x9e3779b97f4a7c15ull ^ seed };
	long run_id = run_base;
	for (int w = 0; w < SYNTH_NWORKLOADS; w++) {
		const struct synth_workload *wl = &synth_workloads[w];
		for (int r = 0; r < runs; r++, run_id++) {
			int duty = (r % 2) ? 20 : 100;
			for (int k = 0; k < windows; k++) {
				struct pp_dataset_row row = {
					.run_id = run_id, .workload = wl->name,
					.label = wl->miner ? PP_LABEL_MINER : PP_LABEL_BENIGN,
					.family = wl->family, .variant = wl->miner ? wl->name : "",
					.threads = 1 + r % 2, .duty = duty,
					.soft_aes = wl->miner ? r % 2 : -1, .huge_pages = "auto",
					.window = k, .t_start = k, .t_end = k + 1.0,
					.task_clock_s = duty / 100.0, .partial = false,
				};
				double f[SYNTH_NFEATURES] = {
					wl->a + 0.4 * synth_normal(&rng),
					synth_normal(&rng),
					NAN,
					synth_uniform(&rng) < 0.3 ? NAN :
						wl->miner + 0.5 * synth_normal(&rng),
					wl->e + 0.5 * synth_normal(&rng),
				};
				double raw = duty / 100.0;
				cr_assert_eq(pp_dataset_add_row(ds, &row, f, &raw), 0);
			}
		}
	}
	return ds;
}

/* Writes ds as a dataset directory with a meta.json naming the backends; feature_backends maps
 * f.a, f.b, f.d to perf-sw and f.e to ip-sample when with_map. */
static void synth_write(const struct pp_dataset *ds, const char *dir, int feature_version,
			int with_map)
{
	char path[8192], why[512];
	mkdir(dir, 0777);
	snprintf(path, sizeof(path), "%s/windows.csv", dir);
	cr_assert_eq(pp_dataset_write_csv(ds, path, why, sizeof(why)), 0, "%s", why);
	cJSON *m = cJSON_CreateObject();
	cJSON_AddStringToObject(m, "format", "powprint-dataset");
	cJSON_AddNumberToObject(m, "format_version", 1);
	cJSON_AddNumberToObject(m, "feature_version", feature_version);
	cJSON *f = cJSON_AddArrayToObject(m, "features");
	for (int j = 0; j < pp_dataset_nfeatures(ds); j++)
		cJSON_AddItemToArray(f, cJSON_CreateString(pp_dataset_feature_name(ds, j)));
	cJSON *b = cJSON_AddObjectToObject(m, "backends");
	cJSON_AddBoolToObject(cJSON_AddObjectToObject(b, "perf-sw"), "available", 1);
	cJSON_AddBoolToObject(cJSON_AddObjectToObject(b, "ip-sample"), "available", 1);
	cJSON_AddBoolToObject(cJSON_AddObjectToObject(b, "perf-hw"), "available", 0);
	if (with_map) {
		cJSON *fb = cJSON_AddObjectToObject(m, "feature_backends");
		for (int j = 0; j < pp_dataset_nfeatures(ds); j++) {
			const char *n = pp_dataset_feature_name(ds, j);
			cJSON_AddStringToObject(fb, n, strcmp(n, "f.e") ? "perf-sw" : "ip-sample");
		}
	}
	cJSON *host = cJSON_AddObjectToObject(m, "host");
	cJSON *cpu = cJSON_AddObjectToObject(host, "cpu");
	cJSON_AddStringToObject(cpu, "brand", "Synthetic CPU @ 1.00GHz");
	cJSON_AddStringToObject(cpu, "arch", "x86_64");
	cJSON_AddBoolToObject(cJSON_AddObjectToObject(host, "counters"), "hardware_pmu", 0);
	cJSON *cmds = cJSON_AddArrayToObject(m, "commands");
	cJSON *c = cJSON_CreateObject();
	cJSON_AddStringToObject(c, "start", "2024-05-01T10:00:00Z");
	cJSON_AddStringToObject(c, "end", "2024-05-01T11:00:00Z");
	cJSON_AddItemToArray(cmds, c);
	char *s = cJSON_Print(m);
	snprintf(path, sizeof(path), "%s/meta.json", dir);
	FILE *fp = fopen(path, "w");
	cr_assert_not_null(fp);
	fputs(s, fp);
	fclose(fp);
	free(s);
	cJSON_Delete(m);
}

/* A fresh temporary directory (removed by synth_rmrf). */
static char *synth_tmpdir(void)
{
	char *d = strdup("/tmp/pp-model-test-XXXXXX");
	cr_assert_not_null(mkdtemp(d));
	return d;
}

static void synth_rmrf(const char *dir)
{
	char cmd[4200];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	cr_assert_eq(system(cmd), 0);
}

#endif
