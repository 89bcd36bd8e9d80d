/* Loading a model for live use on this machine: the given path or the shipped default, with
 * the backends this machine offers checked against the ones the model needs. */
#include "core/datadir.h"

#include <errno.h>
#include <powprint/collect.h>
#include <powprint/model.h>
#include <stdio.h>
#include <string.h>

int pp_model_load_for_host(const char *path, struct pp_model **out, char *used, size_t used_len,
			   char *why, size_t len)
{
	struct pp_backend_status st[PP_BACKEND_MAX];
	const char *avail[PP_BACKEND_MAX];
	int navail = 0, nb = pp_collector_probe(st, PP_BACKEND_MAX);
	bool hw = false, ebpf = false;
	for (int i = 0; i < nb && i < PP_BACKEND_MAX; i++) {
		if (!st[i].available)
			continue;
		avail[navail++] = st[i].name;
		hw |= !strcmp(st[i].name, "perf-hw");
		ebpf |= !strcmp(st[i].name, "ebpf");
	}
	char def[4096];
	if (!path) {
		if (pp_default_model_path(hw, ebpf, def, sizeof(def)) < 0) {
			snprintf(why, len, "no model given and no shipped default at %s: pass --model "
				 "MODEL (train one with `powprint train`) or set POWPRINT_DATA_DIR",
				 def);
			return -ENOENT;
		}
		path = def;
	}
	if (used && used != path)
		snprintf(used, used_len, "%s", path);
	return pp_model_load(path, avail, navail, out, why, len);
}
