/* matmul: dense FP64 matrix multiply, cache-blocked and parallel with OpenMP (scientific and
 * ML codes). A[i][k] = i - k and B[k][j] = k + j give every C[i][j] in closed form, exactly
 * representable in double, so the whole product is checked against a known answer. */
#include "kernels/workloads/wl.h"

#include <errno.h>
#include <omp.h>
#include <stdlib.h>

#define BK 64  /* k and j blocking: a 64x256 panel of B stays in L2 */
#define BJ 256

enum { O_N };
static const struct pp_workload_opt opts[] = {
	{ "n", PP_WOPT_INT, "N", "512", 16, 8192, NULL, "matrix order (three N x N matrices)" },
	{ 0 },
};

struct mm {
	double *a, *b, *c;
	size_t n, bytes;
	uint64_t mults;
};

/* C = A*B with i-k-j loops over blocks: the inner loop streams rows of B and C (SIMD). */
static inline __attribute__((always_inline)) void mm_body(const double *restrict a,
							  const double *restrict b,
							  double *restrict c, size_t n,
							  int threads)
{
#pragma omp parallel for num_threads(threads) schedule(static)
	for (size_t i = 0; i < n; i++) {
		double *ci = c + i * n;
		for (size_t j = 0; j < n; j++)
			ci[j] = 0;
		for (size_t kk = 0; kk < n; kk += BK)
			for (size_t jj = 0; jj < n; jj += BJ) {
				size_t ke = kk + BK < n ? kk + BK : n, je = jj + BJ < n ? jj + BJ : n;
				for (size_t k = kk; k < ke; k++) {
					double aik = a[i * n + k];
					const double *bk = b + k * n;
					for (size_t j = jj; j < je; j++)
						ci[j] += aik * bk[j];
				}
			}
	}
}

static void mm_generic(const double *a, const double *b, double *c, size_t n, int threads)
{
	mm_body(a, b, c, n, threads);
}

#if defined(__x86_64__)
__attribute__((target("avx2,fma"))) static void mm_avx2(const double *a, const double *b,
							double *c, size_t n, int threads)
{
	mm_body(a, b, c, n, threads);
}
#endif

static double want_c(size_t i, size_t j, size_t n)
{
	/* sum_k (i - k)(k + j) = i*S1 + n*i*j - S2 - j*S1, S1 = sum k, S2 = sum k^2 */
	double s1 = (double)n * (double)(n - 1) / 2;
	double s2 = (double)(n - 1) * (double)n * (double)(2 * n - 1) / 6;
	double di = (double)i, dj = (double)j;
	return di * s1 + (double)n * di * dj - s2 - dj * s1;
}

static int mm_setup(struct wl_ctx *ctx)
{
	struct mm *s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	ctx->priv = s;
	s->n = (size_t)ctx->opt[O_N];
	s->bytes = s->n * s->n * sizeof(double);
	s->a = wl_alloc(s->bytes);
	s->b = wl_alloc(s->bytes);
	s->c = wl_alloc(s->bytes);
	if (!s->a || !s->b || !s->c)
		return wl_fail(ctx, -ENOMEM, "matmul: cannot allocate 3 x %zu MiB", s->bytes >> 20);
	for (size_t i = 0; i < s->n; i++)
		for (size_t k = 0; k < s->n; k++) {
			s->a[i * s->n + k] = (double)i - (double)k;
			s->b[i * s->n + k] = (double)i + (double)k;
		}
	snprintf(ctx->detail, ctx->detaillen, "%zu x %zu doubles, %d OpenMP threads%s", s->n, s->n,
		 ctx->threads,
#if defined(__x86_64__)
		 __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma") ? ", AVX2+FMA" :
#endif
		 "");
	return 0;
}

static int mm_run(struct wl_ctx *ctx, int t, double *work)
{
	(void)t;
	struct mm *s = ctx->priv;
#if defined(__x86_64__)
	if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma"))
		mm_avx2(s->a, s->b, s->c, s->n, ctx->threads);
	else
#endif
		mm_generic(s->a, s->b, s->c, s->n, ctx->threads);
	s->mults++;
	*work += 2.0 * (double)s->n * (double)s->n * (double)s->n;
	return 0;
}

static int mm_verify(struct wl_ctx *ctx, char *msg, size_t len)
{
	struct mm *s = ctx->priv;
	for (size_t i = 0; i < s->n; i++)
		for (size_t j = 0; j < s->n; j++)
			if (s->c[i * s->n + j] != want_c(i, j, s->n))
				return wl_bad(msg, len, "C[%zu][%zu] = %.17g, expected %.17g", i, j,
					      s->c[i * s->n + j], want_c(i, j, s->n));
	snprintf(msg, len, "all %zu x %zu entries of the last product equal the closed form "
		 "sum_k (i-k)(k+j)", s->n, s->n);
	return 0;
}

static void mm_corrupt(struct wl_ctx *ctx)
{
	struct mm *s = ctx->priv;
	s->c[s->n + 1] += 1;
}

static void mm_teardown(struct wl_ctx *ctx)
{
	struct mm *s = ctx->priv;
	if (!s)
		return;
	wl_free(s->a, s->bytes);
	wl_free(s->b, s->bytes);
	wl_free(s->c, s->bytes);
	free(s);
}

const struct pp_workload wl_matmul = {
	.name = "matmul", .cls = PP_WL_BENIGN, .family = "fp", .quick = true,
	.help = "dense FP64 matrix multiply, cache-blocked, OpenMP threads",
	.unit = "GFLOP/s", .unit_scale = 1e9, .opts = opts, .own_threads = true,
	.setup = mm_setup, .run = mm_run,
	.verify = mm_verify, .corrupt = mm_corrupt, .teardown = mm_teardown,
};
