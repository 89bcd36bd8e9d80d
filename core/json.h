/* JSON output (docs/json.md): numbers printed with the precision they have, and one layout
 * rule. Every --json document and stream, and the agent's events, are printed here. Internal
 * to powprint. */
#ifndef PP_CORE_JSON_H
#define PP_CORE_JSON_H

#include <cjson/cJSON.h>

/* Significant digits of a measured value: more than the clocks and counters behind it hold. */
#define PP_JSON_DIGITS 6

enum pp_json_kind {
	PP_JSON_EXACT,    /* counts, settings, thresholds: as given (0.85 prints 0.85) */
	PP_JSON_MEASURED, /* times, rates, probabilities, floats: PP_JSON_DIGITS digits (a
			   * whole number is a count and stays whole) */
	PP_JSON_TIME,     /* a point in time in seconds (since the epoch or a start): to the ms */
};

/* v as a JSON number rounded for its kind; JSON null when v is NaN or infinite. */
cJSON *pp_json_number(double v, enum pp_json_kind kind);
/* Adds pp_json_number(v, kind) to object o as name; returns the item (NULL: out of memory). */
cJSON *pp_json_add_number(cJSON *o, const char *name, double v, enum pp_json_kind kind);

enum pp_json_layout {
	PP_JSON_DOCUMENT, /* one result: indented, one member per line */
	PP_JSON_LINE,     /* one record of a stream: compact, on one line */
};

/* Prints j (caller frees the text). Before that, the tree is tidied in place so no number
 * prints as noise: NaN and infinities become null, and a non-integer that needs more than
 * 15 digits to be read back (a computed or measured value no one typed, or a float widened
 * to double) is rounded to PP_JSON_DIGITS digits. NULL when out of memory. */
char *pp_json_print(cJSON *j, enum pp_json_layout layout);

#endif
