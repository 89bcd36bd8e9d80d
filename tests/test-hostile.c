/* The agent next to a hostile process (docs/security.md): names and command lines that try to
 * forge or break output lines, an allowlist a rename cannot join, a pid reused between the
 * verdict and the signal, a metrics port abused by its clients, and a target that maps
 * gigabytes of executable memory or churns its mappings. The miners here are the catalog's
 * cn/0 run in a forked child (pp_workload_run), or the powprint binary itself, so that the
 * shipped model flags them. */
#define _GNU_SOURCE
#include "core/clock.h"
#include "fingerprint/agent/agent-priv.h"
#include "fingerprint/agent/metrics-priv.h"
#include "support/testutil.h"

#include <cjson/cJSON.h>
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <linux/capability.h>
#include <linux/sched.h>
#include <netinet/in.h>
#include <poll.h>
#include <powprint/agent.h>
#include <powprint/workload.h>
#include <regex.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

/* ---- hostile processes ---- */

/* Fields 48 to 51 of /proc/self/stat: arg_start, arg_end, env_start, env_end. */
static void arg_env_area(unsigned long long v[4])
{
	char *s = pp_test_slurp("/proc/self/stat"), *p = strrchr(s, ')');
	memset(v, 0, 4 * sizeof(v[0]));
	for (int field = 2; p && *p && field < 51; p++)
		if (*p == ' ' && ++field >= 48)
			v[field - 48] = strtoull(p + 1, NULL, 10);
	free(s);
}

/* Makes this process's command line (what /proc/PID/cmdline reads) text, as setproctitle
 * does: over the arguments and, when they are too short, on into the environment strings
 * after them (the kernel then reads up to the first NUL). Or, with CAP_SYS_RESOURCE, a new
 * area. Exits 6 when neither can hold it. */
static void set_cmdline(const char *text)
{
	static char area[1024];
	size_t n = strlen(text) + 1;
	memcpy(area, text, n < sizeof(area) ? n : 0);
	/* The new area lies below the old one: start first, so start <= end holds throughout. */
	if (n <= sizeof(area) &&
	    prctl(PR_SET_MM, PR_SET_MM_ARG_START, (unsigned long)area, 0, 0) == 0 &&
	    prctl(PR_SET_MM, PR_SET_MM_ARG_END, (unsigned long)(area + n), 0, 0) == 0)
		return;
	unsigned long long v[4];
	arg_env_area(v);
	char *at = (char *)(uintptr_t)v[0];
	size_t room = (size_t)(v[1] - v[0]), all = (size_t)(v[3] - v[0]);
	if (!v[0] || v[1] <= v[0] || v[2] != v[1] || n > all)
		_exit(6);
	memcpy(at, text, n);
	if (n < room)
		memset(at + n, 0, room - n);
}

/* A child that calls itself comm (prctl) with cmdline as its command line (NULL: unchanged)
 * and mines cn/0 until killed. */
static pid_t spawn_miner(const char *comm, const char *cmdline)
{
	pid_t pid = fork();
	cr_assert_geq(pid, 0);
	if (pid)
		return pid;
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	alarm(120);
	prctl(PR_SET_NAME, comm);
	if (cmdline)
		set_cmdline(cmdline);
	const struct pp_workload *w;
	if (pp_workload_find("cn/0", &w))
		_exit(4);
	PP_OPTS(pp_workload_run_opts, o, .seconds = 110);
	struct pp_workload_result r;
	pp_workload_run(w, &o, &r);
	_exit(0);
}

/* Execs the file at path as `argv0 run cn/0 --seconds 110`. */
static pid_t spawn_exec_miner(const char *path, const char *argv0)
{
	pid_t pid = fork();
	cr_assert_geq(pid, 0);
	if (pid)
		return pid;
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	int nul = open("/dev/null", O_RDWR);
	dup2(nul, 0);
	dup2(nul, 1);
	dup2(nul, 2);
	char *argv[] = { (char *)argv0, "run", "cn/0", "--seconds", "110", NULL };
	execv(path, argv);
	_exit(127);
}

static void reap(pid_t pid)
{
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
}

static void copy_file(const char *from, const char *to)
{
	int in = open(from, O_RDONLY), out = open(to, O_WRONLY | O_CREAT | O_TRUNC, 0755);
	cr_assert(in >= 0 && out >= 0, "copy %s to %s: %s", from, to, strerror(errno));
	char buf[65536];
	ssize_t k;
	while ((k = read(in, buf, sizeof(buf))) > 0)
		cr_assert_eq(write(out, buf, (size_t)k), k);
	close(in);
	cr_assert_eq(close(out), 0);
}

/* A scratch directory beside the powprint binary: the same file system, so hard links work. */
static char *scratch(void)
{
	char *d = malloc(4200);
	snprintf(d, 4200, "%s", PP_CLI_PATH);
	snprintf(strrchr(d, '/'), 64, "/hostile-XXXXXX");
	cr_assert_not_null(mkdtemp(d), "%s", strerror(errno));
	return d;
}

static void rm_rf(const char *d)
{
	char cmd[4400];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", d);
	cr_expect_eq(system(cmd), 0);
}

/* ---- the agent ---- */

static int free_port(void)
{
	int s = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	cr_assert_eq(bind(s, (struct sockaddr *)&a, sizeof(a)), 0);
	socklen_t l = sizeof(a);
	getsockname(s, (struct sockaddr *)&a, &l);
	close(s);
	return ntohs(a.sin_port);
}

/* Sends syslog's /dev/log to sock_path in a mount namespace of the agent's own: the test
 * reads what syslog(3) would send to the machine's logger. False when it cannot (not root). */
static bool private_dev_log(const char *sock_path)
{
	if (unshare(CLONE_NEWNS) < 0 || mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0 ||
	    mount("tmpfs", "/dev", "tmpfs", 0, "size=64k") < 0)
		return false;
	return symlink(sock_path, "/dev/log") == 0;
}

/* Starts `powprint ARGS...` with stdout and stderr into files; with syslog_sock, syslog goes
 * there. */
static pid_t spawn_agent(const char *out, const char *err, const char *const *args,
			 const char *syslog_sock)
{
	pid_t pid = fork();
	cr_assert_geq(pid, 0);
	if (pid == 0) {
		char *argv[48];
		int n = 0;
		argv[n++] = (char *)PP_CLI_PATH;
		for (; args[n - 1] && n < 47; n++)
			argv[n] = (char *)args[n - 1];
		argv[n] = NULL;
		int o = open(out, O_WRONLY | O_CREAT | O_TRUNC, 0644);
		int e = open(err, O_WRONLY | O_CREAT | O_TRUNC, 0644);
		int nul = open("/dev/null", O_RDONLY);
		dup2(nul, 0);
		dup2(o, 1);
		dup2(e, 2);
		if (syslog_sock && !private_dev_log(syslog_sock))
			_exit(125);
		execv(PP_CLI_PATH, argv);
		_exit(127);
	}
	return pid;
}

static int stop_agent(pid_t pid)
{
	kill(pid, SIGTERM);
	int st;
	for (int i = 0; i < 200; i++) {
		if (waitpid(pid, &st, WNOHANG) == pid)
			return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
		usleep(50000);
	}
	kill(pid, SIGKILL);
	waitpid(pid, &st, 0);
	return -2;
}

/* Events of type `type` about pid in a JSON-lines file. */
static int count_events(const char *path, const char *type, pid_t pid)
{
	char *text = pp_test_slurp(path), *save = NULL;
	int n = 0;
	for (char *l = strtok_r(text, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
		cJSON *e = cJSON_Parse(l);
		cJSON *t = cJSON_GetObjectItem(e, "event"), *p = cJSON_GetObjectItem(e, "pid");
		n += cJSON_IsString(t) && !strcmp(t->valuestring, type) && cJSON_IsNumber(p) &&
		     (pid_t)p->valuedouble == pid;
		cJSON_Delete(e);
	}
	free(text);
	return n;
}

/* Waits up to `seconds` for an event of each type in types about each pid. */
static bool wait_events(const char *path, const char *type, const pid_t *pids, int n,
			double seconds)
{
	double t0 = pp_clock_mono_s();
	for (;;) {
		int have = 0;
		for (int i = 0; i < n; i++)
			have += count_events(path, type, pids[i]) > 0;
		if (have == n)
			return true;
		if (pp_clock_mono_s() - t0 > seconds)
			return false;
		usleep(250000);
	}
}

/* ---- what a well-formed line is ---- */

/* Valid UTF-8 without control characters (C0, DEL, C1, U+2028/9): an independent decoder. */
static bool clean_utf8(const char *s, size_t n)
{
	const unsigned char *u = (const unsigned char *)s;
	for (size_t i = 0; i < n;) {
		unsigned c = u[i], cp, k;
		if (c < 0x80) {
			if (c < 0x20 || c == 0x7f)
				return false;
			i++;
			continue;
		}
		if ((c & 0xe0) == 0xc0)
			k = 1, cp = c & 0x1f;
		else if ((c & 0xf0) == 0xe0)
			k = 2, cp = c & 0x0f;
		else if ((c & 0xf8) == 0xf0)
			k = 3, cp = c & 0x07;
		else
			return false;
		for (unsigned j = 1; j <= k; j++) {
			if (i + j >= n || (u[i + j] & 0xc0) != 0x80)
				return false;
			cp = cp << 6 | (u[i + j] & 0x3f);
		}
		static const unsigned min[4] = { 0, 0x80, 0x800, 0x10000 };
		if (cp < min[k] || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff) ||
		    (cp >= 0x80 && cp <= 0x9f) || cp == 0x2028 || cp == 0x2029)
			return false;
		i += k + 1;
	}
	return true;
}

/* Unescapes a Prometheus label value starting after its opening quote; returns the end
 * (after the closing quote) or NULL when it breaks the grammar. */
static const char *label_value(const char *p, char *out, size_t cap)
{
	size_t n = 0;
	for (; *p && *p != '"'; p++) {
		char c = *p;
		if (c == '\\') {
			p++;
			c = *p == 'n' ? '\n' : *p == '\\' ? '\\' : *p == '"' ? '"' : 0;
			if (!c)
				return NULL;
		}
		if (n + 1 < cap)
			out[n++] = c;
	}
	out[n] = '\0';
	return *p == '"' ? p + 1 : NULL;
}

/* One line of the text exposition format 0.0.4: a HELP or TYPE comment or a sample
 * `name{l="v",...} value`. With want_pid, the comm and exe labels of that pid's sample are
 * unescaped into comm and exe. */
static bool metrics_line_ok(const char *line, pid_t want_pid, char *comm, char *exe, size_t cap)
{
	static regex_t comment, name;
	static bool compiled;
	if (!compiled) {
		cr_assert_eq(regcomp(&comment, "^# (HELP|TYPE) [a-zA-Z_:][a-zA-Z0-9_:]* [^\n]*$",
				     REG_EXTENDED | REG_NOSUB), 0);
		cr_assert_eq(regcomp(&name, "^[a-zA-Z_:][a-zA-Z0-9_:]*", REG_EXTENDED), 0);
		compiled = true;
	}
	if (!clean_utf8(line, strlen(line)))
		return false;
	if (line[0] == '#')
		return regexec(&comment, line, 0, NULL, 0) == 0;
	regmatch_t m;
	if (regexec(&name, line, 1, &m, 0) != 0)
		return false;
	const char *p = line + m.rm_eo;
	char v[2048];
	bool mine = false;
	if (*p == '{') {
		p++;
		while (*p != '}') {
			const char *eq = strchr(p, '=');
			if (!eq || eq == p || eq[1] != '"')
				return false;
			char lname[64];
			snprintf(lname, sizeof(lname), "%.*s", (int)(eq - p), p);
			if (!(p = label_value(eq + 2, v, sizeof(v))))
				return false;
			if (!strcmp(lname, "pid"))
				mine = want_pid && atoi(v) == want_pid;
			char *to = !mine ? NULL : !strcmp(lname, "comm") ? comm :
					 !strcmp(lname, "exe") ? exe : NULL;
			if (to && strlen(v) < cap)
				memcpy(to, v, strlen(v) + 1);
			if (*p == ',')
				p++;
			else if (*p != '}')
				return false;
		}
		p++;
	}
	if (*p != ' ')
		return false;
	char *end;
	strtod(p + 1, &end);
	return end != p + 1 && *end == '\0';
}

/* GET path over a raw socket: the whole response (caller frees), "" when none came. */
static char *http(int port, const char *request, double timeout_s)
{
	int s = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port),
				 .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	cr_assert_eq(connect(s, (struct sockaddr *)&a, sizeof(a)), 0, "%s", strerror(errno));
	size_t len = strlen(request);
	for (size_t off = 0; off < len;) {
		ssize_t k = send(s, request + off, len - off, MSG_NOSIGNAL);
		if (k <= 0)
			break; /* the server may close early: what it sent is read below */
		off += (size_t)k;
	}
	size_t cap = 1 << 16, n = 0;
	char *buf = malloc(cap + 1);
	double t0 = pp_clock_mono_s();
	while (pp_clock_mono_s() - t0 < timeout_s) {
		struct pollfd pf = { .fd = s, .events = POLLIN };
		if (poll(&pf, 1, 100) <= 0)
			continue;
		if (n == cap)
			buf = realloc(buf, (cap *= 2) + 1);
		ssize_t k = recv(s, buf + n, cap - n, 0);
		if (k <= 0)
			break;
		n += (size_t)k;
	}
	buf[n] = '\0';
	close(s);
	return buf;
}

/* ---- 1. hostile names ---- */

/* Each name beside what JSON must carry for it (invalid bytes as U+FFFD) and what a metrics
 * label must (controls but \n as U+FFFD too). */
#define FFFD "\xef\xbf\xbd"
static const char comm_raw[] = "a\"b\\c\nd\x01\x1b[\xff\xc3";
static const char comm_json[] = "a\"b\\c\nd\x01\x1b[" FFFD FFFD;
static const char comm_label[] = "a\"b\\c\nd" FFFD FFFD "[" FFFD FFFD;
static const char cmd_raw[] = "min\"er\\ --x\n{\"event\":\"alert\"}\r\x07\xfe\xe2\x82";
static const char cmd_json[] = "min\"er\\ --x\n{\"event\":\"alert\"}\r\x07" FFFD FFFD FFFD;
/* A file name (comm comes from it at exec) and an argv[0] that try to close the JSON string
 * and start a metrics line, a terminal title and C1's CSI. */
static const char file_raw[] = "b\"\\\n\x02\xff\xc0\xaf\xc2\x9b";
static const char file_json[] = "b\"\\\n\x02" FFFD FFFD FFFD "\xc2\x9b";
static const char file_label[] = "b\"\\\n" FFFD FFFD FFFD FFFD FFFD;
static const char argv0_raw[] = "\"},\"event\":\"forged\n# TYPE x gauge\nx 1\x1b]0;t\x07\xe2\x80\xa8";

Test(hostile, names_never_forge_or_break_a_line, .timeout = 180)
{
	if (geteuid() != 0)
		cr_skip_test("setting a child's command line (PR_SET_MM) needs root");
	char *d = scratch(), path[4400], out[4400], err[4400], log[4400], hout[4400], herr[4400],
	     sock[4400];
	snprintf(path, sizeof(path), "%s/%s", d, file_raw);
	if (link(PP_CLI_PATH, path) < 0)
		copy_file(PP_CLI_PATH, path);
	snprintf(out, sizeof(out), "%s/out", d);
	snprintf(err, sizeof(err), "%s/err", d);
	snprintf(log, sizeof(log), "%s/log", d);
	snprintf(hout, sizeof(hout), "%s/human.out", d);
	snprintf(herr, sizeof(herr), "%s/human.err", d);
	snprintf(sock, sizeof(sock), "%s/log.sock", d);
	int ls = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	struct sockaddr_un su = { .sun_family = AF_UNIX };
	bool syslog_ok = strlen(sock) < sizeof(su.sun_path) && geteuid() == 0;
	if (syslog_ok) {
		snprintf(su.sun_path, sizeof(su.sun_path), "%s", sock);
		syslog_ok = bind(ls, (struct sockaddr *)&su, sizeof(su)) == 0;
	}

	pid_t a = spawn_miner(comm_raw, cmd_raw), b = spawn_exec_miner(path, argv0_raw);
	usleep(100000);
	cr_assert_eq(waitpid(a, NULL, WNOHANG), 0, "the renamed miner exited at once");
	char pids[64], addr[64];
	snprintf(pids, sizeof(pids), "%d,%d", (int)a, (int)b);
	int port = free_port();
	snprintf(addr, sizeof(addr), "127.0.0.1:%d", port);
	const char *args[] = { "watch", "--json", "--log", log, "--metrics", addr, "--pid", pids,
			       "--min-cpu", "5", syslog_ok ? "--syslog" : NULL, NULL };
	const char *hargs[] = { "watch", "--pid", pids, "--min-cpu", "5", NULL };
	pid_t agent = spawn_agent(out, err, args, syslog_ok ? sock : NULL);
	pid_t human = spawn_agent(hout, herr, hargs, NULL);
	pid_t both[] = { a, b };
	bool alerted = wait_events(log, "alert", both, 2, 60);
	cr_assert(alerted, "no alert on both hostile miners in 60 s:\n%s\n%s", pp_test_slurp(log),
		  pp_test_slurp(err));
	usleep(1200000); /* the metrics snapshot after the alerts */
	char *resp = http(port, "GET /metrics HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", 3);
	/* Cleared events too: the miners exit while watched. */
	reap(a);
	reap(b);
	sleep(2);
	cr_assert_eq(stop_agent(agent), 0, "%s", pp_test_slurp(err));
	cr_assert_eq(stop_agent(human), 0, "%s", pp_test_slurp(herr));

	/* JSON: stdout and the log, every line parses and is clean UTF-8 without a control. */
	int lines = 0, bad = 0, comm_hits = 0, cmd_hits = 0, file_hits = 0, argv0_hits = 0;
	const char *files[] = { out, log };
	for (int f = 0; f < 2; f++) {
		char *text = pp_test_slurp(files[f]), *save = NULL;
		for (char *l = strtok_r(text, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
			lines++;
			cJSON *e = cJSON_Parse(l);
			bool ok = e && clean_utf8(l, strlen(l)) &&
				  cJSON_IsString(cJSON_GetObjectItem(e, "event")) &&
				  strcmp(cJSON_GetObjectItem(e, "event")->valuestring, "forged");
			bad += !ok;
			cr_expect(ok, "%s: bad line: %s", files[f], l);
			const char *comm = cJSON_GetStringValue(cJSON_GetObjectItem(e, "comm"));
			const char *cmd = cJSON_GetStringValue(cJSON_GetObjectItem(e, "cmdline"));
			const char *exe = cJSON_GetStringValue(cJSON_GetObjectItem(e, "exe"));
			cJSON *pid = cJSON_GetObjectItem(e, "pid");
			if (cJSON_IsNumber(pid) && (pid_t)pid->valuedouble == a) {
				cr_expect_str_eq(comm, comm_json);
				cr_expect_str_eq(cmd, cmd_json);
				comm_hits += comm && !strcmp(comm, comm_json);
				cmd_hits += cmd && !strcmp(cmd, cmd_json);
			}
			if (cJSON_IsNumber(pid) && (pid_t)pid->valuedouble == b) {
				cr_expect_str_eq(comm, file_json);
				file_hits += comm && !strcmp(comm, file_json) && exe &&
					     strstr(exe, file_json);
				/* argv[0] round-trips whole: cJSON gives back what went in. */
				argv0_hits += cmd && !strncmp(cmd, argv0_raw, strlen(argv0_raw));
			}
			cJSON_Delete(e);
		}
		free(text);
	}
	cr_expect_gt(comm_hits, 0, "the prctl name never round-tripped");
	cr_expect_gt(cmd_hits, 0, "the command line never round-tripped");
	cr_expect_gt(file_hits, 0, "the exec'd file name never round-tripped");
	cr_expect_gt(argv0_hits, 0, "argv[0] never round-tripped");

	/* Metrics: every line is the exposition grammar; the labels unescape to the names. */
	char *body = strstr(resp, "\r\n\r\n"), *save = NULL;
	cr_assert(!strncmp(resp, "HTTP/1.1 200", 12) && body, "scrape failed: %s", resp);
	char ca[1024] = "", ea[1024] = "", cb[1024] = "", eb[1024] = "";
	int mlines = 0, mbad = 0;
	for (char *l = strtok_r(body + 4, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
		mlines++;
		bool ok = metrics_line_ok(l, a, ca, ea, sizeof(ca)) &&
			  metrics_line_ok(l, b, cb, eb, sizeof(cb));
		mbad += !ok;
		cr_expect(ok, "bad metrics line: %s", l);
	}
	cr_expect_str_eq(ca, comm_label);
	cr_expect_str_eq(cb, file_label);
	cr_expect(strstr(eb, file_label), "exe label %s", eb);

	/* Readable lines: each event one line starting with its time, nothing split. */
	int hlines = 0, hbad = 0;
	char *htext = pp_test_slurp(hout);
	save = NULL;
	for (char *l = strtok_r(htext, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
		hlines++;
		bool ok = clean_utf8(l, strlen(l)) && strlen(l) > 9 && l[2] == ':' && l[5] == ':' &&
			  (strstr(l, " ALERT ") || strstr(l, " cleared ") || strstr(l, " action "));
		hbad += !ok;
		cr_expect(ok, "bad readable line: %s", l);
	}
	cr_expect_geq(hlines, 2, "the readable agent printed %d lines", hlines);
	char *htxt_err = pp_test_slurp(herr);
	save = NULL;
	for (char *l = strtok_r(htxt_err, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
		hlines++;
		bool ok = clean_utf8(l, strlen(l)) && !strncmp(l, "powprint watch: ", 16);
		hbad += !ok;
		cr_expect(ok, "bad stderr line: %s", l);
	}

	/* Syslog: one datagram per event, one line each, the JSON after the header parses. */
	int slines = 0, sbad = 0;
	if (syslog_ok) {
		char dg[65536];
		ssize_t k;
		while ((k = recv(ls, dg, sizeof(dg) - 1, MSG_DONTWAIT)) > 0) {
			dg[k] = '\0';
			slines++;
			char *j = strstr(dg, "]: {");
			cJSON *e = j ? cJSON_Parse(j + 3) : NULL;
			bool ok = e && clean_utf8(dg, (size_t)k) && !strchr(dg, '\n');
			sbad += !ok;
			cr_expect(ok, "bad syslog message: %s", dg);
			cJSON_Delete(e);
		}
		cr_expect_geq(slines, 2, "syslog got %d messages", slines);
	} else {
		cr_log_info("syslog not checked: needs root for a private /dev/log");
	}
	cr_log_info("hostile names: %d JSON lines (%d malformed), %d metrics lines (%d), %d readable "
		    "lines (%d), %d syslog messages (%d)", lines, bad, mlines, mbad, hlines, hbad,
		    slines, sbad);
	cr_expect_geq(lines, 4);
	free(htext);
	free(htxt_err);
	free(resp);
	close(ls);
	rm_rf(d);
	free(d);
}

/* The escapers on every single byte and on random strings: output always clean, and valid
 * UTF-8 input without controls comes back unchanged from pp_agent_text_utf8. */
Test(hostile, escapers_on_random_bytes)
{
	uint64_t seed = 42;
	char in[256], out[1024];
	for (int round = 0; round < 20000; round++) {
		size_t n = pp_test_rand(&seed) % 40;
		for (size_t i = 0; i < n; i++) {
			in[i] = (char)(pp_test_rand(&seed) % 255 + 1);
			if (round % 2) /* mostly UTF-8-ish bytes */
				in[i] = (char)("a\"\\\n\x01\x7f\xc2\x9b\xe2\x80\xa8\xff\xc3\xa9"[
						       pp_test_rand(&seed) % 15]);
		}
		in[n] = '\0';
		size_t l = pp_agent_text_line(in, out, sizeof(out));
		cr_assert_eq(l, strlen(out));
		cr_assert(clean_utf8(out, l), "line escape of round %d is not clean", round);
		l = pp_agent_text_utf8(in, out, sizeof(out));
		cr_assert_eq(l, strlen(out));
		for (size_t i = 0; i < l;) { /* valid UTF-8 (controls allowed here) */
			size_t k = agent_utf8_seq(out + i);
			cr_assert_gt(k, 0, "invalid UTF-8 out of pp_agent_text_utf8");
			i += k;
		}
		char *buf = NULL;
		size_t blen = 0;
		FILE *f = open_memstream(&buf, &blen);
		agent_label_write(f, in);
		fclose(f);
		char v[1024];
		cr_assert(clean_utf8(buf, blen), "label of round %d not clean", round);
		cr_assert_not_null(label_value(buf + 1, v, sizeof(v)));
		free(buf);
	}
	/* Cut at a character boundary, never inside an escape. */
	char small[6];
	cr_expect_eq(pp_agent_text_line("\x01\x01", small, sizeof(small)), 4);
	cr_expect_str_eq(small, "\\x01");
	cr_expect_eq(pp_agent_text_utf8("ab\xff", small, 5), 2);
	/* A surrogate is three invalid bytes: three U+FFFD, of which one fits in 6 bytes. */
	cr_expect_eq(pp_agent_text_utf8("\xed\xa0\x80", small, sizeof(small)), 3);
	cr_expect_str_eq(small, FFFD);
}

/* ---- 3. the allowlist ---- */

/* `path 60`, exec'd (sleep(1) or a copy of it). */
static pid_t spawn_sleep(const char *path)
{
	pid_t pid = fork();
	cr_assert_geq(pid, 0);
	if (pid == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		char *argv[] = { (char *)path, "60", NULL };
		execv(path, argv);
		_exit(127);
	}
	usleep(100000); /* exec'd */
	return pid;
}

static bool allowed(const struct agent_allow *al, int n, pid_t pid)
{
	struct pp_agent_proc id;
	cr_assert_eq(pp_agent_proc_read(pid, &id), 0);
	return agent_allow_match(al, n, &id) != NULL;
}

Test(hostile, allowlist_pins_files_not_names)
{
	char sleep_bin[4096], *d = scratch(), copy[4400], copy2[4400], tmp[4500], why[512];
	char list[9000];
	if (!realpath("/bin/sleep", sleep_bin))
		cr_skip_test("no /bin/sleep");
	snprintf(copy, sizeof(copy), "%s/sleep", d);
	snprintf(copy2, sizeof(copy2), "%s/sleep2", d);
	snprintf(tmp, sizeof(tmp), "%s/sleep2.new", d);
	copy_file(sleep_bin, copy);
	copy_file(sleep_bin, copy2);
	struct agent_allow al[AGENT_MAX_ALLOW];
	int n;
	/* Names and globs are refused at start, with a reason. */
	cr_expect_eq(agent_allow_parse("sleep", al, AGENT_MAX_ALLOW, &n, why, sizeof(why)), -EINVAL);
	cr_expect(strstr(why, "any process can call itself anything"), "%s", why);
	cr_expect_lt(agent_allow_parse("/usr/bin/*", al, AGENT_MAX_ALLOW, &n, why, sizeof(why)), 0);
	cr_expect(strstr(why, "no globs"), "%s", why);
	snprintf(list, sizeof(list), "exe:%s,%s,cgroup:/nonexistent.slice", sleep_bin, copy2);
	cr_assert_eq(agent_allow_parse(list, al, AGENT_MAX_ALLOW, &n, why, sizeof(why)), 0, "%s", why);
	cr_assert_eq(n, 3);

	/* The allowed file itself. */
	pid_t real = spawn_sleep(sleep_bin);
	cr_expect(allowed(al, n, real), "%s is not allowed", sleep_bin);
	/* A process that only calls itself sleep, or a kernel thread's name: not allowed, and
	 * not a kernel thread. */
	pid_t named[2];
	const char *names[] = { "sleep", "kworker/0:1" };
	for (int i = 0; i < 2; i++) {
		named[i] = fork();
		if (named[i] == 0) {
			prctl(PR_SET_NAME, names[i]);
			set_cmdline(sleep_bin);
			pause();
			_exit(0);
		}
	}
	usleep(100000);
	for (int i = 0; i < 2; i++) {
		struct pp_agent_proc id;
		struct agent_stat st;
		cr_assert_eq(pp_agent_proc_read(named[i], &id), 0);
		cr_expect_str_eq(id.comm, names[i]);
		cr_expect_null(agent_allow_match(al, n, &id), "a process named %s is allowed", names[i]);
		cr_assert_eq(agent_stat_read(named[i], &st), 0);
		cr_expect_not(agent_is_kthread(&st), "a process named %s is a kernel thread", names[i]);
	}
	/* A copy of the allowed file at another path: not allowed. */
	pid_t copied = spawn_sleep(copy);
	cr_expect_not(allowed(al, n, copied), "a copy at %s is allowed", copy);
	/* An allowed path whose file was replaced after the allowlist was read: not allowed. */
	copy_file(sleep_bin, tmp);
	cr_assert_eq(rename(tmp, copy2), 0);
	pid_t replaced = spawn_sleep(copy2);
	cr_expect_not(allowed(al, n, replaced), "a new file put at %s is allowed", copy2);
	pid_t all[] = { real, named[0], named[1], copied, replaced };
	for (int i = 0; i < 5; i++)
		reap(all[i]);

	/* A cgroup entry covers the cgroup and below, not a sibling with a longer name. */
	char cg[512];
	agent_cgroup_read(getpid(), cg, sizeof(cg));
	if (cg[0] && strcmp(cg, "/") != 0) {
		struct pp_agent_proc id;
		cr_assert_eq(pp_agent_proc_read(getpid(), &id), 0);
		snprintf(list, sizeof(list), "cgroup:%s", cg);
		cr_assert_eq(agent_allow_parse(list, al, AGENT_MAX_ALLOW, &n, why, sizeof(why)), 0);
		cr_expect_not_null(agent_allow_match(al, n, &id));
		snprintf(list, sizeof(list), "cgroup:%sx", cg);
		cr_assert_eq(agent_allow_parse(list, al, AGENT_MAX_ALLOW, &n, why, sizeof(why)), 0);
		cr_expect_null(agent_allow_match(al, n, &id));
	} else {
		cr_log_info("cgroup entries not checked: this test runs in the root cgroup");
	}
	rm_rf(d);
	free(d);
}

static char state_of(pid_t pid)
{
	char path[64];
	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	char *s = pp_test_slurp(path), *p = strrchr(s, ')');
	char c = p ? p[2] : '?';
	free(s);
	return c;
}

/* End to end with --action stop: a miner renamed after the allowlisted binary (and one named
 * like a kernel thread) is stopped; the allowlisted binary is alerted on but left running; a
 * copy of it at another path is stopped. */
Test(hostile, allowlist_end_to_end_with_action_stop, .timeout = 180)
{
	char *d = scratch(), copy[4400], out[4400], err[4400], allow[4400], pids[128];
	snprintf(copy, sizeof(copy), "%s/powprint", d);
	copy_file(PP_CLI_PATH, copy);
	snprintf(out, sizeof(out), "%s/out", d);
	snprintf(err, sizeof(err), "%s/err", d);
	snprintf(allow, sizeof(allow), "exe:%s", PP_CLI_PATH);
	pid_t renamed = spawn_miner("powprint", PP_CLI_PATH " run cn/0");
	pid_t kname = spawn_miner("kworker/0:1", NULL);
	pid_t allowed = spawn_exec_miner(PP_CLI_PATH, "powprint");
	pid_t copied = spawn_exec_miner(copy, "powprint");
	snprintf(pids, sizeof(pids), "%d,%d,%d,%d", (int)renamed, (int)kname, (int)allowed,
		 (int)copied);
	const char *args[] = { "watch", "--json", "--pid", pids, "--min-cpu", "5", "--action",
			       "stop", "--allow", allow, NULL };
	pid_t agent = spawn_agent(out, err, args, NULL);
	pid_t all[] = { renamed, kname, allowed, copied };
	bool acted = wait_events(out, "action", all, 4, 90);
	int rc = stop_agent(agent);
	char *o = pp_test_slurp(out);
	cr_assert(acted, "not every miner got an action event in 90 s:\n%s\n%s", o,
		  pp_test_slurp(err));
	cr_expect_eq(rc, 0);
	char sr = state_of(renamed), sk = state_of(kname), sa = state_of(allowed),
	     sc = state_of(copied);
	cr_expect_eq(sr, 'T', "the renamed miner was not stopped (%c)", sr);
	cr_expect_eq(sk, 'T', "the miner called kworker/0:1 was not stopped (%c)", sk);
	cr_expect_neq(sa, 'T', "the allowlisted binary was stopped");
	cr_expect_eq(sc, 'T', "the copy at another path was not stopped (%c)", sc);
	char needle[64];
	snprintf(needle, sizeof(needle), "\"pid\":%d,", (int)allowed);
	const char *line = strstr(o, needle);
	while (line && !strstr(line, "\"event\":\"action\"") && (line = strstr(line + 1, needle)))
		;
	cr_expect(line && strstr(line, "refused: allowlisted"), "%s", o);
	for (int i = 0; i < 4; i++)
		reap(all[i]);
	free(o);
	rm_rf(d);
	free(d);

	char *e;
	cr_expect_eq(pp_cli_run("watch --allow xmrig --seconds 1", &o, &e), 1);
	cr_expect(strstr(e, "a name is not an allowlist entry"), "%s", e);
	free(o);
	free(e);
}

/* ---- 4. a reused pid ---- */

/* A child at exactly pid (clone3's set_tid, Linux 5.5, CAP_SYS_ADMIN); -errno if not. */
static pid_t fork_at(pid_t pid)
{
	struct clone_args ca = { .exit_signal = SIGCHLD, .set_tid = (uint64_t)(uintptr_t)&pid,
				 .set_tid_size = 1 };
	long r = syscall(SYS_clone3, &ca, sizeof(ca));
	if (r == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		for (;;)
			pause();
	}
	return r < 0 ? -errno : (pid_t)r;
}

Test(hostile, a_reused_pid_is_never_signalled)
{
	pid_t old = fork();
	if (old == 0) {
		for (;;)
			pause();
	}
	struct agent_stat st;
	cr_assert_eq(agent_stat_read(old, &st), 0);
	/* Start times count clock ticks (10 ms): the new process must start in a later one. */
	usleep(50000);
	int fd = agent_pidfd_open(old, st.start_ticks);
	if (fd == -ENOSYS)
		cr_skip_test("no pidfd_open on this kernel");
	cr_assert_geq(fd, 0, "%s", strerror(-fd));
	/* A start time that is not the process's: refused at open. */
	cr_expect_eq(agent_pidfd_open(old, st.start_ticks + 1), -ESRCH);
	reap(old);
	pid_t reused = fork_at(old);
	if (reused < 0) {
		close(fd);
		cr_skip_test("cannot create a process at pid %d to reuse it: %s", (int)old,
			     strerror(-reused));
	}
	cr_assert_eq(reused, old);
	/* Through the pidfd of the old process, and by pid with the old start time: neither
	 * reaches the new one. */
	cr_expect_eq(agent_signal(old, st.start_ticks, fd, SIGSTOP), -ESRCH);
	cr_expect_eq(agent_signal(old, st.start_ticks, -1, SIGSTOP), -ESRCH);
	usleep(100000);
	cr_expect_neq(state_of(reused), 'T', "the process now at pid %d was stopped", (int)old);
	/* And its own (pid, start) is signalled. */
	struct agent_stat now;
	cr_assert_eq(agent_stat_read(reused, &now), 0);
	cr_expect_neq(now.start_ticks, st.start_ticks);
	int fd2 = agent_pidfd_open(reused, now.start_ticks);
	cr_assert_geq(fd2, 0);
	cr_expect_eq(agent_signal(reused, now.start_ticks, fd2, SIGSTOP), 0);
	char s = '?';
	for (int i = 0; i < 20 && s != 'T'; i++, usleep(50000))
		s = state_of(reused);
	cr_expect_eq(s, 'T');
	close(fd);
	close(fd2);
	reap(reused);
}

/* ---- 5. the metrics endpoint ---- */

static struct pp_metrics_server *start_server(int *port)
{
	struct pp_metrics_server *srv;
	char why[256];
	cr_assert_eq(pp_metrics_server_start("127.0.0.1:0", &srv, why, sizeof(why)), 0, "%s", why);
	cr_assert_eq(pp_metrics_server_set(srv, "powprint_agent_scans_total 7\n"), 0);
	*port = pp_metrics_server_port(srv);
	return srv;
}

static int status_of(const char *resp)
{
	return !strncmp(resp, "HTTP/1.", 7) && strlen(resp) > 12 ? atoi(resp + 9) : 0;
}

Test(hostile, metrics_answers_only_get_metrics)
{
	int port;
	struct pp_metrics_server *srv = start_server(&port);
	static const struct { const char *req; int status; } v[] = {
		{ "GET /metrics HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", 200 },
		{ "HEAD /metrics HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", 200 },
		{ "POST /metrics HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nConnection: close\r\n\r\n"
		  "hello", 405 },
		{ "DELETE /metrics HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", 405 },
		{ "PUT /other HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
		  405 },
		{ "GET /other HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", 404 },
		{ "GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", 404 },
		{ "GET /metrics/../metrics HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", 404 },
	};
	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		char *r = http(port, v[i].req, 2);
		cr_expect_eq(status_of(r), v[i].status, "%s-> %.60s", v[i].req, r);
		if (v[i].status == 200 && v[i].req[0] == 'G')
			cr_expect(strstr(r, "\r\n\r\npowprint_agent_scans_total 7\n"), "%s", r);
		if (v[i].status == 405)
			cr_expect(strstr(r, "Allow: GET, HEAD"), "%s", r);
		free(r);
	}
	/* A 4 KiB header is a request; 64 KiB is refused whole. */
	for (int kib = 4; kib <= 64; kib *= 16) {
		size_t n = (size_t)kib * 1024;
		char *req = malloc(n + 128);
		int k = sprintf(req, "GET /metrics HTTP/1.1\r\nHost: x\r\nX-Pad: ");
		memset(req + k, 'a', n);
		strcpy(req + k + n, "\r\nConnection: close\r\n\r\n");
		char *r = http(port, req, 2);
		int code = status_of(r);
		if (kib == 4)
			cr_expect_eq(code, 200, "a 4 KiB header: %.60s", r);
		else
			cr_expect(code == 431 || code == 413 || code == 0,
				  "a 64 KiB header was not refused: %.60s", r);
		cr_log_info("%d KiB header: status %d", kib, code);
		free(r);
		free(req);
	}
	pp_metrics_server_stop(srv);
}

Test(hostile, metrics_survive_idle_and_slow_clients, .timeout = 60)
{
	int port;
	struct pp_metrics_server *srv = start_server(&port);
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port),
				 .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	/* 200 connections that never send a byte. */
	int idle[200], opened = 0;
	for (int i = 0; i < 200; i++) {
		idle[i] = socket(AF_INET, SOCK_STREAM, 0);
		opened += connect(idle[i], (struct sockaddr *)&a, sizeof(a)) == 0;
	}
	cr_expect_eq(opened, 200);
	double t0 = pp_clock_mono_s();
	char *r = http(port, "GET /metrics HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", 2);
	double took = pp_clock_mono_s() - t0;
	cr_expect_eq(status_of(r), 200, "a scrape beside 200 idle connections: %.60s", r);
	cr_expect_leq(took, 2.0, "the scrape took %.2f s", took);
	cr_log_info("scrape beside 200 idle connections: %.3f s", took);
	free(r);
	for (int i = 0; i < 200; i++)
		close(idle[i]);

	/* One byte a second: never idle long enough for an idle timeout, dropped anyway. */
	int s = socket(AF_INET, SOCK_STREAM, 0);
	cr_assert_eq(connect(s, (struct sockaddr *)&a, sizeof(a)), 0);
	const char *req = "GET /metrics HTTP/1.1\r\nHost: x\r\nX-Slow: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
	t0 = pp_clock_mono_s();
	double dropped = -1;
	for (size_t i = 0; i < strlen(req) && dropped < 0; i++) {
		if (send(s, req + i, 1, MSG_NOSIGNAL) != 1) {
			dropped = pp_clock_mono_s() - t0;
			break;
		}
		struct pollfd pf = { .fd = s, .events = POLLIN };
		if (poll(&pf, 1, 1000) > 0) {
			char c;
			if (recv(s, &c, 1, 0) <= 0)
				dropped = pp_clock_mono_s() - t0;
		}
	}
	close(s);
	cr_expect_geq(dropped, 0, "a client sending a byte a second was never dropped");
	cr_expect_leq(dropped, METRICS_REQUEST_S + 2, "dropped after %.1f s", dropped);
	cr_log_info("slow client dropped after %.1f s (deadline %.0f s)", dropped,
		    (double)METRICS_REQUEST_S);
	struct metrics_server_stats st;
	metrics_server_stats(srv, &st);
	cr_expect_gt(st.evicted, 0);
	cr_expect_geq(st.timed_out, 1);
	pp_metrics_server_stop(srv);
}

Test(hostile, metrics_routes)
{
	cr_expect_eq(metrics_route("GET", "/metrics"), 200);
	cr_expect_eq(metrics_route("HEAD", "/metrics"), 200);
	cr_expect_eq(metrics_route("GET", "/metrics/"), 404);
	cr_expect_eq(metrics_route("get", "/metrics"), 405);
	cr_expect_eq(metrics_route("POST", "/nothing"), 405);
	cr_expect_eq(metrics_route(NULL, NULL), 405);
	cr_expect_eq(metrics_route("GET", NULL), 404);
}

/* ---- 2. executable memory and mapping churn ---- */

/* 4 GiB of executable memory, touched every MiB, and a loop in one of its pages. */
static void exec_hog(void)
{
	size_t big = (size_t)4 << 30, pg = (size_t)sysconf(_SC_PAGESIZE);
	volatile uint8_t *m = mmap(NULL, big, PROT_READ | PROT_WRITE | PROT_EXEC,
				   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (m == MAP_FAILED)
		_exit(3);
	for (size_t o = 0; o < big; o += 1 << 20)
		m[o] = 0xc3; /* ret */
	/* mov ecx,100000; L: imul rax,rax; add rax,1; dec ecx; jnz L; ret */
	static const uint8_t code[] = { 0xb9, 0xa0, 0x86, 0x01, 0x00, 0x48, 0x0f, 0xaf, 0xc0,
					0x48, 0x83, 0xc0, 0x01, 0xff, 0xc9, 0x75, 0xf4, 0xc3 };
	uint8_t *at = (uint8_t *)m + big / 2 + pg;
	memcpy(at, code, sizeof(code));
	void (*fn)(void) = (void (*)(void))(uintptr_t)at;
	for (;;) {
		fn();
		((void (*)(void))(uintptr_t)(m + (size_t)(pp_clock_mono_s() * 1e3) % 4096 * (1 << 20)))();
	}
}

/* Maps and unmaps executable pages every millisecond, keeping ~4000 of them, and spins. */
static void map_churn(void)
{
	enum { KEEP = 4000 };
	static void *maps[KEEP];
	size_t pg = (size_t)sysconf(_SC_PAGESIZE);
	uint64_t seed = 1;
	for (unsigned long i = 0;; i++) {
		int k = (int)(i % KEEP);
		if (maps[k])
			munmap(maps[k], pg);
		/* Scattered hints: no two neighbours merge into one mapping. */
		void *hint = (void *)(uintptr_t)((0x100000000ull + (pp_test_rand(&seed) % (1ull << 30)) * 2 * pg) & ~(uint64_t)(pg - 1));
		maps[k] = mmap(hint, pg, PROT_READ | PROT_EXEC, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (maps[k] == MAP_FAILED)
			maps[k] = NULL;
		double until = pp_clock_mono_s() + 0.001;
		while (pp_clock_mono_s() < until)
			;
	}
}

static long status_kib(pid_t pid, const char *field)
{
	char path[64];
	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	char *s = pp_test_slurp(path), *p = strstr(s, field);
	long v = p ? atol(p + strlen(field)) : -1;
	free(s);
	return v;
}

static pid_t spawn_fn(void (*fn)(void))
{
	pid_t pid = fork();
	cr_assert_geq(pid, 0);
	if (pid == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		alarm(120);
		fn();
		_exit(0);
	}
	return pid;
}

Test(hostile, exec_memory_and_map_churn_keep_the_agent_bounded, .timeout = 120)
{
#if !defined(__x86_64__)
	cr_skip_test("the executable-memory target's loop is x86-64 code");
#endif
	char *d = scratch(), out[4400], err[4400], pids[64];
	snprintf(out, sizeof(out), "%s/out", d);
	snprintf(err, sizeof(err), "%s/err", d);
	pid_t hog = spawn_fn(exec_hog), churn = spawn_fn(map_churn);
	usleep(500000);
	snprintf(pids, sizeof(pids), "%d,%d", (int)hog, (int)churn);
	const char *args[] = { "watch", "--json", "--pid", pids, "--min-cpu", "5", "--seconds",
			       "20", NULL };
	pid_t agent = spawn_agent(out, err, args, NULL);
	long hwm = 0;
	for (int i = 0; i < 22 * 4; i++) {
		usleep(250000);
		long h = status_kib(agent, "VmHWM:");
		hwm = h > hwm ? h : hwm;
		if (waitpid(agent, NULL, WNOHANG) == agent)
			break;
	}
	waitpid(agent, NULL, 0);
	long maps_n = 0; /* the churner's mappings at the end: it keeps ~4000 once warm */
	char mpath[64];
	snprintf(mpath, sizeof(mpath), "/proc/%d/maps", (int)churn);
	char *mt = pp_test_slurp(mpath);
	for (char *p = mt; (p = strchr(p, '\n')); p++)
		maps_n++;
	free(mt);
	reap(hog);
	reap(churn);
	char *o = pp_test_slurp(out), *sum = strstr(o, "{\"event\":\"summary\"");
	cr_assert_not_null(sum, "no summary: %s\n%s", o, pp_test_slurp(err));
	cJSON *j = cJSON_Parse(sum);
	cr_assert_not_null(j);
	double cpu = cJSON_GetObjectItem(j, "cpu_seconds")->valuedouble,
	       secs = cJSON_GetObjectItem(j, "seconds")->valuedouble,
	       rss = cJSON_GetObjectItem(j, "rss_bytes")->valuedouble,
	       windows = cJSON_GetObjectItem(j, "windows_classified")->valuedouble;
	cr_log_info("4 GiB exec + churn (%ld maps lines): agent %.2f s CPU in %.1f s (%.1f%% of a "
		    "core), RSS %.1f MiB at the end, peak %.1f MiB, %.0f windows", maps_n, cpu,
		    secs, 100 * cpu / secs, rss / 1048576, hwm / 1024.0, windows);
	cr_expect_gt(windows, 10, "the targets were hardly watched");
	/* The agent's own targets (docs/agent.md): 32 MiB and 1% of a core with 50 ordinary
	 * processes. Two hostile ones may cost more, not without bound. */
	cr_expect_leq(hwm, 96 * 1024, "peak RSS %ld KiB", hwm);
	cr_expect_leq(cpu / secs, 0.25, "%.1f%% of a core", 100 * cpu / secs);
	cJSON_Delete(j);
	free(o);
	rm_rf(d);
	free(d);
}

/* ---- 6. an agent short of privileges ---- */

/* `powprint run sha256` as user nobody: a process whose code only CAP_SYS_PTRACE may read. */
static pid_t spawn_as_nobody(void)
{
	pid_t pid = fork();
	cr_assert_geq(pid, 0);
	if (pid == 0) {
		int nul = open("/dev/null", O_RDWR);
		dup2(nul, 0), dup2(nul, 1), dup2(nul, 2);
		if (setgroups(0, NULL) || setgid(65534) || setuid(65534))
			_exit(126);
		execl(PP_CLI_PATH, "powprint", "run", "sha256", "-s", "60", (char *)NULL);
		_exit(127);
	}
	return pid;
}

/* An agent without CAP_SYS_PTRACE reads no other user's code, so its instruction mix is
 * unknown: it must say so, naming the capability, once however many such processes it
 * watches (a collector's warning per process would bury everything else). */
Test(hostile, an_agent_without_ptrace_says_so_once, .timeout = 120)
{
	if (geteuid() != 0)
		cr_skip_test("needs root: the targets run as another user");
	char *d = scratch(), out[4400], err[4400], pids[64];
	snprintf(out, sizeof(out), "%s/out", d);
	snprintf(err, sizeof(err), "%s/err", d);
	pid_t t[2] = { spawn_as_nobody(), spawn_as_nobody() };
	snprintf(pids, sizeof(pids), "%d,%d", (int)t[0], (int)t[1]);
	pid_t agent = fork();
	cr_assert_geq(agent, 0);
	if (agent == 0) {
		int o = open(out, O_WRONLY | O_CREAT | O_TRUNC, 0644);
		int e = open(err, O_WRONLY | O_CREAT | O_TRUNC, 0644);
		dup2(o, 1), dup2(e, 2);
		/* Out of the bounding set, root's exec gets every capability but this one. */
		if (prctl(PR_CAPBSET_DROP, CAP_SYS_PTRACE, 0, 0, 0))
			_exit(125);
		execl(PP_CLI_PATH, "powprint", "watch", "--json", "--pid", pids, "--min-cpu", "5",
		      "--seconds", "5", (char *)NULL);
		_exit(127);
	}
	int st;
	cr_assert_eq(waitpid(agent, &st, 0), agent);
	for (int i = 0; i < 2; i++)
		reap(t[i]);
	char *o = pp_test_slurp(out), *e = pp_test_slurp(err);
	cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0, "agent: %d\n%s\n%s", st, o, e);
	cr_expect(strstr(o, "\"windows_classified\":") && !strstr(o, "\"windows_classified\":0,"),
		  "the targets were not watched:\n%s\n%s", o, e);
	int said = 0;
	for (const char *p = e; (p = strstr(p, "CAP_SYS_PTRACE")); p++)
		said++;
	cr_expect_eq(said, 1, "CAP_SYS_PTRACE named %d times for two targets:\n%s", said, e);
	free(o);
	free(e);
	rm_rf(d);
	free(d);
}

/* ---- 7. a cgroup allowlist, end to end ---- */

/* Where cgroup v2 is mounted (/sys/fs/cgroup, or .../unified on a hybrid host); false if not. */
static bool cgroup2_root(char *out, size_t len)
{
	FILE *f = fopen("/proc/self/mountinfo", "r");
	char line[4096];
	bool found = false;
	while (f && !found && fgets(line, sizeof(line), f)) {
		char mnt[2048], *dash = strstr(line, " - cgroup2 ");
		found = dash && sscanf(line, "%*s %*s %*s %*s %2047s", mnt) == 1 &&
			snprintf(out, len, "%s", mnt) < (int)len;
	}
	if (f)
		fclose(f);
	return found;
}

/* Moves pid into cgroup dir (created); false when this host does not let us. */
static bool cgroup_enter(const char *dir, pid_t pid)
{
	char procs[4200];
	snprintf(procs, sizeof(procs), "%s/cgroup.procs", dir);
	if (mkdir(dir, 0755) && errno != EEXIST)
		return false;
	FILE *f = fopen(procs, "w");
	if (!f)
		return false;
	bool ok = fprintf(f, "%d\n", (int)pid) > 0;
	return fclose(f) == 0 && ok;
}

/* --allow cgroup:/G: a miner inside G is alerted on and left running; one in the sibling
 * cgroup G-x, whose name only starts like G's, is stopped. */
Test(hostile, cgroup_allowlist_end_to_end_with_action_stop, .timeout = 180)
{
	char root[2048], in[2200], sib[2200], allow[256];
	if (!cgroup2_root(root, sizeof(root)))
		cr_skip_test("no cgroup v2 hierarchy mounted here");
	char *d = scratch(), out[4400], err[4400], pids[64];
	snprintf(out, sizeof(out), "%s/out", d);
	snprintf(err, sizeof(err), "%s/err", d);
	snprintf(allow, sizeof(allow), "cgroup:/pp-allow-%d", (int)getpid());
	snprintf(in, sizeof(in), "%s/pp-allow-%d", root, (int)getpid());
	snprintf(sib, sizeof(sib), "%s/pp-allow-%d-x", root, (int)getpid());
	pid_t ok = spawn_miner("backup-job", NULL), bad = spawn_miner("backup-job", NULL);
	if (!cgroup_enter(in, ok) || !cgroup_enter(sib, bad)) {
		reap(ok), reap(bad), rmdir(in), rmdir(sib);
		cr_skip_test("cannot create cgroups under %s (%s)", root, strerror(errno));
	}
	char cg[512];
	agent_cgroup_read(ok, cg, sizeof(cg));
	cr_assert_str_eq(cg, allow + 7, "the miner's cgroup reads %s", cg);
	snprintf(pids, sizeof(pids), "%d,%d", (int)ok, (int)bad);
	const char *args[] = { "watch", "--json", "--pid", pids, "--min-cpu", "5", "--action",
			       "stop", "--allow", allow, NULL };
	pid_t agent = spawn_agent(out, err, args, NULL);
	pid_t both[] = { ok, bad };
	bool acted = wait_events(out, "action", both, 2, 90);
	int rc = stop_agent(agent);
	char *o = pp_test_slurp(out);
	char so = state_of(ok), sb = state_of(bad);
	reap(ok), reap(bad);
	usleep(100000); /* the cgroups empty once the killed children are gone */
	rmdir(in), rmdir(sib);
	cr_assert(acted, "not both miners got an action event in 90 s:\n%s\n%s", o,
		  pp_test_slurp(err));
	cr_expect_eq(rc, 0);
	cr_expect_neq(so, 'T', "the miner in the allowed cgroup was stopped");
	cr_expect_eq(sb, 'T', "the miner in the sibling cgroup was not stopped (%c)", sb);
	char needle[64];
	snprintf(needle, sizeof(needle), "\"pid\":%d,", (int)ok);
	const char *line = strstr(o, needle);
	while (line && !strstr(line, "\"event\":\"action\"") && (line = strstr(line + 1, needle)))
		;
	cr_expect(line && strstr(line, "refused: allowlisted"), "%s", o);
	free(o);
	rm_rf(d);
	free(d);
}
