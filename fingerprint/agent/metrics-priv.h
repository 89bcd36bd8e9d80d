/* Inside the metrics endpoint (metrics-server.c): its limits, its routing, and a server with
 * no listen socket and no thread of its own, which the tests and the fuzzer feed connections
 * to and step by hand. */
#ifndef PP_FINGERPRINT_AGENT_METRICS_PRIV_H
#define PP_FINGERPRINT_AGENT_METRICS_PRIV_H

#include <powprint/agent.h>

#include <stdint.h>

/* Whoever can reach the port may be hostile: each limit below bounds what one client costs. */
#define METRICS_CONN_SOFT 32     /* past this many connections, the oldest one that has not
				  * finished sending its request is dropped for the newcomer */
#define METRICS_CONN_HARD 64     /* libmicrohttpd closes connections past this at once */
#define METRICS_IDLE_S 5         /* a connection silent this long is closed (libmicrohttpd) */
#define METRICS_REQUEST_S 5.0    /* a request from connect (or the previous answer) to its
				  * answer sent: one byte a second does not keep it alive */
#define METRICS_MEMORY 8192      /* per connection: request line and headers must fit with
				  * the answer's headers; more gets 431 */
#define METRICS_BACKLOG 128

/* The answer's status for a request: 200 for GET or HEAD of /metrics, 405 for any other
 * method, 404 for any other path. */
unsigned metrics_route(const char *method, const char *url);

/* What the server has done to clients that broke a limit. */
struct metrics_server_stats {
	uint64_t connections, evicted, timed_out, refused_method, not_found;
	int open;                  /* connections open now */
};
void metrics_server_stats(struct pp_metrics_server *s, struct metrics_server_stats *st);

/* A server without a listen socket or thread: hand it connected sockets with
 * metrics_server_add (it owns them) and run it with metrics_server_step (at most wait_ms
 * waiting; 0 = only what is ready), which also enforces METRICS_REQUEST_S. Stop it with
 * pp_metrics_server_stop. */
int metrics_server_new_unbound(struct pp_metrics_server **out);
int metrics_server_add(struct pp_metrics_server *s, int fd);
void metrics_server_step(struct pp_metrics_server *s, int wait_ms);

#endif
