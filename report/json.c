/* Reading the JSON inputs: absent, null and mistyped values all read as "missing" (NaN or
 * NULL), since profiles mark unavailable measurements with null. */
#include "report/report-priv.h"

#include "core/file.h"
#include "core/why.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

double rp_num(const cJSON *o, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
	return cJSON_IsNumber(v) ? v->valuedouble : NAN;
}

const char *rp_str(const cJSON *o, const char *key)
{
	return cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(o, key));
}

int rp_json_load(const char *path, cJSON **out, char *why, size_t len)
{
	char *text;
	size_t n;
	*out = NULL;
	int err = pp_file_read(path, &text, &n);
	if (err)
		return pp_why(why, len, err, "cannot read %s: %s", path, strerror(-err));
	const char *end = NULL;
	cJSON *root = cJSON_ParseWithLengthOpts(text, n, &end, false);
	if (!root) {
		/* cJSON points at where it gave up: at the end for a truncated file. */
		size_t at = end && end >= text && end <= text + n ? (size_t)(end - text) : n;
		int line = 1;
		for (size_t i = 0; i < at; i++)
			line += text[i] == '\n';
		bool truncated = at >= n || strspn(text + at, " \t\r\n") == n - at;
		free(text);
		return pp_why(why, len, -EINVAL, "%s is not valid JSON (%s at line %d, byte %zu); "
			      "it may have been cut short: write it again", path,
			      truncated ? "it ends too early" : "unexpected text", line, at);
	}
	free(text);
	*out = root;
	return 0;
}
