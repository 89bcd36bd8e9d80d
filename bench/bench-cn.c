/* bench-cn: CryptoNight speed against Monero's own implementation, side by side in one run.
 *
 * Ours: per-hash time of cn/0, cn/2 and cn/r on one thread, with the hardware AES back end
 * and with the portable one, plus 2-thread scaling of cn/2 through pp_mine_run. cn/r runs
 * with its random math compiled (the default where there is a JIT) and, apart, interpreted
 * (the target: cn/r with the JIT at >= 0.95x our cn/2 speed).
 * Monero: Debian's monero-tests `hash-tests slow|slow-2|slow-4 FILE` on its own vector files
 * (portable AES; MONERO_USE_CNV4_JIT=0, as its cn/r JIT aborts here), timed as a whole and
 * divided by the number of hashes; each file is repeated REPEAT times so process start-up
 * is amortised. Times are CPU time (this thread's, and the child's user+system), not wall
 * time, so other processes on a shared machine skew them less; every figure is the best of
 * --rounds rounds, and rounds interleave ours and Monero's so background load hits both
 * alike. Prints ratios against the targets in docs/benchmarks.md, and apart from the
 * measured figures, labelled as such, the reference speed-ups those targets came from. */
#include "core/clock.h"
#include "core/why.h"

#include <powprint/error.h>
#include <powprint/hash.h>
#include <powprint/mine.h>
#include <powprint/opts.h>

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define REPEAT 3

static const char *hash_tests = "/usr/lib/monero/tests/bin/hash-tests";
static const char *vectors = "/usr/share/monero/testdata/hash";

static const struct algo {
	const char *name, *mode, *file;
	double target; /* required speed-up over Monero with hardware AES */
	double xmrig;  /* XMRig's speed-up over Monero: a stated reference, never measured here */
} algos[] = {
	{ "cn/0", "slow", "tests-slow.txt", 2.0, 2.4 },
	{ "cn/2", "slow-2", "tests-slow-2.txt", 2.0, 3.6 },
	{ "cn/r", "slow-4", "tests-slow-4.txt", 4.0, 4.9 },
};
#define NALGOS 3

/* Seconds per hash of ours, `n` hashes of a 76-byte blob (nonce varied) after one warm-up. */
static double ours(const char *algo, bool soft, enum pp_jit jit, int n)
{
	PP_OPTS(pp_hash_opts, ho, .soft_aes = soft, .jit = jit);
	struct pp_hash *h;
	struct pp_hash_worker *w;
	int err = pp_hash_open(algo, &ho, &h);
	if (!err && (err = pp_hash_worker_new(h, &w)) != 0)
		pp_hash_close(h);
	if (err) {
		fprintf(stderr, "bench-cn: %s: %s\n", algo, pp_strerror(err));
		exit(1);
	}
	uint8_t blob[76] = { 0x07, 0x07 }, out[32];
	pp_hash_compute(w, blob, sizeof(blob), 1806260, out);
	double t0 = pp_clock_thread_cpu_s();
	for (int i = 0; i < n; i++) {
		blob[39] = (uint8_t)i;
		pp_hash_compute(w, blob, sizeof(blob), 1806260, out);
	}
	double t = (pp_clock_thread_cpu_s() - t0) / n;
	pp_hash_worker_free(w);
	pp_hash_close(h);
	return t;
}

/* A temp copy of FILE repeated REPEAT times; returns its path and line count. */
static int repeated_file(const char *file, char *path, size_t cap)
{
	char src[4096];
	snprintf(src, sizeof(src), "%s/%s", vectors, file);
	FILE *in = fopen(src, "r");
	if (!in)
		return -errno;
	char *buf = NULL;
	size_t len = 0;
	FILE *m = open_memstream(&buf, &len);
	char line[4096];
	int lines = 0;
	while (fgets(line, sizeof(line), in))
		if (line[0] != '\n') {
			fputs(line, m);
			lines++;
		}
	fclose(in);
	fclose(m);
	snprintf(path, cap, "/tmp/bench-cn-XXXXXX");
	int fd = mkstemp(path);
	if (fd < 0) {
		free(buf);
		return -errno;
	}
	for (int r = 0; r < REPEAT; r++)
		if (write(fd, buf, len) != (ssize_t)len) {
			close(fd);
			free(buf);
			return -EIO;
		}
	close(fd);
	free(buf);
	return lines * REPEAT;
}

/* Seconds per hash of Monero's hash-tests, or a negative errno and why. */
static double monero(const struct algo *a, char *why, size_t len)
{
	char path[64];
	int n = repeated_file(a->file, path, sizeof(path));
	if (n <= 0)
		return pp_why(why, len, n < 0 ? n : -ENOENT, "no vectors in %s/%s: %s", vectors,
			      a->file, n < 0 ? pp_strerror(n) : "the file is empty");
	pid_t pid = fork();
	if (pid < 0) {
		unlink(path);
		return pp_why(why, len, -errno, "fork failed: %s", strerror(errno));
	}
	if (pid == 0) {
		setenv("MONERO_USE_CNV4_JIT", "0", 1);
		int devnull = open("/dev/null", O_WRONLY);
		dup2(devnull, 1);
		execl(hash_tests, hash_tests, a->mode, path, (char *)NULL);
		_exit(127);
	}
	int st = 0;
	struct rusage ru;
	int werr = wait4(pid, &st, 0, &ru) < 0 ? -errno : 0;
	unlink(path);
	if (werr)
		return pp_why(why, len, werr, "waiting for it failed: %s", pp_strerror(werr));
	if (WIFSIGNALED(st))
		return pp_why(why, len, -ECHILD, "it was killed by signal %d", WTERMSIG(st));
	if (WEXITSTATUS(st) == 127)
		return pp_why(why, len, -ENOENT, "it could not be started (exit status 127)");
	if (WEXITSTATUS(st) != 0)
		return pp_why(why, len, -ECHILD, "it exited with status %d (a vector mismatch or "
			      "a bad argument)", WEXITSTATUS(st));
	double t = (double)ru.ru_utime.tv_sec + ru.ru_utime.tv_usec * 1e-6 +
		   (double)ru.ru_stime.tv_sec + ru.ru_stime.tv_usec * 1e-6;
	return t / n;
}

static double mine_hps(const char *algo, int threads, double seconds)
{
	PP_OPTS(pp_mine_opts, o, .algo = algo, .threads = threads, .seconds = seconds);
	struct pp_mine_result r;
	int err = pp_mine_run(&o, &r);
	if (err || !r.verified) {
		fprintf(stderr, "bench-cn: mining %s on %d threads failed: %s\n", algo, threads,
			err ? pp_strerror(err) : "first hashes differ");
		exit(1);
	}
	return r.hps;
}

static double minv(double a, double b)
{
	return a < b ? a : b;
}

int main(int argc, char **argv)
{
	int rounds = 3, n_hw = 20, n_soft = 8;
	double scale_s = 4;
	static const struct option lo[] = {
		{ "rounds", required_argument, NULL, 'r' }, { "hashes", required_argument, NULL, 'n' },
		{ "scaling-seconds", required_argument, NULL, 's' },
		{ "monero", required_argument, NULL, 'm' }, { "vectors", required_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },          { 0 },
	};
	int c;
	while ((c = getopt_long(argc, argv, "r:n:s:m:v:h", lo, NULL)) != -1) {
		switch (c) {
		case 'r':
			rounds = atoi(optarg);
			break;
		case 'n':
			n_hw = atoi(optarg);
			n_soft = n_hw / 2 > 0 ? n_hw / 2 : 1;
			break;
		case 's':
			scale_s = atof(optarg);
			break;
		case 'm':
			hash_tests = optarg;
			break;
		case 'v':
			vectors = optarg;
			break;
		default:
			printf("usage: bench-cn [--rounds N] [--hashes N] [--scaling-seconds S] "
			       "[--monero PATH] [--vectors DIR]\n"
			       "Compares our cn/0, cn/2, cn/r per-hash time (1 thread, hardware and "
			       "portable AES) with Monero's hash-tests, and 2-thread scaling.\n"
			       "Every time and ratio is measured in the run; the targets and the XMRig "
			       "figures are stated references (docs/benchmarks.md).\n");
			return c == 'h' ? 0 : 2;
		}
	}
	if (rounds < 1 || n_hw < 1 || scale_s <= 0) {
		fprintf(stderr, "bench-cn: --rounds, --hashes and --scaling-seconds must be positive\n");
		return 2;
	}

	double hw[NALGOS], soft[NALGOS], mon[NALGOS], cnr_interp = 1e9;
	for (int i = 0; i < NALGOS; i++)
		hw[i] = soft[i] = mon[i] = 1e9;
	PP_OPTS(pp_hash_opts, probe);
	struct pp_hash *h;
	struct pp_hash_worker *w;
	struct pp_hash_info info = { 0 };
	if (pp_hash_open("cn/0", &probe, &h) == 0) {
		if (pp_hash_worker_new(h, &w) == 0) {
			pp_hash_worker_info(w, &info);
			pp_hash_worker_free(w);
		}
		pp_hash_close(h);
	}
	fprintf(stderr, "bench-cn: %d rounds; ours with %s and soft AES (%s pages), Monero %s\n",
		rounds, info.aes_backend ? info.aes_backend : "?", info.pages ? info.pages : "?",
		hash_tests);
	bool have_monero = true;
	for (int r = 0; r < rounds; r++)
		for (int i = 0; i < NALGOS; i++) {
			hw[i] = minv(hw[i], ours(algos[i].name, false, PP_JIT_AUTO, n_hw));
			soft[i] = minv(soft[i], ours(algos[i].name, true, PP_JIT_AUTO, n_soft));
			if (!strcmp(algos[i].name, "cn/r"))
				cnr_interp = minv(cnr_interp, ours("cn/r", false, PP_JIT_OFF, n_hw));
			if (have_monero) {
				char why[512];
				double m = monero(&algos[i], why, sizeof(why));
				if (m < 0) {
					fprintf(stderr, "bench-cn: cannot run %s %s: %s (install "
						"monero-tests, or pass --monero/--vectors)\n",
						hash_tests, algos[i].mode, why);
					have_monero = false;
				} else {
					mon[i] = minv(mon[i], m);
				}
			}
		}

	/* Measured columns first; the target is the pass mark, not a measurement. */
	printf("%-5s %10s %10s %10s %9s %10s %9s %6s\n", "algo", "ours-hw", "ours-soft", "monero",
	       "hw-ratio", "soft-ratio", "hw-target", "");
	int misses = 0;
	for (int i = 0; i < NALGOS; i++) {
		double rh = have_monero ? mon[i] / hw[i] : 0, rs = have_monero ? mon[i] / soft[i] : 0;
		bool ok = have_monero && rh >= algos[i].target && rs >= 1.0;
		misses += have_monero && !ok;
		char mon_ms[16] = "-", rh_s[16] = "-", rs_s[16] = "-";
		if (have_monero) {
			snprintf(mon_ms, sizeof(mon_ms), "%.1fms", mon[i] * 1e3);
			snprintf(rh_s, sizeof(rh_s), "%.2fx", rh);
			snprintf(rs_s, sizeof(rs_s), "%.2fx", rs);
		}
		printf("%-5s %8.1fms %8.1fms %10s %9s %10s %8.1fx %6s\n", algos[i].name,
		       hw[i] * 1e3, soft[i] * 1e3, mon_ms, rh_s, rs_s, algos[i].target,
		       !have_monero ? "n/a" : ok ? "ok" : "MISS");
	}
	printf("reference (stated, not measured here): XMRig's hw speed-up over Monero:");
	for (int i = 0; i < NALGOS; i++)
		printf(" %s %.1fx%s", algos[i].name, algos[i].xmrig, i + 1 < NALGOS ? "," : "");
	printf(" (docs/benchmarks.md)\n");
	const double cn2 = hw[1], cnr = hw[2];
	printf("cn/r random math: %s %.1fms, interpreted %.1fms; cn/r speed / cn/2 speed %.2fx "
	       "(target >= 0.95x: %s)\n", pp_hash_jit_target() ? "JIT" : "no JIT here,",
	       cnr * 1e3, cnr_interp * 1e3, cn2 / cnr, cn2 / cnr >= 0.95 ? "ok" : "MISS");
	double one = mine_hps("cn/2", 1, scale_s), two = mine_hps("cn/2", 2, scale_s);
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);
	printf("cn/2 scaling: 1 thread %.1f H/s, 2 threads %.1f H/s, %.2fx (target >= 1.8x; %ld "
	       "CPUs online)\n", one, two, two / one, cpus);
	printf("per-hash CPU time, best of %d rounds; ratios are Monero's time / ours (higher is "
	       "faster); soft-ratio target >= 1.0x; targets: docs/benchmarks.md\n", rounds);
	return misses ? 1 : 0;
}
