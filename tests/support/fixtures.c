/* Fork fixtures for the collector and backend tests (fixtures.h). */
#define _GNU_SOURCE
#include "core/clock.h"
#include "support/fixtures.h"

#include <powprint/opts.h>

#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#if defined(__x86_64__)
#include <immintrin.h>
#endif

static volatile uint64_t sink;

#if defined(__x86_64__)
__attribute__((target("aes,sse2"))) void fx_loop_aes(void)
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

void fx_loop_mxcsr(void)
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
int fx_rewrite_ack[2];

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

void fx_loop_jit_rewritten(void)
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
			    write(fx_rewrite_ack[1], "k", 1) != 1)
				_exit(3);
		}
	}
}
#endif

void fx_loop_jit(void)
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

void fx_loop_matmul(void)
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
				/* Unrolled so that the multiply-adds, not the loop's bookkeeping,
				 * make up most of the instructions samples can land on. */
#pragma GCC unroll 16
				for (int k = 0; k < N; k++)
					s += ma[i][k] * mb[k][j];
				mc[i][j] = s;
			}
		sink += (uint64_t)mc[N / 2][N / 3];
	}
}

void fx_loop_busy(void)
{
	for (uint64_t i = 0;; i++)
		sink += i * i;
}

static void *busy_thread(void *arg)
{
	(void)arg;
	fx_loop_busy();
	return NULL;
}

void fx_loop_late_threads(void)
{
	usleep(200 * 1000);
	pthread_t t;
	pthread_create(&t, NULL, busy_thread, NULL);
	pthread_create(&t, NULL, busy_thread, NULL);
	for (;;)
		pause();
}

void fx_loop_late_thread_and_child(void)
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

void fx_loop_many_threads(void)
{
	pthread_t t;
	for (int i = 0; i < 24; i++)
		pthread_create(&t, NULL, busy_thread, NULL);
	for (;;)
		pause();
}

void fx_exit_soon(void)
{
	double t0 = pp_clock_mono_s();
	do {
		for (int i = 0; i < 100000; i++)
			sink += (uint64_t)i * i;
	} while (pp_clock_mono_s() - t0 < 0.3);
	_exit(0);
}

#if defined(__x86_64__)
__attribute__((target("aes,sse2"))) void fx_loop_aes_throttled(void)
{
	__m128i x = _mm_set1_epi32(7), k = _mm_set1_epi32(9);
	for (;;) {
		double t0 = pp_clock_mono_s();
		do {
			for (int i = 0; i < 2000; i++)
				x = _mm_aesenc_si128(x, k);
		} while (pp_clock_mono_s() - t0 < 0.03);
		sink = (uint64_t)_mm_cvtsi128_si64(x);
		usleep(70 * 1000);
	}
}
#endif

pid_t fx_spawn(void (*fn)(void))
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

void fx_reap(pid_t pid)
{
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
}

char fx_warnings[2048];

void fx_keep_warning(void *arg, const char *msg)
{
	(void)arg;
	size_t used = strlen(fx_warnings);
	snprintf(fx_warnings + used, sizeof(fx_warnings) - used, "%s\n", msg);
}

void fx_one_window(pid_t pid, const char *backends, unsigned ms, struct pp_window *w)
{
	PP_OPTS(pp_collect_opts, o, .backends = backends, .interval_ms = ms,
		.warn = fx_keep_warning);
	struct pp_collector *c;
	char why[512];
	int err = pp_collector_open_pid(pid, &o, &c, why, sizeof(why));
	cr_assert_eq(err, 0, "open on pid %d with %s: %d %s", (int)pid, backends, err, why);
	err = pp_collector_read(c, w);
	cr_assert_eq(err, 0, "read: %d", err);
	pp_collector_close(c);
}

const char *fx_unavailable(const char *backend)
{
	static struct pp_backend_status st[PP_BACKEND_MAX];
	int n = pp_collector_probe(st, PP_BACKEND_MAX);
	for (int i = 0; i < n && i < PP_BACKEND_MAX; i++)
		if (strcmp(st[i].name, backend) == 0)
			return st[i].available ? NULL : st[i].why;
	return "no backend of that name";
}
