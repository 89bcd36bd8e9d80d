/* perf-hw: hardware events by libpfm4 name, opened in groups per thread with inherit, scaled
 * for multiplexing by time_enabled / time_running, user mode only unless asked. */
#include "core/pmus.h"
#include "fingerprint/collect/evset.h"

#include <powprint/perf.h>

#include <errno.h>
#include <perfmon/pfmlib_perf_event.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

/* The default events: name, whether counting goes on without it, and what it counts on each
 * vendor's PMU through the kernel's generic maps (the same name means different things: a
 * model trained on one vendor's counters must know which it reads). X(name, required, intel,
 * amd, arm). */
#define HW_DEFAULT_EVENTS(X)                                                                \
	X("cycles", true, "core cycles while not halted (CPU_CLK_UNHALTED.THREAD)",          \
	  "core cycles while not halted (PMCx076)", "CPU_CYCLES (0x11)")                     \
	X("instructions", true, "instructions retired (INST_RETIRED.ANY)",                     \
	  "instructions retired (PMCx0C0)", "INST_RETIRED (0x08)")                           \
	X("L1-dcache-load-misses", false, "lines brought into L1D (L1D.REPLACEMENT)",          \
	  "L2 accesses from L1D misses (PMCx060)", "L1D refills (L1D_CACHE_REFILL, 0x03)")   \
	X("LLC-load-misses", false,                                                           \
	  "demand reads missing L3 (OFFCORE_RESPONSE: needs the MSR a hypervisor may hide)",  \
	  "none: the kernel has no LLC map on Zen", "LL_CACHE_MISS_RD (0x37) where present") \
	X("dTLB-load-misses", false, "load page walks completed (DTLB_LOAD_MISSES)",           \
	  "L1 DTLB misses (PMCx045)", "L1D TLB refills (L1D_TLB_REFILL, 0x05)")              \
	X("branch-misses", false, "branches mispredicted (BR_MISP_RETIRED)",                   \
	  "branches mispredicted (PMCx0C3)", "BR_MIS_PRED (0x10)")                           \
	X("cache-references", false, "last-level cache references (LONGEST_LAT_CACHE)",        \
	  "L2 cache requests (PMCx060)", "L1D accesses (L1D_CACHE, 0x04)")                   \
	X("stalled-cycles-frontend", false, "none on most models",                            \
	  "dispatch stalls, front end (the kernel's Zen map)", "STALL_FRONTEND (0x23)")      \
	X("stalled-cycles-backend", false, "none on most models",                             \
	  "dispatch stalls, back end (where the kernel maps one)", "STALL_BACKEND (0x24)")

static const struct hw_event {
	const char *name;
	bool required;
	const char *intel, *amd, *arm;
} hw_events[] = {
#define HW_ROW(n, req, i, a, r) { n, req, i, a, r },
	HW_DEFAULT_EVENTS(HW_ROW)
#undef HW_ROW
};
#define HW_NEVENTS (sizeof(hw_events) / sizeof(hw_events[0]))

const char *pp_collector_default_events(void)
{
	static const char list[] =
#define HW_NAME(n, ...) n ","
		HW_DEFAULT_EVENTS(HW_NAME);
#undef HW_NAME
	static char trimmed[sizeof(list)];
	if (!trimmed[0]) {
		memcpy(trimmed, list, sizeof(list) - 2); /* without the last comma */
	}
	return trimmed;
}

const char *pp_hw_event_meaning(const char *event, const char *vendor)
{
	for (size_t i = 0; i < HW_NEVENTS; i++) {
		if (strcmp(hw_events[i].name, event) != 0)
			continue;
		if (vendor && strstr(vendor, "Intel"))
			return hw_events[i].intel;
		if (vendor && (strstr(vendor, "AMD") || strstr(vendor, "Hygon")))
			return hw_events[i].amd;
		if (vendor && strstr(vendor, "implementer"))
			return hw_events[i].arm;
		return NULL;
	}
	return NULL;
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

/* A libpfm4 modifier named in the event string (":mg", ":mh=1"). */
static bool has_modifier(const char *name, const char *mod)
{
	size_t n = strlen(mod);
	for (const char *p = strchr(name, ':'); p; p = strchr(p + 1, ':'))
		if (!strncasecmp(p + 1, mod, n) && (p[1 + n] == 0 || p[1 + n] == ':' ||
						     p[1 + n] == '='))
			return true;
	return false;
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
	/* libpfm4 copies back only the first 64 bytes (PERF_ATTR_SIZE_VER0) when size is 0,
	 * losing config2. */
	attr->size = sizeof(*attr);
	pfm_perf_encode_arg_t arg;
	memset(&arg, 0, sizeof(arg));
	arg.attr = attr;
	arg.size = sizeof(arg);
	int plm = kernel ? (PFM_PLM0 | PFM_PLM3) : PFM_PLM3;
	int r = pfm_get_os_event_encoding(name, plm, PFM_OS_PERF_EVENT_EXT, &arg);
	if (r == PFM_ERR_NOTFOUND) {
		snprintf(why, len,
			 "unknown event '%s': libpfm4 knows no such event for this machine's PMUs; "
			 "use perf's generic names (%s) or a name from libpfm4's showevtinfo", name,
			 pp_collector_default_events());
		return -ENOENT;
	}
	if (r != PFM_SUCCESS) {
		snprintf(why, len, "event '%s' is not valid: %s (libpfm4 syntax: "
			 "PMU::EVENT:UMASK:MOD=VAL)", name, pfm_strerror(r));
		return -EINVAL;
	}
	if (attr->pinned || attr->exclusive || attr->sample_period || attr->freq) {
		snprintf(why, len, "event '%s': :pinned, :excl, :period and :freq do not fit "
			 "counting groups (a pinned or exclusive member fails the whole group); "
			 "drop the modifier", name);
		return -EINVAL;
	}
	attr->size = sizeof(*attr);
	/* arm64 kernels before VHE hosts were special-cased refuse exclude_hv != exclude_kernel
	 * (EINVAL); elsewhere exclude_hv means nothing to a Linux host. */
	attr->exclude_hv = attr->exclude_kernel;
	/* libpfm4 sets exclude_guest, which hides a miner running inside a guest of the target
	 * (a VMM's vCPU threads); count it unless the name asks for :mg or :mh itself. */
	if (!has_modifier(name, "mg") && !has_modifier(name, "mh"))
		attr->exclude_guest = 0;
	return 0;
}

struct hw_priv {
	struct pp_evset set;
	bool kernel;
};

static int hw_probe(char *why, size_t len)
{
	struct perf_event_attr a;
	int err = pp_pfm_encode("cycles", false, &a, why, len);
	if (err)
		return err;
	int fd = pp_evset_hooks.open(&a, 0, -1, -1, PERF_FLAG_FD_CLOEXEC);
	if (fd >= 0) {
		close(fd);
		return 0;
	}
	return pp_perf_why(fd, 0, "hardware event cycles", why, len);
}

static bool is_required(const char *name)
{
	for (size_t i = 0; i < HW_NEVENTS; i++)
		if (strcmp(hw_events[i].name, name) == 0)
			return hw_events[i].required;
	return true;
}

/* Generic events go to one core PMU unless their config names one (Linux 5.13: the PMU type
 * in bits 32-63). */
static bool is_generic(const struct perf_event_attr *a)
{
	return a->type == PERF_TYPE_HARDWARE || a->type == PERF_TYPE_HW_CACHE;
}

/* The core PMUs generic events must be opened on, one by one, as perf does on hybrid
 * machines; n <= 1 when one open covers every core. */
static int hybrid_pmus(struct pp_backend_ctx *ctx, struct pp_core_pmu *pmu)
{
	int n = pp_core_pmus(pp_evset_hooks.sysfs_root, pmu, PP_CORE_PMUS_MAX);
	if (n < 2)
		return n;
	struct perf_event_attr a = { .type = PERF_TYPE_HARDWARE, .size = sizeof(a),
				     .config = PERF_COUNT_HW_CPU_CYCLES |
					       (uint64_t)pmu[0].type << 32,
				     .disabled = 1, .exclude_kernel = 1, .exclude_hv = 1 };
	int fd = pp_evset_hooks.open(&a, 0, -1, -1, PERF_FLAG_FD_CLOEXEC);
	if (fd >= 0)
		close(fd);
	if (fd == -EINVAL || fd == -ENOENT) {
		ctx->warn(ctx, "perf-hw: %d core PMUs (%s, %s, ...) but this kernel does not take "
			  "a PMU type in the event config (Linux < 5.13): counting on one of them "
			  "only, so time on the other cores is extrapolated", n, pmu[0].name,
			  pmu[1].name);
		return 1;
	}
	return n;
}

static int add_events(struct hw_priv *p, struct pp_backend_ctx *ctx, const char *list,
		      bool user_list)
{
	struct pp_core_pmu pmu[PP_CORE_PMUS_MAX];
	int npmu = hybrid_pmus(ctx, pmu);
	char *copy = strdup(list);
	if (!copy)
		return -ENOMEM;
	int err = 0;
	char *save = NULL;
	for (char *tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		while (*tok == ' ')
			tok++;
		if (!*tok)
			continue;
		struct perf_event_attr a;
		err = pp_pfm_encode(tok, p->kernel, &a, ctx->why, ctx->why_len);
		if (err)
			break;
		const char *cn = canonical_name(&a);
		if (npmu >= 2 && is_generic(&a))
			a.config |= (uint64_t)pmu[0].type << 32;
		if (pp_evset_add(&p->set, &a, cn ? cn : tok, !user_list && !is_required(tok)) < 0) {
			err = -EINVAL;
			break;
		}
	}
	free(copy);
	/* The other hybrid PMUs' parts come after the first PMU's events, so groups form per
	 * PMU (a group cannot span two). */
	int nfirst = p->set.nev;
	for (int k = 1; k < npmu && !err; k++)
		for (int i = 0; i < nfirst && !err; i++) {
			if (!is_generic(&p->set.attr[i]))
				continue;
			struct perf_event_attr a = p->set.attr[i];
			a.config = (a.config & 0xffffffffu) | (uint64_t)pmu[k].type << 32;
			if (pp_evset_add_part(&p->set, i, &a) < 0)
				err = -EINVAL;
		}
	if (err == -EINVAL && !ctx->why[0])
		snprintf(ctx->why, ctx->why_len, "too many events: at most %d%s", PP_EVSET_MAX,
			 npmu >= 2 ? " counting one per event and hybrid core PMU" : "");
	return err;
}

static int hw_open(void *priv, struct pp_backend_ctx *ctx)
{
	struct hw_priv *p = priv;
	p->set.backend = "perf-hw";
	p->kernel = ctx->opts->kernel;
	bool user_list = ctx->opts->events != NULL;
	int err = add_events(p, ctx, user_list ? ctx->opts->events : pp_collector_default_events(),
			     user_list);
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
	struct hw_priv *p = priv;
	pp_evset_read(&p->set, w);
	/* The features need it: user-mode cycles are over user time, not all CPU time. */
	pp_window_add(w, "perf-hw", "hw.kernel", p->kernel ? 1 : 0, 1, true);
	return 0;
}

static void hw_close(void *priv)
{
	pp_evset_close(&((struct hw_priv *)priv)->set);
}

/* The default events (pp_collector_default_events) and the counting mode; perf-hw counts
 * whatever else --events names too, under that name. */
const char *const pp_backend_perf_hw_counts[] = {
#define HW_NAME(n, ...) n,
	HW_DEFAULT_EVENTS(HW_NAME)
#undef HW_NAME
	"hw.kernel", NULL,
};

const struct pp_backend_ops pp_backend_perf_hw = {
	.name = "perf-hw",
	.summary = "hardware counters via libpfm4: cycles, instructions, cache/TLB/branch misses",
	.priv_size = sizeof(struct hw_priv),
	.probe = hw_probe, .open = hw_open, .enable = hw_enable, .read = hw_read, .close = hw_close,
};
