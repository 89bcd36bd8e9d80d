/* The shared JSON shapes (fingerprint/agent/json-shapes.h, docs/json.md). */
#include "fingerprint/agent/json-shapes.h"
#include "fingerprint/agent/agent-priv.h"

#include <math.h>
#include <stdlib.h>

/* A model's workload and feature names come from its files, which anyone may write. */
static void add_text(cJSON *o, const char *k, const char *v)
{
	char *clean = agent_text_dup_utf8(v ? v : "");
	cJSON_AddItemToObject(o, k, clean ? cJSON_CreateString(clean) : cJSON_CreateNull());
	free(clean);
}

cJSON *pp_nearest_json(const struct pp_verdict *v)
{
	if (!v || v->nearest < 0)
		return cJSON_CreateNull();
	cJSON *n = cJSON_CreateObject();
	add_text(n, "workload", v->nearest_workload);
	add_text(n, "family", v->nearest_family);
	add_text(n, "knobs", v->nearest_knobs);
	cJSON_AddStringToObject(n, "class", v->nearest_miner ? "miner" : "benign");
	/* NaN (null) when no feature was in common with any fingerprint. */
	pp_json_add_number(n, "distance", v->nused > 0 ? v->distance : NAN, PP_JSON_MEASURED);
	pp_json_add_number(n, "features_used", v->nused, PP_JSON_EXACT);
	return n;
}

cJSON *pp_contributions_json(const struct pp_model *m, const struct pp_verdict *v,
			     const double *values)
{
	cJSON *t = cJSON_CreateArray();
	for (int k = 0; v && m && k < v->ntop; k++) {
		int j = v->top[k].feature;
		cJSON *e = cJSON_CreateObject();
		add_text(e, "feature", pp_model_feature_name(m, j));
		pp_json_add_number(e, "contribution", v->top[k].contrib, PP_JSON_MEASURED);
		if (values && isfinite(values[j]))
			pp_json_add_number(e, "value", values[j], PP_JSON_MEASURED);
		cJSON_AddItemToArray(t, e);
	}
	return t;
}

cJSON *pp_rounding_rule_json(const struct pp_verdict *v)
{
	char text[128];
	cJSON *r = cJSON_CreateObject();
	cJSON_AddBoolToObject(r, "fired", v->rule);
	pp_json_add_number(r, "nondefault_share", v->round_share, PP_JSON_MEASURED);
	pp_json_add_number(r, "preemptions", v->round_preemptions, PP_JSON_EXACT);
	add_text(r, "evidence", pp_round_describe(v, text, sizeof(text)));
	return r;
}

void pp_verdict_json_add(cJSON *o, const struct pp_model *m, const struct pp_verdict *v,
			 bool miner, const double *values)
{
	cJSON_AddStringToObject(o, "verdict", miner ? "miner" : "benign");
	pp_json_add_number(o, "p_miner", v ? v->p_miner : NAN, PP_JSON_MEASURED);
	pp_json_add_number(o, "threshold", m ? pp_model_threshold(m) : NAN, PP_JSON_EXACT);
	if (v && (v->rule || v->round_preemptions > 0))
		cJSON_AddItemToObject(o, "rounding_rule", pp_rounding_rule_json(v));
	cJSON_AddItemToObject(o, "nearest", pp_nearest_json(v));
	cJSON_AddItemToObject(o, "top_features", pp_contributions_json(m, v, values));
}

cJSON *pp_window_json(uint64_t index, double start_s, double end_s)
{
	cJSON *w = cJSON_CreateObject();
	pp_json_add_number(w, "window", (double)index, PP_JSON_EXACT);
	if (!isnan(start_s))
		pp_json_add_number(w, "start_s", start_s, PP_JSON_TIME);
	pp_json_add_number(w, "end_s", end_s, PP_JSON_TIME);
	return w;
}

static const char *or_unknown(const char *s)
{
	return s && s[0] ? s : "unknown";
}

cJSON *pp_mine_result_json(const struct pp_mine_opts *o, const struct pp_mine_result *r)
{
	cJSON *j = cJSON_CreateObject();
	cJSON_AddStringToObject(j, "algo", or_unknown(r->info.algo));
	cJSON_AddStringToObject(j, "family", or_unknown(r->info.family));
	pp_json_add_number(j, "threads", r->threads, PP_JSON_EXACT);
	cJSON_AddStringToObject(j, "aes_backend", or_unknown(r->info.aes_backend));
	cJSON_AddStringToObject(j, "pages", or_unknown(r->info.pages));
	cJSON_AddStringToObject(j, "exec", or_unknown(r->info.exec));
	pp_json_add_number(j, "scratchpad_bytes", (double)r->info.scratchpad_bytes, PP_JSON_EXACT);
	pp_json_add_number(j, "init_seconds", r->info.init_seconds, PP_JSON_MEASURED);
	pp_json_add_number(j, "seconds", r->seconds, PP_JSON_MEASURED);
	pp_json_add_number(j, "hashes", (double)r->hashes, PP_JSON_EXACT);
	pp_json_add_number(j, "hps", r->hps, PP_JSON_MEASURED);
	cJSON *t = cJSON_AddArrayToObject(j, "thread_hps");
	for (int i = 0; i < r->threads; i++)
		cJSON_AddItemToArray(t, pp_json_number(r->thread_hps[i], PP_JSON_MEASURED));
	pp_json_add_number(j, "duty_pct", o->duty_pct ? o->duty_pct : 100, PP_JSON_EXACT);
	pp_json_add_number(j, "height", (double)o->height, PP_JSON_EXACT);
	cJSON_AddBoolToObject(j, "verified", r->verified);
	return j;
}
