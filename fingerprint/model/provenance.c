/* Which runs a model was trained on. Train records a digest of each training run in
 * model.json (training.run_digests), so classify can say when it scores the model's own
 * training data: there p(miner) and the nearest-fingerprint distances are in-sample (the
 * run's own windows made its fingerprint: distance 0.00), not evidence of how it generalises.
 * Directory names cannot say it: datasets move, and train reads them from temporary copies. */
#include "fingerprint/model/model-priv.h"

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static uint64_t fnv(uint64_t h, const void *p, size_t n)
{
	const unsigned char *b = p;
	for (size_t i = 0; i < n; i++)
		h = (h ^ b[i]) * 0x100000001b3ull;
	return h;
}

static uint64_t mix(uint64_t z)
{
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

/* One row's identity: its workload, run id, window, timing, task clock and the values of the
 * model's features (map: their columns in ds, -1 when absent). Read back from windows.csv,
 * the same row gives the same bits whichever directory or order it is read in; the model's
 * features are the columns every training row had, whatever else the directories held. */
static uint64_t row_digest(const struct pp_dataset *ds, int i, const int *map, int nf)
{
	const struct pp_dataset_row *r = pp_dataset_row(ds, i);
	const double *x = pp_dataset_features(ds, i);
	uint64_t h = fnv(0xcbf29ce484222325ull, r->workload, strlen(r->workload));
	for (int j = 0; j < nf; j++) {
		double v = map[j] >= 0 ? x[map[j]] : NAN;
		if (isnan(v))
			v = NAN; /* one NaN, whatever its payload */
		h = fnv(h, &v, sizeof(v));
	}
	long id = r->run_id;
	int win = r->window;
	h = fnv(h, &id, sizeof(id));
	h = fnv(h, &win, sizeof(win));
	h = fnv(h, &r->t_start, sizeof(r->t_start));
	h = fnv(h, &r->t_end, sizeof(r->t_end));
	h = fnv(h, &r->task_clock_s, sizeof(r->task_clock_s));
	return mix(h);
}

cJSON *pp_model_run_digests(const struct pp_model *m, const struct pp_dataset *ds,
			    const int *rows, int nrows)
{
	int nruns = pp_dataset_nruns(ds);
	uint64_t *d = calloc((size_t)nruns + 1, sizeof(*d));
	int *cnt = calloc((size_t)nruns + 1, sizeof(*cnt));
	int *map = malloc(((size_t)m->nf + 1) * sizeof(*map));
	cJSON *a = cJSON_CreateArray();
	if (!d || !cnt || !map || !a) {
		free(d);
		free(cnt);
		free(map);
		cJSON_Delete(a);
		return NULL;
	}
	pp_model_bind(m, ds, map);
	/* A run's digest: the sum of its rows' digests, so their order does not matter. */
	for (int i = 0; i < nrows; i++) {
		int run = pp_dataset_row(ds, rows[i])->run;
		d[run] += row_digest(ds, rows[i], map, m->nf);
		cnt[run]++;
	}
	for (int r = 0; r < nruns; r++) {
		if (!cnt[r])
			continue;
		char hex[17];
		snprintf(hex, sizeof(hex), "%016" PRIx64, d[r] + mix((uint64_t)cnt[r]));
		cJSON_AddItemToArray(a, cJSON_CreateString(hex));
	}
	free(d);
	free(cnt);
	free(map);
	return a;
}

int pp_model_trained_on(const struct pp_model *m, const struct pp_dataset *ds, const int *rows,
			int n)
{
	const cJSON *a = cJSON_GetObjectItem(m->training, "run_digests"), *it;
	if (!cJSON_IsArray(a))
		return -ENOENT;
	int *map = malloc(((size_t)m->nf + 1) * sizeof(*map));
	if (!map)
		return -ENOMEM;
	pp_model_bind(m, ds, map);
	uint64_t d = mix((uint64_t)n);
	for (int i = 0; i < n; i++)
		d += row_digest(ds, rows[i], map, m->nf);
	free(map);
	char hex[17];
	snprintf(hex, sizeof(hex), "%016" PRIx64, d);
	cJSON_ArrayForEach(it, a)
		if (cJSON_IsString(it) && !strcmp(it->valuestring, hex))
			return 1;
	return 0;
}

int pp_model_trained_near(const struct pp_model *m, const struct pp_dataset *ds, int source)
{
	const struct pp_dataset_source *src = pp_dataset_source(ds, source);
	const char *first = cJSON_GetStringValue(cJSON_GetObjectItem(m->training, "first_start"));
	const char *last = cJSON_GetStringValue(cJSON_GetObjectItem(m->training, "last_end"));
	if (!src || !first || !last || !first[0] || !last[0] || !src->first_start[0] ||
	    !src->last_end[0])
		return -ENOENT;
	/* ISO 8601 in UTC compares as text. */
	if (strcmp(src->first_start, first) < 0 || strcmp(src->last_end, last) > 0)
		return 0;
	const cJSON *h;
	cJSON_ArrayForEach(h, cJSON_GetObjectItem(m->training, "hosts")) {
		const char *cpu = cJSON_GetStringValue(cJSON_GetObjectItem(h, "cpu"));
		if (cpu && !strcmp(cpu, src->host_cpu))
			return 1;
	}
	return 0;
}
