/* powprint watch: the detection agent. Scans /proc every interval, classifies the busy
 * processes with the model, and reports alerts as JSON lines (stdout, --log, syslog) and
 * Prometheus metrics; optionally stops or kills a detected miner. docs/agent.md. */
#define _GNU_SOURCE
#include "core/clock.h"
#include "cli/cli.h"
#include "core/json.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <float.h>
#include <math.h>
#include <omp.h>
#include <powprint/features.h>
#include <powprint/agent.h>
#include <powprint/collect.h>
#include <powprint/error.h>
#include <powprint/model.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>


static struct {
	const char *model, *cgroup, *metrics, *allow, *log_path, *backends;
	pid_t pids[PP_AGENT_MAX_PIDS];
	int npids;
	int smooth[2];
	long interval, max_targets, hz;
	double min_cpu, seconds;
	bool all, json, syslog;
	int action;  /* enum pp_agent_action */
} args = {
	.smooth = { 3, 5 },
	.interval = PP_INTERVAL_DEFAULT_MS,
	.max_targets = PP_AGENT_MAX_TARGETS_DEFAULT,
	.min_cpu = PP_AGENT_MIN_CPU_DEFAULT,
	.action = PP_ACTION_NONE,
};

static const struct cli_word action_words[] = {
	{ "none", PP_ACTION_NONE }, { "stop", PP_ACTION_STOP }, { "kill", PP_ACTION_KILL }, { 0 },
};

/* --pid PID,...: appends to the pids of earlier --pid options. */
static int add_pids(const struct cli_cmd *cmd, const struct cli_opt *o, const char *arg)
{
	(void)o;
	for (const char *t = arg; *t; t += strspn(t, ",")) {
		size_t len = strcspn(t, ",");
		if (!len)
			continue;
		char *one = strndup(t, len);
		long v;
		t += len;
		if (!one)
			return CLI_EXIT_FAIL;
		bool ok = cli_parse_long(cmd, "pid", one, 1, 0x7fffffff, &v);
		free(one);
		if (!ok)
			return CLI_EXIT_USAGE;
		if (args.npids >= PP_AGENT_MAX_PIDS)
			return cli_usage_error(cmd, "--pid takes at most %d pids", PP_AGENT_MAX_PIDS);
		args.pids[args.npids++] = (pid_t)v;
	}
	return 0;
}

static const struct cli_opt watch_opts[] = {
	CLI_STR("model", 'm', "MODEL", &args.model,
		"model directory (default $POWPRINT_MODEL, else the shipped one)"),
	CLI_LONG("interval", 'I', "MS", &args.interval, PP_INTERVAL_MIN_MS, 3600000,
		 "scan and window interval in ms (default 1000)"),
	CLI_DOUBLE("min-cpu", 0, "PCT", &args.min_cpu, DBL_TRUE_MIN, 100,
		   "monitor processes above PCT% of one core (default 10)",
		   .what = "a percentage of one core above 0 and at most 100"),
	CLI_LONG("max-targets", 0, "N", &args.max_targets, 1, 100000,
		 "monitor at most N processes at once, rotating (64)"),
	CLI_CALL("pid", 'p', "PID,...", add_pids, NULL, "watch only these processes"),
	CLI_STR("cgroup", 0, "PATH", &args.cgroup,
		"watch only this cgroup (v2 path or /sys/fs/cgroup/...)"),
	CLI_FLAG("all", 0, &args.all, "watch every process (the default)"),
	CLI_KOFN("smooth", 0, "K/N", &args.smooth,
		 "miner once K of the last N windows are (default 3/5)"),
	CLI_FLAG("json", 'j', &args.json,
		 "events on stdout as JSON lines (default: one readable line each)"),
	CLI_STR("log", 0, "FILE", &args.log_path,
		"append events as JSON lines to FILE (reopened on SIGHUP)"),
	CLI_FLAG("syslog", 0, &args.syslog,
		 "send events to syslog (ident powprint, facility daemon)"),
	CLI_STR("metrics", 0, "ADDR:PORT", &args.metrics,
		"serve Prometheus /metrics (e.g. 127.0.0.1:9464)"),
	CLI_WORD("action", 0, "ACTION", &args.action, action_words,
		 "on an alert: none (default), stop (SIGSTOP) or kill"),
	CLI_STR("allow", 0, "ENTRY,...", &args.allow,
		"never stop or kill these: exe:/path/to/binary (that file, pinned by inode at "
		"start) or cgroup:/path (and below); names are refused, any process can take one"),
	CLI_STR("backends", 'b', "LIST", &args.backends,
		"comma-separated: " CLI_HELP_BACKENDS " (default: the model's, and ebpf for the "
		"rounding-mode rule where it works)"),
	CLI_LONG("freq", 'F', "HZ", &args.hz, 1, 100000,
		 "ip-sample rate per thread (default 1000)"),
	CLI_DOUBLE("seconds", 's', "S", &args.seconds, DBL_TRUE_MIN, INFINITY,
		   "exit after S seconds (default: until SIGINT/SIGTERM)",
		   .what = "a positive number"),
	{ 0 },
};

static volatile sig_atomic_t reload_req;

static void on_hup(int sig)
{
	(void)sig;
	reload_req = 1;
}

struct out {
	bool json, syslog;
	const char *log_path;
	FILE *log;
	char host[256];
};

/* Events as readable lines. The process chose its name and executable, and a model's author
 * its workload names: each goes out as one printable line (pp_agent_text_line). */
static void human(const struct pp_agent_event *ev, FILE *f)
{
	const struct pp_agent_proc *p = ev->proc;
	const struct pp_verdict *v = ev->verdict;
	if (!p || ev->type == PP_EV_WARNING)
		return;
	char comm[4 * sizeof(p->comm)], exe[4 * sizeof(p->exe)], text[3072], ts[32];
	pp_agent_text_line(p->comm, comm, sizeof(comm));
	pp_agent_text_line(p->exe[0] ? p->exe : "?", exe, sizeof(exe));
	time_t t = (time_t)ev->time_unix;
	struct tm tm;
	localtime_r(&t, &tm);
	strftime(ts, sizeof(ts), "%H:%M:%S", &tm);
	switch (ev->type) {
	case PP_EV_ALERT:
		fprintf(f, "%s ALERT   pid %d (%s) %s: p(miner) %.3f, %llu of %llu windows flagged",
			ts, (int)p->pid, comm, exe, v ? v->p_miner : NAN,
			(unsigned long long)ev->windows_flagged,
			(unsigned long long)ev->windows_seen);
		if (v && v->nearest >= 0) {
			pp_agent_text_line(v->nearest_workload, text, sizeof(text));
			fprintf(f, "; like %s (%s) at distance %.2f", text,
				v->nearest_miner ? "miner" : "benign", v->distance);
		}
		if (v && v->rule) {
			char rule[128];
			fprintf(f, "; %s", pp_round_describe(v, rule, sizeof(rule)));
		}
		if (p->container_id[0])
			fprintf(f, "; container %.12s", p->container_id);
		fputc('\n', f);
		break;
	case PP_EV_CLEARED:
		pp_agent_text_line(ev->reason ? ev->reason : "", text, sizeof(text));
		fprintf(f, "%s cleared pid %d (%s): %s\n", ts, (int)p->pid, comm, text);
		break;
	case PP_EV_ACTION:
		pp_agent_text_line(ev->message ? ev->message : "", text, sizeof(text));
		fprintf(f, "%s action  %s pid %d (%s): %s\n", ts, ev->action, (int)p->pid, comm,
			text);
		break;
	case PP_EV_WARNING:
		break;
	}
	fflush(f);
}

static void on_event(void *arg, const struct pp_agent_event *ev)
{
	struct out *o = arg;
	char *line = pp_agent_event_json(ev, o->host);
	if (ev->type == PP_EV_WARNING) {
		/* The message may quote a process's name: one line, whatever it holds. */
		char msg[3072];
		pp_agent_text_line(ev->message ? ev->message : "", msg, sizeof(msg));
		fprintf(stderr, "powprint watch: warning: %s\n", msg);
	} else if (o->json && line)
		printf("%s\n", line), fflush(stdout);
	else
		human(ev, stdout);
	if (line && o->log) {
		fprintf(o->log, "%s\n", line);
		fflush(o->log);
	}
	if (line && o->syslog)
		syslog(ev->type == PP_EV_CLEARED ? LOG_NOTICE : LOG_WARNING, "%s", line);
	free(line);
}

/* path NULL = the shipped model for this machine; used receives the path loaded. */
static struct pp_model *load_model(const char *path, char *used, size_t used_len, char *why,
				   size_t len, int *err)
{
	struct pp_model *m = NULL;
	*err = pp_model_load_for_host(path, &m, used, used_len, why, len);
	return *err ? NULL : m;
}

static void sleep_until(double t)
{
	struct timespec ts = { .tv_sec = (time_t)t, .tv_nsec = (long)((t - floor(t)) * 1e9) };
	/* Returns early on a signal: the loop checks the flags. */
	clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL);
}

/* The agent's own lines, after the library's. */
static char *metrics_text(const struct pp_agent *a, unsigned long reloads)
{
	char *base = pp_agent_metrics(a), *all = NULL;
	if (!base)
		return NULL;
	if (asprintf(&all, "%s# HELP powprint_agent_model_reloads_total Models loaded on SIGHUP.\n"
		     "# TYPE powprint_agent_model_reloads_total counter\n"
		     "powprint_agent_model_reloads_total %lu\n", base, reloads) < 0)
		all = NULL;
	free(base);
	return all;
}

static int run(int argc, char **argv)
{
	const struct cli_cmd *cmd = &cmd_watch;
	args.model = getenv("POWPRINT_MODEL");
	int rc = cli_parse(cmd, argc, argv);
	if (rc >= 0)
		return rc;
	const char *model = args.model, *cgroup = args.cgroup, *metrics = args.metrics;
	pid_t *pids = args.pids;
	int npids = args.npids, sk = args.smooth[0], sn = args.smooth[1];
	long interval = args.interval, max_targets = args.max_targets;
	double min_cpu = args.min_cpu, seconds = args.seconds;
	enum pp_agent_action action = args.action;
	struct out out = { .json = args.json, .syslog = args.syslog, .log_path = args.log_path };
	if (optind < argc)
		return cli_usage_error(cmd, "unexpected argument '%s'", argv[optind]);
	if ((npids > 0) + (cgroup != NULL) + args.all > 1)
		return cli_usage_error(cmd, "give at most one of --pid, --cgroup and --all");
	if (model && !*model)
		model = NULL;
	char model_path[4096] = "";
	if (args.backends) {
		char bwhy[512];
		PP_OPTS(pp_collect_opts, co, .backends = args.backends);
		if (pp_collect_opts_check(&co, bwhy, sizeof(bwhy)))
			return cli_usage_error(cmd, "%s", bwhy);
	}

	char why[1024] = "";
	/* A malformed metrics address is a usage error, found before any work. */
	if (args.metrics && pp_metrics_addr_check(args.metrics, why, sizeof(why)))
		return cli_usage_error(cmd, "%s", why);

	/* Named processes that are not there: say so, and give up only if none is. */
	int alive = 0;
	for (int i = 0; i < npids; i++) {
		if (kill(pids[i], 0) == 0 || errno != ESRCH)
			alive++;
		else
			fprintf(stderr, "powprint watch: warning: pid %d does not exist (it exited "
				"or never existed)\n", (int)pids[i]);
	}
	if (npids && !alive) {
		fprintf(stderr, "powprint watch: none of the --pid processes exist: nothing to "
			"watch\n");
		return CLI_EXIT_FAIL;
	}

	/* One window of one process is one row: xgboost's OpenMP team would only add threads that
	 * spin after every prediction, most of the agent's CPU time. */
	omp_set_num_threads(1);
	int err;
	struct pp_model *m = load_model(model, model_path, sizeof(model_path), why, sizeof(why),
					&err);
	model = model_path;
	if (!m) {
		/* The loader's why names the file and what to do already. */
		if (why[0])
			fprintf(stderr, "powprint watch: %s\n", why);
		else
			fprintf(stderr, "powprint watch: cannot load the model %s: %s\n(train one "
				"with 'powprint train --output DIR' and pass --model DIR)\n", model,
				pp_strerror(err));
		return CLI_EXIT_FAIL;
	}
	/* A model fed NaN for a whole backend's features decides on whatever its trees do with
	 * "missing": --backends must keep every backend the model needs. */
	for (int i = 0; args.backends && i < pp_model_nbackends(m); i++) {
		const char *b = pp_model_backend(m, i), *at = args.backends;
		size_t l = strlen(b);
		bool listed = false;
		for (; *at; at += strcspn(at, ","), at += *at == ',') {
			listed |= strncmp(at, b, l) == 0 && (at[l] == ',' || at[l] == '\0');
			if (listed)
				break;
		}
		if (!listed) {
			int rc = cli_usage_error(cmd, "the model %s needs the %s backend, which "
						 "--backends leaves out: add it, or pass a model "
						 "trained without it (e.g. data/models/"
						 "pmu-less-no-ebpf)", model, b);
			pp_model_free(m);
			return rc;
		}
	}
	/* Every monitored process costs descriptors: use all the hard limit allows. */
	struct rlimit rl;
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
	if (gethostname(out.host, sizeof(out.host) - 1))
		out.host[0] = '\0';
	/* Host names are letters, digits, '-' and '.': anything else (set in a UTS namespace)
	 * is shown as '?' in the events and the summary line. */
	for (char *h = out.host; *h; h++)
		if (!isalnum((unsigned char)*h) && !strchr("-._", *h))
			*h = '?';
	rc = CLI_EXIT_FAIL;
	struct pp_metrics_server *srv = NULL;
	struct pp_agent *a = NULL;
	if (out.log_path && !(out.log = fopen(out.log_path, "ae"))) {
		fprintf(stderr, "powprint watch: cannot open the log %s: %s\n", out.log_path,
			strerror(errno));
		goto done;
	}
	if (metrics && (err = pp_metrics_server_start(metrics, &srv, why, sizeof(why)))) {
		cli_fail(cmd, err, why);
		goto done;
	}
	if (out.syslog)
		openlog("powprint", LOG_PID, LOG_DAEMON);
	PP_OPTS(pp_agent_opts, ao, .interval_ms = (unsigned)interval, .min_cpu_pct = min_cpu,
		.max_targets = (int)max_targets, .pids = npids ? pids : NULL, .npids = npids,
		.cgroup = cgroup, .smooth_k = sk, .smooth_n = sn, .action = action,
		.allow = args.allow, .sample_hz = (unsigned)args.hz, .event = on_event,
		.event_arg = &out, .backends = args.backends);
	if ((err = pp_agent_new(m, &ao, &a, why, sizeof(why)))) {
		cli_fail(cmd, err, why);
		goto done;
	}
	cli_catch_stop();
	struct sigaction sa = { .sa_handler = on_hup };
	sigemptyset(&sa.sa_mask);
	sigaction(SIGHUP, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	fprintf(stderr, "powprint watch: model %s, interval %ld ms, min CPU %.3g%%, at most %ld "
		"targets, smoothing %d/%d, action %s%s%s\n", model, interval, min_cpu, max_targets,
		sk, sn, pp_agent_action_name(action), srv ? ", metrics on " : "",
		srv ? metrics : "");

	unsigned long reloads = 0;
	double t0 = pp_clock_mono_s(), next = t0 + interval / 1000.0;
	while (!cli_stop) {
		sleep_until(next);
		if (reload_req) {
			reload_req = 0;
			struct pp_model *nm = load_model(model, model_path, sizeof(model_path), why,
							 sizeof(why), &err);
			if (!nm) {
				/* why names the file already */
				if (why[0])
					fprintf(stderr, "powprint watch: SIGHUP: keeping the current "
						"model: %s\n", why);
				else
					fprintf(stderr, "powprint watch: SIGHUP: keeping the current "
						"model: cannot load %s: %s\n", model,
						pp_strerror(err));
			} else if (pp_model_feature_version(nm) &&
				   pp_model_feature_version(nm) != PP_FEATURES_VERSION) {
				fprintf(stderr, "powprint watch: SIGHUP: keeping the current model: %s "
					"uses feature-vector version %d, not %d\n", model,
					pp_model_feature_version(nm), PP_FEATURES_VERSION);
				pp_model_free(nm);
			} else {
				struct pp_model *old = pp_agent_set_model(a, nm);
				if (old) {
					pp_model_free(old);
					m = nm;
					reloads++;
					fprintf(stderr, "powprint watch: SIGHUP: model %s reloaded\n",
						model);
				} else {
					pp_model_free(nm);
				}
			}
			if (out.log) { /* after logrotate moved it */
				FILE *nl = fopen(out.log_path, "ae");
				if (nl) {
					fclose(out.log);
					out.log = nl;
				}
			}
		}
		if (cli_stop)
			break;
		double now = pp_clock_mono_s();
		if (now < next)
			continue; /* woken early by a signal */
		pp_agent_tick(a);
		if (srv) {
			char *text = metrics_text(a, reloads);
			if (text)
				pp_metrics_server_set(srv, text);
			free(text);
		}
		next += interval / 1000.0;
		if (next < now) /* fell behind (a stopped agent): restart the cadence */
			next = now + interval / 1000.0;
		if (seconds > 0 && now - t0 >= seconds)
			break;
	}
	struct pp_agent_stats st;
	pp_agent_get_stats(a, &st);
	double wall = pp_clock_mono_s() - t0;
	if (out.json) {
		/* The stream's last line: what the agent did, in the events' layout. */
		cJSON *sum = cJSON_CreateObject();
		cJSON_AddStringToObject(sum, "event", "summary");
		cJSON_AddStringToObject(sum, "host", out.host);
		pp_json_add_number(sum, "seconds", wall, PP_JSON_MEASURED);
		pp_json_add_number(sum, "scans", (double)st.scans, PP_JSON_EXACT);
		pp_json_add_number(sum, "windows_classified", (double)st.windows_classified,
				   PP_JSON_EXACT);
		pp_json_add_number(sum, "detections", (double)st.detections, PP_JSON_EXACT);
		pp_json_add_number(sum, "cleared", (double)st.cleared, PP_JSON_EXACT);
		pp_json_add_number(sum, "actions", (double)st.actions, PP_JSON_EXACT);
		pp_json_add_number(sum, "attached", (double)st.attached_total, PP_JSON_EXACT);
		pp_json_add_number(sum, "rotations", (double)st.rotations_total, PP_JSON_EXACT);
		pp_json_add_number(sum, "cpu_seconds", st.cpu_s, PP_JSON_MEASURED);
		pp_json_add_number(sum, "rss_bytes", (double)st.rss_bytes, PP_JSON_EXACT);
		pp_json_add_number(sum, "fds", st.fds, PP_JSON_EXACT);
		cli_json_print(sum, true);
		cJSON_Delete(sum);
	}
	fprintf(stderr, "powprint watch: %.0f s, %llu scan%s, %llu window%s classified, %llu "
		"detection%s, %llu cleared, %llu action%s; processes attached %llu time%s; agent "
		"CPU %.2f s (%.2f%% of a core), RSS %.1f MiB\n", wall,
		(unsigned long long)st.scans, CLI_PLURAL(st.scans),
		(unsigned long long)st.windows_classified, CLI_PLURAL(st.windows_classified),
		(unsigned long long)st.detections, CLI_PLURAL(st.detections),
		(unsigned long long)st.cleared,
		(unsigned long long)st.actions, CLI_PLURAL(st.actions),
		(unsigned long long)st.attached_total, CLI_PLURAL(st.attached_total), st.cpu_s,
		wall > 0 ? 100.0 * st.cpu_s / wall : 0.0, st.rss_bytes / 1048576.0);
	fflush(stdout);
	rc = 0;
done:
	pp_agent_free(a, false);
	pp_metrics_server_stop(srv);
	if (out.log)
		fclose(out.log);
	if (out.syslog)
		closelog();
	pp_model_free(m);
	return rc;
}

const struct cli_cmd cmd_watch = {
	.name = "watch", .fn = run,
	.summary = "the detection agent: find covert miners among running processes",
	.usage = "[--model MODEL] [--interval MS] [--min-cpu PCT] [--max-targets N]\n"
		 "       [--pid PID,... | --cgroup PATH | --all] [--json] [--log FILE] [--syslog]\n"
		 "       [--metrics ADDR:PORT] [--action none|stop|kill] [--allow ENTRY,...]",
	.description = "Scans /proc every interval and attaches the collectors to processes that "
		       "used at least --min-cpu of a core (at most --max-targets at once; when more "
		       "are busy, each gets a turn of N windows in rotation). Each monitored process "
		       "gets one window per interval; it is flagged once K of its last N windows are "
		       "over the model's threshold. An alert, and a 'cleared' event when a flagged "
		       "process exits, idles or turns benign, is one JSON line with the process's "
		       "identity, p(miner), nearest fingerprint and top features. --action never "
		       "touches pid 1, kernel threads, the agent or an --allow'ed executable or cgroup. "
		       "SIGINT/SIGTERM: exit with a summary; SIGHUP: reload the model and reopen "
		       "the log. Events go to stdout and, appended, to --log FILE (watch has no "
		       "-o: an agent's log outlives each run, so it is appended to, never "
		       "replaced). docs/agent.md has the details and the metrics.",
	.opts = watch_opts,
};
