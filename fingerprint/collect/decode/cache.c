/* The decoded-class cache of the ip-sample backend: a set-associative table of fixed size, so
 * it never grows past its bound however many processes and addresses pass through it; a full
 * set gives up its least recently used way. */
#include "fingerprint/collect/decode/decode.h"

#include <powprint/collect.h>

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#define WAYS 4
#define MIN_ENTRIES 64

struct pp_ip_cache {
	struct pp_icache_entry *e; /* nsets x WAYS */
	size_t nsets;              /* a power of two */
	size_t used;
	uint32_t clock;
	uint32_t owners;
	void *scratch;
	size_t scratch_len;
	struct pp_len_memo *memo;
	uint32_t reads;
};

int pp_ip_cache_new(unsigned max_entries, struct pp_ip_cache **out)
{
	if (!max_entries)
		max_entries = PP_IP_CACHE_DEFAULT_ENTRIES;
	if (max_entries < MIN_ENTRIES)
		return -EINVAL;
	struct pp_ip_cache *c = calloc(1, sizeof(*c));
	if (!c)
		return -ENOMEM;
	c->nsets = 1;
	while (c->nsets * 2 * WAYS <= max_entries)
		c->nsets *= 2;
	c->e = calloc(c->nsets * WAYS, sizeof(*c->e));
	if (!c->e) {
		free(c);
		return -ENOMEM;
	}
	c->clock = 1;
	*out = c;
	return 0;
}

void pp_ip_cache_free(struct pp_ip_cache *c)
{
	if (!c)
		return;
	free(c->e);
	free(c->scratch);
	free(c->memo);
	free(c);
}

size_t pp_ip_cache_used(const struct pp_ip_cache *c)
{
	return c->used;
}

size_t pp_ip_cache_capacity(const struct pp_ip_cache *c)
{
	return c->nsets * WAYS;
}

static bool key_eq(const struct pp_icache_key *x, const struct pp_icache_key *y)
{
	return x->a == y->a && x->b == y->b && x->v == y->v && x->c == y->c &&
	       x->back == y->back && x->kind == y->kind;
}

static struct pp_icache_entry *set_of(struct pp_ip_cache *c, const struct pp_icache_key *k)
{
	uint64_t h = k->a * 0x9e3779b97f4a7c15ull;
	h = (h ^ (h >> 29) ^ k->b ^ k->v) * 0xbf58476d1ce4e5b9ull;
	h = (h ^ (h >> 31) ^ ((uint64_t)k->c << 16) ^ ((uint64_t)k->back << 8) ^ k->kind) *
	    0x94d049bb133111ebull;
	return &c->e[((size_t)(h >> 32) & (c->nsets - 1)) * WAYS];
}

struct pp_icache_entry *pp_icache_find(struct pp_ip_cache *c, const struct pp_icache_key *k)
{
	struct pp_icache_entry *s = set_of(c, k);
	for (int i = 0; i < WAYS; i++)
		if (s[i].used && key_eq(&s[i].k, k)) {
			s[i].stamp = c->clock;
			return &s[i];
		}
	return NULL;
}

struct pp_icache_entry *pp_icache_put(struct pp_ip_cache *c, const struct pp_icache_key *k)
{
	struct pp_icache_entry *s = set_of(c, k), *victim = NULL;
	for (int i = 0; i < WAYS; i++) {
		if (s[i].used && key_eq(&s[i].k, k)) {
			s[i].stamp = c->clock;
			return &s[i];
		}
		/* A free way, else the one unused the longest (ages are wrap-safe). */
		if (!victim || (victim->used &&
				(!s[i].used || c->clock - s[i].stamp > c->clock - victim->stamp)))
			victim = &s[i];
	}
	if (!victim->used)
		c->used++;
	memset(victim, 0, sizeof(*victim));
	victim->k = *k;
	victim->used = 1;
	victim->stamp = c->clock;
	return victim;
}

void pp_icache_tick(struct pp_ip_cache *c)
{
	c->clock++;
}

uint32_t pp_icache_owner_new(struct pp_ip_cache *c)
{
	return ++c->owners;
}

void *pp_icache_scratch(struct pp_ip_cache *c, size_t len)
{
	if (len > c->scratch_len) {
		void *n = realloc(c->scratch, len);
		if (!n)
			return NULL;
		c->scratch = n;
		c->scratch_len = len;
	}
	return c->scratch;
}

struct pp_len_memo *pp_icache_len_memo(struct pp_ip_cache *c)
{
	if (!c->memo)
		c->memo = calloc(1, sizeof(*c->memo));
	return c->memo;
}

uint32_t pp_icache_read_id(struct pp_ip_cache *c)
{
	if (++c->reads == 0) /* after 4 billion reads: forget lengths that might match again */
		if (c->memo)
			memset(c->memo, 0, sizeof(*c->memo));
	return c->reads ? c->reads : ++c->reads;
}
