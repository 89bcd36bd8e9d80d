/* What the bulk-cipher workloads (aes-ctr, aes-gcm) share: one random key, and per thread an
 * OpenSSL context set up with it, a random plaintext and an output buffer of one message. */
#ifndef PP_WORKLOADS_CIPHER_H
#define PP_WORKLOADS_CIPHER_H

#include "kernels/workloads/wl.h"

#include <openssl/evp.h>

struct wl_cipher_thread {
	EVP_CIPHER_CTX *c;         /* keyed; each message sets its IV */
	uint8_t *in, *out;         /* one message each */
	uint64_t msgs;
	uint8_t iv[16], aad[13], tag[16]; /* of the last message, as far as the mode has them */
};

struct wl_cipher {
	size_t block;              /* message bytes */
	const EVP_CIPHER *cipher;
	uint8_t key[32];
	struct wl_cipher_thread *th;
	int nth;
};

/* Makes ctx->priv a struct wl_cipher for ctx->threads threads: key and plaintexts drawn from
 * seed, every context initialised for encryption with cipher. */
int wl_cipher_setup(struct wl_ctx *ctx, const EVP_CIPHER *cipher, size_t block, uint64_t seed);
void wl_cipher_teardown(struct wl_ctx *ctx);

#endif
