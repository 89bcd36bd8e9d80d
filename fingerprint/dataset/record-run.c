#define _GNU_SOURCE /* pipe2 */
/* One recording run: a catalog workload in a forked child (so it is its own process, as a
 * real miner or service would be), or an external command or process, with the collectors
 * attached once the workload's setup is done. Windows are kept in memory until the run has
 * finished and verified, so a failed or interrupted run leaves no rows behind. */
#include "fingerprint/dataset/record-priv.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* How long a workload's setup may take before the run is abandoned (rx/0 fast builds a
 * 2 GiB dataset: minutes on 2 cores). */
#define SETUP_TIMEOUT_S 900

struct winbuf {
	struct pp_window *w;
	int n, cap;
};

static int winbuf_push(struct winbuf *b, const struct pp_window *w)
{
	if (b->n == b->cap) {
		int cap = b->cap ? 2 * b->cap : 16;
		struct pp_window *nw = realloc(b->w, (size_t)cap * sizeof(*nw));
		if (!nw)
			return -ENOMEM;
		b->w = nw;
		b->cap = cap;
	}
	b->w[b->n++] = *w;
	return 0;
}

static int flush_windows(struct rec_sink *sink, const struct rec_labels *lab, struct winbuf *b)
{
	for (int i = 0; i < b->n; i++) {
		int err = rec_sink_add(sink, lab, &b->w[i]);
		if (err)
			return err;
	}
	return 0;
}

static bool stopped(const struct pp_record_opts *o)
{
	return o->stop && *o->stop;
}

/* ---- the child ---- */

static void child_started(void *arg, const struct pp_workload *w, pid_t pid, pid_t child)
{
	(void)w;
	dprintf(*(int *)arg, "R %d %d\n", (int)pid, (int)child);
}

static _Noreturn void child_main(const struct rec_run *r, double seconds, int fd,
				  pid_t recorder)
{
	signal(SIGINT, SIG_DFL);
	signal(SIGTERM, SIG_DFL);
	/* A recorder that is SIGKILLed cannot kill its worker: the kernel does, and a recorder
	 * that died before this line is noticed here. */
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (getppid() != recorder)
		_exit(1);
	int devnull = open("/dev/null", O_WRONLY);
	if (devnull >= 0)
		dup2(devnull, STDOUT_FILENO);

	char pages[32];
	snprintf(pages, sizeof(pages), "huge-pages=%s", r->pages);
	const char *params[3] = { NULL };
	int np = 0;
	if (r->soft_aes)
		params[np++] = "soft-aes";
	if (strcmp(r->pages, "auto")) /* only miners plan other page policies */
		params[np++] = pages;
	struct pp_workload_run_opts ro = {
		.sz = sizeof(ro), .seconds = seconds, .threads = r->threads, .duty_pct = r->duty,
		.params = params, .started = child_started, .started_arg = &fd,
	};
	struct pp_workload_result res;
	int rc = pp_workload_run(r->w, &ro, &res);
	if (rc && rc != -EBADMSG)
		dprintf(fd, "E %s\n", res.error[0] ? res.error : strerror(-rc));
	else
		dprintf(fd, "V %d %.6g %s %s\n", res.verified, res.rate, res.unit,
			res.verify_msg);
	_exit(rc ? 1 : 0);
}

/* ---- the parent ---- */

/* Reads one line from the child's pipe, waiting up to timeout_s (checking for a stop).
 * Returns its length, 0 at EOF, -ETIMEDOUT or -EINTR. */
static int read_line(int fd, char *buf, size_t len, double timeout_s,
		     const struct pp_record_opts *o)
{
	size_t n = 0;
	struct timespec t0;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	while (n + 1 < len) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		int pr = poll(&p, 1, 250);
		if (stopped(o))
			return -EINTR;
		if (pr == 0) {
			struct timespec t;
			clock_gettime(CLOCK_MONOTONIC, &t);
			if (t.tv_sec - t0.tv_sec + (t.tv_nsec - t0.tv_nsec) * 1e-9 > timeout_s)
				return -ETIMEDOUT;
			continue;
		}
		if (pr < 0 && errno == EINTR)
			continue;
		char c;
		ssize_t k = read(fd, &c, 1);
		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			break;
		if (c == '\n')
			break;
		buf[n++] = c;
	}
	buf[n] = '\0';
	return (int)n;
}

static void reap(pid_t pid, bool kill_it)
{
	if (kill_it)
		kill(pid, SIGKILL);
	while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
		;
}

/* Reads windows from c into b until `want` windows (0 = until the target exits) or a stop. */
static int collect_windows(struct pp_collector *c, int want, struct winbuf *b,
			   struct rec_sink *sink, double seconds, bool *exited)
{
	struct pp_window *w = malloc(sizeof(*w));
	if (!w)
		return -ENOMEM;
	int err = 0;
	*exited = false;
	while (!want || b->n < want) {
		if (stopped(sink->o)) {
			err = -EINTR;
			break;
		}
		int rc = pp_collector_read(c, w);
		if (rc == -EINTR)
			continue;
		if (rc == -ESRCH) {
			*exited = true;
			break;
		}
		if (rc < 0) {
			err = rc;
			break;
		}
		if ((err = winbuf_push(b, w)))
			break;
		if (sink->on_window)
			sink->on_window(sink, w, seconds);
		if (w->target_exited) {
			*exited = true;
			break;
		}
	}
	free(w);
	return err;
}

int rec_run_catalog(const struct rec_run *r, const struct rec_labels *lab,
		    const struct pp_collect_opts *co, double seconds, struct rec_sink *sink,
		    struct rec_outcome *out)
{
	memset(out, 0, sizeof(*out));
	int pfd[2];
	if (pipe2(pfd, O_CLOEXEC) < 0)
		return -errno;
	fflush(NULL);
	/* The child works a little longer than we count, so that every counted window is full
	 * (windows are timed from the attach, just after the child reports it has started). */
	double child_s = seconds + fmax(0.5, co->interval_ms / 1000.0);
	pid_t self = getpid();
	pid_t pid = fork();
	if (pid < 0) {
		int err = -errno;
		close(pfd[0]);
		close(pfd[1]);
		return err;
	}
	if (pid == 0) {
		close(pfd[0]);
		child_main(r, child_s, pfd[1], self);
	}
	close(pfd[1]);

	char line[512];
	struct winbuf b = { 0 };
	struct pp_collector *c = NULL;
	bool kill_child = true;
	int err = read_line(pfd[0], line, sizeof(line), SETUP_TIMEOUT_S, sink->o);
	int wpid = 0, wchild = 0;
	if (err == -EINTR)
		goto out;
	if (err == -ETIMEDOUT) {
		snprintf(out->status, sizeof(out->status), "setup took longer than %d s",
			 SETUP_TIMEOUT_S);
		err = 0;
		goto out;
	}
	if (sscanf(line, "R %d %d", &wpid, &wchild) != 2) {
		snprintf(out->status, sizeof(out->status), "did not start: %.250s",
			 line[0] == 'E' ? line + 2 : "the child exited during setup");
		err = 0;
		goto out;
	}

	char why[512] = "";
	err = pp_collector_open_pid(wchild > 0 ? wchild : wpid, co, &c, why, sizeof(why));
	if (err) {
		snprintf(out->status, sizeof(out->status), "could not attach: %.280s",
			 why[0] ? why : strerror(-err));
		goto out;
	}
	int want = (int)ceil(seconds * 1000.0 / co->interval_ms);
	bool exited;
	err = collect_windows(c, want, &b, sink, seconds, &exited);
	pp_collector_close(c);
	c = NULL;
	if (err)
		goto out;
	if (b.n < want) {
		snprintf(out->status, sizeof(out->status),
			 "the workload exited after %d of %d windows", b.n, want);
		goto out;
	}

	/* Verification: the workload's own known-answer check, after its measured phase. */
	int k = read_line(pfd[0], line, sizeof(line), child_s + 120, sink->o);
	if (k == -EINTR) {
		err = -EINTR;
		goto out;
	}
	int verified = 0;
	char unit[16] = "";
	int used = 0;
	if (k > 0 && sscanf(line, "V %d %lf %15s %n", &verified, &out->rate, unit, &used) >= 3) {
		out->verified = verified;
		snprintf(out->unit, sizeof(out->unit), "%s", unit);
		kill_child = false;
		if (!verified) {
			snprintf(out->status, sizeof(out->status), "verify failed: %.280s", line + used);
			goto out;
		}
	} else {
		snprintf(out->status, sizeof(out->status), "no result from the workload: %.250s",
			 k > 0 ? line : "it exited without one");
		goto out;
	}
	err = flush_windows(sink, lab, &b);
	if (!err) {
		out->ok = true;
		out->windows = b.n;
		snprintf(out->status, sizeof(out->status), "ok");
	}
out:
	if (c)
		pp_collector_close(c);
	close(pfd[0]);
	reap(pid, kill_child);
	free(b.w);
	return err;
}

int rec_run_external(const struct pp_record_opts *o, const struct rec_labels *lab,
		     const struct pp_collect_opts *co, struct rec_sink *sink,
		     struct rec_outcome *out)
{
	memset(out, 0, sizeof(*out));
	char why[512] = "";
	struct pp_collector *c;
	int err = o->cmd ? pp_collector_open_cmd(o->cmd, co, &c, why, sizeof(why))
			 : pp_collector_open_pid(o->pid, co, &c, why, sizeof(why));
	if (err) {
		if (o->cmd)
			snprintf(out->status, sizeof(out->status), "%.300s", why[0] ? why : strerror(-err));
		else
			snprintf(out->status, sizeof(out->status), "cannot attach to pid %d: %.280s",
				 (int)o->pid, why[0] ? why : strerror(-err));
		return err;
	}
	int want = o->seconds > 0 ? (int)ceil(o->seconds * 1000.0 / co->interval_ms) : 0;
	struct winbuf b = { 0 };
	bool exited;
	err = collect_windows(c, want, &b, sink, o->seconds, &exited);
	int status = pp_collector_exit_status(c);
	pp_collector_close(c);
	if (!err && b.n == 0)
		snprintf(out->status, sizeof(out->status),
			 "no window was recorded: the target exited at once");
	else if (!err)
		err = flush_windows(sink, lab, &b);
	if (!err && b.n) {
		out->ok = true;
		out->windows = b.n;
		if (o->cmd && status >= 0 && WIFEXITED(status) && WEXITSTATUS(status))
			snprintf(out->status, sizeof(out->status), "ok (the command exited with %d)",
				 WEXITSTATUS(status));
		else
			snprintf(out->status, sizeof(out->status), "ok");
	}
	free(b.w);
	return err;
}
