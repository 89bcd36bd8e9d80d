/* meta.json of a dataset: how, where and with what it was recorded (docs/dataset.md). Both
 * directions live here, so the on-disk format is in one place: pp_dataset_read takes the
 * source description, the feature list and the features' backends from it; the recorder
 * starts or extends it and rewrites it atomically after every run, so it always describes a
 * valid windows.csv. What the recorder requires of an existing one (the same settings, the
 * next run id) is in record-meta.c. */
#include "fingerprint/dataset/dataset-priv.h"
#include "fingerprint/dataset/record-priv.h"
#include "core/file.h"
#include "core/sysinfo-cjson.h"
#include "core/why.h"

#include <errno.h>
#include <limits.h>
#include <powprint/features.h>
#include <powprint/version.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define META_FORMAT "powprint-dataset"
#define META_FORMAT_VERSION 1

/* ---- reading: pp_dataset_read ---- */

int ds_meta_read(const char *dir, struct ds_meta *m, char *why, size_t len)
{
	char path[PATH_MAX];
	snprintf(path, sizeof(path), "%s/meta.json", dir);
	memset(m, 0, sizeof(*m));
	char *buf;
	size_t n;
	int err = pp_file_read(path, &buf, &n);
	if (err)
		return pp_why(why, len, err, "cannot read %s: %s (a dataset directory holds "
			      "windows.csv and meta.json, as `powprint record` writes them)", path,
			      strerror(-err));
	err = ds_meta_parse(buf, n, path, m, why, len);
	free(buf);
	return err;
}

int ds_meta_parse(const char *text, size_t n, const char *path, struct ds_meta *m, char *why,
		  size_t len)
{
	memset(m, 0, sizeof(*m));
	m->root = cJSON_ParseWithLength(text, n);
	if (!m->root || !cJSON_IsObject(m->root))
		return pp_why(why, len, -EBADMSG, "%s is not valid JSON: the file is corrupt or "
			      "truncated", path);
	const char *fmt = cJSON_GetStringValue(cJSON_GetObjectItem(m->root, "format"));
	if (!fmt || strcmp(fmt, META_FORMAT) != 0)
		return pp_why(why, len, -EBADMSG, "%s is not a powprint dataset's meta.json "
			      "(its \"format\" is %s%s%s, expected \"" META_FORMAT "\")", path,
			      fmt ? "\"" : "", fmt ? fmt : "missing", fmt ? "\"" : "");
	cJSON *fv = cJSON_GetObjectItem(m->root, "format_version");
	if (cJSON_IsNumber(fv) && fv->valuedouble > META_FORMAT_VERSION)
		return pp_why(why, len, -EINVAL, "%s has format_version %g; this powprint reads "
			      "version %d: upgrade powprint", path, fv->valuedouble,
			      META_FORMAT_VERSION);
	cJSON *ver = cJSON_GetObjectItem(m->root, "feature_version");
	m->src.feature_version = cJSON_IsNumber(ver) ? ver->valueint : 0;
	cJSON *host = cJSON_GetObjectItem(m->root, "host");
	cJSON *cpu = cJSON_GetObjectItem(host, "cpu");
	const char *s = cJSON_GetStringValue(cJSON_GetObjectItem(cpu, "brand"));
	m->src.host_cpu = s ? s : "";
	s = cJSON_GetStringValue(cJSON_GetObjectItem(cpu, "arch"));
	m->src.host_arch = s ? s : "";
	cJSON *pmu = cJSON_GetObjectItem(cJSON_GetObjectItem(host, "counters"), "hardware_pmu");
	m->src.host_hw_pmu = cJSON_IsBool(pmu) ? cJSON_IsTrue(pmu) : -1;
	cJSON *cmd;
	cJSON_ArrayForEach(cmd, cJSON_GetObjectItem(m->root, "commands")) {
		const char *a = cJSON_GetStringValue(cJSON_GetObjectItem(cmd, "start"));
		const char *b = cJSON_GetStringValue(cJSON_GetObjectItem(cmd, "end"));
		/* ISO 8601 times of one form order as strings. */
		if (a && (!m->first[0] || strcmp(a, m->first) < 0))
			snprintf(m->first, sizeof(m->first), "%s", a);
		if (b && (!m->last[0] || strcmp(b, m->last) > 0))
			snprintf(m->last, sizeof(m->last), "%s", b);
	}
	m->src.first_start = m->first;
	m->src.last_end = m->last;
	cJSON *bk = cJSON_GetObjectItem(m->root, "backends");
	int nb = cJSON_GetArraySize(bk);
	m->backends = calloc((size_t)nb + 1, sizeof(char *));
	if (!m->backends)
		return -ENOMEM;
	cJSON *b;
	cJSON_ArrayForEach(b, bk) {
		/* {"name": {"available": bool}} as documented, or a plain list of names. */
		if (cJSON_IsString(b))
			m->backends[m->src.nbackends++] = b->valuestring;
		else if (b->string && cJSON_IsTrue(cJSON_GetObjectItem(b, "available")))
			m->backends[m->src.nbackends++] = b->string;
	}
	m->src.backends = m->backends;
	return 0;
}

void ds_meta_free(struct ds_meta *m)
{
	cJSON_Delete(m->root);
	free(m->backends);
}

int ds_meta_check_features(const struct ds_meta *m, const char *const *fnames, int nf,
			   const char *dir, char *why, size_t len)
{
	cJSON *list = cJSON_GetObjectItem(m->root, "features");
	if (!cJSON_IsArray(list))
		return 0;
	/* Hash tables of the columns and of the names listed so far: a wide dataset is not
	 * quadratic. */
	struct strtab cols = { 0 }, listed = { 0 };
	int err = 0;
	for (int k = 0; k < nf && !err; k++)
		if (!ds_intern(&cols, fnames[k]))
			err = -ENOMEM;
	cJSON *it;
	cJSON_ArrayForEach(it, list) {
		if (err)
			break;
		const char *name = cJSON_GetStringValue(it);
		size_t before = listed.n;
		if (!name || !ds_find(&cols, name))
			err = pp_why(why, len, -EBADMSG, "%s: meta.json lists feature '%s' but "
				     "windows.csv has no such column; the two files do not belong "
				     "together", dir, name ? name : "(not a string)");
		else if (!ds_intern(&listed, name))
			err = -ENOMEM;
		else if (listed.n == before)  /* twice, it would stand in for a missing one */
			err = pp_why(why, len, -EBADMSG, "%s: meta.json lists feature '%s' twice",
				     dir, name);
	}
	ds_strtab_free(&cols);
	ds_strtab_free(&listed);
	if (!err && cJSON_GetArraySize(list) != nf)
		err = pp_why(why, len, -EBADMSG, "%s: windows.csv has %d f.* columns but "
			     "meta.json lists %d features; the two files do not belong together",
			     dir, nf, cJSON_GetArraySize(list));
	return err;
}

/* The most backends meta.json may name for one feature (more are ignored). */
#define MAX_FEATURE_BACKENDS 16

int ds_meta_apply_feature_backends(struct pp_dataset *ds, const struct ds_meta *m)
{
	cJSON *fb = cJSON_GetObjectItem(m->root, "feature_backends");
	if (!cJSON_IsObject(fb))
		return 0;
	for (int j = 0; j < ds->nf; j++) {
		cJSON *e = cJSON_GetObjectItem(fb, ds->fname[j]);
		const char *names[MAX_FEATURE_BACKENDS];
		int n = 0;
		if (cJSON_IsString(e)) {
			names[n++] = e->valuestring;
		} else if (cJSON_IsArray(e)) {
			cJSON *it;
			cJSON_ArrayForEach(it, e)
				if (cJSON_IsString(it) && n < MAX_FEATURE_BACKENDS)
					names[n++] = it->valuestring;
		} else {
			continue;
		}
		int err = pp_dataset_set_feature_backends(ds, j, names, n);
		if (err)
			return err;
	}
	return 0;
}

/* ---- writing: the recorder ---- */

static void iso_now(char *buf, size_t len)
{
	time_t t = time(NULL);
	struct tm tm;
	gmtime_r(&t, &tm);
	strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/* An existing meta.json to extend (an empty object when there is none). */
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

/* What each perf-hw event of the list counts on this vendor's PMU: cache-references is the
 * last-level cache on Intel, L2 on AMD Zen, L1D on ARM; a model must know which it read. */
static cJSON *event_meanings(const char *events, const char *vendor)
{
	cJSON *o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "vendor", vendor);
	char list[1024];
	snprintf(list, sizeof(list), "%s", events ? events : "");
	char *save = NULL;
	for (char *e = strtok_r(list, ",", &save); e; e = strtok_r(NULL, ",", &save)) {
		const char *m = pp_hw_event_meaning(e, vendor);
		cJSON_AddStringToObject(o, e, m ? m : "as libpfm4 encodes it for this PMU");
	}
	return o;
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
	if (!cJSON_HasObjectItem(meta, "event_meanings"))
		set_item(meta, "event_meanings",
			 event_meanings(cJSON_GetStringValue(cJSON_GetObjectItem(meta, "events")),
					si.vendor));

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
