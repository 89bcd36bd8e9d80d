/* sha256: bulk SHA-256 through OpenSSL EVP (SHA-NI when the CPU has it), as integrity
 * checking, deduplication and TLS do. Every message is FIPS 180-2's one million 'a's, so
 * each digest it computes is checked against the standard's answer (digest.c). */
#include "kernels/workloads/digest.h"

#include <errno.h>
#include <openssl/evp.h>

static int sha256(const void *in, size_t len, uint8_t *out)
{
	unsigned int n = 0;
	return EVP_Digest(in, len, out, &n, EVP_sha256(), NULL) == 1 && n == 32 ? 0 : -EIO;
}

static const struct wl_digest dg_sha256 = {
	.name = "SHA-256",
	.len = 32,
	.abc_hex = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
	.abc_source = "FIPS 180-2, appendix B.1",
	.million_hex = "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0",
	.million_source = "FIPS 180-2, appendix B.3",
	.digest = sha256,
};

static int sha_setup(struct wl_ctx *ctx)
{
	return wl_digest_setup(ctx, &dg_sha256);
}

const struct pp_workload wl_sha256 = {
	.name = "sha256", .cls = PP_WL_BENIGN, .family = "crypto", .quick = true,
	.help = "bulk SHA-256 with OpenSSL EVP (SHA-NI when present), like integrity checking",
	.unit = "MB/s", .unit_scale = 1e6,
	.setup = sha_setup, .run = wl_digest_run,
	.verify = wl_digest_verify, .corrupt = wl_digest_corrupt, .teardown = wl_digest_teardown,
};
