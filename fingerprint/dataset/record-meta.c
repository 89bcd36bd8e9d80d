/* What the recorder requires of an existing meta.json before appending to its dataset: the
 * same sampling settings and feature-vector version, and run ids after the last one. The
 * file's format, read and written, is in meta.c. */
#include "fingerprint/dataset/record-priv.h"

#include <errno.h>
#include <powprint/features.h>
#include <stdio.h>

static int check_number(cJSON *meta, const char *key, double want, const char *opt,
			const char *dir, char *why, size_t len)
{
	cJSON *v = cJSON_GetObjectItem(meta, key);
	if (!cJSON_IsNumber(v) || v->valuedouble == want)
		return 0;
	snprintf(why, len, "%s was recorded with %s %g, this recording uses %g: windows of "
		 "different settings do not mix; use %s %g or record into a new directory",
		 dir, key, v->valuedouble, want, opt, v->valuedouble);
	return -EINVAL;
}

int rec_meta_check(cJSON *meta, const struct pp_collect_opts *co, const char *dir, char *why,
		   size_t len)
{
	int err = check_number(meta, "interval_ms", co->interval_ms, "--interval", dir, why, len);
	if (!err)
		err = check_number(meta, "sample_hz", co->sample_hz, "--freq", dir, why, len);
	cJSON *fv = cJSON_GetObjectItem(meta, "feature_version");
	if (!err && cJSON_IsNumber(fv) && fv->valueint != PP_FEATURES_VERSION) {
		snprintf(why, len, "%s holds feature-vector version %d, this powprint computes "
			 "version %d; record into a new directory", dir, fv->valueint,
			 PP_FEATURES_VERSION);
		err = -EINVAL;
	}
	return err;
}

long rec_meta_next_run_id(cJSON *meta, const struct pp_dataset *ds)
{
	long next = 0;
	cJSON *it;
	cJSON_ArrayForEach(it, cJSON_GetObjectItem(meta, "runs")) {
		cJSON *id = cJSON_GetObjectItem(it, "run_id");
		if (cJSON_IsNumber(id) && (long)id->valuedouble >= next)
			next = (long)id->valuedouble + 1;
	}
	for (int i = 0; ds && i < pp_dataset_nrows(ds); i++)
		if (pp_dataset_row(ds, i)->run_id >= next)
			next = pp_dataset_row(ds, i)->run_id + 1;
	return next;
}
