/* meta.json (fingerprint/dataset/meta.c): any text, read beside a fixed valid windows.csv,
 * loads or fails cleanly, never crashes or leaks. What loads keeps the CSV's rows and columns
 * and describes its one source with strings the dataset owns: the host, the dates, the
 * available backends, and per feature either no backends (-ENOENT) or the ones meta.json
 * names. Both files are parsed in memory, by the functions pp_dataset_read uses. */
#include "fingerprint/dataset/dataset-priv.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static const char windows_csv[] =
	"run_id,workload,class,family,variant,threads,duty,soft_aes,huge_pages,window,t_start,"
	"t_end,task_clock_s,partial,raw.instructions,f.ipc,f.l1d_miss_rate\r\n"
	"0,cn/r,miner,cryptonight,cn/r,2,100,0,auto,0,0,1,1.9,0,1000,1.5,0.01\r\n"
	"1,sqlite,benign,,,1,50,,,0,0,1,0.5,1,,0.9,\r\n";

static void check_str(const char *s)
{
	if (!s)
		abort();
	(void)strlen(s);  /* ASan: a NUL-terminated string the dataset owns */
}

static void check(const struct pp_dataset *ds)
{
	if (pp_dataset_nrows(ds) != 2 || pp_dataset_nfeatures(ds) != 2 || pp_dataset_nraw(ds) != 1 ||
	    pp_dataset_nruns(ds) != 2 || pp_dataset_nsources(ds) != 1)
		abort();
	const struct pp_dataset_source *s = pp_dataset_source(ds, 0);
	if (!s || pp_dataset_source(ds, 1) || s->feature_version != pp_dataset_feature_version(ds))
		abort();
	check_str(s->dir);
	check_str(s->host_cpu);
	check_str(s->host_arch);
	check_str(s->first_start);
	check_str(s->last_end);
	if (s->host_hw_pmu < -1 || s->host_hw_pmu > 1 || s->nbackends < 0 || !s->backends)
		abort();
	for (int i = 0; i < s->nbackends; i++)
		check_str(s->backends[i]);
	if (s->backends[s->nbackends])
		abort();  /* NULL-terminated */
	for (int j = 0; j < pp_dataset_nfeatures(ds); j++) {
		const char *const *names = NULL;
		int n = pp_dataset_feature_backends(ds, j, &names);
		if (n == -ENOENT)
			continue;
		if (n < 0 || n > 16 || !names)
			abort();
		for (int i = 0; i < n; i++)
			check_str(names[i]);
	}
	if (pp_dataset_feature_backends(ds, 2, &(const char *const *){ NULL }) != -EINVAL)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char why[512] = "";
	struct ds_meta m;
	int err = ds_meta_parse((const char *)data, size, "fuzz/meta.json", &m, why, sizeof(why));
	if (err) {
		ds_meta_free(&m);
		if (!why[0] && err != -ENOMEM)
			abort();  /* every failure says why */
		return 0;
	}
	char csv[sizeof(windows_csv)];
	memcpy(csv, windows_csv, sizeof(csv));  /* parsed in place */
	struct pp_dataset *ds = NULL;
	err = ds_csv_parse(csv, sizeof(csv) - 1, &m, "fuzz", "fuzz/windows.csv", &ds, why,
			   sizeof(why));
	ds_meta_free(&m);  /* the dataset keeps no pointer into meta.json's tree */
	if (err) {
		if (!why[0] && err != -ENOMEM)
			abort();
		return 0;
	}
	check(ds);
	pp_dataset_free(ds);
	return 0;
}
