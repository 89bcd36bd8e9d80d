/* The detection agent end to end: a miner started after the agent is alerted on within the
 * latency bound, stopped by --action stop and cleared when it exits, a benign workload never
 * is; /metrics is scraped with curl over loopback; every log line is JSON. Heavy process
 * churn leaves the agent's descriptors and memory flat. Plus start-up errors (model, port),
 * container ids, event JSON, the /proc text a process can shape and the metrics endpoint on
 * their own. */
#define _GNU_SOURCE
#include "core/clock.h"
#include "fingerprint/agent/proc-parse.h"
#include "support/fixtures.h"
#include "support/testutil.h"

#include <cjson/cJSON.h>
#include <criterion/criterion.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <netinet/in.h>
#include <powprint/agent.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static bool have_curl(void)
{
	return system("curl --version >/dev/null 2>&1") == 0;
}

/* A model trained here on a few short recordings, shared by the tests of this build (rebuilt
 * when the powprint binary is newer than it). Returns its directory. Three windows per
 * workload are too few for the default (slow, shallow) boosting to become confident: with
 * it, p(miner) of a cn/0 window on a loaded machine hovered at 0.6-0.8 and an alert once
 * took 9 s; deeper, faster trees give 0.9 here. */
static const char *model_dir(void)
{
	static char dir[4200];
	char lock[4300], stamp[4300], cmd[30000];
	snprintf(dir, sizeof(dir), "%s", PP_CLI_PATH);
	char *slash = strrchr(dir, '/');
	snprintf(slash ? slash + 1 : dir, sizeof(dir) - (size_t)(slash ? slash + 1 - dir : 0),
		 "watch-test-model");
	snprintf(lock, sizeof(lock), "%s.lock", dir);
	snprintf(stamp, sizeof(stamp), "%s/model.json", dir);
	int fd = open(lock, O_CREAT | O_RDWR | O_CLOEXEC, 0644);
	cr_assert_geq(fd, 0);
	cr_assert_eq(flock(fd, LOCK_EX), 0);
	struct stat sm, sb;
	if (stat(stamp, &sm) || stat(PP_CLI_PATH, &sb) || sm.st_mtime < sb.st_mtime) {
		snprintf(cmd, sizeof(cmd), "rm -rf '%s' '%s.data' && '%s' record --workloads "
			 "cn/0,cn-lite/0,cn/r,sort,zstd,sha256,stream,idle --seconds 3 --output '%s.data' "
			 ">/dev/null 2>&1 && '%s' train --data '%s.data' --params "
			 "max_depth=3,eta=0.3,rounds=100,colsample_bytree=0.8 --output '%s' >/dev/null 2>&1",
			 dir, dir, PP_CLI_PATH, dir, PP_CLI_PATH, dir, dir);
		cr_assert_eq(system(cmd), 0, "recording and training the test model failed: %s",
			     cmd);
	}
	close(fd);
	return dir;
}

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

/* Starts `powprint ARGS...` with stdout and stderr into files. With hold, the child waits
 * until a byte arrives on *hold (its pid is known before it runs). */
static pid_t spawn_held(const char *out, const char *err, const char *const *args, int *hold)
{
	int hp[2] = { -1, -1 };
	if (hold)
		cr_assert_eq(pipe(hp), 0);
	pid_t pid = fork();
	cr_assert_geq(pid, 0);
	if (pid == 0) {
		char ch;
		if (hold && read(hp[0], &ch, 1) != 1)
			_exit(126);
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
		execv(PP_CLI_PATH, argv);
		_exit(127);
	}
	if (hold) {
		close(hp[0]);
		*hold = hp[1];
	}
	return pid;
}

static pid_t spawn(const char *out, const char *err, const char *const *args)
{
	return spawn_held(out, err, args, NULL);
}

static int stop_and_wait(pid_t pid)
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

/* The first event of type `type` about pid in a JSON-lines log, or NULL (caller deletes). */
static cJSON *find_event(const char *log, const char *type, pid_t pid)
{
	char *text = pp_test_slurp(log), *save = NULL;
	cJSON *found = NULL;
	for (char *line = strtok_r(text, "\n", &save); line && !found;
	     line = strtok_r(NULL, "\n", &save)) {
		cJSON *e = cJSON_Parse(line);
		cr_assert_not_null(e, "log line is not JSON: %s", line);
		cJSON *t = cJSON_GetObjectItem(e, "event"), *p = cJSON_GetObjectItem(e, "pid");
		if (cJSON_IsString(t) && strcmp(t->valuestring, type) == 0 && cJSON_IsNumber(p) &&
		    (pid_t)p->valuedouble == pid)
			found = e;
		else
			cJSON_Delete(e);
	}
	free(text);
	return found;
}

static char state_of(pid_t pid)
{
	char path[64], buf[512];
	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	FILE *f = fopen(path, "r");
	if (!f)
		return '?';
	size_t k = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[k] = '\0';
	char *p = strrchr(buf, ')');
	return p ? p[2] : '?';
}

static char *tmpdir(void)
{
	char *d = strdup("/tmp/pp-watch-XXXXXX");
	cr_assert_not_null(mkdtemp(d));
	return d;
}

Test(watch, miner_alerted_stopped_and_cleared_benign_never_metrics_scraped, .timeout = 240)
{
	if (!have_curl())
		cr_skip_test("curl is not installed (scripts/bootstrap installs it): /metrics must "
			     "be scraped with a real HTTP client");
	const char *model = model_dir();
	char *d = tmpdir(), log[256], out[256], err[256], addr[64], url[128];
	snprintf(log, sizeof(log), "%s/events.jsonl", d);
	snprintf(out, sizeof(out), "%s/stdout", d);
	snprintf(err, sizeof(err), "%s/stderr", d);
	int port = free_port();
	snprintf(addr, sizeof(addr), "127.0.0.1:%d", port);
	snprintf(url, sizeof(url), "http://127.0.0.1:%d/metrics", port);
	char mo[256], me[256], bo[256], be[256], pids[64];
	snprintf(mo, sizeof(mo), "%s/miner.out", d);
	snprintf(me, sizeof(me), "%s/miner.err", d);
	snprintf(bo, sizeof(bo), "%s/benign.out", d);
	snprintf(be, sizeof(be), "%s/benign.err", d);
	const char *margs[] = { "run", "cn/0", "--seconds", "30", NULL };
	const char *bargs[] = { "run", "sort", "--seconds", "12", NULL };
	/* Held until the agent runs, and the agent watches only them: --action stop must never
	 * reach anything else on the machine. */
	int mh, bh;
	pid_t miner = spawn_held(mo, me, margs, &mh), benign = spawn_held(bo, be, bargs, &bh);
	snprintf(pids, sizeof(pids), "%d,%d", (int)miner, (int)benign);
	const char *wargs[] = { "watch", "--model", model, "--json", "--log", log, "--metrics",
				addr, "--action", "stop", "--pid", pids, NULL };
	pid_t agent = spawn(out, err, wargs);
	sleep(2); /* the agent's first scans */
	cr_assert_eq(waitpid(agent, NULL, WNOHANG), 0, "the agent exited early: %s", pp_test_slurp(err));
	double t_start = pp_clock_unix_s();
	cr_assert_eq(write(mh, "g", 1), 1);
	cr_assert_eq(write(bh, "g", 1), 1);
	close(mh);
	close(bh);

	/* The bound: median <= 5 s for a full-speed miner; one try here, so 5 s plus a window. */
	cJSON *alert = NULL;
	while (!alert && pp_clock_unix_s() - t_start < 20) {
		usleep(200000);
		alert = find_event(log, "alert", miner);
	}
	cr_assert_not_null(alert, "no alert for the miner (pid %d) within 20 s; log:\n%s\nstderr:\n%s",
			   (int)miner, pp_test_slurp(log), pp_test_slurp(err));
	double latency = pp_clock_unix_s() - t_start;
	cr_log_info("detection latency %.1f s", latency);
#if defined(__SANITIZE_ADDRESS__)
	/* Agent and miner run instrumented (several times slower) beside the other tests: this
	 * build's run checks the agent's behaviour; the release build's run checks the bound. */
	const double bound = 6.0 + 2.0;
#else
	const double bound = 6.0;
#endif
	cr_expect_leq(latency, bound, "alert after %.1f s (bound: 5 s median)", latency);

	/* The alert's fields. */
	cJSON *host = cJSON_GetObjectItem(alert, "host"), *p = cJSON_GetObjectItem(alert, "p_miner");
	cr_expect(cJSON_IsString(host) && host->valuestring[0]);
	cr_expect(cJSON_IsNumber(p) && p->valuedouble >= 0.5 && p->valuedouble <= 1);
	cr_expect_eq((int)cJSON_GetObjectItem(alert, "ppid")->valuedouble, (int)getpid());
	cr_expect(cJSON_IsNumber(cJSON_GetObjectItem(alert, "uid")));
	cr_expect_str_eq(cJSON_GetObjectItem(alert, "comm")->valuestring, "powprint");
	cr_expect(strstr(cJSON_GetObjectItem(alert, "cmdline")->valuestring, "run cn/0"));
	cr_expect(strstr(cJSON_GetObjectItem(alert, "exe")->valuestring, "powprint"));
	cr_expect(cJSON_IsObject(cJSON_GetObjectItem(alert, "nearest")));
	cr_expect(cJSON_GetArraySize(cJSON_GetObjectItem(alert, "top_features")) > 0);
	cr_expect_geq(cJSON_GetObjectItem(alert, "windows_seen")->valuedouble, 3);
	cJSON_Delete(alert);
	/* Every event so far, as docs/schemas/watch.schema.json says: one compact line each. */
	char *events = pp_test_slurp(log), *bad;
	cr_expect_eq(pp_json_validate("watch.schema.json", events, true, &bad), 0, "%s\n%s",
		     bad, events);
	free(bad);
	free(events);

	/* --action stop: the miner is stopped (and the action logged), the benign one not. */
	cJSON *action = NULL;
	for (int i = 0; i < 20 && !action; i++, usleep(100000))
		action = find_event(log, "action", miner);
	cr_assert_not_null(action, "no action event for the miner");
	cr_expect(cJSON_IsTrue(cJSON_GetObjectItem(action, "done")));
	cr_expect_str_eq(cJSON_GetObjectItem(action, "action")->valuestring, "stop");
	cJSON_Delete(action);
	char st = '?';
	for (int i = 0; i < 20 && st != 'T'; i++, usleep(100000))
		st = state_of(miner);
	cr_expect_eq(st, 'T', "the miner's state is '%c', not stopped", st);

	/* A real HTTP client on loopback. */
	char cmd[512], mf[300];
	snprintf(mf, sizeof(mf), "%s/metrics.txt", d);
	sleep(1); /* one more tick: the snapshot includes the alert */
	snprintf(cmd, sizeof(cmd), "curl -sf -o '%s' '%s'", mf, url);
	cr_assert_eq(system(cmd), 0, "curl could not scrape %s", url);
	char *metrics = pp_test_slurp(mf), needle[64];
	cr_expect(strstr(metrics, "# TYPE powprint_agent_detections_total counter"));
	cr_expect(strstr(metrics, "powprint_agent_processes_monitored "));
	cr_expect(strstr(metrics, "powprint_agent_errors_total{kind=\"permission\"}"));
	cr_expect(strstr(metrics, "powprint_agent_resident_memory_bytes "));
	const char *det = strstr(metrics, "\npowprint_agent_detections_total ");
	cr_assert_not_null(det);
	cr_expect_geq(atof(det + 33), 1.0, "%s", metrics);
	snprintf(needle, sizeof(needle), "powprint_agent_process_p_miner{pid=\"%d\"", (int)miner);
	cr_expect(strstr(metrics, needle), "no p(miner) for the flagged miner:\n%s", metrics);
	/* The threshold as the model has it (0.85), not the 17 digits of its double. */
	const char *thr = strstr(metrics, "\npowprint_agent_model_threshold ");
	cr_assert_not_null(thr, "%s", metrics);
	char text[40], again[40];
	cr_assert_eq(sscanf(thr + 32, "%39s", text), 1);
	snprintf(again, sizeof(again), "%.15g", atof(text));
	cr_expect_str_eq(text, again, "threshold printed with float noise: %s", text);
	free(metrics);
	snprintf(cmd, sizeof(cmd), "curl -s -o /dev/null -w '%%{http_code}' "
		 "'http://127.0.0.1:%d/nothing' > '%s'", port, mf);
	cr_expect_eq(system(cmd), 0);
	char *code = pp_test_slurp(mf);
	cr_expect_str_eq(code, "404");
	free(code);

	/* The miner killed: cleared, reason exited. The benign one runs to its end. */
	kill(miner, SIGKILL);
	waitpid(miner, NULL, 0);
	int bst;
	waitpid(benign, &bst, 0);
	cr_expect(WIFEXITED(bst) && WEXITSTATUS(bst) == 0, "the benign workload failed");
	cJSON *cleared = NULL;
	for (int i = 0; i < 40 && !cleared; i++, usleep(100000))
		cleared = find_event(log, "cleared", miner);
	cr_assert_not_null(cleared, "no cleared event after the miner exited");
	cr_expect_str_eq(cJSON_GetObjectItem(cleared, "reason")->valuestring, "exited");
	cJSON_Delete(cleared);
	cJSON *fp = find_event(log, "alert", benign);
	cr_expect_null(fp, "the benign workload (sort) was alerted on");
	cJSON_Delete(fp);
	cJSON *fa = find_event(log, "action", benign);
	cr_expect_null(fa, "the benign workload was acted on");
	cJSON_Delete(fa);

	/* SIGTERM: exit 0 with a summary line; every stdout line is JSON too. */
	cr_assert_eq(stop_and_wait(agent), 0, "%s", pp_test_slurp(err));
	char *o = pp_test_slurp(out), *save = NULL, *last = NULL;
	for (char *line = strtok_r(o, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		cJSON *e = cJSON_Parse(line);
		cr_expect_not_null(e, "stdout line is not JSON: %s", line);
		cJSON_Delete(e);
		last = line;
	}
	cr_assert_not_null(last);
	cJSON *sum = cJSON_Parse(last);
	cr_assert_not_null(sum);
	cr_expect_str_eq(cJSON_GetObjectItem(sum, "event")->valuestring, "summary");
	cr_expect_geq(cJSON_GetObjectItem(sum, "detections")->valuedouble, 1);
	cJSON_Delete(sum);
	free(o);
	free(d);
}

/* The rounding-mode rule alone: the test model has never seen RandomX, and a copy of it whose
 * threshold no p(miner) reaches leaves the verdict to the rule. Three hashing threads on two
 * cores keep the miner preempted, as on a busy server. */
Test(watch, rounding_mode_rule_alerts_on_an_unseen_randomx_miner, .timeout = 180)
{
	NEED("ebpf");
	const char *model = model_dir();
	char *d = tmpdir(), log[256], out[256], err[256], mo[256], me[256], cmd[9000], mdir[256];
	snprintf(log, sizeof(log), "%s/events.jsonl", d);
	snprintf(out, sizeof(out), "%s/stdout", d);
	snprintf(err, sizeof(err), "%s/stderr", d);
	snprintf(mo, sizeof(mo), "%s/miner.out", d);
	snprintf(me, sizeof(me), "%s/miner.err", d);
	snprintf(mdir, sizeof(mdir), "%s/model", d);
	snprintf(cmd, sizeof(cmd), "cp -r '%s' '%s' && sed -i 's/\"threshold\":[^,]*/\"threshold\":"
		 "0.9999999/' '%s/model.json'", model, mdir, mdir);
	cr_assert_eq(system(cmd), 0, "%s", cmd);
	const char *margs[] = { "run", "rx/0-light", "--threads", "3", "--seconds", "40", NULL };
	int mh;
	pid_t miner = spawn_held(mo, me, margs, &mh);
	char pids[32];
	snprintf(pids, sizeof(pids), "%d", (int)miner);
	const char *wargs[] = { "watch", "--model", mdir, "--json", "--log", log, "--pid", pids,
				NULL };
	pid_t agent = spawn(out, err, wargs);
	cr_assert_eq(write(mh, "g", 1), 1);
	close(mh);
	cJSON *alert = NULL;
	double t0 = pp_clock_unix_s();
	while (!alert && pp_clock_unix_s() - t0 < 35) {
		usleep(200000);
		alert = find_event(log, "alert", miner);
	}
	cr_assert_not_null(alert, "no alert for rx/0-light (pid %d) within 35 s; log:\n%s\nstderr:\n%s",
			   (int)miner, pp_test_slurp(log), pp_test_slurp(err));
	cJSON *rule = cJSON_GetObjectItem(alert, "rounding_rule");
	cr_assert(cJSON_IsObject(rule), "the alert has no rounding_rule: %s", cJSON_PrintUnformatted(alert));
	cr_expect(cJSON_IsTrue(cJSON_GetObjectItem(rule, "fired")));
	cr_expect_geq(cJSON_GetObjectItem(rule, "nondefault_share")->valuedouble, 0.5);
	cr_expect_geq(cJSON_GetObjectItem(rule, "preemptions")->valuedouble, 4);
	cr_expect(strstr(cJSON_GetStringValue(cJSON_GetObjectItem(rule, "evidence")),
			 "rounding mode non-default at "));
	cr_log_info("rule alert after %.1f s: %s", pp_clock_unix_s() - t0,
		    cJSON_GetStringValue(cJSON_GetObjectItem(rule, "evidence")));
	cJSON_Delete(alert);
	stop_and_wait(agent);
	kill(miner, SIGKILL);
	waitpid(miner, NULL, 0);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", d);
	cr_expect_eq(system(cmd), 0);
	free(d);
}

static int count_fds(pid_t pid)
{
	char path[64];
	snprintf(path, sizeof(path), "/proc/%d/fd", (int)pid);
	DIR *dd = opendir(path);
	cr_assert_not_null(dd);
	int n = 0;
	struct dirent *de;
	while ((de = readdir(dd)))
		n += de->d_name[0] != '.';
	closedir(dd);
	return n;
}

/* The agent's descriptors once it has let go of the churned processes: the least count seen
 * over up to 5 s (it detaches each target within a few scans of its exit; a leak never comes
 * back down). */
static int settled_fds(pid_t pid, int floor)
{
	int least = count_fds(pid);
	for (int i = 0; i < 25 && least > floor; i++) {
		usleep(200000);
		int n = count_fds(pid);
		least = n < least ? n : least;
	}
	return least;
}

static long rss_kib(pid_t pid)
{
	char path[64];
	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	char *s = pp_test_slurp(path), *p = strstr(s, "VmRSS:");
	long v = p ? atol(p + 6) : -1;
	free(s);
	return v;
}

/* Hundreds of processes a second for `seconds`: most exit at once, some spin for 20-150 ms
 * (one at a time) so the agent attaches to them and sees them vanish mid-window. Runs in its
 * own process, whose children are only the churn; returns how many it started. */
static long churn(double seconds)
{
	int pfd[2];
	cr_assert_eq(pipe(pfd), 0);
	pid_t mgr = fork();
	cr_assert_geq(mgr, 0);
	if (mgr == 0) {
		double end = pp_clock_unix_s() + seconds;
		long n = 0;
		pid_t spinner = 0;
		unsigned seed = 7;
		while (pp_clock_unix_s() < end) {
			bool spin = !spinner && rand_r(&seed) % 4 == 0;
			double len = 0.02 + (rand_r(&seed) % 130) / 1000.0;
			pid_t c = fork();
			if (c == 0) {
				double stop = pp_clock_unix_s() + (spin ? len : 0);
				volatile unsigned long x = 0;
				while (pp_clock_unix_s() < stop)
					x++;
				_exit(0);
			}
			if (c > 0) {
				n++;
				if (spin)
					spinner = c;
			}
			pid_t r;
			while ((r = waitpid(-1, NULL, WNOHANG)) > 0)
				if (r == spinner)
					spinner = 0;
			usleep(2000);
		}
		while (waitpid(-1, NULL, 0) > 0)
			;
		if (write(pfd[1], &n, sizeof(n)) != sizeof(n))
			_exit(1);
		_exit(0);
	}
	close(pfd[1]);
	long n = 0;
	cr_assert_eq(read(pfd[0], &n, sizeof(n)), (ssize_t)sizeof(n));
	close(pfd[0]);
	waitpid(mgr, NULL, 0);
	return n;
}

Test(watch, churn_keeps_fds_and_memory_flat, .timeout = 180)
{
	const char *model = model_dir();
	char *d = tmpdir(), out[256], err[256];
	snprintf(out, sizeof(out), "%s/stdout", d);
	snprintf(err, sizeof(err), "%s/stderr", d);
	int port = free_port();
	char addr[64];
	snprintf(addr, sizeof(addr), "127.0.0.1:%d", port);
	/* A short interval and low threshold: as many attach/detach cycles as possible. */
	const char *wargs[] = { "watch", "--model", model, "--json", "--interval", "100",
				"--min-cpu", "2", "--max-targets", "8", "--metrics", addr, NULL };
	pid_t agent = spawn(out, err, wargs);
	churn(3); /* warm-up: the model, the allocator and the collectors have run */
	sleep(1);
	int fd0 = settled_fds(agent, 0);
	long rss0 = rss_kib(agent);
	long n = churn(30);
	sleep(1);
	int fd1 = settled_fds(agent, fd0);
	long rss1 = rss_kib(agent);
	cr_log_info("churn: %ld processes in 30 s; agent fds %d -> %d, RSS %ld -> %ld KiB", n, fd0,
		    fd1, rss0, rss1);
	cr_expect_geq(n, 30 * 100, "only %ld processes were started", n);
	/* Up to 8 targets may be attached at either moment (the agent watches every process,
	 * including other tests' busy ones), each with its descriptors: a single-threaded one
	 * holds 5 (perf-sw) + one per CPU (ip-sample) + its pidfd + 5 kept /proc files (stat,
	 * io, task/, the thread's schedstat and status). A leak of one per churned process would
	 * add thousands. */
	long per_target = 11 + sysconf(_SC_NPROCESSORS_ONLN);
	cr_expect_leq(fd1, fd0 + 8 * per_target, "descriptors grew from %d to %d", fd0, fd1);
#if defined(__SANITIZE_ADDRESS__)
	/* ASan's quarantine holds freed memory back on purpose: RSS says nothing here; the
	 * release build's run of this test checks it. */
	cr_log_info("RSS not checked under AddressSanitizer (%ld -> %ld KiB)", rss0, rss1);
#else
	cr_expect_leq(rss1, rss0 + 4096, "RSS grew from %ld to %ld KiB", rss0, rss1);
#endif
	cr_assert_eq(stop_and_wait(agent), 0, "%s", pp_test_slurp(err));
	char *o = pp_test_slurp(out), *s = strstr(o, "\"event\":\"summary\"");
	cr_assert_not_null(s, "no summary: %s", o);
	cJSON *sum = cJSON_Parse(strrchr(o, '{') ? strrchr(o, '{') : "");
	cr_assert_not_null(sum);
	double attached = cJSON_GetObjectItem(sum, "attached")->valuedouble;
	cr_log_info("agent attached %.0f times", attached);
	cr_expect_geq(attached, 20, "the churn hardly exercised attaching (%.0f)", attached);
	cJSON_Delete(sum);
	free(o);
	free(d);
}

/* Waits up to secs for text in the file at path. */
static bool wait_for_text(const char *path, const char *text, double secs)
{
	for (double t = 0; t < secs; t += 0.1) {
		char *s = pp_test_slurp(path);
		bool found = strstr(s, text) != NULL;
		free(s);
		if (found)
			return true;
		usleep(100000);
	}
	return false;
}

/* A model directory truncated under a running agent: SIGHUP refuses it, the agent keeps the
 * model it has, says so naming the file once, and goes on; a whole model is then taken. */
Test(watch, a_truncated_model_is_refused_on_reload, .timeout = 120)
{
	const char *model = model_dir();
	char *d = tmpdir(), cmd[1200], out[256], err[256], mj[300];
	snprintf(cmd, sizeof(cmd), "cp -r '%s/.' '%s/'", model, d);
	cr_assert_eq(system(cmd), 0);
	snprintf(out, sizeof(out), "%s/stdout", d);
	snprintf(err, sizeof(err), "%s/stderr", d);
	snprintf(mj, sizeof(mj), "%s/model.json", d);
	const char *wargs[] = { "watch", "--model", d, "--seconds", "60", NULL };
	pid_t agent = spawn(out, err, wargs);
	cr_assert(wait_for_text(err, "powprint watch: model", 30), "the agent did not start");

	char *whole = pp_test_slurp(mj);
	cr_assert_gt(strlen(whole), 200);
	cr_assert_eq(truncate(mj, 100), 0);
	cr_assert_eq(kill(agent, SIGHUP), 0);
	cr_assert(wait_for_text(err, "keeping the current model", 20), "no word of the refusal");
	cr_expect_eq(kill(agent, 0), 0, "the agent died of a truncated model");

	FILE *f = fopen(mj, "w");
	cr_assert_not_null(f);
	fputs(whole, f);
	fclose(f);
	free(whole);
	cr_assert_eq(kill(agent, SIGHUP), 0);
	cr_expect(wait_for_text(err, "reloaded", 20), "the whole model was not taken");
	cr_expect_eq(stop_and_wait(agent), 0);

	char *e = pp_test_slurp(err), *line = strstr(e, "keeping the current model");
	cr_assert_not_null(line);
	char *eol = strchr(line, '\n');
	if (eol)
		*eol = '\0';
	char *first = strstr(line, "model.json");
	cr_expect(first && !strstr(first + 1, "model.json"), "the file is not named once: %s",
		  line);
	free(e);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", d);
	cr_expect_eq(system(cmd), 0);
	free(d);
}

Test(watch, startup_errors_are_clear)
{
	char *o, *e;
	cr_expect_eq(pp_cli_run("watch --model /nonexistent/model --seconds 1", &o, &e), 1);
	cr_expect(strstr(e, "cannot open model /nonexistent/model"), "%s", e);
	/* Named once, not by the CLI and again by the loader. */
	cr_expect(!strstr(strstr(e, "/nonexistent/model") + 1, "/nonexistent/model"), "%s", e);
	free(o);
	free(e);

	char *d = tmpdir(), path[300], args[600];
	snprintf(path, sizeof(path), "%s/model.json", d);
	FILE *f = fopen(path, "w");
	fputs("{ this is not json", f);
	fclose(f);
	snprintf(args, sizeof(args), "watch --model '%s' --seconds 1", d);
	cr_expect_eq(pp_cli_run(args, &o, &e), 1);
	cr_expect(strstr(e, "corrupt") && strstr(e, "model.json"), "%s", e);
	free(o);
	free(e);

	cr_expect_eq(pp_cli_run("watch --model x --action explode", &o, &e), 2);
	cr_expect(strstr(e, "none, stop or kill"), "%s", e);
	free(o);
	free(e);
	cr_expect_eq(pp_cli_run("watch --model x --pid 1 --all", &o, &e), 2);
	free(o);
	free(e);
	cr_expect_eq(pp_cli_run("watch --model x --min-cpu 0", &o, &e), 2);
	free(o);
	free(e);
	free(d);
}

Test(watch, metrics_port_in_use_is_a_clear_error, .timeout = 120)
{
	const char *model = model_dir();
	int s = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	cr_assert_eq(bind(s, (struct sockaddr *)&a, sizeof(a)), 0);
	cr_assert_eq(listen(s, 1), 0);
	socklen_t l = sizeof(a);
	getsockname(s, (struct sockaddr *)&a, &l);
	char args[4400], *o, *e;
	snprintf(args, sizeof(args), "watch --model '%s' --seconds 1 --metrics 127.0.0.1:%d", model,
		 ntohs(a.sin_port));
	cr_expect_eq(pp_cli_run(args, &o, &e), 1);
	cr_expect(strstr(e, "already in use"), "%s", e);
	free(o);
	free(e);
	/* A malformed address is a usage error, a taken port a failure. */
	snprintf(args, sizeof(args), "watch --model '%s' --seconds 1 --metrics localhost", model);
	cr_expect_eq(pp_cli_run(args, &o, &e), 2);
	cr_expect(strstr(e, "bad metrics address"), "%s", e);
	free(o);
	free(e);
	close(s);
}

/* The agent classifies a tick's windows in one model call: each row's p(miner) is exactly the
 * one-row prediction's, so batching never changes a verdict. Rows near every fingerprint of
 * the shipped model (miners and benign), some features missing. */
Test(watch, batched_predictions_equal_one_row_predictions)
{
	struct pp_model *m;
	char used[4096], why[512];
	int err = pp_model_load_for_host(NULL, &m, used, sizeof(used), why, sizeof(why));
	cr_assert_eq(err, 0, "%s", why);
	int nf = pp_model_nfeatures(m), nfp = pp_model_nfingerprints(m);
	cr_assert_gt(nfp, 0);
	int n = 4 * nfp;
	double *X = calloc((size_t)n * nf, sizeof(*X)), *p = calloc((size_t)n, sizeof(*p));
	cr_assert(X && p);
	uint32_t r = 7;
	int miners = 0;
	for (int i = 0; i < n; i++) {
		const char *wl, *fam;
		bool miner;
		const double *centre, *spread;
		cr_assert_eq(pp_model_fingerprint(m, i % nfp, &wl, &fam, &miner, &centre, &spread), 0);
		for (int j = 0; j < nf; j++) {
			r = r * 1103515245u + 12345u;
			double u = ((r >> 8) & 0xffff) / 65536.0 - 0.5;
			X[(size_t)i * nf + j] = (r >> 28) == 0 ? NAN : centre[j] + u * spread[j];
		}
		miners += miner;
	}
	cr_assert_eq(pp_model_predict_many(m, X, n, nf, p), 0);
	int flagged = 0;
	for (int i = 0; i < n; i++) {
		struct pp_verdict v;
		cr_assert_eq(pp_model_predict(m, X + (size_t)i * nf, nf, &v), 0);
		cr_expect_eq(v.p_miner, p[i], "row %d: %.17g alone, %.17g in the batch", i, v.p_miner,
			     p[i]);
		cr_expect_eq(v.miner, p[i] >= pp_model_threshold(m));
		flagged += v.miner;
	}
	cr_expect(miners > 0 && flagged > 0 && flagged < n, "both verdicts occur (%d of %d)",
		  flagged, n);
	free(X);
	free(p);
	pp_model_free(m);
}

Test(watch, container_ids_from_cgroup_paths)
{
	static const struct { int line; const char *path, *id; } v[] = {
		{ __LINE__, "/system.slice/docker-0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef.scope",
		  "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef" },
		{ __LINE__, "/kubepods/burstable/pod1234-5678/fedcba9876543210fedcba9876543210fedcba9876543210fedcba9876543210",
		  "fedcba9876543210fedcba9876543210fedcba9876543210fedcba9876543210" },
		{ __LINE__, "/user.slice/user-0.slice/session-3.scope", "" },
		{ __LINE__, "/x/0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0", "" },
		{ __LINE__, "", "" },
	};
	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		char id[80];
		pp_agent_container_id(v[i].path, id, sizeof(id));
		cr_expect_str_eq(id, v[i].id, "line %d", v[i].line);
	}
}

/* A process chooses its name, arguments and cgroup names: the agent reads them as they are
 * and finds the fields that follow. */
Test(watch, proc_identity_from_hostile_text)
{
	char stat[] = "7 (a) Z 1 (b) R 9 9) S 3 7 7 0 -1 4194304 0 0 0 0 13 14 0 0 20 0 1 0 99 1\n";
	struct agent_stat st;
	cr_assert_eq(agent_stat_parse(stat, &st), 0);
	cr_expect_str_eq(st.comm, "a) Z 1 (b) R 9 9");
	cr_expect_eq(st.state, 'S');
	cr_expect_eq(st.ppid, 3);
	cr_expect_eq(st.flags, 4194304);
	cr_expect_eq(st.cpu_ticks, 27);
	cr_expect_eq(st.start_ticks, 99);
	char cut[] = "7 (x) S 3 7 7\n";
	cr_expect_eq(agent_stat_parse(cut, &st), -EBADMSG);

	char cg[] = "4:memory:/a\n0::/system.slice/x.service\n", out[16];
	agent_cgroup_parse(cg, out, sizeof(out));
	cr_expect_str_eq(out, "/system.slice/x");
	char cg1[] = "\nbroken\n4:memory:/a\n1:cpu:/b\n";
	agent_cgroup_parse(cg1, out, sizeof(out));
	cr_expect_str_eq(out, "/a");
	cr_expect_eq(agent_uid_parse("Name:\tx\nUid:\t1000\t1000\t1000\t1000\n"), 1000);
	cr_expect_eq(agent_uid_parse("Uid:\t1000\n"), (uid_t)-1, "Uid is never the first line");

	static const char raw[] = "xmrig\0--url\0\0a b\0\0";
	char line[8];
	cr_expect_eq(agent_cmdline_parse(raw, sizeof(raw) - 1, line, sizeof(line)), 7);
	cr_expect_str_eq(line, "xmrig -");
	char whole[64];
	cr_expect_eq(agent_cmdline_parse(raw, sizeof(raw) - 1, whole, sizeof(whole)), 16);
	cr_expect_str_eq(whole, "xmrig --url  a b");
}

Test(watch, event_json_and_own_identity)
{
	struct pp_agent_proc p;
	cr_assert_eq(pp_agent_proc_read(getpid(), &p), 0);
	cr_expect_eq(p.ppid, getppid());
	cr_expect_eq(p.uid, getuid());
	cr_expect(strstr(p.exe, "test-watch"), "%s", p.exe);
	char self[64];
	FILE *cf = fopen("/proc/self/cmdline", "r");
	cr_assert_not_null(cf);
	size_t k = fread(self, 1, sizeof(self) - 1, cf); /* criterion's worker renames itself */
	fclose(cf);
	self[k] = '\0';
	cr_expect(strncmp(p.cmdline, self, strlen(self)) == 0, "%s vs %s", p.cmdline, self);
	cr_expect_eq(pp_agent_proc_read(0x7ffffff0, &p), -ESRCH);

	cr_assert_eq(pp_agent_proc_read(getpid(), &p), 0);
	snprintf(p.comm, sizeof(p.comm), "we\"ird\n");
	struct pp_agent_event ev = { .type = PP_EV_CLEARED, .time_unix = 86400.25, .proc = &p,
				     .windows_seen = 7, .windows_flagged = 4, .smooth_k = 3,
				     .smooth_n = 5, .reason = "idle" };
	char *s = pp_agent_event_json(&ev, "h1");
	cr_assert_not_null(s);
	cr_expect_null(strchr(s, '\n'), "one line: %s", s);
	cJSON *j = cJSON_Parse(s);
	cr_assert_not_null(j, "%s", s);
	cr_expect_str_eq(cJSON_GetObjectItem(j, "time")->valuestring, "1970-01-02T00:00:00.250Z");
	cr_expect_str_eq(cJSON_GetObjectItem(j, "event")->valuestring, "cleared");
	cr_expect_str_eq(cJSON_GetObjectItem(j, "host")->valuestring, "h1");
	cr_expect_str_eq(cJSON_GetObjectItem(j, "comm")->valuestring, "we\"ird\n");
	cr_expect_str_eq(cJSON_GetObjectItem(j, "reason")->valuestring, "idle");
	cr_expect_str_eq(cJSON_GetObjectItem(j, "smoothing")->valuestring, "3/5");
	cr_expect(cJSON_IsNull(cJSON_GetObjectItem(j, "p_miner")));
	cr_expect_eq(cJSON_GetObjectItem(j, "windows_seen")->valuedouble, 7);
	cJSON_Delete(j);
	free(s);
}

Test(watch, metrics_endpoint_serves_the_latest_text)
{
	if (!have_curl())
		cr_skip_test("curl is not installed (scripts/bootstrap installs it)");
	struct pp_metrics_server *srv;
	char why[256];
	cr_assert_eq(pp_metrics_server_start("127.0.0.1:0", &srv, why, sizeof(why)), 0, "%s", why);
	int port = pp_metrics_server_port(srv);
	cr_assert_gt(port, 0);
	cr_assert_eq(pp_metrics_server_set(srv, "a 1\n"), 0);
	cr_assert_eq(pp_metrics_server_set(srv, "b 2\n"), 0);
	char cmd[256], *o;
	snprintf(cmd, sizeof(cmd), "curl -sfi http://127.0.0.1:%d/metrics > /tmp/pp-watch-m.%d",
		 port, (int)getpid());
	cr_assert_eq(system(cmd), 0);
	snprintf(cmd, sizeof(cmd), "/tmp/pp-watch-m.%d", (int)getpid());
	o = pp_test_slurp(cmd);
	unlink(cmd);
	cr_expect(strstr(o, "text/plain; version=0.0.4"), "%s", o);
	cr_expect(strstr(o, "\r\n\r\nb 2\n"), "%s", o);
	free(o);
	cr_expect_eq(pp_metrics_server_scrapes(srv), 1);
	struct pp_metrics_server *bad = NULL;
	cr_expect_eq(pp_metrics_server_start("127.0.0.1:70000", &bad, why, sizeof(why)), -EINVAL);
	cr_expect_null(bad);
	pp_metrics_server_stop(srv);
}
