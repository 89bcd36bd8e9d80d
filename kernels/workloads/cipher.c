/* The shared half of the bulk-cipher workloads (cipher.h). */
#include "kernels/workloads/cipher.h"

#include <errno.h>
#include <stdlib.h>

int wl_cipher_setup(struct wl_ctx *ctx, const EVP_CIPHER *cipher, size_t block, uint64_t seed)
{
	struct wl_cipher *s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	ctx->priv = s;
	s->block = block;
	s->cipher = cipher;
	for (int i = 0; i < 32; i++)
		s->key[i] = (uint8_t)wl_rand(&seed);
	s->th = calloc((size_t)ctx->threads, sizeof(*s->th));
	if (!s->th)
		return -ENOMEM;
	s->nth = ctx->threads;
	for (int t = 0; t < ctx->threads; t++) {
		struct wl_cipher_thread *th = &s->th[t];
		th->c = EVP_CIPHER_CTX_new();
		th->in = wl_alloc(block);
		th->out = wl_alloc(block);
		if (!th->c || !th->in || !th->out)
			return -ENOMEM;
		if (EVP_EncryptInit_ex(th->c, cipher, NULL, s->key, NULL) != 1)
			return wl_fail(ctx, -EIO, "OpenSSL refused the %s key",
				       EVP_CIPHER_get0_name(cipher));
		for (size_t i = 0; i < block; i++)
			th->in[i] = (uint8_t)wl_rand(&seed);
	}
	return 0;
}

void wl_cipher_teardown(struct wl_ctx *ctx)
{
	struct wl_cipher *s = ctx->priv;
	if (!s)
		return;
	for (int t = 0; s->th && t < s->nth; t++) {
		EVP_CIPHER_CTX_free(s->th[t].c);
		wl_free(s->th[t].in, s->block);
		wl_free(s->th[t].out, s->block);
	}
	free(s->th);
	free(s);
}
