/* A machine profile as `powprint profile` writes it (format "powprint-profile"), checked
 * before anything is drawn so a bad file fails the report with a sentence, not a figure with
 * holes. */
#include "report/report-priv.h"

#include "core/why.h"

#include <errno.h>
#include <math.h>
#include <powprint/report.h>
#include <stdio.h>
#include <string.h>

static const char *base_name(const char *path)
{
	const char *s = strrchr(path, '/');
	return s ? s + 1 : path;
}

/* key, when present and not null, must be of the given type. */
static int check_type(const struct rp_profile *p, const char *key, bool array, char *why,
		      size_t len)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(p->root, key);
	if (!v || cJSON_IsNull(v) || (array ? cJSON_IsArray(v) : cJSON_IsObject(v)))
		return 0;
	return pp_why(why, len, -EINVAL, "%s: '%s' should be %s; the file is damaged or not "
		      "written by powprint profile", p->path, key, array ? "an array" : "an object");
}

int rp_profile_load(const char *path, struct rp_profile *p, char *why, size_t len)
{
	*p = (struct rp_profile){ .path = path };
	int err = rp_json_load(path, &p->root, why, len);
	if (err)
		return err;
	if (!cJSON_IsObject(p->root)) {
		err = pp_why(why, len, -EINVAL, "%s is JSON but not a powprint profile (not an "
			     "object); pass the file that powprint profile writes", path);
		goto fail;
	}
	const char *format = rp_str(p->root, "format");
	if (!format || strcmp(format, "powprint-profile")) {
		const char *hint = cJSON_HasObjectItem(p->root, "window") &&
			cJSON_HasObjectItem(p->root, "per_workload") ?
			" (it looks like an eval report: pass it with --eval)" : "";
		err = pp_why(why, len, -EINVAL, "%s is not a powprint profile: its format is '%s', "
			     "expected 'powprint-profile'%s; pass the file that powprint profile "
			     "writes", path, format ? format : "(none)", hint);
		goto fail;
	}
	double v = rp_num(p->root, "format_version");
	if (isnan(v) || v < 1 || v != floor(v)) {
		err = pp_why(why, len, -EINVAL, "%s: format_version is missing or not a whole "
			     "number from 1; the file is damaged: write it again with powprint "
			     "profile", path);
		goto fail;
	}
	if (v > PP_REPORT_PROFILE_VERSION) {
		err = pp_why(why, len, -EINVAL, "%s has format_version %.0f: it was written by a "
			     "newer powprint (this one reads up to %d); upgrade powprint to report "
			     "on it", path, v, PP_REPORT_PROFILE_VERSION);
		goto fail;
	}
	static const char *const objects[] = { "machine", "memory", "fingerprints" };
	for (size_t i = 0; i < sizeof(objects) / sizeof(objects[0]); i++)
		if ((err = check_type(p, objects[i], false, why, len)))
			goto fail;
	if ((err = check_type(p, "hash", true, why, len)))
		goto fail;
	p->hash = cJSON_GetObjectItemCaseSensitive(p->root, "hash");
	p->memory = cJSON_GetObjectItemCaseSensitive(p->root, "memory");
	p->fingerprints = cJSON_GetObjectItemCaseSensitive(p->root, "fingerprints");
	p->machine = cJSON_GetObjectItemCaseSensitive(p->root, "machine");
	const cJSON *e;
	cJSON_ArrayForEach(e, p->hash) {
		if (!cJSON_IsObject(e) || !rp_str(e, "algo")) {
			err = pp_why(why, len, -EINVAL, "%s: an entry of 'hash' has no algo; the file "
				     "is damaged: write it again with powprint profile", path);
			goto fail;
		}
	}
	/* The label names the machine's series; the CPU's brand or the file name stand in. */
	const char *label = rp_str(p->root, "label");
	if (!label || !label[0])
		label = rp_str(cJSON_GetObjectItemCaseSensitive(p->machine, "cpu"), "brand");
	if (!label || !label[0])
		label = base_name(path);
	snprintf(p->label, sizeof(p->label), "%s", label);
	return 0;
fail:
	rp_profile_free(p);
	return err;
}

void rp_profile_free(struct rp_profile *p)
{
	cJSON_Delete(p->root);
	p->root = NULL;
}
