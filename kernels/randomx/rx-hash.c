/* RandomX behind the generic pp_hash interface (kernels/hash-algos.h). The shared part is the
 * cache (light mode) or the dataset (fast mode, whose cache memory is released once the
 * dataset is built, to stay within 2.2 GiB); each worker is one VM with its scratchpad. */
#include "kernels/hash-algos.h"
#include "kernels/randomx/vm.h"

#include <errno.h>
#include <stdlib.h>

struct rx_shared {
	const struct pp_rx_config *cfg;
	enum pp_rx_mode mode;
	bool jit, rwx;                  /* programs (and SuperscalarHash) compiled */
	struct pp_rx_cache *cache;
	struct pp_mapping dataset;
};

static int rx_open(const char *name, const struct pp_hash_opts *opts, void **shared)
{
	const struct pp_rx_config *cfg = pp_rx_config_find(name);
	if (!cfg)
		return -ENOENT;
	/* Longer keys are implementation-defined in the spec: refuse rather than guess. */
	if (opts->key_len > PP_RX_KEY_MAX || (opts->key_len && !opts->key) ||
	    (opts->rx_mode != PP_RX_LIGHT && opts->rx_mode != PP_RX_FAST))
		return -EINVAL;
	bool jit;
	int err = pp_hash_jit_resolve(opts, &jit);
	if (err)
		return err;
	struct rx_shared *s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	s->cfg = cfg;
	s->mode = opts->rx_mode;
	s->jit = jit;
	s->rwx = opts->jit_rwx;
	/* The cache is only read through at random: THP helps, hugetlb is not worth failing
	 * for, so it follows the caller's choice like the dataset does. */
	err = pp_rx_cache_new(cfg, opts->key, opts->key_len, opts->pages, &s->cache);
	if (!err && jit) /* SuperscalarHash compiled: dataset init, light-mode items */
		err = pp_rx_cache_set_jit(s->cache, true, s->rwx);
	if (err) {
		pp_rx_cache_free(s->cache);
		free(s);
		return err;
	}
	if (s->mode == PP_RX_FAST) {
		uint64_t items = pp_rx_dataset_items(cfg);
		err = pp_pages_alloc(items * 64, opts->pages, &s->dataset);
		if (err) {
			pp_rx_cache_free(s->cache);
			free(s);
			return err;
		}
		pp_rx_dataset_fill(s->cache, 0, items, s->dataset.ptr, opts->init_threads,
				   opts->progress, opts->progress_arg);
		pp_rx_cache_release_memory(s->cache);
	}
	*shared = s;
	return 0;
}

static void rx_close(void *shared)
{
	struct rx_shared *s = shared;
	if (!s)
		return;
	pp_pages_free(&s->dataset);
	pp_rx_cache_free(s->cache);
	free(s);
}

struct rx_worker {
	const struct rx_shared *s;
	struct pp_rx_vm *vm;
};

static int rx_worker_new(void *shared, const struct pp_hash_opts *opts, void **worker)
{
	struct rx_shared *s = shared;
	struct rx_worker *w = calloc(1, sizeof(*w));
	if (!w)
		return -ENOMEM;
	w->s = s;
	int err = pp_rx_vm_new(s->cfg, s->cache, s->mode == PP_RX_FAST ? s->dataset.ptr : NULL,
			       opts->pages, opts->soft_aes, &w->vm);
	if (!err && s->jit)
		err = pp_rx_vm_set_jit(w->vm, true, s->rwx);
	if (err) {
		pp_rx_vm_free(w->vm);
		free(w);
		return err;
	}
	*worker = w;
	return 0;
}

static void rx_worker_free(void *worker)
{
	struct rx_worker *w = worker;
	if (!w)
		return;
	pp_rx_vm_free(w->vm);
	free(w);
}

static int rx_compute(void *worker, const void *in, size_t len, uint64_t height, uint8_t out[32])
{
	struct rx_worker *w = worker;
	(void)height;
	pp_rx_vm_hash(w->vm, in, len, out);
	return 0;
}

/* pages: the dataset's in fast mode (2 GiB read at random: it decides TLB behaviour), the
 * scratchpad's in light mode. */
static void rx_info(const void *worker, struct pp_hash_info *info)
{
	const struct rx_worker *w = worker;
	info->aes_backend = pp_aes_backend_name(w->vm->aes);
	info->pages = pp_page_kind_name(w->s->mode == PP_RX_FAST ? w->s->dataset.kind
								 : w->vm->spad_map.kind);
	info->scratchpad_bytes = w->s->cfg->scratchpad_l3;
	info->exec = pp_hash_exec_name(pp_rx_vm_jit(w->vm), w->s->rwx);
}

const struct pp_hash_ops pp_rx_hash_ops = {
	.open = rx_open,
	.close = rx_close,
	.worker_new = rx_worker_new,
	.worker_free = rx_worker_free,
	.compute = rx_compute,
	.info = rx_info,
};
