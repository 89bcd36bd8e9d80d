/* The class and location of each new IP of an ip-sample window: carried over from the last
 * window, found in the decoded-IP cache, or decoded from the code read before the IP. */
#include "fingerprint/collect/ip-sample.h"

#include <stdlib.h>
#include <string.h>

static uint64_t hash_bytes(const uint8_t *b, size_t n)
{
	uint64_t h = 1469598103934665603ull; /* FNV-1a */
	for (size_t i = 0; i < n; i++)
		h = (h ^ b[i]) * 1099511628211ull;
	return h;
}

static int cmp_pending(const void *a, const void *b)
{
	const struct pp_ip_pending *x = a, *y = b;
	if (x->pr->pid != y->pr->pid)
		return x->pr->pid < y->pr->pid ? -1 : 1;
	return (x->e->ip > y->e->ip) - (x->e->ip < y->e->ip);
}

/* Where the code before an IP comes from: a file (shared by every process that maps it), else
 * this process's memory. */
static void make_key(const struct pp_ip_slot *e, const struct pp_map *m, size_t back,
		     struct pp_icache_key *k)
{
	memset(k, 0, sizeof(*k));
	k->back = (uint8_t)back;
	if (m->loc == PP_LOC_FILE && m->ino && m->ver) {
		k->kind = PP_ICK_FILE;
		k->a = m->ino;
		k->b = m->offset + (e->ip - m->start);
		k->v = m->ver;
		k->c = m->dev;
	} else {
		k->kind = PP_ICK_PROC;
		k->a = e->pid;
		k->b = e->ip;
	}
}

static bool reserve_pending(struct pp_ip_classifier *c, size_t n)
{
	if (n <= c->cappd)
		return true;
	size_t cap = c->cappd ? c->cappd : 64;
	while (cap < n)
		cap *= 2;
	struct pp_ip_pending *pd = realloc(c->pd, cap * sizeof(*pd));
	if (pd)
		c->pd = pd;
	uint8_t(*code)[PP_DECODE_BACK] = realloc(c->code, cap * PP_DECODE_BACK);
	if (code)
		c->code = code;
	bool *ok = realloc(c->ok, cap * sizeof(*ok));
	if (ok)
		c->ok = ok;
	if (!pd || !code || !ok)
		return false;
	c->cappd = cap;
	return true;
}

/* Marks the pending IPs that keep last window's class, with its location and the maps
 * generation it was found with: while no maps have been reloaded since, the same maps give the
 * same location and cache key, and the cache would give the same class. Not for generated code
 * (it may have been rewritten: read again every window), nor for IPs outside every mapping or
 * unreadable (tried again, as without the carry). */
static void carry_classes(struct pp_ip_window *w)
{
	for (size_t k = 0; k < w->npend && w->prev.used; k++) {
		struct pp_ip_slot *e = &w->cur.slot[w->pend[k]];
		if (e->done || !e->n)
			continue;
		const struct pp_ip_slot *o = pp_ip_table_find(&w->prev, e->ip, e->pid);
		if (!o || !o->done || o->loc == PP_LOC_JIT || o->loc == PP_LOC_UNMAPPED ||
		    o->cls == PP_IP_UNREADABLE)
			continue;
		e->carry = 1;
		e->cls = o->cls;
		e->loc = o->loc;
		e->gen = o->gen;
	}
}

/* Decodes the code read for pd[0..n) (one process's), caching each class. */
static void decode_read(struct pp_ip_classifier *c, struct pp_ip_pending *pd, int n,
			uint8_t (*code)[PP_DECODE_BACK], const bool *ok)
{
	struct pp_len_memo *memo = pp_icache_len_memo(c->cache);
	for (int k = 0; k < n; k++) {
		struct pp_ip_slot *e = pd[k].e;
		if (!ok[k] && pd[k].back) {
			e->cls = PP_IP_UNREADABLE;
			e->done = 1;
			continue;
		}
		uint64_t hb = hash_bytes(code[k], pd[k].back);
		struct pp_icache_entry *ce = pp_icache_find(c->cache, &pd[k].key);
		enum pp_iclass cls;
		if (ce && ce->hash == hb)
			cls = (enum pp_iclass)ce->cls; /* the same bytes as before: same class */
		else if (pd[k].back) {
			/* Lengths are shared by IPs in the same file, or from the same read of
			 * process memory. */
			struct pp_code_at at = { 0, 0, pd[k].read_id, e->ip };
			if (pd[k].key.kind == PP_ICK_FILE)
				at = (struct pp_code_at){ pd[k].key.a, pd[k].key.v, pd[k].key.c,
							  pd[k].key.b };
			bool shared = pd[k].key.kind == PP_ICK_FILE || pd[k].read_id;
			cls = pp_decode_ending_at_memo(c->dec, code[k], pd[k].back, &at,
						       shared ? memo : NULL, NULL);
		} else
			cls = PP_IC_UNDECODABLE; /* IP at a mapping's start */
		if (!ce) /* nothing in between touches the cache: ce is still the entry */
			ce = pp_icache_put(c->cache, &pd[k].key);
		ce->hash = hb;
		ce->cls = (uint8_t)cls;
		ce->owner = c->owner;
		ce->window = c->window;
		e->cls = (uint8_t)cls;
		e->done = 1;
	}
}

/* From the cache when the code is known (file-backed code, or generated code seen this
 * window), else by reading and decoding it (generated code whose bytes hash as before keeps
 * its class). */
void pp_ip_classify(struct pp_ip_classifier *c, struct pp_ip_window *w, struct pp_code_reader *r)
{
	if (!w->npend)
		return;
	bool room = reserve_pending(c, w->npend);
	struct pp_ip_pending *pd = c->pd;
	int np = 0;
	c->batch++;
	pp_icache_tick(c->cache);
	carry_classes(w);
	/* First every map reload this batch needs: a reload frees the maps that pending entries
	 * would otherwise point into, and ends every carry (the loop runs again for them). */
	uint32_t gen;
	do {
		gen = r->maps_gen;
		for (size_t k = 0; k < w->npend; k++) {
			struct pp_ip_slot *e = &w->cur.slot[w->pend[k]];
			if (e->done || !e->n || (e->carry && e->gen == gen))
				continue;
			e->carry = 0;
			struct pp_ip_proc *pr = pp_code_proc(r, (pid_t)e->pid, c->batch, c->window);
			if (pr && !pp_maps_find(&pr->maps, e->ip) &&
			    pr->reloaded_window != c->window)
				pp_code_reload_maps(r, pr, c->window); /* new code since we looked */
		}
	} while (r->maps_gen != gen);
	for (size_t k = 0; k < w->npend; k++) {
		struct pp_ip_slot *e = &w->cur.slot[w->pend[k]];
		if (e->done || !e->n)
			continue;
		if (e->carry) {
			e->carry = 0;
			e->done = 1;
			continue;
		}
		e->gen = gen;
		struct pp_ip_proc *pr = pp_code_proc(r, (pid_t)e->pid, c->batch, c->window);
		const struct pp_map *m = pr ? pp_maps_find(&pr->maps, e->ip) : NULL;
		e->loc = (uint8_t)(m ? m->loc : PP_LOC_UNMAPPED);
		if (!m) {
			e->cls = PP_IP_UNREADABLE;
			e->done = 1;
			continue;
		}
		size_t back = e->ip - m->start;
		if (back > PP_DECODE_BACK)
			back = PP_DECODE_BACK;
		struct pp_icache_key key;
		make_key(e, m, back, &key);
		const struct pp_icache_entry *ce = pp_icache_find(c->cache, &key);
		if (ce && (m->loc != PP_LOC_JIT || (ce->owner == c->owner && ce->window == c->window))) {
			e->cls = ce->cls;
			e->done = 1;
			continue;
		}
		if (!room) { /* no memory: unclassified (counted as unreadable) */
			e->done = 0;
			continue;
		}
		pd[np++] = (struct pp_ip_pending){ .e = e, .pr = pr, .map = m, .back = back,
						   .key = key };
	}
	w->npend = 0;

	if (np > 1)
		qsort(pd, (size_t)np, sizeof(*pd), cmp_pending);
	for (int i = 0; i < np;) { /* one process at a time: process_vm_readv is per pid */
		int j = i;
		while (j < np && pd[j].pr == pd[i].pr)
			j++;
		pp_code_read(r, pd + i, j - i, c->code + i, c->ok + i);
		decode_read(c, pd + i, j - i, c->code + i, c->ok + i);
		i = j;
	}
}

void pp_ip_classifier_free(struct pp_ip_classifier *c)
{
	pp_decoder_free(c->dec);
	free(c->pd);
	free(c->code);
	free(c->ok);
	c->dec = NULL;
	c->pd = NULL;
	c->code = NULL;
	c->ok = NULL;
	c->cappd = 0;
}
