/* The workload catalog: every entry runs for about a second and verifies its known answer
 * (heavy ones at small sizes); a damaged result is caught by every entry's verify; the knobs
 * (threads, duty, burst, stop) do what they say; bad options fail with a clear message. */
#include <criterion/criterion.h>
#include <criterion/parameterized.h>
#include <powprint/hash.h>
#include <powprint/opts.h>
#include <powprint/workload.h>

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define MAX_PARAMS 4

/* LeakSanitizer hook: criterion's runner leaks 48 bytes when a file has parameterized tests
 * (inside libcriterion.so, not in powprint); anything leaked by our code still fails. */
const char *__lsan_default_suppressions(void);
const char *__lsan_default_suppressions(void)
{
	return "leak:libcriterion.so\n";
}

struct wl_case {
	char name[32];
	char params[MAX_PARAMS][32];
};

/* Small sizes for the heavy entries, so the suite stays short; defaults elsewhere. */
static const struct {
	const char *name;
	const char *params[MAX_PARAMS];
} small[] = {
	{ "pointer-chase", { "size=32M" } },
	{ "stream", { "array=16M" } },
	{ "hashtable", { "size=8M" } },
	{ "matmul", { "n=192" } },
	{ "fft", { "points=65536" } },
	{ "sort", { "keys=200000" } },
	{ "argon2id", { "memory=4M" } },
	{ "scrypt", { "n-log2=12" } },
	{ "sqlite", { "users=2000", "batch=500", "lookups=100" } },
	{ "json", { "records=1000" } },
};

static int fill_cases(struct wl_case *cases, int cap)
{
	int n = 0;
	for (int i = 0; i < pp_workload_count() && n < cap; i++) {
		struct wl_case *c = &cases[n++];
		memset(c, 0, sizeof(*c));
		snprintf(c->name, sizeof(c->name), "%s", pp_workload_name(pp_workload_at(i)));
		for (size_t k = 0; k < sizeof(small) / sizeof(small[0]); k++)
			if (!strcmp(small[k].name, c->name))
				for (int p = 0; p < MAX_PARAMS && small[k].params[p]; p++)
					snprintf(c->params[p], sizeof(c->params[p]), "%s",
						 small[k].params[p]);
	}
	return n;
}

/* Looks the case up and skips what this machine cannot run, saying why. */
static const struct pp_workload *prepare(const struct wl_case *c, const char **params)
{
	const struct pp_workload *w;
	cr_assert_eq(pp_workload_find(c->name, &w), 0, "%s not found", c->name);
	char why[256];
	if (pp_workload_supported(w, why, sizeof(why)))
		cr_skip_test("%s cannot run here: %s", c->name, why);
	if (!strcmp(c->name, "rx/0-fast") && !getenv("PP_TEST_RX_FAST"))
		cr_skip_test("rx/0-fast builds a 2 GiB dataset (about 25 s on 2 cores with the JIT, "
			     "minutes under ASan); rx/0-light runs the same hash here, and "
			     "test-rx-jit runs fast mode on a small dataset; set PP_TEST_RX_FAST=1 "
			     "to run it");
	int np = 0;
	for (int p = 0; p < MAX_PARAMS; p++)
		if (c->params[p][0])
			params[np++] = c->params[p];
	params[np] = NULL;
	return w;
}

ParameterizedTestParameters(workloads, runs_and_verifies)
{
	static struct wl_case cases[96];
	return cr_make_param_array(struct wl_case, cases, (size_t)fill_cases(cases, 96));
}

ParameterizedTest(struct wl_case *c, workloads, runs_and_verifies, .timeout = 120)
{
	const char *params[MAX_PARAMS + 1];
	const struct pp_workload *w = prepare(c, params);
	PP_OPTS(pp_workload_run_opts, o, .seconds = 1, .params = params);
	struct pp_workload_result r;
	int rc = pp_workload_run(w, &o, &r);
	cr_assert_eq(rc, 0, "%s: rc %d (%s) error '%s' verify '%s'", c->name, rc, strerror(-rc),
		     r.error, r.verify_msg);
	cr_assert(r.verified, "%s: %s", c->name, r.verify_msg);
	cr_assert_gt(r.work, 0, "%s did no work", c->name);
	cr_assert_gt(r.rate, 0);
	cr_assert(r.seconds > 0.5 && r.seconds < 30, "%s ran %g s", c->name, r.seconds);
	cr_assert_str_eq(r.unit, pp_workload_unit(w));
	cr_log_info("%s: %.4g %s (%s)", c->name, r.rate, r.unit, r.detail);
}

ParameterizedTestParameters(workloads, damaged_result_fails_verify)
{
	static struct wl_case cases[96];
	return cr_make_param_array(struct wl_case, cases, (size_t)fill_cases(cases, 96));
}

ParameterizedTest(struct wl_case *c, workloads, damaged_result_fails_verify, .timeout = 120)
{
	const char *params[MAX_PARAMS + 1];
	const struct pp_workload *w = prepare(c, params);
	PP_OPTS(pp_workload_run_opts, o, .seconds = 0.2, .params = params, .inject_fault = true);
	struct pp_workload_result r;
	int rc = pp_workload_run(w, &o, &r);
	cr_assert_eq(rc, -EBADMSG, "%s: a damaged result passed verify (rc %d, '%s', '%s')",
		     c->name, rc, r.error, r.verify_msg);
	cr_assert_not(r.verified);
	cr_assert_neq(r.verify_msg[0], '\0', "%s: no reason given", c->name);
}

Test(workloads, catalog_is_complete)
{
	int n = pp_workload_count(), benign = 0, miners = 0;
	for (int i = 0; i < n; i++) {
		const struct pp_workload *w = pp_workload_at(i);
		cr_assert_not_null(w);
		const char *name = pp_workload_name(w);
		cr_assert(name && *name && pp_workload_family(w) && *pp_workload_help(w) &&
			  *pp_workload_unit(w), "entry %d lacks a field", i);
		for (int j = 0; j < i; j++)
			cr_assert_str_neq(name, pp_workload_name(pp_workload_at(j)), "duplicate");
		const struct pp_workload *f;
		cr_assert_eq(pp_workload_find(name, &f), 0);
		cr_assert_eq(f, w);
		if (pp_workload_class(w) == PP_WL_BENIGN)
			benign++;
		else
			miners++;
	}
	cr_assert_null(pp_workload_at(n));
	cr_assert_geq(benign, 16, "the catalog should hold at least 16 benign workloads, have %d",
		      benign);
	cr_assert_geq(miners, 1);
}

/* Every hash algorithm powprint builds has a miner entry (RandomX ones in light and fast
 * mode). */
Test(workloads, every_hash_algorithm_has_a_miner_entry)
{
	const char *const *names = pp_hash_names();
	cr_assert_not_null(names);
	for (; *names; names++) {
		const struct pp_workload *w;
		char alt[64];
		if (!strncmp(*names, "rx/", 3)) {
			snprintf(alt, sizeof(alt), "%s-light", *names);
			if (pp_workload_find(alt, &w) == 0) {
				snprintf(alt, sizeof(alt), "%s-fast", *names);
				cr_assert_eq(pp_workload_find(alt, &w), 0, "no %s", alt);
				continue;
			}
		}
		cr_assert_eq(pp_workload_find(*names, &w), 0, "no miner workload for %s", *names);
		cr_assert_eq(pp_workload_class(w), PP_WL_MINER);
	}
}

Test(workloads, unknown_name)
{
	const struct pp_workload *w;
	cr_assert_eq(pp_workload_find("no-such-workload", &w), -ENOENT);
}

static double cpu_share(const char *name, const char *const *params, int duty, double on,
			double off)
{
	const struct pp_workload *w;
	cr_assert_eq(pp_workload_find(name, &w), 0);
	PP_OPTS(pp_workload_run_opts, o, .seconds = 1.5, .duty_pct = duty, .burst_on_s = on,
		.burst_off_s = off, .params = params);
	struct pp_workload_result r;
	cr_assert_eq(pp_workload_run(w, &o, &r), 0, "%s %s", r.error, r.verify_msg);
	cr_log_info("%s: busy %.3f s, cpu %.3f s of %.3f s", name, r.busy_seconds, r.cpu_seconds,
		    r.seconds);
	cr_assert_leq(r.cpu_seconds, r.busy_seconds + 0.05, "CPU time while supposedly asleep");
	return r.busy_seconds / r.seconds;
}

/* The share of time spent working follows the knobs: 30% duty works about 0.3 s a second.
 * Busy wall time, not CPU time, so other load on this shared machine does not matter. */
Test(workloads, duty_cycle_throttles)
{
	double s = cpu_share("sha256", NULL, 30, 0, 0);
	cr_assert(s > 0.2 && s < 0.4, "busy share %g at 30%% duty", s);
}

Test(workloads, duty_cycle_with_long_chunks)
{
	const char *params[] = { "memory=8M", NULL }; /* 20-100 ms a hash: about the 30 ms on-time or longer */
	double s = cpu_share("argon2id", params, 30, 0, 0);
	cr_assert(s > 0.15 && s < 0.45, "busy share %g at 30%% duty", s);
}

/* The miners throttle inside pp_mine_run; their busy time is its count of time spent hashing
 * (it was 0, beside a CPU time well above it). cn-pico hashes take milliseconds, well inside
 * the 30 ms on-time. */
Test(workloads, miner_duty_cycle_throttles)
{
	double s = cpu_share("cn-pico/0", NULL, 30, 0, 0);
	cr_assert(s > 0.2 && s < 0.4, "busy share %g at 30%% duty", s);
}

Test(workloads, bursts_pause)
{
	double s = cpu_share("sha256", NULL, 0, 0.25, 0.5);
	cr_assert(s > 0.25 && s < 0.45, "busy share %g with 0.25 s on / 0.5 s off", s);
}

Test(workloads, threads_share_the_work)
{
	const struct pp_workload *w;
	cr_assert_eq(pp_workload_find("hashtable", &w), 0);
	const char *params[] = { "size=4M", NULL };
	PP_OPTS(pp_workload_run_opts, o, .seconds = 0.5, .threads = 2, .params = params);
	struct pp_workload_result r;
	cr_assert_eq(pp_workload_run(w, &o, &r), 0, "%s %s", r.error, r.verify_msg);
	cr_assert_eq(r.threads, 2);
	cr_assert(r.busy_seconds > 0.9, "2 threads for 0.5 s worked %g s", r.busy_seconds);
}

Test(workloads, nice_applies)
{
	const struct pp_workload *w;
	cr_assert_eq(pp_workload_find("idle", &w), 0);
	PP_OPTS(pp_workload_run_opts, o, .seconds = 0.2, .nice = 5);
	struct pp_workload_result r;
	cr_assert_eq(pp_workload_run(w, &o, &r), 0, "%s", r.error);
}

static volatile int stop_flag;

static void *stop_soon(void *arg)
{
	(void)arg;
	usleep(200000);
	stop_flag = 1;
	return NULL;
}

Test(workloads, stop_flag_ends_early)
{
	const struct pp_workload *w;
	cr_assert_eq(pp_workload_find("stream", &w), 0);
	const char *params[] = { "array=4M", NULL };
	PP_OPTS(pp_workload_run_opts, o, .seconds = 30, .params = params, .stop = &stop_flag);
	pthread_t t;
	pthread_create(&t, NULL, stop_soon, NULL);
	struct pp_workload_result r;
	cr_assert_eq(pp_workload_run(w, &o, &r), 0, "%s %s", r.error, r.verify_msg);
	pthread_join(t, NULL);
	cr_assert_lt(r.seconds, 5, "ran %g s after the stop request", r.seconds);
}

Test(workloads, unknown_option_lists_valid_ones)
{
	const struct pp_workload *w;
	cr_assert_eq(pp_workload_find("aes-ctr", &w), 0);
	const char *params[] = { "bogus=1", NULL };
	PP_OPTS(pp_workload_run_opts, o, .seconds = 0.1, .params = params);
	struct pp_workload_result r;
	cr_assert_eq(pp_workload_run(w, &o, &r), -EINVAL);
	cr_assert(strstr(r.error, "bogus") && strstr(r.error, "--block") &&
		  strstr(r.error, "--key-bits"), "%s", r.error);
}

Test(workloads, bad_option_values)
{
	const struct pp_workload *w;
	struct pp_workload_result r;
	cr_assert_eq(pp_workload_find("aes-ctr", &w), 0);
	const char *bad[][2] = { { "block=12x", NULL }, { "block=1", NULL }, { "key-bits=7", NULL },
				 { "block", NULL } };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		PP_OPTS(pp_workload_run_opts, o, .seconds = 0.1, .params = bad[i]);
		cr_assert_eq(pp_workload_run(w, &o, &r), -EINVAL, "%s accepted", bad[i][0]);
		cr_assert(strstr(r.error, "--"), "%s", r.error);
	}
	PP_OPTS(pp_workload_run_opts, o, .seconds = 0.1, .threads = PP_WORKLOAD_MAX_THREADS + 1);
	cr_assert_eq(pp_workload_run(w, &o, &r), -EINVAL);
	PP_OPTS(pp_workload_run_opts, o2, .seconds = 0.1, .duty_pct = 101);
	cr_assert_eq(pp_workload_run(w, &o2, &r), -EINVAL);
	PP_OPTS(pp_workload_run_opts, o3, .seconds = 0.1, .burst_on_s = 1);
	cr_assert_eq(pp_workload_run(w, &o3, &r), -EINVAL, "a burst without off time");
}

Test(workloads, sizes_take_suffixes)
{
	const struct pp_workload *w;
	cr_assert_eq(pp_workload_find("aes-gcm", &w), 0);
	const char *params[] = { "block=2K", "key-bits=256", NULL };
	PP_OPTS(pp_workload_run_opts, o, .seconds = 0.2, .params = params);
	struct pp_workload_result r;
	cr_assert_eq(pp_workload_run(w, &o, &r), 0, "%s %s", r.error, r.verify_msg);
	cr_assert(strstr(r.detail, "AES-256") && strstr(r.detail, "2048-byte"), "%s", r.detail);
}

struct seen {
	pid_t pid, child;
	int child_alive;
};

static void on_started(void *arg, const struct pp_workload *w, pid_t pid, pid_t child)
{
	(void)w;
	struct seen *s = arg;
	s->pid = pid;
	s->child = child;
	s->child_alive = child > 0 && kill(child, 0) == 0;
}

/* Collectors attach to node's pid: it must be reported while the child runs, and the child
 * must be gone afterwards. */
Test(workloads, node_child_pid_is_reported, .timeout = 60)
{
	const struct pp_workload *w;
	cr_assert_eq(pp_workload_find("node-jit", &w), 0);
	char why[256];
	if (pp_workload_supported(w, why, sizeof(why)))
		cr_skip_test("%s", why);
	struct seen s = { 0 };
	PP_OPTS(pp_workload_run_opts, o, .seconds = 0.5, .started = on_started, .started_arg = &s);
	struct pp_workload_result r;
	cr_assert_eq(pp_workload_run(w, &o, &r), 0, "%s %s", r.error, r.verify_msg);
	cr_assert_eq(s.pid, getpid());
	cr_assert_gt(s.child, 0);
	cr_assert(s.child_alive, "the child was not running when reported");
	cr_assert_eq(r.child_pid, s.child);
	cr_assert_eq(kill(s.child, 0), -1, "node child %d outlived the run", (int)s.child);
	cr_assert_eq(errno, ESRCH);
}

Test(workloads, node_is_single_process)
{
	const struct pp_workload *w;
	cr_assert_eq(pp_workload_find("node-jit", &w), 0);
	cr_assert_eq(pp_workload_max_threads(w), 1);
	PP_OPTS(pp_workload_run_opts, o, .seconds = 0.1, .threads = 2);
	struct pp_workload_result r;
	cr_assert_eq(pp_workload_run(w, &o, &r), -EINVAL);
	cr_assert(strstr(r.error, "1 to 1"), "%s", r.error);
}
