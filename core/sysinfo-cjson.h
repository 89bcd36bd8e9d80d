/* The sysinfo snapshot as a cJSON tree, for callers that embed it (info --json, meta.json). */
#ifndef PP_CORE_SYSINFO_CJSON_H
#define PP_CORE_SYSINFO_CJSON_H

#include <cjson/cJSON.h>
#include <powprint/sysinfo.h>

cJSON *pp_sysinfo_to_cjson(const struct pp_sysinfo *si);

#endif
