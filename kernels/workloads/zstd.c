/* zstd: compress and decompress text-like blocks with libzstd (log shipping, backups, HTTP
 * content encoding). Every block must decompress to exactly its input, and a frame made by
 * the zstd command-line tool must decompress to its known text. */
#include "kernels/workloads/wl.h"
#include "core/hex.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <zstd.h>

enum { O_LEVEL, O_BLOCK };
static const struct pp_workload_opt opts[] = {
	{ "level", PP_WOPT_INT, "N", "3", 1, 19, NULL, "compression level" },
	{ "block", PP_WOPT_SIZE, "BYTES", "1M", 4096, 256 << 20, NULL,
	  "bytes per block (one frame each)" },
	{ 0 },
};

/* Made with the zstd 1.5.4 command-line tool, not this code:
 * printf 'powprint zstd known answer: the quick brown fox jumps over the lazy dog\n' |
 *   zstd -19 -c --check | xxd -p */
static const char kat_frame[] =
	"28b52ffd04681d020032840e11a06f60834d486df5d7df0040004315cf03007d699c458ba67ecbe7e8ea"
	"fba7dd7e1ccd88a2b04d9a1da2b1d245bb7d675da6cc3d5dc567ff0501002a040505ee87fac6";
static const char kat_text[] =
	"powprint zstd known answer: the quick brown fox jumps over the lazy dog\n";

struct zs_thread {
	ZSTD_CCtx *cc;
	ZSTD_DCtx *dc;
	uint8_t *comp, *dec;
	size_t complen;
	uint64_t blocks, wrong;
};

struct zs {
	uint8_t *in;
	size_t block, bound;
	int level;
	struct zs_thread *th;
	int nth;
};

/* Log-like text: timestamps, words from a small vocabulary, numbers; compresses ~4-6x. */
static void make_text(uint8_t *p, size_t n)
{
	static const char *const words[] = {
		"GET", "POST", "/api/v1/items", "/static/app.js", "user", "session", "ok", "error",
		"timeout", "cache", "hit", "miss", "db", "query", "latency", "ms", "200", "404",
	};
	uint64_t rng = 0x7a737464ull, t = 1700000000;
	size_t i = 0;
	while (i < n) {
		char line[160];
		int len = snprintf(line, sizeof(line), "%llu %s %s %s %llu\n",
				   (unsigned long long)(t += wl_rand(&rng) % 3),
				   words[wl_rand(&rng) % 18], words[wl_rand(&rng) % 18],
				   words[wl_rand(&rng) % 18],
				   (unsigned long long)(wl_rand(&rng) % 5000));
		for (int k = 0; k < len && i < n; k++)
			p[i++] = (uint8_t)line[k];
	}
}

static int zs_setup(struct wl_ctx *ctx)
{
	struct zs *s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	ctx->priv = s;
	s->block = (size_t)ctx->opt[O_BLOCK];
	s->level = (int)ctx->opt[O_LEVEL];
	s->bound = ZSTD_compressBound(s->block);
	s->in = wl_alloc(s->block);
	s->th = calloc((size_t)ctx->threads, sizeof(*s->th));
	if (!s->in || !s->th)
		return -ENOMEM;
	s->nth = ctx->threads;
	make_text(s->in, s->block);
	for (int t = 0; t < s->nth; t++) {
		struct zs_thread *th = &s->th[t];
		th->cc = ZSTD_createCCtx();
		th->dc = ZSTD_createDCtx();
		th->comp = wl_alloc(s->bound);
		th->dec = wl_alloc(s->block);
		if (!th->cc || !th->dc || !th->comp || !th->dec)
			return -ENOMEM;
		ZSTD_CCtx_setParameter(th->cc, ZSTD_c_compressionLevel, s->level);
		ZSTD_CCtx_setParameter(th->cc, ZSTD_c_checksumFlag, 1);
	}
	snprintf(ctx->detail, ctx->detaillen, "level %d, %zu-byte blocks of log-like text",
		 s->level, s->block);
	return 0;
}

static int zs_run(struct wl_ctx *ctx, int t, double *work)
{
	struct zs *s = ctx->priv;
	struct zs_thread *th = &s->th[t];
	size_t c = ZSTD_compress2(th->cc, th->comp, s->bound, s->in, s->block);
	if (ZSTD_isError(c))
		return -EIO;
	th->complen = c;
	size_t d = ZSTD_decompressDCtx(th->dc, th->dec, s->block, th->comp, c);
	th->wrong += ZSTD_isError(d) || d != s->block || memcmp(th->dec, s->in, s->block) != 0;
	th->blocks++;
	*work += (double)s->block;
	return 0;
}

static int zs_verify(struct wl_ctx *ctx, char *msg, size_t len)
{
	struct zs *s = ctx->priv;
	uint8_t frame[sizeof(kat_frame) / 2], out[256];
	size_t flen = strlen(kat_frame) / 2;
	pp_hex_decode_flags(kat_frame, PP_HEX_EXACT, frame, flen);
	size_t d = ZSTD_decompress(out, sizeof(out), frame, flen);
	if (ZSTD_isError(d) || d != strlen(kat_text) || memcmp(out, kat_text, d))
		return wl_bad(msg, len, "libzstd does not decompress the zstd CLI's frame to its text");
	for (int t = 0; t < s->nth; t++) {
		const struct zs_thread *th = &s->th[t];
		if (th->wrong || (th->blocks && memcmp(th->dec, s->in, s->block)))
			return wl_bad(msg, len, "thread %d: a block did not decompress to its input "
				      "(%llu of %llu)", t,
				      (unsigned long long)(th->wrong ? th->wrong : 1),
				      (unsigned long long)th->blocks);
		if (th->blocks && th->complen >= s->block)
			return wl_bad(msg, len, "thread %d: text did not compress (%zu -> %zu bytes)",
				      t, s->block, th->complen);
	}
	snprintf(msg, len, "every block round-tripped exactly (ratio %.2f); zstd CLI frame "
		 "decompresses to its known text",
		 s->th[0].complen ? (double)s->block / (double)s->th[0].complen : 0.0);
	return 0;
}

static void zs_corrupt(struct wl_ctx *ctx)
{
	struct zs *s = ctx->priv;
	s->th[0].dec[s->block / 3] ^= 0x20;
}

static void zs_teardown(struct wl_ctx *ctx)
{
	struct zs *s = ctx->priv;
	if (!s)
		return;
	for (int t = 0; s->th && t < s->nth; t++) {
		ZSTD_freeCCtx(s->th[t].cc);
		ZSTD_freeDCtx(s->th[t].dc);
		wl_free(s->th[t].comp, s->bound);
		wl_free(s->th[t].dec, s->block);
	}
	wl_free(s->in, s->block);
	free(s->th);
	free(s);
}

const struct pp_workload wl_zstd = {
	.name = "zstd", .cls = PP_WL_BENIGN, .family = "compression", .quick = true,
	.help = "zstd compression and decompression of log-like text (libzstd)",
	.unit = "MB/s", .unit_scale = 1e6, .opts = opts,
	.setup = zs_setup, .run = zs_run,
	.verify = zs_verify, .corrupt = zs_corrupt, .teardown = zs_teardown,
};
