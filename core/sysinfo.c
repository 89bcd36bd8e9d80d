/* Placeholder while the real probe is written. */
#include <powprint/sysinfo.h>
#include <stdlib.h>
#include <string.h>
void pp_sysinfo_read(struct pp_sysinfo *si) { memset(si, 0, sizeof(*si)); }
char *pp_sysinfo_json(const struct pp_sysinfo *si) { (void)si; return strdup("{}"); }
const char *pp_cpu_feature_name(enum pp_cpu_feature f) { (void)f; return "?"; }
