/* The metrics endpoint on any bytes a client sends, and the escapers on any name a process
 * takes. The HTTP parsing is libmicrohttpd's; what is ours, and fuzzed here through it, is the
 * server around it (metrics-server.c: routing, the connection bookkeeping of the limits, the
 * answers) fed the input over a socket pair, and metrics_route on the request line's words.
 * Every answer is an HTTP/1.x status line with one of the statuses the endpoint gives, 200
 * only for GET or HEAD of /metrics with the snapshot as its body; no connection outlives its
 * input. The same bytes as a process name: pp_agent_text_line gives one line without control
 * characters, pp_agent_text_utf8 valid UTF-8, and a label value has only the exposition
 * format's three escapes. */
#define _GNU_SOURCE
#include "fingerprint/agent/agent-priv.h"
#include "fingerprint/agent/metrics-priv.h"

#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define SNAPSHOT "powprint_agent_scans_total 7\n"

static void check_route(const uint8_t *data, size_t size)
{
	char line[256];
	size_t n = size < sizeof(line) - 1 ? size : sizeof(line) - 1;
	memcpy(line, data, n);
	line[n] = '\0';
	char *sp = strchr(line, ' ');
	if (!sp)
		return;
	*sp = '\0';
	char *url = sp + 1, *end = strpbrk(url, " \r\n");
	if (end)
		*end = '\0';
	unsigned code = metrics_route(line, url);
	bool get = !strcmp(line, "GET") || !strcmp(line, "HEAD");
	if (code != (!get ? 405u : strcmp(url, "/metrics") ? 404u : 200u))
		abort();
}

static void check_text(const uint8_t *data, size_t size)
{
	char *in = malloc(size + 1), *out = malloc(4 * size + 8);
	if (!in || !out)
		goto done;
	memcpy(in, data, size);
	in[size] = '\0';
	size_t l = pp_agent_text_line(in, out, 4 * size + 8);
	for (size_t i = 0; i < l;) {
		size_t k = agent_utf8_seq(out + i);
		if (!k || (unsigned char)out[i] < 0x20 || out[i] == 0x7f)
			abort();
		i += k;
	}
	l = pp_agent_text_utf8(in, out, 4 * size + 8);
	for (size_t i = 0; i < l; i += agent_utf8_seq(out + i))
		if (!agent_utf8_seq(out + i))
			abort();
	char *label = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&label, &len);
	if (!f)
		goto done;
	agent_label_write(f, in);
	fclose(f);
	if (len < 2 || label[0] != '"' || label[len - 1] != '"')
		abort();
	for (size_t i = 1; i + 1 < len; i++) {
		if ((unsigned char)label[i] < 0x20 || label[i] == '"')
			abort();
		if (label[i] == '\\' && (++i + 1 >= len || !strchr("\\\"n", label[i])))
			abort();
	}
	free(label);
done:
	free(in);
	free(out);
}

static struct pp_metrics_server *server(void)
{
	static struct pp_metrics_server *s;
	if (!s && (metrics_server_new_unbound(&s) || pp_metrics_server_set(s, SNAPSHOT)))
		abort();
	return s;
}

/* Every status line in the answer names a status the endpoint (or libmicrohttpd on a bad or
 * too large request) gives. */
static void check_answer(const char *a, size_t n)
{
	for (const char *p = a; (p = memmem(p, n - (size_t)(p - a), "HTTP/1.", 7)); p += 7) {
		if (p != a && p[-1] != '\n')
			continue; /* inside a body */
		int code = atoi(p + 9);
		if (code != 200 && code != 400 && code != 404 && code != 405 && code != 413 &&
		    code != 414 && code != 431 && code != 500 && code != 501 && code != 505)
			abort();
		if (code == 200 && !memmem(p, n - (size_t)(p - a), "version=0.0.4", 13))
			abort();
	}
	if (n && strncmp(a, "HTTP/1.", 7) != 0)
		abort();
}

static void check_server(const uint8_t *data, size_t size)
{
	struct pp_metrics_server *s = server();
	int sv[2];
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
		return;
	fcntl(sv[0], F_SETFL, O_NONBLOCK);
	if (metrics_server_add(s, sv[1])) {
		close(sv[0]);
		return;
	}
	char answer[1 << 16];
	size_t got = 0, sent = 0;
	for (int step = 0; step < 64; step++) {
		if (sent < size) {
			ssize_t k = send(sv[0], data + sent, size - sent, MSG_NOSIGNAL);
			if (k > 0)
				sent += (size_t)k;
		}
		metrics_server_step(s, 0);
		ssize_t k = recv(sv[0], answer + got, sizeof(answer) - 1 - got, 0);
		if (k == 0)
			break; /* the server closed it */
		if (k > 0)
			got += (size_t)k;
		else if (sent == size && step > 8)
			break; /* it waits for more of a request that will not come */
	}
	answer[got] = '\0';
	check_answer(answer, got);
	close(sv[0]);
	struct metrics_server_stats st;
	for (int step = 0; step < 16; step++) {
		metrics_server_step(s, 0);
		metrics_server_stats(s, &st);
		if (!st.open)
			break;
	}
	if (st.open)
		abort(); /* a connection outlived its client */
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	check_route(data, size);
	check_text(data, size);
	check_server(data, size);
	return 0;
}
