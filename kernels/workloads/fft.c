/* fft: radix-2 complex FFTs of a million points (FP arithmetic with strided memory access,
 * like signal processing and spectral solvers). The input is a cosine plus a sine at known
 * frequencies, so the spectrum is known: two pairs of spikes of height N/2 and N/4, zero
 * everywhere else. */
#include "kernels/workloads/wl.h"

#include <complex.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

enum { O_POINTS };
static const struct pp_workload_opt opts[] = {
	{ "points", PP_WOPT_INT, "N", "1048576", 1024, 1 << 28, NULL,
	  "transform length, a power of two (16 bytes a point)" },
	{ 0 },
};

struct ff_thread {
	double complex *y;   /* the last spectrum */
	uint64_t ffts, wrong;
	uint64_t rng;
};

struct ff {
	size_t n, k0, k1;
	unsigned logn;
	double complex *x, *tw;  /* the input; twiddles e^{-2 pi i k / n}, k < n/2 */
	struct ff_thread *th;
	int nth;
};

static void fft_forward(const struct ff *s, double complex *y)
{
	size_t n = s->n;
	for (size_t i = 1, j = 0; i < n; i++) { /* bit reversal */
		size_t bit = n >> 1;
		for (; j & bit; bit >>= 1)
			j ^= bit;
		j |= bit;
		if (i < j) {
			double complex t = y[i];
			y[i] = y[j];
			y[j] = t;
		}
	}
	for (size_t len = 2; len <= n; len <<= 1) {
		size_t half = len / 2, step = n / len;
		for (size_t i = 0; i < n; i += len)
			for (size_t k = 0; k < half; k++) {
				double complex u = y[i + k], v = y[i + k + half] * s->tw[k * step];
				y[i + k] = u + v;
				y[i + k + half] = u - v;
			}
	}
}

static double complex want_bin(const struct ff *s, size_t k)
{
	double n = (double)s->n;
	if (k == s->k0 || k == s->n - s->k0)
		return n / 2;
	if (k == s->k1)
		return -I * n / 4;
	if (k == s->n - s->k1)
		return I * n / 4;
	return 0;
}

static bool bin_ok(const struct ff *s, const double complex *y, size_t k)
{
	/* Rounding grows like sqrt(log n) * eps * n; 1e-9 * n is far above it and far below
	 * the spikes. */
	return cabs(y[k] - want_bin(s, k)) < 1e-9 * (double)s->n;
}

static int ff_setup(struct wl_ctx *ctx)
{
	struct ff *s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	ctx->priv = s;
	s->n = (size_t)ctx->opt[O_POINTS];
	if (s->n & (s->n - 1))
		return wl_fail(ctx, -EINVAL, "fft: --points must be a power of two, not %zu", s->n);
	while ((1ull << s->logn) < s->n)
		s->logn++;
	s->k0 = s->n / 8 + 3;
	s->k1 = s->n / 5 + 7;
	s->x = wl_alloc(s->n * sizeof(double complex));
	s->tw = wl_alloc(s->n / 2 * sizeof(double complex));
	s->th = calloc((size_t)ctx->threads, sizeof(*s->th));
	if (!s->x || !s->tw || !s->th)
		return -ENOMEM;
	s->nth = ctx->threads;
	for (size_t k = 0; k < s->n / 2; k++)
		s->tw[k] = cexp(-2 * M_PI * I * (double)k / (double)s->n);
	for (size_t j = 0; j < s->n; j++) {
		double ph0 = 2 * M_PI * (double)((s->k0 * j) % s->n) / (double)s->n;
		double ph1 = 2 * M_PI * (double)((s->k1 * j) % s->n) / (double)s->n;
		s->x[j] = cos(ph0) + 0.5 * sin(ph1);
	}
	for (int t = 0; t < s->nth; t++) {
		s->th[t].y = wl_alloc(s->n * sizeof(double complex));
		s->th[t].rng = 0x666674ull + (uint64_t)t;
		if (!s->th[t].y)
			return -ENOMEM;
	}
	snprintf(ctx->detail, ctx->detaillen, "%zu-point complex FFT (%zu MiB per buffer)", s->n,
		 s->n * sizeof(double complex) >> 20);
	return 0;
}

static int ff_run(struct wl_ctx *ctx, int t, double *work)
{
	struct ff *s = ctx->priv;
	struct ff_thread *th = &s->th[t];
	memcpy(th->y, s->x, s->n * sizeof(double complex));
	fft_forward(s, th->y);
	/* The four spikes and a few bins elsewhere. */
	size_t probe[8] = { s->k0, s->n - s->k0, s->k1, s->n - s->k1 };
	for (int i = 4; i < 8; i++)
		probe[i] = (size_t)(wl_rand(&th->rng) % s->n);
	for (int i = 0; i < 8; i++)
		th->wrong += !bin_ok(s, th->y, probe[i]);
	th->ffts++;
	*work += 5.0 * (double)s->n * s->logn; /* the usual FFT flop count */
	return 0;
}

static int ff_verify(struct wl_ctx *ctx, char *msg, size_t len)
{
	struct ff *s = ctx->priv;
	for (int t = 0; t < s->nth; t++) {
		const struct ff_thread *th = &s->th[t];
		if (th->wrong)
			return wl_bad(msg, len, "thread %d: %llu probed bins were wrong over %llu FFTs",
				      t, (unsigned long long)th->wrong, (unsigned long long)th->ffts);
		if (!th->ffts)
			continue;
		for (size_t k = 0; k < s->n; k++)
			if (!bin_ok(s, th->y, k))
				return wl_bad(msg, len, "thread %d: bin %zu is %g%+gi, expected %g%+gi",
					      t, k, creal(th->y[k]), cimag(th->y[k]),
					      creal(want_bin(s, k)), cimag(want_bin(s, k)));
	}
	snprintf(msg, len, "every bin of the last spectrum matches the known spikes at %zu and %zu",
		 s->k0, s->k1);
	return 0;
}

static void ff_corrupt(struct wl_ctx *ctx)
{
	struct ff *s = ctx->priv;
	s->th[0].y[s->k0] *= 0.5;
}

static void ff_teardown(struct wl_ctx *ctx)
{
	struct ff *s = ctx->priv;
	if (!s)
		return;
	for (int t = 0; s->th && t < s->nth; t++)
		wl_free(s->th[t].y, s->n * sizeof(double complex));
	wl_free(s->x, s->n * sizeof(double complex));
	wl_free(s->tw, s->n / 2 * sizeof(double complex));
	free(s->th);
	free(s);
}

const struct pp_workload wl_fft = {
	.name = "fft", .cls = PP_WL_BENIGN, .family = "fp",
	.help = "radix-2 complex FFTs of a million points (FP + strided memory)",
	.unit = "GFLOP/s", .unit_scale = 1e9, .opts = opts,
	.setup = ff_setup, .run = ff_run,
	.verify = ff_verify, .corrupt = ff_corrupt, .teardown = ff_teardown,
};
