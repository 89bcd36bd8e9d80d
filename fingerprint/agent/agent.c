/* The agent's lifecycle and loop body: one /proc scan and one window per monitored process
 * per tick, attach/detach with fair rotation; judge.c smooths the verdicts and acts. */
#define _GNU_SOURCE
#include "core/clock.h"
#include "fingerprint/agent/agent-priv.h"

#include <powprint/error.h>
#include <powprint/features.h>
#include <powprint/perf.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#define FD_BACKOFF_TICKS 30   /* after running out of fds, attach nothing new for this long */
/* Decoded IPs of every monitored process together (56 bytes each): the same binaries and
 * libraries share entries, so this is plenty for dozens of processes. */
#define IP_CACHE_ENTRIES 16384
#define FD_COUNT_TICKS 10     /* counting its own fds lists /proc/self/fd: not every tick */

int pp_agent_new(struct pp_model *m, const struct pp_agent_opts *opts, struct pp_agent **out,
		 char *why, size_t len)
{
	if (why && len)
		why[0] = '\0';
	if (!m) {
		snprintf(why, len, "no model given");
		return -EINVAL;
	}
	int fv = pp_model_feature_version(m);
	if (fv && fv != PP_FEATURES_VERSION) {
		snprintf(why, len, "the model uses feature-vector version %d, this powprint computes "
			 "version %d: train a model with this version", fv, PP_FEATURES_VERSION);
		return -EINVAL;
	}
	struct pp_agent *a = calloc(1, sizeof(*a));
	if (!a)
		return -ENOMEM;
	if (opts)
		memcpy(&a->o, opts, opts->sz < sizeof(a->o) ? opts->sz : sizeof(a->o));
	a->o.sz = sizeof(a->o);
	struct pp_agent_opts *o = &a->o;
	int err = -EINVAL;
	if (!o->interval_ms)
		o->interval_ms = PP_INTERVAL_DEFAULT_MS;
	if (o->interval_ms < PP_INTERVAL_MIN_MS) {
		snprintf(why, len, "the interval must be at least %d ms", PP_INTERVAL_MIN_MS);
		goto fail;
	}
	if (o->min_cpu_pct == 0)
		o->min_cpu_pct = PP_AGENT_MIN_CPU_DEFAULT;
	if (!(o->min_cpu_pct > 0 && o->min_cpu_pct <= 100)) {
		snprintf(why, len, "the minimum CPU must be above 0 and at most 100%% of a core");
		goto fail;
	}
	if (!o->max_targets)
		o->max_targets = PP_AGENT_MAX_TARGETS_DEFAULT;
	struct pp_backend_status st[PP_BACKEND_MAX];
	int nb = pp_collector_probe(st, PP_BACKEND_MAX);
	for (int i = 0; i < nb && i < PP_BACKEND_MAX; i++)
		a->ebpf |= st[i].available && !strcmp(st[i].name, "ebpf");
	if (!o->smooth_k || !o->smooth_n) {
		o->smooth_k = 3;
		o->smooth_n = 5;
	}
	if (o->max_targets < 1 || o->smooth_k < 1 || o->smooth_k > o->smooth_n ||
	    o->npids < 0 || o->npids > PP_AGENT_MAX_PIDS) {
		snprintf(why, len, "bad options: need max_targets >= 1, 1 <= k <= n, at most %d pids",
			 PP_AGENT_MAX_PIDS);
		goto fail;
	}
	if (o->action != PP_ACTION_NONE && o->action != PP_ACTION_STOP &&
	    o->action != PP_ACTION_KILL) {
		snprintf(why, len, "unknown action %d", (int)o->action);
		goto fail;
	}
	if (o->npids) {
		a->pids = malloc((size_t)o->npids * sizeof(*a->pids));
		if (!a->pids) {
			err = -ENOMEM;
			goto fail;
		}
		memcpy(a->pids, o->pids, (size_t)o->npids * sizeof(*a->pids));
	}
	o->pids = NULL; /* ours are in a->pids */
	if (o->cgroup) {
		/* Accept the mount path too: /sys/fs/cgroup/x.slice means /x.slice. */
		const char *cg = o->cgroup;
		if (strncmp(cg, "/sys/fs/cgroup", 14) == 0 && (cg[14] == '/' || cg[14] == '\0'))
			cg += 14;
		snprintf(a->cgroup, sizeof(a->cgroup), "%s%s", cg[0] == '/' ? "" : "/", cg);
		o->cgroup = a->cgroup;
	}
	if (o->allow && (err = agent_allow_parse(o->allow, a->allow, AGENT_MAX_ALLOW, &a->nallow,
						 why, len)))
		goto fail;
	o->allow = NULL;
	if (o->backends)
		snprintf(a->backends, sizeof(a->backends), "%s", o->backends);
	o->backends = NULL;
	a->m = m;
	a->nf = pp_model_nfeatures(m);
	if ((err = pp_ip_cache_new(IP_CACHE_ENTRIES, &a->ipc))) {
		snprintf(why, len, "out of memory");
		goto fail;
	}
	a->clk_tck = sysconf(_SC_CLK_TCK);
	if (a->clk_tck <= 0)
		a->clk_tck = 100;
	a->self = getpid();
	*out = a;
	return 0;
fail:
	free(a->pids);
	free(a);
	return err;
}

static struct proc **slot(struct pp_agent *a, pid_t pid)
{
	struct proc **pp = &a->bucket[(unsigned)pid % AGENT_NBUCKETS];
	while (*pp && (*pp)->pid != pid)
		pp = &(*pp)->next;
	return pp;
}

static void detach(struct pp_agent *a, struct proc *p, const char *cleared_reason)
{
	if (p->col) {
		pp_collector_close(p->col);
		p->col = NULL;
		a->st.detached_total++;
	}
	if (p->pidfd >= 0) {
		close(p->pidfd);
		p->pidfd = -1;
	}
	if (cleared_reason)
		agent_clear(a, p, cleared_reason);
	if (p->kofn)
		pp_kofn_reset(p->kofn);
	p->turn_windows = 0;
	p->idle_windows = 0;
	if (p->st == P_MONITORED)
		p->st = P_IDLE;
}

static void remove_proc(struct pp_agent *a, struct proc **pp, const char *reason)
{
	struct proc *p = *pp;
	detach(a, p, reason);
	pp_kofn_free(p->kofn);
	*pp = p->next;
	free(p);
	a->nprocs--;
}

/* Ends p's window and, unless it is idle, puts its model vector in x and whether the
 * rounding-mode rule fires in *fired. Returns -ESRCH when the target is gone, 1 when x is to
 * be classified, else 0. */
static int end_window(struct pp_agent *a, struct proc *p, double *x, bool *fired)
{
	struct pp_window *w = &a->w;
	int err = pp_collector_read_now(p->col, w);
	if (err == -ESRCH)
		return -ESRCH;
	if (err) {
		a->st.err_collector++;
		return 0;
	}
	if (w->target_exited)
		return -ESRCH;
	double wall = w->end_s - w->start_s;
	struct pp_evidence ev;
	pp_evidence_from_window(w, &ev);
	*fired = pp_round_tally_push(&p->round, &ev);
	/* Too little CPU to say anything: an idle window (features would be noise). */
	if (!(w->task_clock_s >= 0.5 * a->o.min_cpu_pct / 100.0 * wall)) {
		p->idle_windows++;
		return 0;
	}
	p->idle_windows = 0;
	struct pp_features f;
	pp_features_compute(w, &f);
	if (pp_model_vector(a->m, &f, x) < 0) {
		a->st.err_model++;
		return 0;
	}
	return 1;
}

/* Room for n windows in this tick's batch. */
static bool batch_reserve(struct pp_agent *a, int n)
{
	if (n <= a->batch_cap)
		return true;
	int cap = a->batch_cap ? 2 * a->batch_cap : 64;
	while (cap < n)
		cap *= 2;
	struct proc **b = realloc(a->batch, (size_t)cap * sizeof(*b));
	if (b)
		a->batch = b;
	double *r = realloc(a->rows, (size_t)cap * ((size_t)a->nf + 1) * sizeof(*r));
	if (r)
		a->rows = r;
	double *pm = realloc(a->p_miner, (size_t)cap * sizeof(*pm));
	if (pm)
		a->p_miner = pm;
	bool *fi = realloc(a->fired, (size_t)cap * sizeof(*fi));
	if (fi)
		a->fired = fi;
	if (!b || !r || !pm || !fi)
		return false;
	a->batch_cap = cap;
	return true;
}

static bool wanted(struct pp_agent *a, const struct agent_stat *s, struct proc *p)
{
	if (a->pids) {
		bool found = false;
		for (int i = 0; i < a->o.npids && !found; i++)
			found = a->pids[i] == s->pid;
		if (!found)
			return false;
	}
	if (a->o.cgroup) {
		char cg[512];
		agent_cgroup_read(s->pid, cg, sizeof(cg));
		if (!agent_cgroup_under(cg, a->o.cgroup))
			return false;
	}
	(void)p;
	return true;
}

static void scan(struct pp_agent *a)
{
	double now = pp_clock_mono_s(), dt = a->last_scan_mono > 0 ? now - a->last_scan_mono : 0;
	double uptime = agent_uptime_s();
	a->last_scan_mono = now;
	a->scan++;
	a->st.scans++;
	int seen = 0, cand = 0;
	DIR *d = opendir("/proc");
	if (!d) {
		if (errno == EMFILE || errno == ENFILE)
			a->st.err_fds++;
		return;
	}
	struct dirent *de;
	while ((de = readdir(d))) {
		if (de->d_name[0] < '1' || de->d_name[0] > '9')
			continue;
		pid_t pid = (pid_t)atoi(de->d_name);
		if (pid == a->self)
			continue;
		struct agent_stat s;
		if (agent_stat_read(pid, &s))
			continue;
		bool kthread = agent_is_kthread(&s);
		if (kthread || s.state == 'Z' || s.state == 'X')
			continue;
		struct proc **pp = slot(a, pid), *p = *pp;
		if (p && p->start_ticks != s.start_ticks) {
			remove_proc(a, pp, "exited"); /* the pid was reused */
			pp = slot(a, pid);
			p = NULL;
		}
		if (!p) {
			if (!wanted(a, &s, NULL))
				continue;
			p = calloc(1, sizeof(*p));
			if (!p || pp_kofn_new(a->o.smooth_k, a->o.smooth_n, &p->kofn)) {
				free(p);
				continue;
			}
			p->pid = pid;
			p->pidfd = -1;
			p->start_ticks = s.start_ticks;
			/* First sight: its average since it started, so a new miner qualifies at
			 * once. */
			double age = uptime - (double)s.start_ticks / (double)a->clk_tck;
			p->cpu_pct = age > 0.05 ? 100.0 * (double)s.cpu_ticks / a->clk_tck / age : 0;
			p->next = *pp;
			*pp = p;
			a->nprocs++;
		} else if (dt > 0) {
			p->cpu_pct = 100.0 * (double)(s.cpu_ticks - p->cpu_ticks) / a->clk_tck / dt;
		}
		p->cpu_ticks = s.cpu_ticks;
		p->seen_scan = a->scan;
		p->kthread = kthread;
		snprintf(p->comm, sizeof(p->comm), "%s", s.comm);
		seen++;
		bool busy = p->cpu_pct >= a->o.min_cpu_pct;
		cand += busy;
		if (busy && p->st == P_IDLE) {
			p->st = P_WAITING;
			p->wait_since = a->tick;
		} else if (!busy && p->st == P_WAITING) {
			p->st = P_IDLE;
		}
	}
	closedir(d);
	/* Whatever this scan did not see has exited. */
	for (int b = 0; b < AGENT_NBUCKETS; b++)
		for (struct proc **pp = &a->bucket[b]; *pp;) {
			if ((*pp)->seen_scan != a->scan)
				remove_proc(a, pp, "exited");
			else
				pp = &(*pp)->next;
		}
	a->st.processes_seen = seen;
	a->st.candidates = cand;
}

/* Opens the collectors on p. Returns 0, or a negative errno after handling it. */
static int attach(struct pp_agent *a, struct proc *p)
{
	const char *bl = a->backends[0] ? a->backends : NULL;
	char blist[256] = "";
	if (!bl) {
		bool ebpf = false;
		for (int i = 0; i < pp_model_nbackends(a->m); i++) {
			snprintf(blist + strlen(blist), sizeof(blist) - strlen(blist), "%s%s",
				 i ? "," : "", pp_model_backend(a->m, i));
			ebpf |= !strcmp(pp_model_backend(a->m, i), "ebpf");
		}
		/* The rounding-mode rule reads ebpf's counts whatever the model needs. */
		if (a->ebpf && !ebpf && blist[0])
			snprintf(blist + strlen(blist), sizeof(blist) - strlen(blist), ",ebpf");
		bl = blist[0] ? blist : NULL;
	}
	PP_OPTS(pp_collect_opts, co, .backends = bl, .interval_ms = a->o.interval_ms,
		.sample_hz = a->o.sample_hz, .ip_cache = a->ipc, .threads_only = true,
		.warn = agent_collector_warn, .warn_arg = a);
	char why[512] = "";
	if (pp_agent_proc_read(p->pid, &p->id) || p->id.start_ticks != p->start_ticks)
		return -ESRCH;
	int err = pp_collector_open_pid(p->pid, &co, &p->col, why, sizeof(why));
	/* What --action will signal through: opened now, while (pid, start) is checked. */
	if (!err && a->o.action != PP_ACTION_NONE) {
		p->pidfd = agent_pidfd_open(p->pid, p->start_ticks);
		if (p->pidfd == -ESRCH) {
			pp_collector_close(p->col);
			err = -ESRCH;
		}
	}
	if (!err) {
		p->st = P_MONITORED;
		pp_round_tally_init(&p->round, PP_ROUND_WINDOWS);
		p->attach_tick = a->tick;
		p->turn_windows = 0;
		p->idle_windows = 0;
		a->st.attached_total++;
		return 0;
	}
	p->col = NULL;
	if (err == -ESRCH) {
		a->st.err_vanished++;
		p->st = P_IDLE;
	} else if (err == -EMFILE || err == -ENFILE || err == -ENOMEM) {
		a->st.err_fds++;
		p->st = P_WAITING;
		if (a->fd_backoff_until <= a->tick)
			agent_warn(a, p, "fds", "cannot attach to pid %d (%s): %s; monitoring %d "
				   "processes until descriptors free up (raise the open-file limit, "
				   "LimitNOFILE=, or lower --max-targets)", (int)p->pid, p->comm,
				   why[0] ? why : strerror(-err), a->st.monitored);
		a->fd_backoff_until = a->tick + FD_BACKOFF_TICKS;
	} else {
		if (err == -EACCES || err == -EPERM)
			a->st.err_permission++;
		else
			a->st.err_collector++;
		p->st = P_BLOCKED; /* once per process, never per window */
		agent_warn(a, p, err == -EACCES || err == -EPERM ? "permission" : "collector",
			   "cannot monitor pid %d (%s): %s", (int)p->pid, p->comm,
			   why[0] ? why : pp_strerror(err));
	}
	return err;
}

static int cmp_wait(const void *x, const void *y)
{
	const struct proc *p = *(struct proc *const *)x, *q = *(struct proc *const *)y;
	if (p->wait_since != q->wait_since)
		return p->wait_since < q->wait_since ? -1 : 1;
	return p->cpu_pct > q->cpu_pct ? -1 : p->cpu_pct < q->cpu_pct;
}

/* Fills free slots with the longest-waiting candidates; when none are free, a monitored
 * process that has had a full turn (n classified windows) and is not flagged makes room. */
static void schedule(struct pp_agent *a)
{
	struct proc **wait = NULL;
	int nwait = 0, monitored = 0, cap = 0;
	for (int b = 0; b < AGENT_NBUCKETS; b++)
		for (struct proc *p = a->bucket[b]; p; p = p->next) {
			if (p->st == P_MONITORED)
				monitored++;
			if (p->st != P_WAITING)
				continue;
			if (nwait == cap) {
				cap = cap ? cap * 2 : 64;
				struct proc **nw = realloc(wait, (size_t)cap * sizeof(*wait));
				if (!nw)
					goto out;
				wait = nw;
			}
			wait[nwait++] = p;
		}
	if (!nwait || a->fd_backoff_until > a->tick)
		goto out;
	qsort(wait, (size_t)nwait, sizeof(*wait), cmp_wait);
	for (int i = 0; i < nwait; i++) {
		if (monitored >= a->o.max_targets) {
			/* Rotate: the longest-monitored unflagged process with a full turn. */
			struct proc *victim = NULL;
			for (int b = 0; b < AGENT_NBUCKETS; b++)
				for (struct proc *p = a->bucket[b]; p; p = p->next)
					if (p->st == P_MONITORED && !p->flagged &&
					    p->turn_windows >= (uint64_t)a->o.smooth_n &&
					    (!victim || p->attach_tick < victim->attach_tick))
						victim = p;
			if (!victim)
				break;
			detach(a, victim, NULL);
			victim->st = P_WAITING;
			victim->wait_since = a->tick;
			monitored--;
			a->st.rotations_total++;
		}
		int err = attach(a, wait[i]);
		if (!err)
			monitored++;
		else if (err == -EMFILE || err == -ENFILE || err == -ENOMEM)
			break;
	}
out:
	free(wait);
}

static void self_stats(struct pp_agent *a)
{
	struct rusage ru;
	if (getrusage(RUSAGE_SELF, &ru) == 0)
		a->st.cpu_s = (double)ru.ru_utime.tv_sec + ru.ru_utime.tv_usec * 1e-6 +
			      (double)ru.ru_stime.tv_sec + ru.ru_stime.tv_usec * 1e-6;
	char buf[128];
	int fd = open("/proc/self/statm", O_RDONLY | O_CLOEXEC);
	if (fd >= 0) {
		ssize_t k = read(fd, buf, sizeof(buf) - 1);
		unsigned long size, res;
		buf[k > 0 ? k : 0] = '\0';
		if (sscanf(buf, "%lu %lu", &size, &res) == 2)
			a->st.rss_bytes = (uint64_t)res * (uint64_t)sysconf(_SC_PAGESIZE);
		close(fd);
	}
	/* The kernel makes an inode for every descriptor it lists: hundreds with many targets. */
	if ((a->tick - 1) % FD_COUNT_TICKS != 0)
		return;
	DIR *d = opendir("/proc/self/fd");
	if (d) {
		int n = 0;
		struct dirent *de;
		while ((de = readdir(d)))
			n += de->d_name[0] != '.';
		closedir(d);
		a->st.fds = n - 1; /* not the directory's own descriptor */
	}
}

int pp_agent_tick(struct pp_agent *a)
{
	a->tick++;
	a->st.ticks++;
	if (a->tick == 1 && !pp_perf_has_inherit_thread())
		agent_warn(a, NULL, "kernel", "this kernel has no inherit_thread (Linux < 5.13): "
			   "counters follow forked child processes too, so a parent is charged "
			   "with its children's work and a miner's parent may be flagged with it");
	/* Windows first: they end at (about) the same moment for everyone. */
	int n = 0;
	for (int b = 0; b < AGENT_NBUCKETS; b++)
		for (struct proc **pp = &a->bucket[b]; *pp;) {
			struct proc *p = *pp;
			if (p->st == P_MONITORED) {
				int r = batch_reserve(a, n + 1) ?
					end_window(a, p, a->rows + (size_t)n * a->nf,
						   &a->fired[n]) : 0;
				if (r == -ESRCH) {
					remove_proc(a, pp, "exited");
					continue;
				}
				if (r > 0)
					a->batch[n++] = p;
			}
			if (p->st == P_MONITORED && p->idle_windows >= a->o.smooth_n)
				detach(a, p, "idle");
			pp = &p->next;
		}
	agent_judge_batch(a, n);
	scan(a);
	schedule(a);
	int monitored = 0, flagged = 0;
	for (int b = 0; b < AGENT_NBUCKETS; b++)
		for (struct proc *p = a->bucket[b]; p; p = p->next) {
			monitored += p->st == P_MONITORED;
			flagged += p->flagged;
		}
	a->st.monitored = monitored;
	a->st.flagged = flagged;
	self_stats(a);
	return 0;
}

struct pp_model *pp_agent_set_model(struct pp_agent *a, struct pp_model *m)
{
	struct pp_model *old = a->m;
	/* The batch rows have the new model's width from the next tick on. */
	free(a->batch);
	free(a->rows);
	free(a->p_miner);
	free(a->fired);
	a->batch = NULL;
	a->rows = a->p_miner = NULL;
	a->fired = NULL;
	a->batch_cap = 0;
	a->nf = pp_model_nfeatures(m);
	a->m = m;
	for (int b = 0; b < AGENT_NBUCKETS; b++)
		for (struct proc *p = a->bucket[b]; p; p = p->next) {
			pp_kofn_reset(p->kofn);
			p->has_verdict = false; /* its top features index the old model */
			/* A flagged process stays flagged: the new model's first n windows decide. */
			if (p->flagged)
				for (int i = 0; i < a->o.smooth_k; i++)
					pp_kofn_push(p->kofn, true);
		}
	return old;
}

void pp_agent_free(struct pp_agent *a, bool emit_cleared)
{
	if (!a)
		return;
	for (int b = 0; b < AGENT_NBUCKETS; b++)
		while (a->bucket[b])
			remove_proc(a, &a->bucket[b], emit_cleared ? "agent-exit" : NULL);
	pp_ip_cache_free(a->ipc); /* after the collectors that use it */
	free(a->pids);
	free(a->batch);
	free(a->rows);
	free(a->p_miner);
	free(a->fired);
	free(a);
}

void pp_agent_get_stats(const struct pp_agent *a, struct pp_agent_stats *st)
{
	*st = a->st;
}

/* For the metrics: every flagged process with its last p(miner). */
int agent_flagged_each(const struct pp_agent *a,
		       void (*fn)(void *arg, const struct pp_agent_proc *id, double p), void *arg)
{
	int n = 0;
	for (int b = 0; b < AGENT_NBUCKETS; b++)
		for (const struct proc *p = a->bucket[b]; p; p = p->next)
			if (p->flagged) {
				fn(arg, &p->id, p->has_verdict ? p->last.p_miner : NAN);
				n++;
			}
	return n;
}

const struct pp_agent_opts *agent_opts(const struct pp_agent *a)
{
	return &a->o;
}

const struct pp_model *agent_model(const struct pp_agent *a)
{
	return a->m;
}
