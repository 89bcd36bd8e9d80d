/* aes-ctr: bulk AES-CTR encryption through OpenSSL EVP (AES-NI/VAES inside), as disk and
 * storage encryption do: the hardest confounder for CryptoNight's AES rounds. */
#include "kernels/workloads/cipher.h"
#include "core/hex.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

enum { O_BLOCK, O_KEYBITS };
static const struct pp_workload_opt opts[] = {
	{ "block", PP_WOPT_SIZE, "BYTES", "1M", 16, 1 << 30, NULL, "bytes per message (one IV each)" },
	{ "key-bits", PP_WOPT_CHOICE, "BITS", "128", 0, 0, "128|256", "AES key size" },
	{ 0 },
};

/* NIST SP 800-38A, F.5.1 CTR-AES128.Encrypt (the first two of its four blocks). */
static const char kat_key[] = "2b7e151628aed2a6abf7158809cf4f3c";
static const char kat_iv[] = "f0f1f2f3f4f5f6f7f8f9fafbfcfdfeff";
static const char kat_pt[] = "6bc1bee22e409f96e93d7e117393172aae2d8a571e03ac9c9eb76fac45af8e51";
static const char kat_ct[] = "874d6191b620e3261bef6864990db6ce9806f66b7970fdff8617187bb9fffdff";

/* The workload's encryption path, shared by run() and the known-answer check. */
static int ctr_crypt(EVP_CIPHER_CTX *c, const uint8_t iv[16], const uint8_t *in, uint8_t *out,
		     size_t len)
{
	int outl = 0;
	if (EVP_EncryptInit_ex(c, NULL, NULL, NULL, iv) != 1 ||
	    EVP_EncryptUpdate(c, out, &outl, in, (int)len) != 1 || (size_t)outl != len)
		return -EIO;
	return 0;
}

static int ctr_setup(struct wl_ctx *ctx)
{
	bool k256 = ctx->opt[O_KEYBITS] == 1;
	int err = wl_cipher_setup(ctx, k256 ? EVP_aes_256_ctr() : EVP_aes_128_ctr(),
				  (size_t)ctx->opt[O_BLOCK], 0x6165732d637472ull);
	if (err)
		return err;
	const struct wl_cipher *s = ctx->priv;
	snprintf(ctx->detail, ctx->detaillen, "AES-%d-CTR, %zu-byte messages",
		 k256 ? 256 : 128, s->block);
	return 0;
}

static int ctr_run(struct wl_ctx *ctx, int t, double *work)
{
	struct wl_cipher *s = ctx->priv;
	struct wl_cipher_thread *th = &s->th[t];
	/* A fresh IV per message: thread id, message number, block counter 0. */
	memset(th->iv, 0, 16);
	memcpy(th->iv, &t, sizeof(t));
	th->msgs++;
	memcpy(th->iv + 4, &th->msgs, sizeof(th->msgs));
	int rc = ctr_crypt(th->c, th->iv, th->in, th->out, s->block);
	if (!rc)
		*work += (double)s->block;
	return rc;
}

/* Block j of a CTR stream is AES_K(IV + j) xor plaintext: checked with a one-block ECB
 * encryption, another OpenSSL code path than the bulk CTR one. */
static bool check_block(const struct wl_cipher *s, const struct wl_cipher_thread *th, size_t j)
{
	const EVP_CIPHER *ecb = EVP_CIPHER_get_key_length(s->cipher) == 32 ? EVP_aes_256_ecb() :
				EVP_aes_128_ecb();
	uint8_t ctrblk[16], ks[16];
	memcpy(ctrblk, th->iv, 16);
	uint64_t carry = j;
	for (int i = 15; i >= 0 && carry; i--) {
		carry += ctrblk[i];
		ctrblk[i] = (uint8_t)carry;
		carry >>= 8;
	}
	EVP_CIPHER_CTX *e = EVP_CIPHER_CTX_new();
	int outl = 0;
	bool ok = e && EVP_EncryptInit_ex(e, ecb, NULL, s->key, NULL) == 1 &&
		  EVP_CIPHER_CTX_set_padding(e, 0) == 1 &&
		  EVP_EncryptUpdate(e, ks, &outl, ctrblk, 16) == 1 && outl == 16;
	EVP_CIPHER_CTX_free(e);
	size_t n = s->block - 16 * j < 16 ? s->block - 16 * j : 16;
	for (size_t i = 0; ok && i < n; i++)
		ok = (uint8_t)(th->in[16 * j + i] ^ ks[i]) == th->out[16 * j + i];
	return ok;
}

static int ctr_verify(struct wl_ctx *ctx, char *msg, size_t len)
{
	struct wl_cipher *s = ctx->priv;
	uint8_t key[16], iv[16], pt[32], ct[32], got[32];
	pp_hex_decode_flags(kat_key, PP_HEX_EXACT, key, 16);
	pp_hex_decode_flags(kat_iv, PP_HEX_EXACT, iv, 16);
	pp_hex_decode_flags(kat_pt, PP_HEX_EXACT, pt, 32);
	pp_hex_decode_flags(kat_ct, PP_HEX_EXACT, ct, 32);
	EVP_CIPHER_CTX *c = EVP_CIPHER_CTX_new();
	int rc = c && EVP_EncryptInit_ex(c, EVP_aes_128_ctr(), NULL, key, NULL) == 1 ? 0 : -EIO;
	if (!rc)
		rc = ctr_crypt(c, iv, pt, got, 32);
	EVP_CIPHER_CTX_free(c);
	if (rc || memcmp(got, ct, 32))
		return wl_bad(msg, len, "AES-128-CTR does not give the NIST SP 800-38A F.5.1 answer");

	size_t nblk = (s->block + 15) / 16;
	for (int t = 0; t < s->nth; t++) {
		const struct wl_cipher_thread *th = &s->th[t];
		if (!th->msgs)
			continue;
		size_t probe[3] = { 0, nblk / 2, nblk - 1 };
		for (int k = 0; k < 3; k++)
			if (!check_block(s, th, probe[k]))
				return wl_bad(msg, len,
					      "thread %d: ciphertext block %zu of message %llu is not "
					      "AES(K, IV+%zu) xor plaintext", t, probe[k],
					      (unsigned long long)th->msgs, probe[k]);
	}
	snprintf(msg, len, "NIST SP 800-38A F.5.1 vector; last message of each thread matches "
		 "one-block AES-ECB at 3 counters");
	return 0;
}

static void ctr_corrupt(struct wl_ctx *ctx)
{
	struct wl_cipher *s = ctx->priv;
	s->th[0].out[(s->block + 15) / 16 / 2 * 16] ^= 1;
}

const struct pp_workload wl_aes_ctr = {
	.name = "aes-ctr", .cls = PP_WL_BENIGN, .family = "crypto", .quick = true,
	.help = "bulk AES-CTR encryption with OpenSSL EVP (AES-NI/VAES), like disk encryption",
	.unit = "MB/s", .unit_scale = 1e6, .opts = opts,
	.setup = ctr_setup, .run = ctr_run,
	.verify = ctr_verify, .corrupt = ctr_corrupt, .teardown = wl_cipher_teardown,
};
