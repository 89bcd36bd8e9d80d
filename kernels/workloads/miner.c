/* The miner entries: one descriptor per proof-of-work algorithm (rx/0 twice, light and
 * fast), all running the shared miner loop pp_mine_run (threads, duty, bursts, nice,
 * soft AES, huge pages). The CryptoNight entries are generated from the algorithm list
 * (PP_CN_VARIANTS); every entry verifies with its algorithm's known answer in the pp_hash
 * table (kernels/hash-algos.h), hashed with the run's settings, and also requires
 * pp_mine_run's own check (every thread's first hash equals the single-threaded one). */
#include "kernels/workloads/wl.h"
#include "core/hex.h"
#include "kernels/hash-algos.h"
#include "kernels/cryptonight/cn-config.h"
#include "kernels/randomx/config.h"

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

/* How an entry mines its algorithm (w->algo, whose pp_hash row holds the known answer). */
struct miner_mode {
	enum pp_rx_mode mode;
};

static int m_supported(const struct pp_workload *w, char *why, size_t len);
static int m_run(struct wl_ctx *ctx, int t, double *work);
static int m_verify(struct wl_ctx *ctx, char *msg, size_t len);
static void m_corrupt(struct wl_ctx *ctx);
static int m_setup(struct wl_ctx *ctx);
static void m_teardown(struct wl_ctx *ctx);

#define ENTRY(NAME, FAMILY, HELP, ALGO, MODE, OPTS, QUICK)                                    \
	{                                                                                     \
		.name = NAME, .cls = PP_WL_MINER, .family = FAMILY, .help = HELP, .unit = "H/s", \
		.opts = OPTS, .self_timed = true, .quick = QUICK, .algo = ALGO,               \
		.data = &(const struct miner_mode){ MODE },                                   \
		.supported = m_supported, .setup = m_setup, .run = m_run, .verify = m_verify, \
		.corrupt = m_corrupt, .teardown = m_teardown,                                 \
	}
/* One entry per CryptoNight algorithm; those with random math (cn/r) compile it. Families
 * follow XMRig's algorithm families (CN, CN_LITE, CN_HEAVY, CN_PICO, CN_FEMTO, RANDOM_X):
 * variants of one family share scratchpad size and main loop, so a model evaluated
 * leave-one-family-out meets a genuinely new kind of miner. */
#define CN_ENTRY(id, name, family, mem, iter, mask, base, flags, uses, hash)          \
	ENTRY(name, family,                                                           \
	      ((flags)&PP_CNF_R) ? "CryptoNight " name " miner loop (random math "    \
				   "compiled per height)"                             \
				 : "CryptoNight " name " miner loop",                \
	      name, PP_RX_LIGHT, ((flags)&PP_CNF_R) ? jit_opts : miner_opts,          \
	      ((uses)&PP_HASH_QUICK) != 0),
#define RX(NAME, ALGO, MODE, HELP, OPTS, QUICK) \
	ENTRY(NAME, "randomx", HELP, ALGO, MODE, OPTS, QUICK)

const struct pp_workload wl_miners[] = {
	PP_CN_VARIANTS(CN_ENTRY)
	RX("rx/0-light", "rx/0", PP_RX_LIGHT,
	   "RandomX rx/0 miner loop, light mode (256 MiB cache), JIT", jit_opts, true),
	RX("rx/0-fast", "rx/0", PP_RX_FAST,
	   "RandomX rx/0 miner loop, fast mode (2 GiB dataset; its init takes a while), JIT",
	   jit_opts, false),
	RX("rx/wow", "rx/wow", PP_RX_LIGHT, "RandomWOW miner loop, light mode", jit_opts, false),
	/* The interpreters: how a miner without a JIT (or one evading JIT-based detection)
	 * looks. */
	ENTRY("cn/r-interp", "cn", "CryptoNight cn/r miner loop, random math interpreted", "cn/r",
	      PP_RX_LIGHT, interp_opts, false),
	RX("rx/0-light-interp", "rx/0", PP_RX_LIGHT,
	   "RandomX rx/0 miner loop, light mode, programs interpreted", interp_opts, false),
};
const int wl_nminers = sizeof(wl_miners) / sizeof(wl_miners[0]);

struct m_state {
	struct pp_hash_opts hash;
	struct pp_mine_result res;
	uint8_t key[PP_RX_KEY_MAX]; /* the known answer's RandomX key, which the run mines with */
	bool fault;
};

/* The entry's algorithm row, if its known answer is well-formed. */
static const struct pp_hash_algo *entry_algo(const struct pp_workload *w)
{
	const struct pp_hash_algo *a = pp_hash_algo_find(w->algo);
	return a && a->kat.input && a->kat.hash && strlen(a->kat.hash) == 64 ? a : NULL;
}

static int m_supported(const struct pp_workload *w, char *why, size_t len)
{
	if (!pp_hash_algo_find(w->algo)) {
		snprintf(why, len, "the %s hash is not built into this powprint", w->algo);
		return -ENOENT;
	}
	if (!entry_algo(w)) {
		snprintf(why, len, "no known-answer vector for %s, so its work cannot be "
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
	const struct miner_mode *m = ctx->w->data;
	const struct pp_hash_algo *a = entry_algo(ctx->w);
	if (!a)
		return wl_fail(ctx, -EOPNOTSUPP, "%s: no known answer", ctx->w->name);
	struct m_state *s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	ctx->priv = s;
	long klen = a->kat.key ? pp_hex_decode(a->kat.key, s->key, sizeof(s->key)) : 0;
	if (klen < 0)
		return wl_fail(ctx, -EINVAL, "%s: bad built-in key", ctx->w->name);
	static const enum pp_pages pages[] = { PP_PAGES_AUTO, PP_PAGES_ON, PP_PAGES_OFF };
	static const enum pp_jit jit_modes[] = { PP_JIT_AUTO, PP_JIT_ON, PP_JIT_OFF };
	s->hash = (struct pp_hash_opts){
		.sz = sizeof(struct pp_hash_opts),
		.pages = pages[ctx->opt[O_PAGES]],
		.soft_aes = ctx->opt[O_SOFT_AES] != 0,
		.jit = has_jit_opts(ctx->w) ? jit_modes[ctx->opt[O_JIT]] : PP_JIT_AUTO,
		.jit_rwx = has_jit_opts(ctx->w) && ctx->opt[O_JIT_RWX] != 0,
		.rx_mode = m->mode,
		.key = a->kat.key ? s->key : NULL,
		.key_len = (size_t)klen,
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
	struct m_state *s = ctx->priv;
	PP_OPTS(pp_mine_opts, mo, .algo = ctx->w->algo, .hash = s->hash, .threads = ctx->threads,
		.seconds = ctx->seconds, .duty_pct = ctx->duty_pct,
		.burst_on_s = ctx->burst_on_s, .burst_off_s = ctx->burst_off_s, .nice = ctx->nice,
		.progress = on_progress, .progress_arg = ctx, .stop = ctx->stop);
	int rc = pp_mine_run(&mo, &s->res);
	if (rc)
		return wl_fail(ctx, rc, "%s: the miner loop failed: %s", ctx->w->name,
			       strerror(-rc));
	*work += (double)s->res.hashes;
	ctx->self_seconds = s->res.seconds;
	ctx->self_busy_seconds = s->res.busy_seconds;
	snprintf(ctx->detail, ctx->detaillen,
		 "%s AES, %s pages, %zu KiB scratchpad, init %.3g s, programs: %s",
		 s->res.info.aes_backend ? s->res.info.aes_backend : "?",
		 s->res.info.pages ? s->res.info.pages : "?", s->res.info.scratchpad_bytes >> 10,
		 s->res.info.init_seconds, s->res.info.exec ? s->res.info.exec : "?");
	return 0;
}

static int m_verify(struct wl_ctx *ctx, char *msg, size_t len)
{
	const struct pp_hash_algo *a = entry_algo(ctx->w);
	struct m_state *s = ctx->priv;
	if (!s->res.verified)
		return wl_bad(msg, len, "a thread's first hash differed from the single-threaded one");
	uint8_t in[128], want[32], got[32];
	long inlen = pp_hex_decode(a->kat.input, in, sizeof(in));
	if (inlen < 0 || pp_hex_decode_flags(a->kat.hash, PP_HEX_EXACT, want, 32) < 0)
		return wl_bad(msg, len, "bad built-in vector for %s", ctx->w->name);
	if (s->fault)
		in[0] ^= 1;
	/* Same settings as the run; RandomX fast mode checks in light mode (same hash, no
	 * second 2 GiB dataset). */
	struct pp_hash_opts ho = s->hash;
	ho.rx_mode = PP_RX_LIGHT;
	struct pp_hash *h = NULL;
	struct pp_hash_worker *wk = NULL;
	int rc = pp_hash_open(a->name, &ho, &h);
	if (!rc)
		rc = pp_hash_worker_new(h, &wk);
	if (!rc)
		rc = pp_hash_compute(wk, in, (size_t)inlen, a->kat.height, got);
	pp_hash_worker_free(wk);
	pp_hash_close(h);
	if (rc)
		return wl_bad(msg, len, "could not hash the %s vector: %s", a->name, strerror(-rc));
	if (memcmp(got, want, 32)) {
		char hex[65];
		pp_hex_encode(got, 32, hex);
		return wl_bad(msg, len, "%s of the known input is %s, expected %s", a->name, hex,
			      a->kat.hash);
	}
	snprintf(msg, len, "%s of the known input equals the published hash; all %d threads' "
		 "first hashes agree", a->name, s->res.threads);
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
