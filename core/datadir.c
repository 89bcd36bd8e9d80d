#include "core/datadir.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

const char *pp_data_dir(void)
{
	const char *env = getenv("POWPRINT_DATA_DIR");
	if (env && env[0])
		return env;
	if (access(PP_SOURCE_DIR "/data/models", F_OK) == 0)
		return PP_SOURCE_DIR "/data";
	return PP_INSTALL_DATADIR;
}

int pp_default_model_path(bool hw_pmu, bool ebpf, char *buf, size_t len)
{
	if (hw_pmu) {
		snprintf(buf, len, "%s/models/pmu/model.json", pp_data_dir());
		if (access(buf, R_OK) == 0)
			return 0;
	}
	snprintf(buf, len, "%s/models/%s/model.json", pp_data_dir(),
		 ebpf ? "pmu-less" : "pmu-less-no-ebpf");
	return access(buf, R_OK) == 0 ? 0 : -ENOENT;
}
