/* An evaluation report (`powprint eval --json`), checked for the fields the figures need:
 * the window-level confusion counts and the per-workload rates. The ROC points (window.roc)
 * are optional: reports from before they existed still give the other two figures. */
#include "report/report-priv.h"

#include "core/why.h"

#include <errno.h>
#include <math.h>
#include <string.h>

static const char *const needed[] = { "tp", "fp", "tn", "fn" };

int rp_eval_load(const char *path, cJSON **out, char *why, size_t len)
{
	cJSON *r;
	int err = rp_json_load(path, &r, why, len);
	if (err)
		return err;
	const char *missing = NULL;
	const cJSON *w = cJSON_GetObjectItemCaseSensitive(r, "window");
	const cJSON *pw = cJSON_GetObjectItemCaseSensitive(r, "per_workload");
	if (!cJSON_IsObject(w))
		missing = "window";
	for (size_t i = 0; !missing && i < sizeof(needed) / sizeof(needed[0]); i++)
		if (isnan(rp_num(w, needed[i])))
			missing = needed[i];
	if (!missing && !cJSON_IsArray(pw))
		missing = "per_workload";
	const cJSON *e;
	if (!missing)
		cJSON_ArrayForEach(e, pw)
			if (!rp_str(e, "workload") || !rp_str(e, "class"))
				missing = "per_workload[].workload or .class";
	if (missing) {
		cJSON_Delete(r);
		return pp_why(why, len, -EINVAL, "%s is not a report of powprint eval --json: it "
			      "lacks %s%s; make one with powprint eval --data DIR --json > FILE", path,
			      !strcmp(missing, "window") || !strncmp(missing, "per_", 4) ? "" :
			      "window.", missing);
	}
	*out = r;
	return 0;
}
