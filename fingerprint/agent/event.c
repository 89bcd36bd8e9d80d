/* Agent events as JSON lines (docs/agent.md: "events"): what log shippers and SIEMs parse. */
#include "fingerprint/agent/agent-priv.h"
#include "fingerprint/agent/json-shapes.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static const char *type_name(enum pp_agent_event_type t)
{
	switch (t) {
	case PP_EV_ALERT: return "alert";
	case PP_EV_CLEARED: return "cleared";
	case PP_EV_ACTION: return "action";
	case PP_EV_WARNING: return "warning";
	}
	return "unknown";
}

/* Every string goes in as valid UTF-8: a process's name, arguments and paths, and a model's
 * workload and feature names, come from others and may hold any byte but NUL. */
static void add_text(cJSON *o, const char *k, const char *v)
{
	char *clean = agent_text_dup_utf8(v);
	cJSON_AddItemToObject(o, k, clean ? cJSON_CreateString(clean) : cJSON_CreateNull());
	free(clean);
}

static void add_str_or_null(cJSON *o, const char *k, const char *v)
{
	if (v && v[0])
		add_text(o, k, v);
	else
		cJSON_AddNullToObject(o, k);
}

char *pp_agent_event_json(const struct pp_agent_event *ev, const char *host)
{
	cJSON *o = cJSON_CreateObject();
	if (!o)
		return NULL;
	char ts[64];
	time_t sec = (time_t)ev->time_unix;
	struct tm tm;
	gmtime_r(&sec, &tm);
	size_t l = strftime(ts, sizeof(ts), "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(ts + l, sizeof(ts) - l, ".%03dZ",
		 (int)((ev->time_unix - (double)sec) * 1000.0) % 1000);
	cJSON_AddStringToObject(o, "time", ts);
	cJSON_AddStringToObject(o, "event", type_name(ev->type));
	add_str_or_null(o, "host", host);
	const struct pp_agent_proc *p = ev->proc;
	if (p) {
		cJSON_AddNumberToObject(o, "pid", p->pid);
		cJSON_AddNumberToObject(o, "ppid", p->ppid);
		if (p->uid == (uid_t)-1)
			cJSON_AddNullToObject(o, "uid");
		else
			cJSON_AddNumberToObject(o, "uid", p->uid);
		add_text(o, "comm", p->comm);
		add_str_or_null(o, "exe", p->exe);
		add_str_or_null(o, "cmdline", p->cmdline);
		add_str_or_null(o, "cgroup", p->cgroup);
		add_str_or_null(o, "container_id", p->container_id);
	}
	const struct pp_verdict *v = ev->verdict;
	if (ev->type == PP_EV_ALERT || ev->type == PP_EV_CLEARED || ev->type == PP_EV_ACTION) {
		/* The smoothed decision after this event: an alert or action says miner. */
		pp_verdict_json_add(o, ev->model, v, ev->type != PP_EV_CLEARED, NULL);
		cJSON_AddNumberToObject(o, "windows_seen", (double)ev->windows_seen);
		cJSON_AddNumberToObject(o, "windows_flagged", (double)ev->windows_flagged);
		char sm[32];
		snprintf(sm, sizeof(sm), "%d/%d", ev->smooth_k, ev->smooth_n);
		cJSON_AddStringToObject(o, "smoothing", sm);
	}
	if (ev->reason)
		add_text(o, ev->type == PP_EV_WARNING ? "kind" : "reason", ev->reason);
	if (ev->type == PP_EV_ACTION) {
		cJSON_AddStringToObject(o, "action", ev->action ? ev->action : "none");
		cJSON_AddBoolToObject(o, "done", ev->action_err == 0);
	}
	if (ev->message)
		add_text(o, "message", ev->message);
	char *s = agent_json_escape_controls(pp_json_print(o, PP_JSON_LINE));
	cJSON_Delete(o);
	return s;
}
