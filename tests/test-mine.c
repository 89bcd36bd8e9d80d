/* pp_mine_run over CryptoNight: counts, per-thread rates, first-hash verification,
 * duty cycling and argument checks. */
#include "core/clock.h"

#include <powprint/mine.h>
#include <powprint/opts.h>

#include <criterion/criterion.h>
#include <errno.h>

Test(mine, exact_hash_count_two_threads)
{
	PP_OPTS(pp_mine_opts, o, .algo = "cn-pico/0", .threads = 2, .hashes = 40);
	struct pp_mine_result r;
	cr_assert_eq(pp_mine_run(&o, &r), 0);
	cr_assert_eq(r.hashes, 40);
	cr_assert_eq(r.threads, 2);
	cr_assert(r.verified, "each thread's first hash must match the single-thread hash");
	cr_assert_gt(r.thread_hps[0], 0);
	cr_assert_gt(r.thread_hps[1], 0);
	cr_assert_gt(r.hps, 0);
	cr_assert_str_eq(r.info.algo, "cn-pico/0");
	cr_assert_str_eq(r.info.family, "cryptonight");
	cr_assert_eq(r.info.scratchpad_bytes, 256 << 10);
	cr_assert_not_null(r.info.aes_backend);
	cr_assert_not_null(r.info.pages);
}

Test(mine, soft_aes_reported)
{
	PP_OPTS(pp_mine_opts, o, .algo = "cn-pico/0", .threads = 1, .hashes = 3,
		.hash = { .sz = sizeof(struct pp_hash_opts), .soft_aes = true,
			  .pages = PP_PAGES_OFF });
	struct pp_mine_result r;
	cr_assert_eq(pp_mine_run(&o, &r), 0);
	cr_assert_str_eq(r.info.aes_backend, "soft");
	cr_assert_str_eq(r.info.pages, "normal");
	cr_assert(r.verified);
}

/* 30% duty: the hashing thread sleeps 70 ms of every 100, so the process uses at most
 * about a third of a CPU over the run, whatever else the machine is doing (CPU time, not
 * H/s, so a loaded machine cannot make this flaky). cn-pico/0 hashes take a few ms, so a
 * hash started late in a window overshoots it only a little. */
Test(mine, duty_cycle_throttles)
{
	PP_OPTS(pp_mine_opts, duty, .algo = "cn-pico/0", .threads = 1, .seconds = 1.5,
		.duty_pct = 30);
	struct pp_mine_result rd;
	double t0 = pp_clock_mono_s(), c0 = pp_clock_cpu_s();
	cr_assert_eq(pp_mine_run(&duty, &rd), 0);
	double wall = pp_clock_mono_s() - t0, cpu = pp_clock_cpu_s() - c0;
	cr_assert_lt(wall, 4.0, "the time limit holds under duty cycling");
	cr_assert_gt(rd.hashes, 0);
	cr_assert_lt(cpu, 0.55 * wall, "30%% duty used %.2f s of CPU in %.2f s", cpu, wall);
}

static void count_progress(void *arg, const struct pp_mine_status *st)
{
	(void)st;
	(*(int *)arg)++;
}

Test(mine, stop_flag_and_progress)
{
	static volatile int stop = 1; /* already set: returns at once with zero hashes */
	int calls = 0;
	PP_OPTS(pp_mine_opts, o, .algo = "cn-pico/0", .seconds = 30, .stop = &stop,
		.progress = count_progress, .progress_arg = &calls);
	struct pp_mine_result r;
	double t0 = pp_clock_mono_s();
	cr_assert_eq(pp_mine_run(&o, &r), 0);
	cr_assert_lt(pp_clock_mono_s() - t0, 5.0);
	cr_assert_eq(r.hashes, 0);
	cr_assert_geq(calls, 1, "a final progress report");
}

Test(mine, bad_arguments)
{
	struct pp_mine_result r;
	PP_OPTS(pp_mine_opts, unknown, .algo = "cn/none", .hashes = 1);
	cr_assert_eq(pp_mine_run(&unknown, &r), -ENOENT);
	PP_OPTS(pp_mine_opts, endless, .algo = "cn/0");
	cr_assert_eq(pp_mine_run(&endless, &r), -EINVAL, "no --seconds, --count or stop");
	PP_OPTS(pp_mine_opts, duty, .algo = "cn/0", .hashes = 1, .duty_pct = 101);
	cr_assert_eq(pp_mine_run(&duty, &r), -EINVAL);
	PP_OPTS(pp_mine_opts, threads, .algo = "cn/0", .hashes = 1,
		.threads = PP_MINE_MAX_THREADS + 1);
	cr_assert_eq(pp_mine_run(&threads, &r), -EINVAL);
}
