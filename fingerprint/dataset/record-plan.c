/* The recorder's plan: every (workload, threads, duty, soft-aes, huge-pages, repeat)
 * combination asked for, in an order fixed by the seed so that a dataset can be re-recorded
 * identically. */
#include "fingerprint/dataset/record-priv.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Parses "1,2,4" into at most max ints in [min, max_v]; returns the count or -EINVAL. */
static int parse_int_list(const char *s, int *out, int max, int min, int max_v, const char *what,
			  char *why, size_t len)
{
	int n = 0;
	const char *p = s;
	while (*p) {
		char *end;
		long v = strtol(p, &end, 10);
		if (end == p || (*end && *end != ',') || v < min || v > max_v || n == max) {
			snprintf(why, len, "--%s expects a comma list of whole numbers from %d to %d, "
				 "not '%s'", what, min, max_v, s);
			return -EINVAL;
		}
		out[n++] = (int)v;
		p = *end ? end + 1 : end;
	}
	if (!n) {
		snprintf(why, len, "--%s is empty", what);
		return -EINVAL;
	}
	return n;
}

static int parse_onoff_list(const char *s, int *out, char *why, size_t len)
{
	int n = 0;
	char buf[64];
	snprintf(buf, sizeof(buf), "%s", s);
	for (char *save, *t = strtok_r(buf, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
		if (n == 2 || (strcmp(t, "on") && strcmp(t, "off"))) {
			snprintf(why, len, "--soft-aes expects off, on or off,on; not '%s'", s);
			return -EINVAL;
		}
		out[n++] = !strcmp(t, "on");
	}
	return n;
}

/* "auto,off" into indices of pages_names; returns the count or -EINVAL. */
static const char *const pages_names[] = { "auto", "on", "off" };
static int parse_pages_list(const char *s, int *out, char *why, size_t len)
{
	int n = 0;
	char buf[64];
	snprintf(buf, sizeof(buf), "%s", s);
	for (char *save, *t = strtok_r(buf, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
		int k = 0;
		while (k < 3 && strcmp(t, pages_names[k]))
			k++;
		if (n == 3 || k == 3) {
			snprintf(why, len, "--huge-pages expects a comma list of auto, on and off; "
				 "not '%s'", s);
			return -EINVAL;
		}
		out[n++] = k;
	}
	if (!n) {
		snprintf(why, len, "--huge-pages is empty");
		return -EINVAL;
	}
	return n;
}

static bool has_opt(const struct pp_workload *w, const char *name)
{
	for (const struct pp_workload_opt *o = pp_workload_opts(w); o && o->name; o++)
		if (!strcmp(o->name, name))
			return true;
	return false;
}

/* Which catalog entries `sel` names: all | miner | benign | NAME[,NAME...]. */
static int select_workloads(const char *sel, const struct pp_workload **out, int max, char *why,
			    size_t len)
{
	int n = 0, total = pp_workload_count();
	bool all = !strcmp(sel, "all"), miner = !strcmp(sel, "miner"), benign = !strcmp(sel, "benign");
	if (all || miner || benign) {
		for (int i = 0; i < total && n < max; i++) {
			const struct pp_workload *w = pp_workload_at(i);
			enum pp_workload_class c = pp_workload_class(w);
			if (all || (miner && c == PP_WL_MINER) || (benign && c == PP_WL_BENIGN))
				out[n++] = w;
		}
		return n;
	}
	char *copy = strdup(sel);
	if (!copy)
		return -ENOMEM;
	for (char *save, *t = strtok_r(copy, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
		const struct pp_workload *w;
		if (pp_workload_find(t, &w) < 0) {
			const char *near = pp_workload_suggest(t);
			int k = snprintf(why, len, "unknown workload '%s'%s%s%s valid: all, miner, "
					 "benign,", t, near ? "; did you mean '" : ";",
					 near ? near : "", near ? "'?" : "");
			for (int i = 0; i < total && k > 0 && (size_t)k < len; i++)
				k += snprintf(why + k, len - (size_t)k, " %s",
					      pp_workload_name(pp_workload_at(i)));
			free(copy);
			return -ENOENT;
		}
		if (n < max)
			out[n++] = w;
	}
	free(copy);
	return n;
}

/* splitmix64: a tiny, well-mixed generator; the order must only be reproducible. */
static uint64_t next_rand(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ull);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

int rec_plan_build(const struct pp_record_opts *o, struct rec_plan *plan, char *why, size_t len)
{
	const struct pp_workload *wl[256];
	int threads[16], duty[16], soft[2], pages[3];
	memset(plan, 0, sizeof(*plan));

	int nw = select_workloads(o->workloads ? o->workloads : "all", wl, 256, why, len);
	if (nw < 0)
		return nw;
	int nt = parse_int_list(o->threads ? o->threads : "1", threads, 16, 1, 256, "threads",
				why, len);
	if (nt < 0)
		return nt;
	int nd = parse_int_list(o->duty ? o->duty : "100", duty, 16, 1, 100, "duty", why, len);
	if (nd < 0)
		return nd;
	int ns = parse_onoff_list(o->soft_aes ? o->soft_aes : "off", soft, why, len);
	if (ns < 0)
		return ns;
	int np = parse_pages_list(o->huge_pages ? o->huge_pages : "auto", pages, why, len);
	if (np < 0)
		return np;
	int repeat = o->repeat > 0 ? o->repeat : 1;

	size_t cap = (size_t)nw * nt * nd * ns * np * repeat;
	plan->run = calloc(cap ? cap : 1, sizeof(*plan->run));
	if (!plan->run)
		return -ENOMEM;
	for (int i = 0; i < nw; i++) {
		const struct pp_workload *w = wl[i];
		char reason[256];
		if (pp_workload_supported(w, reason, sizeof(reason)) < 0) {
			snprintf(plan->skipped[plan->nskipped].why,
				 sizeof(plan->skipped[0].why), "%s: %s", pp_workload_name(w),
				 reason);
			if (plan->nskipped < REC_MAX_SKIPPED - 1)
				plan->nskipped++;
			continue;
		}
		bool aes_knob = has_opt(w, "soft-aes"), pages_knob = has_opt(w, "huge-pages");
		int maxt = pp_workload_max_threads(w);
		for (int t = 0; t < nt; t++) {
			/* A single-process workload (node) runs once, not once per thread count. */
			if (threads[t] > maxt && (t > 0 || maxt < 1))
				continue;
			int th = threads[t] > maxt ? maxt : threads[t];
			for (int d = 0; d < nd; d++)
				for (int s = 0; s < (aes_knob ? ns : 1); s++)
					for (int g = 0; g < (pages_knob ? np : 1); g++)
						for (int r = 0; r < repeat; r++)
							plan->run[plan->n++] = (struct rec_run){
								.w = w, .threads = th,
								.duty = duty[d],
								.soft_aes = aes_knob && soft[s],
								.pages = pages_knob ? pages_names[pages[g]]
										    : "auto",
								.rep = r,
							};
		}
	}
	/* Fisher-Yates with the seed: interleaving workloads spreads slow drifts of the machine
	 * (thermal, other tenants) over all classes instead of one. */
	uint64_t st = o->seed;
	for (int i = plan->n - 1; i > 0; i--) {
		int j = (int)(next_rand(&st) % (uint64_t)(i + 1));
		struct rec_run tmp = plan->run[i];
		plan->run[i] = plan->run[j];
		plan->run[j] = tmp;
	}
	if (!plan->n) {
		snprintf(why, len, "nothing to record: no selected workload can run here%s%s",
			 plan->nskipped ? " (" : "", plan->nskipped ? plan->skipped[0].why : "");
		if (plan->nskipped)
			strncat(why, ")", len - strlen(why) - 1);
		rec_plan_free(plan);
		return -ENOENT;
	}
	return 0;
}

void rec_plan_free(struct rec_plan *plan)
{
	free(plan->run);
	plan->run = NULL;
	plan->n = 0;
}
