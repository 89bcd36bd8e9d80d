/* /proc/PID/maps on any text (a process names its own files, and so the paths it maps):
 * parsing never reads past the text, the mappings kept are in address order without overlaps
 * (what pp_maps_find's binary search assumes), each agrees with pp_maps_parse_line on its
 * line, and a lookup of any address finds exactly the mapping a linear search finds. */
#include "fingerprint/collect/maps.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static void check_find(const struct pp_maps *maps, uint64_t addr)
{
	const struct pp_map *want = NULL;
	for (int i = 0; i < maps->n; i++)
		if (addr >= maps->m[i].start && addr < maps->m[i].end)
			want = &maps->m[i];
	if (pp_maps_find(maps, addr) != want)
		abort();
}

/* Every line pp_maps_parse_line takes, and that begins at or after the last one kept, is the
 * next mapping. Lines are NUL-terminated for it: only for texts without NULs. */
static void check_lines(const char *text, size_t len, const struct pp_maps *maps)
{
	char *line = malloc(len + 1);
	if (!line)
		return;
	int j = 0;
	for (size_t at = 0; at < len;) {
		const char *nl = memchr(text + at, '\n', len - at);
		size_t l = nl ? (size_t)(nl - text - at) : len - at;
		memcpy(line, text + at, l);
		line[l] = '\0';
		at += l + 1;
		struct pp_map m;
		if (!pp_maps_parse_line(line, &m) || (j && m.start < maps->m[j - 1].end))
			continue;
		const struct pp_map *g = j < maps->n ? &maps->m[j] : NULL;
		if (!g || g->start != m.start || g->end != m.end || g->offset != m.offset ||
		    g->ino != m.ino || g->dev != m.dev || g->loc != m.loc)
			abort();
		j++;
	}
	if (j != maps->n)
		abort();
	free(line);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* The text alone in a buffer of its size, without a NUL, as pp_maps_read has it. */
	char *text = malloc(size ? size : 1);
	if (!text)
		return 0;
	memcpy(text, data, size);
	struct pp_maps maps = { 0 };
	if (pp_maps_parse(text, size, &maps)) {
		free(text);
		return 0;
	}
	for (int i = 0; i < maps.n; i++) {
		const struct pp_map *m = &maps.m[i];
		if (m->start >= m->end || (i && m->start < maps.m[i - 1].end) ||
		    (unsigned)m->loc >= PP_LOC_COUNT || m->ver ||
		    (m->path && (m->loc != PP_LOC_FILE || m->path[0] != '/' ||
				 strchr(m->path, '\n'))))
			abort();
	}
	if (!memchr(text, '\0', size))
		check_lines(text, size, &maps);
	for (int i = 0; i < maps.n; i++) {
		const struct pp_map *m = &maps.m[i];
		check_find(&maps, m->start);
		check_find(&maps, m->start - 1);
		check_find(&maps, m->end - 1);
		check_find(&maps, m->end);
		check_find(&maps, m->start + (m->end - m->start) / 2);
	}
	/* Addresses from the input's own bytes. */
	for (size_t at = 0; at + 8 <= size && at < 8 * 64; at += 8) {
		uint64_t a;
		memcpy(&a, data + at, 8);
		check_find(&maps, a);
	}
	check_find(&maps, 0);
	check_find(&maps, UINT64_MAX);
	pp_maps_free(&maps);
	free(text);
	return 0;
}
