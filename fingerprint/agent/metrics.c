/* The agent's Prometheus exposition (text format 0.0.4), rendered by the agent thread after
 * each tick; metrics-server.c serves the latest snapshot. */
#define _GNU_SOURCE
#include "fingerprint/agent/agent-priv.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>

/* A label of a process: its name and executable are the process's choice (text.c). */
static void label(FILE *f, const char *name, const char *v, bool comma)
{
	fprintf(f, "%s%s=", comma ? "," : "", name);
	agent_label_write(f, v);
}

static void head(FILE *f, const char *name, const char *type, const char *help)
{
	fprintf(f, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

/* The shortest text that reads back as v: a threshold of 0.85 is 0.85, not the
 * 0.84999999999999998 that 17 digits show of the double nearest to it. */
static void metric(FILE *f, const char *name, const char *type, const char *help, double v)
{
	char text[40];
	snprintf(text, sizeof(text), "%.15g", v);
	if (strtod(text, NULL) != v)
		snprintf(text, sizeof(text), "%.17g", v);
	head(f, name, type, help);
	fprintf(f, "%s %s\n", name, text);
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
