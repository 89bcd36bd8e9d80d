/* perf-hw: hardware events by libpfm4 name, opened in groups per thread with inherit, scaled
 * for multiplexing by time_enabled / time_running, user mode only unless asked. */
#include "fingerprint/collect/evset.h"

#include <powprint/perf.h>

#include <errno.h>
#include <perfmon/pfmlib_perf_event.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define DEFAULT_EVENTS                                                                      \
	"cycles,instructions,L1-dcache-load-misses,LLC-load-misses,dTLB-load-misses,"      \
	"branch-misses,cache-references,stalled-cycles-frontend,stalled-cycles-backend"

/* In the default set but missing on many PMUs (Intel has no stalled-cycles events). */
static const char *const optional_events[] = {
	"cache-references", "stalled-cycles-frontend", "stalled-cycles-backend", NULL,
};

const char *pp_collector_default_events(void)
{
	return DEFAULT_EVENTS;
}

/* Generic events get perf's names whatever spelling the user chose, so features find them. */
static const struct {
	uint32_t type;
	uint64_t config;
	const char *name;
} canonical[] = {
	{ PERF_TYPE_HARDWARE, PERF_COUNT_HW_CPU_CYCLES, "cycles" },
	{ PERF_TYPE_HARDWARE, PERF_COUNT_HW_INSTRUCTIONS, "instructions" },
	{ PERF_TYPE_HARDWARE, PERF_COUNT_HW_CACHE_REFERENCES, "cache-references" },
	{ PERF_TYPE_HARDWARE, PERF_COUNT_HW_CACHE_MISSES, "cache-misses" },
	{ PERF_TYPE_HARDWARE, PERF_COUNT_HW_BRANCH_INSTRUCTIONS, "branches" },
	{ PERF_TYPE_HARDWARE, PERF_COUNT_HW_BRANCH_MISSES, "branch-misses" },
	{ PERF_TYPE_HARDWARE, PERF_COUNT_HW_STALLED_CYCLES_FRONTEND, "stalled-cycles-frontend" },
	{ PERF_TYPE_HARDWARE, PERF_COUNT_HW_STALLED_CYCLES_BACKEND, "stalled-cycles-backend" },
	{ PERF_TYPE_HARDWARE, PERF_COUNT_HW_REF_CPU_CYCLES, "ref-cycles" },
	{ PERF_TYPE_HW_CACHE, PERF_COUNT_HW_CACHE_L1D | (PERF_COUNT_HW_CACHE_OP_READ << 8) |
		(PERF_COUNT_HW_CACHE_RESULT_MISS << 16), "L1-dcache-load-misses" },
	{ PERF_TYPE_HW_CACHE, PERF_COUNT_HW_CACHE_LL | (PERF_COUNT_HW_CACHE_OP_READ << 8) |
		(PERF_COUNT_HW_CACHE_RESULT_MISS << 16), "LLC-load-misses" },
	{ PERF_TYPE_HW_CACHE, PERF_COUNT_HW_CACHE_DTLB | (PERF_COUNT_HW_CACHE_OP_READ << 8) |
		(PERF_COUNT_HW_CACHE_RESULT_MISS << 16), "dTLB-load-misses" },
};

static const char *canonical_name(const struct perf_event_attr *a)
{
	for (size_t i = 0; i < sizeof(canonical) / sizeof(canonical[0]); i++)
		if (canonical[i].type == a->type && canonical[i].config == a->config)
			return canonical[i].name;
	return NULL;
}

static int pfm_init(char *why, size_t len)
{
	int r = pfm_initialize(); /* idempotent: later calls return the first result */
	if (r != PFM_SUCCESS) {
		snprintf(why, len, "libpfm4 failed to initialise: %s", pfm_strerror(r));
		return -ENODEV;
	}
	return 0;
}

int pp_pfm_encode(const char *name, bool kernel, struct perf_event_attr *attr, char *why,
		  size_t len)
{
	char dummy[8];
	if (!why) {
		why = dummy;
		len = sizeof(dummy);
	}
	int err = pfm_init(why, len);
	if (err)
		return err;
	memset(attr, 0, sizeof(*attr));
	pfm_perf_encode_arg_t arg;
	memset(&arg, 0, sizeof(arg));
	arg.attr = attr;
	arg.size = sizeof(arg);
	int plm = kernel ? (PFM_PLM0 | PFM_PLM3) : PFM_PLM3;
	int r = pfm_get_os_event_encoding(name, plm, PFM_OS_PERF_EVENT_EXT, &arg);
	if (r == PFM_SUCCESS) {
		attr->size = sizeof(*attr);
		attr->exclude_hv = 1;
		return 0;
	}
	if (r == PFM_ERR_NOTFOUND) {
		snprintf(why, len,
			 "unknown event '%s': libpfm4 knows no such event for this machine's PMUs; "
			 "use perf's generic names (%s) or a name from libpfm4's showevtinfo", name,
			 DEFAULT_EVENTS);
		return -ENOENT;
	}
	snprintf(why, len, "event '%s' is not valid: %s (libpfm4 syntax: PMU::EVENT:UMASK:MOD=VAL)",
		 name, pfm_strerror(r));
	return -EINVAL;
}

struct hw_priv {
	struct pp_evset set;
};

static int hw_probe(char *why, size_t len)
{
	struct perf_event_attr a;
	int err = pp_pfm_encode("cycles", false, &a, why, len);
	if (err)
		return err;
	int fd = pp_perf_open(&a, 0, -1, -1, PERF_FLAG_FD_CLOEXEC);
	if (fd >= 0) {
		close(fd);
		return 0;
	}
	if (fd == -ENOENT || fd == -EOPNOTSUPP || fd == -ENODEV) {
		snprintf(why, len,
			 "no hardware PMU: the kernel exposes none here (common in VMs: `perf stat -e "
			 "instructions true` says <not supported>); use perf-sw, ip-sample and procfs");
		return -ENODEV;
	}
	return pp_perf_why(fd, 0, "hardware event cycles", why, len);
}

static bool is_optional(const char *name)
{
	for (int i = 0; optional_events[i]; i++)
		if (strcmp(optional_events[i], name) == 0)
			return true;
	return false;
}

static int hw_open(void *priv, struct pp_backend_ctx *ctx)
{
	struct hw_priv *p = priv;
	const char *list = ctx->opts->events ? ctx->opts->events : DEFAULT_EVENTS;
	bool user_list = ctx->opts->events != NULL;
	char *copy = strdup(list);
	if (!copy)
		return -ENOMEM;
	p->set.backend = "perf-hw";
	int err = 0;
	char *save = NULL;
	for (char *tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		while (*tok == ' ')
			tok++;
		if (!*tok)
			continue;
		struct perf_event_attr a;
		err = pp_pfm_encode(tok, ctx->opts->kernel, &a, ctx->why, ctx->why_len);
		if (err)
			break;
		const char *cn = canonical_name(&a);
		if (pp_evset_add(&p->set, &a, cn ? cn : tok, !user_list && is_optional(tok)) < 0) {
			snprintf(ctx->why, ctx->why_len, "too many events: at most %d", PP_EVSET_MAX);
			err = -EINVAL;
			break;
		}
	}
	free(copy);
	if (!err && p->set.nev == 0) {
		snprintf(ctx->why, ctx->why_len, "no events given");
		err = -EINVAL;
	}
	if (err)
		return err;
	return pp_evset_open(&p->set, ctx, "perf-hw");
}

static int hw_enable(void *priv, bool on)
{
	return pp_evset_enable(&((struct hw_priv *)priv)->set, on);
}

static int hw_read(void *priv, struct pp_window *w)
{
	pp_evset_read(&((struct hw_priv *)priv)->set, w);
	return 0;
}

static void hw_close(void *priv)
{
	pp_evset_close(&((struct hw_priv *)priv)->set);
}

/* The generic events of perf-hw's default set (pp_collector_default_events); it counts
 * whatever else --events names too, under that name. */
const char *const pp_backend_perf_hw_counts[] = {
	"cycles", "instructions", "L1-dcache-load-misses", "LLC-load-misses", "dTLB-load-misses",
	"branch-misses", "cache-references", "stalled-cycles-frontend", "stalled-cycles-backend",
	NULL,
};

const struct pp_backend_ops pp_backend_perf_hw = {
	.name = "perf-hw",
	.summary = "hardware counters via libpfm4: cycles, instructions, cache/TLB/branch misses",
	.priv_size = sizeof(struct hw_priv),
	.probe = hw_probe, .open = hw_open, .enable = hw_enable, .read = hw_read, .close = hw_close,
};
