/* The metrics endpoint: libmicrohttpd serving the latest snapshot at GET /metrics, and only
 * that, from a thread of its own (a slow scraper never delays a tick). Anyone who reaches the
 * port may be hostile, so each client is bounded (metrics-priv.h): request size, connections
 * (the oldest half-sent request makes room for a newcomer, so idle sockets cannot lock a
 * scraper out) and a deadline on the whole request, which libmicrohttpd's idle timeout alone
 * does not give (a byte a second is never idle). libmicrohttpd runs in its external-loop
 * mode on epoll so that this thread enforces the deadline between its steps, on connections
 * no other thread closes. */
#define _GNU_SOURCE
#include "core/clock.h"
#include "fingerprint/agent/agent-priv.h"
#include "fingerprint/agent/metrics-priv.h"

#include <arpa/inet.h>
#include <errno.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

/* One client connection, oldest first in the server's list. Touched only by the thread that
 * runs libmicrohttpd (its callbacks and the deadline check between steps). */
struct conn {
	struct conn *prev, *next;
	MHD_socket fd;
	double since;              /* connected, or its previous request answered */
	bool answered;             /* its current request has its answer queued */
	bool dropped;              /* shut down by us; libmicrohttpd closes it next step */
};

struct pp_metrics_server {
	struct MHD_Daemon *d;
	int port;
	pthread_t thread;
	bool threaded;
	atomic_bool stop;
	pthread_mutex_t lock;      /* text, scrapes and st: read by other threads */
	char *text;
	uint64_t scrapes;
	struct metrics_server_stats st;
	struct conn *head, *tail;
	int nconns;
};

unsigned metrics_route(const char *method, const char *url)
{
	/* HEAD is GET without the body (RFC 9110 requires both of a server). */
	if (!method || (strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0))
		return MHD_HTTP_METHOD_NOT_ALLOWED;
	if (!url || strcmp(url, "/metrics") != 0)
		return MHD_HTTP_NOT_FOUND;
	return MHD_HTTP_OK;
}

static void count(struct pp_metrics_server *s, uint64_t *field)
{
	pthread_mutex_lock(&s->lock);
	(*field)++;
	pthread_mutex_unlock(&s->lock);
}

static void drop(struct pp_metrics_server *s, struct conn *c, uint64_t *why)
{
	/* Not close(): libmicrohttpd owns the descriptor and sees the end of it next step. */
	shutdown(c->fd, SHUT_RDWR);
	c->dropped = true;
	count(s, why);
}

static struct conn *conn_of(struct MHD_Connection *mc)
{
	const union MHD_ConnectionInfo *ci =
		MHD_get_connection_info(mc, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
	return ci ? ci->socket_context : NULL;
}

static void on_connection(void *cls, struct MHD_Connection *mc, void **socket_context,
			  enum MHD_ConnectionNotificationCode toe)
{
	struct pp_metrics_server *s = cls;
	struct conn *c = *socket_context;
	if (toe == MHD_CONNECTION_NOTIFY_CLOSED) {
		if (!c)
			return;
		*(c->prev ? &c->prev->next : &s->head) = c->next;
		*(c->next ? &c->next->prev : &s->tail) = c->prev;
		s->nconns--;
		free(c);
		*socket_context = NULL;
		return;
	}
	const union MHD_ConnectionInfo *ci =
		MHD_get_connection_info(mc, MHD_CONNECTION_INFO_CONNECTION_FD);
	c = calloc(1, sizeof(*c));
	if (!c || !ci) {
		free(c);
		return; /* untracked: libmicrohttpd's idle timeout still ends it */
	}
	c->fd = ci->connect_fd;
	c->since = pp_clock_mono_s();
	c->prev = s->tail;
	*(s->tail ? &s->tail->next : &s->head) = c;
	s->tail = c;
	s->nconns++;
	*socket_context = c;
	count(s, &s->st.connections);
	if (s->nconns <= METRICS_CONN_SOFT)
		return;
	/* Full: the oldest connection still sending its request makes room. A scraper's request
	 * is answered as soon as it has arrived, so only slow or silent clients are dropped. */
	for (struct conn *o = s->head; o && o != c; o = o->next)
		if (!o->answered && !o->dropped) {
			drop(s, o, &s->st.evicted);
			break;
		}
}

static void on_completed(void *cls, struct MHD_Connection *mc, void **con_cls,
			 enum MHD_RequestTerminationCode toe)
{
	(void)cls;
	(void)con_cls;
	(void)toe;
	struct conn *c = conn_of(mc);
	if (c) { /* a kept-alive connection's next request gets its own deadline */
		c->since = pp_clock_mono_s();
		c->answered = false;
	}
}

static enum MHD_Result answer(void *cls, struct MHD_Connection *mc, const char *url,
			      const char *method, const char *version, const char *upload,
			      size_t *upload_size, void **con_cls)
{
	struct pp_metrics_server *s = cls;
	(void)version;
	(void)upload;
	(void)con_cls;
	if (*upload_size)
		return MHD_NO; /* a body, after we answered its headers: end the connection */
	struct conn *c = conn_of(mc);
	if (c)
		c->answered = true;
	unsigned code = metrics_route(method, url);
	const char *type = "text/plain; charset=utf-8";
	char *body = NULL;
	if (code == MHD_HTTP_OK) {
		type = "text/plain; version=0.0.4; charset=utf-8";
		pthread_mutex_lock(&s->lock);
		body = strdup(s->text ? s->text : "");
		s->scrapes++;
		pthread_mutex_unlock(&s->lock);
	} else if (code == MHD_HTTP_METHOD_NOT_ALLOWED) {
		count(s, &s->st.refused_method);
		body = strdup("only GET and HEAD of /metrics\n");
	} else {
		count(s, &s->st.not_found);
		body = strdup("not found: the metrics are at /metrics\n");
	}
	if (!body)
		return MHD_NO;
	struct MHD_Response *r = MHD_create_response_from_buffer(strlen(body), body,
								 MHD_RESPMEM_MUST_FREE);
	if (!r) {
		free(body);
		return MHD_NO;
	}
	MHD_add_response_header(r, "Content-Type", type);
	if (code == MHD_HTTP_METHOD_NOT_ALLOWED)
		MHD_add_response_header(r, "Allow", "GET, HEAD");
	enum MHD_Result ret = MHD_queue_response(mc, code, r);
	MHD_destroy_response(r);
	return ret;
}

/* Drops every connection past its deadline. */
static void enforce_deadline(struct pp_metrics_server *s)
{
	double now = pp_clock_mono_s();
	for (struct conn *c = s->head; c; c = c->next)
		if (!c->dropped && now - c->since > METRICS_REQUEST_S)
			drop(s, c, &s->st.timed_out);
}

void metrics_server_step(struct pp_metrics_server *s, int wait_ms)
{
	MHD_run_wait(s->d, wait_ms);
	enforce_deadline(s);
}

static void *serve(void *arg)
{
	struct pp_metrics_server *s = arg;
	/* Wakes at least every 200 ms: to check the deadlines and to see stop. */
	while (!atomic_load(&s->stop))
		metrics_server_step(s, 200);
	return NULL;
}

/* listen_fd < 0: no listen socket. */
static int server_new(int listen_fd, struct pp_metrics_server **out)
{
	struct pp_metrics_server *s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	pthread_mutex_init(&s->lock, NULL);
	atomic_init(&s->stop, false);
	unsigned flags = MHD_USE_EPOLL | (listen_fd < 0 ? MHD_USE_NO_LISTEN_SOCKET : 0);
	/* epoll, not select: the agent may hold more than FD_SETSIZE descriptors. */
	/* No listen socket: the option is left out (an invalid one is refused). */
	struct MHD_OptionItem listen[] = {
		{ listen_fd < 0 ? MHD_OPTION_END : MHD_OPTION_LISTEN_SOCKET, listen_fd, NULL },
		{ MHD_OPTION_END, 0, NULL },
	};
	s->d = MHD_start_daemon(flags, 0, NULL, NULL, answer, s,
				MHD_OPTION_ARRAY, listen,
				MHD_OPTION_CONNECTION_LIMIT, (unsigned)METRICS_CONN_HARD,
				MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)METRICS_IDLE_S,
				MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)METRICS_MEMORY,
				MHD_OPTION_NOTIFY_CONNECTION, on_connection, s,
				MHD_OPTION_NOTIFY_COMPLETED, on_completed, s,
				MHD_OPTION_END);
	if (!s->d) {
		pthread_mutex_destroy(&s->lock);
		free(s);
		return -EIO;
	}
	*out = s;
	return 0;
}

int metrics_server_new_unbound(struct pp_metrics_server **out)
{
	return server_new(-1, out);
}

int metrics_server_add(struct pp_metrics_server *s, int fd)
{
	struct sockaddr_in peer = { .sin_family = AF_INET,
				    .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	return MHD_add_connection(s->d, fd, (struct sockaddr *)&peer, sizeof(peer)) == MHD_YES ?
		       0 : -errno;
}

void metrics_server_stats(struct pp_metrics_server *s, struct metrics_server_stats *st)
{
	pthread_mutex_lock(&s->lock);
	*st = s->st;
	pthread_mutex_unlock(&s->lock);
	st->open = s->nconns; /* the serving thread's: exact only between its steps */
}

/* "HOST:PORT", "[V6]:PORT" or ":PORT" into a socket address. */
static int parse_addr(const char *addr, struct sockaddr_storage *ss, socklen_t *sl, char *why,
		      size_t len)
{
	char host[128];
	const char *colon;
	if (addr[0] == '[') {
		const char *end = strchr(addr, ']');
		if (!end || end[1] != ':' || (size_t)(end - addr - 1) >= sizeof(host))
			goto bad;
		snprintf(host, sizeof(host), "%.*s", (int)(end - addr - 1), addr + 1);
		colon = end + 1;
	} else {
		colon = strrchr(addr, ':');
		if (!colon || (size_t)(colon - addr) >= sizeof(host))
			goto bad;
		snprintf(host, sizeof(host), "%.*s", (int)(colon - addr), addr);
	}
	char *end;
	errno = 0;
	long port = strtol(colon + 1, &end, 10);
	if (errno || end == colon + 1 || *end || port < 0 || port > 65535)
		goto bad;
	memset(ss, 0, sizeof(*ss));
	struct sockaddr_in *v4 = (struct sockaddr_in *)ss;
	struct sockaddr_in6 *v6 = (struct sockaddr_in6 *)ss;
	if (!host[0] || strcmp(host, "*") == 0) {
		v6->sin6_family = AF_INET6;
		v6->sin6_addr = in6addr_any;
		v6->sin6_port = htons((uint16_t)port);
		*sl = sizeof(*v6);
	} else if (inet_pton(AF_INET, host, &v4->sin_addr) == 1) {
		v4->sin_family = AF_INET;
		v4->sin_port = htons((uint16_t)port);
		*sl = sizeof(*v4);
	} else if (inet_pton(AF_INET6, host, &v6->sin6_addr) == 1) {
		v6->sin6_family = AF_INET6;
		v6->sin6_port = htons((uint16_t)port);
		*sl = sizeof(*v6);
	} else {
		goto bad;
	}
	return 0;
bad:
	snprintf(why, len, "bad metrics address '%s': give ADDR:PORT with a numeric address, "
		 "e.g. 127.0.0.1:9464, [::1]:9464 or :9464 for every address", addr);
	return -EINVAL;
}

int pp_metrics_addr_check(const char *addr, char *why, size_t len)
{
	char dummy[8];
	struct sockaddr_storage ss;
	socklen_t sl;
	if (!why || !len) {
		why = dummy;
		len = sizeof(dummy);
	}
	return parse_addr(addr ? addr : "", &ss, &sl, why, len);
}

int pp_metrics_server_start(const char *addr, struct pp_metrics_server **out, char *why,
			    size_t len)
{
	char dummy[8];
	if (!why || !len) {
		why = dummy;
		len = sizeof(dummy);
	}
	why[0] = '\0';
	struct sockaddr_storage ss;
	socklen_t sl;
	int err = parse_addr(addr ? addr : "", &ss, &sl, why, len);
	if (err)
		return err;
	/* Our own socket: bind's errno (EADDRINUSE) reaches the operator as it is. */
	int fd = socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0) {
		err = -errno;
		snprintf(why, len, "cannot create a socket for %s: %s", addr, strerror(-err));
		return err;
	}
	int one = 1;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&ss, sl) < 0 || listen(fd, METRICS_BACKLOG) < 0) {
		err = -errno;
		if (err == -EADDRINUSE)
			snprintf(why, len, "cannot serve metrics on %s: the port is already in use "
				 "(another powprint watch or exporter?); choose another with "
				 "--metrics ADDR:PORT", addr);
		else
			snprintf(why, len, "cannot serve metrics on %s: %s", addr, strerror(-err));
		close(fd);
		return err;
	}
	struct sockaddr_storage bound;
	socklen_t bl = sizeof(bound);
	int port = 0;
	if (getsockname(fd, (struct sockaddr *)&bound, &bl) == 0)
		port = ntohs(bound.ss_family == AF_INET ? ((struct sockaddr_in *)&bound)->sin_port :
			     ((struct sockaddr_in6 *)&bound)->sin6_port);
	struct pp_metrics_server *s;
	if ((err = server_new(fd, &s))) {
		snprintf(why, len, "cannot start the metrics server on %s (libmicrohttpd failed)",
			 addr);
		close(fd);
		return err;
	}
	s->port = port;
	if ((err = -pthread_create(&s->thread, NULL, serve, s))) {
		snprintf(why, len, "cannot start the metrics server's thread: %s", strerror(-err));
		pp_metrics_server_stop(s); /* closes fd with the daemon */
		return err;
	}
	s->threaded = true;
	*out = s;
	return 0;
}

int pp_metrics_server_set(struct pp_metrics_server *s, const char *text)
{
	char *copy = strdup(text ? text : "");
	if (!copy)
		return -ENOMEM;
	pthread_mutex_lock(&s->lock);
	char *old = s->text;
	s->text = copy;
	pthread_mutex_unlock(&s->lock);
	free(old);
	return 0;
}

int pp_metrics_server_port(const struct pp_metrics_server *s)
{
	return s->port;
}

uint64_t pp_metrics_server_scrapes(const struct pp_metrics_server *s)
{
	pthread_mutex_t *l = (pthread_mutex_t *)&s->lock;
	pthread_mutex_lock(l);
	uint64_t n = s->scrapes;
	pthread_mutex_unlock(l);
	return n;
}

void pp_metrics_server_stop(struct pp_metrics_server *s)
{
	if (!s)
		return;
	if (s->threaded) {
		atomic_store(&s->stop, true);
		pthread_join(s->thread, NULL);
	}
	MHD_stop_daemon(s->d); /* closes the listen socket and every connection */
	pthread_mutex_destroy(&s->lock);
	free(s->text);
	free(s);
}
