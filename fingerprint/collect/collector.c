/* The collector session: attaches the chosen backends to a target (a pid or a command we
 * start), and cuts their counts into windows. */
#define _GNU_SOURCE /* process_vm_readv, pipe2 */
#include "fingerprint/collect/collector.h"
#include "core/clock.h"
#include "core/suggest.h"
#include "core/why.h"

#include <powprint/opts.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/perf_event.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define MAX_POLLFDS 256

struct active {
	const struct pp_backend_ops *ops;
	void *priv;
};

struct pp_collector {
	struct pp_collect_opts opts;
	char events[1024];
	struct pp_target tgt;
	struct active b[PP_BACKEND_MAX];
	int nb;
	char names[128];           /* backends in use, comma-separated */
	int pidfd;                 /* -1 when pidfd_open is unavailable */
	double t0;                 /* monotonic seconds at open */
	double win_start, deadline;
	uint64_t index;
	bool exited;               /* the target has exited */
	bool done;                 /* its last window has been returned */
	int exit_status;
};

static void warn_cb(const struct pp_backend_ctx *ctx, const char *fmt, ...)
{
	const struct pp_collector *c = ctx->warn_ctx;
	if (!c)
		return;
	va_list ap;
	va_start(ap, fmt);
	pp_vsay(c->opts.warn, c->opts.warn_arg, fmt, ap);
	va_end(ap);
}

int pp_collector_probe(struct pp_backend_status *st, int max)
{
	int n = pp_backend_count();
	for (int i = 0; i < n && i < max; i++) {
		const struct pp_backend_ops *ops = pp_backend_table[i].ops;
		struct pp_backend_status *s = &st[i];
		memset(s, 0, sizeof(*s));
		s->name = ops->name;
		s->summary = ops->summary;
		s->err = ops->probe(s->why, sizeof(s->why));
		s->available = s->err == 0;
	}
	return n;
}

static const char *backend_name(size_t i, const void *ctx)
{
	(void)ctx;
	return pp_backend_name((int)i);
}

/* Parses the backends list into want[] (by table index); explicit[] marks named ones. */
static int parse_backends(const char *list, bool *want, bool *explicit, char *why, size_t len)
{
	int n = pp_backend_count();
	if (!list || !*list) {
		for (int i = 0; i < n; i++)
			want[i] = true;
		return 0;
	}
	for (const char *p = list; *p;) {
		size_t l = strcspn(p, ",");
		if (l) {
			int i = pp_backend_find(p, l);
			if (i < 0) {
				char valid[128], name[64];
				snprintf(name, sizeof(name), "%.*s", (int)l, p);
				const char *near = pp_suggest(name, backend_name, (size_t)n, NULL);
				pp_why(why, len, 0, "unknown backend '%s'%s%s%s valid backends: %s",
				       name, near ? "; did you mean '" : ";", near ? near : "",
				       near ? "'?" : "",
				       pp_backend_list(valid, sizeof(valid), ", "));
				return -ENOENT;
			}
			want[i] = explicit[i] = true;
		}
		p += l;
		if (*p == ',')
			p++;
	}
	return 0;
}

/* Lists /proc/PID/task until two passes agree, so a thread created while we list is seen;
 * threads created after the last pass are covered by inherit from their creator. */
static int list_tasks(struct pp_target *t, unsigned max_tasks)
{
	char path[64];
	snprintf(path, sizeof(path), "/proc/%d/task", (int)t->pid);
	int prev = -1;
	for (int pass = 0; pass < 5; pass++) {
		DIR *d = opendir(path);
		if (!d)
			return errno == ENOENT ? -ESRCH : -errno;
		int n = 0, cap = t->ntids > 16 ? t->ntids : 16;
		pid_t *tids = malloc((size_t)cap * sizeof(*tids));
		if (!tids) {
			closedir(d);
			return -ENOMEM;
		}
		struct dirent *de;
		while ((de = readdir(d))) {
			if (de->d_name[0] < '0' || de->d_name[0] > '9')
				continue;
			if (n == cap) {
				cap *= 2;
				pid_t *nt = realloc(tids, (size_t)cap * sizeof(*tids));
				if (!nt) {
					free(tids);
					closedir(d);
					return -ENOMEM;
				}
				tids = nt;
			}
			tids[n++] = (pid_t)atoi(de->d_name);
		}
		closedir(d);
		free(t->tids);
		t->tids = tids;
		t->ntids = n;
		if (n == 0)
			return -ESRCH;
		if (n == prev)
			break;
		prev = n;
	}
	if (max_tasks && (unsigned)t->ntids > max_tasks)
		t->ntids = (int)max_tasks;
	return 0;
}

static void close_backends(struct pp_collector *c)
{
	for (int i = 0; i < c->nb; i++) {
		c->b[i].ops->close(c->b[i].priv);
		free(c->b[i].priv);
	}
	c->nb = 0;
}

static int open_backends(struct pp_collector *c, char *why, size_t why_len)
{
	bool want[PP_BACKEND_MAX] = { 0 }, explicit[PP_BACKEND_MAX] = { 0 };
	int err = parse_backends(c->opts.backends, want, explicit, why, why_len);
	if (err)
		return err;
	int first_err = 0;
	char first_why[600] = "";

	for (int i = 0; i < pp_backend_count(); i++) {
		const struct pp_backend_ops *ops = pp_backend_table[i].ops;
		bool must = explicit[i] || (ops == &pp_backend_perf_hw && c->opts.events);
		if (!want[i] && !must)
			continue;
		char bwhy[512] = "";
		err = ops->probe(bwhy, sizeof(bwhy));
		if (!err) {
			void *priv = calloc(1, ops->priv_size);
			if (!priv)
				return -ENOMEM;
			struct pp_backend_ctx ctx = {
				.tgt = &c->tgt, .opts = &c->opts, .why = bwhy, .why_len = sizeof(bwhy),
				.warn = warn_cb, .warn_ctx = c,
			};
			err = ops->open(priv, &ctx);
			if (err) {
				free(priv);
			} else {
				c->b[c->nb++] = (struct active){ ops, priv };
				snprintf(c->names + strlen(c->names), sizeof(c->names) - strlen(c->names),
					 "%s%s", c->nb > 1 ? "," : "", ops->name);
				continue;
			}
		}
		if (must) {
			pp_why(why, why_len, 0, "%s: %s", ops->name, bwhy);
			return err;
		}
		pp_say(c->opts.warn, c->opts.warn_arg, "%s not used: %s", ops->name, bwhy);
		if (!first_err || (first_err == -ENODEV && err != -ENODEV)) {
			first_err = err; /* a permission problem says more than a missing PMU */
			snprintf(first_why, sizeof(first_why), "%s: %s", ops->name, bwhy);
		}
	}
	if (!c->nb) {
		pp_why(why, why_len, 0, "no collector backend could be opened; %s", first_why);
		return first_err ? first_err : -ENODEV;
	}
	return 0;
}

static int enable_backends(struct pp_collector *c, char *why, size_t why_len)
{
	for (int i = 0; i < c->nb; i++) {
		int err = c->b[i].ops->enable(c->b[i].priv, true);
		if (err) {
			pp_why(why, why_len, 0, "%s: enabling counters failed: %s", c->b[i].ops->name,
				strerror(-err));
			return err;
		}
	}
	return 0;
}

int pp_collect_opts_check(const struct pp_collect_opts *opts, char *why, size_t why_len)
{
	if (why && why_len)
		why[0] = '\0';
	if (!opts)
		return 0;
	unsigned iv = PP_OPTS_GET(opts, pp_collect_opts, interval_ms, 0);
	unsigned hz = PP_OPTS_GET(opts, pp_collect_opts, sample_hz, 0);
	if (iv && (iv < PP_INTERVAL_MIN_MS || iv > 3600 * 1000)) {
		pp_why(why, why_len, 0, "the interval must be from %d ms to 1 hour, not %u ms",
			PP_INTERVAL_MIN_MS, iv);
		return -EINVAL;
	}
	if (hz > 100000) {
		pp_why(why, why_len, 0, "the sample rate must be at most 100000 Hz, not %u", hz);
		return -EINVAL;
	}
	unsigned sc = PP_OPTS_GET(opts, pp_collect_opts, syscall_sample_pct, 0);
	if (sc > 100) {
		pp_why(why, why_len, 0, "the share of time syscalls are counted is a percentage, "
		       "not %u", sc);
		return -EINVAL;
	}
	bool want[PP_BACKEND_MAX] = { 0 }, explicit[PP_BACKEND_MAX] = { 0 };
	int err = parse_backends(PP_OPTS_GET(opts, pp_collect_opts, backends, NULL), want,
				 explicit, why, why_len);
	if (err)
		return err;
	const char *ev = PP_OPTS_GET(opts, pp_collect_opts, events, NULL);
	bool kernel = PP_OPTS_GET(opts, pp_collect_opts, kernel, false);
	if (ev) {
		char name[256];
		for (const char *p = ev; *p;) {
			size_t l = strcspn(p, ",");
			if (l && l < sizeof(name)) {
				memcpy(name, p, l);
				name[l] = '\0';
				struct perf_event_attr a;
				err = pp_pfm_encode(name, kernel, &a, why, why_len);
				if (err)
					return err;
			}
			p += l;
			if (*p == ',')
				p++;
		}
	}
	return 0;
}

static int new_collector(const struct pp_collect_opts *opts, struct pp_collector **out,
			 char *why, size_t why_len)
{
	int err = pp_collect_opts_check(opts, why, why_len);
	if (err)
		return err;
	struct pp_collector *c = calloc(1, sizeof(*c));
	if (!c)
		return -ENOMEM;
	if (opts)
		memcpy(&c->opts, opts, opts->sz < sizeof(c->opts) ? opts->sz : sizeof(c->opts));
	c->opts.sz = sizeof(c->opts);
	if (!c->opts.interval_ms)
		c->opts.interval_ms = PP_INTERVAL_DEFAULT_MS;
	if (!c->opts.sample_hz)
		c->opts.sample_hz = PP_SAMPLE_HZ_DEFAULT;
	if (c->opts.events) { /* keep our own copy: the caller's string may go away */
		snprintf(c->events, sizeof(c->events), "%s", c->opts.events);
		c->opts.events = c->events[0] ? c->events : NULL;
	}
	c->pidfd = -1;
	c->exit_status = -1;
	*out = c;
	return 0;
}

static void start_windows(struct pp_collector *c)
{
	c->t0 = pp_clock_mono_s();
	c->win_start = c->t0;
	c->deadline = c->t0 + c->opts.interval_ms / 1000.0;
	c->opts.backends = NULL; /* the caller's string is not ours to keep */
}

static int open_pidfd(pid_t pid)
{
#ifdef SYS_pidfd_open
	long fd = syscall(SYS_pidfd_open, pid, 0);
	return fd < 0 ? -1 : (int)fd;
#else
	(void)pid;
	return -1;
#endif
}

int pp_collector_open_pid(pid_t pid, const struct pp_collect_opts *opts,
			  struct pp_collector **out, char *why, size_t why_len)
{
	if (why && why_len)
		why[0] = '\0';
	if (pid <= 0) {
		pp_why(why, why_len, 0, "invalid pid %d", (int)pid);
		return -EINVAL;
	}
	struct pp_collector *c;
	int err = new_collector(opts, &c, why, why_len);
	if (err)
		return err;
	c->tgt.pid = pid;
	c->pidfd = open_pidfd(pid);
	err = list_tasks(&c->tgt, c->opts.max_tasks);
	if (err) {
		if (err == -ESRCH)
			/* The caller names the pid: these say what is wrong with it. */
			pp_why(why, why_len, 0, "it does not exist (it exited or never existed)");
		else
			pp_why(why, why_len, 0, "cannot list its threads: %s", strerror(-err));
		pp_collector_close(c);
		return err;
	}
	err = open_backends(c, why, why_len);
	if (!err)
		err = enable_backends(c, why, why_len);
	if (err) {
		pp_collector_close(c);
		return err;
	}
	start_windows(c);
	*out = c;
	return 0;
}

int pp_collector_open_cmd(char *const argv[], const struct pp_collect_opts *opts,
			  struct pp_collector **out, char *why, size_t why_len)
{
	if (why && why_len)
		why[0] = '\0';
	if (!argv || !argv[0]) {
		pp_why(why, why_len, 0, "no command given");
		return -EINVAL;
	}
	struct pp_collector *c;
	int err = new_collector(opts, &c, why, why_len);
	if (err)
		return err;

	/* go: the child waits on it until the counters are attached; execerr: close-on-exec, so
	 * EOF means exec succeeded and 4 bytes are the errno of a failed exec. */
	int go[2], execerr[2];
	if (pipe2(go, O_CLOEXEC) < 0) {
		err = -errno;
		free(c);
		return err;
	}
	if (pipe2(execerr, O_CLOEXEC) < 0) {
		err = -errno;
		close(go[0]);
		close(go[1]);
		free(c);
		return err;
	}
	pid_t pid = fork();
	if (pid < 0) {
		err = -errno;
		close(go[0]); close(go[1]); close(execerr[0]); close(execerr[1]);
		pp_why(why, why_len, 0, "cannot start '%s': fork failed: %s", argv[0], strerror(-err));
		free(c);
		return err;
	}
	if (pid == 0) {
		char ch;
		close(go[1]);
		close(execerr[0]);
		if (read(go[0], &ch, 1) != 1)
			_exit(127); /* the collector gave up */
		if (c->opts.child_stdout > 0 && dup2(c->opts.child_stdout, STDOUT_FILENO) < 0)
			_exit(127);
		execvp(argv[0], argv);
		int e = errno;
		if (write(execerr[1], &e, sizeof(e)) < 0)
			_exit(127);
		_exit(127);
	}
	close(go[0]);
	close(execerr[1]);
	c->tgt.pid = pid;
	c->tgt.is_child = true;
	c->pidfd = open_pidfd(pid);
	err = list_tasks(&c->tgt, c->opts.max_tasks);
	if (!err)
		err = open_backends(c, why, why_len);
	if (!err)
		err = enable_backends(c, why, why_len);
	if (!err) {
		if (write(go[1], "g", 1) != 1)
			err = -errno;
	}
	close(go[1]); /* on error the child sees EOF and exits */
	if (!err) {
		int e = 0;
		ssize_t k;
		do
			k = read(execerr[0], &e, sizeof(e));
		while (k < 0 && errno == EINTR);
		if (k == (ssize_t)sizeof(e)) {
			err = -e;
			pp_why(why, why_len, 0, "cannot run '%s': %s", argv[0], strerror(e));
		}
	}
	close(execerr[0]);
	if (err) {
		pp_collector_close(c);
		return err;
	}
	start_windows(c); /* count windows from the exec, not from the setup */
	*out = c;
	return 0;
}

/* Whether the target has exited, without reaping a child (procfs still wants to read it). */
static bool target_gone(struct pp_collector *c)
{
	if (c->exited)
		return true;
	if (c->tgt.is_child) {
		siginfo_t si;
		memset(&si, 0, sizeof(si));
		int r = waitid(P_PID, (id_t)c->tgt.pid, &si, WEXITED | WNOHANG | WNOWAIT);
		if ((r == 0 && si.si_pid == c->tgt.pid) || (r < 0 && errno == ECHILD))
			c->exited = true;
		return c->exited;
	}
	if (c->pidfd >= 0) {
		/* Readable once the whole thread group has exited (zombie or reaped): one cheap
		 * syscall, where /proc would be an open, a read and a close. */
		struct pollfd pf = { .fd = c->pidfd, .events = POLLIN };
		if (poll(&pf, 1, 0) == 1)
			c->exited = true;
		return c->exited;
	}
	if (kill(c->tgt.pid, 0) < 0 && errno == ESRCH) {
		c->exited = true;
		return true;
	}
	/* A zombie still answers kill(); its state says it is gone. */
	char path[64], buf[256];
	snprintf(path, sizeof(path), "/proc/%d/stat", (int)c->tgt.pid);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		c->exited = true;
		return true;
	}
	ssize_t k = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (k > 0) {
		buf[k] = '\0';
		char *p = strrchr(buf, ')');
		if (p && (p[2] == 'Z' || p[2] == 'X'))
			c->exited = true;
	}
	return c->exited;
}

static void service_all(struct pp_collector *c, const struct pollfd *fds, const int *off,
			const int *cnt)
{
	for (int i = 0; i < c->nb; i++)
		if (c->b[i].ops->service)
			c->b[i].ops->service(c->b[i].priv, fds ? fds + off[i] : NULL,
					     fds ? cnt[i] : 0);
}

/* Waits for the deadline or the target's exit, draining ring buffers as they fill. */
static int wait_window(struct pp_collector *c)
{
	struct pollfd fds[MAX_POLLFDS];
	for (;;) {
		/* With a pidfd, poll() below says when the target exits. */
		if (c->exited || (c->pidfd < 0 && target_gone(c)))
			return 0;
		double left = c->deadline - pp_clock_mono_s();
		if (left <= 0)
			return 0;
		int n = 0, off[PP_BACKEND_MAX] = { 0 }, cnt[PP_BACKEND_MAX] = { 0 };
		if (c->pidfd >= 0)
			fds[n++] = (struct pollfd){ .fd = c->pidfd, .events = POLLIN };
		for (int i = 0; i < c->nb; i++) {
			off[i] = n;
			if (c->b[i].ops->pollfds)
				n += cnt[i] = c->b[i].ops->pollfds(c->b[i].priv, fds + n,
								   MAX_POLLFDS - n);
		}
		int ms = (int)(left * 1000.0 + 0.999);
		if (c->pidfd < 0 && ms > 50)
			ms = 50; /* no pidfd: notice the exit by polling */
		int r = poll(fds, (nfds_t)n, ms);
		if (r < 0) {
			if (errno == EINTR)
				return -EINTR;
			return -errno;
		}
		if (c->pidfd >= 0 && (fds[0].revents & POLLIN))
			c->exited = true;
		service_all(c, fds, off, cnt);
	}
}

static int finish_window(struct pp_collector *c, struct pp_window *w, bool on_demand)
{
	if (c->done)
		return -ESRCH;
	bool gone = target_gone(c);
	double end = pp_clock_mono_s();
	memset(w, 0, offsetof(struct pp_window, counts));
	w->index = c->index++;
	w->start_s = c->win_start - c->t0;
	w->end_s = end - c->t0;
	w->start_unix = pp_clock_unix_s() - (end - c->win_start);
	w->tasks = c->tgt.ntids;
	w->partial = on_demand || gone;
	w->target_exited = gone;
	for (int i = 0; i < c->nb; i++)
		c->b[i].ops->read(c->b[i].priv, w);

	/* task-clock normalises every feature: perf-sw if present, else scheduler run time. */
	pp_window_task_clock(w);

	if (gone) {
		c->done = true;
		if (c->tgt.is_child && c->exit_status < 0) {
			int st;
			if (waitpid(c->tgt.pid, &st, 0) == c->tgt.pid)
				c->exit_status = st;
		}
	}
	c->win_start = end;
	c->deadline += c->opts.interval_ms / 1000.0;
	if (c->deadline < end) /* we fell behind (a stopped caller): restart the cadence */
		c->deadline = end + c->opts.interval_ms / 1000.0;
	return 0;
}

int pp_collector_read(struct pp_collector *c, struct pp_window *w)
{
	if (c->done)
		return -ESRCH;
	int err = wait_window(c);
	if (err)
		return err;
	return finish_window(c, w, false);
}

int pp_collector_read_now(struct pp_collector *c, struct pp_window *w)
{
	return finish_window(c, w, true);
}

int pp_collector_pause(struct pp_collector *c, bool pause)
{
	int err = 0;
	for (int i = 0; i < c->nb; i++) {
		int e = c->b[i].ops->enable(c->b[i].priv, !pause);
		err = err ? err : e;
	}
	return err;
}

const char *pp_collector_backends(const struct pp_collector *c)
{
	return c->names;
}

pid_t pp_collector_pid(const struct pp_collector *c)
{
	return c->tgt.pid;
}

int pp_collector_exit_status(const struct pp_collector *c)
{
	return c->exit_status;
}

void pp_collector_close(struct pp_collector *c)
{
	if (!c)
		return;
	close_backends(c);
	if (c->tgt.is_child && c->exit_status < 0) {
		kill(c->tgt.pid, SIGKILL);
		int st;
		while (waitpid(c->tgt.pid, &st, 0) < 0 && errno == EINTR)
			;
	}
	if (c->pidfd >= 0)
		close(c->pidfd);
	free(c->tgt.tids);
	free(c);
}
