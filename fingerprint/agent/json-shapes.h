/* The JSON shapes that more than one command prints, built in one place so each concept has
 * one shape everywhere (docs/json.md; their schemas are in docs/schemas/defs.schema.json):
 * a verdict's members, the nearest fingerprint, feature contributions, a window and a hash
 * rate result. Here, the highest layer that both the CLI and the agent (events) and bench
 * see. Every string a model file or a process supplies goes in as valid UTF-8. */
#ifndef PP_FINGERPRINT_AGENT_JSON_SHAPES_H
#define PP_FINGERPRINT_AGENT_JSON_SHAPES_H

#include "core/json.h"

#include <powprint/mine.h>
#include <powprint/model.h>

#include <stdbool.h>
#include <stdint.h>

/* {workload, family, knobs, class, distance, features_used}; JSON null when v names no
 * fingerprint. */
cJSON *pp_nearest_json(const struct pp_verdict *v);

/* [{feature, contribution[, value]}], most telling first: feature is the model's full name
 * ("f.ip_aes"), contribution its log-odds push (> 0 towards miner). values, when not NULL,
 * holds a value per model feature (indexed like the model's features) to show beside it;
 * a NaN one is left out. */
cJSON *pp_contributions_json(const struct pp_model *m, const struct pp_verdict *v,
			     const double *values);

/* {fired, nondefault_share, preemptions, evidence}: the rounding-mode rule's say. */
cJSON *pp_rounding_rule_json(const struct pp_verdict *v);

/* Adds a verdict's members to o: verdict ("miner" when miner, else "benign": the decision,
 * smoothed or not, that the caller reports), p_miner, threshold, rounding_rule (when the rule
 * fired or saw preemptions), nearest and top_features. values: as pp_contributions_json. */
void pp_verdict_json_add(cJSON *o, const struct pp_model *m, const struct pp_verdict *v,
			 bool miner, const double *values);

/* {window, start_s, end_s}: a window's index and its bounds in seconds since the collector
 * started; start_s is left out when NaN (a dataset row keeps only the end). */
cJSON *pp_window_json(uint64_t index, double start_s, double end_s);

/* A hash rate run (pp_mine_run with opts o): algo, family, threads, aes_backend, pages, exec,
 * scratchpad_bytes, init_seconds, seconds, hashes, hps, thread_hps, duty_pct, height,
 * verified. */
cJSON *pp_mine_result_json(const struct pp_mine_opts *o, const struct pp_mine_result *r);

#endif
