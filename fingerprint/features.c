/* The feature vector: names, units, formulas (docs/features.md says the same for people) and
 * their computation from a window's raw counts. */
#include <powprint/collect.h>
#include <powprint/features.h>

#include <errno.h>
#include <math.h>
#include <string.h>

#define SW "perf-sw"
#define HW "perf-hw"
#define IP "ip-sample"
#define PF "procfs"
#define SHARE "share of samples"
#define PCS "per task-clock s"

static const struct pp_feature_info features[PP_F_COUNT] = {
	[PP_F_CPU_UTIL] = { "cpu_util", "CPUs", SW "|" PF,
			    "task_clock_s / (end_s - start_s)" },
	[PP_F_THREADS] = { "threads", "threads", PF, "proc.threads" },
	[PP_F_CTX_SWITCHES] = { "ctx_switches", PCS, SW "|" PF,
				"context-switches / task_clock_s "
				"(else (proc.vol_ctx + proc.invol_ctx) / task_clock_s)" },
	[PP_F_INVOL_CTX_SHARE] = { "invol_ctx_share", "share of switches", PF,
				   "proc.invol_ctx / (proc.vol_ctx + proc.invol_ctx)" },
	[PP_F_MIGRATIONS] = { "migrations", PCS, SW, "cpu-migrations / task_clock_s" },
	[PP_F_MINOR_FAULTS] = { "minor_faults", PCS, SW "|" PF,
				"page-faults-min / task_clock_s (else proc.minflt)" },
	[PP_F_MAJOR_FAULTS] = { "major_faults", PCS, SW "|" PF,
				"page-faults-maj / task_clock_s (else proc.majflt)" },
	[PP_F_IPC] = { "ipc", "instructions per cycle", HW, "instructions / cycles" },
	[PP_F_GHZ] = { "ghz", "GHz while running", HW, "cycles / task_clock_s / 1e9" },
	[PP_F_L1D_LOAD_MISS_PKI] = { "l1d_load_miss_pki", "per 1000 instructions", HW,
				     "1000 * L1-dcache-load-misses / instructions" },
	[PP_F_LLC_LOAD_MISS_PKI] = { "llc_load_miss_pki", "per 1000 instructions", HW,
				     "1000 * LLC-load-misses / instructions" },
	[PP_F_DTLB_LOAD_MISS_PKI] = { "dtlb_load_miss_pki", "per 1000 instructions", HW,
				      "1000 * dTLB-load-misses / instructions" },
	[PP_F_BRANCH_MISS_PKI] = { "branch_miss_pki", "per 1000 instructions", HW,
				   "1000 * branch-misses / instructions" },
	[PP_F_CACHE_REF_PKI] = { "cache_ref_pki", "per 1000 instructions", HW,
				 "1000 * cache-references / instructions" },
	[PP_F_STALL_FRONTEND] = { "stall_frontend", "share of cycles", HW,
				  "stalled-cycles-frontend / cycles" },
	[PP_F_STALL_BACKEND] = { "stall_backend", "share of cycles", HW,
				 "stalled-cycles-backend / cycles" },
	[PP_F_HW_RUNNING] = { "hw_running", "share of time", HW,
			      "min over perf-hw counts of time_running / time_enabled" },
	[PP_F_IP_SAMPLES] = { "ip_samples", PCS, IP, "ip.samples / task_clock_s" },
	[PP_F_IP_AES] = { "ip_aes", SHARE, IP, "ip.cls.aes / ip.samples" },
	[PP_F_IP_CLMUL] = { "ip_clmul", SHARE, IP, "ip.cls.clmul / ip.samples" },
	[PP_F_IP_SHA] = { "ip_sha", SHARE, IP, "ip.cls.sha / ip.samples" },
	[PP_F_IP_MUL] = { "ip_mul", SHARE, IP, "ip.cls.mul / ip.samples" },
	[PP_F_IP_DIV] = { "ip_div", SHARE, IP, "ip.cls.div / ip.samples" },
	[PP_F_IP_SQRT] = { "ip_sqrt", SHARE, IP, "ip.cls.sqrt / ip.samples" },
	[PP_F_IP_FP_SIMD] = { "ip_fp_simd", SHARE, IP, "ip.cls.fp-simd / ip.samples" },
	[PP_F_IP_INT_SIMD] = { "ip_int_simd", SHARE, IP, "ip.cls.int-simd / ip.samples" },
	[PP_F_IP_LOAD] = { "ip_load", SHARE, IP, "ip.cls.load / ip.samples" },
	[PP_F_IP_STORE] = { "ip_store", SHARE, IP, "ip.cls.store / ip.samples" },
	[PP_F_IP_BRANCH] = { "ip_branch", SHARE, IP, "ip.cls.branch / ip.samples" },
	[PP_F_IP_ROUNDING] = { "ip_rounding", SHARE, IP, "ip.cls.rounding / ip.samples" },
	[PP_F_IP_OTHER] = { "ip_other", SHARE, IP, "ip.cls.other / ip.samples" },
	[PP_F_IP_UNDECODABLE] = { "ip_undecodable", SHARE, IP, "ip.cls.undecodable / ip.samples" },
	[PP_F_IP_UNREADABLE] = { "ip_unreadable", SHARE, IP, "ip.cls.unreadable / ip.samples" },
	[PP_F_IP_JIT] = { "ip_jit", SHARE, IP, "ip.loc.jit / ip.samples" },
	[PP_F_IP_FILE] = { "ip_file", SHARE, IP, "ip.loc.file / ip.samples" },
	[PP_F_IP_VDSO] = { "ip_vdso", SHARE, IP, "ip.loc.vdso / ip.samples" },
	[PP_F_IP_UNMAPPED] = { "ip_unmapped", SHARE, IP, "ip.loc.unmapped / ip.samples" },
	[PP_F_IP_TOP16] = { "ip_top16", SHARE, IP, "ip.top16 / ip.samples" },
	[PP_F_IP_ENTROPY] = { "ip_entropy", "bits", IP, "ip.entropy_bits" },
	[PP_F_SYS_SHARE] = { "sys_share", "share of CPU time", PF,
			     "proc.stime_s / (proc.utime_s + proc.stime_s)" },
	[PP_F_RUN_DELAY] = { "run_delay", "s waiting per task-clock s", PF,
			     "proc.wait_ns / 1e9 / task_clock_s" },
	[PP_F_TIMESLICES] = { "timeslices", PCS, PF, "proc.timeslices / task_clock_s" },
	[PP_F_RSS_MIB] = { "rss_mib", "MiB", PF, "proc.rss_kib / 1024" },
	[PP_F_ANON_HUGE_SHARE] = { "anon_huge_share", "share of RSS", PF,
				   "proc.anon_huge_kib / proc.rss_kib" },
	[PP_F_HUGETLB_MIB] = { "hugetlb_mib", "MiB", PF, "proc.hugetlb_kib / 1024" },
	[PP_F_LOCKED_MIB] = { "locked_mib", "MiB", PF, "proc.locked_kib / 1024" },
	[PP_F_READ_BYTES] = { "read_bytes", "bytes " PCS, PF, "proc.rchar / task_clock_s" },
	[PP_F_WRITE_BYTES] = { "write_bytes", "bytes " PCS, PF, "proc.wchar / task_clock_s" },
	[PP_F_IO_SYSCALLS] = { "io_syscalls", PCS, PF,
			       "(proc.syscr + proc.syscw) / task_clock_s" },
};

const struct pp_feature_info *pp_feature_info(enum pp_feature f)
{
	return (unsigned)f < PP_F_COUNT ? &features[f] : NULL;
}

int pp_feature_find(const char *name)
{
	for (int i = 0; i < PP_F_COUNT; i++)
		if (strcmp(features[i].name, name) == 0)
			return i;
	return -ENOENT;
}

/* a / b, NaN unless both are finite and b is positive. */
static double ratio(double a, double b)
{
	if (!isfinite(a) || !isfinite(b) || b <= 0)
		return NAN;
	return a / b;
}

static double first(const struct pp_window *w, const char *a, const char *b)
{
	double v = pp_window_count(w, a);
	return isnan(v) && b ? pp_window_count(w, b) : v;
}

static double sum2(const struct pp_window *w, const char *a, const char *b)
{
	return pp_window_count(w, a) + pp_window_count(w, b); /* NaN if either is */
}

static double hw_running(const struct pp_window *w)
{
	double m = NAN;
	for (int i = 0; i < w->ncounts; i++)
		if (w->counts[i].backend && strcmp(w->counts[i].backend, HW) == 0 &&
		    (isnan(m) || w->counts[i].running < m))
			m = w->counts[i].running;
	return m;
}

void pp_features_compute(const struct pp_window *w, struct pp_features *out)
{
	double *v = out->v;
	double tc = w->task_clock_s;
#define C(name) pp_window_count(w, name)
	out->version = PP_FEATURES_VERSION;
	v[PP_F_CPU_UTIL] = ratio(tc, w->end_s - w->start_s);
	v[PP_F_THREADS] = C("proc.threads");

	double ctx = C("context-switches");
	if (isnan(ctx))
		ctx = sum2(w, "proc.vol_ctx", "proc.invol_ctx");
	v[PP_F_CTX_SWITCHES] = ratio(ctx, tc);
	v[PP_F_INVOL_CTX_SHARE] = ratio(C("proc.invol_ctx"), sum2(w, "proc.vol_ctx", "proc.invol_ctx"));
	v[PP_F_MIGRATIONS] = ratio(C("cpu-migrations"), tc);
	v[PP_F_MINOR_FAULTS] = ratio(first(w, "page-faults-min", "proc.minflt"), tc);
	v[PP_F_MAJOR_FAULTS] = ratio(first(w, "page-faults-maj", "proc.majflt"), tc);

	double cyc = C("cycles"), ins = C("instructions");
	v[PP_F_IPC] = ratio(ins, cyc);
	v[PP_F_GHZ] = ratio(cyc, tc) / 1e9;
	v[PP_F_L1D_LOAD_MISS_PKI] = 1000 * ratio(C("L1-dcache-load-misses"), ins);
	v[PP_F_LLC_LOAD_MISS_PKI] = 1000 * ratio(C("LLC-load-misses"), ins);
	v[PP_F_DTLB_LOAD_MISS_PKI] = 1000 * ratio(C("dTLB-load-misses"), ins);
	v[PP_F_BRANCH_MISS_PKI] = 1000 * ratio(C("branch-misses"), ins);
	v[PP_F_CACHE_REF_PKI] = 1000 * ratio(C("cache-references"), ins);
	v[PP_F_STALL_FRONTEND] = ratio(C("stalled-cycles-frontend"), cyc);
	v[PP_F_STALL_BACKEND] = ratio(C("stalled-cycles-backend"), cyc);
	v[PP_F_HW_RUNNING] = hw_running(w);

	double ns = C("ip.samples");
	v[PP_F_IP_SAMPLES] = ratio(ns, tc);
	static const struct {
		enum pp_feature f;
		const char *count;
	} shares[] = {
		{ PP_F_IP_AES, "ip.cls.aes" },           { PP_F_IP_CLMUL, "ip.cls.clmul" },
		{ PP_F_IP_SHA, "ip.cls.sha" },           { PP_F_IP_MUL, "ip.cls.mul" },
		{ PP_F_IP_DIV, "ip.cls.div" },           { PP_F_IP_SQRT, "ip.cls.sqrt" },
		{ PP_F_IP_FP_SIMD, "ip.cls.fp-simd" },   { PP_F_IP_INT_SIMD, "ip.cls.int-simd" },
		{ PP_F_IP_LOAD, "ip.cls.load" },         { PP_F_IP_STORE, "ip.cls.store" },
		{ PP_F_IP_BRANCH, "ip.cls.branch" },     { PP_F_IP_ROUNDING, "ip.cls.rounding" },
		{ PP_F_IP_OTHER, "ip.cls.other" },       { PP_F_IP_UNDECODABLE, "ip.cls.undecodable" },
		{ PP_F_IP_UNREADABLE, "ip.cls.unreadable" },
		{ PP_F_IP_JIT, "ip.loc.jit" },           { PP_F_IP_FILE, "ip.loc.file" },
		{ PP_F_IP_VDSO, "ip.loc.vdso" },         { PP_F_IP_UNMAPPED, "ip.loc.unmapped" },
		{ PP_F_IP_TOP16, "ip.top16" },
	};
	for (size_t i = 0; i < sizeof(shares) / sizeof(shares[0]); i++)
		v[shares[i].f] = ratio(C(shares[i].count), ns);
	v[PP_F_IP_ENTROPY] = ns > 0 ? C("ip.entropy_bits") : NAN;

	v[PP_F_SYS_SHARE] = ratio(C("proc.stime_s"), sum2(w, "proc.utime_s", "proc.stime_s"));
	v[PP_F_RUN_DELAY] = ratio(C("proc.wait_ns") * 1e-9, tc);
	v[PP_F_TIMESLICES] = ratio(C("proc.timeslices"), tc);
	v[PP_F_RSS_MIB] = C("proc.rss_kib") / 1024;
	v[PP_F_ANON_HUGE_SHARE] = ratio(C("proc.anon_huge_kib"), C("proc.rss_kib"));
	v[PP_F_HUGETLB_MIB] = C("proc.hugetlb_kib") / 1024;
	v[PP_F_LOCKED_MIB] = C("proc.locked_kib") / 1024;
	v[PP_F_READ_BYTES] = ratio(C("proc.rchar"), tc);
	v[PP_F_WRITE_BYTES] = ratio(C("proc.wchar"), tc);
	v[PP_F_IO_SYSCALLS] = ratio(sum2(w, "proc.syscr", "proc.syscw"), tc);
#undef C
}
