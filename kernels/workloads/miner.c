/* The miner entries: one descriptor per proof-of-work algorithm (rx/0 twice, light and
 * fast), all running the shared miner loop pp_mine_run (threads, duty, bursts, nice,
 * soft AES, huge pages). Each carries one known-answer vector from a public test suite;
 * verify hashes it with the same settings and also requires pp_mine_run's own check (every
 * thread's first hash equals the single-threaded one). */
#include "kernels/workloads/wl.h"

#include <powprint/mine.h>
#include <powprint/opts.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>

enum { O_SOFT_AES, O_PAGES, O_JIT, O_JIT_RWX };
#define SOFT_AES_OPT                                                      \
	{ "soft-aes", PP_WOPT_FLAG, NULL, NULL, 0, 0, NULL,               \
	  "use the portable AES code instead of AES-NI / ARMv8 CE" }
#define PAGES_OPT                                                         \
	{ "huge-pages", PP_WOPT_CHOICE, "MODE", "auto", 0, 0, "auto|on|off", \
	  "scratchpad pages: hugetlb or THP when possible, required, or 4 KiB pages" }
/* Algorithms with generated programs (RandomX, cn/r) also choose how they run: compiled
 * (the default, as real miners run them) or interpreted (the *-interp entries). */
#define JIT_OPTS(DEF)                                                                 \
	{ "jit", PP_WOPT_CHOICE, "MODE", DEF, 0, 0, "auto|on|off",                     \
	  "compile the generated programs to machine code (auto: where the CPU has a "  \
	  "JIT, x86-64) or interpret them" },                                           \
	{ "jit-rwx", PP_WOPT_FLAG, NULL, NULL, 0, 0, NULL,                             \
	  "keep the JIT code pages writable and executable at once, as many miners do" }
static const struct pp_workload_opt miner_opts[] = { SOFT_AES_OPT, PAGES_OPT, { 0 } };
static const struct pp_workload_opt jit_opts[] = { SOFT_AES_OPT, PAGES_OPT, JIT_OPTS("auto"),
						   { 0 } };
static const struct pp_workload_opt interp_opts[] = { SOFT_AES_OPT, PAGES_OPT,
						      JIT_OPTS("off"), { 0 } };

/* One known answer: input (hex) hashed by algo gives hash. */
struct miner_vec {
	const char *algo;     /* pp_hash name */
	enum pp_rx_mode mode;
	const char *key;      /* RandomX key (ASCII) */
	const char *input;    /* hex */
	const char *hash;     /* hex; NULL = no confirmed vector yet */
	uint64_t height;      /* cn/r */
};

/* CryptoNight: xmrig's src/crypto/cn/CryptoNight_test.h, blob 0 through every variant (as
 * collected in the project's testdata/cryptonight-variants.txt; cn/0, cn/1 and cn/2 of it
 * re-checked with Monero's hash-tests), height 0 for cn/r. */
#define BLOB0 "0305a0dbd6bf05cf16e503f3a66f78007cbf34144332ecbfc22ed95c8700383b309ace1923a0964b" \
	      "00000008ba939a62724c0d7581fce5761e9d8a0e6a1c3f924fdd8493d1115649c05eb601"
/* RandomX: tevador/RandomX src/tests/tests.cpp, key "test key 000", input "This is a test"
 * (re-checked against Debian's librandomx 1.1.10). */
#define RX_INPUT "5468697320697320612074657374"
#define RX_HASH "639183aae1bf4c9a35884cb46b09cad9175f04efd7684e7262a0ac1c2f0b4e3f"

static int m_supported(const struct pp_workload *w, char *why, size_t len);
static int m_run(struct wl_ctx *ctx, int t, double *work);
static int m_verify(struct wl_ctx *ctx, char *msg, size_t len);
static void m_corrupt(struct wl_ctx *ctx);
static int m_setup(struct wl_ctx *ctx);
static void m_teardown(struct wl_ctx *ctx);

#define ENTRY(NAME, FAMILY, HELP, ALGO, MODE, KEY, INPUT, HASH, HEIGHT, OPTS)                 \
	{                                                                                     \
		.name = NAME, .cls = PP_WL_MINER, .family = FAMILY, .help = HELP, .unit = "H/s", \
		.opts = OPTS, .self_timed = true,                                             \
		.data = &(const struct miner_vec){ ALGO, MODE, KEY, INPUT, HASH, HEIGHT },    \
		.supported = m_supported, .setup = m_setup, .run = m_run, .verify = m_verify, \
		.corrupt = m_corrupt, .teardown = m_teardown,                                 \
	}
/* Families follow XMRig's algorithm families (CN, CN_LITE, CN_HEAVY, CN_PICO, CN_FEMTO,
 * RANDOM_X): variants of one family share scratchpad size and main loop, so a model
 * evaluated leave-one-family-out meets a genuinely new kind of miner. */
#define CN(NAME, FAMILY, HASH) ENTRY(NAME, FAMILY, "CryptoNight " NAME " miner loop", NAME, \
				     PP_RX_LIGHT, NULL, BLOB0, HASH, 0, miner_opts)
#define RX(NAME, ALGO, MODE, HELP, HASH, OPTS) ENTRY(NAME, "randomx", HELP, ALGO, MODE, \
						     "test key 000", RX_INPUT, HASH, 0, OPTS)
/* cn/r: Monero's tests/hash/tests-slow-4.txt, first line (height 1806260). */
#define CNR(NAME, HELP, OPTS)                                                                  \
	ENTRY(NAME, "cn", HELP, "cn/r", PP_RX_LIGHT, NULL,                           \
	      "5468697320697320612074657374205468697320697320612074657374205468697320697320612074" \
	      "657374", "f759588ad57e758467295443a9bd71490abff8e9dad1b95b6bf2f5d0d78387bc",       \
	      1806260, OPTS)

const struct pp_workload wl_miners[] = {
	CN("cn/0", "cn", "1a3ffbee909b420d91f7be6e5fb56db71b3110d886011e877ee5786afd080100"),
	CN("cn/1", "cn", "f22d3d6203d2a08b41d9027278d8bcc983acada9b68e52e3c689692a50e921d9"),
	CN("cn/2", "cn", "97378282cf10e7ad033f7b8074c40e14d06e7f609dddda787680b58c05f43d21"),
	CNR("cn/r", "CryptoNight cn/r miner loop (random math compiled per height)", jit_opts),
	CN("cn/half", "cn", "5d4fbc356097ea6440b0888edeb635ddc84a0e397c868456895c3f29be7312a7"),
	CN("cn/fast", "cn", "3c7a61084c5eb865b498ab2f5a1ac52c49c177c2d0133442d65ed514335c82c5"),
	CN("cn/xao", "cn", "9a29d0c4afdc639b6553b1c83735114c5d77162142975cb850c0a51f6407bd33"),
	CN("cn/rto", "cn", "82661e1c6e6436668406327a9bb11319a5561615dfec1c9ee3884a6c1ceb76a5"),
	CN("cn/rwz", "cn", "5f56c6b0996ba23e0bba0729c99074855a10e3087fdbfe947533547376f075b8"),
	CN("cn/zls", "cn", "516e33c6e446abbccdad18c04cd9a25e64102853b20a42dfdeaa8b599ecf40e2"),
	CN("cn/ccx", "cn", "b3a16786d2c985ecadc45f910527c7a196f0e1e97c8709381d7d419335f81672"),
	CN("cn/double", "cn", "aefbb3f0cc88046d119f6c54b96d90c9e884ea3b5983a60d50a42d7d3ebe4821"),
	CN("cn-lite/0", "cn-lite", "3695b4b53bb00358b0ad38dc160feb9e004eece09b83a72ef6ba9864d3510c88"),
	CN("cn-lite/1", "cn-lite", "6d8cdc444e9bbbfd68fc43fcd4855b228c8a1bd91d9d00285bec02b7ca2d6741"),
	CN("cn-heavy/0", "cn-heavy", "9983f21bdf2010a8d707bb2f14d78664bbe1187f55014b39e5f3d69328e48fc2"),
	CN("cn-heavy/xhv", "cn-heavy", "5ac3f785c490c58550ec95d2726563577e7c1c212d0cde591273201e44fdd5b6"),
	CN("cn-heavy/tube", "cn-heavy",
	   "fe53352076eae689fa3b4fda614634cfc312ee0c387df2b8b74da2a159741235"),
	CN("cn-pico/0", "cn-pico", "08f421d7833117300eda66e98f4a2569093df300500173944efc401e9a4a17af"),
	CN("cn-pico/tlo", "cn-pico", "9975f2c1b3b45434a49386213097f31bb4b9a6586a7e81f4429f6d5f65c38d1a"),
	CN("cn/upx2", "cn-femto", "aabbb8ed14a835fa22cfb1b5dea872b0a1d6cbd846f4391c0f01f3875e3a3761"),
	RX("rx/0-light", "rx/0", PP_RX_LIGHT,
	   "RandomX rx/0 miner loop, light mode (256 MiB cache), JIT", RX_HASH, jit_opts),
	RX("rx/0-fast", "rx/0", PP_RX_FAST,
	   "RandomX rx/0 miner loop, fast mode (2 GiB dataset; its init takes a while), JIT",
	   RX_HASH, jit_opts),
	/* No vectors confirmed by an independent implementation yet (testdata/randomx.txt). */
	RX("rx/wow", "rx/wow", PP_RX_LIGHT, "RandomWOW miner loop, light mode", NULL, jit_opts),
	RX("rx/arq", "rx/arq", PP_RX_LIGHT, "RandomARQ miner loop, light mode", NULL, jit_opts),
	/* The interpreters: how a miner without a JIT (or one evading JIT-based detection)
	 * looks. */
	CNR("cn/r-interp", "CryptoNight cn/r miner loop, random math interpreted", interp_opts),
	RX("rx/0-light-interp", "rx/0", PP_RX_LIGHT,
	   "RandomX rx/0 miner loop, light mode, programs interpreted", RX_HASH, interp_opts),
};
const int wl_nminers = sizeof(wl_miners) / sizeof(wl_miners[0]);

struct m_state {
	struct pp_hash_opts hash;
	struct pp_mine_result res;
	bool fault;
};

static bool algo_built(const char *algo)
{
	for (const char *const *n = pp_hash_names(); n && *n; n++)
		if (!strcmp(*n, algo))
			return true;
	return false;
}

static int m_supported(const struct pp_workload *w, char *why, size_t len)
{
	const struct miner_vec *v = w->data;
	if (!algo_built(v->algo)) {
		snprintf(why, len, "the %s hash is not built into this powprint", v->algo);
		return -ENOENT;
	}
	if (!v->hash) {
		snprintf(why, len, "no known-answer vector for %s yet, so its work cannot be "
			 "verified", w->name);
		return -EOPNOTSUPP;
	}
	return 0;
}

static bool has_jit_opts(const struct pp_workload *w)
{
	return w->opts == jit_opts || w->opts == interp_opts;
}

static int m_setup(struct wl_ctx *ctx)
{
	const struct miner_vec *v = ctx->w->data;
	struct m_state *s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	ctx->priv = s;
	static const enum pp_pages pages[] = { PP_PAGES_AUTO, PP_PAGES_ON, PP_PAGES_OFF };
	static const enum pp_jit jit_modes[] = { PP_JIT_AUTO, PP_JIT_ON, PP_JIT_OFF };
	s->hash = (struct pp_hash_opts){
		.sz = sizeof(struct pp_hash_opts),
		.pages = pages[ctx->opt[O_PAGES]],
		.soft_aes = ctx->opt[O_SOFT_AES] != 0,
		.jit = has_jit_opts(ctx->w) ? jit_modes[ctx->opt[O_JIT]] : PP_JIT_AUTO,
		.jit_rwx = has_jit_opts(ctx->w) && ctx->opt[O_JIT_RWX] != 0,
		.rx_mode = v->mode,
		.key = v->key,
		.key_len = v->key ? strlen(v->key) : 0,
	};
	return 0;
}

static void on_progress(void *arg, const struct pp_mine_status *st)
{
	(void)st;
	wl_started(arg); /* the first report: hashing has begun (RandomX init is done) */
}

static int m_run(struct wl_ctx *ctx, int t, double *work)
{
	(void)t;
	const struct miner_vec *v = ctx->w->data;
	struct m_state *s = ctx->priv;
	PP_OPTS(pp_mine_opts, mo, .algo = v->algo, .hash = s->hash, .threads = ctx->threads,
		.seconds = ctx->seconds, .duty_pct = ctx->duty_pct,
		.burst_on_s = ctx->burst_on_s, .burst_off_s = ctx->burst_off_s, .nice = ctx->nice,
		.progress = on_progress, .progress_arg = ctx, .stop = ctx->stop);
	int rc = pp_mine_run(&mo, &s->res);
	if (rc)
		return wl_fail(ctx, rc, "%s: the miner loop failed: %s", ctx->w->name,
			       strerror(-rc));
	*work += (double)s->res.hashes;
	ctx->self_seconds = s->res.seconds;
	snprintf(ctx->detail, ctx->detaillen,
		 "%s AES, %s pages, %zu KiB scratchpad, init %.3g s, programs: %s",
		 s->res.info.aes_backend ? s->res.info.aes_backend : "?",
		 s->res.info.pages ? s->res.info.pages : "?", s->res.info.scratchpad_bytes >> 10,
		 s->res.info.init_seconds, s->res.info.exec ? s->res.info.exec : "?");
	return 0;
}

static int m_verify(struct wl_ctx *ctx, char *msg, size_t len)
{
	const struct miner_vec *v = ctx->w->data;
	struct m_state *s = ctx->priv;
	if (!s->res.verified)
		return wl_bad(msg, len, "a thread's first hash differed from the single-threaded one");
	uint8_t in[128], want[32], got[32];
	size_t inlen = strlen(v->input) / 2;
	if (inlen > sizeof(in) || !wl_unhex(v->input, in, inlen) || !wl_unhex(v->hash, want, 32))
		return wl_bad(msg, len, "bad built-in vector for %s", ctx->w->name);
	if (s->fault)
		in[0] ^= 1;
	/* Same settings as the run; RandomX fast mode checks in light mode (same hash, no
	 * second 2 GiB dataset). */
	struct pp_hash_opts ho = s->hash;
	ho.rx_mode = PP_RX_LIGHT;
	struct pp_hash *h = NULL;
	struct pp_hash_worker *wk = NULL;
	int rc = pp_hash_open(v->algo, &ho, &h);
	if (!rc)
		rc = pp_hash_worker_new(h, &wk);
	if (!rc)
		rc = pp_hash_compute(wk, in, inlen, v->height, got);
	pp_hash_worker_free(wk);
	pp_hash_close(h);
	if (rc)
		return wl_bad(msg, len, "could not hash the %s vector: %s", v->algo, strerror(-rc));
	if (memcmp(got, want, 32)) {
		char hex[65];
		wl_hex(got, 32, hex);
		return wl_bad(msg, len, "%s of the known input is %s, expected %s", v->algo, hex,
			      v->hash);
	}
	snprintf(msg, len, "%s of the known input equals the published hash; all %d threads' "
		 "first hashes agree", v->algo, s->res.threads);
	return 0;
}

static void m_corrupt(struct wl_ctx *ctx)
{
	struct m_state *s = ctx->priv;
	s->fault = true;
}

static void m_teardown(struct wl_ctx *ctx)
{
	free(ctx->priv);
}
