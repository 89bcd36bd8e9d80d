/* Numbers and layout of powprint's JSON output (core/json.h, docs/json.md). cJSON prints a
 * number with 15 digits when they read back (nearly) as it, else 17, so a double that
 * came from a float (4.819999958272092e-06) or from arithmetic prints its noise: rounding
 * to the digits a value has, through its decimal text, leaves a double that 15 digits read
 * back exactly, and cJSON then prints that text. */
#include "core/json.h"

#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>

/* v rounded to `digits` significant digits, the double its decimal text reads back as. */
static double round_digits(double v, int digits)
{
	char buf[40];
	snprintf(buf, sizeof(buf), "%.*g", digits, v);
	return strtod(buf, NULL);
}

static bool needs_17_digits(double v)
{
	return round_digits(v, 15) != v;
}

static double round_kind(double v, enum pp_json_kind kind)
{
	switch (kind) {
	case PP_JSON_MEASURED: /* a whole number is a count: every digit of it is known */
		return v == floor(v) ? v : round_digits(v, PP_JSON_DIGITS);
	case PP_JSON_TIME: {
		char buf[40];
		snprintf(buf, sizeof(buf), "%.3f", v);
		return strtod(buf, NULL);
	}
	case PP_JSON_EXACT:
		break;
	}
	return v;
}

cJSON *pp_json_number(double v, enum pp_json_kind kind)
{
	return isfinite(v) ? cJSON_CreateNumber(round_kind(v, kind)) : cJSON_CreateNull();
}

cJSON *pp_json_add_number(cJSON *o, const char *name, double v, enum pp_json_kind kind)
{
	cJSON *n = pp_json_number(v, kind);
	if (n && !cJSON_AddItemToObject(o, name, n)) {
		cJSON_Delete(n);
		return NULL;
	}
	return n;
}

static void tidy(cJSON *j)
{
	if (cJSON_IsNumber(j)) {
		double v = j->valuedouble;
		if (!isfinite(v))
			j->type = cJSON_NULL | (j->type & (cJSON_IsReference | cJSON_StringIsConst));
		else if (v != floor(v) && needs_17_digits(v))
			cJSON_SetNumberValue(j, round_digits(v, PP_JSON_DIGITS));
	}
	for (cJSON *c = j->child; c; c = c->next)
		tidy(c);
}

char *pp_json_print(cJSON *j, enum pp_json_layout layout)
{
	if (!j)
		return NULL;
	tidy(j);
	return layout == PP_JSON_LINE ? cJSON_PrintUnformatted(j) : cJSON_Print(j);
}
