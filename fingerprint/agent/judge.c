/* The agent's judging and acting: a tick's windows predicted in one model call, each
 * process's verdicts smoothed k-of-n, alerts and cleared events, and the safe actions taken on
 * an alert (never pid 1, the agent, a kernel thread or an allowlisted executable). */
#define _GNU_SOURCE
#include "core/clock.h"
#include "fingerprint/agent/agent-priv.h"

#include <errno.h>
#include <math.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

const char *pp_agent_action_name(enum pp_agent_action a)
{
	return a == PP_ACTION_STOP ? "stop" : a == PP_ACTION_KILL ? "kill" : "none";
}

int pp_agent_action_parse(const char *s, enum pp_agent_action *out)
{
	static const enum pp_agent_action all[] = { PP_ACTION_NONE, PP_ACTION_STOP, PP_ACTION_KILL };
	for (size_t i = 0; s && i < sizeof(all) / sizeof(all[0]); i++)
		if (strcmp(s, pp_agent_action_name(all[i])) == 0) {
			*out = all[i];
			return 0;
		}
	return -EINVAL;
}

void agent_emit(struct pp_agent *a, struct pp_agent_event *ev)
{
	ev->time_unix = pp_clock_unix_s();
	ev->smooth_k = a->o.smooth_k;
	ev->smooth_n = a->o.smooth_n;
	if (!ev->model)
		ev->model = a->m;
	if (a->o.event)
		a->o.event(a->o.event_arg, ev);
}

void agent_warn(struct pp_agent *a, struct proc *p, const char *kind, const char *fmt, ...)
{
	char msg[768];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	struct pp_agent_event ev = { .type = PP_EV_WARNING, .proc = p ? &p->id : NULL,
				     .reason = kind, .message = msg };
	agent_emit(a, &ev);
}

void agent_collector_warn(void *agent, const char *msg)
{
	struct pp_agent *a = agent;
	uint64_t h = 14695981039346656037u; /* FNV-1a over the text without its digits */
	for (const char *c = msg; *c; c++)
		if (*c < '0' || *c > '9')
			h = (h ^ (unsigned char)*c) * 1099511628211u;
	for (int i = 0; i < a->nwarned; i++)
		if (a->warned[i] == h)
			return;
	if (a->nwarned == AGENT_MAX_WARNED)
		return; /* a flood of distinct warnings: the first ones said what is wrong */
	a->warned[a->nwarned++] = h;
	agent_warn(a, NULL, "collector", "%s (said once for all processes)", msg);
}

void agent_clear(struct pp_agent *a, struct proc *p, const char *reason)
{
	if (!p->flagged)
		return;
	struct pp_agent_event ev = {
		.type = PP_EV_CLEARED, .proc = &p->id,
		.verdict = p->has_verdict ? &p->last : NULL,
		.windows_seen = p->windows_seen, .windows_flagged = p->windows_flagged,
		.reason = reason,
	};
	agent_emit(a, &ev);
	a->st.cleared++;
	p->flagged = false;
}

static void act(struct pp_agent *a, struct proc *p)
{
	if (a->o.action == PP_ACTION_NONE)
		return;
	char msg[768] = "";
	int err = 0;
	const struct agent_allow *al;
	if (p->pid == 1)
		snprintf(msg, sizeof(msg), "refused: pid 1 is never signalled"), err = -EPERM;
	else if (p->pid == a->self || p->kthread)
		snprintf(msg, sizeof(msg), "refused: %s is never signalled",
			 p->kthread ? "a kernel thread" : "the agent itself"), err = -EPERM;
	else if ((al = agent_allow_match(a->allow, a->nallow, &p->id)))
		snprintf(msg, sizeof(msg), "refused: allowlisted (%s:%s)",
			 al->kind == ALLOW_EXE ? "exe" : "cgroup", al->path), err = -EPERM;
	if (!err) {
		/* No pidfd from the attach (descriptors ran out): one now, still checked. */
		if (p->pidfd < 0)
			p->pidfd = agent_pidfd_open(p->pid, p->start_ticks);
		if (p->pidfd == -ESRCH)
			err = -ESRCH;
		else
			err = agent_signal(p->pid, p->start_ticks, p->pidfd,
					   a->o.action == PP_ACTION_KILL ? SIGKILL : SIGSTOP);
		snprintf(msg, sizeof(msg), "%s", err ? strerror(-err) : "done");
	}
	if (err && err != -EPERM)
		a->st.err_action++;
	else if (!err)
		a->st.actions++;
	struct pp_agent_event ev = { .type = PP_EV_ACTION, .proc = &p->id,
				     .verdict = p->has_verdict ? &p->last : NULL,
				     .windows_seen = p->windows_seen,
				     .windows_flagged = p->windows_flagged,
				     .action = pp_agent_action_name(a->o.action),
				     .action_err = err, .message = msg };
	agent_emit(a, &ev);
}

/* Smoothing, alerts and actions for one classified window of p. */
static void judge(struct pp_agent *a, struct proc *p, const struct pp_verdict *v)
{
	p->last = *v;
	p->has_verdict = true;
	p->windows_seen++;
	p->turn_windows++;
	p->windows_flagged += v->miner;
	a->st.windows_classified++;
	bool smoothed = pp_kofn_push(p->kofn, v->miner);
	if (smoothed && !p->flagged) {
		struct pp_agent_proc fresh;
		if (pp_agent_proc_read(p->pid, &fresh) == 0 && fresh.start_ticks == p->start_ticks)
			p->id = fresh;
		p->flagged = true;
		a->st.detections++;
		struct pp_agent_event ev = { .type = PP_EV_ALERT, .proc = &p->id, .verdict = &p->last,
					     .windows_seen = p->windows_seen,
					     .windows_flagged = p->windows_flagged };
		agent_emit(a, &ev);
		act(a, p);
	} else if (!smoothed) {
		agent_clear(a, p, "benign");
	}
}

/* p(miner) of every window in one model call; the full verdict (top features, nearest
 * fingerprint) only where an event may carry it: a window over the threshold or one where the
 * rounding-mode rule fires, or any window of a flagged process. */
void agent_judge_batch(struct pp_agent *a, int n)
{
	if (!n)
		return;
	if (pp_model_predict_many(a->m, a->rows, n, a->nf, a->p_miner)) {
		a->st.err_model += (uint64_t)n;
		return;
	}
	double thr = pp_model_threshold(a->m);
	for (int i = 0; i < n; i++) {
		struct proc *p = a->batch[i];
		const double *x = a->rows + (size_t)i * a->nf;
		struct pp_verdict v;
		bool miner = a->p_miner[i] >= thr || a->fired[i];
		if (miner || p->flagged) {
			if (pp_model_predict(a->m, x, a->nf, &v)) {
				a->st.err_model++;
				continue;
			}
		} else {
			memset(&v, 0, sizeof(v));
			v.nearest = -1;
			v.distance = NAN;
		}
		v.p_miner = a->p_miner[i];
		v.miner = miner;
		pp_round_verdict_fill(&p->round, &v);
		judge(a, p, &v);
	}
}
