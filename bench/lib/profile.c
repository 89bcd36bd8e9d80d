/* pp_profile_run: fingerprints first (the recorder forks its workloads, which a process whose
 * OpenMP threads already ran must not do), then the memory probe, then each kernel's hash
 * rate per thread count and with each of its speed knobs turned off, then RandomX's dataset
 * init (not with --quick: it builds 2 GiB). */
#include "bench/lib/tmp-dataset.h"
#include "core/sysinfo-cjson.h"
#include "core/clock.h"
#include "core/suggest.h"
#include "core/why.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <powprint/collect.h>
#include <powprint/dataset.h>
#include <powprint/features.h>
#include <powprint/mine.h>
#include <powprint/profile.h>
#include <powprint/sysinfo.h>
#include <powprint/version.h>
#include <powprint/workload.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define RX_KEY "powprint profile"

/* Benign look-alikes of the kernels, for --quick: AES, a memory-hard KDF, FP and integer SIMD,
 * compression, random memory access. The full profile takes every benign workload. */
#define QUICK_BENIGN "aes-ctr,argon2id,matmul,video-sad,zstd,hashtable"

struct run {
	const struct pp_profile_opts *o;
	double t0;
	int step, nsteps;
};

static void progress(struct run *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* One line per step, with what is left (an estimate from the steps so far). */
static void progress(struct run *r, const char *fmt, ...)
{
	char msg[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	r->step++;
	double el = pp_clock_mono_s() - r->t0;
	double left = r->step < r->nsteps ? el / r->step * (r->nsteps - r->step) : 0;
	pp_say(r->o->log, r->o->log_arg, "[%d/%d, %.0f s, ~%.0f s left] %s", r->step, r->nsteps,
	       el, left, msg);
}

static bool stopped(const struct run *r)
{
	return r->o->stop && *r->o->stop;
}

static int split(const char *list, char items[][32], int max)
{
	char buf[1024];
	snprintf(buf, sizeof(buf), "%s", list);
	int n = 0;
	char *save = NULL;
	for (char *t = strtok_r(buf, ",", &save); t && n < max; t = strtok_r(NULL, ",", &save))
		snprintf(items[n++], 32, "%s", t);
	return n;
}

/* The catalog's miner workload of an algorithm: its first entry (JIT, light mode). */
static const char *miner_workload(const char *algo)
{
	for (int i = 0; i < pp_workload_count(); i++) {
		const char *a = pp_workload_algo(pp_workload_at(i));
		if (a && !strcmp(a, algo))
			return pp_workload_name(pp_workload_at(i));
	}
	return NULL;
}

static char *workload_list(const struct pp_profile_opts *o, char algos[][32], int nalgo)
{
	size_t cap = 4096, len = 0;
	char *s = calloc(1, cap);
	if (!s)
		return NULL;
	for (int i = 0; i < nalgo; i++) {
		const char *w = miner_workload(algos[i]);
		if (w)
			len += (size_t)snprintf(s + len, cap - len, "%s%s", len ? "," : "", w);
	}
	for (int i = 0; i < pp_workload_count() && len < cap; i++) {
		const struct pp_workload *w = pp_workload_at(i);
		char why[256];
		if (pp_workload_class(w) != PP_WL_BENIGN || pp_workload_supported(w, why, sizeof(why)))
			continue;
		char quoted[64];
		snprintf(quoted, sizeof(quoted), ",%s,", pp_workload_name(w));
		if (o->quick && !strstr("," QUICK_BENIGN ",", quoted))
			continue;
		len += (size_t)snprintf(s + len, cap - len, "%s%s", len ? "," : "", pp_workload_name(w));
	}
	return s;
}

/* Per workload: the mean of each feature over its windows (NaN features stay null). */
static cJSON *feature_means(const struct pp_dataset *ds, cJSON **names_out)
{
	int nf = pp_dataset_nfeatures(ds);
	cJSON *names = cJSON_CreateArray(), *arr = cJSON_CreateArray();
	for (int j = 0; j < nf; j++) {
		const char *n = pp_dataset_feature_name(ds, j);
		cJSON_AddItemToArray(names, cJSON_CreateString(strncmp(n, "f.", 2) ? n : n + 2));
	}
	double *sum = calloc((size_t)nf, sizeof(double));
	int *cnt = calloc((size_t)nf, sizeof(int));
	for (int a = 0, b; sum && cnt && a < pp_dataset_nrows(ds); a = b) {
		const struct pp_dataset_row *r = pp_dataset_row(ds, a);
		for (b = a + 1; b < pp_dataset_nrows(ds) &&
				!strcmp(pp_dataset_row(ds, b)->workload, r->workload); b++)
			;
		memset(sum, 0, (size_t)nf * sizeof(double));
		memset(cnt, 0, (size_t)nf * sizeof(int));
		for (int i = a; i < b; i++)
			for (int j = 0; j < nf; j++) {
				double v = pp_dataset_features(ds, i)[j];
				if (isfinite(v)) {
					sum[j] += v;
					cnt[j]++;
				}
			}
		cJSON *e = cJSON_CreateObject();
		cJSON_AddStringToObject(e, "workload", r->workload);
		cJSON_AddStringToObject(e, "class", r->label == PP_LABEL_MINER ? "miner" : "benign");
		cJSON_AddStringToObject(e, "family", r->family);
		cJSON_AddNumberToObject(e, "windows", b - a);
		cJSON *mean = cJSON_AddObjectToObject(e, "mean");
		for (int j = 0; j < nf; j++) {
			const char *n = cJSON_GetArrayItem(names, j)->valuestring;
			if (cnt[j])
				cJSON_AddNumberToObject(mean, n, sum[j] / cnt[j]);
			else
				cJSON_AddNullToObject(mean, n);
		}
		cJSON_AddItemToArray(arr, e);
	}
	free(sum);
	free(cnt);
	*names_out = names;
	return arr;
}

static double mean_of(cJSON *w, const char *feature)
{
	cJSON *v = cJSON_GetObjectItem(cJSON_GetObjectItem(w, "mean"), feature);
	return cJSON_IsNumber(v) ? v->valuedouble : NAN;
}

/* Each miner's nearest benign workload: the RMS difference of the features both have, each
 * in units of its spread across the profiled workloads (so no feature dominates by scale). */
static void add_nearest(cJSON *names, cJSON *wls)
{
	int nf = cJSON_GetArraySize(names), nw = cJSON_GetArraySize(wls);
	double *sd = calloc((size_t)nf, sizeof(double));
	for (int j = 0; sd && j < nf; j++) {
		const char *f = cJSON_GetArrayItem(names, j)->valuestring;
		double s = 0, s2 = 0;
		int n = 0;
		for (int k = 0; k < nw; k++) {
			double v = mean_of(cJSON_GetArrayItem(wls, k), f);
			if (isfinite(v)) {
				s += v;
				s2 += v * v;
				n++;
			}
		}
		double var = n > 1 ? (s2 - s * s / n) / (n - 1) : 0;
		sd[j] = var > 0 ? sqrt(var) : NAN;
	}
	cJSON *m;
	cJSON_ArrayForEach(m, wls) {
		if (strcmp(cJSON_GetStringValue(cJSON_GetObjectItem(m, "class")), "miner"))
			continue;
		const char *best = NULL;
		double bestd = INFINITY;
		cJSON *b;
		cJSON_ArrayForEach(b, wls) {
			if (strcmp(cJSON_GetStringValue(cJSON_GetObjectItem(b, "class")), "benign"))
				continue;
			double d2 = 0;
			int n = 0;
			for (int j = 0; sd && j < nf; j++) {
				const char *f = cJSON_GetArrayItem(names, j)->valuestring;
				double x = mean_of(m, f), y = mean_of(b, f);
				if (isfinite(x) && isfinite(y) && isfinite(sd[j])) {
					d2 += (x - y) * (x - y) / (sd[j] * sd[j]);
					n++;
				}
			}
			if (n && sqrt(d2 / n) < bestd) {
				bestd = sqrt(d2 / n);
				best = cJSON_GetStringValue(cJSON_GetObjectItem(b, "workload"));
			}
		}
		if (best) {
			cJSON_AddStringToObject(m, "nearest_benign", best);
			cJSON_AddNumberToObject(m, "distance", bestd);
		}
	}
	free(sd);
}

static cJSON *fingerprints(struct run *r, const char *workloads, char *why, size_t len,
			   int *err)
{
	char dir[] = "/tmp/powprint-profile-XXXXXX";
	if (!mkdtemp(dir)) {
		*err = -errno;
		snprintf(why, len, "cannot create a temporary directory: %s", strerror(errno));
		return NULL;
	}
	const struct pp_profile_opts *o = r->o;
	struct pp_record_opts ro = {
		.sz = sizeof(ro), .out_dir = dir, .workloads = workloads,
		.seconds = o->fp_seconds > 0 ? o->fp_seconds : o->quick ? 2 : 4, .seed = 1,
		.command_line = "powprint profile", .stop = o->stop, .log = o->log,
		.log_arg = o->log_arg,
	};
	struct pp_record_summary sum = { 0 };
	*err = pp_record(&ro, &sum, why, len);
	free(sum.text);
	r->step += sum.runs_planned - 1;
	progress(r, "fingerprints: %d workloads recorded, %d failed", sum.runs_ok,
		 sum.runs_failed);
	cJSON *fp = NULL;
	struct pp_dataset *ds = NULL;
	if ((!*err || *err == -EIO) && sum.rows_added && !stopped(r) &&
	    !(*err = pp_dataset_read(dir, &ds, why, len))) {
		fp = cJSON_CreateObject();
		cJSON *names;
		cJSON *wls = feature_means(ds, &names);
		add_nearest(names, wls);
		cJSON_AddItemToObject(fp, "features", names);
		cJSON_AddItemToObject(fp, "workloads", wls);
		cJSON_AddNumberToObject(fp, "seconds_per_workload", ro.seconds);
	}
	pp_dataset_free(ds);
	pp_tmp_dataset_remove(dir);
	if (*err == -EIO)
		*err = 0; /* some runs failed: the rest still profile the machine */
	return fp;
}

/* pointer-chase's loads per second (one thread: its latency) and STREAM's bandwidth. */
static cJSON *memory_probe(struct run *r, int cpus)
{
	static const struct {
		const char *workload, *key;
		bool all_cpus;
	} probes[] = { { "pointer-chase", "pointer_chase_ns", false },
		       { "stream", "stream_mb_s", true } };
	cJSON *m = cJSON_CreateObject();
	for (size_t i = 0; i < sizeof(probes) / sizeof(probes[0]) && !stopped(r); i++) {
		const struct pp_workload *w;
		struct pp_workload_result res = { 0 };
		int err = pp_workload_find(probes[i].workload, &w);
		struct pp_workload_run_opts wo = {
			.sz = sizeof(wo), .seconds = r->o->quick ? 1.5 : 3,
			.threads = probes[i].all_cpus ? cpus : 1, .stop = r->o->stop };
		if (!err)
			err = pp_workload_run(w, &wo, &res);
		if (err || !(res.rate > 0)) {
			cJSON_AddNullToObject(m, probes[i].key);
			progress(r, "%s failed: %s", probes[i].workload,
				 res.error[0] ? res.error : strerror(-err));
			continue;
		}
		double v = probes[i].all_cpus ? res.rate : 1e9 / res.rate;
		cJSON_AddNumberToObject(m, probes[i].key, v);
		if (probes[i].all_cpus)
			cJSON_AddNumberToObject(m, "stream_threads", cpus);
		progress(r, "%s: %.4g %s", probes[i].workload, v,
			 probes[i].all_cpus ? "MB/s" : "ns per dependent load");
	}
	return m;
}

/* One hash-rate measurement; 0 or a negative errno. */
static int measure(struct run *r, const char *algo, int threads, struct pp_hash_opts ho,
		   double secs, struct pp_mine_result *res)
{
	struct pp_mine_opts mo = { .sz = sizeof(mo), .algo = algo, .hash = ho, .threads = threads,
				   .seconds = secs, .stop = r->o->stop };
	memset(res, 0, sizeof(*res));
	return pp_mine_run(&mo, res);
}

/* The speed knobs a kernel has, each turned off on its own. */
struct knob {
	const char *name, *knob;
	void (*apply)(struct pp_hash_opts *ho);
	bool jit_only;
};

static void soft_aes(struct pp_hash_opts *ho)
{
	ho->soft_aes = true;
}

static void small_pages(struct pp_hash_opts *ho)
{
	ho->pages = PP_PAGES_OFF;
}

static void interpret(struct pp_hash_opts *ho)
{
	ho->jit = PP_JIT_OFF;
}

static const struct knob knobs[] = {
	{ "portable AES", "soft_aes", soft_aes, false },
	{ "4 KiB pages", "huge_pages=off", small_pages, false },
	{ "interpreter", "jit=off", interpret, true },
};

static cJSON *profile_algo(struct run *r, const char *algo, const int *threads, int nthreads)
{
	double secs = r->o->hash_seconds > 0 ? r->o->hash_seconds : r->o->quick ? 0.8 : 2;
	struct pp_hash_opts ho = { .sz = sizeof(ho), .key = RX_KEY, .key_len = strlen(RX_KEY) };
	cJSON *e = cJSON_CreateObject();
	cJSON_AddStringToObject(e, "algo", algo);
	cJSON *sc = cJSON_AddArrayToObject(e, "scaling");
	double base = NAN;
	bool jit = false;
	for (int t = 0; t < nthreads && !stopped(r); t++) {
		struct pp_mine_result res;
		int err = measure(r, algo, threads[t], ho, secs, &res);
		if (err) {
			cJSON_AddStringToObject(e, "error", strerror(-err));
			progress(r, "hash %s, %d threads: failed: %s", algo, threads[t], strerror(-err));
			return e;
		}
		if (t == 0) {
			base = res.hps;
			jit = res.info.exec && !strncmp(res.info.exec, "jit", 3);
			cJSON_AddStringToObject(e, "family", res.info.family ? res.info.family : "");
			cJSON_AddStringToObject(e, "aes", res.info.aes_backend ?: "");
			cJSON_AddStringToObject(e, "pages", res.info.pages ?: "");
			cJSON_AddStringToObject(e, "exec", res.info.exec ?: "");
			cJSON_AddNumberToObject(e, "init_seconds", res.info.init_seconds);
		}
		cJSON *p = cJSON_CreateObject();
		cJSON_AddNumberToObject(p, "threads", threads[t]);
		cJSON_AddNumberToObject(p, "hps", res.hps);
		cJSON_AddBoolToObject(p, "verified", res.verified);
		cJSON_AddItemToArray(sc, p);
		progress(r, "hash %s, %d thread%s: %.1f H/s", algo, threads[t],
			 threads[t] > 1 ? "s" : "", res.hps);
	}
	cJSON *vs = cJSON_AddArrayToObject(e, "variants");
	for (size_t k = 0; k < sizeof(knobs) / sizeof(knobs[0]) && !stopped(r); k++) {
		if (knobs[k].jit_only && !jit) {
			r->step++;
			continue;
		}
		struct pp_hash_opts v = ho;
		knobs[k].apply(&v);
		struct pp_mine_result res;
		int err = measure(r, algo, 1, v, secs, &res);
		cJSON *x = cJSON_CreateObject();
		cJSON_AddStringToObject(x, "name", knobs[k].name);
		cJSON_AddStringToObject(x, "knob", knobs[k].knob);
		if (err) {
			cJSON_AddStringToObject(x, "error", strerror(-err));
		} else {
			cJSON_AddNumberToObject(x, "hps", res.hps);
			if (res.hps > 0 && base > 0)
				cJSON_AddNumberToObject(x, "speedup", base / res.hps);
		}
		cJSON_AddItemToArray(vs, x);
		if (err)
			progress(r, "hash %s with %s: failed: %s", algo, knobs[k].name,
				 strerror(-err));
		else
			progress(r, "hash %s with %s: %.1f H/s (the default is %.2fx that)", algo,
				 knobs[k].name, res.hps, res.hps > 0 ? base / res.hps : NAN);
	}
	return e;
}

/* 1, 2, 4, ... and every online CPU. */
static int thread_counts(int cpus, int *out, int max)
{
	int n = 0;
	for (int t = 1; t < cpus && n < max - 1; t *= 2)
		out[n++] = t;
	out[n++] = cpus;
	return n;
}

static void machine_label(const struct pp_sysinfo *si, char *buf, size_t len)
{
	int n = (int)strlen(si->brand);
	while (n > 0 && si->brand[n - 1] == ' ') /* CPUID pads the brand string */
		n--;
	snprintf(buf, len, "%.*s (%d CPUs)", n ? n : (int)strlen(si->arch), n ? si->brand : si->arch,
		 si->online_cpus);
}

int pp_profile_run(const struct pp_profile_opts *o, void **out, char *why, size_t len)
{
	*out = NULL;
	struct run r = { .o = o, .t0 = pp_clock_mono_s() };
	struct pp_sysinfo si;
	pp_sysinfo_read(&si);
	int cpus = si.online_cpus > 0 ? si.online_cpus : 1;
	char algos[32][32];
	int nalgo = 0;
	if (o->algos) {
		nalgo = split(o->algos, algos, 32);
		for (int i = 0; i < nalgo; i++)
			if (!pp_hash_flags(algos[i])) {
				size_t nn = 0;
				while (pp_hash_names()[nn])
					nn++;
				const char *near = pp_suggest_in(algos[i], pp_hash_names(), nn);
				snprintf(why, len, "unknown algorithm '%s'%s%s%s (powprint hash --help "
					 "lists them)", algos[i], near ? "; did you mean '" : "",
					 near ? near : "", near ? "'?" : "");
				return -EINVAL;
			}
	} else {
		unsigned want = o->quick ? PP_HASH_BENCH_QUICK : PP_HASH_BENCH;
		for (const char *const *k = pp_hash_names(); *k && nalgo < 32; k++)
			if (pp_hash_flags(*k) & want)
				snprintf(algos[nalgo++], 32, "%s", *k);
	}
	int threads[16], nthreads = thread_counts(cpus, threads, 16);
	char *wl = workload_list(o, algos, nalgo);
	if (!wl)
		return -ENOMEM;
	int nwl = 1;
	for (const char *c = wl; *c; c++)
		nwl += *c == ',';
	r.nsteps = nwl + 2 + nalgo * (nthreads + 3) + (o->quick ? 0 : 1);

	cJSON *root = cJSON_CreateObject();
	cJSON_AddStringToObject(root, "format", PP_PROFILE_FORMAT);
	cJSON_AddNumberToObject(root, "format_version", PP_PROFILE_FORMAT_VERSION);
	cJSON_AddStringToObject(root, "powprint_version", PP_VERSION_STRING);
	cJSON_AddStringToObject(root, "git", PP_GIT_REVISION);
	char now[32], label[256];
	time_t t = time(NULL);
	strftime(now, sizeof(now), "%Y-%m-%dT%H:%M:%SZ", gmtime(&t));
	cJSON_AddStringToObject(root, "created", now);
	machine_label(&si, label, sizeof(label));
	cJSON_AddStringToObject(root, "label", o->label ? o->label : label);
	cJSON_AddBoolToObject(root, "quick", o->quick);
	cJSON_AddItemToObject(root, "machine", pp_sysinfo_to_cjson(&si));
	struct pp_backend_status st[PP_BACKEND_MAX];
	int nb = pp_collector_probe(st, PP_BACKEND_MAX);
	cJSON *bk = cJSON_AddObjectToObject(root, "backends");
	for (int i = 0; i < nb && i < PP_BACKEND_MAX; i++) {
		cJSON *b = cJSON_AddObjectToObject(bk, st[i].name);
		cJSON_AddBoolToObject(b, "available", st[i].available);
		cJSON_AddStringToObject(b, "why", st[i].why);
	}

	int err = 0;
	pp_say(o->log, o->log_arg, "== fingerprints: %s ==", wl);
	cJSON *fp = fingerprints(&r, wl, why, len, &err);
	free(wl);
	if (fp)
		cJSON_AddItemToObject(root, "fingerprints", fp);
	else if (!err)
		cJSON_AddNullToObject(root, "fingerprints");
	if (!err && !stopped(&r)) {
		pp_say(o->log, o->log_arg, "== memory ==");
		cJSON_AddItemToObject(root, "memory", memory_probe(&r, cpus));
	}
	if (!err && !stopped(&r)) {
		pp_say(o->log, o->log_arg, "== hash rates ==");
		cJSON *h = cJSON_AddArrayToObject(root, "hash");
		for (int i = 0; i < nalgo && !stopped(&r); i++)
			cJSON_AddItemToArray(h, profile_algo(&r, algos[i], threads, nthreads));
	}
	if (!err && !stopped(&r) && !o->quick) {
		struct pp_hash_opts ho = { .sz = sizeof(ho), .rx_mode = PP_RX_FAST, .key = RX_KEY,
					   .key_len = strlen(RX_KEY) };
		struct pp_mine_result res;
		int e = measure(&r, "rx/0", cpus, ho, 0.5, &res);
		if (e) {
			cJSON_AddNullToObject(root, "randomx_dataset_init_s");
			cJSON_AddStringToObject(root, "randomx_dataset_init_note", strerror(-e));
		} else {
			cJSON_AddNumberToObject(root, "randomx_dataset_init_s", res.info.init_seconds);
			cJSON_AddNumberToObject(root, "randomx_dataset_init_threads", cpus);
		}
		progress(&r, "RandomX dataset init (2 GiB, %d threads): %s", cpus,
			 e ? strerror(-e) : "measured");
	} else if (!err) {
		cJSON_AddNullToObject(root, "randomx_dataset_init_s");
		cJSON_AddStringToObject(root, "randomx_dataset_init_note",
					"skipped with --quick (it builds 2 GiB)");
	}
	if (!err && stopped(&r))
		err = -EINTR;
	if (err) {
		if (err == -EINTR)
			snprintf(why, len, "interrupted: nothing written");
		cJSON_Delete(root);
		return err;
	}
	cJSON_AddNumberToObject(root, "seconds_taken", pp_clock_mono_s() - r.t0);
	*out = root;
	return 0;
}
