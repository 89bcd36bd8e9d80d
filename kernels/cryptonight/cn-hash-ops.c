/* CryptoNight's pp_hash ops: nothing shared, one context (scratchpad) per worker. */
#include "kernels/hash-algos.h"
#include "kernels/cryptonight/cryptonight.h"

#include <errno.h>
#include <stdlib.h>

struct cn_worker {
	struct pp_cn_ctx *ctx;
	const struct pp_cn_variant *v;
	bool rwx;
};

static int cn_open(const char *name, const struct pp_hash_opts *opts, void **shared)
{
	(void)opts;
	const struct pp_cn_variant *v = pp_cn_variant_find(name);
	if (!v)
		return -ENOENT;
	*shared = (void *)v;
	return 0;
}

static void cn_close(void *shared)
{
	(void)shared; /* the variant is a constant table row */
}

static int cn_worker_new(void *shared, const struct pp_hash_opts *opts, void **worker)
{
	const struct pp_cn_variant *v = shared;
	struct cn_worker *w = calloc(1, sizeof(*w));
	if (!w)
		return -ENOMEM;
	w->v = v;
	int err = pp_cn_ctx_new(v->memory, opts->pages, opts->soft_aes, &w->ctx);
	if (!err && (v->flags & PP_CNF_R)) { /* the only variant with a generated program */
		bool jit;
		err = pp_hash_jit_resolve(opts, &jit);
		if (!err && jit)
			err = pp_cn_ctx_set_jit(w->ctx, true, opts->jit_rwx);
		w->rwx = opts->jit_rwx;
	}
	if (err) {
		pp_cn_ctx_free(w->ctx);
		free(w);
		return err;
	}
	*worker = w;
	return 0;
}

static void cn_worker_free(void *worker)
{
	struct cn_worker *w = worker;
	if (!w)
		return;
	pp_cn_ctx_free(w->ctx);
	free(w);
}

static int cn_compute(void *worker, const void *in, size_t len, uint64_t height, uint8_t out[32])
{
	struct cn_worker *w = worker;
	return pp_cn_hash(w->ctx, w->v, in, len, height, out);
}

static void cn_info(const void *worker, struct pp_hash_info *info)
{
	const struct cn_worker *w = worker;
	info->aes_backend = pp_aes_backend_name(pp_cn_ctx_aes(w->ctx));
	info->pages = pp_cn_ctx_pages(w->ctx);
	info->scratchpad_bytes = pp_cn_ctx_memory(w->ctx);
	if (w->v->flags & PP_CNF_R)
		info->exec = pp_hash_exec_name(pp_cn_ctx_jit(w->ctx), w->rwx);
}

static size_t cn_min_input(const char *name)
{
	const struct pp_cn_variant *v = pp_cn_variant_find(name);
	return v && v->base == PP_CN_BASE1 ? PP_CN_V1_MIN_INPUT : 0;
}

const struct pp_hash_ops pp_cn_hash_ops = {
	.open = cn_open,
	.close = cn_close,
	.worker_new = cn_worker_new,
	.worker_free = cn_worker_free,
	.compute = cn_compute,
	.info = cn_info,
	.min_input = cn_min_input,
};
