/* pp_mine_run: a miner-like loop over any pp_hash algorithm. OpenMP threads each own a
 * worker (allocated by the thread itself, so its scratchpad is first touched where it runs)
 * and hash a 76-byte block blob with the nonce at bytes 39..42, like a pool job. Throttling
 * as covert miners do it: duty cycling within 100 ms periods, on/off bursts, nice. Each
 * thread's first hash is checked against the same blob hashed single-threaded first. */
#include <powprint/mine.h>

#include "core/clock.h"

#include <errno.h>
#include <omp.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>
#include <sys/syscall.h>

#define BLOB_LEN 76
#define NONCE_OFF 39
#define DUTY_PERIOD_S 0.1
#define MAX_SLEEP_S 0.05 /* sleep in slices so a stop request is seen quickly */

/* A Monero-style block header blob (xmrig's benchmark blob 0); the nonce bytes vary. */
static const uint8_t blob_template[BLOB_LEN] = {
	0x03, 0x05, 0xa0, 0xdb, 0xd6, 0xbf, 0x05, 0xcf, 0x16, 0xe5, 0x03, 0xf3, 0xa6, 0x6f, 0x78,
	0x00, 0x7c, 0xbf, 0x34, 0x14, 0x43, 0x32, 0xec, 0xbf, 0xc2, 0x2e, 0xd9, 0x5c, 0x87, 0x00,
	0x38, 0x3b, 0x30, 0x9a, 0xce, 0x19, 0x23, 0xa0, 0x96, 0x4b, 0x00, 0x00, 0x00, 0x08, 0xba,
	0x93, 0x9a, 0x62, 0x72, 0x4c, 0x0d, 0x75, 0x81, 0xfc, 0xe5, 0x76, 0x1e, 0x9d, 0x8a, 0x0e,
	0x6a, 0x1c, 0x3f, 0x92, 0x4f, 0xdd, 0x84, 0x93, 0xd1, 0x11, 0x56, 0x49, 0xc0, 0x5e, 0xb6,
	0x01,
};

static void sleep_s(double s)
{
	if (s <= 0)
		return;
	struct timespec ts = { (time_t)s, (long)((s - (double)(time_t)s) * 1e9) };
	nanosleep(&ts, NULL);
}

/* Thread t hashes nonces t<<24, t<<24 + 1, ...: disjoint ranges, as pools hand out. */
static void make_blob(uint8_t blob[BLOB_LEN], uint32_t nonce)
{
	memcpy(blob, blob_template, BLOB_LEN);
	blob[NONCE_OFF] = (uint8_t)nonce;
	blob[NONCE_OFF + 1] = (uint8_t)(nonce >> 8);
	blob[NONCE_OFF + 2] = (uint8_t)(nonce >> 16);
	blob[NONCE_OFF + 3] = (uint8_t)(nonce >> 24);
}

struct run {
	const struct pp_mine_opts *o;
	struct pp_hash *h;
	double t0;             /* start of the hashing phase */
	atomic_uint_fast64_t claimed, done;
	atomic_int stop, err;
	uint8_t (*expect)[32]; /* single-thread hash of each thread's first blob */
	atomic_int mismatch;
};

static bool should_stop(struct run *r, double now)
{
	const struct pp_mine_opts *o = r->o;
	if (atomic_load(&r->stop) || (o->stop && *o->stop))
		return true;
	return o->seconds > 0 && now - r->t0 >= o->seconds;
}

/* Waits while throttling says "off"; returns false when the run should stop. */
static bool throttle(struct run *r)
{
	const struct pp_mine_opts *o = r->o;
	for (;;) {
		double now = pp_clock_mono_s();
		if (should_stop(r, now))
			return false;
		double el = now - r->t0, wait = 0;
		if (o->burst_on_s > 0 && o->burst_off_s > 0) {
			double period = o->burst_on_s + o->burst_off_s;
			double pos = el - period * (double)(long)(el / period);
			if (pos >= o->burst_on_s)
				wait = period - pos;
		}
		if (wait == 0 && o->duty_pct > 0 && o->duty_pct < 100) {
			double pos = el - DUTY_PERIOD_S * (double)(long)(el / DUTY_PERIOD_S);
			if (pos >= DUTY_PERIOD_S * o->duty_pct / 100.0)
				wait = DUTY_PERIOD_S - pos;
		}
		if (wait <= 0)
			return true;
		sleep_s(wait < MAX_SLEEP_S ? wait : MAX_SLEEP_S);
	}
}

static void report(struct run *r, double now)
{
	const struct pp_mine_opts *o = r->o;
	if (!o->progress)
		return;
	struct pp_mine_status st = { now - r->t0, atomic_load(&r->done), 0 };
	st.hps = st.elapsed_s > 0 ? (double)st.hashes / st.elapsed_s : 0;
	o->progress(o->progress_arg, &st);
}

static int validate(const struct pp_mine_opts *o)
{
	if (!o || o->sz < offsetof(struct pp_mine_opts, stop) + sizeof(o->stop))
		return -EINVAL;
	if (o->threads < 0 || o->threads > PP_MINE_MAX_THREADS || o->duty_pct < 0 ||
	    o->duty_pct > 100 || o->seconds < 0 || o->burst_on_s < 0 || o->burst_off_s < 0)
		return -EINVAL;
	if (o->seconds == 0 && o->hashes == 0 && !o->stop)
		return -EINVAL; /* it would never end */
	return 0;
}

/* Hashes each thread's first blob on this thread, with its own worker. */
static int reference_hashes(struct run *r, int threads)
{
	struct pp_hash_worker *w;
	int err = pp_hash_worker_new(r->h, &w);
	if (err)
		return err;
	for (int t = 0; t < threads && !err; t++) {
		uint8_t blob[BLOB_LEN];
		make_blob(blob, (uint32_t)t << 24);
		err = pp_hash_compute(w, blob, BLOB_LEN, r->o->height, r->expect[t]);
	}
	pp_hash_worker_free(w);
	return err;
}

static void thread_main(struct run *r, int t, int threads, struct pp_mine_result *res)
{
	const struct pp_mine_opts *o = r->o;
	struct pp_hash_worker *w = NULL;
	int err = pp_hash_worker_new(r->h, &w);
	if (err) {
		atomic_store(&r->err, err);
		atomic_store(&r->stop, 1);
	}
	if (o->nice) /* Linux: nice applies per thread (tid) */
		setpriority(PRIO_PROCESS, (id_t)syscall(SYS_gettid), o->nice);
#pragma omp barrier
#pragma omp single
	r->t0 = pp_clock_mono_s();
	/* implicit barrier after single */
	if (t == 0)
		report(r, r->t0); /* hashing starts now: callers time the phase from here */

	uint8_t blob[BLOB_LEN], out[32];
	uint64_t mine = 0;
	double next_report = r->t0 + 0.25, last = r->t0, busy = 0;
	while (w && throttle(r)) {
		if (o->hashes && atomic_fetch_add(&r->claimed, 1) >= o->hashes)
			break;
		make_blob(blob, ((uint32_t)t << 24) + (uint32_t)mine);
		double h0 = pp_clock_mono_s();
		err = pp_hash_compute(w, blob, BLOB_LEN, o->height, out);
		if (err) {
			atomic_store(&r->err, err);
			atomic_store(&r->stop, 1);
			break;
		}
		if (mine == 0 && memcmp(out, r->expect[t], 32) != 0)
			atomic_store(&r->mismatch, 1);
		mine++;
		atomic_fetch_add(&r->done, 1);
		last = pp_clock_mono_s();
		busy += last - h0;
		if (t == 0 && last >= next_report) {
			report(r, last);
			next_report = last + 0.25;
		}
	}
	double el = last - r->t0;
	res->thread_hps[t] = el > 0 ? (double)mine / el : 0;
#pragma omp atomic
	res->busy_seconds += busy;
	if (t == 0 && w)
		pp_hash_worker_info(w, &res->info);
	(void)threads;
	pp_hash_worker_free(w);
}

int pp_mine_run(const struct pp_mine_opts *o, struct pp_mine_result *res)
{
	memset(res, 0, sizeof(*res));
	int err = validate(o);
	if (err)
		return err;
	int threads = o->threads ? o->threads : 1;

	struct run r = { .o = o };
	atomic_init(&r.claimed, 0);
	atomic_init(&r.done, 0);
	atomic_init(&r.stop, 0);
	atomic_init(&r.err, 0);
	atomic_init(&r.mismatch, 0);
	err = pp_hash_open(o->algo, &o->hash, &r.h);
	if (err)
		return err;
	r.expect = calloc((size_t)threads, sizeof(*r.expect));
	if (!r.expect) {
		pp_hash_close(r.h);
		return -ENOMEM;
	}
	err = reference_hashes(&r, threads);
	if (err)
		goto out;

	int got = threads;
#pragma omp parallel num_threads(threads)
	{
#pragma omp single
		got = omp_get_num_threads();
		thread_main(&r, omp_get_thread_num(), got, res);
	}
	double end = pp_clock_mono_s();
	err = atomic_load(&r.err);
	if (err)
		goto out;
	res->threads = got;
	res->hashes = atomic_load(&r.done);
	res->seconds = end - r.t0;
	res->hps = res->seconds > 0 ? (double)res->hashes / res->seconds : 0;
	/* A thread that never hashed (--count below the thread count) has nothing to check. */
	res->verified = atomic_load(&r.mismatch) == 0;
	report(&r, end);
out:
	free(r.expect);
	pp_hash_close(r.h);
	return err;
}
