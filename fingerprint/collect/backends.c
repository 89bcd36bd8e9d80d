/* The one table of collector backends, in the order they are probed, opened and read, with
 * the raw counts each puts in a window. Everything that names backends derives from it:
 * option checking, `powprint` help texts, the model's feature-to-backend mapping (through
 * pp_backend_find), and tests/test-registry-collect.c, which checks the feature table and
 * docs/features.md against it. perf-sw comes before the others because its task-clock
 * normalises every feature. */
#include "fingerprint/collect/collector.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

/* The generic events of perf-hw's default set (pp_collector_default_events); it counts
 * whatever else --events names too, under that name. */
static const char *const perf_hw_counts[] = {
	"cycles", "instructions", "L1-dcache-load-misses", "LLC-load-misses", "dTLB-load-misses",
	"branch-misses", "cache-references", "stalled-cycles-frontend", "stalled-cycles-backend",
	NULL,
};

static const char *const perf_sw_counts[] = {
	"task-clock", "context-switches", "cpu-migrations", "page-faults-min", "page-faults-maj",
	NULL,
};

static const char *const ip_sample_counts[] = {
	"ip.samples", "ip.lost",
	"ip.cls.rounding", "ip.cls.aes", "ip.cls.clmul", "ip.cls.sha", "ip.cls.div", "ip.cls.sqrt",
	"ip.cls.mul", "ip.cls.branch", "ip.cls.store", "ip.cls.load", "ip.cls.fp-simd",
	"ip.cls.int-simd", "ip.cls.other", "ip.cls.undecodable", "ip.cls.unreadable",
	"ip.loc.file", "ip.loc.jit", "ip.loc.vdso", "ip.loc.other", "ip.loc.unmapped",
	"ip.top16", "ip.entropy_bits", "ip.distinct",
	NULL,
};

static const char *const procfs_counts[] = {
	"proc.threads", "proc.utime_s", "proc.stime_s", "proc.minflt", "proc.majflt",
	"proc.rss_kib", "proc.rchar", "proc.wchar", "proc.syscr", "proc.syscw",
	"proc.run_ns", "proc.wait_ns", "proc.timeslices", "proc.vol_ctx", "proc.invol_ctx",
	"proc.anon_huge_kib", "proc.hugetlb_kib", "proc.locked_kib",
	NULL,
};

const struct pp_backend_entry pp_backend_table[] = {
	{ &pp_backend_perf_hw, perf_hw_counts },
	{ &pp_backend_perf_sw, perf_sw_counts },
	{ &pp_backend_ip_sample, ip_sample_counts },
	{ &pp_backend_procfs, procfs_counts },
	{ NULL, NULL },
};

#define NBACKENDS (int)(sizeof(pp_backend_table) / sizeof(pp_backend_table[0]) - 1)
_Static_assert(sizeof(pp_backend_table) / sizeof(pp_backend_table[0]) - 1 <= PP_BACKEND_MAX,
	       "a collector holds at most PP_BACKEND_MAX backends");

int pp_backend_count(void)
{
	return NBACKENDS;
}

const char *pp_backend_name(int i)
{
	return i >= 0 && i < NBACKENDS ? pp_backend_table[i].ops->name : NULL;
}

const char *const *pp_backend_counts(int i)
{
	return i >= 0 && i < NBACKENDS ? pp_backend_table[i].counts : NULL;
}

int pp_backend_find(const char *name, size_t len)
{
	for (int i = 0; name && i < NBACKENDS; i++) {
		const char *b = pp_backend_table[i].ops->name;
		if (strlen(b) == len && strncmp(b, name, len) == 0)
			return i;
	}
	return -ENOENT;
}

char *pp_backend_list(char *buf, size_t len, const char *sep)
{
	size_t used = 0;
	if (!len)
		return buf;
	buf[0] = '\0';
	for (int i = 0; i < NBACKENDS && used < len; i++) {
		int n = snprintf(buf + used, len - used, "%s%s", i ? sep : "",
				 pp_backend_table[i].ops->name);
		if (n < 0)
			break;
		used += (size_t)n;
	}
	return buf;
}
