/* blake2b: bulk BLAKE2b-512 through libsodium (crypto_generichash, its SIMD code), as
 * backup tools and content-addressed stores do. Every message is one million 'a's, so each
 * digest is checked against an independently computed answer. */
#include "kernels/workloads/wl.h"

#include <errno.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#define MSG_LEN 1000000

/* RFC 7693, appendix A: BLAKE2b-512("abc"). */
static const char kat_abc[] =
	"ba80a53f981c4d0d6a2797b69f12f6e94c212f14685ac4b74b12bb6fdbffa2d1"
	"7d87c5392aab792dc252d5de4533cc9518d38aa8dbf1925ab92386edd4009923";
/* BLAKE2b-512 of one million 'a', computed with CPython 3's hashlib.blake2b (which bundles
 * the BLAKE2 reference code), not with this project's code. */
static const char kat_million[] =
	"98fb3efb7206fd19ebf69b6f312cf7b64e3b94dbe1a17107913975a793f177e1"
	"d077609d7fba363cbba00d05f7aa4e4fa8715d6428104c0a75643b0ff3fd3eaf";

struct b2_thread {
	uint8_t last[64];
	uint64_t msgs, wrong;
};

struct b2 {
	uint8_t *msg;
	uint8_t want[64];
	struct b2_thread *th;
	int nth;
};

static int b2_setup(struct wl_ctx *ctx)
{
	if (sodium_init() < 0)
		return wl_fail(ctx, -EIO, "libsodium failed to initialise");
	struct b2 *s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	ctx->priv = s;
	s->msg = wl_alloc(MSG_LEN);
	s->th = calloc((size_t)ctx->threads, sizeof(*s->th));
	if (!s->msg || !s->th)
		return -ENOMEM;
	s->nth = ctx->threads;
	memset(s->msg, 'a', MSG_LEN);
	wl_unhex(kat_million, s->want, 64);
	return 0;
}

static int b2_run(struct wl_ctx *ctx, int t, double *work)
{
	struct b2 *s = ctx->priv;
	struct b2_thread *th = &s->th[t];
	if (crypto_generichash(th->last, 64, s->msg, MSG_LEN, NULL, 0) != 0)
		return -EIO;
	th->msgs++;
	th->wrong += memcmp(th->last, s->want, 64) != 0;
	*work += MSG_LEN;
	return 0;
}

static int b2_verify(struct wl_ctx *ctx, char *msg, size_t len)
{
	struct b2 *s = ctx->priv;
	uint8_t want[64], got[64];
	wl_unhex(kat_abc, want, 64);
	if (crypto_generichash(got, 64, (const uint8_t *)"abc", 3, NULL, 0) || memcmp(got, want, 64))
		return wl_bad(msg, len, "BLAKE2b-512(\"abc\") is not RFC 7693's answer");
	for (int t = 0; t < s->nth; t++) {
		const struct b2_thread *th = &s->th[t];
		if (th->wrong || (th->msgs && memcmp(th->last, s->want, 64)))
			return wl_bad(msg, len, "thread %d: digests of a million 'a' differ from the "
				      "reference answer (%llu of %llu)", t,
				      (unsigned long long)(th->wrong ? th->wrong : 1),
				      (unsigned long long)th->msgs);
	}
	snprintf(msg, len, "every digest equals the reference BLAKE2b-512 of a million 'a'; "
		 "RFC 7693 \"abc\" too");
	return 0;
}

static void b2_corrupt(struct wl_ctx *ctx)
{
	struct b2 *s = ctx->priv;
	s->th[0].last[63] ^= 1;
}

static void b2_teardown(struct wl_ctx *ctx)
{
	struct b2 *s = ctx->priv;
	if (!s)
		return;
	wl_free(s->msg, MSG_LEN);
	free(s->th);
	free(s);
}

const struct pp_workload wl_blake2b = {
	.name = "blake2b",
	.cls = PP_WL_BENIGN,
	.family = "crypto",
	.help = "bulk BLAKE2b-512 with libsodium, like backup and content-addressed storage",
	.unit = "MB/s",
	.unit_scale = 1e6,
	.setup = b2_setup,
	.run = b2_run,
	.verify = b2_verify,
	.corrupt = b2_corrupt,
	.teardown = b2_teardown,
};
