/* idle: sleeping threads that wake up periodically, like an idle daemon: the baseline every
 * detector must call benign. Each sleep must last at least what was asked. */
#include "kernels/workloads/wl.h"
#include "core/clock.h"

#include <errno.h>
#include <stdlib.h>
#include <time.h>

enum { O_PERIOD };
static const struct pp_workload_opt opts[] = {
	{ "period", PP_WOPT_INT, "MS", "10", 1, 10000, NULL, "milliseconds per sleep" },
	{ 0 },
};

struct id_thread {
	uint64_t sleeps, short_sleeps;
	double last;
};

struct id {
	double interval;
	struct id_thread *th;
	int nth;
};

static int id_setup(struct wl_ctx *ctx)
{
	struct id *s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	ctx->priv = s;
	s->interval = (double)ctx->opt[O_PERIOD] / 1000;
	s->th = calloc((size_t)ctx->threads, sizeof(*s->th));
	if (!s->th)
		return -ENOMEM;
	s->nth = ctx->threads;
	return 0;
}

static int id_run(struct wl_ctx *ctx, int t, double *work)
{
	struct id *s = ctx->priv;
	struct id_thread *th = &s->th[t];
	struct timespec ts = { (time_t)s->interval,
			       (long)((s->interval - (double)(time_t)s->interval) * 1e9) };
	double t0 = pp_clock_mono_s();
	while (nanosleep(&ts, &ts) && errno == EINTR)
		;
	th->last = pp_clock_mono_s() - t0;
	th->short_sleeps += th->last < s->interval;
	th->sleeps++;
	*work += 1;
	return 0;
}

static int id_verify(struct wl_ctx *ctx, char *msg, size_t len)
{
	struct id *s = ctx->priv;
	for (int t = 0; t < s->nth; t++) {
		const struct id_thread *th = &s->th[t];
		if (th->short_sleeps || (th->sleeps && th->last < s->interval))
			return wl_bad(msg, len, "thread %d: a sleep lasted %.6f s, under the %.6f s asked",
				      t, th->last, s->interval);
	}
	snprintf(msg, len, "every sleep lasted at least %g ms", s->interval * 1000);
	return 0;
}

static void id_corrupt(struct wl_ctx *ctx)
{
	struct id *s = ctx->priv;
	s->th[0].last = 0;
}

static void id_teardown(struct wl_ctx *ctx)
{
	struct id *s = ctx->priv;
	if (!s)
		return;
	free(s->th);
	free(s);
}

const struct pp_workload wl_idle = {
	.name = "idle", .cls = PP_WL_BENIGN, .family = "idle", .quick = true,
	.help = "sleeping threads with periodic wake-ups (an idle daemon)",
	.unit = "wakeups/s", .opts = opts,
	.setup = id_setup, .run = id_run,
	.verify = id_verify, .corrupt = id_corrupt, .teardown = id_teardown,
};
