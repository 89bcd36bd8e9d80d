/* bench-ebpf: the ebpf backend's targets, measured, side by side with them.
 *
 * 1. Rounding-mode share per workload, from a recorded dataset (--data, default the shipped
 *    reference dataset; the recorder attaches after each workload's setup): preemptions that
 *    found the rounding mode off round-to-nearest, over every window of the workload, and the
 *    same over all switches. Targets: every RandomX workload >= 50%, every benign one 0%.
 * 2. The same for programs outside the catalog (--exec 'CMD ARGS', repeatable; default a
 *    Node.js and a JVM busy loop where `node` and `java` are installed), watched from their
 *    start for --seconds on CPU 0 beside a busy loop, so that they are preempted often.
 *    Target: 0%.
 * 3. Cost: --cost-workloads (default the syscall-heavy `syscall` and the hashing `cn/r`) run
 *    --seconds each, --rounds times, alternately with the ebpf program attached (a collector
 *    with only that backend on the workload) and without any: the ratio of their throughputs
 *    (the workload's own rate), median over rounds and the 25th percentile. Target: >= 0.98.
 *    The program counts every process's switches and syscalls while attached, so a workload
 *    pays the same whether it is the target or not: phases alternate in time, not side by
 *    side.
 * --json prints one object. docs/benchmarks.md lists the targets. */
#define _GNU_SOURCE
#include "core/clock.h"
#include "core/datadir.h"

#include <powprint/collect.h>
#include <powprint/dataset.h>
#include <powprint/error.h>
#include <powprint/opts.h>
#include <powprint/workload.h>

#include <cjson/cJSON.h>
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <sched.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define MAX_EXEC 8
#define MAX_ROUNDS 200
#define SHARE_MIN_RX 0.5

static void quiet(void *arg, const char *msg)
{
	(void)arg;
	(void)msg;
}

static double pct(double num, double den)
{
	return den > 0 ? 100 * num / den : NAN;
}

/* The four rounding-mode counts both parts add up, as windows and datasets name them and as
 * --json does. */
enum { PRE, PRE_ND, SW, SW_ND, NFP };
static const char *const fp_count[NFP] = { "bpf.fp_preempted", "bpf.fp_preempted_nondefault",
					   "bpf.fp_switches", "bpf.fp_round_nondefault" };
static const char *const fp_json[NFP] = { "preemptions", "preemptions_nondefault", "switches",
					  "switches_nondefault" };

static void fp_add_json(cJSON *o, const double *t)
{
	for (int k = 0; k < NFP; k++)
		cJSON_AddNumberToObject(o, fp_json[k], t[k]);
}

/* ---- 1. shares per workload of a dataset ---- */

static int raw_col(const struct pp_dataset *ds, const char *name)
{
	for (int j = 0; j < pp_dataset_nraw(ds); j++)
		if (!strcmp(pp_dataset_raw_name(ds, j) + 4, name))
			return j;
	return -1;
}

/* Adds each workload's row to arr; returns how many missed their target. */
static int dataset_shares(const char *dir, bool json, cJSON *arr)
{
	struct pp_dataset *ds;
	char why[1024];
	int err = pp_dataset_read(dir, &ds, why, sizeof(why));
	if (err) {
		fprintf(stderr, "bench-ebpf: %s: %s\n", dir, why);
		return -1;
	}
	int col[NFP], missing = 0;
	for (int k = 0; k < NFP; k++)
		missing += (col[k] = raw_col(ds, fp_count[k])) < 0;
	if (missing) {
		fprintf(stderr, "bench-ebpf: %s was recorded without the ebpf backend (no "
			"raw.bpf.fp_* columns): record it again where `powprint info` lists ebpf\n",
			dir);
		pp_dataset_free(ds);
		return -1;
	}
	int n = pp_dataset_nrows(ds), misses = 0;
	const char **done = calloc((size_t)n + 1, sizeof(*done));
	int nd = 0;
	if (!json)
		printf("rounding mode off round-to-nearest, per workload of %s\n"
		       "  %-20s %-8s %-10s %8s %11s %7s %11s %7s  %-7s %s\n", dir, "workload",
		       "class", "family", "windows", "preemptions", "share", "switches", "share",
		       "target", "");
	for (int i = 0; i < n && done; i++) {
		const struct pp_dataset_row *r = pp_dataset_row(ds, i);
		int k = 0;
		while (k < nd && strcmp(done[k], r->workload))
			k++;
		if (k < nd)
			continue;
		done[nd++] = r->workload;
		double sum[NFP] = { 0 };
		long rows = 0;
		for (int t = i; t < n; t++) {
			const struct pp_dataset_row *x = pp_dataset_row(ds, t);
			const double *raw = pp_dataset_raw(ds, t);
			if (strcmp(x->workload, r->workload) || !isfinite(raw[col[PRE]]))
				continue;
			rows++;
			for (int k = 0; k < NFP; k++)
				sum[k] += raw[col[k]];
		}
		bool rx = !strcmp(r->family, "randomx"), benign = r->label == PP_LABEL_BENIGN;
		double share = pct(sum[PRE_ND], sum[PRE]);
		const char *target = rx ? ">= 50%" : benign ? "0%" : "-";
		bool ok = rx ? share >= 100 * SHARE_MIN_RX : benign ? sum[PRE_ND] == 0 : true;
		misses += !ok;
		if (json) {
			cJSON *o = cJSON_CreateObject();
			cJSON_AddStringToObject(o, "workload", r->workload);
			cJSON_AddStringToObject(o, "family", r->family);
			cJSON_AddStringToObject(o, "class", benign ? "benign" : "miner");
			cJSON_AddNumberToObject(o, "windows", (double)rows);
			fp_add_json(o, sum);
			cJSON_AddStringToObject(o, "target", target);
			cJSON_AddBoolToObject(o, "met", ok);
			cJSON_AddItemToArray(arr, o);
		} else {
			printf("  %-20s %-8s %-10s %8ld %11.0f %6.1f%% %11.0f %6.1f%%  %-7s %s\n",
			       r->workload, benign ? "benign" : "miner", r->family, rows, sum[PRE], share,
			       sum[SW], pct(sum[SW_ND], sum[SW]), target, ok ? "" : "MISSED");
		}
	}
	free(done);
	pp_dataset_free(ds);
	return misses;
}

/* ---- 2. programs outside the catalog ---- */

/* A busy loop on CPU 0 at the default rounding mode, until killed. */
static pid_t spinner(void)
{
	pid_t pid = fork();
	if (pid == 0) {
		cpu_set_t s;
		CPU_ZERO(&s);
		CPU_SET(0, &s);
		sched_setaffinity(0, sizeof(s), &s);
		for (volatile unsigned long x = 0;; x++)
			;
	}
	return pid;
}

/* cmd runs on CPU 0 beside a spinner, so that the scheduler preempts it hundreds of times a
 * second: on an idle machine a lone busy thread is hardly ever switched out. */
static int exec_share(const char *cmd, double seconds, bool json, cJSON *arr)
{
	char line[4096];
	snprintf(line, sizeof(line), "exec taskset -c 0 %s", cmd);
	char *argv[] = { "/bin/sh", "-c", line, NULL };
	pid_t spin = spinner();
	PP_OPTS(pp_collect_opts, o, .backends = "ebpf,perf-sw", .interval_ms = 1000, .warn = quiet);
	struct pp_collector *c;
	char why[512];
	int err = pp_collector_open_cmd(argv, &o, &c, why, sizeof(why));
	if (err) {
		fprintf(stderr, "bench-ebpf: %s: %s\n", cmd, why);
		kill(spin, SIGKILL);
		waitpid(spin, NULL, 0);
		return -1;
	}
	static struct pp_window w;
	double t[NFP] = { 0 }, cpu = 0;
	while (pp_collector_read(c, &w) == 0) {
		for (int k = 0; isfinite(pp_window_count(&w, fp_count[PRE])) && k < NFP; k++)
			t[k] += pp_window_count(&w, fp_count[k]);
		if (isfinite(w.task_clock_s))
			cpu += w.task_clock_s;
		if (w.end_s >= seconds || w.target_exited)
			break;
	}
	pp_collector_close(c); /* kills the command if it still runs */
	if (spin > 0) {
		kill(spin, SIGKILL);
		waitpid(spin, NULL, 0);
	}
	bool ok = t[PRE_ND] == 0 && t[SW_ND] == 0;
	if (json) {
		cJSON *e = cJSON_CreateObject();
		cJSON_AddStringToObject(e, "command", cmd);
		cJSON_AddNumberToObject(e, "cpu_seconds", cpu);
		fp_add_json(e, t);
		cJSON_AddBoolToObject(e, "met", ok);
		cJSON_AddItemToArray(arr, e);
	} else {
		printf("  %-44.44s %6.1f s CPU %6.0f preemptions %6.1f%% %6.0f switches %6.1f%%  0%% %s\n",
		       cmd, cpu, t[PRE], pct(t[PRE_ND], t[PRE]), t[SW], pct(t[SW_ND], t[SW]),
		       ok ? "" : "MISSED");
	}
	return !ok;
}

/* ---- 3. cost ---- */

/* What the child reports when its run is over. */
struct child_msg {
	double rate;
	int err;
};

static unsigned sample_pct;    /* --syscall-sample; 0 = the backend's default */

static int run_once(const char *name, double seconds, bool attached, double *rate)
{
	int fd[2];
	if (pipe(fd))
		return -errno;
	pid_t pid = fork();
	if (pid < 0)
		return -errno;
	if (pid == 0) {
		close(fd[0]);
		const struct pp_workload *w;
		struct pp_workload_result r = { 0 };
		int err = pp_workload_find(name, &w);
		struct child_msg m = { 0, 0 };
		if (!err) {
			PP_OPTS(pp_workload_run_opts, o, .seconds = seconds, .threads = 1);
			err = pp_workload_run(w, &o, &r);
		}
		m.rate = r.rate;
		m.err = err;
		ssize_t n = write(fd[1], &m, sizeof(m));
		_exit(n == sizeof(m) && !err ? 0 : 1);
	}
	close(fd[1]);
	struct pp_collector *c = NULL;
	int err = 0;
	if (attached) {
		PP_OPTS(pp_collect_opts, o, .backends = "ebpf", .interval_ms = 1000, .warn = quiet,
			.syscall_sample_pct = sample_pct);
		char why[512];
		err = pp_collector_open_pid(pid, &o, &c, why, sizeof(why));
		if (err)
			fprintf(stderr, "bench-ebpf: attaching to %s: %s\n", name, why);
	}
	struct child_msg m = { NAN, -EIO };
	if (read(fd[0], &m, sizeof(m)) != sizeof(m))
		m.err = -EIO;
	close(fd[0]);
	pp_collector_close(c);
	int st;
	waitpid(pid, &st, 0);
	*rate = m.rate;
	return err ? err : m.err;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

static int cost(const char *name, double seconds, int rounds, bool json, cJSON *arr)
{
	double ratio[MAX_ROUNDS], on_sum = 0, off_sum = 0;
	int n = 0;
	for (int r = 0; r < rounds; r++) {
		double rate[2];
		/* ABBA: the order flips every round, so drift hits both alike. */
		for (int k = 0; k < 2; k++) {
			bool attached = (k + r) % 2 == 0;
			int err = run_once(name, seconds, attached, &rate[attached]);
			if (err) {
				fprintf(stderr, "bench-ebpf: %s: %s\n", name, pp_strerror(err));
				return -1;
			}
		}
		if (rate[0] > 0 && rate[1] > 0) {
			ratio[n++] = rate[1] / rate[0];
			on_sum += rate[1];
			off_sum += rate[0];
		}
		if (!json)
			fprintf(stderr, "\r  %s: round %d/%d\033[K", name, r + 1, rounds);
	}
	if (!json)
		fprintf(stderr, "\r\033[K");
	if (!n)
		return -1;
	qsort(ratio, (size_t)n, sizeof(*ratio), cmp_double);
	double med = n % 2 ? ratio[n / 2] : (ratio[n / 2 - 1] + ratio[n / 2]) / 2;
	double q1 = ratio[n / 4], mean = on_sum / off_sum;
	bool ok = med >= 0.98;
	const struct pp_workload *w;
	const char *unit = pp_workload_find(name, &w) == 0 ? pp_workload_unit(w) : "";
	if (json) {
		cJSON *o = cJSON_CreateObject();
		cJSON_AddStringToObject(o, "workload", name);
		cJSON_AddNumberToObject(o, "rounds", n);
		cJSON_AddNumberToObject(o, "rate_attached", on_sum / n);
		cJSON_AddNumberToObject(o, "rate_detached", off_sum / n);
		cJSON_AddStringToObject(o, "unit", unit);
		cJSON_AddNumberToObject(o, "ratio_median", med);
		cJSON_AddNumberToObject(o, "ratio_q1", q1);
		cJSON_AddNumberToObject(o, "ratio_of_means", mean);
		cJSON_AddNumberToObject(o, "target", 0.98);
		cJSON_AddBoolToObject(o, "met", ok);
		cJSON_AddItemToArray(arr, o);
	} else {
		printf("  %-12s %12.4g %12.4g %-6s %7.3f %7.3f %7.3f   >= 0.98 %s\n", name,
		       on_sum / n, off_sum / n, unit, med, q1, mean, ok ? "" : "MISSED");
	}
	return !ok;
}

static void usage(FILE *f)
{
	fprintf(f,
		"usage: bench-ebpf [--data DIR] [--exec 'CMD ARGS']... [--seconds S]\n"
		"                  [--cost-workloads W,...] [--rounds N] [--syscall-sample PCT]\n"
		"                  [--no-cost] [--json]\n"
		"\n"
		"The ebpf backend's targets: the rounding-mode share per workload of a recorded\n"
		"dataset (default the shipped reference dataset), and of --exec programs (default a\n"
		"Node.js and a JVM loop where installed); then the throughput of --cost-workloads\n"
		"(default syscall,cn/r) with the program attached over without, --rounds (default\n"
		"10) alternating runs of --seconds (default 3) each, syscalls counted --syscall-sample\n"
		"percent of the time (default the backend's, %d).\n", PP_SC_SAMPLE_PCT_DEFAULT);
}

int main(int argc, char **argv)
{
	const char *data = NULL, *cost_wl = "syscall,cn/r";
	const char *exec[MAX_EXEC];
	int nexec = 0, rounds = 10;
	double seconds = 3;
	bool json = false, no_cost = false;
	static const struct option lo[] = {
		{ "data", required_argument, NULL, 'd' },
		{ "exec", required_argument, NULL, 'e' },
		{ "seconds", required_argument, NULL, 's' },
		{ "cost-workloads", required_argument, NULL, 'c' },
		{ "rounds", required_argument, NULL, 'r' },
		{ "no-cost", no_argument, NULL, 'n' },
		{ "syscall-sample", required_argument, NULL, 'S' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	int o;
	while ((o = getopt_long(argc, argv, "d:e:s:c:r:nS:jh", lo, NULL)) != -1) {
		switch (o) {
		case 'd': data = optarg; break;
		case 'e':
			if (nexec == MAX_EXEC) {
				fprintf(stderr, "bench-ebpf: at most %d --exec\n", MAX_EXEC);
				return 2;
			}
			exec[nexec++] = optarg;
			break;
		case 's': seconds = atof(optarg); break;
		case 'c': cost_wl = optarg; break;
		case 'r': rounds = atoi(optarg); break;
		case 'n': no_cost = true; break;
		case 'S': sample_pct = (unsigned)atoi(optarg); break;
		case 'j': json = true; break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (optind < argc || !(seconds > 0) || rounds < 1 || rounds > MAX_ROUNDS ||
	    sample_pct > 100) {
		usage(stderr);
		return 2;
	}
	struct pp_backend_status st[PP_BACKEND_MAX];
	int nb = pp_collector_probe(st, PP_BACKEND_MAX);
	for (int i = 0; i < nb && i < PP_BACKEND_MAX; i++)
		if (!strcmp(st[i].name, "ebpf") && !st[i].available) {
			fprintf(stderr, "bench-ebpf: the ebpf backend is unavailable here: %s\n",
				st[i].why);
			return 1;
		}
	char def[4096];
	if (!data) {
		snprintf(def, sizeof(def), "%s/datasets/reference-pmu-less", pp_data_dir());
		data = def;
	}
	if (!nexec) {
		/* Busy floating-point loops in the two JITs the issue names. */
		if (system("command -v node >/dev/null 2>&1") == 0)
			exec[nexec++] = "node -e 'let x=1.5;for(;;){for(let i=0;i<1e7;i++)"
					"x=Math.sqrt(x*x+1.0000001)/1.0000001}'";
		if (system("command -v java >/dev/null 2>&1") == 0)
			exec[nexec++] = "java -XX:+UseSerialGC -Xshare:auto " PP_BENCH_DIR
					"/jvm/Spin.java";
	}
	cJSON *root = cJSON_CreateObject(), *shares = cJSON_AddArrayToObject(root, "workloads");
	cJSON *ext = cJSON_AddArrayToObject(root, "programs");
	cJSON *costs = cJSON_AddArrayToObject(root, "cost");
	int misses = dataset_shares(data, json, shares);
	int rc = misses != 0;
	if (!json)
		printf("\nprograms outside the catalog, watched from their start for %.0f s\n", seconds);
	for (int i = 0; i < nexec; i++)
		rc |= exec_share(exec[i], seconds, json, ext) != 0;
	if (!no_cost) {
		if (!json)
			printf("\ncost: %d rounds of %.0f s each way, one thread\n  %-12s %12s %12s "
			       "%-6s %7s %7s %7s   target\n", rounds, seconds, "workload", "attached",
			       "detached", "unit", "median", "q1", "means");
		char *list = strdup(cost_wl);
		for (char *save, *w = strtok_r(list, ",", &save); w; w = strtok_r(NULL, ",", &save))
			rc |= cost(w, seconds, rounds, json, costs) != 0;
		free(list);
	}
	if (json) {
		char *s = cJSON_Print(root);
		puts(s);
		free(s);
	}
	cJSON_Delete(root);
	return rc;
}
