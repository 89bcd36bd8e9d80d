/* syscall: a request/response server loop over a Unix socket pair: poll, small reads and
 * writes, an access-log write and a clock read per request (many short system calls, like a
 * proxy or a chat server). Each response is a function of its request, checked on arrival. */
#include "kernels/workloads/wl.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define REQS 256   /* per run() call */

enum { O_MSG };
static const struct pp_workload_opt opts[] = {
	{ "msg", PP_WOPT_SIZE, "BYTES", "64", 16, 65536, NULL, "request and response size" },
	{ 0 },
};

struct sy_thread {
	int client, server, log;
	uint8_t *req, *buf, *resp;
	uint64_t seq, wrong;
	bool fault; /* corrupt(): the server answers wrongly from now on */
};

struct sy {
	size_t msg;
	struct sy_thread *th;
	int nth;
};

/* The service: each response byte is FNV-1a of the request so far, xored with the byte. */
static void serve(const uint8_t *req, uint8_t *resp, size_t n)
{
	uint32_t h = 2166136261u;
	for (size_t i = 0; i < n; i++) {
		h = (h ^ req[i]) * 16777619u;
		resp[i] = (uint8_t)(h ^ req[i]);
	}
}

static bool xfer(int fd, void *p, size_t n, bool wr)
{
	size_t done = 0;
	while (done < n) {
		struct pollfd pfd = { fd, wr ? POLLOUT : POLLIN, 0 };
		if (poll(&pfd, 1, 1000) != 1)
			return false;
		ssize_t k = wr ? write(fd, (uint8_t *)p + done, n - done)
			       : read(fd, (uint8_t *)p + done, n - done);
		if (k <= 0 && !(k < 0 && (errno == EAGAIN || errno == EINTR)))
			return false;
		if (k > 0)
			done += (size_t)k;
	}
	return true;
}

/* One request through the "network": returns 1 for a wrong answer, -1 on an I/O failure. */
static int request(struct sy_thread *th, size_t n)
{
	th->seq++;
	for (size_t i = 0; i < n; i++)
		th->req[i] = (uint8_t)(th->seq >> (8 * (i % 8))) ^ (uint8_t)i;
	if (!xfer(th->client, th->req, n, true) || !xfer(th->server, th->buf, n, false))
		return -1;
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	serve(th->buf, th->buf, n);
	if (th->fault)
		th->buf[0] ^= 1;
	char line[64];
	int ll = snprintf(line, sizeof(line), "%lld.%09ld req %llu %zu\n", (long long)ts.tv_sec,
			  ts.tv_nsec, (unsigned long long)th->seq, n);
	if (write(th->log, line, (size_t)ll) != ll)
		return -1;
	if (!xfer(th->server, th->buf, n, true) || !xfer(th->client, th->resp, n, false))
		return -1;
	uint8_t want[65536];
	serve(th->req, want, n);
	return memcmp(want, th->resp, n) != 0;
}

static int sy_setup(struct wl_ctx *ctx)
{
	struct sy *s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	ctx->priv = s;
	s->msg = (size_t)ctx->opt[O_MSG];
	s->th = calloc((size_t)ctx->threads, sizeof(*s->th));
	if (!s->th)
		return -ENOMEM;
	s->nth = ctx->threads;
	for (int t = 0; t < s->nth; t++)
		s->th[t].client = s->th[t].server = s->th[t].log = -1;
	for (int t = 0; t < s->nth; t++) {
		struct sy_thread *th = &s->th[t];
		int sv[2];
		if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, sv))
			return wl_fail(ctx, -errno, "syscall: socketpair: %s", strerror(errno));
		th->client = sv[0];
		th->server = sv[1];
		th->log = open("/dev/null", O_WRONLY | O_CLOEXEC);
		th->req = malloc(s->msg);
		th->buf = malloc(s->msg);
		th->resp = malloc(s->msg);
		if (th->log < 0 || !th->req || !th->buf || !th->resp)
			return wl_fail(ctx, -ENOMEM, "syscall: cannot open /dev/null or allocate");
	}
	snprintf(ctx->detail, ctx->detaillen, "%zu-byte requests over a Unix socket pair", s->msg);
	return 0;
}

static int sy_run(struct wl_ctx *ctx, int t, double *work)
{
	struct sy *s = ctx->priv;
	struct sy_thread *th = &s->th[t];
	for (int i = 0; i < REQS; i++) {
		int r = request(th, s->msg);
		if (r < 0)
			return wl_fail(ctx, -EIO, "syscall: a socket read or write failed: %s",
				       strerror(errno));
		th->wrong += (uint64_t)r;
	}
	*work += REQS;
	return 0;
}

static int sy_verify(struct wl_ctx *ctx, char *msg, size_t len)
{
	struct sy *s = ctx->priv;
	for (int t = 0; t < s->nth; t++) {
		struct sy_thread *th = &s->th[t];
		if (th->wrong)
			return wl_bad(msg, len, "thread %d: %llu of %llu responses were wrong", t,
				      (unsigned long long)th->wrong, (unsigned long long)th->seq);
		if (request(th, s->msg))
			return wl_bad(msg, len, "thread %d: the check request got a wrong response", t);
	}
	snprintf(msg, len, "every response was FNV-1a of its request");
	return 0;
}

static void sy_corrupt(struct wl_ctx *ctx)
{
	struct sy *s = ctx->priv;
	s->th[0].fault = true;
}

static void sy_teardown(struct wl_ctx *ctx)
{
	struct sy *s = ctx->priv;
	if (!s)
		return;
	for (int t = 0; s->th && t < s->nth; t++) {
		struct sy_thread *th = &s->th[t];
		if (th->client >= 0)
			close(th->client);
		if (th->server >= 0)
			close(th->server);
		if (th->log >= 0)
			close(th->log);
		free(th->req);
		free(th->buf);
		free(th->resp);
	}
	free(s->th);
	free(s);
}

const struct pp_workload wl_syscall = {
	.name = "syscall", .cls = PP_WL_BENIGN, .family = "server", .quick = true,
	.help = "request/response loop over a socket pair: poll, small reads/writes, logging",
	.unit = "req/s", .opts = opts,
	.setup = sy_setup, .run = sy_run,
	.verify = sy_verify, .corrupt = sy_corrupt, .teardown = sy_teardown,
};
