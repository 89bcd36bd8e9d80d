/* /proc/PID/maps: executable mappings and what kind of code they hold. */
#include "fingerprint/maps.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const loc_names[PP_LOC_COUNT] = {
	[PP_LOC_FILE] = "file", [PP_LOC_JIT] = "jit", [PP_LOC_VDSO] = "vdso",
	[PP_LOC_OTHER] = "other", [PP_LOC_UNMAPPED] = "unmapped",
};

const char *pp_loc_name(enum pp_loc l)
{
	return (unsigned)l < PP_LOC_COUNT ? loc_names[l] : "?";
}

int pp_maps_parse_line(const char *line, struct pp_map *m)
{
	unsigned long long start, end, off, ino;
	unsigned major, minor;
	char perms[8];
	int path_at = 0;
	if (sscanf(line, "%llx-%llx %7s %llx %x:%x %llu %n", &start, &end, perms, &off, &major,
		   &minor, &ino, &path_at) < 7 || !path_at || end <= start || strlen(perms) < 3 ||
	    perms[2] != 'x')
		return 0;
	const char *path = line + path_at;
	while (*path == ' ')
		path++;
	size_t plen = strcspn(path, "\n");
	m->start = start;
	m->end = end;
	m->offset = off;
	m->ino = ino;
	m->dev = (major << 20) | (minor & 0xfffff); /* the kernel's dev_t layout */
	m->path = NULL;
	if (plen == 0 || strncmp(path, "[heap]", 6) == 0 || strncmp(path, "[stack", 6) == 0 ||
	    strncmp(path, "[anon:", 6) == 0 || strncmp(path, "/memfd:", 7) == 0)
		m->loc = PP_LOC_JIT; /* generated code: anonymous, or double-mapped through memfd */
	else if (strncmp(path, "[vdso]", 6) == 0)
		m->loc = PP_LOC_VDSO;
	else if (path[0] == '/')
		m->loc = PP_LOC_FILE;
	else
		m->loc = PP_LOC_OTHER;
	return 1;
}

void pp_maps_free(struct pp_maps *maps)
{
	for (int i = 0; i < maps->n; i++)
		free(maps->m[i].path);
	free(maps->m);
	maps->m = NULL;
	maps->n = 0;
}

int pp_maps_read(pid_t pid, struct pp_maps *maps)
{
	char path[64];
	snprintf(path, sizeof(path), "/proc/%d/maps", (int)pid);
	FILE *f = fopen(path, "re");
	if (!f)
		return errno == ENOENT ? -ESRCH : -errno;
	struct pp_map *m = NULL;
	int n = 0, cap = 0;
	char *line = NULL;
	size_t lcap = 0;
	while (getline(&line, &lcap, f) > 0) {
		struct pp_map one;
		if (!pp_maps_parse_line(line, &one))
			continue;
		if (one.loc == PP_LOC_FILE) {
			char *p = strchr(line, '/');
			size_t l = p ? strcspn(p, "\n") : 0;
			if (p && !(l > 10 && strcmp(p + l - 10, " (deleted)") == 0))
				one.path = strndup(p, l);
		}
		if (n == cap) {
			cap = cap ? 2 * cap : 32;
			struct pp_map *nm = realloc(m, (size_t)cap * sizeof(*m));
			if (!nm) {
				free(one.path);
				for (int i = 0; i < n; i++)
					free(m[i].path);
				free(m);
				free(line);
				fclose(f);
				return -ENOMEM;
			}
			m = nm;
		}
		m[n++] = one;
	}
	free(line);
	fclose(f);
	pp_maps_free(maps);
	maps->m = m; /* the kernel lists mappings in address order */
	maps->n = n;
	return 0;
}

const struct pp_map *pp_maps_find(const struct pp_maps *maps, uint64_t addr)
{
	int lo = 0, hi = maps->n - 1;
	while (lo <= hi) {
		int mid = lo + (hi - lo) / 2;
		const struct pp_map *m = &maps->m[mid];
		if (addr < m->start)
			hi = mid - 1;
		else if (addr >= m->end)
			lo = mid + 1;
		else
			return m;
	}
	return NULL;
}
