/* sha256: bulk SHA-256 through OpenSSL EVP (SHA-NI when the CPU has it), as integrity
 * checking, deduplication and TLS do. Every message is FIPS 180-2's one million 'a's, so
 * each digest it computes is checked against the standard's answer. */
#include "kernels/workloads/wl.h"

#include <errno.h>
#include <openssl/evp.h>
#include <stdlib.h>
#include <string.h>

#define MSG_LEN 1000000

/* FIPS 180-2, appendix B.1 ("abc") and B.3 (one million repetitions of 'a'). */
static const char kat_abc[] = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";
static const char kat_million[] = "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0";

struct sha_thread {
	uint8_t last[32];
	uint64_t msgs, wrong;
};

struct sha {
	uint8_t *msg;
	uint8_t want[32];
	struct sha_thread *th;
	int nth;
};

static int digest(const void *in, size_t len, uint8_t out[32])
{
	unsigned int n = 0;
	return EVP_Digest(in, len, out, &n, EVP_sha256(), NULL) == 1 && n == 32 ? 0 : -EIO;
}

static int sha_setup(struct wl_ctx *ctx)
{
	struct sha *s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	ctx->priv = s;
	s->msg = wl_alloc(MSG_LEN);
	s->th = calloc((size_t)ctx->threads, sizeof(*s->th));
	if (!s->msg || !s->th)
		return -ENOMEM;
	s->nth = ctx->threads;
	memset(s->msg, 'a', MSG_LEN);
	wl_unhex(kat_million, s->want, 32);
	return 0;
}

static int sha_run(struct wl_ctx *ctx, int t, double *work)
{
	struct sha *s = ctx->priv;
	struct sha_thread *th = &s->th[t];
	int rc = digest(s->msg, MSG_LEN, th->last);
	if (rc)
		return rc;
	th->msgs++;
	th->wrong += memcmp(th->last, s->want, 32) != 0;
	*work += MSG_LEN;
	return 0;
}

static int sha_verify(struct wl_ctx *ctx, char *msg, size_t len)
{
	struct sha *s = ctx->priv;
	uint8_t want[32], got[32];
	wl_unhex(kat_abc, want, 32);
	if (digest("abc", 3, got) || memcmp(got, want, 32))
		return wl_bad(msg, len, "SHA-256(\"abc\") is not FIPS 180-2's answer");
	for (int t = 0; t < s->nth; t++) {
		const struct sha_thread *th = &s->th[t];
		if (th->wrong || (th->msgs && memcmp(th->last, s->want, 32)))
			return wl_bad(msg, len, "thread %d: %llu of %llu digests of a million 'a' "
				      "differ from FIPS 180-2's answer", t,
				      (unsigned long long)(th->wrong ? th->wrong : 1),
				      (unsigned long long)th->msgs);
	}
	snprintf(msg, len, "every digest equals FIPS 180-2's SHA-256 of a million 'a'; \"abc\" too");
	return 0;
}

static void sha_corrupt(struct wl_ctx *ctx)
{
	struct sha *s = ctx->priv;
	s->th[0].last[5] ^= 4;
}

static void sha_teardown(struct wl_ctx *ctx)
{
	struct sha *s = ctx->priv;
	if (!s)
		return;
	wl_free(s->msg, MSG_LEN);
	free(s->th);
	free(s);
}

const struct pp_workload wl_sha256 = {
	.name = "sha256",
	.cls = PP_WL_BENIGN,
	.family = "crypto",
	.help = "bulk SHA-256 with OpenSSL EVP (SHA-NI when present), like integrity checking",
	.unit = "MB/s",
	.unit_scale = 1e6,
	.setup = sha_setup,
	.run = sha_run,
	.verify = sha_verify,
	.corrupt = sha_corrupt,
	.teardown = sha_teardown,
};
