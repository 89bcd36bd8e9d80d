/* meta.json of a dataset: how, where and with what it was recorded (docs/dataset.md). It is
 * rewritten atomically after every run, so it always describes a valid windows.csv. */
#include "fingerprint/dataset/record-priv.h"
#include "core/file.h"
#include "core/sysinfo-cjson.h"

#include <errno.h>
#include <powprint/features.h>
#include <powprint/version.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define META_FORMAT "powprint-dataset"
#define META_FORMAT_VERSION 1

static void iso_now(char *buf, size_t len)
{
	time_t t = time(NULL);
	struct tm tm;
	gmtime_r(&t, &tm);
	strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

cJSON *rec_meta_load(const char *dir, char *why, size_t len)
{
	char path[4096];
	snprintf(path, sizeof(path), "%s/meta.json", dir);
	char *buf;
	size_t n;
	int err = pp_file_read(path, &buf, &n);
	if (err == -ENOENT)
		return cJSON_CreateObject();
	if (err) {
		snprintf(why, len, "cannot read %s: %s", path, strerror(-err));
		return NULL;
	}
	cJSON *m = cJSON_ParseWithLength(buf, n);
	free(buf);
	const cJSON *fmt = m ? cJSON_GetObjectItem(m, "format") : NULL;
	if (!m || !cJSON_IsString(fmt) || strcmp(fmt->valuestring, META_FORMAT)) {
		snprintf(why, len, "%s is not a powprint dataset's meta.json (%s); record into a new "
			 "directory", path, m ? "no \"format\": \"" META_FORMAT "\"" : "not JSON");
		cJSON_Delete(m);
		return NULL;
	}
	return m;
}

static int check_number(cJSON *meta, const char *key, double want, const char *opt,
			const char *dir, char *why, size_t len)
{
	cJSON *v = cJSON_GetObjectItem(meta, key);
	if (!cJSON_IsNumber(v) || v->valuedouble == want)
		return 0;
	snprintf(why, len, "%s was recorded with %s %g, this recording uses %g: windows of "
		 "different settings do not mix; use %s %g or record into a new directory",
		 dir, key, v->valuedouble, want, opt, v->valuedouble);
	return -EINVAL;
}

int rec_meta_check(cJSON *meta, const struct pp_collect_opts *co, const char *dir, char *why,
		   size_t len)
{
	int err = check_number(meta, "interval_ms", co->interval_ms, "--interval", dir, why, len);
	if (!err)
		err = check_number(meta, "sample_hz", co->sample_hz, "--sample-hz", dir, why, len);
	cJSON *fv = cJSON_GetObjectItem(meta, "feature_version");
	if (!err && cJSON_IsNumber(fv) && fv->valueint != PP_FEATURES_VERSION) {
		snprintf(why, len, "%s holds feature-vector version %d, this powprint computes "
			 "version %d; record into a new directory", dir, fv->valueint,
			 PP_FEATURES_VERSION);
		err = -EINVAL;
	}
	return err;
}

static void set_item(cJSON *obj, const char *key, cJSON *val)
{
	if (cJSON_HasObjectItem(obj, key))
		cJSON_ReplaceItemInObject(obj, key, val);
	else
		cJSON_AddItemToObject(obj, key, val);
}

static cJSON *array_item(cJSON *obj, const char *key)
{
	cJSON *a = cJSON_GetObjectItem(obj, key);
	if (!cJSON_IsArray(a)) {
		a = cJSON_CreateArray();
		set_item(obj, key, a);
	}
	return a;
}

void rec_meta_begin(cJSON *meta, const struct pp_record_opts *o, const struct pp_collect_opts *co)
{
	set_item(meta, "format", cJSON_CreateString(META_FORMAT));
	set_item(meta, "format_version", cJSON_CreateNumber(META_FORMAT_VERSION));
	set_item(meta, "powprint_version", cJSON_CreateString(PP_VERSION_STRING));
	set_item(meta, "git", cJSON_CreateString(PP_GIT_REVISION));
	set_item(meta, "feature_version", cJSON_CreateNumber(PP_FEATURES_VERSION));
	set_item(meta, "interval_ms", cJSON_CreateNumber(co->interval_ms));
	set_item(meta, "sample_hz", cJSON_CreateNumber(co->sample_hz));

	struct pp_sysinfo si;
	pp_sysinfo_read(&si);
	cJSON *host = pp_sysinfo_to_cjson(&si);
	/* The first recording's host describes the dataset; a different host appending is
	 * noted on its own command entry below. */
	if (!cJSON_HasObjectItem(meta, "host"))
		cJSON_AddItemToObject(meta, "host", cJSON_Duplicate(host, true));

	struct pp_backend_status st[PP_BACKEND_MAX];
	int nb = pp_collector_probe(st, PP_BACKEND_MAX);
	cJSON *bk = cJSON_CreateObject();
	for (int i = 0; i < nb && i < PP_BACKEND_MAX; i++) {
		cJSON *b = cJSON_AddObjectToObject(bk, st[i].name);
		cJSON_AddBoolToObject(b, "available", st[i].available);
		cJSON_AddStringToObject(b, "why", st[i].why);
	}
	set_item(meta, "backends", bk);
	if (co->events)
		set_item(meta, "events", cJSON_CreateString(co->events));
	else if (!cJSON_HasObjectItem(meta, "events"))
		set_item(meta, "events", cJSON_CreateString(pp_collector_default_events()));

	char now[32];
	iso_now(now, sizeof(now));
	cJSON *cmd = cJSON_CreateObject();
	cJSON_AddStringToObject(cmd, "command", o->command_line ? o->command_line : "");
	cJSON_AddStringToObject(cmd, "start", now);
	cJSON_AddStringToObject(cmd, "end", now);
	cJSON_AddNumberToObject(cmd, "seed", (double)o->seed);
	cJSON_AddStringToObject(cmd, "powprint_version", PP_VERSION_STRING);
	cJSON_AddStringToObject(cmd, "git", PP_GIT_REVISION);
	cJSON *cpu = cJSON_GetObjectItem(host, "cpu");
	cJSON_AddStringToObject(cmd, "host_cpu", cJSON_GetStringValue(cJSON_GetObjectItem(cpu,
				"brand")) ?: "");
	cJSON_AddItemToArray(array_item(meta, "commands"), cmd);
	cJSON_Delete(host);
}

void rec_meta_add_run(cJSON *meta, const struct rec_labels *lab, const struct rec_outcome *out)
{
	cJSON *r = cJSON_CreateObject();
	cJSON_AddNumberToObject(r, "run_id", (double)lab->run_id);
	cJSON_AddStringToObject(r, "workload", lab->workload);
	cJSON_AddStringToObject(r, "class", lab->cls);
	cJSON_AddStringToObject(r, "family", lab->family);
	cJSON_AddStringToObject(r, "variant", lab->variant);
	cJSON_AddNumberToObject(r, "threads", lab->threads);
	cJSON_AddNumberToObject(r, "duty", lab->duty);
	cJSON_AddBoolToObject(r, "soft_aes", lab->soft_aes);
	cJSON_AddStringToObject(r, "huge_pages", lab->huge_pages ? lab->huge_pages : "auto");
	cJSON_AddNumberToObject(r, "windows", out->windows);
	cJSON_AddStringToObject(r, "status", out->status);
	if (out->unit[0]) {
		cJSON_AddNumberToObject(r, "rate", out->rate);
		cJSON_AddStringToObject(r, "unit", out->unit);
	}
	cJSON_AddItemToArray(array_item(meta, "runs"), r);

	cJSON *cmds = array_item(meta, "commands");
	cJSON *last = cJSON_GetArrayItem(cmds, cJSON_GetArraySize(cmds) - 1);
	if (last) {
		char now[32];
		iso_now(now, sizeof(now));
		set_item(last, "end", cJSON_CreateString(now));
	}
}

long rec_meta_next_run_id(cJSON *meta, const struct pp_dataset *ds)
{
	long next = 0;
	cJSON *it;
	cJSON_ArrayForEach(it, cJSON_GetObjectItem(meta, "runs")) {
		cJSON *id = cJSON_GetObjectItem(it, "run_id");
		if (cJSON_IsNumber(id) && (long)id->valuedouble >= next)
			next = (long)id->valuedouble + 1;
	}
	for (int i = 0; ds && i < pp_dataset_nrows(ds); i++)
		if (pp_dataset_row(ds, i)->run_id >= next)
			next = pp_dataset_row(ds, i)->run_id + 1;
	return next;
}

int rec_meta_write(cJSON *meta, const struct pp_dataset *ds, const char *dir)
{
	if (ds) {
		cJSON *f = cJSON_CreateArray(), *r = cJSON_CreateArray(), *fb = cJSON_CreateObject();
		for (int j = 0; j < pp_dataset_nfeatures(ds); j++) {
			const char *name = pp_dataset_feature_name(ds, j);
			cJSON_AddItemToArray(f, cJSON_CreateString(name));
			const char *const *bn;
			int n = pp_dataset_feature_backends(ds, j, &bn);
			if (n > 0)
				cJSON_AddItemToObject(fb, name, cJSON_CreateStringArray(bn, n));
		}
		for (int j = 0; j < pp_dataset_nraw(ds); j++)
			cJSON_AddItemToArray(r, cJSON_CreateString(pp_dataset_raw_name(ds, j)));
		set_item(meta, "features", f);
		set_item(meta, "raw", r);
		set_item(meta, "feature_backends", fb);
	}
	char *s = cJSON_Print(meta);
	if (!s)
		return -ENOMEM;
	char path[4096];
	snprintf(path, sizeof(path), "%s/meta.json", dir);
	size_t n = strlen(s);
	s[n] = '\n';
	int err = pp_file_write_atomic(path, s, n + 1);
	free(s);
	return err;
}
