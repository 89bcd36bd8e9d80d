/* Counter collection on live child processes that run known loops (AES-NI rounds, a matrix
 * multiply, generated code in anonymous executable memory, MXCSR writes), plus the edge
 * cases: a target that exits early, an invalid pid, an unknown event or backend, a command
 * that cannot run, running out of file descriptors; and what keeps collection cheap: the
 * bounded, shareable IP cache, and smaps_rollup levels carried forward between reads.
 * Thresholds are loose: the machine is shared and noisy; what is checked is a difference of
 * kind, not of degree. */
#define _GNU_SOURCE
#include "fingerprint/collect/collector.h"
#include "fingerprint/collect/decode/decode.h"
#include "support/testutil.h"

#include <powprint/collect.h>
#include <powprint/features.h>
#include <powprint/opts.h>

#include <cjson/cJSON.h>
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/perf_event.h>
#include <math.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#if defined(__x86_64__)
#include <immintrin.h>
#endif

static volatile uint64_t sink;

/* ---- workloads, run in a forked child until it is killed ---- */

#if defined(__x86_64__)
__attribute__((target("aes,sse2"))) static void loop_aes(void)
{
	__m128i x = _mm_set1_epi32(0x01234567), k = _mm_set1_epi32(0x3c3c3c3c);
	for (;;) {
		for (int i = 0; i < 1000; i++) {
			x = _mm_aesenc_si128(x, k);
			x = _mm_aesenc_si128(x, k);
			x = _mm_aesenc_si128(x, k);
			x = _mm_aesenc_si128(x, k);
			x = _mm_aesenclast_si128(x, k);
		}
		sink = (uint64_t)_mm_cvtsi128_si64(x);
	}
}

static void loop_mxcsr(void)
{
	unsigned csr[2] = { 0x1f80, 0x5f80 }; /* round to nearest / round down */
	for (unsigned i = 0;; i++)
		__asm__ volatile("ldmxcsr %0" : : "m"(csr[i & 1]));
}

/* mov ecx,100000; L: imul rax,rax; add rax,1; dec ecx; jnz L; ret */
static const uint8_t jit_code[] = { 0xb9, 0xa0, 0x86, 0x01, 0x00, 0x48, 0x0f, 0xaf, 0xc0,
				    0x48, 0x83, 0xc0, 0x01, 0xff, 0xc9, 0x75, 0xf4, 0xc3 };
#elif defined(__aarch64__)
/* mov w1,#50000; L: mul x0,x0,x0; add x0,x0,#1; subs w1,w1,#1; b.ne L; ret */
static const uint32_t jit_words[] = { 0x52986a01, 0x9b007c00, 0x91000400, 0x71000421,
				      0x54ffffa1, 0xd65f03c0 };
#endif

#if defined(__x86_64__)
/* mov edx,1000000; L: 8 x imul rax,rcx; dec edx; jnz L; ret. Rewritten: 8 x sqrtsd xmm0,xmm0,
 * the same length, so the same addresses hold other instructions. */
static const uint8_t jit_head[] = { 0xba, 0x40, 0x42, 0x0f, 0x00 };
static const uint8_t jit_imul[] = { 0x48, 0x0f, 0xaf, 0xc1 };
static const uint8_t jit_sqrt[] = { 0xf2, 0x0f, 0x51, 0xc0 };
static const uint8_t jit_tail[] = { 0xff, 0xca, 0x75, 0xdc, 0xc3 };
static volatile sig_atomic_t rewrite_req;
static int rewrite_ack[2];

static void on_usr1(int sig)
{
	(void)sig;
	rewrite_req = 1;
}

static void emit_loop(uint8_t *mem, const uint8_t *insn)
{
	memcpy(mem, jit_head, sizeof(jit_head));
	for (int i = 0; i < 8; i++)
		memcpy(mem + sizeof(jit_head) + 4 * i, insn, 4);
	memcpy(mem + sizeof(jit_head) + 32, jit_tail, sizeof(jit_tail));
}

/* Runs the imul loop until SIGUSR1, then the sqrt loop at the same addresses. */
static void loop_jit_rewritten(void)
{
	size_t pg = (size_t)sysconf(_SC_PAGESIZE);
	uint8_t *mem = mmap(NULL, pg, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (mem == MAP_FAILED)
		_exit(3);
	signal(SIGUSR1, on_usr1);
	emit_loop(mem, jit_imul);
	if (mprotect(mem, pg, PROT_READ | PROT_EXEC) < 0)
		_exit(3);
	void (*fn)(void) = (void (*)(void))(uintptr_t)mem;
	for (;;) {
		fn();
		if (rewrite_req) {
			rewrite_req = 0;
			if (mprotect(mem, pg, PROT_READ | PROT_WRITE) < 0)
				_exit(3);
			emit_loop(mem, jit_sqrt);
			if (mprotect(mem, pg, PROT_READ | PROT_EXEC) < 0 ||
			    write(rewrite_ack[1], "k", 1) != 1)
				_exit(3);
		}
	}
}
#endif

static void loop_jit(void)
{
	size_t pg = (size_t)sysconf(_SC_PAGESIZE);
	uint8_t *mem = mmap(NULL, pg, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (mem == MAP_FAILED)
		_exit(3);
#if defined(__x86_64__)
	memcpy(mem, jit_code, sizeof(jit_code));
#elif defined(__aarch64__)
	memcpy(mem, jit_words, sizeof(jit_words));
	__builtin___clear_cache((char *)mem, (char *)mem + sizeof(jit_words));
#endif
	if (mprotect(mem, pg, PROT_READ | PROT_EXEC) < 0)
		_exit(3);
	void (*fn)(void) = (void (*)(void))(uintptr_t)mem;
	for (;;)
		fn();
}

#define N 96
static double ma[N][N], mb[N][N], mc[N][N];

static void loop_matmul(void)
{
	for (int i = 0; i < N; i++)
		for (int j = 0; j < N; j++) {
			ma[i][j] = i + j * 0.5;
			mb[i][j] = i * 0.25 - j;
		}
	for (;;) {
		for (int i = 0; i < N; i++)
			for (int j = 0; j < N; j++) {
				double s = 0;
				for (int k = 0; k < N; k++)
					s += ma[i][k] * mb[k][j];
				mc[i][j] = s;
			}
		sink += (uint64_t)mc[N / 2][N / 3];
	}
}

static void loop_busy(void)
{
	for (uint64_t i = 0;; i++)
		sink += i * i;
}

static void *busy_thread(void *arg)
{
	(void)arg;
	loop_busy();
	return NULL;
}

/* Main thread idles; after 200 ms it starts two busy threads: created after attaching, they
 * are counted only through inherit. */
static void loop_late_threads(void)
{
	usleep(200 * 1000);
	pthread_t t;
	pthread_create(&t, NULL, busy_thread, NULL);
	pthread_create(&t, NULL, busy_thread, NULL);
	for (;;)
		pause();
}

/* Like loop_late_threads, with one late thread and one forked child. */
static void loop_late_thread_and_child(void)
{
	usleep(200 * 1000);
	pid_t pid = getpid();
	if (fork() == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (getppid() != pid)
			_exit(0);
		busy_thread(NULL);
	}
	pthread_t t;
	pthread_create(&t, NULL, busy_thread, NULL);
	for (;;)
		pause();
}

static void loop_many_threads(void)
{
	pthread_t t;
	for (int i = 0; i < 24; i++)
		pthread_create(&t, NULL, busy_thread, NULL);
	for (;;)
		pause();
}

static void exit_soon(void)
{
	struct timespec t0, t;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	do {
		for (int i = 0; i < 100000; i++)
			sink += (uint64_t)i * i;
		clock_gettime(CLOCK_MONOTONIC, &t);
	} while ((t.tv_sec - t0.tv_sec) * 1000 + (t.tv_nsec - t0.tv_nsec) / 1000000 < 300);
	_exit(0);
}

#if defined(__x86_64__)
/* 30 ms busy out of every 100 ms: a throttled miner. */
__attribute__((target("aes,sse2"))) static void loop_aes_throttled(void)
{
	__m128i x = _mm_set1_epi32(7), k = _mm_set1_epi32(9);
	for (;;) {
		struct timespec t0, t;
		clock_gettime(CLOCK_MONOTONIC, &t0);
		do {
			for (int i = 0; i < 2000; i++)
				x = _mm_aesenc_si128(x, k);
			clock_gettime(CLOCK_MONOTONIC, &t);
		} while ((t.tv_sec - t0.tv_sec) * 1000000000L + (t.tv_nsec - t0.tv_nsec) < 30000000L);
		sink = (uint64_t)_mm_cvtsi128_si64(x);
		usleep(70 * 1000);
	}
}
#endif

static pid_t spawn(void (*fn)(void))
{
	pid_t pid = fork();
	cr_assert_geq(pid, 0);
	if (pid == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		alarm(60); /* never outlive a stuck test */
		fn();
		_exit(0);
	}
	usleep(50 * 1000); /* let it reach its loop */
	return pid;
}

static void reap(pid_t pid)
{
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
}

static char warnings[2048];

static void keep_warning(void *arg, const char *msg)
{
	(void)arg;
	snprintf(warnings + strlen(warnings), sizeof(warnings) - strlen(warnings), "%s\n", msg);
}

/* One window of `ms` on pid with the given backends. */
static void one_window(pid_t pid, const char *backends, unsigned ms, struct pp_window *w)
{
	PP_OPTS(pp_collect_opts, o, .backends = backends, .interval_ms = ms, .warn = keep_warning);
	struct pp_collector *c;
	char why[512];
	int err = pp_collector_open_pid(pid, &o, &c, why, sizeof(why));
	cr_assert_eq(err, 0, "open on pid %d with %s: %d %s", (int)pid, backends, err, why);
	err = pp_collector_read(c, w);
	cr_assert_eq(err, 0, "read: %d", err);
	pp_collector_close(c);
}

/* Feature f of window w (computed as the recorder and the agent compute it). */
static double F(const struct pp_window *w, int f)
{
	struct pp_features v;
	pp_features_compute(w, &v);
	return v.v[f];
}

static struct pp_window win;

static bool have(const char *backend)
{
	struct pp_backend_status st[PP_BACKEND_MAX];
	int n = pp_collector_probe(st, PP_BACKEND_MAX);
	for (int i = 0; i < n && i < PP_BACKEND_MAX; i++)
		if (strcmp(st[i].name, backend) == 0)
			return st[i].available;
	return false;
}

#define NEED(backend)                                                         \
	do {                                                                  \
		if (!have(backend))                                           \
			cr_skip_test(backend " is unavailable on this machine"); \
	} while (0)

/* ---- probing ---- */

Test(collect, probe_says_why)
{
	struct pp_backend_status st[PP_BACKEND_MAX];
	int n = pp_collector_probe(st, PP_BACKEND_MAX);
	cr_assert_eq(n, 4);
	const char *want[] = { "perf-hw", "perf-sw", "ip-sample", "procfs" };
	for (int i = 0; i < n; i++) {
		cr_expect_str_eq(st[i].name, want[i]);
		cr_expect(st[i].summary && st[i].summary[0]);
		/* Available exactly when there is no reason why not. */
		cr_expect_eq(st[i].available, st[i].why[0] == '\0', "%s: %s", st[i].name, st[i].why);
		cr_expect_eq(st[i].available, st[i].err == 0);
	}
	cr_expect(st[3].available, "procfs: %s", st[3].why);
	/* Fewer slots than backends: still returns the count, touches no more. */
	struct pp_backend_status one[2];
	memset(one, 0x5a, sizeof(one));
	cr_expect_eq(pp_collector_probe(one, 1), 4);
	cr_expect_eq(((unsigned char *)&one[1])[0], 0x5a);
}

/* ---- ip-sample: instruction classes and code locations ---- */

#if defined(__x86_64__)
Test(collect, aes_loop_shows_aes)
{
	NEED("ip-sample");
	pid_t pid = spawn(loop_aes);
	one_window(pid, "ip-sample,perf-sw", 700, &win);
	reap(pid);
	cr_assert_gt(pp_window_count(&win, "ip.samples"), 100, "too few samples");
	cr_expect_gt(F(&win, PP_F_IP_AES), 0.4, "aes share %.3f", F(&win, PP_F_IP_AES));
	cr_expect_gt(F(&win, PP_F_IP_FILE), 0.95, "file share %.3f", F(&win, PP_F_IP_FILE));
	cr_expect_lt(F(&win, PP_F_IP_UNREADABLE), 0.05);
	cr_expect_gt(F(&win, PP_F_IP_TOP16), 0.5, "a tight loop: its few IPs hold the samples");
}

Test(collect, mxcsr_loop_shows_rounding_writes)
{
	NEED("ip-sample");
	pid_t pid = spawn(loop_mxcsr);
	one_window(pid, "ip-sample,perf-sw", 700, &win);
	reap(pid);
	cr_assert_gt(pp_window_count(&win, "ip.samples"), 100, "too few samples");
	/* One ldmxcsr among four instructions: 0.24 of the samples on AMD EPYC, more on Intel
	 * Xeon, where samples pile up after the serialising write. */
	cr_expect_gt(F(&win, PP_F_IP_ROUNDING), 0.15, "rounding share %.3f",
		     F(&win, PP_F_IP_ROUNDING));
	cr_expect_lt(F(&win, PP_F_IP_AES), 0.02);
}
#endif

Test(collect, matmul_shows_no_aes)
{
	NEED("ip-sample");
	pid_t pid = spawn(loop_matmul);
	one_window(pid, "ip-sample,perf-sw", 700, &win);
	reap(pid);
	cr_assert_gt(pp_window_count(&win, "ip.samples"), 100, "too few samples");
	cr_expect_lt(F(&win, PP_F_IP_AES), 0.02, "aes share %.3f", F(&win, PP_F_IP_AES));
	/* Loads and FP math: 15% and more of the samples on Intel Xeon; on AMD EPYC the samples
	 * land mostly on the loop's integer bookkeeping (4% here), and ASan's shadow checks dilute
	 * them further in sanitizer builds. Not zero: the decoder does see them. */
	cr_expect_gt(F(&win, PP_F_IP_FP_SIMD) + F(&win, PP_F_IP_LOAD), 0.02,
		     "fp %.3f load %.3f", F(&win, PP_F_IP_FP_SIMD), F(&win, PP_F_IP_LOAD));
	cr_expect_lt(F(&win, PP_F_IP_JIT), 0.02);
}

Test(collect, generated_code_shows_as_jit)
{
	NEED("ip-sample");
	pid_t pid = spawn(loop_jit);
	one_window(pid, "ip-sample,perf-sw", 700, &win);
	reap(pid);
	cr_assert_gt(pp_window_count(&win, "ip.samples"), 100, "too few samples");
	cr_expect_gt(F(&win, PP_F_IP_JIT), 0.9, "jit share %.3f", F(&win, PP_F_IP_JIT));
	cr_expect_gt(F(&win, PP_F_IP_MUL), 0.2, "mul share %.3f", F(&win, PP_F_IP_MUL));
	cr_expect_lt(F(&win, PP_F_IP_UNREADABLE), 0.05);
}

#if defined(__x86_64__)
/* Normalised per task-clock second and per sample: a loop throttled to 30% CPU keeps its
 * instruction mix; only cpu_util tells it apart. */
Test(collect, throttled_target_keeps_its_fingerprint)
{
	NEED("ip-sample");
	pid_t pid = spawn(loop_aes_throttled);
	one_window(pid, "ip-sample,perf-sw", 1000, &win);
	reap(pid);
	cr_assert_gt(pp_window_count(&win, "ip.samples"), 50, "too few samples");
	cr_expect_lt(F(&win, PP_F_CPU_UTIL), 0.6, "cpu_util %.3f", F(&win, PP_F_CPU_UTIL));
	cr_expect_gt(F(&win, PP_F_IP_AES), 0.4, "aes share %.3f", F(&win, PP_F_IP_AES));
	/* ~1000 samples per second of CPU, whatever the utilisation. */
	cr_expect_gt(F(&win, PP_F_IP_SAMPLES), 500, "%.0f", F(&win, PP_F_IP_SAMPLES));
	cr_expect_lt(F(&win, PP_F_IP_SAMPLES), 1500, "%.0f", F(&win, PP_F_IP_SAMPLES));
}
#endif

/* ---- perf-sw and procfs against /proc ---- */

static double proc_cpu_s(pid_t pid)
{
	char path[64];
	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	FILE *f = fopen(path, "r");
	cr_assert_not_null(f);
	char buf[1024];
	cr_assert_not_null(fgets(buf, sizeof(buf), f));
	fclose(f);
	unsigned long long ut, st;
	char *p = strrchr(buf, ')');
	cr_assert(sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu", &ut,
			 &st) == 2);
	return (double)(ut + st) / (double)sysconf(_SC_CLK_TCK);
}

Test(collect, perf_sw_and_procfs_agree_with_proc)
{
	NEED("perf-sw");
	pid_t pid = spawn(loop_busy);
	double before = proc_cpu_s(pid);
	one_window(pid, "perf-sw,procfs", 1000, &win);
	double after = proc_cpu_s(pid);
	reap(pid);
	double tc = pp_window_count(&win, "task-clock") * 1e-9;
	double run = pp_window_count(&win, "proc.run_ns") * 1e-9;
	double ut = pp_window_count(&win, "proc.utime_s") + pp_window_count(&win, "proc.stime_s");
	cr_assert_gt(tc, 0.1, "task-clock %.3f s: the busy child barely ran", tc);
	cr_expect_eq(win.task_clock_s, tc);
	/* The scheduler's run time is the same clock as task-clock, but /proc shows a running
	 * task's time only up to its last tick or switch. */
	cr_expect_lt(fabs(run - tc), 0.15 * tc + 0.02, "schedstat %.3f s vs task-clock %.3f s",
		     run, tc);
	/* /proc/PID/stat ticks, read by us around the window (which they contain). */
	cr_expect_lt(tc, after - before + 0.05, "task-clock %.3f s, /proc %.3f s", tc,
		     after - before);
	cr_expect_lt(fabs(ut - tc), 0.1 * tc + 0.03, "utime+stime %.3f s vs %.3f s", ut, tc);
	cr_expect_eq(pp_window_count(&win, "proc.threads"), 1);
	cr_expect_gt(pp_window_count(&win, "proc.rss_kib"), 100);
	cr_expect_lt(F(&win, PP_F_SYS_SHARE), 0.2);
	cr_expect_leq(F(&win, PP_F_CPU_UTIL), 1.05);
}

Test(collect, threads_created_later_are_inherited)
{
	NEED("perf-sw");
	pid_t pid = fork();
	cr_assert_geq(pid, 0);
	if (pid == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		alarm(60);
		loop_late_threads();
	}
	usleep(20 * 1000); /* attach while it has one thread */
	PP_OPTS(pp_collect_opts, o, .backends = "perf-sw,ip-sample,procfs", .interval_ms = 1000);
	struct pp_collector *c;
	char why[512];
	cr_assert_eq(pp_collector_open_pid(pid, &o, &c, why, sizeof(why)), 0, "%s", why);
	cr_assert_eq(pp_collector_read(c, &win), 0);
	pp_collector_close(c);
	reap(pid);
	cr_expect_eq(win.tasks, 1, "attached to %d threads", win.tasks);
	cr_expect_eq(pp_window_count(&win, "proc.threads"), 3);
	/* The main thread sleeps: the CPU time is the late threads', counted by inheritance,
	 * and it matches what the scheduler says of each thread. */
	double run = pp_window_count(&win, "proc.run_ns") * 1e-9;
	cr_expect_gt(win.task_clock_s, 0.05, "task-clock %.3f s: late threads not counted?",
		     win.task_clock_s);
	cr_expect_lt(fabs(win.task_clock_s - run), 0.1 * run + 0.01,
		     "task-clock %.3f s vs schedstat of the threads %.3f s", win.task_clock_s, run);
	if (have("ip-sample"))
		cr_expect_gt(pp_window_count(&win, "ip.samples"), 200);
}

/* Forked children are followed by default (`stat -- CMD` measures the command's process
 * tree), but not with threads_only, which the agent uses: it watches every process on its
 * own, and a parent must not look like the miner it started. */
Test(collect, forked_children_are_followed_unless_threads_only)
{
	NEED("perf-sw");
	for (int only = 0; only < 2; only++) {
		pid_t pid = fork();
		cr_assert_geq(pid, 0);
		if (pid == 0) {
			prctl(PR_SET_PDEATHSIG, SIGKILL);
			alarm(60);
			loop_late_thread_and_child();
		}
		usleep(20 * 1000);
		bool ips = have("ip-sample");
		PP_OPTS(pp_collect_opts, o, .backends = ips ? "perf-sw,ip-sample,procfs" :
			"perf-sw,procfs", .interval_ms = 1000, .threads_only = only);
		struct pp_collector *c;
		char why[512];
		cr_assert_eq(pp_collector_open_pid(pid, &o, &c, why, sizeof(why)), 0, "%s", why);
		cr_assert_eq(pp_collector_read(c, &win), 0);
		pp_collector_close(c);
		kill(pid, SIGKILL);
		reap(pid);
		/* schedstat of the target's own threads: the late thread, not the child. */
		double run = pp_window_count(&win, "proc.run_ns") * 1e-9, tc = win.task_clock_s;
		cr_assert_gt(run, 0.2, "the late thread ran %.3f s", run);
		/* The busy child runs about as much as the late thread: counted, it doubles
		 * task-clock. Loose bounds: under load the two clocks' windows differ a little. */
		if (only)
			cr_expect_lt(tc, 1.25 * run + 0.02, "threads_only: task-clock %.3f s vs the "
				     "target's threads %.3f s: the child's CPU time is counted", tc, run);
		else
			cr_expect_gt(tc, 1.4 * run, "task-clock %.3f s vs the target's threads "
				     "%.3f s: the child's CPU time is not counted", tc, run);
		/* Samples (1 kHz of CPU time) likewise. */
		double ns = pp_window_count(&win, "ip.samples");
		if (ips && only)
			cr_expect_lt(ns, 1250 * run + 30, "%.0f samples in %.3f s", ns, run);
		else if (ips)
			cr_expect_gt(ns, 1400 * run, "%.0f samples in %.3f s", ns, run);
	}
}

/* Paused, the events stay attached but count and sample nothing; resumed, they do again. */
Test(collect, pause_stops_counting_and_sampling)
{
	NEED("perf-sw");
	pid_t pid = spawn(loop_busy);
	bool ips = have("ip-sample");
	PP_OPTS(pp_collect_opts, o, .backends = ips ? "perf-sw,ip-sample" : "perf-sw",
		.interval_ms = 300);
	struct pp_collector *c;
	char why[512];
	cr_assert_eq(pp_collector_open_pid(pid, &o, &c, why, sizeof(why)), 0, "%s", why);
	double tc[3], ns[3];
	for (int i = 0; i < 3; i++) {
		cr_assert_eq(pp_collector_pause(c, i == 1), 0);
		cr_assert_eq(pp_collector_read(c, &win), 0);
		/* The window that pause began ended with the events still on: read the next. */
		cr_assert_eq(pp_collector_read(c, &win), 0);
		tc[i] = pp_window_count(&win, "task-clock");
		ns[i] = ips ? pp_window_count(&win, "ip.samples") : NAN;
	}
	pp_collector_close(c);
	reap(pid);
	cr_expect_gt(tc[0], 0.1, "running: task-clock %.3f s", tc[0]);
	cr_expect_eq(tc[1], 0, "paused: task-clock %.3f s", tc[1]);
	cr_expect_gt(tc[2], 0.1, "resumed: task-clock %.3f s", tc[2]);
	if (ips) {
		cr_expect_gt(ns[0], 50);
		cr_expect_eq(ns[1], 0, "paused: %.0f samples", ns[1]);
		cr_expect_gt(ns[2], 50);
	}
}

/* ---- targets that end or never were ---- */

Test(collect, target_exiting_early_ends_a_partial_window)
{
	pid_t pid = spawn(exit_soon);
	PP_OPTS(pp_collect_opts, o, .interval_ms = 2000);
	struct pp_collector *c;
	char why[512];
	cr_assert_eq(pp_collector_open_pid(pid, &o, &c, why, sizeof(why)), 0, "%s", why);
	struct timespec t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	/* It stays a zombie (we reap it below): the collector must see that as gone. */
	int err = pp_collector_read(c, &win);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	cr_assert_eq(err, 0);
	double waited = (t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) * 1e-9;
	cr_expect_lt(waited, 1.5, "the window should end when the target exits, not at 2 s");
	cr_expect(win.partial);
	cr_expect(win.target_exited);
	cr_expect_lt(win.end_s, 1.5);
	cr_expect_gt(win.task_clock_s, 0.05, "its last CPU time is still counted");
	cr_expect_eq(pp_collector_read(c, &win), -ESRCH);
	cr_expect_eq(pp_collector_read_now(c, &win), -ESRCH);
	pp_collector_close(c);
	reap(pid);
}

Test(collect, invalid_pid)
{
	struct pp_collector *c = NULL;
	char why[512] = "";
	/* Above the default pid_max (4194304 at most): never a process. */
	cr_expect_eq(pp_collector_open_pid(0x7ffffff0, NULL, &c, why, sizeof(why)), -ESRCH);
	cr_expect(strstr(why, "does not exist"), "why: %s", why);
	cr_expect_null(c);
	cr_expect_eq(pp_collector_open_pid(0, NULL, &c, why, sizeof(why)), -EINVAL);
	cr_expect_eq(pp_collector_open_pid(-5, NULL, &c, NULL, 0), -EINVAL);
}

Test(collect, unknown_event_and_backend_names)
{
	struct pp_collector *c = NULL;
	char why[512] = "";
	PP_OPTS(pp_collect_opts, o, .events = "cycles,no-such-event-xyz");
	cr_expect_eq(pp_collector_open_pid(getpid(), &o, &c, why, sizeof(why)), -ENOENT);
	cr_expect(strstr(why, "no-such-event-xyz"), "why names the event: %s", why);
	cr_expect_eq(pp_collect_opts_check(&o, why, sizeof(why)), -ENOENT);

	PP_OPTS(pp_collect_opts, b, .backends = "perf-sw,bogus");
	cr_expect_eq(pp_collector_open_pid(getpid(), &b, &c, why, sizeof(why)), -ENOENT);
	cr_expect(strstr(why, "bogus") && strstr(why, "ip-sample"), "why lists the valid ones: %s",
		  why);
	PP_OPTS(pp_collect_opts, i, .interval_ms = 50);
	cr_expect_eq(pp_collect_opts_check(&i, why, sizeof(why)), -EINVAL);
	cr_expect_null(c);
}

Test(collect, command_target_and_its_exit_status)
{
	char *argv[] = { "/bin/sh", "-c", "i=0; while [ $i -lt 20000 ]; do i=$((i+1)); done; exit 3",
			 NULL };
	PP_OPTS(pp_collect_opts, o, .backends = "perf-sw,procfs", .interval_ms = 5000);
	struct pp_collector *c;
	char why[512];
	cr_assert_eq(pp_collector_open_cmd(argv, &o, &c, why, sizeof(why)), 0, "%s", why);
	cr_expect_eq(pp_collector_exit_status(c), -1);
	cr_assert_eq(pp_collector_read(c, &win), 0);
	cr_expect(win.target_exited && win.partial);
	cr_expect_gt(win.task_clock_s, 0.0);
	int st = pp_collector_exit_status(c);
	cr_expect(WIFEXITED(st) && WEXITSTATUS(st) == 3, "status %#x", st);
	cr_expect_eq(pp_collector_read(c, &win), -ESRCH);
	pp_collector_close(c);

	char *bad[] = { "/nonexistent/powprint-test", NULL };
	why[0] = '\0';
	cr_expect_eq(pp_collector_open_cmd(bad, &o, &c, why, sizeof(why)), -ENOENT);
	cr_expect(strstr(why, "cannot run"), "why: %s", why);
}

/* ---- what keeps collection cheap ---- */

/* The decoded-IP cache is a fixed table: filling it with far more addresses than it holds
 * never grows it, and an entry in use is never the one given up. */
Test(collect, ip_cache_never_exceeds_its_bound)
{
	struct pp_ip_cache *c;
	cr_assert_eq(pp_ip_cache_new(10, &c), -EINVAL);
	cr_assert_eq(pp_ip_cache_new(1000, &c), 0);
	size_t cap = pp_ip_cache_capacity(c);
	cr_expect_leq(cap, 1000);
	cr_expect_geq(cap, 500);
	cr_expect_eq(pp_ip_cache_used(c), 0);
	struct pp_icache_key hot = { .a = 11, .b = 0x1234, .v = 99, .c = 0x801, .back = 32,
				     .kind = PP_ICK_FILE };
	pp_icache_put(c, &hot)->cls = PP_IC_AES;
	for (uint64_t i = 0; i < 50 * cap; i++) {
		pp_icache_tick(c);
		cr_assert_not_null(pp_icache_find(c, &hot), "evicted at step %llu although in use",
				   (unsigned long long)i);
		struct pp_icache_key k = { .a = 4242, .b = 0x400000 + i, .back = 32,
					   .kind = PP_ICK_PROC };
		struct pp_icache_entry *e = pp_icache_put(c, &k);
		cr_assert_not_null(e);
		e->cls = PP_IC_LOAD;
		cr_assert_leq(pp_ip_cache_used(c), cap);
	}
	cr_expect_eq(pp_ip_cache_used(c), cap, "full, and no fuller");
	const struct pp_icache_entry *e = pp_icache_find(c, &hot);
	cr_assert_not_null(e);
	cr_expect_eq(e->cls, PP_IC_AES);
	/* The same address of another process, or with fewer bytes before it, is another key. */
	struct pp_icache_key other = hot;
	other.back = 31;
	cr_expect_null(pp_icache_find(c, &other));
	other = hot;
	other.kind = PP_ICK_PROC;
	cr_expect_null(pp_icache_find(c, &other));
	other = hot; /* the same inode number, reused by another file */
	other.v = 100;
	cr_expect_null(pp_icache_find(c, &other));
	pp_ip_cache_free(c);
}

/* IPs close together share instruction lengths through a memo: the classes and lengths are
 * exactly those found without it, on real code (the end of this program's text, named as a
 * file's bytes and looked at twice: the second pass finds every length known) and on random
 * bytes (named as one read of process memory), IP after IP, with 1 to 32 bytes before each. */
extern char __executable_start[], etext[];

Test(collect, length_memo_finds_the_same_instructions)
{
	struct pp_decoder *d;
	int err = pp_decoder_new(pp_isa_native(), &d);
	if (err == -EOPNOTSUPP)
		cr_skip_test("no decoder for this architecture");
	cr_assert_eq(err, 0);
	static struct pp_len_memo memo;
	static uint8_t rnd[32768];
	uint32_t x = 12345;
	for (size_t i = 0; i < sizeof(rnd); i++)
		rnd[i] = (uint8_t)((x = x * 1103515245u + 12345u) >> 16);
	size_t text = (size_t)(etext - __executable_start);
	size_t tlen = text < 32768 ? text : 32768;
	const uint8_t *bufs[3] = { (const uint8_t *)etext - tlen, (const uint8_t *)etext - tlen, rnd };
	size_t lens[3] = { tlen, tlen, sizeof(rnd) };
	struct pp_code_at where[3] = { { 77, 3, 0x801, 0x10000 }, { 77, 3, 0x801, 0x10000 },
				       { 0, 0, 5, 0x7f0000000000ull } };
	long decodable = 0;
	for (int b = 0; b < 3; b++) {
		for (size_t ip = 32; ip < lens[b]; ip++) {
			size_t back = ip % 3 ? 32 : 1 + (ip * 7) % 32, l1, l2;
			const uint8_t *code = bufs[b] + ip - back;
			struct pp_code_at end = where[b];
			end.pos += ip;
			enum pp_iclass c1 = pp_decode_ending_at(d, code, back, &l1);
			enum pp_iclass c2 = pp_decode_ending_at_memo(d, code, back, &end, &memo, &l2);
			cr_assert_eq(c1, c2, "pass %d, IP %zu with %zu bytes: class %d, with the memo %d",
				     b, ip, back, c1, c2);
			cr_assert_eq(l1, l2, "pass %d, IP %zu: length %zu, with the memo %zu", b, ip,
				     l1, l2);
			decodable += c1 != PP_IC_UNDECODABLE;
		}
	}
	cr_expect_gt(decodable, 1000);
	pp_decoder_free(d);
}

#if defined(__x86_64__)
/* Two processes running the same code share the file-backed entries of one small cache, which
 * stays within its bound, and both still get their classes right. */
Test(collect, collectors_share_one_bounded_ip_cache)
{
	NEED("ip-sample");
	pid_t pa = spawn(loop_aes), pb = spawn(loop_aes);
	struct pp_ip_cache *ipc;
	cr_assert_eq(pp_ip_cache_new(64, &ipc), 0);
	PP_OPTS(pp_collect_opts, o, .backends = "ip-sample,perf-sw", .interval_ms = 700,
		.ip_cache = ipc);
	struct pp_collector *ca, *cb;
	char why[512];
	cr_assert_eq(pp_collector_open_pid(pa, &o, &ca, why, sizeof(why)), 0, "%s", why);
	cr_assert_eq(pp_collector_open_pid(pb, &o, &cb, why, sizeof(why)), 0, "%s", why);
	static struct pp_window wa, wb;
	for (int round = 0; round < 2; round++) {
		cr_assert_eq(pp_collector_read(ca, &wa), 0);
		cr_assert_eq(pp_collector_read_now(cb, &wb), 0);
		cr_assert_gt(pp_window_count(&wa, "ip.samples"), 100, "too few samples");
		cr_assert_gt(pp_window_count(&wb, "ip.samples"), 100, "too few samples");
		cr_expect_gt(F(&wa, PP_F_IP_AES), 0.4, "aes share %.3f", F(&wa, PP_F_IP_AES));
		cr_expect_gt(F(&wb, PP_F_IP_AES), 0.4, "aes share %.3f", F(&wb, PP_F_IP_AES));
		cr_expect_leq(pp_ip_cache_used(ipc), pp_ip_cache_capacity(ipc));
		cr_expect_leq(pp_ip_cache_capacity(ipc), 64);
	}
	/* Same binary, same hot loop: most of b's IPs are a's entries. */
	double da = pp_window_count(&wa, "ip.distinct"), db = pp_window_count(&wb, "ip.distinct");
	double used = (double)pp_ip_cache_used(ipc);
	cr_expect_lt(used, da + db - fmin(da, db) / 2, "%.0f entries for %.0f + %.0f distinct IPs",
		     used, da, db);
	pp_collector_close(ca);
	pp_collector_close(cb);
	pp_ip_cache_free(ipc);
	reap(pa);
	reap(pb);
}

/* Generated code is re-checked every window: rewritten in place, the same addresses get the
 * new instructions' class, not the cached one. */
Test(collect, rewritten_generated_code_is_classified_again)
{
	NEED("ip-sample");
	cr_assert_eq(pipe(rewrite_ack), 0);
	pid_t pid = spawn(loop_jit_rewritten);
	PP_OPTS(pp_collect_opts, o, .backends = "ip-sample,perf-sw", .interval_ms = 700);
	struct pp_collector *c;
	char why[512];
	cr_assert_eq(pp_collector_open_pid(pid, &o, &c, why, sizeof(why)), 0, "%s", why);
	cr_assert_eq(pp_collector_read(c, &win), 0);
	cr_assert_gt(pp_window_count(&win, "ip.samples"), 100, "too few samples");
	cr_expect_gt(F(&win, PP_F_IP_JIT), 0.9, "jit share %.3f", F(&win, PP_F_IP_JIT));
	cr_expect_gt(F(&win, PP_F_IP_MUL), 0.5, "mul share %.3f", F(&win, PP_F_IP_MUL));
	cr_expect_lt(F(&win, PP_F_IP_SQRT), 0.05, "sqrt share %.3f", F(&win, PP_F_IP_SQRT));
	kill(pid, SIGUSR1);
	char ch;
	cr_assert_eq(read(rewrite_ack[0], &ch, 1), 1);
	cr_assert_eq(pp_collector_read_now(c, &win), 0); /* the window that saw both */
	cr_assert_eq(pp_collector_read(c, &win), 0);
	cr_assert_gt(pp_window_count(&win, "ip.samples"), 100, "too few samples");
	cr_expect_gt(F(&win, PP_F_IP_SQRT), 0.5, "sqrt share %.3f", F(&win, PP_F_IP_SQRT));
	cr_expect_lt(F(&win, PP_F_IP_MUL), 0.05, "mul share %.3f", F(&win, PP_F_IP_MUL));
	pp_collector_close(c);
	reap(pid);
	close(rewrite_ack[0]);
	close(rewrite_ack[1]);
}
#endif

/* A child that holds memory and changes it on command: 'l' locks 2 MiB of what it has
 * touched (RSS unchanged), 'L' 2 MiB more, 'g' touches 64 MiB more (RSS grows). It answers
 * each with 'k', or 'e' when locking is not allowed or does nothing (AddressSanitizer makes
 * mlock a no-op). */
static int mem_cmd[2], mem_ack[2];

static long vm_locked_kib(void)
{
	char buf[4096];
	int fd = open("/proc/self/status", O_RDONLY);
	ssize_t k = fd >= 0 ? read(fd, buf, sizeof(buf) - 1) : -1;
	if (fd >= 0)
		close(fd);
	buf[k > 0 ? k : 0] = '\0';
	const char *p = strstr(buf, "VmLck:");
	return p ? atol(p + 6) : -1;
}

static void mem_steps(void)
{
	size_t base = 24 << 20, more = 64 << 20, lk = 2 << 20;
	uint8_t *m = mmap(NULL, base + more, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
			  -1, 0);
	if (m == MAP_FAILED)
		_exit(3);
	memset(m, 1, base);
	char ch;
	while (read(mem_cmd[0], &ch, 1) == 1) {
		bool good = true;
		if (ch == 'l')
			good = mlock(m, lk) == 0 && vm_locked_kib() >= 2048;
		else if (ch == 'L')
			good = mlock(m + lk, lk) == 0 && vm_locked_kib() >= 4096;
		else if (ch == 'g')
			memset(m + base, 2, more);
		if (write(mem_ack[1], good ? "k" : "e", 1) != 1)
			_exit(3);
	}
	_exit(0);
}

static char mem_do(char cmd)
{
	char ch = '?';
	cr_assert_eq(write(mem_cmd[1], &cmd, 1), 1);
	cr_assert_eq(read(mem_ack[0], &ch, 1), 1);
	return ch;
}

/* smaps_rollup is read only when RSS has moved notably (at most every 5 windows) or after 30
 * windows; in between every window carries the last levels. */
Test(collect, smaps_levels_are_carried_forward_between_reads)
{
	cr_assert_eq(pipe(mem_cmd), 0);
	cr_assert_eq(pipe(mem_ack), 0);
	pid_t pid = spawn(mem_steps);
	PP_OPTS(pp_collect_opts, o, .backends = "procfs", .interval_ms = 100);
	struct pp_collector *c;
	char why[512];
	cr_assert_eq(pp_collector_open_pid(pid, &o, &c, why, sizeof(why)), 0, "%s", why);
	cr_assert_eq(pp_collector_read(c, &win), 0); /* window 0: read */
	double lk0 = pp_window_count(&win, "proc.locked_kib");
	cr_assert(isfinite(lk0), "smaps_rollup unreadable here");
	if (mem_do('l') != 'k') {
		pp_collector_close(c);
		reap(pid);
		cr_skip_test("mlock is not allowed here (RLIMIT_MEMLOCK), or does nothing (ASan)");
	}
	/* RSS has not moved: the next windows carry window 0's levels. */
	for (int i = 1; i <= 6; i++) {
		cr_assert_eq(pp_collector_read(c, &win), 0);
		cr_expect_eq(pp_window_count(&win, "proc.locked_kib"), lk0, "window %d", i);
		cr_expect(isfinite(pp_window_count(&win, "proc.anon_huge_kib")), "window %d", i);
		cr_expect(isfinite(pp_window_count(&win, "proc.hugetlb_kib")), "window %d", i);
	}
	/* RSS grows by far more than 1/8: read again at the next window. */
	cr_assert_eq(mem_do('g'), 'k');
	cr_assert_eq(pp_collector_read(c, &win), 0);
	double lk1 = pp_window_count(&win, "proc.locked_kib");
	cr_expect_geq(lk1, lk0 + 2048, "locked %.0f KiB after the RSS grew, was %.0f", lk1, lk0);
	/* Locked again without RSS moving: unseen until 30 windows after that read. */
	cr_assert_eq(mem_do('L'), 'k');
	int seen_at = 0;
	for (int i = 1; i <= 31 && !seen_at; i++) {
		cr_assert_eq(pp_collector_read(c, &win), 0);
		double lk = pp_window_count(&win, "proc.locked_kib");
		if (lk >= lk1 + 2048)
			seen_at = i;
		else
			cr_expect_eq(lk, lk1, "window %d after the read: %.0f KiB", i, lk);
	}
	cr_expect_eq(seen_at, 30, "read again %d windows later, not 30", seen_at);
	pp_collector_close(c);
	reap(pid);
	for (int i = 0; i < 2; i++) {
		close(mem_cmd[i]);
		close(mem_ack[i]);
	}
}

Test(collect, read_on_demand_is_partial)
{
	pid_t pid = spawn(loop_busy);
	PP_OPTS(pp_collect_opts, o, .backends = "perf-sw", .interval_ms = 10000);
	struct pp_collector *c;
	char why[512];
	cr_assert_eq(pp_collector_open_pid(pid, &o, &c, why, sizeof(why)), 0, "%s", why);
	usleep(200 * 1000);
	cr_assert_eq(pp_collector_read_now(c, &win), 0);
	cr_expect(win.partial && !win.target_exited);
	cr_expect_eq(win.index, 0);
	cr_expect_lt(win.end_s, 1.0);
	cr_assert_eq(pp_collector_read_now(c, &win), 0);
	cr_expect_eq(win.index, 1);
	cr_expect_gt(win.start_s, 0.1, "windows are contiguous");
	pp_collector_close(c);
	reap(pid);
}

/* Out of file descriptors: fewer threads monitored, a warning, never a crash. */
Test(collect, fd_exhaustion_degrades)
{
	NEED("perf-sw");
	pid_t pid = spawn(loop_many_threads);
	usleep(100 * 1000);
	int used = 0;
	for (int fd = 0; fd < 1024; fd++)
		used += fcntl(fd, F_GETFD) >= 0;
	struct rlimit rl = { (rlim_t)(used + 40), (rlim_t)(used + 40) };
	cr_assert_eq(setrlimit(RLIMIT_NOFILE, &rl), 0);
	warnings[0] = '\0';
	PP_OPTS(pp_collect_opts, o, .backends = "perf-sw,ip-sample,procfs", .interval_ms = 300,
		.warn = keep_warning);
	struct pp_collector *c;
	char why[512];
	int err = pp_collector_open_pid(pid, &o, &c, why, sizeof(why));
	cr_assert_eq(err, 0, "%d: %s", err, why);
	cr_expect(strstr(warnings, "out of file descriptors"), "warnings: %s", warnings);
	cr_expect_eq(pp_collector_read(c, &win), 0);
	cr_expect_gt(win.task_clock_s, 0.0);
	pp_collector_close(c);
	reap(pid);
}

/* ---- perf-hw: encoding through libpfm4 works without a PMU ---- */

Test(collect, perf_hw_default_events_encode)
{
	char *list = strdup(pp_collector_default_events()), *save = NULL;
	int n = 0;
	for (char *ev = strtok_r(list, ",", &save); ev; ev = strtok_r(NULL, ",", &save), n++) {
		struct perf_event_attr a;
		char why[512];
		int err = pp_pfm_encode(ev, false, &a, why, sizeof(why));
		cr_expect_eq(err, 0, "%s: %s", ev, why);
		cr_expect(a.type == PERF_TYPE_HARDWARE || a.type == PERF_TYPE_HW_CACHE,
			  "%s: type %u", ev, a.type);
		cr_expect(a.exclude_kernel, "%s: user space only by default", ev);
		cr_expect_eq(pp_pfm_encode(ev, true, &a, why, sizeof(why)), 0);
		cr_expect(!a.exclude_kernel, "%s: --kernel counts kernel mode", ev);
	}
	cr_expect_geq(n, 6);
	free(list);
	struct perf_event_attr a;
	char why[512];
	cr_expect_eq(pp_pfm_encode("instructions", false, &a, why, sizeof(why)), 0);
	cr_expect_eq(a.config, PERF_COUNT_HW_INSTRUCTIONS);
	cr_expect_eq(pp_pfm_encode("no-such-event", false, &a, why, sizeof(why)), -ENOENT);
}

/* Model-specific names need the model's PMU table: LIBPFM_FORCE_PMU selects one on a machine
 * without it (each criterion test is its own process, so libpfm4 initialises afresh). */
Test(collect, perf_hw_model_events_encode_with_forced_pmu)
{
	setenv("LIBPFM_FORCE_PMU", "skl", 1);
	struct perf_event_attr a;
	char why[512];
	int err = pp_pfm_encode("INST_RETIRED:ANY_P", false, &a, why, sizeof(why));
	cr_assert_eq(err, 0, "%s", why);
	cr_expect_eq(a.type, PERF_TYPE_RAW);
	cr_expect_eq(a.config & 0xffff, 0xc0, "Intel's event code for INST_RETIRED: %#llx",
		     (unsigned long long)a.config);
	cr_expect_eq(pp_pfm_encode("INST_RETIRED:NO_SUCH_UMASK", false, &a, why, sizeof(why)),
		     -EINVAL);
}

Test(collect, perf_hw_counts_when_there_is_a_pmu)
{
	NEED("perf-hw");
	pid_t pid = spawn(loop_busy);
	one_window(pid, "perf-hw,perf-sw", 500, &win);
	reap(pid);
	cr_expect_gt(pp_window_count(&win, "cycles"), 1e6);
	cr_expect_gt(pp_window_count(&win, "instructions"), 1e6);
	cr_expect_gt(F(&win, PP_F_IPC), 0.1);
	cr_expect_gt(F(&win, PP_F_HW_RUNNING), 0.0);
}

/* ---- the CLI ---- */

Test(collect, cli_json_windows)
{
	char *out, *err;
	int rc = pp_cli_run("stat --json -I 200 -n 2 -- sh -c 'while :; do :; done'", &out, &err);
	cr_assert_eq(rc, 0, "stderr: %s", err);
	int lines = 0;
	for (char *line = strtok(out, "\n"); line; line = strtok(NULL, "\n"), lines++) {
		cJSON *o = cJSON_Parse(line);
		cr_assert_not_null(o, "not JSON: %s", line);
		cr_expect_eq(cJSON_GetObjectItem(o, "features_version")->valueint, PP_FEATURES_VERSION);
		cJSON *f = cJSON_GetObjectItem(o, "features");
		for (int i = 0; i < PP_F_COUNT; i++)
			cr_expect_not_null(cJSON_GetObjectItem(f, pp_feature_info(i)->name), "%s",
					   pp_feature_info(i)->name);
		cr_expect(cJSON_IsNull(cJSON_GetObjectItem(f, "ipc")) || cJSON_IsNumber(
			  cJSON_GetObjectItem(f, "ipc")));
		cr_expect(cJSON_IsNumber(cJSON_GetObjectItem(f, "cpu_util")));
		cJSON_Delete(o);
	}
	cr_expect_eq(lines, 2);
	free(out);
	free(err);
}

Test(collect, cli_csv_and_errors)
{
	char *out, *err;
	int rc = pp_cli_run("stat --csv -I 100 -- sh -c 'i=0; while [ $i -lt 3000 ]; do i=$((i+1)); done'",
			    &out, &err);
	cr_assert_eq(rc, 0, "stderr: %s", err);
	cr_expect(strncmp(out, "window,start_s,end_s,partial,task_clock_s,cpu_util,", 51) == 0,
		  "%.80s", out);
	cr_expect(strstr(out, ",1,"), "the last row is partial: %s", out);
	free(out);
	free(err);

	rc = pp_cli_run("stat -p 2147483600", &out, &err);
	cr_expect_eq(rc, 1);
	cr_expect(strstr(err, "does not exist"), "%s", err);
	free(out);
	free(err);

	rc = pp_cli_run("stat -e no-such-event -- true", &out, &err);
	cr_expect_eq(rc, 2);
	cr_expect(strstr(err, "unknown event 'no-such-event'"), "%s", err);
	free(out);
	free(err);

	rc = pp_cli_run("stat --backends nope -- true", &out, &err);
	cr_expect_eq(rc, 2);
	cr_expect(strstr(err, "perf-sw"), "lists the valid backends: %s", err);
	free(out);
	free(err);

	rc = pp_cli_run("stat", &out, &err);
	cr_expect_eq(rc, 2);
	free(out);
	free(err);
}

/* Permission problems name the setting or capability. As an unprivileged user (nobody),
 * attaching to a process of root's must fail with EACCES/EPERM and say why. */
Test(collect, permission_problems_name_the_setting)
{
	char why[1024];
	pp_perf_why(-EACCES, 12345, "perf-sw", why, sizeof(why));
	cr_expect(strstr(why, "perf_event_paranoid") && strstr(why, "CAP_PERFMON"), "%s", why);
	cr_expect(strstr(why, "CAP_SYS_PTRACE"), "another process: ptrace rules too: %s", why);
	pp_ptrace_why(-EPERM, 12345, why, sizeof(why));
	cr_expect(strstr(why, "CAP_SYS_PTRACE") && strstr(why, "process_vm_readv"), "%s", why);
	pp_perf_why(-EMFILE, 12345, "perf-sw", why, sizeof(why));
	cr_expect(strstr(why, "ulimit -n"), "%s", why);

	if (getuid() != 0)
		cr_skip_test("needs root to become another user (the messages above were checked)");
	pid_t victim = spawn(loop_busy); /* root's */
	int pfd[2];
	cr_assert_eq(pipe(pfd), 0);
	pid_t pid = fork();
	cr_assert_geq(pid, 0);
	if (pid == 0) {
		if (setgid(65534) < 0 || setuid(65534) < 0)
			_exit(99);
		PP_OPTS(pp_collect_opts, o, .backends = "perf-sw", .interval_ms = 100);
		struct pp_collector *c;
		char w[1024] = "";
		int err = pp_collector_open_pid(victim, &o, &c, w, sizeof(w));
		if (write(pfd[1], w, strlen(w) + 1) < 0)
			_exit(98);
		_exit(err == -EACCES || err == -EPERM ? 0 : 1);
	}
	close(pfd[1]);
	char got[1024] = "";
	ssize_t n = read(pfd[0], got, sizeof(got) - 1);
	(void)n;
	int st;
	waitpid(pid, &st, 0);
	reap(victim);
	cr_assert(WIFEXITED(st) && WEXITSTATUS(st) != 99, "could not become nobody");
	cr_expect_eq(WEXITSTATUS(st), 0, "nobody attaching to root's process: %s", got);
	cr_expect(strstr(got, "perf_event_paranoid") || strstr(got, "CAP_SYS_PTRACE"),
		  "why: %s", got);
}
