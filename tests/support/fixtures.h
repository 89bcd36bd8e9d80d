/* Fork fixtures for the collector and backend tests: loops of a known kind (AES-NI rounds,
 * MXCSR writes, a matrix multiply, generated code, threads and children created after
 * attaching) run in a forked child until it is killed, and the helpers that start, measure and
 * reap them. Compiled into every test (tests/CMakeLists.txt); only those tests use it. */
#ifndef PP_TEST_FIXTURES_H
#define PP_TEST_FIXTURES_H

#include <powprint/collect.h>
#include <powprint/features.h>

#include <criterion/criterion.h>
#include <stdbool.h>
#include <sys/types.h>

/* ---- loops, each run in a forked child (fx_spawn) ---- */

void fx_loop_busy(void);
void fx_loop_matmul(void);
/* An imul loop in anonymous executable memory (generated code). */
void fx_loop_jit(void);
/* The main thread idles; after 200 ms it starts two busy threads: created after attaching,
 * they are counted only through inherit. */
void fx_loop_late_threads(void);
/* Like fx_loop_late_threads, with one late thread and one forked child. */
void fx_loop_late_thread_and_child(void);
void fx_loop_many_threads(void);
/* Busy for 300 ms, then exits. */
void fx_exit_soon(void);
#if defined(__x86_64__)
void fx_loop_aes(void);
/* Alternates the rounding mode with ldmxcsr. */
void fx_loop_mxcsr(void);
/* 30 ms busy out of every 100 ms: a throttled miner. */
void fx_loop_aes_throttled(void);
/* Runs an imul loop in generated code until SIGUSR1, then a sqrt loop at the same addresses,
 * and writes 'k' to fx_rewrite_ack[1] (a pipe the test opens before spawning). */
void fx_loop_jit_rewritten(void);
extern int fx_rewrite_ack[2];
#endif

/* ---- starting, measuring and reaping them ---- */

/* Forks a child that runs fn (killed with the test, and after 60 s at most), and gives it
 * 50 ms to reach its loop. */
pid_t fx_spawn(void (*fn)(void));
void fx_reap(pid_t pid);

/* The collector's warnings (fx_keep_warning appends them, one a line). */
extern char fx_warnings[2048];
void fx_keep_warning(void *arg, const char *msg);

/* One window of `ms` on pid with the given backends (warnings kept in fx_warnings). */
void fx_one_window(pid_t pid, const char *backends, unsigned ms, struct pp_window *w);

/* Feature f of window w (computed as the recorder and the agent compute it). */
static inline double F(const struct pp_window *w, int f)
{
	struct pp_features v;
	pp_features_compute(w, &v);
	return v.v[f];
}

/* NULL when backend is available here, else the probe's reason. */
const char *fx_unavailable(const char *backend);
static inline bool fx_have(const char *backend)
{
	return fx_unavailable(backend) == NULL;
}

/* Skips the test, with the reason, when backend is unavailable on this machine. */
#define NEED(backend)                                                                     \
	do {                                                                              \
		const char *why_ = fx_unavailable(backend);                               \
		if (why_)                                                                 \
			cr_skip_test("%s is unavailable on this machine: %s", backend, why_); \
	} while (0)

#endif
