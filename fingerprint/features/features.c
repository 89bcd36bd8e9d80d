/* The feature vector: names, units, formulas (docs/features.md says the same for people) and
 * their computation from a window's raw counts. */
#include <powprint/collect.h>
#include <powprint/features.h>

#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* Backend names of the collector's table (pp_backend_name); tests/test-registry-collect.c
 * checks that each source names backends there whose counts compute the feature. */
#define SW "perf-sw"
#define HW "perf-hw"
#define IP "ip-sample"
#define PF "procfs"
#define EB "ebpf"
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
	[PP_F_GHZ] = { "ghz", "GHz while running", HW,
		      "cycles / (task_clock_s x proc.utime_s / (proc.utime_s + proc.stime_s)) / 1e9 "
		      "for user-mode cycles (else cycles / task_clock_s / 1e9)" },
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
	[PP_F_FP_ROUND_NONDEFAULT_SHARE] = { "fp_round_nondefault_share", "share of FPU switches",
					     EB, "bpf.fp_round_nondefault / bpf.fp_switches" },
	[PP_F_FP_PREEMPT_NONDEFAULT_SHARE] = { "fp_preempt_nondefault_share",
					       "share of preemptions", EB,
					       "bpf.fp_preempted_nondefault / bpf.fp_preempted" },
	[PP_F_SC_SYNC] = { "sc_sync", PCS, EB, "bpf.sc.sync / task_clock_s" },
	[PP_F_SC_MEMORY] = { "sc_memory", PCS, EB, "bpf.sc.memory / task_clock_s" },
	[PP_F_SC_PROTECT] = { "sc_protect", PCS, EB, "bpf.sc.protect / task_clock_s" },
	[PP_F_SC_FILE] = { "sc_file", PCS, EB, "bpf.sc.file / task_clock_s" },
	[PP_F_SC_NET] = { "sc_net", PCS, EB, "bpf.sc.net / task_clock_s" },
	[PP_F_SC_TIME] = { "sc_time", PCS, EB, "bpf.sc.time / task_clock_s" },
	[PP_F_SC_OTHER] = { "sc_other", PCS, EB, "bpf.sc.other / task_clock_s" },
	[PP_F_SC_TOTAL] = { "sc_total", PCS, EB, "(sum of the bpf.sc.* counts) / task_clock_s" },
};

const struct pp_feature_info *pp_feature_info(enum pp_feature f)
{
	return (unsigned)f < PP_F_COUNT ? &features[f] : NULL;
}

bool pp_feature_per_task_clock(enum pp_feature f)
{
	return (unsigned)f < PP_F_COUNT && strstr(features[f].unit, PCS) != NULL;
}

bool pp_features_drop_thin(const struct pp_window *w, struct pp_features *f)
{
	/* NaN task-clock: the rates are NaN already. */
	if (!(w->task_clock_s < PP_FEATURES_MIN_TASK_CLOCK_S))
		return false;
	for (int i = 0; i < PP_F_COUNT; i++)
		if (pp_feature_per_task_clock(i))
			f->v[i] = NAN;
	return true;
}

/* Feature indices in name order (strcmp), for pp_feature_find's binary search: models look
 * their columns up by name for every window they score. */
static const unsigned char by_name[] = {
	PP_F_ANON_HUGE_SHARE, PP_F_BRANCH_MISS_PKI, PP_F_CACHE_REF_PKI, PP_F_CPU_UTIL,
	PP_F_CTX_SWITCHES, PP_F_DTLB_LOAD_MISS_PKI, PP_F_FP_PREEMPT_NONDEFAULT_SHARE,
	PP_F_FP_ROUND_NONDEFAULT_SHARE, PP_F_GHZ, PP_F_HUGETLB_MIB,
	PP_F_HW_RUNNING, PP_F_INVOL_CTX_SHARE, PP_F_IO_SYSCALLS, PP_F_IP_AES, PP_F_IP_BRANCH,
	PP_F_IP_CLMUL, PP_F_IP_DIV, PP_F_IP_ENTROPY, PP_F_IP_FILE, PP_F_IP_FP_SIMD,
	PP_F_IP_INT_SIMD, PP_F_IP_JIT, PP_F_IP_LOAD, PP_F_IP_MUL, PP_F_IP_OTHER,
	PP_F_IP_ROUNDING, PP_F_IP_SAMPLES, PP_F_IP_SHA, PP_F_IP_SQRT, PP_F_IP_STORE,
	PP_F_IP_TOP16, PP_F_IP_UNDECODABLE, PP_F_IP_UNMAPPED, PP_F_IP_UNREADABLE, PP_F_IP_VDSO,
	PP_F_IPC, PP_F_L1D_LOAD_MISS_PKI, PP_F_LLC_LOAD_MISS_PKI, PP_F_LOCKED_MIB,
	PP_F_MAJOR_FAULTS, PP_F_MIGRATIONS, PP_F_MINOR_FAULTS, PP_F_READ_BYTES, PP_F_RSS_MIB,
	PP_F_RUN_DELAY, PP_F_SC_FILE, PP_F_SC_MEMORY, PP_F_SC_NET, PP_F_SC_OTHER,
	PP_F_SC_PROTECT, PP_F_SC_SYNC, PP_F_SC_TIME, PP_F_SC_TOTAL, PP_F_STALL_BACKEND, PP_F_STALL_FRONTEND, PP_F_SYS_SHARE, PP_F_THREADS,
	PP_F_TIMESLICES, PP_F_WRITE_BYTES,
};
_Static_assert(sizeof(by_name) == PP_F_COUNT, "every feature once in by_name");

int pp_feature_find(const char *name)
{
	int lo = 0, hi = PP_F_COUNT - 1;
	while (lo <= hi) {
		int mid = (lo + hi) / 2, c = strcmp(name, features[by_name[mid]].name);
		if (c == 0)
			return by_name[mid];
		if (c < 0)
			hi = mid - 1;
		else
			lo = mid + 1;
	}
	return -ENOENT;
}

/* a / b, NaN unless both are finite and b is positive. */
static double ratio(double a, double b)
{
	if (!isfinite(a) || !isfinite(b) || b <= 0)
		return NAN;
	return a / b;
}

/* The raw counts the formulas read, sorted by name (strcmp order) for the binary search in
 * gather(): one pass over a window's counts instead of a scan per formula term. */
#define INPUTS(X)                                                                              \
	X(L1D_MISS, "L1-dcache-load-misses") X(LLC_MISS, "LLC-load-misses")                    \
	X(FP_PREEMPTED, "bpf.fp_preempted") X(FP_PREEMPTED_NONDEFAULT, "bpf.fp_preempted_nondefault") \
	X(FP_NONDEFAULT, "bpf.fp_round_nondefault") X(FP_SWITCHES, "bpf.fp_switches")          \
	X(SC_FILE, "bpf.sc.file") X(SC_MEMORY, "bpf.sc.memory") X(SC_NET, "bpf.sc.net")       \
	X(SC_OTHER, "bpf.sc.other") X(SC_PROTECT, "bpf.sc.protect") X(SC_SYNC, "bpf.sc.sync")  \
	X(SC_TIME, "bpf.sc.time")                                                              \
	X(BRANCH_MISS, "branch-misses") X(CACHE_REF, "cache-references")                       \
	X(CTX, "context-switches") X(MIGRATIONS, "cpu-migrations") X(CYCLES, "cycles")         \
	X(DTLB_MISS, "dTLB-load-misses") X(HW_KERNEL, "hw.kernel")                             \
	X(INSTRUCTIONS, "instructions")                                                        \
	X(CLS_AES, "ip.cls.aes") X(CLS_BRANCH, "ip.cls.branch") X(CLS_CLMUL, "ip.cls.clmul")   \
	X(CLS_DIV, "ip.cls.div") X(CLS_FP_SIMD, "ip.cls.fp-simd")                              \
	X(CLS_INT_SIMD, "ip.cls.int-simd") X(CLS_LOAD, "ip.cls.load") X(CLS_MUL, "ip.cls.mul") \
	X(CLS_OTHER, "ip.cls.other") X(CLS_ROUNDING, "ip.cls.rounding")                        \
	X(CLS_SHA, "ip.cls.sha") X(CLS_SQRT, "ip.cls.sqrt") X(CLS_STORE, "ip.cls.store")       \
	X(CLS_UNDECODABLE, "ip.cls.undecodable") X(CLS_UNREADABLE, "ip.cls.unreadable")        \
	X(ENTROPY, "ip.entropy_bits") X(LOC_FILE, "ip.loc.file") X(LOC_JIT, "ip.loc.jit")      \
	X(LOC_UNMAPPED, "ip.loc.unmapped") X(LOC_VDSO, "ip.loc.vdso")                          \
	X(SAMPLES, "ip.samples") X(TOP16, "ip.top16") X(FAULTS_MAJ, "page-faults-maj")         \
	X(FAULTS_MIN, "page-faults-min") X(ANON_HUGE, "proc.anon_huge_kib")                    \
	X(HUGETLB, "proc.hugetlb_kib") X(INVOL, "proc.invol_ctx") X(LOCKED, "proc.locked_kib") \
	X(MAJFLT, "proc.majflt") X(MINFLT, "proc.minflt") X(RCHAR, "proc.rchar")               \
	X(RSS, "proc.rss_kib") X(STIME, "proc.stime_s") X(SYSCR, "proc.syscr")                 \
	X(SYSCW, "proc.syscw") X(THREADS, "proc.threads") X(TIMESLICES, "proc.timeslices")     \
	X(UTIME, "proc.utime_s") X(VOL, "proc.vol_ctx") X(WAIT, "proc.wait_ns")                \
	X(WCHAR, "proc.wchar") X(STALL_BACKEND, "stalled-cycles-backend")                      \
	X(STALL_FRONTEND, "stalled-cycles-frontend")

#define INPUT_ENUM(id, name) IN_##id,
#define INPUT_NAME(id, name) name,
enum input { INPUTS(INPUT_ENUM) IN_COUNT };
static const char *const input_names[IN_COUNT] = { INPUTS(INPUT_NAME) };
_Static_assert(IN_COUNT <= 64, "gather() marks inputs seen in a 64-bit mask");

static int cmp_input(const void *key, const void *elem)
{
	return strcmp(key, *(const char *const *)elem);
}

/* The value of every input (the first count of that name, as pp_window_count() finds it; NaN
 * when absent) and the least time_running / time_enabled of the perf-hw counts. */
static double gather(const struct pp_window *w, double *in)
{
	uint64_t seen = 0;
	double m = NAN;
	for (int i = 0; i < IN_COUNT; i++)
		in[i] = NAN;
	for (int i = 0; i < w->ncounts; i++) {
		const struct pp_count *c = &w->counts[i];
		if (c->backend && strcmp(c->backend, HW) == 0 && (isnan(m) || c->running < m))
			m = c->running;
		const char *const *n = bsearch(c->name, input_names, IN_COUNT,
					       sizeof(input_names[0]), cmp_input);
		if (!n)
			continue;
		int k = (int)(n - input_names);
		if (!(seen & (1ull << k))) {
			seen |= 1ull << k;
			in[k] = c->value;
		}
	}
	return m;
}

/* A feature that is one input over a common denominator (samples, task-clock seconds). */
struct from_input {
	enum pp_feature f;
	enum input count;
};

void pp_features_compute(const struct pp_window *w, struct pp_features *out)
{
	double *v = out->v;
	double tc = w->task_clock_s;
	double in[IN_COUNT];
	double hw_running = gather(w, in);
#define C(id) in[IN_##id]
#define FIRST(a, b) (isnan(C(a)) ? C(b) : C(a))
#define SUM2(a, b) (C(a) + C(b)) /* NaN if either is */
	out->version = PP_FEATURES_VERSION;
	v[PP_F_CPU_UTIL] = ratio(tc, w->end_s - w->start_s);
	v[PP_F_THREADS] = C(THREADS);

	double ctx = C(CTX);
	if (isnan(ctx))
		ctx = SUM2(VOL, INVOL);
	v[PP_F_CTX_SWITCHES] = ratio(ctx, tc);
	v[PP_F_INVOL_CTX_SHARE] = ratio(C(INVOL), SUM2(VOL, INVOL));
	v[PP_F_MIGRATIONS] = ratio(C(MIGRATIONS), tc);
	v[PP_F_MINOR_FAULTS] = ratio(FIRST(FAULTS_MIN, MINFLT), tc);
	v[PP_F_MAJOR_FAULTS] = ratio(FIRST(FAULTS_MAJ, MAJFLT), tc);

	double cyc = C(CYCLES), ins = C(INSTRUCTIONS);
	v[PP_F_IPC] = ratio(ins, cyc);
	/* User-mode cycles (perf-hw's default) run during user time only: the task clock counts
	 * kernel time too, so scale it by procfs's user share when there is one (else perf
	 * stat's own cycles / task-clock). */
	double busy = tc, user = ratio(C(UTIME), C(UTIME) + C(STIME));
	if (C(HW_KERNEL) != 1 && isfinite(user) && user > 0)
		busy = tc * user;
	v[PP_F_GHZ] = ratio(cyc, busy) / 1e9;
	v[PP_F_L1D_LOAD_MISS_PKI] = 1000 * ratio(C(L1D_MISS), ins);
	v[PP_F_LLC_LOAD_MISS_PKI] = 1000 * ratio(C(LLC_MISS), ins);
	v[PP_F_DTLB_LOAD_MISS_PKI] = 1000 * ratio(C(DTLB_MISS), ins);
	v[PP_F_BRANCH_MISS_PKI] = 1000 * ratio(C(BRANCH_MISS), ins);
	v[PP_F_CACHE_REF_PKI] = 1000 * ratio(C(CACHE_REF), ins);
	v[PP_F_STALL_FRONTEND] = ratio(C(STALL_FRONTEND), cyc);
	v[PP_F_STALL_BACKEND] = ratio(C(STALL_BACKEND), cyc);
	v[PP_F_HW_RUNNING] = hw_running;

	double ns = C(SAMPLES);
	v[PP_F_IP_SAMPLES] = ratio(ns, tc);
	static const struct from_input shares[] = {
		{ PP_F_IP_AES, IN_CLS_AES },           { PP_F_IP_CLMUL, IN_CLS_CLMUL },
		{ PP_F_IP_SHA, IN_CLS_SHA },           { PP_F_IP_MUL, IN_CLS_MUL },
		{ PP_F_IP_DIV, IN_CLS_DIV },           { PP_F_IP_SQRT, IN_CLS_SQRT },
		{ PP_F_IP_FP_SIMD, IN_CLS_FP_SIMD },   { PP_F_IP_INT_SIMD, IN_CLS_INT_SIMD },
		{ PP_F_IP_LOAD, IN_CLS_LOAD },         { PP_F_IP_STORE, IN_CLS_STORE },
		{ PP_F_IP_BRANCH, IN_CLS_BRANCH },     { PP_F_IP_ROUNDING, IN_CLS_ROUNDING },
		{ PP_F_IP_OTHER, IN_CLS_OTHER },       { PP_F_IP_UNDECODABLE, IN_CLS_UNDECODABLE },
		{ PP_F_IP_UNREADABLE, IN_CLS_UNREADABLE },
		{ PP_F_IP_JIT, IN_LOC_JIT },           { PP_F_IP_FILE, IN_LOC_FILE },
		{ PP_F_IP_VDSO, IN_LOC_VDSO },         { PP_F_IP_UNMAPPED, IN_LOC_UNMAPPED },
		{ PP_F_IP_TOP16, IN_TOP16 },
	};
	for (size_t i = 0; i < sizeof(shares) / sizeof(shares[0]); i++)
		v[shares[i].f] = ratio(in[shares[i].count], ns);
	v[PP_F_IP_ENTROPY] = ns > 0 ? C(ENTROPY) : NAN;

	v[PP_F_SYS_SHARE] = ratio(C(STIME), SUM2(UTIME, STIME));
	v[PP_F_RUN_DELAY] = ratio(C(WAIT) * 1e-9, tc);
	v[PP_F_TIMESLICES] = ratio(C(TIMESLICES), tc);
	v[PP_F_RSS_MIB] = C(RSS) / 1024;
	v[PP_F_ANON_HUGE_SHARE] = ratio(C(ANON_HUGE), C(RSS));
	v[PP_F_HUGETLB_MIB] = C(HUGETLB) / 1024;
	v[PP_F_LOCKED_MIB] = C(LOCKED) / 1024;
	v[PP_F_READ_BYTES] = ratio(C(RCHAR), tc);
	v[PP_F_WRITE_BYTES] = ratio(C(WCHAR), tc);
	v[PP_F_IO_SYSCALLS] = ratio(SUM2(SYSCR, SYSCW), tc);

	v[PP_F_FP_ROUND_NONDEFAULT_SHARE] = ratio(C(FP_NONDEFAULT), C(FP_SWITCHES));
	v[PP_F_FP_PREEMPT_NONDEFAULT_SHARE] = ratio(C(FP_PREEMPTED_NONDEFAULT), C(FP_PREEMPTED));
	static const struct from_input per_s[] = {
		{ PP_F_SC_SYNC, IN_SC_SYNC },   { PP_F_SC_MEMORY, IN_SC_MEMORY },
		{ PP_F_SC_PROTECT, IN_SC_PROTECT }, { PP_F_SC_FILE, IN_SC_FILE },
		{ PP_F_SC_NET, IN_SC_NET },     { PP_F_SC_TIME, IN_SC_TIME },
		{ PP_F_SC_OTHER, IN_SC_OTHER },
	};
	double sc_total = 0;
	for (size_t i = 0; i < sizeof(per_s) / sizeof(per_s[0]); i++) {
		v[per_s[i].f] = ratio(in[per_s[i].count], tc);
		sc_total += in[per_s[i].count]; /* NaN without the backend */
	}
	v[PP_F_SC_TOTAL] = ratio(sc_total, tc);
#undef SUM2
#undef FIRST
#undef C
}
