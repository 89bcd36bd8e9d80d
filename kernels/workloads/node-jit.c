/* node-jit: CPU-heavy JavaScript in a Node.js child process (V8's JIT: generated code in
 * anonymous executable memory, which is also where RandomX miners' JIT code runs). Each
 * round the child prints the number of primes below a million and fib(25); both are known.
 * Collectors must attach to the child: its pid is reported when the measured phase starts. */
#define _GNU_SOURCE /* pipe2 */
#include "kernels/workloads/wl.h"
#include "core/clock.h"

#include <fcntl.h>

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#define PRIMES_BELOW_1M 78498 /* pi(10^6) */
#define FIB25 75025

static const char script[] =
	"'use strict';"
	"function sieve(n){const c=new Uint8Array(n+1);let k=0;"
	"for(let i=2;i<=n;i++){if(!c[i]){k++;for(let j=i*i;j<=n;j+=i)c[j]=1;}}return k;}"
	"function fib(n){return n<2?n:fib(n-1)+fib(n-2);}"
	"for(;;){process.stdout.write(sieve(1000000)+' '+fib(25)+'\\n');}";

struct nj {
	pid_t pid;
	int fd;
	char buf[4096];
	size_t have;
	uint64_t rounds, wrong;
	long last_primes, last_fib;
	bool stopped;
};

/* Finds an executable `node` (or Debian's older `nodejs`) on PATH. */
static bool find_node(char *out, size_t len)
{
	const char *path = getenv("PATH");
	if (!path || !*path)
		path = "/usr/local/bin:/usr/bin:/bin";
	static const char *const names[] = { "node", "nodejs" };
	for (int n = 0; n < 2; n++)
		for (const char *p = path; *p;) {
			const char *colon = strchr(p, ':');
			size_t dl = colon ? (size_t)(colon - p) : strlen(p);
			snprintf(out, len, "%.*s/%s", (int)dl, p, names[n]);
			if (dl && access(out, X_OK) == 0)
				return true;
			p += dl + (colon ? 1 : 0);
		}
	return false;
}

static int nj_supported(const struct pp_workload *w, char *why, size_t len)
{
	(void)w;
	char node[4096];
	if (find_node(node, sizeof(node)))
		return 0;
	snprintf(why, len, "no 'node' or 'nodejs' on PATH: install Debian's nodejs package "
		 "(scripts/bootstrap does)");
	return -ENOENT;
}

/* Reads whatever the child printed within timeout_ms; counts and checks complete lines.
 * Returns the number of rounds read, or -1 when the child is gone. */
static int pump(struct nj *s, int timeout_ms)
{
	struct pollfd pfd = { s->fd, POLLIN, 0 };
	int pr = poll(&pfd, 1, timeout_ms);
	if (pr < 0)
		return errno == EINTR ? 0 : -1;
	if (pr == 0)
		return 0;
	ssize_t k = read(s->fd, s->buf + s->have, sizeof(s->buf) - 1 - s->have);
	if (k <= 0)
		return -1;
	s->have += (size_t)k;
	s->buf[s->have] = '\0';
	int rounds = 0;
	char *line = s->buf, *nl;
	while ((nl = strchr(line, '\n'))) {
		*nl = '\0';
		long p = -1, f = -1;
		if (sscanf(line, "%ld %ld", &p, &f) != 2)
			p = f = -1;
		s->last_primes = p;
		s->last_fib = f;
		s->wrong += p != PRIMES_BELOW_1M || f != FIB25;
		s->rounds++;
		rounds++;
		line = nl + 1;
	}
	s->have -= (size_t)(line - s->buf);
	memmove(s->buf, line, s->have);
	if (s->have == sizeof(s->buf) - 1)
		s->have = 0; /* not our output: drop it (counted as no round) */
	return rounds;
}

static int nj_setup(struct wl_ctx *ctx)
{
	struct nj *s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	ctx->priv = s;
	s->fd = -1;
	char node[4096];
	if (!find_node(node, sizeof(node)))
		return wl_fail(ctx, -ENOENT, "node-jit: no node on PATH");
	int p[2];
	if (pipe2(p, O_CLOEXEC))
		return wl_fail(ctx, -errno, "node-jit: pipe: %s", strerror(errno));
	char *const argv[] = { node, "-e", (char *)script, NULL };
	pid_t parent = getpid();
	s->pid = fork();
	if (s->pid == 0) {
		/* Only async-signal-safe calls until exec. The child dies with us, even when we
		 * are killed outright, so no node is left computing on its own. */
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (getppid() != parent)
			_exit(127);
		dup2(p[1], STDOUT_FILENO);
		execv(node, argv);
		_exit(127);
	}
	int err = errno;
	close(p[1]);
	if (s->pid < 0) {
		close(p[0]);
		s->pid = 0;
		return wl_fail(ctx, -err, "node-jit: cannot start %s: %s", node, strerror(err));
	}
	s->fd = p[0];
	ctx->child_pid = s->pid;
	if (ctx->nice && setpriority(PRIO_PROCESS, (id_t)s->pid, ctx->nice))
		return wl_fail(ctx, -errno, "node-jit: cannot set nice %d on the child: %s",
			       ctx->nice, strerror(errno));
	/* Wait for the first round so node's start-up stays out of the measured phase. */
	double t0 = pp_clock_mono_s();
	while (!s->rounds) {
		if (pump(s, 100) < 0)
			return wl_fail(ctx, -ECHILD, "node-jit: %s exited before its first round", node);
		if (pp_clock_mono_s() - t0 > 20)
			return wl_fail(ctx, -ETIMEDOUT, "node-jit: no output from %s in 20 s", node);
	}
	s->rounds = 0;
	snprintf(ctx->detail, ctx->detaillen, "%s, child pid %d; a round = sieve(1e6) + fib(25)",
		 node, (int)s->pid);
	return 0;
}

static int nj_run(struct wl_ctx *ctx, int t, double *work)
{
	(void)t;
	struct nj *s = ctx->priv;
	int r = pump(s, 20);
	if (r < 0)
		return wl_fail(ctx, -ECHILD, "node-jit: the node child (pid %d) exited", (int)s->pid);
	*work += r;
	return 0;
}

static void nj_pause(struct wl_ctx *ctx)
{
	struct nj *s = ctx->priv;
	kill(s->pid, SIGSTOP);
}

static void nj_resume(struct wl_ctx *ctx)
{
	struct nj *s = ctx->priv;
	kill(s->pid, SIGCONT);
}

static int nj_verify(struct wl_ctx *ctx, char *msg, size_t len)
{
	struct nj *s = ctx->priv;
	if (s->wrong || (s->rounds && (s->last_primes != PRIMES_BELOW_1M || s->last_fib != FIB25)))
		return wl_bad(msg, len, "node printed %ld primes and fib(25) = %ld (%llu wrong "
			      "rounds); expected %d and %d", s->last_primes, s->last_fib,
			      (unsigned long long)s->wrong, PRIMES_BELOW_1M, FIB25);
	snprintf(msg, len, "every round printed pi(10^6) = %d and fib(25) = %d", PRIMES_BELOW_1M,
		 FIB25);
	return 0;
}

static void nj_corrupt(struct wl_ctx *ctx)
{
	struct nj *s = ctx->priv;
	s->last_primes--;
}

static void nj_teardown(struct wl_ctx *ctx)
{
	struct nj *s = ctx->priv;
	if (!s)
		return;
	if (s->pid > 0) {
		kill(s->pid, SIGKILL);
		kill(s->pid, SIGCONT);
		waitpid(s->pid, NULL, 0);
	}
	if (s->fd >= 0)
		close(s->fd);
	free(s);
}

const struct pp_workload wl_node_jit = {
	.name = "node-jit", .cls = PP_WL_BENIGN, .family = "jit", .quick = true,
	.help = "CPU-heavy JavaScript in a Node.js child (V8 JIT code in anonymous memory)",
	.unit = "rounds/s", .max_threads = 1, .own_threads = true,
	.supported = nj_supported, .setup = nj_setup, .run = nj_run, .pause = nj_pause,
	.resume = nj_resume,
	.verify = nj_verify, .corrupt = nj_corrupt, .teardown = nj_teardown,
};
