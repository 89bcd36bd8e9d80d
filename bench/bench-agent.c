/* bench-agent: what the detection agent (`powprint watch`) costs with many busy processes,
 * and how fast it alerts on a miner.
 *
 * N busy child processes (default 50, at nice 19 so the benchmark takes only idle CPU from
 * other work on the machine) share the cores: `powprint run W` for W cycling through
 * --workloads (default every benign workload of the catalog: real code has many hot IPs,
 * which is what the ip-sample caches hold), or "loop", a tight integer loop. The agent runs
 * as a child, `powprint watch --all --interval MS --json --metrics 127.0.0.1:PORT`, with
 * --min-cpu well below what each busy process gets (a quarter of its fair share, at most the
 * agent's default). After --warmup seconds it is measured for --seconds:
 *  - its CPU time (utime + stime from /proc/AGENT/stat, all threads) per wall second, as a
 *    percentage of one core. Target: <= 1% with 50 processes monitored at 1 s.
 *  - its resident memory: VmRSS at the end (and the largest seen), VmHWM. Target: <= 32 MiB.
 *  - how many processes it monitored (powprint_agent_processes_monitored from its /metrics,
 *    the median of one scrape per second) and how much CPU the busy processes got.
 *  - false alerts: alerts on anything but the miners it starts itself, over the whole run.
 *    Target: zero while every benign catalog workload runs.
 * With --latency, a miner (`powprint run cn/r`, then the same at --duty 20) is started
 * --reps times while the agent runs, and the time from its start to its alert line is
 * reported (median). Targets: 5 s at full speed, 15 s duty-cycled (all of them:
 * docs/benchmarks.md). */
#define _GNU_SOURCE
#include "core/clock.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <math.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define TARGET_CPU_PCT 1.0
#define TARGET_RSS_MIB 32.0
#define TARGET_LATENCY_S 5.0
#define TARGET_LATENCY_DUTY_S 15.0
#define MAX_PROCS 1000
#define MAX_REPS 20
#define DEFAULT_WORKLOADS "benign"
#define MAX_WORKLOADS 64

static volatile sig_atomic_t stop_req;

static void on_stop(int sig)
{
	(void)sig;
	stop_req = 1;
}

/* Sleeps s seconds unless asked to stop; false when stopped. */
static bool nap(double s)
{
	double end = pp_clock_mono_s() + s;
	while (!stop_req) {
		double left = end - pp_clock_mono_s();
		if (left <= 0)
			return true;
		usleep(left > 0.1 ? 100000 : (useconds_t)(left * 1e6));
	}
	return false;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

static double median(double *v, int n)
{
	if (n <= 0)
		return NAN;
	qsort(v, (size_t)n, sizeof(*v), cmp_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

static ssize_t read_file(const char *path, char *buf, size_t cap)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	ssize_t n = read(fd, buf, cap - 1);
	close(fd);
	if (n < 0)
		return -errno;
	buf[n] = '\0';
	return n;
}

/* utime + stime of every thread of pid, in seconds; NaN when it is gone. */
static double proc_cpu_s(pid_t pid)
{
	char path[64], buf[1024];
	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	if (read_file(path, buf, sizeof(buf)) <= 0)
		return NAN;
	const char *p = strrchr(buf, ')');
	unsigned long long ut, st;
	if (!p || sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu", &ut,
			 &st) != 2)
		return NAN;
	return (double)(ut + st) / (double)sysconf(_SC_CLK_TCK);
}

/* A "Key: N kB" line of /proc/PID/status, in MiB; NaN when absent. */
static double status_mib(pid_t pid, const char *key)
{
	char path[64], buf[4096];
	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	if (read_file(path, buf, sizeof(buf)) <= 0)
		return NAN;
	const char *p = strstr(buf, key);
	return p ? atof(p + strlen(key) + 1) / 1024.0 : NAN;
}

static int free_port(void)
{
	int s = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t l = sizeof(a);
	if (s < 0 || bind(s, (struct sockaddr *)&a, sizeof(a)) ||
	    getsockname(s, (struct sockaddr *)&a, &l)) {
		if (s >= 0)
			close(s);
		return -1;
	}
	close(s);
	return ntohs(a.sin_port);
}

/* One value of the agent's /metrics (a plain HTTP/1.0 GET on loopback); NaN on failure. */
static double scrape(int port, const char *metric)
{
	int s = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (s < 0)
		return NAN;
	struct timeval tv = { .tv_sec = 2 };
	setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(s, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port),
				 .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	static char buf[1 << 16];
	size_t got = 0;
	const char req[] = "GET /metrics HTTP/1.0\r\nHost: localhost\r\n\r\n";
	if (connect(s, (struct sockaddr *)&a, sizeof(a)) == 0 &&
	    write(s, req, sizeof(req) - 1) == (ssize_t)sizeof(req) - 1) {
		ssize_t k;
		while (got + 1 < sizeof(buf) && (k = read(s, buf + got, sizeof(buf) - 1 - got)) > 0)
			got += (size_t)k;
	}
	close(s);
	buf[got] = '\0';
	char needle[128];
	snprintf(needle, sizeof(needle), "\n%s ", metric);
	const char *p = strstr(buf, needle);
	return p ? atof(p + strlen(needle)) : NAN;
}

static volatile unsigned long long sink;

static pid_t start_cmd(char *const argv[], const char *out_path, const char *err_path);

/* A busy process that dies with the benchmark: workload w of `powprint run`, or "loop". */
static pid_t start_busy(const char *cli, const char *w, int nice_val)
{
	if (strcmp(w, "loop") != 0) {
		char nv[16];
		snprintf(nv, sizeof(nv), "%d", nice_val);
		char *argv[] = { (char *)cli, "run", (char *)w, "--seconds", "1000000", "--nice", nv,
				 "--quiet", NULL };
		return start_cmd(argv, NULL, NULL);
	}
	pid_t pid = fork();
	if (pid != 0)
		return pid;
	signal(SIGINT, SIG_DFL);
	signal(SIGTERM, SIG_DFL);
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	prctl(PR_SET_NAME, "pp-bench-busy");
	if (setpriority(PRIO_PROCESS, 0, nice_val)) {
		/* keep running at the inherited priority */
	}
	unsigned long long x = (unsigned long long)getpid();
	for (;;) {
		for (int i = 0; i < 1000000; i++)
			x = x * 6364136223846793005ull + 1442695040888963407ull;
		sink = x;
	}
}

/* Starts argv with stdout into out_path and stderr into err_path (NULL: /dev/null). */
static pid_t start_cmd(char *const argv[], const char *out_path, const char *err_path)
{
	pid_t pid = fork();
	if (pid != 0)
		return pid;
	signal(SIGINT, SIG_DFL);
	signal(SIGTERM, SIG_DFL);
	prctl(PR_SET_PDEATHSIG, SIGTERM);
	int nul = open("/dev/null", O_RDWR);
	int o = out_path ? open(out_path, O_WRONLY | O_CREAT | O_TRUNC, 0644) : nul;
	int e = err_path ? open(err_path, O_WRONLY | O_CREAT | O_TRUNC, 0644) : nul;
	if (nul < 0 || o < 0 || e < 0)
		_exit(127);
	dup2(nul, 0);
	dup2(o, 1);
	dup2(e, 2);
	execv(argv[0], argv);
	_exit(127);
}

static void stop_pid(pid_t pid, int sig)
{
	if (pid <= 0)
		return;
	kill(pid, sig);
	for (int i = 0; i < 100; i++) {
		if (waitpid(pid, NULL, WNOHANG) == pid)
			return;
		usleep(50000);
	}
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
}

/* Seconds until an alert line about pid appears in the agent's JSON-lines output (read from
 * *off on), or NaN after timeout_s. */
static double wait_alert(const char *out_path, long *off, pid_t pid, double t0, double timeout_s)
{
	char needle[64], line[8192];
	snprintf(needle, sizeof(needle), "\"pid\":%d,", (int)pid);
	FILE *f = fopen(out_path, "re");
	if (!f)
		return NAN;
	double found = NAN;
	while (isnan(found) && !stop_req && pp_clock_mono_s() - t0 < timeout_s) {
		fseek(f, *off, SEEK_SET);
		while (fgets(line, sizeof(line), f)) {
			size_t l = strlen(line);
			if (!l || line[l - 1] != '\n')
				break; /* a line still being written: read it again next time */
			*off += (long)l;
			if (strstr(line, "\"event\":\"alert\"") && strstr(line, needle)) {
				found = pp_clock_mono_s() - t0;
				break;
			}
		}
		clearerr(f);
		if (isnan(found))
			usleep(100000);
	}
	fclose(f);
	return found;
}

static pid_t miners[2 * MAX_REPS];
static int nminers;

static int latency_runs(const char *cli, const char *miner, int duty, int reps,
			const char *out_path, double timeout_s, double *lat)
{
	long off = 0;
	struct stat sb;
	if (stat(out_path, &sb) == 0)
		off = (long)sb.st_size;
	int n = 0;
	for (int r = 0; r < reps && !stop_req; r++) {
		char secs[32], dutys[16];
		snprintf(secs, sizeof(secs), "%.0f", timeout_s + 10);
		snprintf(dutys, sizeof(dutys), "%d", duty);
		char *argv[] = { (char *)cli, "run", (char *)miner, "--seconds", secs, "--quiet",
				 duty ? "--duty" : NULL, dutys, NULL };
		double t0 = pp_clock_mono_s();
		pid_t m = start_cmd(argv, NULL, NULL);
		if (m < 0)
			return -errno;
		miners[nminers++] = m;
		lat[n++] = wait_alert(out_path, &off, m, t0, timeout_s);
		stop_pid(m, SIGKILL);
		fprintf(stderr, "bench-agent: %s%s%s alerted after %.1f s\n", miner,
			duty ? " --duty " : "", duty ? dutys : "", lat[n - 1]);
		nap(3); /* its cleared event, and the agent forgets it */
	}
	return n;
}

/* Alerts in the agent's output about anything but the miners this benchmark started: with
 * only benign workloads busy, every one is a false alert. Prints each to stderr. */
static int false_alerts(const char *out_path)
{
	FILE *f = fopen(out_path, "re");
	if (!f)
		return -1;
	char line[8192];
	int n = 0;
	while (fgets(line, sizeof(line), f)) {
		const char *p = strstr(line, "\"pid\":");
		if (!strstr(line, "\"event\":\"alert\"") || !p)
			continue;
		pid_t pid = (pid_t)atoi(p + 6);
		bool miner = false;
		for (int i = 0; i < nminers; i++)
			miner |= miners[i] == pid;
		if (!miner) {
			n++;
			fprintf(stderr, "bench-agent: false alert: %s", line);
		}
	}
	fclose(f);
	return n;
}

/* "benign" in a --workloads list stands for every benign workload of the catalog (the names
 * in `powprint list --class benign`). Returns how many names are in wv. */
static int expand_workloads(const char *cli, char *list, char **wv, int cap)
{
	static char names[MAX_WORKLOADS][64];
	int nw = 0, nn = 0;
	for (char *save = NULL, *t = strtok_r(list, ",", &save); t && nw < cap;
	     t = strtok_r(NULL, ",", &save)) {
		if (strcmp(t, "benign") != 0) {
			wv[nw++] = t;
			continue;
		}
		char cmd[PATH_MAX + 64], line[512];
		snprintf(cmd, sizeof(cmd), "'%s' list --class benign", cli);
		FILE *p = popen(cmd, "re");
		if (!p)
			continue;
		bool header = true;
		while (fgets(line, sizeof(line), p) && nw < cap && nn < MAX_WORKLOADS) {
			if (header) { /* NAME CLASS ... */
				header = false;
				continue;
			}
			if (sscanf(line, "%63s benign", names[nn]) == 1 && strstr(line, " benign "))
				wv[nw++] = names[nn++];
		}
		pclose(p);
	}
	return nw;
}

/* The powprint next to this program (the build directory's), else on PATH. */
static void default_cli(char *out, size_t len)
{
	char self[PATH_MAX - 16];
	ssize_t k = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (k > 0) {
		self[k] = '\0';
		char *slash = strrchr(self, '/');
		if (slash) {
			*slash = '\0';
			snprintf(out, len, "%s/powprint", self);
			if (access(out, X_OK) == 0)
				return;
		}
	}
	snprintf(out, len, "powprint");
}

static void usage(FILE *f)
{
	fprintf(f,
		"usage: bench-agent [--procs N] [--seconds S] [--warmup S] [--interval MS]\n"
		"                   [--min-cpu PCT] [--nice N] [--model DIR] [--powprint PATH]\n"
		"                   [--workloads W,...] [--backends LIST] [--latency] [--reps N]\n"
		"                   [--miner NAME] [--json]\n"
		"\n"
		"Starts N busy processes (default 50, at nice 19): `powprint run W` for W cycling\n"
		"through --workloads (default %s: every benign workload of the catalog), \"loop\" a\n"
		"plain integer loop. Runs `powprint watch --all` on them and reports its CPU (%% of one\n"
		"core), resident memory and false alerts over --seconds (default 30) after --warmup\n"
		"(default 10), next to the targets (1%%, 32 MiB, 0). --min-cpu defaults to a quarter\n"
		"of each busy process's fair share of the cores (at most 10). --latency then starts a\n"
		"miner (--miner, default cn/r) --reps times (default 3) at full speed and at --duty 20,\n"
		"and reports the median time to its alert (targets 5 s and 15 s). --backends is\n"
		"passed to the agent (e.g. without ebpf, to see what that backend costs).\n"
		"--powprint defaults to the powprint next to this program.\n", DEFAULT_WORKLOADS);
}

int main(int argc, char **argv)
{
	int nprocs = 50, nice_val = 19, reps = 3;
	double seconds = 30, warmup = 10, min_cpu = 0;
	long interval = 1000;
	bool json = false, latency = false;
	const char *model = NULL, *miner = "cn/r", *workloads = DEFAULT_WORKLOADS, *backends = NULL;
	char cli[PATH_MAX];
	default_cli(cli, sizeof(cli));
	static const struct option lo[] = {
		{ "procs", required_argument, NULL, 'n' },
		{ "seconds", required_argument, NULL, 's' },
		{ "warmup", required_argument, NULL, 'w' },
		{ "interval", required_argument, NULL, 'I' },
		{ "min-cpu", required_argument, NULL, 'c' },
		{ "nice", required_argument, NULL, 'N' },
		{ "model", required_argument, NULL, 'm' },
		{ "powprint", required_argument, NULL, 'P' },
		{ "latency", no_argument, NULL, 'L' },
		{ "reps", required_argument, NULL, 'r' },
		{ "miner", required_argument, NULL, 'M' },
		{ "workloads", required_argument, NULL, 'W' },
		{ "backends", required_argument, NULL, 'b' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	int o;
	while ((o = getopt_long(argc, argv, "n:s:w:I:c:N:m:P:Lr:M:W:b:jh", lo, NULL)) != -1) {
		switch (o) {
		case 'n': nprocs = atoi(optarg); break;
		case 's': seconds = atof(optarg); break;
		case 'w': warmup = atof(optarg); break;
		case 'I': interval = atol(optarg); break;
		case 'c': min_cpu = atof(optarg); break;
		case 'N': nice_val = atoi(optarg); break;
		case 'm': model = optarg; break;
		case 'P': snprintf(cli, sizeof(cli), "%s", optarg); break;
		case 'L': latency = true; break;
		case 'r': reps = atoi(optarg); break;
		case 'M': miner = optarg; break;
		case 'W': workloads = optarg; break;
		case 'b': backends = optarg; break;
		case 'j': json = true; break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (nprocs < 0 || nprocs > MAX_PROCS || seconds <= 0 || warmup < 0 || interval < 100 ||
	    min_cpu < 0 || min_cpu > 100 || reps < 1 || reps > MAX_REPS || optind < argc) {
		fprintf(stderr, "bench-agent: bad arguments (--procs 0..%d, --seconds > 0, "
			"--interval >= 100, --reps 1..%d)\n", MAX_PROCS, MAX_REPS);
		return 2;
	}
	long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
	if (ncpu < 1)
		ncpu = 1;
	double share = 100.0 * (double)ncpu / (nprocs + 1);
	if (min_cpu == 0)
		min_cpu = fmin(10.0, share / 4);

	struct sigaction sa = { .sa_handler = on_stop };
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);

	char dir[] = "/tmp/pp-bench-agent-XXXXXX";
	if (!mkdtemp(dir)) {
		perror("bench-agent: mkdtemp");
		return 1;
	}
	char out_path[128], err_path[128];
	snprintf(out_path, sizeof(out_path), "%s/agent.out", dir);
	snprintf(err_path, sizeof(err_path), "%s/agent.err", dir);

	static pid_t busy[MAX_PROCS];
	char wl[1024], *wv[MAX_WORKLOADS];
	snprintf(wl, sizeof(wl), "%s", workloads);
	int nw = expand_workloads(cli, wl, wv, MAX_WORKLOADS);
	if (!nw)
		wv[nw++] = "loop";
	char wlist[2048] = "";
	for (int i = 0, o = 0; i < nw && o < (int)sizeof(wlist); i++)
		o += snprintf(wlist + o, sizeof(wlist) - (size_t)o, "%s%s", i ? "," : "", wv[i]);
	for (int i = 0; i < nprocs; i++)
		busy[i] = start_busy(cli, wv[i % nw], nice_val);

	int port = free_port();
	char addr[64], iv[32], mc[32];
	snprintf(addr, sizeof(addr), "127.0.0.1:%d", port);
	snprintf(iv, sizeof(iv), "%ld", interval);
	snprintf(mc, sizeof(mc), "%.3g", min_cpu);
	char *aargv[16] = { cli, "watch", "--all", "--interval", iv, "--json", "--min-cpu", mc,
			    "--metrics", addr };
	int an = 10;
	if (model) {
		aargv[an++] = "--model";
		aargv[an++] = (char *)model;
	}
	if (backends) {
		aargv[an++] = "--backends";
		aargv[an++] = (char *)backends;
	}
	aargv[an] = NULL;
	if (!json)
		printf("agent: %s watch --all --interval %s --min-cpu %s (%d busy processes (%s) at "
		       "nice %d on %ld CPUs: a fair share is %.1f%% of a core)\n", cli, iv, mc, nprocs,
		       wlist, nice_val, ncpu, share);
	fflush(stdout);
	pid_t agent = start_cmd(aargv, out_path, err_path);

	int rc = 1, nsamples = 0;
	double cpu0 = NAN, cpu1 = NAN, t0 = 0, t1 = 0, rss_max = 0, rss = NAN, hwm = NAN;
	double busy_pct = NAN, lat_full = NAN, lat_duty = NAN;
	int nlat_full = 0, nlat_duty = 0, found_full = 0, found_duty = 0;
	static double mon[4096], cand[4096], lat[2][MAX_REPS];
	double busy0 = 0, busy1 = 0;

	if (!nap(warmup) || waitpid(agent, NULL, WNOHANG) == agent) {
		char e[2048] = "";
		read_file(err_path, e, sizeof(e));
		fprintf(stderr, "bench-agent: the agent %s\n%s", stop_req ? "was interrupted" :
			"exited early", e);
		agent = 0;
		goto out;
	}
	for (int i = 0; i < nprocs; i++)
		busy0 += proc_cpu_s(busy[i]);
	t0 = pp_clock_mono_s();
	cpu0 = proc_cpu_s(agent);
	while (!stop_req && pp_clock_mono_s() - t0 < seconds) {
		nap(fmin(1.0, seconds - (pp_clock_mono_s() - t0)));
		double m = scrape(port, "powprint_agent_processes_monitored");
		double c = scrape(port, "powprint_agent_processes_candidates");
		double r = status_mib(agent, "VmRSS:");
		if (!isnan(m) && nsamples < 4096) {
			mon[nsamples] = m;
			cand[nsamples++] = c;
		}
		if (r > rss_max)
			rss_max = r;
	}
	cpu1 = proc_cpu_s(agent);
	t1 = pp_clock_mono_s();
	for (int i = 0; i < nprocs; i++)
		busy1 += proc_cpu_s(busy[i]);
	rss = status_mib(agent, "VmRSS:");
	hwm = status_mib(agent, "VmHWM:");
	busy_pct = nprocs ? 100.0 * (busy1 - busy0) / (t1 - t0) / nprocs : NAN;
	double cpu_pct = 100.0 * (cpu1 - cpu0) / (t1 - t0);
	int nm = nsamples;
	double mon_med = median(mon, nm), cand_med = median(cand, nm);

	if (latency && !stop_req) {
		/* The busy processes stay: the agent has its full load while it looks. */
		nlat_full = latency_runs(cli, miner, 0, reps, out_path, 40, lat[0]);
		nlat_duty = latency_runs(cli, miner, 20, reps, out_path, 60, lat[1]);
		for (int i = 0; i < nlat_full; i++)
			found_full += !isnan(lat[0][i]);
		for (int i = 0; i < nlat_duty; i++)
			found_duty += !isnan(lat[1][i]);
		/* Undetected runs count as infinitely late in the median. */
		for (int i = 0; i < nlat_full; i++)
			lat[0][i] = isnan(lat[0][i]) ? INFINITY : lat[0][i];
		for (int i = 0; i < nlat_duty; i++)
			lat[1][i] = isnan(lat[1][i]) ? INFINITY : lat[1][i];
		lat_full = median(lat[0], nlat_full);
		lat_duty = median(lat[1], nlat_duty);
	}
	int nfalse = false_alerts(out_path);

	if (json) {
		printf("{\"procs\":%d,\"workloads\":\"%s\",\"interval_ms\":%ld,\"min_cpu_pct\":%.3g,\"seconds\":%.1f,"
		       "\"busy_cpu_pct_each\":%.2f,\"monitored_median\":%.0f,"
		       "\"candidates_median\":%.0f,\"agent_cpu_pct\":%.3f,\"target_cpu_pct\":%.1f,"
		       "\"rss_mib\":%.1f,\"rss_max_mib\":%.1f,\"hwm_mib\":%.1f,"
		       "\"target_rss_mib\":%.0f,\"false_alerts\":%d", nprocs, wlist, interval,
		       min_cpu, t1 - t0, busy_pct, mon_med, cand_med, cpu_pct, TARGET_CPU_PCT, rss,
		       rss_max, hwm, TARGET_RSS_MIB, nfalse);
		if (latency) {
			printf(",\"latency\":{\"miner\":\"%s\",\"full_median_s\":", miner);
			printf(isfinite(lat_full) ? "%.2f" : "null", lat_full);
			printf(",\"full_detected\":%d,\"full_runs\":%d,\"duty20_median_s\":",
			       found_full, nlat_full);
			printf(isfinite(lat_duty) ? "%.2f" : "null", lat_duty);
			printf(",\"duty20_detected\":%d,\"duty20_runs\":%d,\"target_full_s\":%.0f,"
			       "\"target_duty20_s\":%.0f}", found_duty, nlat_duty, TARGET_LATENCY_S,
			       TARGET_LATENCY_DUTY_S);
		}
		printf("}\n");
	} else {
		printf("measured %.1f s after %.0f s of warm-up; each busy process got %.2f%% of a "
		       "core\n", t1 - t0, warmup, busy_pct);
		printf("%-40s %10.0f  (of %d busy; %.0f candidates above --min-cpu)\n",
		       "processes monitored (median)", mon_med, nprocs, cand_med);
		printf("%-40s %10.3f  (target <= %.0f)\n", "agent CPU, % of one core", cpu_pct,
		       TARGET_CPU_PCT);
		printf("%-40s %10.1f  (target <= %.0f; largest seen %.1f)\n", "agent RSS, MiB",
		       rss, TARGET_RSS_MIB, rss_max);
		printf("%-40s %10.1f\n", "agent peak RSS (VmHWM), MiB", hwm);
		printf("%-40s %10d  (target 0; alerts on anything but the miners started here)\n",
		       "false alerts", nfalse);
		if (latency) {
			printf("%-40s %10.1f  (target <= %.0f; %d of %d alerted)\n",
			       "detection latency, full speed, s", lat_full, TARGET_LATENCY_S,
			       found_full, nlat_full);
			printf("%-40s %10.1f  (target <= %.0f; %d of %d alerted)\n",
			       "detection latency, --duty 20, s", lat_duty, TARGET_LATENCY_DUTY_S,
			       found_duty, nlat_duty);
		}
	}
	rc = stop_req ? 1 : 0;
out:
	stop_pid(agent, SIGTERM);
	for (int i = 0; i < nprocs; i++)
		if (busy[i] > 0)
			kill(busy[i], SIGKILL);
	for (int i = 0; i < nprocs; i++)
		if (busy[i] > 0)
			waitpid(busy[i], NULL, 0);
	unlink(out_path);
	unlink(err_path);
	rmdir(dir);
	return rc;
}
