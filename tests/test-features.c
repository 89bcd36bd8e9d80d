/* The feature vector: names, documentation, formulas on hand-made windows (expected values
 * worked out from docs/features.md by hand), NaN for what is missing, and the property the
 * normalisation exists for: throttling a process changes cpu_util and nothing else. */
#include "fingerprint/collect/collector.h"

#include <powprint/collect.h>
#include <powprint/features.h>

#include <criterion/criterion.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static struct pp_window w, w2;
static struct pp_features f, f2;

static void add(struct pp_window *x, const char *name, double v)
{
	pp_window_add(x, "test", name, v, 1, false);
}

static void add_gauge(struct pp_window *x, const char *name, double v)
{
	pp_window_add(x, "test", name, v, 1, true);
}

static void expect_near(double a, double b, const char *what)
{
	cr_expect(fabs(a - b) <= 1e-9 * fmax(1, fabs(b)), "%s = %g, want %g", what, a, b);
}
#define EXPECT_NEAR(a, b) expect_near((a), (b), #a)

Test(features, names_are_unique_and_found)
{
	for (int i = 0; i < PP_F_COUNT; i++) {
		const struct pp_feature_info *fi = pp_feature_info(i);
		cr_assert_not_null(fi);
		cr_expect(fi->name && fi->name[0] && fi->unit && fi->unit[0] && fi->source &&
			  fi->formula && fi->formula[0], "feature %d is incompletely described", i);
		cr_expect_eq(pp_feature_find(fi->name), i, "%s", fi->name);
		for (const char *p = fi->name; *p; p++)
			cr_expect((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '_',
				  "column names are [a-z0-9_]: %s", fi->name);
	}
	cr_expect_null(pp_feature_info(PP_F_COUNT));
	cr_expect_null(pp_feature_info((enum pp_feature)-1));
	cr_expect_eq(pp_feature_find("no_such_feature"), -ENOENT);
}

Test(features, every_feature_is_documented)
{
	char path[4096];
	snprintf(path, sizeof(path), "%s/../../docs/features.md", PP_VECTORS_DIR);
	FILE *fp = fopen(path, "r");
	cr_assert_not_null(fp, "cannot open %s", path);
	static char doc[65536];
	size_t n = fread(doc, 1, sizeof(doc) - 1, fp);
	fclose(fp);
	doc[n] = '\0';
	char vers[64];
	snprintf(vers, sizeof(vers), "(version %d)", PP_FEATURES_VERSION);
	cr_expect(strstr(doc, vers), "docs/features.md does not describe version %d",
		  PP_FEATURES_VERSION);
	for (int i = 0; i < PP_F_COUNT; i++) {
		char row[96];
		snprintf(row, sizeof(row), "| `%s` |", pp_feature_info(i)->name);
		cr_expect(strstr(doc, row), "docs/features.md has no table row for %s",
			  pp_feature_info(i)->name);
	}
}

Test(features, empty_window_is_all_nan)
{
	memset(&w, 0, sizeof(w));
	w.end_s = 1.0;
	w.task_clock_s = NAN;
	pp_features_compute(&w, &f);
	cr_expect_eq(f.version, PP_FEATURES_VERSION);
	for (int i = 0; i < PP_F_COUNT; i++)
		cr_expect(isnan(f.v[i]), "%s = %g without any count", pp_feature_info(i)->name, f.v[i]);
}

Test(features, formulas)
{
	memset(&w, 0, sizeof(w));
	w.start_s = 2.0;
	w.end_s = 4.0;            /* 2 s of wall time */
	w.task_clock_s = 0.5;     /* a quarter of a CPU */
	add(&w, "task-clock", 0.5e9);
	add(&w, "context-switches", 20);
	add(&w, "cpu-migrations", 3);
	add(&w, "page-faults-min", 100);
	add(&w, "page-faults-maj", 1);
	add(&w, "cycles", 1.5e9);
	add(&w, "instructions", 3e9);
	add(&w, "L1-dcache-load-misses", 6e6);
	add(&w, "LLC-load-misses", 3e5);
	add(&w, "branch-misses", 1.5e6);
	pp_window_add(&w, "perf-hw", "dTLB-load-misses", 3e3, 0.5, false);
	add(&w, "ip.samples", 400);
	add(&w, "ip.cls.aes", 100);
	add(&w, "ip.cls.load", 200);
	add(&w, "ip.cls.rounding", 4);
	add(&w, "ip.loc.jit", 300);
	add(&w, "ip.loc.file", 100);
	add(&w, "ip.top16", 380);
	add_gauge(&w, "ip.entropy_bits", 3.5);
	add_gauge(&w, "proc.threads", 4);
	add(&w, "proc.utime_s", 0.45);
	add(&w, "proc.stime_s", 0.05);
	add(&w, "proc.vol_ctx", 5);
	add(&w, "proc.invol_ctx", 15);
	add(&w, "proc.wait_ns", 0.25e9);
	add(&w, "proc.timeslices", 40);
	add_gauge(&w, "proc.rss_kib", 4096);
	add_gauge(&w, "proc.anon_huge_kib", 2048);
	add_gauge(&w, "proc.hugetlb_kib", 0);
	add(&w, "proc.rchar", 1000);
	add(&w, "proc.syscr", 7);
	add(&w, "proc.syscw", 3);
	pp_features_compute(&w, &f);

	EXPECT_NEAR(f.v[PP_F_CPU_UTIL], 0.25);
	EXPECT_NEAR(f.v[PP_F_THREADS], 4);
	EXPECT_NEAR(f.v[PP_F_CTX_SWITCHES], 40);        /* 20 / 0.5 s */
	EXPECT_NEAR(f.v[PP_F_INVOL_CTX_SHARE], 0.75);
	EXPECT_NEAR(f.v[PP_F_MIGRATIONS], 6);
	EXPECT_NEAR(f.v[PP_F_MINOR_FAULTS], 200);
	EXPECT_NEAR(f.v[PP_F_MAJOR_FAULTS], 2);
	EXPECT_NEAR(f.v[PP_F_IPC], 2);
	/* 1.5e9 user-mode cycles in the 0.45 s of user time of 0.5 s of CPU (the task clock
	 * counts kernel time too). */
	EXPECT_NEAR(f.v[PP_F_GHZ], 1.5 / (0.5 * 0.45 / 0.5));
	add_gauge(&w, "hw.kernel", 1); /* --kernel: cycles over all CPU time */
	struct pp_features fk;
	pp_features_compute(&w, &fk);
	EXPECT_NEAR(fk.v[PP_F_GHZ], 3);
	EXPECT_NEAR(f.v[PP_F_L1D_LOAD_MISS_PKI], 2);
	EXPECT_NEAR(f.v[PP_F_LLC_LOAD_MISS_PKI], 0.1);
	EXPECT_NEAR(f.v[PP_F_DTLB_LOAD_MISS_PKI], 0.001);
	EXPECT_NEAR(f.v[PP_F_BRANCH_MISS_PKI], 0.5);
	EXPECT_NEAR(f.v[PP_F_HW_RUNNING], 0.5);
	cr_expect(isnan(f.v[PP_F_CACHE_REF_PKI]), "no cache-references: NaN, not 0");
	cr_expect(isnan(f.v[PP_F_STALL_FRONTEND]));
	EXPECT_NEAR(f.v[PP_F_IP_SAMPLES], 800);
	EXPECT_NEAR(f.v[PP_F_IP_AES], 0.25);
	EXPECT_NEAR(f.v[PP_F_IP_LOAD], 0.5);
	EXPECT_NEAR(f.v[PP_F_IP_ROUNDING], 0.01);
	EXPECT_NEAR(f.v[PP_F_IP_JIT], 0.75);
	EXPECT_NEAR(f.v[PP_F_IP_FILE], 0.25);
	EXPECT_NEAR(f.v[PP_F_IP_TOP16], 0.95);
	EXPECT_NEAR(f.v[PP_F_IP_ENTROPY], 3.5);
	cr_expect(isnan(f.v[PP_F_IP_MUL]), "a class with no count is unknown, not 0");
	EXPECT_NEAR(f.v[PP_F_SYS_SHARE], 0.1);
	EXPECT_NEAR(f.v[PP_F_RUN_DELAY], 0.5);
	EXPECT_NEAR(f.v[PP_F_TIMESLICES], 80);
	EXPECT_NEAR(f.v[PP_F_RSS_MIB], 4);
	EXPECT_NEAR(f.v[PP_F_ANON_HUGE_SHARE], 0.5);
	EXPECT_NEAR(f.v[PP_F_HUGETLB_MIB], 0);
	cr_expect(isnan(f.v[PP_F_LOCKED_MIB]));
	EXPECT_NEAR(f.v[PP_F_READ_BYTES], 2000);
	cr_expect(isnan(f.v[PP_F_WRITE_BYTES]));
	EXPECT_NEAR(f.v[PP_F_IO_SYSCALLS], 20);
}

Test(features, procfs_stands_in_for_perf_sw)
{
	memset(&w, 0, sizeof(w));
	w.end_s = 1.0;
	w.task_clock_s = 0.2;
	add(&w, "proc.vol_ctx", 1);
	add(&w, "proc.invol_ctx", 3);
	add(&w, "proc.minflt", 10);
	add(&w, "proc.majflt", 0);
	pp_features_compute(&w, &f);
	EXPECT_NEAR(f.v[PP_F_CTX_SWITCHES], 20);
	EXPECT_NEAR(f.v[PP_F_MINOR_FAULTS], 50);
	EXPECT_NEAR(f.v[PP_F_MAJOR_FAULTS], 0);
	cr_expect(isnan(f.v[PP_F_MIGRATIONS]), "no procfs stand-in for migrations");
}

Test(features, zero_denominators_are_nan)
{
	memset(&w, 0, sizeof(w));
	w.end_s = 1.0;
	w.task_clock_s = 0;       /* idle all window */
	add(&w, "context-switches", 0);
	add(&w, "cycles", 0);
	add(&w, "instructions", 0);
	add(&w, "ip.samples", 0);
	add(&w, "ip.cls.aes", 0);
	add(&w, "proc.utime_s", 0);
	add(&w, "proc.stime_s", 0);
	pp_features_compute(&w, &f);
	EXPECT_NEAR(f.v[PP_F_CPU_UTIL], 0);
	cr_expect(isnan(f.v[PP_F_CTX_SWITCHES]));
	cr_expect(isnan(f.v[PP_F_IPC]));
	cr_expect(isnan(f.v[PP_F_IP_AES]));
	cr_expect(isnan(f.v[PP_F_IP_ENTROPY]));
	cr_expect(isnan(f.v[PP_F_SYS_SHARE]));
	cr_expect(isnan(f.v[PP_F_IP_SAMPLES]));
}

/* Every count that accumulates with CPU time, of a process running flat out and of the same
 * process throttled to 20% (a covert miner): all features but cpu_util must agree. */
static void fill(struct pp_window *x, double scale)
{
	static const struct {
		const char *name;
		double v;
	} deltas[] = {
		{ "context-switches", 50 },   { "cpu-migrations", 2 },   { "page-faults-min", 30 },
		{ "page-faults-maj", 1 },     { "cycles", 3e9 },         { "instructions", 2.4e9 },
		{ "L1-dcache-load-misses", 4e7 }, { "LLC-load-misses", 2e6 },
		{ "dTLB-load-misses", 1e6 },  { "branch-misses", 5e6 },  { "cache-references", 9e6 },
		{ "ip.samples", 1000 },       { "ip.cls.aes", 270 },     { "ip.cls.mul", 120 },
		{ "ip.cls.load", 400 },       { "ip.cls.other", 210 },   { "ip.loc.jit", 990 },
		{ "ip.loc.file", 10 },        { "ip.top16", 600 },       { "proc.utime_s", 0.99 },
		{ "proc.stime_s", 0.01 },     { "proc.vol_ctx", 3 },     { "proc.invol_ctx", 47 },
		{ "proc.wait_ns", 1e8 },      { "proc.timeslices", 50 }, { "proc.rchar", 4096 },
		{ "proc.wchar", 512 },        { "proc.syscr", 4 },       { "proc.syscw", 2 },
		{ "stalled-cycles-frontend", 3e8 }, { "stalled-cycles-backend", 1.2e9 },
		{ "ip.cls.clmul", 0 }, { "ip.cls.sha", 0 }, { "ip.cls.div", 0 }, { "ip.cls.sqrt", 0 },
		{ "ip.cls.fp-simd", 0 }, { "ip.cls.int-simd", 0 }, { "ip.cls.store", 0 },
		{ "ip.cls.branch", 0 }, { "ip.cls.rounding", 0 }, { "ip.cls.undecodable", 0 },
		{ "ip.cls.unreadable", 0 }, { "ip.loc.vdso", 0 }, { "ip.loc.unmapped", 0 },
		{ "bpf.sc.sync", 400 },       { "bpf.sc.memory", 6 },    { "bpf.sc.protect", 120 },
		{ "bpf.sc.file", 20 },        { "bpf.sc.net", 3 },       { "bpf.sc.time", 2 },
		{ "bpf.sc.other", 9 },        { "bpf.fp_switches", 60 }, { "bpf.fp_round_nondefault", 45 },
		{ "bpf.fp_preempted", 47 },   { "bpf.fp_preempted_nondefault", 40 },
	};
	memset(x, 0, sizeof(*x));
	x->end_s = 1.0;
	x->task_clock_s = 1.0 * scale;
	for (size_t i = 0; i < sizeof(deltas) / sizeof(deltas[0]); i++)
		add(x, deltas[i].name, deltas[i].v * scale);
	pp_window_add(x, "perf-hw", "ref-cycles", 2.5e9 * scale, 0.8, false);
	add_gauge(x, "ip.entropy_bits", 6.0);
	add_gauge(x, "proc.threads", 8);
	add_gauge(x, "proc.rss_kib", 2.2e6);
	add_gauge(x, "proc.anon_huge_kib", 2e6);
	add_gauge(x, "proc.hugetlb_kib", 0);
	add_gauge(x, "proc.locked_kib", 0);
}

Test(features, throttling_changes_only_cpu_util)
{
	fill(&w, 1.0);
	fill(&w2, 0.2);
	pp_features_compute(&w, &f);
	pp_features_compute(&w2, &f2);
	EXPECT_NEAR(f.v[PP_F_CPU_UTIL], 1.0);
	EXPECT_NEAR(f2.v[PP_F_CPU_UTIL], 0.2);
	int compared = 0;
	for (int i = 0; i < PP_F_COUNT; i++) {
		if (i == PP_F_CPU_UTIL)
			continue;
		const char *name = pp_feature_info(i)->name;
		cr_expect_eq(isnan(f.v[i]), isnan(f2.v[i]), "%s", name);
		if (isnan(f.v[i]))
			continue;
		compared++;
		cr_expect(fabs(f.v[i] - f2.v[i]) <= 1e-9 * fmax(1, fabs(f.v[i])),
			  "%s: %g flat out, %g throttled", name, f.v[i], f2.v[i]);
	}
	cr_expect_eq(compared, PP_F_COUNT - 1, "only %d features were compared", compared);
}

/* A window where the target hardly ran: its rates per task-clock second rest on a handful of
 * events, and displays leave them out; levels, shares and cpu_util stay. The same counts over
 * enough CPU time keep every rate. */
Test(features, thin_windows_drop_their_rates)
{
	for (int busy = 0; busy < 2; busy++) {
		memset(&w, 0, sizeof(w));
		w.end_s = 1.0;
		w.task_clock_s = busy ? 2 * PP_FEATURES_MIN_TASK_CLOCK_S :
				 PP_FEATURES_MIN_TASK_CLOCK_S / 20;
		add(&w, "page-faults-min", 313);
		add(&w, "cpu-migrations", 4);
		add(&w, "context-switches", 3);
		add(&w, "ip.samples", 4);
		add(&w, "ip.cls.load", 1);
		add_gauge(&w, "proc.rss_kib", 2048);
		pp_features_compute(&w, &f);
		cr_expect_eq(pp_features_drop_thin(&w, &f), !busy);
		int rates = 0;
		for (int i = 0; i < PP_F_COUNT; i++) {
			if (!pp_feature_per_task_clock(i))
				continue;
			rates++;
			cr_expect(strstr(pp_feature_info(i)->unit, "per task-clock s"), "%s",
				  pp_feature_info(i)->name);
			if (!busy)
				cr_expect(isnan(f.v[i]), "%s kept in a thin window",
					  pp_feature_info(i)->name);
		}
		cr_expect_geq(rates, 5);
		cr_expect_eq(isnan(f.v[PP_F_MINOR_FAULTS]), !busy);
		cr_expect_eq(isnan(f.v[PP_F_MIGRATIONS]), !busy);
		EXPECT_NEAR(f.v[PP_F_CPU_UTIL], w.task_clock_s);
		EXPECT_NEAR(f.v[PP_F_IP_LOAD], 0.25);
		EXPECT_NEAR(f.v[PP_F_RSS_MIB], 2);
	}
}
