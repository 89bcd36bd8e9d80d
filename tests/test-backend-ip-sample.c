/* The ip-sample backend on live children that run known loops (AES-NI rounds, MXCSR writes,
 * a matrix multiply, generated code, rewritten in place too), and what keeps it cheap: the
 * bounded, shareable decoded-IP cache and the instruction-length memo. Thresholds are loose:
 * the machine is shared and noisy; what is checked is a difference of kind, not of degree. */
#define _GNU_SOURCE
#include "fingerprint/collect/decode/decode.h"
#include "support/fixtures.h"

#include <powprint/collect.h>
#include <powprint/features.h>
#include <powprint/opts.h>

#include <criterion/criterion.h>
#include <errno.h>
#include <math.h>
#include <signal.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>

static struct pp_window win;

/* ---- ip-sample: instruction classes and code locations ---- */

#if defined(__x86_64__)
Test(ip_sample, aes_loop_shows_aes)
{
	NEED("ip-sample");
	pid_t pid = fx_spawn(fx_loop_aes);
	fx_one_window(pid, "ip-sample,perf-sw", 700, &win);
	fx_reap(pid);
	cr_assert_gt(pp_window_count(&win, "ip.samples"), 100, "too few samples");
	cr_expect_gt(F(&win, PP_F_IP_AES), 0.4, "aes share %.3f", F(&win, PP_F_IP_AES));
	cr_expect_gt(F(&win, PP_F_IP_FILE), 0.95, "file share %.3f", F(&win, PP_F_IP_FILE));
	cr_expect_lt(F(&win, PP_F_IP_UNREADABLE), 0.05);
	cr_expect_gt(F(&win, PP_F_IP_TOP16), 0.5, "a tight loop: its few IPs hold the samples");
}

Test(ip_sample, mxcsr_loop_shows_rounding_writes)
{
	NEED("ip-sample");
	pid_t pid = fx_spawn(fx_loop_mxcsr);
	fx_one_window(pid, "ip-sample,perf-sw", 700, &win);
	fx_reap(pid);
	cr_assert_gt(pp_window_count(&win, "ip.samples"), 100, "too few samples");
	/* One ldmxcsr among four instructions: 0.24 of the samples on AMD EPYC, more on Intel
	 * Xeon, where samples pile up after the serialising write. */
	cr_expect_gt(F(&win, PP_F_IP_ROUNDING), 0.15, "rounding share %.3f",
		     F(&win, PP_F_IP_ROUNDING));
	cr_expect_lt(F(&win, PP_F_IP_AES), 0.02);
}
#endif

Test(ip_sample, matmul_shows_no_aes)
{
	NEED("ip-sample");
	pid_t pid = fx_spawn(fx_loop_matmul);
	fx_one_window(pid, "ip-sample,perf-sw", 700, &win);
	fx_reap(pid);
	cr_assert_gt(pp_window_count(&win, "ip.samples"), 100, "too few samples");
	cr_expect_lt(F(&win, PP_F_IP_AES), 0.02, "aes share %.3f", F(&win, PP_F_IP_AES));
	/* Loads and FP math. The fixture's inner loop is unrolled: rolled, AMD EPYC put most
	 * samples on its integer bookkeeping (about 1% on FP, below any fixed bar); unrolled,
	 * 95% land on FP here, 22% in an ASan build (its shadow checks around each load). */
	cr_expect_gt(F(&win, PP_F_IP_FP_SIMD) + F(&win, PP_F_IP_LOAD), 0.10,
		     "fp %.3f load %.3f", F(&win, PP_F_IP_FP_SIMD), F(&win, PP_F_IP_LOAD));
	cr_expect_lt(F(&win, PP_F_IP_JIT), 0.02);
}

Test(ip_sample, generated_code_shows_as_jit)
{
	NEED("ip-sample");
	pid_t pid = fx_spawn(fx_loop_jit);
	fx_one_window(pid, "ip-sample,perf-sw", 700, &win);
	fx_reap(pid);
	cr_assert_gt(pp_window_count(&win, "ip.samples"), 100, "too few samples");
	cr_expect_gt(F(&win, PP_F_IP_JIT), 0.9, "jit share %.3f", F(&win, PP_F_IP_JIT));
	cr_expect_gt(F(&win, PP_F_IP_MUL), 0.2, "mul share %.3f", F(&win, PP_F_IP_MUL));
	cr_expect_lt(F(&win, PP_F_IP_UNREADABLE), 0.05);
}

#if defined(__x86_64__)
/* Normalised per task-clock second and per sample: a loop throttled to 30% CPU keeps its
 * instruction mix; only cpu_util tells it apart. */
Test(ip_sample, throttled_target_keeps_its_fingerprint)
{
	NEED("ip-sample");
	pid_t pid = fx_spawn(fx_loop_aes_throttled);
	fx_one_window(pid, "ip-sample,perf-sw", 1000, &win);
	fx_reap(pid);
	cr_assert_gt(pp_window_count(&win, "ip.samples"), 50, "too few samples");
	cr_expect_lt(F(&win, PP_F_CPU_UTIL), 0.6, "cpu_util %.3f", F(&win, PP_F_CPU_UTIL));
	cr_expect_gt(F(&win, PP_F_IP_AES), 0.4, "aes share %.3f", F(&win, PP_F_IP_AES));
	/* ~1000 samples per second of CPU, whatever the utilisation. */
	cr_expect_gt(F(&win, PP_F_IP_SAMPLES), 500, "%.0f", F(&win, PP_F_IP_SAMPLES));
	cr_expect_lt(F(&win, PP_F_IP_SAMPLES), 1500, "%.0f", F(&win, PP_F_IP_SAMPLES));
}
#endif

/* ---- what keeps collection cheap ---- */

/* The decoded-IP cache is a fixed table: filling it with far more addresses than it holds
 * never grows it, and an entry in use is never the one given up. */
Test(ip_sample, ip_cache_never_exceeds_its_bound)
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

Test(ip_sample, length_memo_finds_the_same_instructions)
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
Test(ip_sample, collectors_share_one_bounded_ip_cache)
{
	NEED("ip-sample");
	pid_t pa = fx_spawn(fx_loop_aes), pb = fx_spawn(fx_loop_aes);
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
	fx_reap(pa);
	fx_reap(pb);
}

/* Generated code is re-checked every window: rewritten in place, the same addresses get the
 * new instructions' class, not the cached one. */
Test(ip_sample, rewritten_generated_code_is_classified_again)
{
	NEED("ip-sample");
	cr_assert_eq(pipe(fx_rewrite_ack), 0);
	pid_t pid = fx_spawn(fx_loop_jit_rewritten);
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
	cr_assert_eq(read(fx_rewrite_ack[0], &ch, 1), 1);
	cr_assert_eq(pp_collector_read_now(c, &win), 0); /* the window that saw both */
	cr_assert_eq(pp_collector_read(c, &win), 0);
	cr_assert_gt(pp_window_count(&win, "ip.samples"), 100, "too few samples");
	cr_expect_gt(F(&win, PP_F_IP_SQRT), 0.5, "sqrt share %.3f", F(&win, PP_F_IP_SQRT));
	cr_expect_lt(F(&win, PP_F_IP_MUL), 0.05, "mul share %.3f", F(&win, PP_F_IP_MUL));
	pp_collector_close(c);
	fx_reap(pid);
	close(fx_rewrite_ack[0]);
	close(fx_rewrite_ack[1]);
}
#endif

