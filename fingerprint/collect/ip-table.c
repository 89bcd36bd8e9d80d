/* The distinct IPs of an ip-sample window: a hash table counted into as samples are drained,
 * summed at the window's end, then kept one more window so classes carry over. */
#include "fingerprint/collect/ip-sample.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static size_t slot_hash(uint64_t ip, uint32_t pid, size_t cap)
{
	uint64_t h = (ip ^ ((uint64_t)pid << 40)) * 0x9e3779b97f4a7c15ull;
	return (size_t)(h >> 32) & (cap - 1);
}

static bool table_grow(struct pp_ip_window *w)
{
	struct pp_ip_table *tb = &w->cur;
	size_t cap = tb->cap ? 2 * tb->cap : 1024;
	struct pp_ip_slot *t = calloc(cap, sizeof(*t));
	uint64_t *occ = calloc(cap / 64, sizeof(*occ));
	if (!t || !occ) {
		free(t);
		free(occ);
		return false;
	}
	for (size_t i = 0; i < tb->cap; i++) {
		if (!tb->slot[i].n)
			continue;
		size_t j = slot_hash(tb->slot[i].ip, tb->slot[i].pid, cap);
		while (t[j].n)
			j = (j + 1) & (cap - 1);
		t[j] = tb->slot[i];
		occ[j / 64] |= 1ull << (j % 64);
	}
	free(tb->slot);
	free(tb->occ);
	tb->slot = t;
	tb->occ = occ;
	tb->cap = cap;
	w->npend = 0; /* indices moved: find the unclassified slots again */
	for (size_t i = 0; i < cap; i++)
		if (t[i].n && !t[i].done && w->npend < w->cappend)
			w->pend[w->npend++] = i;
	return true;
}

const struct pp_ip_slot *pp_ip_table_find(const struct pp_ip_table *t, uint64_t ip,
					  uint32_t pid)
{
	if (!t->used)
		return NULL;
	size_t i = slot_hash(ip, pid, t->cap);
	while (t->slot[i].n) {
		if (t->slot[i].ip == ip && t->slot[i].pid == pid)
			return &t->slot[i];
		i = (i + 1) & (t->cap - 1);
	}
	return NULL;
}

/* Makes the empty table t hold cap slots (when it holds fewer and memory allows). */
static void table_fit(struct pp_ip_table *t, size_t cap)
{
	if (t->cap >= cap)
		return;
	struct pp_ip_slot *slot = calloc(cap, sizeof(*slot));
	uint64_t *occ = calloc(cap / 64, sizeof(*occ));
	if (!slot || !occ) {
		free(slot);
		free(occ);
		return;
	}
	free(t->slot);
	free(t->occ);
	t->slot = slot;
	t->occ = occ;
	t->cap = cap;
}

/* Empties t, visiting only the slots in use. */
static void table_clear(struct pp_ip_table *t)
{
	for (size_t k = 0; k < t->cap / 64; k++) {
		for (uint64_t b = t->occ[k]; b; b &= b - 1)
			t->slot[k * 64 + (size_t)__builtin_ctzll(b)] = (struct pp_ip_slot){ 0 };
		t->occ[k] = 0;
	}
	t->used = 0;
}

void pp_ip_window_add(struct pp_ip_window *w, uint64_t ip, uint32_t pid)
{
	struct pp_ip_table *tb = &w->cur;
	if ((tb->used + 1) * 2 > tb->cap || w->npend == w->cappend) {
		if (w->npend == w->cappend) {
			size_t c = w->cappend ? 2 * w->cappend : 1024;
			uint64_t *np = realloc(w->pend, c * sizeof(*np));
			if (!np) {
				w->lost++;
				return;
			}
			w->pend = np;
			w->cappend = c;
		}
		if ((tb->used + 1) * 2 > tb->cap && !table_grow(w)) {
			w->lost++;
			return;
		}
	}
	size_t i = slot_hash(ip, pid, tb->cap);
	while (tb->slot[i].n && (tb->slot[i].ip != ip || tb->slot[i].pid != pid))
		i = (i + 1) & (tb->cap - 1);
	struct pp_ip_slot *e = &tb->slot[i];
	if (!e->n) {
		*e = (struct pp_ip_slot){ .ip = ip, .pid = pid };
		tb->occ[i / 64] |= 1ull << (i % 64);
		tb->used++;
		w->pend[w->npend++] = i;
	}
	e->n++;
	w->nsamp++;
}

void pp_ip_window_sum(const struct pp_ip_window *w, struct pp_ip_sums *s)
{
	memset(s, 0, sizeof(*s));
	double total = (double)w->nsamp, h = 0;
	uint32_t best[PP_IP_TOP_N] = { 0 };
	/* In table order, as a scan of the whole table would visit them: the entropy's sum is
	 * the same to the last bit. */
	for (size_t k = 0; k < w->cur.cap / 64; k++) {
		for (uint64_t b = w->cur.occ[k]; b; b &= b - 1) {
			const struct pp_ip_slot *e =
				&w->cur.slot[k * 64 + (size_t)__builtin_ctzll(b)];
			s->distinct++;
			if (!e->done || e->cls == PP_IP_UNREADABLE)
				s->unreadable += e->n;
			else
				s->cls[e->cls] += e->n;
			s->loc[e->done ? e->loc : PP_LOC_UNMAPPED] += e->n;
			double q = e->n / total;
			h -= q * log2(q);
			for (int j = 0; j < PP_IP_TOP_N; j++)
				if (e->n > best[j]) {
					memmove(best + j + 1, best + j,
						(PP_IP_TOP_N - 1 - j) * sizeof(*best));
					best[j] = e->n;
					break;
				}
		}
	}
	for (int j = 0; j < PP_IP_TOP_N; j++)
		s->top += best[j];
	s->entropy = w->nsamp ? h : NAN;
}

void pp_ip_window_next(struct pp_ip_window *w)
{
	/* The last table is emptied for the next window, at the size of the largest so far: IPs
	 * then land in the slots one table cleared every window would give them, and the
	 * entropy sums in the same order. */
	table_clear(&w->prev);
	struct pp_ip_table t = w->prev;
	w->prev = w->cur;
	w->cur = t;
	table_fit(&w->cur, w->prev.cap);
	w->nsamp = 0;
	w->npend = 0;
	w->lost = 0;
}

void pp_ip_window_free(struct pp_ip_window *w)
{
	free(w->cur.slot);
	free(w->cur.occ);
	free(w->prev.slot);
	free(w->prev.occ);
	free(w->pend);
	*w = (struct pp_ip_window){ 0 };
}
