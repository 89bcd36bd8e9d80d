/* /proc/PID/maps: executable mappings and what kind of code they hold. */
#include "fingerprint/collect/maps.h"
#include "core/hex.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

static const char *const loc_names[PP_LOC_COUNT] = {
	[PP_LOC_FILE] = "file", [PP_LOC_JIT] = "jit", [PP_LOC_VDSO] = "vdso",
	[PP_LOC_OTHER] = "other", [PP_LOC_UNMAPPED] = "unmapped",
};

const char *pp_loc_name(enum pp_loc l)
{
	return (unsigned)l < PP_LOC_COUNT ? loc_names[l] : "?";
}

/* A number in base 16 (or 10), ended by `stop`; the position after stop, or NULL. */
static const char *number(const char *p, const char *end, int base, char stop,
			  unsigned long long *v)
{
	const char *s = p;
	*v = 0;
	for (; p < end; p++) {
		int d = pp_hex_digit(*p);
		if (d < 0 || d >= base)
			break;
		*v = *v * (unsigned)base + (unsigned)d;
	}
	return p > s && p < end && *p == stop ? p + 1 : NULL;
}

/* Whether the path [q, q + l) begins with s; never looks past its end, which in a file read
 * whole is the end of the buffer. */
static bool starts(const char *q, size_t l, const char *s)
{
	size_t n = strlen(s);
	return l >= n && memcmp(q, s, n) == 0;
}

/* Parses the line [line, end) ("start-end perms offset major:minor inode [path]"), by hand:
 * scanf costs more than the kernel takes to print the file. Returns 1 and fills *m, *path and
 * *plen (0: no path) for an executable mapping, else 0. */
static int parse(const char *line, const char *end, struct pp_map *m, const char **path,
		 size_t *plen)
{
	unsigned long long start, stop, off, major, minor, ino;
	const char *p = number(line, end, 16, '-', &start);
	p = p ? number(p, end, 16, ' ', &stop) : NULL;
	if (!p || end - p < 4 || p[0] == ' ' || p[1] == ' ' || p[2] != 'x' || stop <= start)
		return 0;
	while (p < end && *p != ' ')
		p++; /* the rest of the permissions */
	if (p < end)
		p++;
	p = number(p, end, 16, ' ', &off);
	p = p ? number(p, end, 16, ':', &major) : NULL;
	p = p ? number(p, end, 16, ' ', &minor) : NULL;
	if (!p)
		return 0;
	const char *q = p;
	for (ino = 0; q < end && *q >= '0' && *q <= '9'; q++)
		ino = ino * 10 + (unsigned long long)(*q - '0');
	if (q == p || (q < end && *q != ' ' && *q != '\n'))
		return 0;
	while (q < end && (*q == ' ' || *q == '\t'))
		q++;
	size_t l = 0;
	while (q + l < end && q[l] != '\n')
		l++;
	m->start = start;
	m->end = stop;
	m->offset = off;
	m->ino = ino;
	m->dev = (uint32_t)((major << 20) | (minor & 0xfffff)); /* the kernel's dev_t layout */
	m->ver = 0;
	m->path = NULL;
	if (l == 0 || starts(q, l, "[heap]") || starts(q, l, "[stack") || starts(q, l, "[anon:") ||
	    starts(q, l, "/memfd:"))
		m->loc = PP_LOC_JIT; /* generated code: anonymous, or double-mapped through memfd */
	else if (starts(q, l, "[vdso]"))
		m->loc = PP_LOC_VDSO;
	else if (q[0] == '/')
		m->loc = PP_LOC_FILE;
	else
		m->loc = PP_LOC_OTHER;
	*path = q;
	*plen = l;
	return 1;
}

int pp_maps_parse_line(const char *line, struct pp_map *m)
{
	const char *path;
	size_t plen;
	return parse(line, line + strlen(line), m, &path, &plen);
}

void pp_maps_free(struct pp_maps *maps)
{
	for (int i = 0; i < maps->n; i++)
		free(maps->m[i].path);
	free(maps->m);
	maps->m = NULL;
	maps->n = 0;
}

/* The whole file in one buffer (it may be large: one line per mapping). */
static char *read_all(const char *path, size_t *len, int *err)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		*err = errno == ENOENT ? -ESRCH : -errno;
		return NULL;
	}
	size_t cap = 16384, n = 0;
	char *buf = malloc(cap);
	while (buf) {
		if (n == cap) {
			char *nb = realloc(buf, cap *= 2);
			if (!nb) {
				free(buf);
				buf = NULL;
				break;
			}
			buf = nb;
		}
		ssize_t k = read(fd, buf + n, cap - n);
		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0) {
			if (k < 0) {
				*err = errno == ESRCH ? -ESRCH : -errno;
				free(buf);
				buf = NULL;
			}
			break;
		}
		n += (size_t)k;
	}
	if (!buf && !*err)
		*err = -ENOMEM;
	close(fd);
	*len = n;
	return buf;
}

/* The ctime of the file at path as the process sees it, if that is the mapped file (ino, dev);
 * else 0. Consecutive mappings of one file are checked once. */
static uint64_t file_version(pid_t pid, const struct pp_map *m, const char *path, size_t plen,
			     const struct pp_map *prev)
{
	if (prev && prev->ver && prev->ino == m->ino && prev->dev == m->dev)
		return prev->ver;
	char full[4200];
	if (plen >= sizeof(full) - 64)
		return 0;
	int k = snprintf(full, sizeof(full), "/proc/%d/root", (int)pid);
	memcpy(full + k, path, plen);
	full[k + (int)plen] = '\0';
	struct stat st;
	if (stat(full, &st) || !S_ISREG(st.st_mode) || (uint64_t)st.st_ino != m->ino ||
	    (((uint32_t)major(st.st_dev) << 20) | (minor(st.st_dev) & 0xfffff)) != m->dev)
		return 0;
	return ((uint64_t)st.st_ctim.tv_sec * 1000000000u + (uint64_t)st.st_ctim.tv_nsec) | 1;
}

int pp_maps_parse(const char *text, size_t len, struct pp_maps *maps)
{
	struct pp_map *m = NULL;
	int n = 0, cap = 0;
	for (const char *line = text, *end = text + len; line < end;) {
		const char *nl = memchr(line, '\n', (size_t)(end - line));
		const char *eol = nl ? nl : end;
		struct pp_map one;
		const char *p;
		size_t l;
		int exec = parse(line, eol, &one, &p, &l);
		line = nl ? nl + 1 : end;
		/* The kernel lists mappings in address order, without overlaps: pp_maps_find's
		 * binary search relies on it, so a line that breaks the order is dropped. */
		if (!exec || (n && one.start < m[n - 1].end))
			continue;
		if (one.loc == PP_LOC_FILE && !(l > 10 && memcmp(p + l - 10, " (deleted)", 10) == 0))
			one.path = strndup(p, l);
		if (n == cap) {
			cap = cap ? 2 * cap : 32;
			struct pp_map *nm = realloc(m, (size_t)cap * sizeof(*m));
			if (!nm) {
				free(one.path);
				struct pp_maps part = { m, n };
				pp_maps_free(&part);
				return -ENOMEM;
			}
			m = nm;
		}
		m[n++] = one;
	}
	pp_maps_free(maps);
	maps->m = m;
	maps->n = n;
	return 0;
}

int pp_maps_read(pid_t pid, struct pp_maps *maps)
{
	char path[64];
	snprintf(path, sizeof(path), "/proc/%d/maps", (int)pid);
	int err = 0;
	size_t len;
	char *text = read_all(path, &len, &err);
	if (!text)
		return err;
	struct pp_maps got = { 0 };
	err = pp_maps_parse(text, len, &got);
	free(text);
	if (err)
		return err;
	for (int i = 0; i < got.n; i++)
		if (got.m[i].path)
			got.m[i].ver = file_version(pid, &got.m[i], got.m[i].path,
						    strlen(got.m[i].path),
						    i ? &got.m[i - 1] : NULL);
	pp_maps_free(maps);
	*maps = got;
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
