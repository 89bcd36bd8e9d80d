/* video-sad: a video encoder's motion search: for every 16x16 block of a 720p frame, the
 * sum of absolute differences against each candidate in a +-R window of the previous frame
 * (integer SIMD: PSADBW on SSE2, VPSADBW on AVX2). The frame is the previous one moved by a
 * known vector, so every block's best match is known: that vector, with a SAD of 0. */
#include "kernels/workloads/wl.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#if defined(__x86_64__)
#include <immintrin.h>
#endif

#define W 1280
#define H 720
#define MB 16
#define PAD 32            /* reference frame margin: search radius + motion */
#define DX 3              /* the known motion */
#define DY (-2)

enum { O_RANGE };
static const struct pp_workload_opt opts[] = {
	{ "range", PP_WOPT_INT, "R", "8", 1, 24, NULL, "search radius in pixels (+-R)" },
	{ 0 },
};

typedef uint32_t (*sad_fn)(const uint8_t *a, const uint8_t *b, size_t bstride);

struct vs_thread {
	uint64_t row, wrong;
	int last_mx, last_my;
	uint32_t last_sad;
};

struct vs {
	uint8_t *ref, *cur;     /* ref: (W+2PAD) x (H+2PAD); cur: W x H */
	size_t rstride;
	int range;
	sad_fn sad;
	const char *isa;
	struct vs_thread *th;
	int nth;
};

/* SAD of a 16x16 block of cur (stride W) against one of ref (stride bstride). */
static uint32_t sad_c(const uint8_t *a, const uint8_t *b, size_t bstride)
{
	uint32_t s = 0;
	for (int y = 0; y < MB; y++, a += W, b += bstride)
		for (int x = 0; x < MB; x++)
			s += (uint32_t)abs(a[x] - b[x]);
	return s;
}

#if defined(__x86_64__)
static uint32_t sad_sse2(const uint8_t *a, const uint8_t *b, size_t bstride)
{
	__m128i acc = _mm_setzero_si128();
	for (int y = 0; y < MB; y++, a += W, b += bstride)
		acc = _mm_add_epi64(acc, _mm_sad_epu8(_mm_loadu_si128((const __m128i *)a),
						      _mm_loadu_si128((const __m128i *)b)));
	return (uint32_t)(_mm_cvtsi128_si32(acc) + _mm_extract_epi16(acc, 4));
}

/* Two rows per VPSADBW. */
__attribute__((target("avx2"))) static uint32_t sad_avx2(const uint8_t *a, const uint8_t *b,
							 size_t bstride)
{
	__m256i acc = _mm256_setzero_si256();
	for (int y = 0; y < MB; y += 2, a += 2 * W, b += 2 * bstride) {
		__m256i va = _mm256_inserti128_si256(
			_mm256_castsi128_si256(_mm_loadu_si128((const __m128i *)a)),
			_mm_loadu_si128((const __m128i *)(a + W)), 1);
		__m256i vb = _mm256_inserti128_si256(
			_mm256_castsi128_si256(_mm_loadu_si128((const __m128i *)b)),
			_mm_loadu_si128((const __m128i *)(b + bstride)), 1);
		acc = _mm256_add_epi64(acc, _mm256_sad_epu8(va, vb));
	}
	__m128i s = _mm_add_epi64(_mm256_castsi256_si128(acc), _mm256_extracti128_si256(acc, 1));
	return (uint32_t)(_mm_cvtsi128_si32(s) + _mm_extract_epi16(s, 4));
}
#endif

/* Full search of one block; ties keep the first (raster order) candidate. */
static void search(const struct vs *s, int bx, int by, sad_fn sad, int *mx, int *my,
		   uint32_t *best)
{
	const uint8_t *blk = s->cur + (size_t)by * W + (size_t)bx;
	*best = UINT32_MAX;
	for (int dy = -s->range; dy <= s->range; dy++)
		for (int dx = -s->range; dx <= s->range; dx++) {
			const uint8_t *r = s->ref + (size_t)(by + PAD + dy) * s->rstride +
					   (size_t)(bx + PAD + dx);
			uint32_t v = sad(blk, r, s->rstride);
			if (v < *best) {
				*best = v;
				*mx = dx;
				*my = dy;
			}
		}
}

static int vs_setup(struct wl_ctx *ctx)
{
	struct vs *s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	ctx->priv = s;
	s->range = (int)ctx->opt[O_RANGE];
	if (s->range < abs(DX) || s->range < abs(DY))
		return wl_fail(ctx, -EINVAL, "video-sad: --range must be at least %d to contain the "
			       "motion", abs(DX) > abs(DY) ? abs(DX) : abs(DY));
	s->rstride = W + 2 * PAD;
	s->ref = malloc(s->rstride * (H + 2 * PAD));
	s->cur = malloc((size_t)W * H);
	s->th = calloc((size_t)ctx->threads, sizeof(*s->th));
	if (!s->ref || !s->cur || !s->th)
		return -ENOMEM;
	s->nth = ctx->threads;
	/* Smoothed noise (real video is smooth, but noise keeps the best match unique). */
	uint64_t rng = 0x766964ull;
	for (size_t i = 0; i < s->rstride * (H + 2 * PAD); i++)
		s->ref[i] = (uint8_t)(wl_rand(&rng) >> 58 << 2);
	for (size_t i = 1; i < s->rstride * (H + 2 * PAD); i++)
		s->ref[i] = (uint8_t)((s->ref[i] + s->ref[i - 1]) / 2 + (wl_rand(&rng) & 15));
	for (int y = 0; y < H; y++)
		memcpy(s->cur + (size_t)y * W, s->ref + (size_t)(y + PAD + DY) * s->rstride + PAD + DX,
		       W);
	s->sad = sad_c;
	s->isa = "C";
#if defined(__x86_64__)
	s->sad = sad_sse2;
	s->isa = "SSE2";
	if (__builtin_cpu_supports("avx2")) {
		s->sad = sad_avx2;
		s->isa = "AVX2";
	}
#endif
	snprintf(ctx->detail, ctx->detaillen, "%dx%d frame, 16x16 blocks, +-%d search, %s SAD", W, H,
		 s->range, s->isa);
	return 0;
}

static int vs_run(struct wl_ctx *ctx, int t, double *work)
{
	struct vs *s = ctx->priv;
	struct vs_thread *th = &s->th[t];
	int by = (int)(th->row++ % (H / MB)) * MB;
	for (int bx = 0; bx < W; bx += MB) {
		search(s, bx, by, s->sad, &th->last_mx, &th->last_my, &th->last_sad);
		th->wrong += th->last_mx != DX || th->last_my != DY || th->last_sad != 0;
	}
	*work += W / MB;
	return 0;
}

static int vs_verify(struct wl_ctx *ctx, char *msg, size_t len)
{
	struct vs *s = ctx->priv;
	for (int t = 0; t < s->nth; t++)
		if (s->th[t].wrong)
			return wl_bad(msg, len, "thread %d: %llu blocks did not find the motion (%d,%d)",
				      t, (unsigned long long)s->th[t].wrong, DX, DY);
	/* One row again, with the plain C SAD as the reference for the SIMD one. */
	for (int bx = 0; bx < W; bx += MB) {
		int mx = 0, my = 0;
		uint32_t best;
		search(s, bx, MB, sad_c, &mx, &my, &best);
		if (mx != DX || my != DY || best != 0)
			return wl_bad(msg, len, "block (%d,%d): best match (%d,%d) SAD %u, expected "
				      "(%d,%d) SAD 0", bx, MB, mx, my, best, DX, DY);
	}
	snprintf(msg, len, "every block found the known motion (%d,%d) with SAD 0 (%s)", DX, DY,
		 s->isa);
	return 0;
}

static void vs_corrupt(struct wl_ctx *ctx)
{
	struct vs *s = ctx->priv;
	s->cur[(size_t)MB * W + 5] ^= 0x40; /* a pixel in the block row verify searches */
}

static void vs_teardown(struct wl_ctx *ctx)
{
	struct vs *s = ctx->priv;
	if (!s)
		return;
	free(s->ref);
	free(s->cur);
	free(s->th);
	free(s);
}

const struct pp_workload wl_video_sad = {
	.name = "video-sad", .cls = PP_WL_BENIGN, .family = "media", .quick = true,
	.help = "video-encoder motion search: 16x16 SAD with SSE2/AVX2 integer SIMD",
	.unit = "blocks/s", .opts = opts,
	.setup = vs_setup, .run = vs_run,
	.verify = vs_verify, .corrupt = vs_corrupt, .teardown = vs_teardown,
};
