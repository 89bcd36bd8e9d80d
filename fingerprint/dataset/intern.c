/* The dataset's open-addressing hash tables: interned strings (every row's labels point into
 * one copy of each) and (source, run_id) -> dense run index. Both grow at half full. */
#include "fingerprint/dataset/dataset-priv.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static uint64_t hash_str(const char *s)
{
	uint64_t h = 1469598103934665603ull;  /* FNV-1a */
	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ull;
	return h;
}

const char *ds_intern(struct strtab *t, const char *s)
{
	if (!s)
		s = "";
	if (2 * (t->n + 1) > t->cap) {
		size_t ncap = t->cap ? 2 * t->cap : 64;
		char **ns = calloc(ncap, sizeof(*ns));
		if (!ns)
			return NULL;
		for (size_t i = 0; i < t->cap; i++) {
			if (!t->slot[i])
				continue;
			size_t k = hash_str(t->slot[i]) & (ncap - 1);
			while (ns[k])
				k = (k + 1) & (ncap - 1);
			ns[k] = t->slot[i];
		}
		free(t->slot);
		t->slot = ns;
		t->cap = ncap;
	}
	size_t k = hash_str(s) & (t->cap - 1);
	while (t->slot[k]) {
		if (strcmp(t->slot[k], s) == 0)
			return t->slot[k];
		k = (k + 1) & (t->cap - 1);
	}
	t->slot[k] = strdup(s);
	if (!t->slot[k])
		return NULL;
	t->n++;
	return t->slot[k];
}

const char *ds_find(const struct strtab *t, const char *s)
{
	if (!t->cap)
		return NULL;
	size_t k = hash_str(s) & (t->cap - 1);
	while (t->slot[k]) {
		if (strcmp(t->slot[k], s) == 0)
			return t->slot[k];
		k = (k + 1) & (t->cap - 1);
	}
	return NULL;
}

static uint64_t hash_key(int64_t key)
{
	uint64_t x = (uint64_t)key * 0x9e3779b97f4a7c15ull;
	return x ^ (x >> 29);
}

int ds_run_index(struct runtab *t, int *nruns, int source, long run_id)
{
	int64_t key = ((int64_t)source << 40) ^ (int64_t)run_id;
	if (2 * (t->n + 1) > t->cap) {
		size_t ncap = t->cap ? 2 * t->cap : 64;
		int64_t *nk = malloc(ncap * sizeof(*nk));
		int *nv = malloc(ncap * sizeof(*nv));
		if (!nk || !nv) {
			free(nk);
			free(nv);
			return -ENOMEM;
		}
		for (size_t i = 0; i < ncap; i++)
			nv[i] = -1;
		for (size_t i = 0; i < t->cap; i++) {
			if (t->val[i] < 0)
				continue;
			size_t k = hash_key(t->key[i]) & (ncap - 1);
			while (nv[k] >= 0)
				k = (k + 1) & (ncap - 1);
			nk[k] = t->key[i];
			nv[k] = t->val[i];
		}
		free(t->key);
		free(t->val);
		t->key = nk;
		t->val = nv;
		t->cap = ncap;
	}
	size_t k = hash_key(key) & (t->cap - 1);
	while (t->val[k] >= 0) {
		if (t->key[k] == key)
			return t->val[k];
		k = (k + 1) & (t->cap - 1);
	}
	t->key[k] = key;
	t->val[k] = (*nruns)++;
	t->n++;
	return t->val[k];
}

void ds_strtab_free(struct strtab *t)
{
	for (size_t i = 0; i < t->cap; i++)
		free(t->slot[i]);
	free(t->slot);
}

void ds_runtab_free(struct runtab *t)
{
	free(t->key);
	free(t->val);
}
