/* scrypt: key derivation with libsodium's scrypt (Salsa20/8 over a large V array), as
 * password stores and disk-encryption unlocks do: memory-hard and benign. */
#include "kernels/workloads/wl.h"
#include "core/hex.h"

#include <errno.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

enum { O_NLOG2, O_R, O_P };
/* Defaults: N = 2^14, r = 8, p = 1 (16 MiB, the interactive-login setting). */
static const struct pp_workload_opt opts[] = {
	{ "n-log2", PP_WOPT_INT, "K", "14", 1, 24, NULL, "cost N = 2^K" },
	{ "r", PP_WOPT_INT, "R", "8", 1, 64, NULL, "block size factor (128*R bytes)" },
	{ "p", PP_WOPT_INT, "P", "1", 1, 16, NULL, "parallelisation (sequential here)" },
	{ 0 },
};

struct sc_thread {
	char pwd[32];
	uint8_t key[32];
	uint64_t keys;
};

struct sc {
	uint64_t n;
	uint32_t r, p;
	struct sc_thread *th;
	int nth;
};

/* RFC 7914, section 12, third vector. */
static const char kat_key[] =
	"7023bdcb3afd7348461c06cd81fd38ebfda8fbba904f8e3ea9b543f6545da1f2"
	"d5432955613f0fcf62d49705242a9af9e61e85dc0d651e40dfcf017b45575887";

static int derive(const char *pwd, const char *salt, uint64_t n, uint32_t r, uint32_t p,
		  uint8_t *out, size_t len)
{
	int rc = crypto_pwhash_scryptsalsa208sha256_ll((const uint8_t *)pwd, strlen(pwd),
						       (const uint8_t *)salt, strlen(salt), n, r,
						       p, out, len);
	return rc == 0 ? 0 : errno == ENOMEM ? -ENOMEM : -EINVAL;
}

static int sc_setup(struct wl_ctx *ctx)
{
	if (sodium_init() < 0)
		return wl_fail(ctx, -EIO, "libsodium failed to initialise");
	struct sc *s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	ctx->priv = s;
	s->n = 1ull << ctx->opt[O_NLOG2];
	s->r = (uint32_t)ctx->opt[O_R];
	s->p = (uint32_t)ctx->opt[O_P];
	s->th = calloc((size_t)ctx->threads, sizeof(*s->th));
	if (!s->th)
		return -ENOMEM;
	s->nth = ctx->threads;
	snprintf(ctx->detail, ctx->detaillen, "N=2^%lld, r=%u, p=%u (%llu KiB)",
		 (long long)ctx->opt[O_NLOG2], s->r, s->p,
		 (unsigned long long)(128 * s->r * s->n >> 10));
	return 0;
}

static int sc_run(struct wl_ctx *ctx, int t, double *work)
{
	struct sc *s = ctx->priv;
	struct sc_thread *th = &s->th[t];
	snprintf(th->pwd, sizeof(th->pwd), "user%d-pass%llu", t, (unsigned long long)th->keys);
	int rc = derive(th->pwd, "powprint-salt", s->n, s->r, s->p, th->key, 32);
	if (rc)
		return rc;
	th->keys++;
	*work += 1;
	return 0;
}

static int sc_verify(struct wl_ctx *ctx, char *msg, size_t len)
{
	struct sc *s = ctx->priv;
	uint8_t want[64], got[64];
	pp_hex_decode_flags(kat_key, PP_HEX_EXACT, want, 64);
	if (derive("pleaseletmein", "SodiumChloride", 16384, 8, 1, got, 64) || memcmp(got, want, 64))
		return wl_bad(msg, len, "libsodium's scrypt does not give RFC 7914's answer");
	for (int t = 0; t < s->nth; t++) {
		const struct sc_thread *th = &s->th[t];
		uint8_t key[32];
		if (!th->keys)
			continue;
		if (derive(th->pwd, "powprint-salt", s->n, s->r, s->p, key, 32) ||
		    memcmp(key, th->key, 32))
			return wl_bad(msg, len, "thread %d: the key of '%s' does not recompute", t,
				      th->pwd);
	}
	snprintf(msg, len, "RFC 7914 scrypt vector (N=16384); each thread's last key recomputes");
	return 0;
}

static void sc_corrupt(struct wl_ctx *ctx)
{
	struct sc *s = ctx->priv;
	s->th[0].key[31] ^= 0x40;
}

static void sc_teardown(struct wl_ctx *ctx)
{
	struct sc *s = ctx->priv;
	if (!s)
		return;
	free(s->th);
	free(s);
}

const struct pp_workload wl_scrypt = {
	.name = "scrypt", .cls = PP_WL_BENIGN, .family = "kdf",
	.help = "scrypt key derivation with libsodium (memory-hard KDF)",
	.unit = "H/s", .opts = opts,
	.setup = sc_setup, .run = sc_run,
	.verify = sc_verify, .corrupt = sc_corrupt, .teardown = sc_teardown,
};
