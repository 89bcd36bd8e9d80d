/* Counting perf events in groups per thread, with inherit and multiplexing scaling. */
#include "fingerprint/collect/evset.h"

#include <powprint/perf.h>

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

struct pp_evset_task {
	pid_t tid;
	int fd[PP_EVSET_MAX];
	uint64_t id[PP_EVSET_MAX];
	uint64_t prev_val[PP_EVSET_MAX];
	uint64_t prev_ena[PP_EVSET_MAX], prev_run[PP_EVSET_MAX];
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
	s->group_of[i] = -1;
	return i;
}

static void close_task(struct pp_evset *s, struct pp_evset_task *t)
{
	for (int i = 0; i < s->nev; i++)
		if (t->fd[i] >= 0) {
			close(t->fd[i]);
			t->fd[i] = -1;
		}
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
	return pp_perf_open(&a, tid, -1, group_fd, PERF_FLAG_FD_CLOEXEC);
}

/* First task: decides the groups. An event that does not fit its group (EINVAL: the PMU
 * cannot schedule them together) starts a new group; one the PMU lacks is dropped when
 * optional. */
static int layout_groups(struct pp_evset *s, struct pp_evset_task *t, struct pp_backend_ctx *ctx,
			 const char *what)
{
	int g = -1, in_group = 0, lead_fd = -1;
	for (int i = 0; i < s->nev; i++)
		s->group_of[i] = -1;
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
			if (fd != -EINVAL && fd != -ENOSPC)
				goto failed;
			/* it does not fit beside the others: try it as a new leader */
		}
		fd = open_one(s, i, t->tid, -1);
		if (fd >= 0) {
			s->group_of[i] = ++g;
			t->fd[i] = lead_fd = fd;
			in_group = 1;
			continue;
		}
	failed:
		if (s->optional[i] && (fd == -ENOENT || fd == -EOPNOTSUPP || fd == -EINVAL))
			continue; /* e.g. stalled-cycles on Intel */
		char ev[96];
		snprintf(ev, sizeof(ev), "%s event '%s'", what, s->name[i]);
		return pp_perf_why(fd, t->tid, ev, ctx->why, ctx->why_len);
	}
	s->ngroups = g + 1;
	if (!s->ngroups) {
		snprintf(ctx->why, ctx->why_len, "%s: none of the events could be opened", what);
		return -ENODEV;
	}
	return 0;
}

static int open_task(struct pp_evset *s, struct pp_evset_task *t, struct pp_backend_ctx *ctx,
		     const char *what)
{
	for (int g = 0; g < s->ngroups; g++) {
		int lead = leader_of(s, g);
		for (int i = 0; i < s->nev; i++) {
			if (s->group_of[i] != g)
				continue;
			int fd = open_one(s, i, t->tid, i == lead ? -1 : t->fd[lead]);
			if (fd < 0) {
				char ev[96];
				snprintf(ev, sizeof(ev), "%s event '%s'", what, s->name[i]);
				close_task(s, t);
				return pp_perf_why(fd, t->tid, ev, ctx->why, ctx->why_len);
			}
			t->fd[i] = fd;
		}
	}
	return 0;
}

int pp_evset_open(struct pp_evset *s, struct pp_backend_ctx *ctx, const char *what)
{
	const struct pp_target *tg = ctx->tgt;
	if (!s->group_size)
		s->group_size = PP_EVSET_GROUP_MAX;
	s->threads_only = ctx->opts->threads_only;
	s->tasks = calloc((size_t)tg->ntids, sizeof(*s->tasks));
	if (!s->tasks)
		return -ENOMEM;
	int err = 0, first = 1;
	for (int k = 0; k < tg->ntids; k++) {
		struct pp_evset_task *t = &s->tasks[s->ntasks];
		t->tid = tg->tids[k];
		for (int i = 0; i < PP_EVSET_MAX; i++)
			t->fd[i] = -1;
		err = first ? layout_groups(s, t, ctx, what) : open_task(s, t, ctx, what);
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
	/* Read the IDs once, to map group reads back to events. */
	for (int k = 0; k < s->ntasks; k++)
		for (int i = 0; i < s->nev; i++)
			if (s->tasks[k].fd[i] >= 0 &&
			    ioctl(s->tasks[k].fd[i], PERF_EVENT_IOC_ID, &s->tasks[k].id[i]) < 0)
				s->tasks[k].id[i] = UINT64_MAX;
	return 0;
}

int pp_evset_enable(struct pp_evset *s, bool on)
{
	for (int k = 0; k < s->ntasks; k++)
		for (int g = 0; g < s->ngroups; g++) {
			int lead = leader_of(s, g);
			if (lead >= 0 && s->tasks[k].fd[lead] >= 0 &&
			    ioctl(s->tasks[k].fd[lead], on ? PERF_EVENT_IOC_ENABLE :
				  PERF_EVENT_IOC_DISABLE, PERF_IOC_FLAG_GROUP) < 0)
				return -errno;
		}
	return 0;
}

void pp_evset_read(struct pp_evset *s, struct pp_window *w)
{
	double sum[PP_EVSET_MAX] = { 0 }, ena[PP_EVSET_MAX] = { 0 }, run[PP_EVSET_MAX] = { 0 };
	bool nodata[PP_EVSET_MAX] = { 0 };
	uint64_t buf[3 + 2 * PP_EVSET_MAX];

	for (int k = 0; k < s->ntasks; k++) {
		struct pp_evset_task *t = &s->tasks[k];
		for (int g = 0; g < s->ngroups; g++) {
			int lead = leader_of(s, g);
			if (lead < 0 || t->fd[lead] < 0)
				continue;
			ssize_t n = read(t->fd[lead], buf, sizeof(buf));
			if (n < (ssize_t)(3 * sizeof(uint64_t)))
				continue;
			uint64_t nr = buf[0], te = buf[1], tr = buf[2];
			if ((size_t)n < (3 + 2 * nr) * sizeof(uint64_t))
				continue;
			for (uint64_t j = 0; j < nr; j++) {
				uint64_t val = buf[3 + 2 * j], id = buf[4 + 2 * j];
				for (int i = 0; i < s->nev; i++) {
					if (s->group_of[i] != g || t->id[i] != id)
						continue;
					double dv = (double)(val - t->prev_val[i]);
					double de = (double)(te - t->prev_ena[i]);
					double dr = (double)(tr - t->prev_run[i]);
					t->prev_val[i] = val;
					t->prev_ena[i] = te;
					t->prev_run[i] = tr;
					if (dr > 0)
						sum[i] += dv * (de / dr);
					else if (de > 0)
						nodata[i] = true; /* enabled but never scheduled */
					ena[i] += de;
					run[i] += dr;
				}
			}
		}
	}
	for (int i = 0; i < s->nev; i++) {
		if (s->group_of[i] < 0)
			continue;
		double share = ena[i] > 0 ? run[i] / ena[i] : 1.0;
		double v = (nodata[i] && run[i] == 0) ? NAN : sum[i];
		pp_window_add(w, s->backend, s->name[i], v, share, false);
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
