/* The agent's Prometheus exposition (text format 0.0.4) and the libmicrohttpd endpoint that
 * serves it. The agent thread renders a snapshot after each tick; libmicrohttpd's thread only
 * copies the latest snapshot under a mutex, so a slow scraper never delays a tick. */
#define _GNU_SOURCE
#include "fingerprint/agent/agent-priv.h"

#include <arpa/inet.h>
#include <errno.h>
#include <math.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static void label(FILE *f, const char *name, const char *v, bool comma)
{
	fprintf(f, "%s%s=\"", comma ? "," : "", name);
	for (; v && *v; v++) {
		if (*v == '\\' || *v == '"')
			fprintf(f, "\\%c", *v);
		else if (*v == '\n')
			fputs("\\n", f);
		else
			fputc(*v, f);
	}
	fputc('"', f);
}

static void head(FILE *f, const char *name, const char *type, const char *help)
{
	fprintf(f, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

static void metric(FILE *f, const char *name, const char *type, const char *help, double v)
{
	head(f, name, type, help);
	fprintf(f, "%s %.17g\n", name, v);
}

static void flagged_line(void *arg, const struct pp_agent_proc *id, double p)
{
	FILE *f = arg;
	char pid[16];
	snprintf(pid, sizeof(pid), "%d", (int)id->pid);
	fputs("powprint_agent_process_p_miner{", f);
	label(f, "pid", pid, false);
	label(f, "comm", id->comm, true);
	label(f, "exe", id->exe, true);
	label(f, "container_id", id->container_id, true);
	fprintf(f, "} %.6g\n", isfinite(p) ? p : 1.0);
}

char *pp_agent_metrics(const struct pp_agent *a)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	if (!f)
		return NULL;
	struct pp_agent_stats s;
	pp_agent_get_stats(a, &s);
	metric(f, "powprint_agent_processes_monitored", "gauge",
	       "Processes with collectors attached now.", s.monitored);
	metric(f, "powprint_agent_processes_candidates", "gauge",
	       "Processes above --min-cpu in the last scan.", s.candidates);
	metric(f, "powprint_agent_processes_seen", "gauge",
	       "Processes the last /proc scan considered.", s.processes_seen);
	metric(f, "powprint_agent_processes_flagged", "gauge",
	       "Processes whose smoothed verdict is miner now.", s.flagged);
	metric(f, "powprint_agent_windows_classified_total", "counter",
	       "Counter windows classified by the model.", (double)s.windows_classified);
	metric(f, "powprint_agent_detections_total", "counter",
	       "Alerts: smoothed verdicts that turned miner.", (double)s.detections);
	metric(f, "powprint_agent_cleared_total", "counter",
	       "Flagged processes that exited, went idle or turned benign.", (double)s.cleared);
	metric(f, "powprint_agent_actions_total", "counter",
	       "Signals sent by --action.", (double)s.actions);
	metric(f, "powprint_agent_attached_total", "counter",
	       "Times the collectors were attached to a process.", (double)s.attached_total);
	metric(f, "powprint_agent_rotations_total", "counter",
	       "Monitored processes set aside to give a waiting one its turn.",
	       (double)s.rotations_total);
	metric(f, "powprint_agent_scans_total", "counter", "Scans of /proc.", (double)s.scans);
	head(f, "powprint_agent_errors_total", "counter", "Errors by kind.");
	const struct { const char *kind; uint64_t n; } errs[] = {
		{ "permission", s.err_permission }, { "fds", s.err_fds },
		{ "vanished", s.err_vanished }, { "collector", s.err_collector },
		{ "model", s.err_model }, { "action", s.err_action },
	};
	for (size_t i = 0; i < sizeof(errs) / sizeof(errs[0]); i++)
		fprintf(f, "powprint_agent_errors_total{kind=\"%s\"} %llu\n", errs[i].kind,
			(unsigned long long)errs[i].n);
	metric(f, "powprint_agent_cpu_seconds_total", "counter",
	       "CPU time the agent itself used (user + system).", s.cpu_s);
	metric(f, "powprint_agent_resident_memory_bytes", "gauge",
	       "The agent's resident set size.", (double)s.rss_bytes);
	metric(f, "powprint_agent_open_fds", "gauge", "The agent's open file descriptors.", s.fds);
	metric(f, "powprint_agent_interval_seconds", "gauge", "The scan and window interval.",
	       agent_opts(a)->interval_ms / 1000.0);
	metric(f, "powprint_agent_model_threshold", "gauge", "The model's threshold on p(miner).",
	       pp_model_threshold(agent_model(a)));
	head(f, "powprint_agent_process_p_miner", "gauge",
	     "p(miner) of the last window of each flagged process.");
	agent_flagged_each(a, flagged_line, f);
	if (fclose(f)) {
		free(buf);
		return NULL;
	}
	return buf;
}

/* ---- the endpoint ---- */

struct pp_metrics_server {
	struct MHD_Daemon *d;
	int port;
	pthread_mutex_t lock;
	char *text;
	uint64_t scrapes;
};

static enum MHD_Result answer(void *cls, struct MHD_Connection *conn, const char *url,
			      const char *method, const char *version, const char *upload,
			      size_t *upload_size, void **con_cls)
{
	struct pp_metrics_server *s = cls;
	(void)version;
	(void)upload;
	(void)con_cls;
	if (*upload_size)
		return MHD_NO;
	unsigned code = MHD_HTTP_OK;
	const char *type = "text/plain; version=0.0.4; charset=utf-8";
	char *body = NULL;
	if (strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0) {
		code = MHD_HTTP_METHOD_NOT_ALLOWED;
		body = strdup("only GET and HEAD\n");
	} else if (strcmp(url, "/metrics") == 0) {
		pthread_mutex_lock(&s->lock);
		body = strdup(s->text ? s->text : "");
		s->scrapes++;
		pthread_mutex_unlock(&s->lock);
	} else if (strcmp(url, "/") == 0) {
		type = "text/plain; charset=utf-8";
		body = strdup("powprint watch: Prometheus metrics at /metrics\n");
	} else {
		code = MHD_HTTP_NOT_FOUND;
		type = "text/plain; charset=utf-8";
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
	enum MHD_Result ret = MHD_queue_response(conn, code, r);
	MHD_destroy_response(r);
	return ret;
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
	int fd = socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		err = -errno;
		snprintf(why, len, "cannot create a socket for %s: %s", addr, strerror(-err));
		return err;
	}
	int one = 1;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&ss, sl) < 0 || listen(fd, 32) < 0) {
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
	struct pp_metrics_server *s = calloc(1, sizeof(*s));
	if (!s) {
		close(fd);
		return -ENOMEM;
	}
	pthread_mutex_init(&s->lock, NULL);
	struct sockaddr_storage bound;
	socklen_t bl = sizeof(bound);
	if (getsockname(fd, (struct sockaddr *)&bound, &bl) == 0)
		s->port = ntohs(bound.ss_family == AF_INET ?
				((struct sockaddr_in *)&bound)->sin_port :
				((struct sockaddr_in6 *)&bound)->sin6_port);
	/* poll, not select: the agent may hold more than FD_SETSIZE descriptors. */
	s->d = MHD_start_daemon(MHD_USE_POLL_INTERNAL_THREAD | MHD_USE_ITC, 0, NULL, NULL, answer, s,
				MHD_OPTION_LISTEN_SOCKET, fd, MHD_OPTION_CONNECTION_LIMIT,
				(unsigned)16, MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)10,
				MHD_OPTION_END);
	if (!s->d) {
		snprintf(why, len, "cannot start the metrics server on %s (libmicrohttpd failed)",
			 addr);
		close(fd);
		pthread_mutex_destroy(&s->lock);
		free(s);
		return -EIO;
	}
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
	/* Quiesced, MHD hands the listen socket back instead of closing it: close it once. */
	MHD_socket fd = MHD_quiesce_daemon(s->d);
	MHD_stop_daemon(s->d);
	if (fd != MHD_INVALID_SOCKET)
		close(fd);
	pthread_mutex_destroy(&s->lock);
	free(s->text);
	free(s);
}
