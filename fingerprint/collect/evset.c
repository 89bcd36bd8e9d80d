/* Counting perf events in groups per thread, with inherit and multiplexing scaling. What
 * follows perf (tools/perf/util/evsel.c, stat.c) and where it does not:
 * - an optional event the PMU lacks is dropped and reported missing, as perf stat prints
 *   <not supported> and goes on; ENXIO (a hypervisor hiding an MSR) counts as "lacks" too;
 * - counts are scaled by enabled/running per thread like perf's; the parts of one count
 *   (the same event on each hybrid core PMU) are summed before scaling, since a thread runs
 *   on one PMU at a time: perf scales each part alone, which extrapolates P-core rates over
 *   time spent on E-cores;
 * - a read that fails, is short, holds another group size or goes backwards gives NaN, not
 *   0 or a wrapped delta, and the task's groups are reopened (perf stat gives up instead). */
#include "fingerprint/collect/evset.h"

#include <powprint/perf.h>

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

struct pp_evset_hooks pp_evset_hooks = { .open = pp_perf_open, .read = read };

struct pp_evset_task {
	pid_t tid;
	int fd[PP_EVSET_MAX];
	uint64_t id[PP_EVSET_MAX];
	struct pp_evset_prev prev[PP_EVSET_MAX];
};

int pp_evset_add(struct pp_evset *s, const struct perf_event_attr *attr, const char *name,
		 bool optional)
{
	if (s->nev >= PP_EVSET_MAX)
		return -ENOSPC;
	int i = s->nev++;
	s->attr[i] = *attr;
	snprintf(s->name[i], sizeof(s->name[i]), "%s", name);
	s->optional[i] = optional;
	s->part_of[i] = i;
	s->group_of[i] = -1;
	s->dropped_err[i] = 0;
	return i;
}

int pp_evset_add_part(struct pp_evset *s, int first, const struct perf_event_attr *attr)
{
	if (first < 0 || first >= s->nev || s->part_of[first] != first)
		return -EINVAL;
	char name[sizeof(s->name[0])];
	memcpy(name, s->name[first], sizeof(name));
	int i = pp_evset_add(s, attr, name, true);
	if (i >= 0)
		s->part_of[i] = first;
	return i;
}

static void close_task(struct pp_evset *s, struct pp_evset_task *t)
{
	for (int i = 0; i < s->nev; i++)
		if (t->fd[i] >= 0) {
			close(t->fd[i]);
			t->fd[i] = -1;
		}
	memset(t->prev, 0, sizeof(t->prev));
}

static int leader_of(const struct pp_evset *s, int g)
{
	for (int i = 0; i < s->nev; i++)
		if (s->group_of[i] == g)
			return i;
	return -1;
}

static int open_one(struct pp_evset *s, int i, pid_t tid, int group_fd)
{
	struct perf_event_attr a = s->attr[i];
	a.disabled = group_fd < 0;  /* members follow their leader */
	a.inherit = 1;
	a.inherit_thread = s->threads_only;
	a.read_format = PERF_FORMAT_GROUP | PERF_FORMAT_ID | PERF_FORMAT_TOTAL_TIME_ENABLED |
			PERF_FORMAT_TOTAL_TIME_RUNNING;
	int fd = pp_evset_hooks.open(&a, tid, -1, group_fd, PERF_FLAG_FD_CLOEXEC);
	if (fd == -EINVAL && a.inherit_thread) {
		/* Before Linux 5.13 there is no inherit_thread: follow forked children too, and
		 * say so (pp_evset_open warns), since the agent promises otherwise. */
		a.inherit_thread = 0;
		fd = pp_evset_hooks.open(&a, tid, -1, group_fd, PERF_FLAG_FD_CLOEXEC);
		if (fd >= 0) {
			s->threads_only = false;
			s->threads_only_refused = true;
		}
	}
	return fd;
}

/* Errors that mean "this PMU has no such event" rather than "you may not". */
static bool pmu_lacks(int err)
{
	return err == -ENOENT || err == -EOPNOTSUPP || err == -EINVAL || err == -ENXIO ||
	       err == -ENODEV;
}

/* First task: decides the groups. An event that does not fit its group (EINVAL: the PMU
 * cannot schedule them together) starts a new group; one the PMU lacks is dropped when
 * optional. */
static int layout_groups(struct pp_evset *s, struct pp_evset_task *t, struct pp_backend_ctx *ctx)
{
	int g = -1, in_group = 0, lead_fd = -1;
	for (int i = 0; i < s->nev; i++) {
		s->group_of[i] = -1;
		s->dropped_err[i] = 0;
	}
	for (int i = 0; i < s->nev; i++) {
		int fd;
		if (lead_fd >= 0 && in_group < s->group_size) {
			fd = open_one(s, i, t->tid, lead_fd);
			if (fd >= 0) {
				s->group_of[i] = g;
				t->fd[i] = fd;
				in_group++;
				continue;
			}
			if (fd != -ENOSPC && !pmu_lacks(fd))
				goto failed;
			/* it does not fit beside the others (or is missing): try it alone */
		}
		fd = open_one(s, i, t->tid, -1);
		if (fd >= 0) {
			s->group_of[i] = ++g;
			t->fd[i] = lead_fd = fd;
			in_group = 1;
			continue;
		}
	failed:
		if (s->optional[i] && pmu_lacks(fd)) {
			s->dropped_err[i] = fd;
			continue;
		}
		/* The collector puts the backend's name before the reason ("perf-hw: event
		 * 'branch-misses': ..."), so it is not repeated here. */
		char ev[96];
		snprintf(ev, sizeof(ev), "event '%s'", s->name[i]);
		return pp_perf_why(fd, t->tid, ev, ctx->why, ctx->why_len);
	}
	s->ngroups = g + 1;
	if (!s->ngroups) {
		snprintf(ctx->why, ctx->why_len, "none of the events could be opened");
		return -ENODEV;
	}
	return 0;
}

/* Opens the task's groups as laid out; why may be NULL (a reopen while reading). */
static int open_task(struct pp_evset *s, struct pp_evset_task *t, char *why, size_t why_len)
{
	for (int g = 0; g < s->ngroups; g++) {
		int lead = leader_of(s, g);
		for (int i = 0; i < s->nev; i++) {
			if (s->group_of[i] != g)
				continue;
			int fd = open_one(s, i, t->tid, i == lead ? -1 : t->fd[lead]);
			if (fd < 0) {
				char ev[96];
				snprintf(ev, sizeof(ev), "event '%s'", s->name[i]);
				close_task(s, t);
				return pp_perf_why(fd, t->tid, ev, why, why_len);
			}
			t->fd[i] = fd;
		}
	}
	return 0;
}

/* The IDs map group reads back to events. */
static void read_ids(struct pp_evset *s, struct pp_evset_task *t)
{
	for (int i = 0; i < s->nev; i++)
		if (t->fd[i] < 0 || ioctl(t->fd[i], PERF_EVENT_IOC_ID, &t->id[i]) < 0)
			t->id[i] = UINT64_MAX;
}

static void warn_dropped(struct pp_evset *s, struct pp_backend_ctx *ctx, const char *what)
{
	char list[768] = "";
	size_t len = 0;
	for (int i = 0; i < s->nev && len < sizeof(list); i++) {
		if (!s->dropped_err[i])
			continue;
		char part[48] = "";
		if (s->part_of[i] != i)
			snprintf(part, sizeof(part), " on PMU type %u",
				 (unsigned)(s->attr[i].config >> 32));
		len += (size_t)snprintf(list + len, sizeof(list) - len, "%s%s%s (%s)",
					len ? ", " : "", s->name[i], part,
					strerror(-s->dropped_err[i]));
	}
	if (len && ctx->warn)
		ctx->warn(ctx, "%s: this PMU does not count %s; reported as missing (NaN), the "
			  "other events are counted", what, list);
	if (s->threads_only_refused && ctx->warn)
		ctx->warn(ctx, "%s: this kernel has no inherit_thread (Linux < 5.13): counters "
			  "follow forked child processes too, so a parent is charged with its "
			  "children's work", what);
}

int pp_evset_open(struct pp_evset *s, struct pp_backend_ctx *ctx, const char *what)
{
	const struct pp_target *tg = ctx->tgt;
	if (!s->group_size)
		s->group_size = PP_EVSET_GROUP_MAX;
	s->threads_only = ctx->opts->threads_only;
	s->threads_only_refused = false;
	s->enabled = false;
	s->tasks = calloc((size_t)tg->ntids, sizeof(*s->tasks));
	if (!s->tasks)
		return -ENOMEM;
	int err = 0, first = 1;
	for (int k = 0; k < tg->ntids; k++) {
		struct pp_evset_task *t = &s->tasks[s->ntasks];
		t->tid = tg->tids[k];
		for (int i = 0; i < PP_EVSET_MAX; i++)
			t->fd[i] = -1;
		err = first ? layout_groups(s, t, ctx) : open_task(s, t, ctx->why, ctx->why_len);
		if (err == -ESRCH && k + 1 < tg->ntids) {
			close_task(s, t); /* that thread just exited */
			continue;
		}
		if ((err == -EMFILE || err == -ENFILE) && s->ntasks > 0) {
			/* Give half back: other backends and /proc reads need descriptors too. */
			close_task(s, t);
			int keep = (s->ntasks + 1) / 2;
			while (s->ntasks > keep)
				close_task(s, &s->tasks[--s->ntasks]);
			ctx->warn(ctx, "%s: out of file descriptors: monitoring %d of %d threads "
				  "(raise the limit with ulimit -n)", what, s->ntasks, tg->ntids);
			err = 0;
			break;
		}
		if (err) {
			close_task(s, t);
			pp_evset_close(s);
			return err;
		}
		first = 0;
		s->ntasks++;
	}
	for (int k = 0; k < s->ntasks; k++)
		read_ids(s, &s->tasks[k]);
	warn_dropped(s, ctx, what);
	return 0;
}

static int enable_task(struct pp_evset *s, struct pp_evset_task *t, bool on)
{
	for (int g = 0; g < s->ngroups; g++) {
		int lead = leader_of(s, g);
		if (lead >= 0 && t->fd[lead] >= 0 &&
		    ioctl(t->fd[lead], on ? PERF_EVENT_IOC_ENABLE : PERF_EVENT_IOC_DISABLE,
			  PERF_IOC_FLAG_GROUP) < 0)
			return -errno;
	}
	return 0;
}

int pp_evset_enable(struct pp_evset *s, bool on)
{
	for (int k = 0; k < s->ntasks; k++) {
		int err = enable_task(s, &s->tasks[k], on);
		if (err)
			return err;
	}
	s->enabled = on;
	return 0;
}

int pp_evset_decode(const uint64_t *buf, ssize_t n, const uint64_t *ids, int nmem,
		    struct pp_evset_prev *prev, struct pp_evset_delta *out)
{
	for (int j = 0; j < nmem; j++)
		out[j] = (struct pp_evset_delta){ .lost = true };
	if (n < 0)
		return (int)n;
	if ((size_t)n < 3 * sizeof(uint64_t) || buf[0] != (uint64_t)nmem ||
	    (size_t)n < (3 + 2 * (size_t)nmem) * sizeof(uint64_t))
		return -EIO;
	uint64_t te = buf[1], tr = buf[2];
	bool seen[PP_EVSET_MAX] = { 0 }; /* an ID listed twice counts once */
	for (uint64_t k = 0; k < buf[0]; k++) {
		uint64_t val = buf[3 + 2 * k], id = buf[4 + 2 * k];
		for (int j = 0; j < nmem && j < PP_EVSET_MAX; j++) {
			if (ids[j] != id || seen[j])
				continue;
			seen[j] = true;
			struct pp_evset_prev *p = &prev[j];
			bool back = val < p->val || te < p->ena || tr < p->run;
			out[j] = (struct pp_evset_delta){
				.val = (double)(val - p->val), .ena = (double)(te - p->ena),
				.run = (double)(tr - p->run), .lost = back };
			if (back)
				out[j].val = out[j].ena = out[j].run = 0;
			*p = (struct pp_evset_prev){ .val = val, .ena = te, .run = tr };
			break;
		}
	}
	return 0;
}

double pp_evset_scale(const struct pp_evset_delta *parts, int n, double *ena, double *run)
{
	double v = 0, e = 0, r = 0;
	bool lost = false;
	for (int i = 0; i < n; i++) {
		lost |= parts[i].lost;
		v += parts[i].val;
		e = fmax(e, parts[i].ena);
		r += parts[i].run;
	}
	*ena = e;
	*run = r;
	return !lost && r > 0 ? v * (e / r) : NAN;
}

/* Reads the task's groups into d[] (have[] marks events read); false if a read failed. */
static bool read_task(struct pp_evset *s, struct pp_evset_task *t, struct pp_evset_delta *d,
		      bool *have)
{
	uint64_t buf[3 + 2 * PP_EVSET_MAX];
	bool ok = true;
	for (int g = 0; g < s->ngroups; g++) {
		int lead = leader_of(s, g);
		if (lead < 0 || t->fd[lead] < 0)
			continue;
		int idx[PP_EVSET_MAX], nm = 0;
		uint64_t ids[PP_EVSET_MAX];
		struct pp_evset_prev prev[PP_EVSET_MAX];
		struct pp_evset_delta dd[PP_EVSET_MAX];
		for (int i = 0; i < s->nev; i++)
			if (s->group_of[i] == g) {
				idx[nm] = i;
				ids[nm] = t->id[i];
				prev[nm++] = t->prev[i];
			}
		ssize_t n = pp_evset_hooks.read(t->fd[lead], buf, sizeof(buf));
		if (n < 0)
			n = -errno;
		if (pp_evset_decode(buf, n, ids, nm, prev, dd))
			ok = false;
		for (int j = 0; j < nm; j++) {
			t->prev[idx[j]] = prev[j];
			d[idx[j]] = dd[j];
			have[idx[j]] = true;
		}
	}
	return ok;
}

/* After a failed read (ECHILD: an inherited group of another size): fresh counters from
 * now on; a task that cannot be reopened (it exited) is left out. */
static void reopen_task(struct pp_evset *s, struct pp_evset_task *t)
{
	close_task(s, t);
	s->reopened++;
	if (open_task(s, t, NULL, 0) == 0) {
		read_ids(s, t);
		if (s->enabled)
			enable_task(s, t, true);
	}
}

void pp_evset_read(struct pp_evset *s, struct pp_window *w)
{
	double val[PP_EVSET_MAX] = { 0 }, ena[PP_EVSET_MAX] = { 0 }, run[PP_EVSET_MAX] = { 0 };
	bool lost[PP_EVSET_MAX] = { 0 };

	for (int k = 0; k < s->ntasks; k++) {
		struct pp_evset_task *t = &s->tasks[k];
		struct pp_evset_delta d[PP_EVSET_MAX];
		bool have[PP_EVSET_MAX] = { 0 };
		bool ok = read_task(s, t, d, have);
		for (int c = 0; c < s->nev; c++) {
			if (s->part_of[c] != c)
				continue;
			struct pp_evset_delta parts[PP_EVSET_MAX];
			int np = 0;
			for (int i = c; i < s->nev; i++)
				if (s->part_of[i] == c && have[i]) {
					lost[c] |= d[i].lost;
					parts[np++] = d[i];
				}
			if (!np)
				continue;
			double e, r, v = pp_evset_scale(parts, np, &e, &r);
			if (!isnan(v))
				val[c] += v;
			ena[c] += e;
			run[c] += r;
		}
		if (!ok)
			reopen_task(s, t);
	}
	for (int c = 0; c < s->nev; c++) {
		if (s->part_of[c] != c)
			continue;
		bool opened = false;
		for (int i = c; i < s->nev; i++)
			opened |= s->part_of[i] == c && s->group_of[i] >= 0;
		if (!opened) {
			pp_window_add(w, s->backend, s->name[c], NAN, NAN, false);
			continue;
		}
		/* Threads enabled but never scheduled on a counter lower the running share. */
		double share = ena[c] > 0 ? fmin(1.0, run[c] / ena[c]) : 1.0;
		bool never_ran = ena[c] > 0 && run[c] == 0;
		pp_window_add(w, s->backend, s->name[c], lost[c] || never_ran ? NAN : val[c], share,
			      false);
	}
}

void pp_evset_close(struct pp_evset *s)
{
	for (int k = 0; k < s->ntasks; k++)
		close_task(s, &s->tasks[k]);
	free(s->tasks);
	s->tasks = NULL;
	s->ntasks = 0;
}
