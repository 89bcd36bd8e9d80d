/* What the procfs backend makes of the text of /proc files (procfs-parse.h). */
#include "fingerprint/collect/backends/procfs-parse.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

/* Values of "Key:   123 kB" lines in status / smaps_rollup / io, in one pass over the text:
 * val[i] is the first line's for key[i], -1 when absent. At most 8 keys. */
static void keyvals(const char *text, const char *const *key, long long *val, int n)
{
	size_t kl[8];
	unsigned found = 0, all = (1u << n) - 1;
	for (int i = 0; i < n; i++) {
		kl[i] = strlen(key[i]);
		val[i] = -1;
	}
	for (const char *p = text; p && *p && found != all;
	     p = strchr(p, '\n'), p = p ? p + 1 : NULL)
		for (int i = 0; i < n; i++)
			if (!(found & (1u << i)) && strncmp(p, key[i], kl[i]) == 0 &&
			    p[kl[i]] == ':') {
				val[i] = strtoll(p + kl[i] + 1, NULL, 10);
				found |= 1u << i;
				break;
			}
}

/* Parses up to n unsigned decimal numbers separated by spaces; how many it found. */
static int parse_u64s(const char *s, unsigned long long *out, int n)
{
	int k = 0;
	while (k < n) {
		while (*s == ' ')
			s++;
		if (*s < '0' || *s > '9')
			break;
		char *end;
		out[k++] = strtoull(s, &end, 10);
		s = end;
	}
	return k;
}

int pp_procfs_stat_parse(const char *text, struct pp_procfs_stat *st)
{
	memset(st, 0, sizeof(*st));
	/* Fields after the command name, which may itself hold spaces and parentheses. */
	const char *s = strrchr(text, ')');
	if (!s || !s[1] || !s[2])
		return -EBADMSG;
	unsigned long long f[22] = { 0 }; /* fields 3 to 24: up to rss */
	int k = 0;
	const char *q = s + 2;
	while (*q && k < 22) {
		char *end;
		f[k++] = strtoull(q, &end, 10);
		q = end;
		while (*q && *q != ' ')
			q++; /* the state letter (field 3) is no number */
		while (*q == ' ')
			q++;
	}
	if (k < 22)
		return -EBADMSG;
	/* f[0] is field 3 (state): field N is f[N - 3]. */
	st->minflt = f[7];
	st->majflt = f[9];
	st->utime = f[11];
	st->stime = f[12];
	st->threads = (long)f[17];
	st->rss_pages = (long)f[21];
	st->zombie = s[2] == 'Z' || s[2] == 'X';
	return 0;
}

int pp_procfs_io_parse(const char *text, struct pp_procfs_io *io)
{
	static const char *const keys[] = { "rchar", "wchar", "syscr", "syscw" };
	long long v[4];
	keyvals(text, keys, v, 4);
	if (v[0] < 0 || v[1] < 0 || v[2] < 0 || v[3] < 0)
		return -EBADMSG;
	io->rchar = (uint64_t)v[0];
	io->wchar = (uint64_t)v[1];
	io->syscr = (uint64_t)v[2];
	io->syscw = (uint64_t)v[3];
	return 0;
}

int pp_procfs_schedstat_parse(const char *text, uint64_t *run_ns, uint64_t *wait_ns,
			      uint64_t *slices)
{
	unsigned long long v[3];
	if (parse_u64s(text, v, 3) != 3)
		return -EBADMSG;
	*run_ns = v[0];
	*wait_ns = v[1];
	*slices = v[2];
	return 0;
}

void pp_procfs_ctxt_parse(const char *text, uint64_t *vol, uint64_t *invol)
{
	static const char *const keys[] = { "voluntary_ctxt_switches",
					     "nonvoluntary_ctxt_switches" };
	long long v[2];
	keyvals(text, keys, v, 2);
	*vol = v[0] > 0 ? (uint64_t)v[0] : 0;
	*invol = v[1] > 0 ? (uint64_t)v[1] : 0;
}

void pp_procfs_smaps_parse(const char *text, double *ahp, double *htlb, double *lck)
{
	static const char *const keys[] = { "AnonHugePages", "Shared_Hugetlb", "Private_Hugetlb",
					     "Locked" };
	long long v[4];
	keyvals(text, keys, v, 4);
	long long a = v[0], sh = v[1], ph = v[2], l = v[3];
	*ahp = a >= 0 ? (double)a : NAN;
	*htlb = sh >= 0 && ph >= 0 ? (double)sh + (double)ph : NAN; /* each may be LLONG_MAX */
	*lck = l >= 0 ? (double)l : NAN;
}
