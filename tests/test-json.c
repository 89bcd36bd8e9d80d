/* JSON output (core/json.c, fingerprint/agent/json-shapes.c, docs/json.md): numbers print
 * with the precision they have, one layout per kind of output, one shape per concept. */
#include "core/json.h"
#include "fingerprint/agent/json-shapes.h"

#include <criterion/criterion.h>
#include <math.h>
#include <powprint/agent.h>
#include <powprint/model.h>
#include <stdlib.h>
#include <string.h>

/* The text one number prints as, alone in a compact object. */
static char *number_text(double v, enum pp_json_kind kind)
{
	cJSON *o = cJSON_CreateObject();
	pp_json_add_number(o, "v", v, kind);
	char *s = pp_json_print(o, PP_JSON_LINE);
	cJSON_Delete(o);
	cr_assert_not_null(s);
	cr_assert(!strncmp(s, "{\"v\":", 5) && s[strlen(s) - 1] == '}', "%s", s);
	char *t = strndup(s + 5, strlen(s) - 6);
	cJSON_free(s);
	return t;
}

static const struct {
	int line;
	double v;
	enum pp_json_kind kind;
	const char *want;
} numbers[] = {
	{ __LINE__, 0.85, PP_JSON_EXACT, "0.85" },          /* a threshold, as configured */
	{ __LINE__, 0.85, PP_JSON_MEASURED, "0.85" },
	{ __LINE__, (double)4.82e-06f, PP_JSON_MEASURED, "4.82e-06" }, /* a float's contribution */
	{ __LINE__, 0.21791634200053522, PP_JSON_MEASURED, "0.217916" },
	{ __LINE__, 12345678, PP_JSON_MEASURED, "12345678" }, /* a count keeps every digit */
	{ __LINE__, 123456789012345.0, PP_JSON_EXACT, "123456789012345" },
	{ __LINE__, 1712345678.1234567, PP_JSON_TIME, "1712345678.123" },
	{ __LINE__, 0.2095, PP_JSON_TIME, "0.209" },      /* 0.2095 is 0.20949999... as a double */
	{ __LINE__, -3.5, PP_JSON_MEASURED, "-3.5" },
	{ __LINE__, NAN, PP_JSON_MEASURED, "null" },
	{ __LINE__, INFINITY, PP_JSON_EXACT, "null" },
};

Test(json, numbers_print_the_precision_they_have)
{
	for (size_t i = 0; i < sizeof(numbers) / sizeof(numbers[0]); i++) {
		char *t = number_text(numbers[i].v, numbers[i].kind);
		cr_expect_str_eq(t, numbers[i].want, "line %d: %.17g printed %s", numbers[i].line,
				 numbers[i].v, t);
		free(t);
	}
}

/* A number added without a kind (cJSON_AddNumberToObject, a library's document) still never
 * prints float noise or NaN: the printer tidies what needs 17 digits, and leaves alone what
 * 15 digits read back exactly. */
Test(json, printer_tidies_noise_left_by_others)
{
	cJSON *o = cJSON_CreateObject();
	cJSON_AddNumberToObject(o, "noise", (double)0.1f);
	cJSON_AddNumberToObject(o, "ratio", 1.0 / 30);
	cJSON_AddNumberToObject(o, "typed", 0.123456789012345);
	cJSON_AddNumberToObject(o, "nan", NAN);
	cJSON *a = cJSON_AddArrayToObject(o, "deep");
	cJSON_AddItemToArray(a, cJSON_CreateNumber(2.0 / 3));
	char *s = pp_json_print(o, PP_JSON_LINE);
	cr_assert_str_eq(s, "{\"noise\":0.1,\"ratio\":0.0333333,\"typed\":0.123456789012345,"
			 "\"nan\":null,\"deep\":[0.666667]}");
	cJSON_free(s);
	cJSON_Delete(o);
}

/* Documents are indented one member per line; a stream's records are one line each. */
Test(json, layouts)
{
	cJSON *o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "a", "x");
	cJSON_AddItemToObject(o, "b", pp_window_json(3, 0.5, 0.75));
	char *doc = pp_json_print(o, PP_JSON_DOCUMENT), *line = pp_json_print(o, PP_JSON_LINE);
	cr_assert(!strncmp(doc, "{\n\t\"a\":", 7), "%s", doc);
	cr_assert_gt(strchr(strchr(doc, '\n') + 1, '\n') - doc, 0, "one member per line: %s", doc);
	cr_assert_null(strchr(line, '\n'), "%s", line);
	cr_assert_str_eq(line, "{\"a\":\"x\",\"b\":{\"window\":3,\"start_s\":0.5,\"end_s\":0.75}}");
	cJSON_free(doc);
	cJSON_free(line);
	cJSON_Delete(o);
}

static struct pp_model *shipped(void)
{
	struct pp_model *m;
	char why[1024] = "";
	cr_assert_eq(pp_model_load(PP_SOURCE_DIR "/data/models/pmu-less", NULL, 0, &m, why,
				   sizeof(why)), 0, "%s", why);
	return m;
}

/* The nearest fingerprint is an object with every member, or null: never a bare name. */
Test(json, nearest_shape)
{
	struct pp_verdict v = { .nearest = 2, .nearest_workload = "zstd",
				.nearest_family = "compression", .nearest_knobs = "",
				.distance = 1.23456789, .nused = 7 };
	cJSON *n = pp_nearest_json(&v);
	char *s = pp_json_print(n, PP_JSON_LINE);
	cr_assert_str_eq(s, "{\"workload\":\"zstd\",\"family\":\"compression\",\"knobs\":\"\","
			 "\"class\":\"benign\",\"distance\":1.23457,\"features_used\":7}");
	cJSON_free(s);
	cJSON_Delete(n);
	/* No feature in common: the distance is unknown, not 0 or NaN. */
	v.nused = 0;
	n = pp_nearest_json(&v);
	cr_assert(cJSON_IsNull(cJSON_GetObjectItem(n, "distance")));
	cJSON_Delete(n);
	v.nearest = -1;
	n = pp_nearest_json(&v);
	cr_assert(cJSON_IsNull(n));
	cJSON_Delete(n);
}

/* Contributions carry the model's full feature name under "contribution", whoever prints
 * them; a verdict has the same members in classify, bench and the agent's events. */
Test(json, verdict_and_contributions_shape)
{
	struct pp_model *m = shipped();
	int nf = pp_model_nfeatures(m);
	double *x = calloc((size_t)nf, sizeof(*x));
	struct pp_verdict v;
	cr_assert_eq(pp_model_predict(m, x, nf, &v), 0);
	cr_assert_gt(v.ntop, 0);
	cJSON *o = cJSON_CreateObject();
	pp_verdict_json_add(o, m, &v, true, NULL);
	const char *want[] = { "verdict", "p_miner", "threshold", "nearest", "top_features" };
	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++)
		cr_assert(cJSON_HasObjectItem(o, want[i]), "no %s", want[i]);
	cr_assert_str_eq(cJSON_GetStringValue(cJSON_GetObjectItem(o, "verdict")), "miner");
	cr_assert_float_eq(cJSON_GetNumberValue(cJSON_GetObjectItem(o, "threshold")),
			   pp_model_threshold(m), 0);
	cJSON *c;
	int k = 0;
	cJSON_ArrayForEach(c, cJSON_GetObjectItem(o, "top_features")) {
		const char *f = cJSON_GetStringValue(cJSON_GetObjectItem(c, "feature"));
		cr_assert_str_eq(f, pp_model_feature_name(m, v.top[k].feature));
		cr_assert(!strncmp(f, "f.", 2), "%s", f);
		cr_assert(cJSON_IsNumber(cJSON_GetObjectItem(c, "contribution")));
		cr_assert_not(cJSON_HasObjectItem(c, "contrib"));
		cr_assert_not(cJSON_HasObjectItem(c, "value"), "no values were given");
		k++;
	}
	cr_assert_eq(k, v.ntop);
	cJSON_Delete(o);

	/* The agent's alert carries the same members. */
	struct pp_agent_proc p = { .pid = 42, .ppid = 1, .uid = 0, .comm = "xmrig" };
	struct pp_agent_event ev = { .type = PP_EV_ALERT, .time_unix = 1e9, .proc = &p,
				     .verdict = &v, .model = m, .smooth_k = 3, .smooth_n = 5 };
	char *line = pp_agent_event_json(&ev, "host");
	cr_assert_not_null(line);
	cr_assert_null(strchr(line, '\n'), "an event is one line: %s", line);
	cJSON *e = cJSON_Parse(line);
	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++)
		cr_assert(cJSON_HasObjectItem(e, want[i]), "the event has no %s: %s", want[i], line);
	cJSON *t0 = cJSON_GetArrayItem(cJSON_GetObjectItem(e, "top_features"), 0);
	cr_assert(cJSON_HasObjectItem(t0, "contribution"), "%s", line);
	cJSON_Delete(e);
	free(line);
	free(x);
	pp_model_free(m);
}

/* A hash rate result: the same object for `hash --json` and each of bench's hash entries. */
Test(json, hash_result_shape)
{
	struct pp_mine_opts o = { .sz = sizeof(o), .duty_pct = 0, .height = 7 };
	struct pp_mine_result r = { .hashes = 10, .seconds = 0.5000001, .hps = 19.9999996,
				    .threads = 2, .thread_hps = { 10.0000001, 9.99999 },
				    .verified = true,
				    .info = { .algo = "cn/0", .family = "cryptonight",
					      .aes_backend = "soft", .pages = "normal",
					      .exec = "native", .scratchpad_bytes = 2097152 } };
	cJSON *j = pp_mine_result_json(&o, &r);
	char *s = pp_json_print(j, PP_JSON_LINE);
	cr_assert_str_eq(s, "{\"algo\":\"cn/0\",\"family\":\"cryptonight\",\"threads\":2,"
			 "\"aes_backend\":\"soft\",\"pages\":\"normal\",\"exec\":\"native\","
			 "\"scratchpad_bytes\":2097152,\"init_seconds\":0,\"seconds\":0.5,"
			 "\"hashes\":10,\"hps\":20,\"thread_hps\":[10,9.99999],\"duty_pct\":100,"
			 "\"height\":7,\"verified\":true}");
	cJSON_free(s);
	cJSON_Delete(j);
}
