/* pp_hash: one table of proof-of-work algorithms behind one interface. Each row names an
 * algorithm, its family's ops, its uses and its known answer (kernels/hash-algos.h); everything
 * else here is generic. */
#include "kernels/hash-algos.h"
#include "kernels/cryptonight/cn-config.h"
#include "kernels/randomx/config.h"
#include "core/clock.h"
#include "core/jit-buf.h"

#include <powprint/opts.h>

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

/* One row per algorithm, generated from each family's list; CryptoNight's random-math
 * variants take Monero's cn/r input for their known answer, the others blob 0. */
#define CN_ALGO(id, name, family, mem, iter, mask, base, flags, uses, hash)                  \
	{ name, "cryptonight", &pp_cn_hash_ops, uses,                                        \
	  { NULL, ((flags)&PP_CNF_R) ? PP_CN_R_KAT_INPUT : PP_CN_KAT_INPUT,                   \
	    ((flags)&PP_CNF_R) ? PP_CN_R_KAT_HEIGHT : 0, hash } },
#define RX_ALGO(name, cfg, uses, key, input, hash) \
	{ name, "randomx", &pp_rx_hash_ops, uses, { key, input, 0, hash } },
static const struct pp_hash_algo algos[] = {
	PP_CN_VARIANTS(CN_ALGO)
	PP_RX_VARIANTS(RX_ALGO)
};
#undef CN_ALGO
#undef RX_ALGO
#define NALGOS (sizeof(algos) / sizeof(algos[0]))

struct pp_hash {
	const struct pp_hash_algo *algo;
	struct pp_hash_opts opts;
	void *shared;
	double init_seconds;
};

struct pp_hash_worker {
	struct pp_hash *h;
	void *priv;
};

const struct pp_hash_algo *pp_hash_algo_find(const char *name)
{
	if (!name)
		return NULL;
	for (size_t i = 0; i < NALGOS; i++)
		if (strcmp(algos[i].name, name) == 0)
			return &algos[i];
	return NULL;
}

const struct pp_hash_algo *pp_hash_algo_at(int i)
{
	return i >= 0 && (size_t)i < NALGOS ? &algos[i] : NULL;
}

unsigned pp_hash_flags(const char *name)
{
	const struct pp_hash_algo *a = pp_hash_algo_find(name);
	return a ? a->uses : 0;
}

/* The names, NULL-terminated, filled once from the table (a constant thereafter). */
static const char *names[NALGOS + 1];
static pthread_once_t names_once = PTHREAD_ONCE_INIT;

static void fill_names(void)
{
	for (size_t i = 0; i < NALGOS; i++)
		names[i] = algos[i].name;
	names[NALGOS] = NULL;
}

const char *const *pp_hash_names(void)
{
	pthread_once(&names_once, fill_names);
	return names;
}

int pp_hash_open(const char *name, const struct pp_hash_opts *opts, struct pp_hash **out)
{
	*out = NULL;
	const struct pp_hash_algo *a = pp_hash_algo_find(name);
	if (!a)
		return -ENOENT;
	struct pp_hash *h = calloc(1, sizeof(*h));
	if (!h)
		return -ENOMEM;
	/* Copy what the caller's (possibly older, smaller) struct holds; the rest stays zero. */
	if (opts) {
		size_t n = opts->sz < sizeof(h->opts) ? opts->sz : sizeof(h->opts);
		memcpy(&h->opts, opts, n);
	}
	h->opts.sz = sizeof(h->opts);
	h->algo = a;
	double t0 = pp_clock_mono_s();
	int err = a->ops->open(a->name, &h->opts, &h->shared);
	if (err) {
		free(h);
		return err;
	}
	h->init_seconds = pp_clock_mono_s() - t0;
	*out = h;
	return 0;
}

void pp_hash_close(struct pp_hash *h)
{
	if (!h)
		return;
	h->algo->ops->close(h->shared);
	free(h);
}

int pp_hash_worker_new(struct pp_hash *h, struct pp_hash_worker **out)
{
	*out = NULL;
	if (!h)
		return -EINVAL;
	struct pp_hash_worker *w = calloc(1, sizeof(*w));
	if (!w)
		return -ENOMEM;
	w->h = h;
	int err = h->algo->ops->worker_new(h->shared, &h->opts, &w->priv);
	if (err) {
		free(w);
		return err;
	}
	*out = w;
	return 0;
}

void pp_hash_worker_free(struct pp_hash_worker *w)
{
	if (!w)
		return;
	w->h->algo->ops->worker_free(w->priv);
	free(w);
}

int pp_hash_compute(struct pp_hash_worker *w, const void *in, size_t len, uint64_t height,
		    uint8_t out[32])
{
	if (!w || (!in && len) || !out)
		return -EINVAL;
	return w->h->algo->ops->compute(w->priv, in, len, height, out);
}

void pp_hash_worker_info(const struct pp_hash_worker *w, struct pp_hash_info *info)
{
	memset(info, 0, sizeof(*info));
	if (!w)
		return;
	info->algo = w->h->algo->name;
	info->family = w->h->algo->family;
	info->init_seconds = w->h->init_seconds;
	info->exec = "native";
	w->h->algo->ops->info(w->priv, info);
}

size_t pp_hash_min_input(const char *name)
{
	const struct pp_hash_algo *a = pp_hash_algo_find(name);
	return a && a->ops->min_input ? a->ops->min_input(a->name) : 0;
}

int pp_hash_jit_resolve(const struct pp_hash_opts *opts, bool *on)
{
	*on = opts->jit != PP_JIT_OFF && pp_jit_supported();
	return opts->jit == PP_JIT_ON && !*on ? -ENOTSUP : 0;
}

const char *pp_hash_exec_name(bool jit, bool rwx)
{
	return !jit ? "interpreter" : rwx ? "jit-rwx" : "jit";
}

const char *pp_hash_jit_target(void)
{
	return pp_jit_supported() ? "x86-64" : NULL;
}
