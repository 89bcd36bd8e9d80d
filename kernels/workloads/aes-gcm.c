/* aes-gcm: AES-GCM authenticated encryption of TLS-record-sized messages through OpenSSL EVP
 * (AES-NI + PCLMULQDQ/VPCLMULQDQ): what HTTPS and VPN servers spend their cycles on. */
#include "kernels/workloads/cipher.h"
#include "core/hex.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { O_BLOCK, O_KEYBITS };
static const struct pp_workload_opt opts[] = {
	{ "block", PP_WOPT_SIZE, "BYTES", "16K", 1, 1 << 30, NULL,
	  "bytes per message (16K = a full TLS record)" },
	{ "key-bits", PP_WOPT_CHOICE, "BITS", "128", 0, 0, "128|256", "AES key size" },
	{ 0 },
};

/* McGrew & Viega, "The Galois/Counter Mode of Operation (GCM)", test case 4 (AES-128, 60
 * bytes of plaintext, 20 bytes of additional data). */
static const char kat_key[] = "feffe9928665731c6d6a8f9467308308";
static const char kat_iv[] = "cafebabefacedbaddecaf888";
static const char kat_pt[] = "d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a72"
			     "1c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657ba637b39";
static const char kat_aad[] = "feedfacedeadbeeffeedfacedeadbeefabaddad2";
static const char kat_ct[] = "42831ec2217774244b7221b784d0d49ce3aa212f2c02a4e035c17e2329aca12e"
			     "21d514b25466931c7d8f6a5aac84aa051ba30b396a0aac973d58e091";
static const char kat_tag[] = "5bc94fbc3221a5db94fae95ae7121a47";

/* The workload's sealing path, shared by run() and the known-answer check. */
static int gcm_seal(EVP_CIPHER_CTX *c, const uint8_t iv[12], const uint8_t *aad, size_t aadlen,
		    const uint8_t *in, uint8_t *out, size_t len, uint8_t tag[16])
{
	int outl = 0, fin = 0;
	if (EVP_EncryptInit_ex(c, NULL, NULL, NULL, iv) != 1 ||
	    EVP_EncryptUpdate(c, NULL, &outl, aad, (int)aadlen) != 1 ||
	    EVP_EncryptUpdate(c, out, &outl, in, (int)len) != 1 ||
	    EVP_EncryptFinal_ex(c, out + outl, &fin) != 1 || (size_t)(outl + fin) != len ||
	    EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_GET_TAG, 16, tag) != 1)
		return -EIO;
	return 0;
}

static int gcm_setup(struct wl_ctx *ctx)
{
	bool k256 = ctx->opt[O_KEYBITS] == 1;
	int err = wl_cipher_setup(ctx, k256 ? EVP_aes_256_gcm() : EVP_aes_128_gcm(),
				  (size_t)ctx->opt[O_BLOCK], 0x6165732d67636dull);
	if (err)
		return err;
	const struct wl_cipher *s = ctx->priv;
	snprintf(ctx->detail, ctx->detaillen, "AES-%d-GCM, %zu-byte messages, 13-byte AAD",
		 k256 ? 256 : 128, s->block);
	return 0;
}

static int gcm_run(struct wl_ctx *ctx, int t, double *work)
{
	struct wl_cipher *s = ctx->priv;
	struct wl_cipher_thread *th = &s->th[t];
	/* TLS 1.2 style: a fixed per-thread salt and a message counter as the nonce, and a
	 * record header (sequence number, type, version, length) as additional data. */
	th->msgs++;
	memcpy(th->iv, &t, 4);
	memcpy(th->iv + 4, &th->msgs, 8);
	memcpy(th->aad, &th->msgs, 8);
	th->aad[8] = 23;
	th->aad[9] = 3;
	th->aad[10] = 3;
	th->aad[11] = (uint8_t)(s->block >> 8);
	th->aad[12] = (uint8_t)s->block;
	int rc = gcm_seal(th->c, th->iv, th->aad, 13, th->in, th->out, s->block, th->tag);
	if (!rc)
		*work += (double)s->block;
	return rc;
}

/* Opens the last sealed message of a thread: the tag must verify and give back the input. */
static bool gcm_open_last(const struct wl_cipher *s, const struct wl_cipher_thread *th)
{
	uint8_t *pt = malloc(s->block);
	EVP_CIPHER_CTX *d = EVP_CIPHER_CTX_new();
	int outl = 0, fin = 0;
	uint8_t tag[16];
	memcpy(tag, th->tag, 16);
	bool ok = pt && d && EVP_DecryptInit_ex(d, s->cipher, NULL, s->key, th->iv) == 1 &&
		  EVP_DecryptUpdate(d, NULL, &outl, th->aad, 13) == 1 &&
		  EVP_DecryptUpdate(d, pt, &outl, th->out, (int)s->block) == 1 &&
		  EVP_CIPHER_CTX_ctrl(d, EVP_CTRL_GCM_SET_TAG, 16, tag) == 1 &&
		  EVP_DecryptFinal_ex(d, pt + outl, &fin) == 1 &&
		  memcmp(pt, th->in, s->block) == 0;
	EVP_CIPHER_CTX_free(d);
	free(pt);
	return ok;
}

static int gcm_verify(struct wl_ctx *ctx, char *msg, size_t len)
{
	struct wl_cipher *s = ctx->priv;
	uint8_t key[16], iv[12], pt[60], aad[20], ct[60], tag[16], got[60], gtag[16];
	pp_hex_decode_flags(kat_key, PP_HEX_EXACT, key, 16);
	pp_hex_decode_flags(kat_iv, PP_HEX_EXACT, iv, 12);
	pp_hex_decode_flags(kat_pt, PP_HEX_EXACT, pt, 60);
	pp_hex_decode_flags(kat_aad, PP_HEX_EXACT, aad, 20);
	pp_hex_decode_flags(kat_ct, PP_HEX_EXACT, ct, 60);
	pp_hex_decode_flags(kat_tag, PP_HEX_EXACT, tag, 16);
	EVP_CIPHER_CTX *c = EVP_CIPHER_CTX_new();
	int rc = c && EVP_EncryptInit_ex(c, EVP_aes_128_gcm(), NULL, key, NULL) == 1 ? 0 : -EIO;
	if (!rc)
		rc = gcm_seal(c, iv, aad, 20, pt, got, 60, gtag);
	EVP_CIPHER_CTX_free(c);
	if (rc || memcmp(got, ct, 60) || memcmp(gtag, tag, 16))
		return wl_bad(msg, len, "AES-128-GCM does not give GCM spec test case 4's answer");
	for (int t = 0; t < s->nth; t++)
		if (s->th[t].msgs && !gcm_open_last(s, &s->th[t]))
			return wl_bad(msg, len, "thread %d: message %llu does not authenticate or "
				      "decrypt back to its plaintext", t,
				      (unsigned long long)s->th[t].msgs);
	snprintf(msg, len, "GCM spec test case 4; last message of each thread authenticates and "
		 "decrypts back");
	return 0;
}

static void gcm_corrupt(struct wl_ctx *ctx)
{
	struct wl_cipher *s = ctx->priv;
	s->th[0].out[s->block / 2] ^= 0x80;
}

const struct pp_workload wl_aes_gcm = {
	.name = "aes-gcm", .cls = PP_WL_BENIGN, .family = "crypto", .quick = true,
	.help = "AES-GCM sealing of TLS-record-sized messages with OpenSSL EVP (AES-NI, CLMUL)",
	.unit = "MB/s", .unit_scale = 1e6, .opts = opts,
	.setup = gcm_setup, .run = gcm_run,
	.verify = gcm_verify, .corrupt = gcm_corrupt, .teardown = wl_cipher_teardown,
};
