/* blake2b: bulk BLAKE2b-512 through libsodium (crypto_generichash, its SIMD code), as
 * backup tools and content-addressed stores do. Every message is one million 'a's, so each
 * digest is checked against an independently computed answer (digest.c). */
#include "kernels/workloads/digest.h"

#include <errno.h>
#include <sodium.h>

static int b2_init(struct wl_ctx *ctx)
{
	return sodium_init() < 0 ? wl_fail(ctx, -EIO, "libsodium failed to initialise") : 0;
}

static int blake2b(const void *in, size_t len, uint8_t *out)
{
	return crypto_generichash(out, 64, in, len, NULL, 0) ? -EIO : 0;
}

static const struct wl_digest dg_blake2b = {
	.name = "BLAKE2b-512",
	.len = 64,
	.abc_hex = "ba80a53f981c4d0d6a2797b69f12f6e94c212f14685ac4b74b12bb6fdbffa2d1"
		   "7d87c5392aab792dc252d5de4533cc9518d38aa8dbf1925ab92386edd4009923",
	.abc_source = "RFC 7693, appendix A",
	/* Computed with CPython 3's hashlib.blake2b (which bundles the BLAKE2 reference code),
	 * not with this project's code. */
	.million_hex = "98fb3efb7206fd19ebf69b6f312cf7b64e3b94dbe1a17107913975a793f177e1"
		       "d077609d7fba363cbba00d05f7aa4e4fa8715d6428104c0a75643b0ff3fd3eaf",
	.million_source = "CPython's hashlib.blake2b",
	.init = b2_init,
	.digest = blake2b,
};

static int b2_setup(struct wl_ctx *ctx)
{
	return wl_digest_setup(ctx, &dg_blake2b);
}

const struct pp_workload wl_blake2b = {
	.name = "blake2b", .cls = PP_WL_BENIGN, .family = "crypto",
	.help = "bulk BLAKE2b-512 with libsodium, like backup and content-addressed storage",
	.unit = "MB/s", .unit_scale = 1e6,
	.setup = b2_setup, .run = wl_digest_run,
	.verify = wl_digest_verify, .corrupt = wl_digest_corrupt, .teardown = wl_digest_teardown,
};
