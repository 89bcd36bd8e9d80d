/* bench-overhead: what monitoring costs, side by side in one run.
 *
 * A child process hashes (cn/r by default, one thread) for --seconds; in alternate phases the
 * collector watches it with every available backend at the default sampling rate and window
 * (or --interval / --freq), or nothing watches it. Phases alternate (A B B A ...) over
 * --rounds rounds so background load hits both alike. With --paired, two copies run side by
 * side in each round, one watched (alternately the first and the second): load that comes and
 * goes then hits both at once, which on a shared machine measures the ratio far more tightly
 * (it needs two free cores). With --toggle (toggle_mode below), the two copies run for the
 * whole benchmark with collectors attached, and each round of --seconds pauses one collector
 * and runs the other: many short rounds, no attach costs, a 95% interval on the ratio.
 *
 * Reported:
 *  - the monitored hash rate over the unmonitored one, per wall second and per CPU second of
 *    the child (the second is less sensitive to other load on a shared machine). A rate is
 *    hashes / time of the last completed hash, so whole-hash granularity does not skew it.
 *    Target: >= 0.98. Also the median of the rounds' ratios, which one disturbed round does
 *    not move.
 *  - the collector's own CPU time (this process, all backends, windows only: attaching and
 *    detaching are reported apart) per second of CPU time of the monitored process, and per
 *    wall second. Target: <= 0.5 ms per monitored process-second. Also without each phase's
 *    first window, where every code address is new and decoded: what a process watched for
 *    long costs.
 * --backends picks the backends (default: every available one); --json prints one object.
 * The targets: docs/benchmarks.md. */
#define _GNU_SOURCE
#include "core/clock.h"

#include <powprint/collect.h>
#include <powprint/error.h>
#include <powprint/hash.h>
#include <powprint/opts.h>

#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <stdatomic.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

struct result {
	double hashes;
	double wall_s;             /* start to the end of the last hash */
	double cpu_s;              /* the child's CPU time at the end of the last hash */
};

static volatile unsigned long long sink;

/* The child: waits for "go", works for `seconds`, writes a struct result. */
static void child(const char *algo, double seconds, int go_fd, int res_fd)
{
	struct pp_hash *h = NULL;
	struct pp_hash_worker *w = NULL;
	PP_OPTS(pp_hash_opts, ho);
	bool hashing = algo && pp_hash_open(algo, &ho, &h) == 0 && pp_hash_worker_new(h, &w) == 0;
	uint8_t blob[76] = { 0 }, out[32];
	if (hashing)
		pp_hash_compute(w, blob, sizeof(blob), 1806260, out); /* warm the scratchpad */
	char c;
	if (read(go_fd, &c, 1) != 1)
		_exit(1);
	struct result r = { 0 };
	double t0 = pp_clock_mono_s(), c0 = pp_clock_cpu_s();
	for (uint32_t nonce = 0;; nonce++) {
		if (hashing) {
			memcpy(blob + 39, &nonce, 4);
			pp_hash_compute(w, blob, sizeof(blob), 1806260, out);
		} else { /* stand-in: a fixed amount of integer work */
			unsigned long long x = nonce;
			for (int i = 0; i < 2000000; i++)
				x = x * 6364136223846793005ull + 1442695040888963407ull;
			sink = x;
		}
		double t = pp_clock_mono_s();
		r.hashes++;
		r.wall_s = t - t0;
		r.cpu_s = pp_clock_cpu_s() - c0;
		if (r.wall_s >= seconds)
			break;
	}
	if (write(res_fd, &r, sizeof(r)) != (ssize_t)sizeof(r))
		_exit(1);
	_exit(0);
}

static double self_cpu_s(void)
{
	struct rusage ru;
	getrusage(RUSAGE_SELF, &ru);
	return ru.ru_utime.tv_sec + ru.ru_utime.tv_usec * 1e-6 + ru.ru_stime.tv_sec +
	       ru.ru_stime.tv_usec * 1e-6;
}

struct phase {
	struct result r;
	double collector_cpu_s;    /* monitored phases only, open to close */
	double steady_cpu_s;       /* the same without attaching and detaching */
	double task_clock_s;       /* as the collector saw it */
	int windows;
	double later_cpu_s;        /* steady_cpu_s without the first window */
	double later_task_clock_s;
};

/* Runs n children (1, or 2 side by side) for `seconds`; with opts, the collector watches child
 * `mon` (its figures go to ph[mon]). Every child's result is in ph[i].r. */
static int run_children(const char *algo, double seconds, int n, int mon,
			const struct pp_collect_opts *opts, struct phase *ph, char *backends,
			size_t blen)
{
	int go[2][2], res[2][2];
	pid_t pid[2];
	for (int i = 0; i < n; i++) {
		if (pipe(go[i]) < 0 || pipe(res[i]) < 0)
			return -errno;
		pid[i] = fork();
		if (pid[i] < 0)
			return -errno;
		if (pid[i] == 0) {
			close(go[i][1]);
			close(res[i][0]);
			child(algo, seconds, go[i][0], res[i][1]);
		}
		close(go[i][0]);
		close(res[i][1]);
		memset(&ph[i], 0, sizeof(ph[i]));
	}
	usleep(300 * 1000); /* let them set up (cn/r: scratchpad, first hash) */

	struct pp_collector *c = NULL;
	struct phase *mp = &ph[mon];
	double cpu0 = self_cpu_s();
	if (opts) {
		char why[512];
		int err = pp_collector_open_pid(pid[mon], opts, &c, why, sizeof(why));
		if (err) {
			fprintf(stderr, "bench-overhead: cannot attach: %s\n", why);
			for (int i = 0; i < n; i++) {
				kill(pid[i], SIGKILL);
				waitpid(pid[i], NULL, 0);
			}
			return err;
		}
		snprintf(backends, blen, "%s", pp_collector_backends(c));
	}
	double cpu1 = self_cpu_s();
	for (int i = 0; i < n; i++)
		if (write(go[i][1], "g", 1) != 1)
			return -errno;
	/* Something else may stop the child (a SIGSTOP from a miner detector, a debugger): give
	 * up rather than wait forever. */
	double give_up = pp_clock_mono_s() + 3 * seconds + 30;
	if (c) {
		static struct pp_window w;
		int err;
		double cpu_first = NAN;
		while ((err = pp_collector_read(c, &w)) == 0 || err == -EINTR) {
			if (pp_clock_mono_s() > give_up) {
				kill(pid[mon], SIGKILL);
				give_up = INFINITY;
			}
			if (err)
				continue;
			if (!isnan(w.task_clock_s)) {
				mp->task_clock_s += w.task_clock_s;
				if (mp->windows)
					mp->later_task_clock_s += w.task_clock_s;
			}
			if (!mp->windows++)
				cpu_first = self_cpu_s();
			if (w.target_exited)
				break;
		}
		mp->steady_cpu_s = self_cpu_s() - cpu1;
		mp->later_cpu_s = isnan(cpu_first) ? 0 : self_cpu_s() - cpu_first;
		pp_collector_close(c);
		mp->collector_cpu_s = self_cpu_s() - cpu0;
	}
	int rc = 0;
	for (int i = 0; i < n; i++) {
		struct pollfd pf = { .fd = res[i][0], .events = POLLIN };
		double left = give_up - pp_clock_mono_s();
		if (poll(&pf, 1, left > 0 ? (int)(left * 1000) : 0) <= 0)
			kill(pid[i], SIGKILL); /* then read() sees EOF */
		ssize_t k = read(res[i][0], &ph[i].r, sizeof(ph[i].r));
		waitpid(pid[i], NULL, 0);
		if (k != (ssize_t)sizeof(ph[i].r)) {
			fprintf(stderr, "bench-overhead: the child did not finish in time (stopped?)\n");
			rc = -EIO;
		}
		close(go[i][1]);
		close(res[i][0]);
	}
	return rc;
}

/* --toggle: two copies hash side by side for the whole run, each with a collector attached
 * from the start. Every round one collector runs (a normal window of --seconds) and the
 * other is paused (pp_collector_pause: its events stay attached and count nothing, so its
 * copy runs as if unmonitored); which one alternates A B B A. Each copy publishes its
 * progress in shared memory after every hash, so a round's rate is hashes over the time
 * between last-completed-hash stamps. A copy's own speed (its CPU, its neighbours) cancels in
 * the geometric mean of the rounds' ratios, each copy being monitored in half of them; load
 * that comes and goes hits both copies at once. No attaching and no first windows: what a
 * process watched for long pays. Short rounds, many of them: a noisy machine averages out. */
struct progress {
	_Atomic uint64_t seq;      /* odd while the child writes */
	double hashes, t, cpu;     /* count, monotonic and CPU seconds at the last hash */
};

static void toggle_child(const char *algo, struct progress *pr)
{
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	struct pp_hash *h = NULL;
	struct pp_hash_worker *w = NULL;
	PP_OPTS(pp_hash_opts, ho);
	bool hashing = algo && pp_hash_open(algo, &ho, &h) == 0 && pp_hash_worker_new(h, &w) == 0;
	uint8_t blob[76] = { 0 }, out[32];
	for (uint32_t nonce = 0;; nonce++) {
		if (hashing) {
			memcpy(blob + 39, &nonce, 4);
			pp_hash_compute(w, blob, sizeof(blob), 1806260, out);
		} else {
			unsigned long long x = nonce;
			for (int i = 0; i < 2000000; i++)
				x = x * 6364136223846793005ull + 1442695040888963407ull;
			sink = x;
		}
		double t = pp_clock_mono_s(), c = pp_clock_cpu_s();
		atomic_fetch_add(&pr->seq, 1);
		pr->hashes++;
		pr->t = t;
		pr->cpu = c;
		atomic_fetch_add(&pr->seq, 1);
	}
}

static struct progress snap(struct progress *pr)
{
	struct progress s;
	uint64_t a, b;
	do {
		a = atomic_load(&pr->seq);
		s.hashes = pr->hashes;
		s.t = pr->t;
		s.cpu = pr->cpu;
		b = atomic_load(&pr->seq);
	} while (a != b || (a & 1));
	return s;
}

#define TOGGLE_MAX_ROUNDS 2000

static int toggle_mode(const char *algo, double seconds, int rounds,
		       const struct pp_collect_opts *base, bool json)
{
	FILE *out = json ? stderr : stdout;
	PP_OPTS(pp_collect_opts, opts, .backends = base->backends, .events = base->events,
		.sample_hz = base->sample_hz, .interval_ms = (unsigned)(seconds * 1000 + 0.5));
	struct progress *pr = mmap(NULL, 2 * sizeof(*pr), PROT_READ | PROT_WRITE,
				   MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (pr == MAP_FAILED)
		return -errno;
	memset(pr, 0, 2 * sizeof(*pr));
	pid_t pid[2];
	struct pp_collector *c[2] = { NULL, NULL };
	int err = 0;
	for (int i = 0; i < 2; i++) {
		pid[i] = fork();
		if (pid[i] < 0)
			return -errno;
		if (pid[i] == 0)
			toggle_child(algo, &pr[i]);
	}
	char why[512] = "";
	for (int i = 0; i < 2 && !err; i++) {
		err = pp_collector_open_pid(pid[i], &opts, &c[i], why, sizeof(why));
		if (!err)
			err = pp_collector_pause(c[i], true);
	}
	static double lr[TOGGLE_MAX_ROUNDS], lc[TOGGLE_MAX_ROUNDS];
	double coll_cpu = 0, task_clock = 0;
	int n = 0;
	static struct pp_window w;
	fprintf(out, "workload: %s, 2 copies side by side, %d rounds of %.2f s, the collector of "
		"one copy running and the other's paused, alternating\n",
		algo ? algo : "stand-in integer loop (no hash)", rounds, seconds);
	/* A first round of each, discarded: caches of code addresses fill once. */
	for (int r = -2; r < rounds && !err; r++) {
		int mon = r < 0 ? r + 2 : ((r + 1) / 2) & 1; /* A B B A A B ... */
		err = pp_collector_pause(c[1 - mon], true);
		if (!err)
			err = pp_collector_pause(c[mon], false);
		if (!err)
			err = pp_collector_read_now(c[mon], &w); /* the window starts here */
		struct progress s0[2] = { snap(&pr[0]), snap(&pr[1]) };
		double cpu0 = self_cpu_s();
		while (!err && (err = pp_collector_read(c[mon], &w)) == -EINTR)
			err = 0;
		double dc = self_cpu_s() - cpu0;
		struct progress s1[2] = { snap(&pr[0]), snap(&pr[1]) };
		if (err || r < 0)
			continue;
		double rate[2], crate[2];
		for (int i = 0; i < 2; i++) {
			rate[i] = (s1[i].hashes - s0[i].hashes) / (s1[i].t - s0[i].t);
			crate[i] = (s1[i].hashes - s0[i].hashes) / (s1[i].cpu - s0[i].cpu);
		}
		if (!(rate[0] > 0 && rate[1] > 0 && crate[0] > 0 && crate[1] > 0)) {
			snprintf(why, sizeof(why), "a copy finished no hash in round %d (stopped, or "
				 "rounds shorter than a hash?)", r + 1);
			err = -EIO;
			continue;
		}
		lr[r] = log(rate[mon] / rate[1 - mon]);
		lc[r] = log(crate[mon] / crate[1 - mon]);
		coll_cpu += dc;
		task_clock += isnan(w.task_clock_s) ? 0 : w.task_clock_s;
		n = r + 1;
		if (n % 10 == 0) {
			double m = 0;
			for (int k = 0; k < n; k++)
				m += lr[k];
			fprintf(out, "round %d: monitored / unmonitored %.4f this round, %.4f so far\n",
				n, exp(lr[r]), exp(m / n));
			fflush(out);
		}
	}
	for (int i = 0; i < 2; i++) {
		pp_collector_close(c[i]);
		kill(pid[i], SIGKILL);
		waitpid(pid[i], NULL, 0);
	}
	munmap(pr, 2 * sizeof(*pr));
	if (err) {
		fprintf(stderr, "bench-overhead: %s\n", why[0] ? why : pp_strerror(err));
		return err;
	}
	/* Geometric means with a 95% interval from the spread of the rounds' log ratios. */
	double g[2], ci[2][2];
	const double *v[2] = { lr, lc };
	for (int k = 0; k < 2; k++) {
		double m = 0, ss = 0;
		for (int i = 0; i < n; i++)
			m += v[k][i];
		m /= n;
		for (int i = 0; i < n; i++)
			ss += (v[k][i] - m) * (v[k][i] - m);
		double se = n > 1 ? sqrt(ss / (n - 1) / n) : NAN;
		g[k] = exp(m);
		ci[k][0] = exp(m - 1.96 * se);
		ci[k][1] = exp(m + 1.96 * se);
	}
	double ms = 1e3 * coll_cpu / task_clock;
	if (json) {
		printf("{\"mode\":\"toggle\",\"workload\":\"%s\",\"seconds\":%.2f,\"rounds\":%d,"
		       "\"ratio_wall\":%.4f,\"ratio_wall_ci95\":[%.4f,%.4f],\"ratio_cpu\":%.4f,"
		       "\"ratio_cpu_ci95\":[%.4f,%.4f],\"target_ratio\":0.98,"
		       "\"collector_ms_per_cpu_s\":%.4f,\"target_ms_per_cpu_s\":0.5}\n",
		       algo ? algo : "stand-in", seconds, n, g[0], ci[0][0], ci[0][1], g[1],
		       ci[1][0], ci[1][1], ms);
		return 0;
	}
	printf("\n%-44s %8s  %s\n", "monitored / unmonitored", "ratio", "95% interval");
	printf("%-44s %8.4f  %.4f-%.4f  (target >= 0.98)\n", "hash rate, per wall second", g[0],
	       ci[0][0], ci[0][1]);
	printf("%-44s %8.4f  %.4f-%.4f  (target >= 0.98)\n", "hash rate, per CPU second of the copy",
	       g[1], ci[1][0], ci[1][1]);
	printf("%-44s %8.3f  (target <= 0.5; a window per round, each begun by a read)\n",
	       "collector CPU, ms per monitored CPU s", ms);
	return 0;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

static double median(const double *v, int n)
{
	double s[64];
	memcpy(s, v, (size_t)n * sizeof(*s));
	qsort(s, (size_t)n, sizeof(*s), cmp_double);
	return n % 2 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
}

int main(int argc, char **argv)
{
	const char *algo = "cn/r";
	double seconds = -1;       /* defaults after the options: they depend on the mode */
	int rounds = -1;
	long interval = 0, freq = 0;
	const char *backends_opt = NULL;
	bool json = false, paired = false, toggle = false;
	static const struct option lo[] = {
		{ "algo", required_argument, NULL, 'a' },
		{ "seconds", required_argument, NULL, 's' },
		{ "rounds", required_argument, NULL, 'r' },
		{ "interval", required_argument, NULL, 'I' },
		{ "freq", required_argument, NULL, 'F' },
		{ "stand-in", no_argument, NULL, 'S' },
		{ "backends", required_argument, NULL, 'b' },
		{ "json", no_argument, NULL, 'j' },
		{ "paired", no_argument, NULL, 'p' },
		{ "toggle", no_argument, NULL, 'T' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	int o;
	while ((o = getopt_long(argc, argv, "a:s:r:I:F:Sb:jpTh", lo, NULL)) != -1) {
		switch (o) {
		case 'a': algo = optarg; break;
		case 's': seconds = atof(optarg); break;
		case 'r': rounds = atoi(optarg); break;
		case 'I': interval = atol(optarg); break;
		case 'F': freq = atol(optarg); break;
		case 'S': algo = NULL; break;
		case 'b': backends_opt = optarg; break;
		case 'j': json = true; break;
		case 'p': paired = true; break;
		case 'T': toggle = true; break;
		default:
			printf("usage: bench-overhead [--algo NAME | --stand-in] [--seconds S] "
			       "[--rounds N] [--interval MS] [--freq HZ] [--backends LIST] [--paired | --toggle] "
			       "[--json]\n"
			       "--toggle: two copies with collectors attached throughout, one paused and "
			       "one running in each\nround of --seconds (default 1), alternating; "
			       "--rounds default 120\n");
			return o == 'h' ? 0 : 2;
		}
	}
	if (seconds == -1)
		seconds = toggle ? 1 : 8;
	if (rounds == -1)
		rounds = toggle ? 120 : 3;
	if (seconds <= 0 || rounds < 1) {
		fprintf(stderr, "bench-overhead: --seconds and --rounds must be positive\n");
		return 2;
	}
	if (toggle && (paired || seconds < 0.1 || rounds > TOGGLE_MAX_ROUNDS)) {
		fprintf(stderr, "bench-overhead: --toggle takes no --paired, rounds of at least 0.1 s "
			"(a window) and at most %d of them\n", TOGGLE_MAX_ROUNDS);
		return 2;
	}
	if (algo) {
		struct pp_hash *h;
		PP_OPTS(pp_hash_opts, ho);
		int err = pp_hash_open(algo, &ho, &h);
		if (err) {
			fprintf(stderr, "bench-overhead: %s unavailable (%s): using the stand-in loop\n",
				algo, pp_strerror(err));
			algo = NULL;
		} else {
			pp_hash_close(h);
		}
	}
	PP_OPTS(pp_collect_opts, opts, .interval_ms = (unsigned)interval,
		.sample_hz = (unsigned)freq, .backends = backends_opt);
	char why[512];
	if (pp_collect_opts_check(&opts, why, sizeof(why))) {
		fprintf(stderr, "bench-overhead: %s\n", why);
		return 2;
	}
	if (toggle)
		return toggle_mode(algo, seconds, rounds, &opts, json) ? 1 : 0;
	char backends[128] = "";
	struct phase sum[2] = { 0 };  /* 0: unmonitored, 1: monitored */
	double wall_ratio[64], cpu_ratio[64];
	FILE *out = json ? stderr : stdout; /* --json: progress on stderr, the object on stdout */
	if (rounds > 64)
		rounds = 64;
	fprintf(out, "workload: %s, 1 thread, %.0f s per phase, %d rounds%s\n",
		algo ? algo : "stand-in integer loop (no hash)", seconds, rounds,
		paired ? ", the two copies side by side" : "");
	for (int r = 0; r < rounds; r++) {
		struct phase ph[2];
		if (paired) { /* both at once, the monitored one alternating */
			int mon = r & 1;
			struct phase pp[2];
			int err = run_children(algo, seconds, 2, mon, &opts, pp, backends,
					       sizeof(backends));
			if (err) {
				fprintf(stderr, "bench-overhead: round failed: %s\n", pp_strerror(err));
				return 1;
			}
			ph[1] = pp[mon];
			ph[0] = pp[1 - mon];
		}
		for (int k = 0; k < 2 && !paired; k++) {
			int which = (r & 1) ? 1 - k : k; /* A B, B A, ... */
			int err = run_children(algo, seconds, 1, 0, which ? &opts : NULL, &ph[which],
					       backends, sizeof(backends));
			if (err) {
				fprintf(stderr, "bench-overhead: phase failed: %s\n", pp_strerror(err));
				return 1;
			}
		}
		for (int k = 0; k < 2; k++) {
			sum[k].r.hashes += ph[k].r.hashes;
			sum[k].r.wall_s += ph[k].r.wall_s;
			sum[k].r.cpu_s += ph[k].r.cpu_s;
			sum[k].collector_cpu_s += ph[k].collector_cpu_s;
			sum[k].steady_cpu_s += ph[k].steady_cpu_s;
			sum[k].task_clock_s += ph[k].task_clock_s;
			sum[k].windows += ph[k].windows;
			sum[k].later_cpu_s += ph[k].later_cpu_s;
			sum[k].later_task_clock_s += ph[k].later_task_clock_s;
		}
		wall_ratio[r] = (ph[1].r.hashes / ph[1].r.wall_s) / (ph[0].r.hashes / ph[0].r.wall_s);
		cpu_ratio[r] = (ph[1].r.hashes / ph[1].r.cpu_s) / (ph[0].r.hashes / ph[0].r.cpu_s);
		fprintf(out, "round %d: unmonitored %.3f H/s (%.3f per CPU s), monitored %.3f H/s "
			"(%.3f per CPU s): ratio %.4f wall, %.4f CPU; collector %.3f ms per monitored "
			"CPU s\n", r + 1, ph[0].r.hashes / ph[0].r.wall_s,
			ph[0].r.hashes / ph[0].r.cpu_s, ph[1].r.hashes / ph[1].r.wall_s,
			ph[1].r.hashes / ph[1].r.cpu_s, wall_ratio[r], cpu_ratio[r],
			1e3 * ph[1].steady_cpu_s / ph[1].task_clock_s);
		fflush(out);
	}
	double rw = (sum[1].r.hashes / sum[1].r.wall_s) / (sum[0].r.hashes / sum[0].r.wall_s);
	double rc = (sum[1].r.hashes / sum[1].r.cpu_s) / (sum[0].r.hashes / sum[0].r.cpu_s);
	double rw_med = median(wall_ratio, rounds), rc_med = median(cpu_ratio, rounds);
	double ms = 1e3 * sum[1].steady_cpu_s / sum[1].task_clock_s;
	double ms_later = 1e3 * sum[1].later_cpu_s / sum[1].later_task_clock_s;
	double ms_wall = 1e3 * sum[1].steady_cpu_s / sum[1].r.wall_s;
	double attach_ms = 1e3 * (sum[1].collector_cpu_s - sum[1].steady_cpu_s) / rounds;
	if (json) {
		printf("{\"workload\":\"%s\",\"seconds\":%.1f,\"rounds\":%d,\"backends\":\"%s\","
		       "\"hash_rate_monitored\":%.4f,\"hash_rate_unmonitored\":%.4f,"
		       "\"ratio_wall\":%.4f,\"ratio_cpu\":%.4f,\"ratio_wall_median\":%.4f,"
		       "\"ratio_cpu_median\":%.4f,\"paired\":%s,\"target_ratio\":0.98,"
		       "\"collector_ms_per_cpu_s\":%.4f,\"collector_ms_per_cpu_s_after_first\":%.4f,"
		       "\"collector_ms_per_wall_s\":%.4f,\"target_ms_per_cpu_s\":0.5,"
		       "\"attach_detach_ms\":%.3f,\"windows\":%d}\n",
		       algo ? algo : "stand-in", seconds, rounds, backends,
		       sum[1].r.hashes / sum[1].r.wall_s, sum[0].r.hashes / sum[0].r.wall_s, rw, rc,
		       rw_med, rc_med, paired ? "true" : "false", ms, ms_later, ms_wall, attach_ms,
		       sum[1].windows);
		return 0;
	}
	printf("\nbackends: %s (default rate and window unless given)\n", backends);
	printf("%-44s %12s %12s %8s\n", "", "monitored", "unmonitored", "ratio");
	printf("%-44s %12.3f %12.3f %8.4f  (target >= 0.98)\n", "hash rate, H/s of wall time",
	       sum[1].r.hashes / sum[1].r.wall_s, sum[0].r.hashes / sum[0].r.wall_s, rw);
	printf("%-44s %12.3f %12.3f %8.4f  (target >= 0.98)\n", "hash rate, H/s of the child's CPU time",
	       sum[1].r.hashes / sum[1].r.cpu_s, sum[0].r.hashes / sum[0].r.cpu_s, rc);
	printf("%-44s %12s %12s %8.4f  (wall %.4f)\n", "  median of the rounds' ratios", "", "",
	       rc_med, rw_med);
	printf("%-44s %12.3f %12s %8s  (target <= 0.5)\n", "collector CPU, ms per monitored CPU s", ms,
	       "", "");
	printf("%-44s %12.3f %12s %8s  (target <= 0.5)\n", "  the same after each first window", ms_later,
	       "", "");
	printf("%-44s %12.3f\n", "collector CPU, ms per wall second monitored", ms_wall);
	printf("%-44s %12.3f\n", "attach + detach, ms each", attach_ms);
	printf("(%d windows, %.1f s of monitored CPU time in %.1f s, %.3f s of collector CPU time)\n",
	       sum[1].windows, sum[1].task_clock_s, sum[1].r.wall_s, sum[1].collector_cpu_s);
	return 0;
}
