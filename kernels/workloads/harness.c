/* The one run harness every workload shares: option parsing, setup, worker threads, the
 * duty/burst/nice knobs, throughput accounting, verify and teardown. Workload files hold
 * only their computation (a chunk of work per run() call). */
#include "kernels/workloads/options.h"
#include "kernels/workloads/wl.h"
#include "core/clock.h"

#include <powprint/opts.h>

#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#define DUTY_PERIOD_S 0.1 /* duty cycling: busy duty% of every 100 ms, as pp_mine does */

struct run_state {
	struct wl_ctx *ctx;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	bool go;
	double t0, end;
	atomic_int failed;
};

struct worker {
	struct run_state *rs;
	int t;
	pthread_t tid;
	double work, busy;
	int err;
};

static bool stopping(const struct run_state *rs)
{
	return (rs->ctx->stop && *rs->ctx->stop) || atomic_load(&rs->failed);
}

/* Sleeps until monotonic time `until` in short steps, so a stop request is seen quickly. */
static void sleep_until(const struct run_state *rs, double until)
{
	for (double now = pp_clock_mono_s(); now < until && !stopping(rs); now = pp_clock_mono_s()) {
		double step = fmin(until - now, 0.05);
		struct timespec ts = { (time_t)step, (long)((step - floor(step)) * 1e9) };
		nanosleep(&ts, NULL);
	}
}

static void set_paused(struct wl_ctx *ctx, bool *paused, bool want)
{
	if (*paused == want)
		return;
	if (want && ctx->w->pause)
		ctx->w->pause(ctx);
	else if (!want && ctx->w->resume)
		ctx->w->resume(ctx);
	*paused = want;
}

static void work_loop(struct worker *wk)
{
	struct run_state *rs = wk->rs;
	struct wl_ctx *ctx = rs->ctx;
	bool duty = ctx->duty_pct > 0 && ctx->duty_pct < 100;
	bool burst = ctx->burst_on_s > 0 && ctx->burst_off_s > 0;
	double on_s = DUTY_PERIOD_S * ctx->duty_pct / 100.0;
	double win = rs->t0;
	bool paused = false;

	for (;;) {
		double now = pp_clock_mono_s();
		if (now >= rs->end || stopping(rs))
			break;
		if (burst) {
			double cyc = ctx->burst_on_s + ctx->burst_off_s;
			double ph = fmod(now - rs->t0, cyc);
			if (ph >= ctx->burst_on_s) {
				set_paused(ctx, &paused, true);
				sleep_until(rs, fmin(now + cyc - ph, rs->end));
				win = pp_clock_mono_s();
				continue;
			}
		}
		if (duty && now - win >= on_s) {
			/* Sleep so that busy time stays duty% of the window even when a chunk ran
			 * past the on-time (long chunks: Argon2, matmul). */
			set_paused(ctx, &paused, true);
			sleep_until(rs, fmin(win + (now - win) * 100.0 / ctx->duty_pct, rs->end));
			win = pp_clock_mono_s();
			continue;
		}
		set_paused(ctx, &paused, false);
		int rc = ctx->w->run(ctx, wk->t, &wk->work);
		wk->busy += pp_clock_mono_s() - now;
		if (rc) {
			wk->err = rc;
			atomic_store(&rs->failed, 1);
			break;
		}
	}
	set_paused(ctx, &paused, false); /* never leave a child stopped */
}

static void *worker_main(void *arg)
{
	struct worker *wk = arg;
	struct run_state *rs = wk->rs;
	/* Linux: PRIO_PROCESS with who = 0 renices only the calling thread. */
	if (rs->ctx->nice && setpriority(PRIO_PROCESS, 0, rs->ctx->nice) != 0) {
		wk->err = -errno;
		atomic_store(&rs->failed, 1);
	}
	pthread_mutex_lock(&rs->mu);
	while (!rs->go)
		pthread_cond_wait(&rs->cv, &rs->mu);
	pthread_mutex_unlock(&rs->mu);
	if (!wk->err && !atomic_load(&rs->failed))
		work_loop(wk);
	return NULL;
}

/* Runs the measured phase on ctx->threads workers (one for own_threads workloads). */
static int run_threads(struct wl_ctx *ctx, double *work, double *seconds, double *busy)
{
	int n = ctx->w->own_threads ? 1 : ctx->threads;
	struct run_state rs = { .ctx = ctx };
	struct worker wk[PP_WORKLOAD_MAX_THREADS];
	int started = 0, rc = 0;

	pthread_mutex_init(&rs.mu, NULL);
	pthread_cond_init(&rs.cv, NULL);
	for (int i = 0; i < n; i++) {
		wk[i] = (struct worker){ .rs = &rs, .t = i };
		if (pthread_create(&wk[i].tid, NULL, worker_main, &wk[i]) != 0) {
			rc = wl_fail(ctx, -EAGAIN, "could not start worker thread %d of %d", i + 1, n);
			atomic_store(&rs.failed, 1);
			break;
		}
		started++;
	}
	/* Only now, with every worker thread in place, may a collector attach: counters it
	 * inherits into threads created later are summed only when those threads exit. */
	wl_started(ctx);
	/* Every thread starts the clock together, after all of them are up. */
	pthread_mutex_lock(&rs.mu);
	rs.t0 = pp_clock_mono_s();
	rs.end = rs.t0 + ctx->seconds;
	rs.go = true;
	pthread_cond_broadcast(&rs.cv);
	pthread_mutex_unlock(&rs.mu);
	*work = *busy = 0;
	for (int i = 0; i < started; i++) {
		pthread_join(wk[i].tid, NULL);
		*work += wk[i].work;
		*busy += wk[i].busy;
		if (wk[i].err && !rc) {
			rc = wk[i].err;
			if (rc == -EACCES || rc == -EPERM)
				wl_fail(ctx, rc, "cannot set nice %d: lowering nice needs CAP_SYS_NICE "
					"(use a value >= 0, or run as root)", ctx->nice);
			else if (!ctx->err[0])
				wl_fail(ctx, rc, "%s failed on thread %d: %s", ctx->w->name, i,
					strerror(-rc));
		}
	}
	*seconds = pp_clock_mono_s() - rs.t0;
	pthread_mutex_destroy(&rs.mu);
	pthread_cond_destroy(&rs.cv);
	return rc;
}

void wl_started(struct wl_ctx *ctx)
{
	if (ctx->started_done)
		return;
	ctx->started_done = true;
	ctx->started_cpu = pp_clock_cpu_s();
	if (ctx->started)
		ctx->started(ctx->started_arg, ctx->w, getpid(), ctx->child_pid);
}

static int check_opts(struct wl_ctx *ctx, const struct pp_workload_run_opts *o)
{
	const struct pp_workload *w = ctx->w;
	int maxt = pp_workload_max_threads(w);
	if (!(ctx->seconds > 0) || ctx->seconds > 1e7)
		return wl_fail(ctx, -EINVAL, "seconds must be above 0 (got %g)", ctx->seconds);
	if (ctx->threads < 1 || ctx->threads > maxt)
		return wl_fail(ctx, -EINVAL, "%s runs with 1 to %d threads, not %d", w->name, maxt,
			       ctx->threads);
	if (ctx->duty_pct < 0 || ctx->duty_pct > 100)
		return wl_fail(ctx, -EINVAL, "duty must be a percentage from 1 to 100, not %d",
			       ctx->duty_pct);
	if (ctx->burst_on_s < 0 || ctx->burst_off_s < 0 ||
	    (ctx->burst_on_s > 0) != (ctx->burst_off_s > 0))
		return wl_fail(ctx, -EINVAL, "a burst needs both on and off seconds above 0");
	if (ctx->nice < -20 || ctx->nice > 19)
		return wl_fail(ctx, -EINVAL, "nice must be from -20 to 19, not %d", ctx->nice);
	(void)o;
	return 0;
}

int pp_workload_run(const struct pp_workload *w, const struct pp_workload_run_opts *o,
		    struct pp_workload_result *res)
{
	if (!w || !res)
		return -EINVAL;
	memset(res, 0, sizeof(*res));
	res->unit = w->unit;

	struct wl_ctx ctx = {
		.w = w,
		.threads = PP_OPTS_GET(o, pp_workload_run_opts, threads, 0),
		.seconds = PP_OPTS_GET(o, pp_workload_run_opts, seconds, 0),
		.duty_pct = PP_OPTS_GET(o, pp_workload_run_opts, duty_pct, 0),
		.burst_on_s = PP_OPTS_GET(o, pp_workload_run_opts, burst_on_s, 0),
		.burst_off_s = PP_OPTS_GET(o, pp_workload_run_opts, burst_off_s, 0),
		.nice = PP_OPTS_GET(o, pp_workload_run_opts, nice, 0),
		.stop = PP_OPTS_GET(o, pp_workload_run_opts, stop, NULL),
		.err = res->error,
		.errlen = sizeof(res->error),
		.detail = res->detail,
		.detaillen = sizeof(res->detail),
	};
	const char *const *params = PP_OPTS_GET(o, pp_workload_run_opts, params, NULL);
	ctx.started = PP_OPTS_GET(o, pp_workload_run_opts, started, NULL);
	ctx.started_arg = PP_OPTS_GET(o, pp_workload_run_opts, started_arg, NULL);
	bool fault = PP_OPTS_GET(o, pp_workload_run_opts, inject_fault, false);
	if (!ctx.threads)
		ctx.threads = 1;
	if (ctx.seconds == 0)
		ctx.seconds = 1;

	int rc = check_opts(&ctx, o);
	if (!rc)
		rc = wl_opts_parse(&ctx, params);
	if (rc)
		return rc;
	char why[256];
	rc = pp_workload_supported(w, why, sizeof(why));
	if (rc) {
		wl_fail(&ctx, rc, "%s cannot run here: %s", w->name, why);
		return rc;
	}
	if (fault && !w->corrupt)
		return wl_fail(&ctx, -EOPNOTSUPP, "%s cannot inject a fault", w->name);

	double t = pp_clock_mono_s();
	rc = w->setup ? w->setup(&ctx) : 0;
	res->setup_seconds = pp_clock_mono_s() - t;
	res->threads = ctx.threads;
	res->child_pid = ctx.child_pid;
	if (rc) {
		if (!res->error[0])
			wl_fail(&ctx, rc, "%s setup failed: %s", w->name, strerror(-rc));
		goto out;
	}

	double work = 0, secs = 0, cpu0 = pp_clock_cpu_s();
	if (w->self_timed) {
		t = pp_clock_mono_s();
		rc = w->run(&ctx, 0, &work);
		secs = ctx.self_seconds > 0 ? ctx.self_seconds : pp_clock_mono_s() - t;
		res->busy_seconds = ctx.self_busy_seconds; /* its pauses are its own */
		if (rc && !res->error[0])
			wl_fail(&ctx, rc, "%s failed: %s", w->name, strerror(-rc));
	} else {
		rc = run_threads(&ctx, &work, &secs, &res->busy_seconds);
	}
	/* Self-timed workloads (RandomX) start counting when hashing starts, after their init. */
	double cpu_from = ctx.started_done && ctx.started_cpu > cpu0 ? ctx.started_cpu : cpu0;
	res->cpu_seconds = pp_clock_cpu_s() - cpu_from;
	res->seconds = secs;
	double scale = w->unit_scale > 0 ? w->unit_scale : 1;
	res->work = work / scale;
	res->rate = secs > 0 ? res->work / secs : 0;
	if (rc)
		goto out;

	if (fault)
		w->corrupt(&ctx);
	int vr = w->verify ? w->verify(&ctx, res->verify_msg, sizeof(res->verify_msg))
			   : wl_bad(res->verify_msg, sizeof(res->verify_msg), "no verify step");
	if (vr == 0 && work <= 0)
		vr = wl_bad(res->verify_msg, sizeof(res->verify_msg),
			    "no work was done in %.3g s", secs);
	res->verified = vr == 0;
	rc = vr ? -EBADMSG : 0;
out:
	if (w->teardown)
		w->teardown(&ctx);
	return rc;
}
