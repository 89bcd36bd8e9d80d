/* argon2id: password hashing with Debian's libargon2 (the reference implementation), as a
 * login service does: memory-hard like RandomX's Argon2d cache fill, but benign. */
#include "kernels/workloads/wl.h"
#include "core/hex.h"

#include <argon2.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

enum { O_MEMORY, O_PASSES, O_LANES };
/* Defaults: OWASP's Argon2id minimum (19 MiB, 2 passes, 1 lane), about 50 ms a hash. */
static const struct pp_workload_opt opts[] = {
	{ "memory", PP_WOPT_SIZE, "BYTES", "19M", 64 << 10, 4ll << 30, NULL, "memory per hash" },
	{ "passes", PP_WOPT_INT, "N", "2", 1, 100, NULL, "passes over memory (t_cost)" },
	{ "lanes", PP_WOPT_INT, "N", "1", 1, 64, NULL, "lanes and libargon2 threads per hash" },
	{ 0 },
};

struct a2_thread {
	char pwd[32];
	uint8_t tag[32];
	uint64_t hashes;
};

struct a2 {
	uint32_t m_kib, t_cost, lanes;
	uint8_t salt[16];
	struct a2_thread *th;
	int nth;
};

/* RFC 9106, section 5.3: Argon2id with secret and associated data. */
static const char kat_tag[] = "0d640df58d78766c08c037a34a8b53c9d01ef0452d75b65eb52520e96b01e659";

static int rfc9106_check(void)
{
	uint8_t pwd[32], salt[16], secret[8], ad[12], out[32], want[32];
	memset(pwd, 1, sizeof(pwd));
	memset(salt, 2, sizeof(salt));
	memset(secret, 3, sizeof(secret));
	memset(ad, 4, sizeof(ad));
	argon2_context c = {
		.out = out, .outlen = 32, .pwd = pwd, .pwdlen = 32, .salt = salt, .saltlen = 16,
		.secret = secret, .secretlen = 8, .ad = ad, .adlen = 12, .t_cost = 3,
		.m_cost = 32, .lanes = 4, .threads = 4, .version = ARGON2_VERSION_13,
		.flags = ARGON2_DEFAULT_FLAGS,
	};
	pp_hex_decode_flags(kat_tag, PP_HEX_EXACT, want, 32);
	return argon2_ctx(&c, Argon2_id) == ARGON2_OK && memcmp(out, want, 32) == 0 ? 0 : -EBADMSG;
}

static int a2_hash(const struct a2 *s, const char *pwd, uint8_t tag[32])
{
	int rc = argon2id_hash_raw(s->t_cost, s->m_kib, s->lanes, pwd, strlen(pwd), s->salt,
				   sizeof(s->salt), tag, 32);
	if (rc == ARGON2_MEMORY_ALLOCATION_ERROR)
		return -ENOMEM;
	return rc == ARGON2_OK ? 0 : -EINVAL;
}

static int a2_setup(struct wl_ctx *ctx)
{
	struct a2 *s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	ctx->priv = s;
	s->m_kib = (uint32_t)(ctx->opt[O_MEMORY] >> 10);
	s->t_cost = (uint32_t)ctx->opt[O_PASSES];
	s->lanes = (uint32_t)ctx->opt[O_LANES];
	if (s->m_kib < 8 * s->lanes)
		return wl_fail(ctx, -EINVAL, "argon2id needs at least 8 KiB of memory per lane");
	memcpy(s->salt, "powprint-salt-16", 16);
	s->th = calloc((size_t)ctx->threads, sizeof(*s->th));
	if (!s->th)
		return -ENOMEM;
	s->nth = ctx->threads;
	snprintf(ctx->detail, ctx->detaillen, "m=%u KiB, t=%u, p=%u", s->m_kib, s->t_cost, s->lanes);
	return 0;
}

static int a2_run(struct wl_ctx *ctx, int t, double *work)
{
	struct a2 *s = ctx->priv;
	struct a2_thread *th = &s->th[t];
	snprintf(th->pwd, sizeof(th->pwd), "user%d-pass%llu", t, (unsigned long long)th->hashes);
	int rc = a2_hash(s, th->pwd, th->tag);
	if (rc)
		return rc;
	th->hashes++;
	*work += 1;
	return 0;
}

static int a2_verify(struct wl_ctx *ctx, char *msg, size_t len)
{
	struct a2 *s = ctx->priv;
	if (rfc9106_check())
		return wl_bad(msg, len, "libargon2's Argon2id does not give RFC 9106's answer");
	/* The last tag of each thread must be what a fresh hash of its password gives. */
	for (int t = 0; t < s->nth; t++) {
		const struct a2_thread *th = &s->th[t];
		uint8_t tag[32];
		if (!th->hashes)
			continue;
		if (a2_hash(s, th->pwd, tag) || memcmp(tag, th->tag, 32))
			return wl_bad(msg, len, "thread %d: the tag of '%s' does not recompute", t,
				      th->pwd);
	}
	snprintf(msg, len, "RFC 9106 Argon2id vector; each thread's last tag recomputes");
	return 0;
}

static void a2_corrupt(struct wl_ctx *ctx)
{
	struct a2 *s = ctx->priv;
	s->th[0].tag[0] ^= 0x10;
}

static void a2_teardown(struct wl_ctx *ctx)
{
	struct a2 *s = ctx->priv;
	if (!s)
		return;
	free(s->th);
	free(s);
}

const struct pp_workload wl_argon2id = {
	.name = "argon2id", .cls = PP_WL_BENIGN, .family = "kdf", .quick = true,
	.help = "Argon2id password hashing with libargon2 (memory-hard, like RandomX's cache)",
	.unit = "H/s", .opts = opts,
	.setup = a2_setup, .run = a2_run,
	.verify = a2_verify, .corrupt = a2_corrupt, .teardown = a2_teardown,
};
