/* Core PMU discovery from /sys/bus/event_source/devices. */
#include "core/pmus.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int cmp_type(const void *a, const void *b)
{
	const struct pp_core_pmu *x = a, *y = b;
	return x->type < y->type ? -1 : x->type > y->type;
}

int pp_core_pmus(const char *sysfs_root, struct pp_core_pmu *out, int max)
{
	char dir[512], path[1024];
	snprintf(dir, sizeof(dir), "%s/bus/event_source/devices", sysfs_root ? sysfs_root : "/sys");
	DIR *d = opendir(dir);
	if (!d)
		return 0;
	int n = 0;
	struct dirent *e;
	while ((e = readdir(d)) && n < max) {
		if (e->d_name[0] == '.' || strlen(e->d_name) >= sizeof(out[n].name))
			continue;
		snprintf(path, sizeof(path), "%s/%s/cpus", dir, e->d_name);
		if (strcmp(e->d_name, "cpu") != 0 && access(path, F_OK) != 0)
			continue;
		snprintf(path, sizeof(path), "%s/%s/type", dir, e->d_name);
		FILE *f = fopen(path, "r");
		unsigned type;
		int ok = f && fscanf(f, "%u", &type) == 1;
		if (f)
			fclose(f);
		if (!ok)
			continue;
		snprintf(out[n].name, sizeof(out[n].name), "%s", e->d_name);
		out[n++].type = type;
	}
	closedir(d);
	qsort(out, (size_t)n, sizeof(*out), cmp_type);
	return n;
}
