#include "bench/lib/tmp-dataset.h"

#include <stdio.h>
#include <unistd.h>

void pp_tmp_dataset_remove(const char *dir)
{
	static const char *const files[] = { "windows.csv", "meta.json" };
	char path[4096];
	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, files[i]);
		unlink(path);
	}
	rmdir(dir);
}
