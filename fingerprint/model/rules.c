/* The rounding-mode rule: evidence that decides without the model. RandomX's CFROUND leaves
 * the FPU rounding mode off round-to-nearest for most of every hash; almost no other program
 * runs that way. The ebpf backend counts, per process, the preemptions that found it so; a
 * process whose share stays above PP_ROUND_MIN_SHARE over its recent windows is a
 * RandomX-family miner whatever p(miner) says. Preemptions, not all switches: a thread that
 * blocks does so in a system call, between hashes, where RandomX libraries have restored the
 * default mode (librandomx does), so only a preempted thread shows what it computes. */
#include <powprint/collect.h>
#include <powprint/model.h>

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#define RAW_PREEMPTED "bpf.fp_preempted"
#define RAW_NONDEFAULT "bpf.fp_preempted_nondefault"

void pp_evidence_from_window(const struct pp_window *w, struct pp_evidence *e)
{
	e->preempted = pp_window_count(w, RAW_PREEMPTED);
	e->preempted_nondefault = pp_window_count(w, RAW_NONDEFAULT);
}

void pp_evidence_bind(const struct pp_dataset *ds, int cols[2])
{
	cols[0] = cols[1] = -1;
	for (int j = 0; j < pp_dataset_nraw(ds); j++) {
		const char *n = pp_dataset_raw_name(ds, j); /* "raw.<count>" */
		if (strncmp(n, "raw.", 4) != 0)
			continue;
		if (strcmp(n + 4, RAW_PREEMPTED) == 0)
			cols[0] = j;
		else if (strcmp(n + 4, RAW_NONDEFAULT) == 0)
			cols[1] = j;
	}
}

void pp_evidence_from_row(const struct pp_dataset *ds, const int cols[2], int i,
			  struct pp_evidence *e)
{
	const double *raw = pp_dataset_raw(ds, i);
	e->preempted = cols[0] >= 0 && raw ? raw[cols[0]] : NAN;
	e->preempted_nondefault = cols[1] >= 0 && raw ? raw[cols[1]] : NAN;
}

int pp_round_tally_init(struct pp_round_tally *t, int windows)
{
	if (windows < 1 || windows > PP_ROUND_WINDOWS_MAX)
		return -EINVAL;
	memset(t, 0, sizeof(*t));
	t->windows = windows;
	return 0;
}

bool pp_round_tally_push(struct pp_round_tally *t, const struct pp_evidence *e)
{
	double pre = e->preempted, nd = e->preempted_nondefault;
	if (!isfinite(pre) || !isfinite(nd) || pre < 0 || nd < 0 || nd > pre)
		pre = nd = 0; /* no ebpf, or nonsense: no evidence, the old evidence ages */
	int slot = t->head;
	if (t->used == t->windows) {
		t->sum_pre -= t->pre[slot];
		t->sum_nd -= t->nd[slot];
	} else {
		t->used++;
	}
	t->pre[slot] = pre;
	t->nd[slot] = nd;
	t->sum_pre += pre;
	t->sum_nd += nd;
	t->head = (slot + 1) % t->windows;
	return pp_round_tally_fires(t);
}

double pp_round_tally_share(const struct pp_round_tally *t)
{
	return t->sum_pre > 0 ? t->sum_nd / t->sum_pre : NAN;
}

bool pp_round_tally_fires(const struct pp_round_tally *t)
{
	return t->sum_pre >= PP_ROUND_MIN_PREEMPTIONS &&
	       t->sum_nd >= PP_ROUND_MIN_SHARE * t->sum_pre;
}

void pp_round_verdict_fill(const struct pp_round_tally *t, struct pp_verdict *v)
{
	v->rule = pp_round_tally_fires(t);
	v->round_share = pp_round_tally_share(t);
	v->round_preemptions = t->sum_pre;
	if (v->rule)
		v->miner = true;
}

char *pp_round_describe(const struct pp_verdict *v, char *buf, size_t len)
{
	if (!len)
		return buf;
	if (!(v->round_preemptions > 0))
		snprintf(buf, len, "rounding mode: no preemption seen");
	else
		snprintf(buf, len, "rounding mode non-default at %.0f%% of %.0f preemptions",
			 100 * v->round_share, v->round_preemptions);
	return buf;
}
