/* The shared half of the bulk-digest workloads (digest.h). */
#include "kernels/workloads/digest.h"
#include "core/hex.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MSG_LEN 1000000

struct dg_thread {
	uint8_t last[WL_DIGEST_MAX];
	uint64_t msgs, wrong;
};

struct dg {
	const struct wl_digest *d;
	uint8_t *msg;
	uint8_t want[WL_DIGEST_MAX];
	struct dg_thread *th;
	int nth;
};

int wl_digest_setup(struct wl_ctx *ctx, const struct wl_digest *d)
{
	int err = d->init ? d->init(ctx) : 0;
	if (err)
		return err;
	struct dg *s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	ctx->priv = s;
	s->d = d;
	s->msg = wl_alloc(MSG_LEN);
	s->th = calloc((size_t)ctx->threads, sizeof(*s->th));
	if (!s->msg || !s->th)
		return -ENOMEM;
	s->nth = ctx->threads;
	memset(s->msg, 'a', MSG_LEN);
	if (d->len > WL_DIGEST_MAX ||
	    pp_hex_decode_flags(d->million_hex, PP_HEX_EXACT, s->want, d->len) < 0)
		return wl_fail(ctx, -EINVAL, "%s: bad known answer", d->name);
	return 0;
}

int wl_digest_run(struct wl_ctx *ctx, int t, double *work)
{
	struct dg *s = ctx->priv;
	struct dg_thread *th = &s->th[t];
	int err = s->d->digest(s->msg, MSG_LEN, th->last);
	if (err)
		return err;
	th->msgs++;
	th->wrong += memcmp(th->last, s->want, s->d->len) != 0;
	*work += MSG_LEN;
	return 0;
}

int wl_digest_verify(struct wl_ctx *ctx, char *msg, size_t len)
{
	struct dg *s = ctx->priv;
	const struct wl_digest *d = s->d;
	uint8_t want[WL_DIGEST_MAX], got[WL_DIGEST_MAX];
	pp_hex_decode_flags(d->abc_hex, PP_HEX_EXACT, want, d->len);
	if (d->digest("abc", 3, got) || memcmp(got, want, d->len))
		return wl_bad(msg, len, "%s(\"abc\") is not the answer from %s", d->name,
			      d->abc_source);
	for (int t = 0; t < s->nth; t++) {
		const struct dg_thread *th = &s->th[t];
		if (th->wrong || (th->msgs && memcmp(th->last, s->want, d->len)))
			return wl_bad(msg, len, "thread %d: %llu of %llu %s digests of a million 'a' "
				      "differ from the answer from %s", t,
				      (unsigned long long)(th->wrong ? th->wrong : 1),
				      (unsigned long long)th->msgs, d->name, d->million_source);
	}
	snprintf(msg, len, "every digest equals the %s of a million 'a' from %s; \"abc\" (%s) "
		 "too", d->name, d->million_source, d->abc_source);
	return 0;
}

void wl_digest_corrupt(struct wl_ctx *ctx)
{
	struct dg *s = ctx->priv;
	s->th[0].last[s->d->len - 1] ^= 1;
}

void wl_digest_teardown(struct wl_ctx *ctx)
{
	struct dg *s = ctx->priv;
	if (!s)
		return;
	wl_free(s->msg, MSG_LEN);
	free(s->th);
	free(s);
}
