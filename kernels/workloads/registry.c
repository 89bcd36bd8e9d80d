/* The catalog: one table of benign workloads here, the miners (one per hash algorithm) from
 * miner.c. Order is fixed: miners first, then benign entries as listed. */
#include "core/suggest.h"
#include "kernels/workloads/wl.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

/* The benign workloads, in catalog order: one line each. A workload's descriptor is
 * `const struct pp_workload wl_<name>` in kernels/workloads/<name>.c (docs/architecture.md). */
#define WL_BENIGN(X) \
	X(aes_ctr) \
	X(aes_gcm) \
	X(sha256) \
	X(blake2b) \
	X(argon2id) \
	X(scrypt) \
	X(stream) \
	X(pointer_chase) \
	X(hashtable) \
	X(matmul) \
	X(fft) \
	X(sort) \
	X(zstd) \
	X(sqlite) \
	X(json) \
	X(syscall) \
	X(video_sad) \
	X(node_jit) \
	X(idle)

#define WL_DECLARE(n) extern const struct pp_workload wl_##n;
WL_BENIGN(WL_DECLARE)

#define WL_ENTRY(n) &wl_##n,
const struct pp_workload *const wl_benign[] = { WL_BENIGN(WL_ENTRY) NULL };

static int nbenign(void)
{
	int n = 0;
	while (wl_benign[n])
		n++;
	return n;
}

int pp_workload_count(void)
{
	return wl_nminers + nbenign();
}

const struct pp_workload *pp_workload_at(int i)
{
	if (i < 0)
		return NULL;
	if (i < wl_nminers)
		return &wl_miners[i];
	i -= wl_nminers;
	return i < nbenign() ? wl_benign[i] : NULL;
}

int pp_workload_find(const char *name, const struct pp_workload **out)
{
	if (!name || !out)
		return -EINVAL;
	for (int i = 0, n = pp_workload_count(); i < n; i++) {
		const struct pp_workload *w = pp_workload_at(i);
		if (strcmp(w->name, name) == 0) {
			*out = w;
			return 0;
		}
	}
	return -ENOENT;
}

static const char *catalog_name(size_t i, const void *ctx)
{
	(void)ctx;
	return pp_workload_at((int)i)->name;
}

const char *pp_workload_suggest(const char *name)
{
	return pp_suggest(name, catalog_name, (size_t)pp_workload_count(), NULL);
}

const char *pp_workload_name(const struct pp_workload *w)
{
	return w->name;
}

enum pp_workload_class pp_workload_class(const struct pp_workload *w)
{
	return w->cls;
}

const char *pp_workload_class_name(enum pp_workload_class c)
{
	return c == PP_WL_MINER ? "miner" : "benign";
}

const char *pp_workload_family(const struct pp_workload *w)
{
	return w->family;
}

const char *pp_workload_help(const struct pp_workload *w)
{
	return w->help;
}

const char *pp_workload_unit(const struct pp_workload *w)
{
	return w->unit;
}

const struct pp_workload_opt *pp_workload_opts(const struct pp_workload *w)
{
	static const struct pp_workload_opt none[] = { { 0 } };
	return w->opts ? w->opts : none;
}

int pp_workload_max_threads(const struct pp_workload *w)
{
	return w->max_threads > 0 ? w->max_threads : PP_WORKLOAD_MAX_THREADS;
}

int pp_workload_supported(const struct pp_workload *w, char *why, size_t len)
{
	if (why && len)
		why[0] = '\0';
	return w->supported ? w->supported(w, why, len) : 0;
}

const char *pp_workload_algo(const struct pp_workload *w)
{
	return w->cls == PP_WL_MINER ? w->algo : NULL;
}

bool pp_workload_quick(const struct pp_workload *w)
{
	return w->quick;
}

static char *quick_names;
static pthread_once_t quick_once = PTHREAD_ONCE_INIT;

static void fill_quick_names(void)
{
	size_t n = 1;
	for (int i = 0; i < pp_workload_count(); i++)
		n += strlen(pp_workload_at(i)->name) + 1;
	char *s = calloc(1, n);
	for (int i = 0; s && i < pp_workload_count(); i++) {
		const struct pp_workload *w = pp_workload_at(i);
		if (!w->quick)
			continue;
		if (s[0])
			strcat(s, ",");
		strcat(s, w->name);
	}
	quick_names = s;
}

const char *pp_workload_quick_names(void)
{
	pthread_once(&quick_once, fill_quick_names);
	return quick_names ? quick_names : "";
}
