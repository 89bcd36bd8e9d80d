/* pp_record: plan the runs, run them one at a time, and after each completed run replace
 * windows.csv and meta.json atomically. */
#include "core/why.h"
#include "fingerprint/dataset/record-priv.h"
#include "core/file.h"

#include <errno.h>
#include <libgen.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* Rough per-run overhead (fork, setup, verify) for the time-left estimate. */
#define RUN_OVERHEAD_S 1.5

struct rec_state {
	struct rec_sink sink;
	const struct pp_record_opts *o;
	struct pp_record_progress prog;
	double per_run_s;
};

static int create_dataset(struct rec_sink *s, const struct pp_window *w)
{
	const char *fn[PP_F_COUNT], *rn[PP_WINDOW_MAX_COUNTS];
	char fbuf[PP_F_COUNT][64], rbuf[PP_WINDOW_MAX_COUNTS][64];
	for (int i = 0; i < PP_F_COUNT; i++) {
		snprintf(fbuf[i], sizeof(fbuf[i]), "f.%s", pp_feature_info(i)->name);
		fn[i] = fbuf[i];
	}
	for (int i = 0; i < w->ncounts; i++) {
		snprintf(rbuf[i], sizeof(rbuf[i]), "raw.%s", w->counts[i].name);
		rn[i] = rbuf[i];
	}
	int err = pp_dataset_new(fn, PP_F_COUNT, rn, w->ncounts, &s->ds);
	if (err)
		return err;
	/* No feature_backends in meta.json: the model takes each feature's backend (or its
	 * alternatives, "perf-sw|procfs") from the feature table, features.h. */
	pp_dataset_set_feature_version(s->ds, PP_FEATURES_VERSION);
	return 0;
}

int rec_sink_add(struct rec_sink *s, const struct rec_labels *lab, const struct pp_window *w)
{
	int err;
	if (!s->ds && (err = create_dataset(s, w)))
		return err;
	int nraw = pp_dataset_nraw(s->ds), nf = pp_dataset_nfeatures(s->ds);
	double raw[PP_WINDOW_MAX_COUNTS * 2], feat[PP_F_COUNT * 2];
	if (nraw > (int)(sizeof(raw) / sizeof(raw[0])) || nf > (int)(sizeof(feat) / sizeof(feat[0])))
		return -E2BIG;
	for (int j = 0; j < nraw; j++)
		raw[j] = pp_window_count(w, pp_dataset_raw_name(s->ds, j) + 4);
	/* Columns by name, so a dataset recorded by an older build with the same feature
	 * version lines up whatever the column order. */
	struct pp_features f;
	pp_features_compute(w, &f);
	for (int j = 0; j < nf; j++) {
		int k = pp_feature_find(pp_dataset_feature_name(s->ds, j) + 2);
		feat[j] = k >= 0 ? f.v[k] : NAN;
	}
	struct pp_dataset_row row = {
		.run_id = lab->run_id, .workload = lab->workload,
		.label = !strcmp(lab->cls, "miner") ? PP_LABEL_MINER : PP_LABEL_BENIGN,
		.family = lab->family, .variant = lab->variant, .threads = lab->threads,
		.duty = lab->duty, .soft_aes = lab->soft_aes, .huge_pages = lab->huge_pages,
		.window = (int)w->index, .t_start = w->start_s, .t_end = w->end_s,
		.task_clock_s = w->task_clock_s, .partial = w->partial,
	};
	return pp_dataset_add_row(s->ds, &row, feat, nraw ? raw : NULL);
}

static void on_window(struct rec_sink *s, const struct pp_window *w, double run_seconds)
{
	struct rec_state *st = s->arg;
	if (!st->o->progress)
		return;
	st->prog.windows++;
	st->prog.run_elapsed_s = w->end_s;
	st->prog.run_seconds = run_seconds;
	double left_runs = st->prog.nruns - st->prog.run - 1;
	st->prog.left_s = fmax(0, run_seconds - w->end_s) + left_runs * st->per_run_s;
	st->o->progress(st->o->progress_arg, &st->prog);
}

/* Writes the dataset (when it has rows) and meta.json; both atomically. */
static int save(struct rec_state *st, cJSON *meta, char *why, size_t len)
{
	const char *dir = st->o->out_dir;
	int err = 0;
	if (st->sink.ds) {
		char path[4096];
		snprintf(path, sizeof(path), "%s/windows.csv", dir);
		err = pp_dataset_write_csv(st->sink.ds, path, why, len);
	}
	if (!err && (err = rec_meta_write(meta, st->sink.ds, dir)))
		snprintf(why, len, "cannot write %s/meta.json: %s", dir, strerror(-err));
	/* Both files are replaced atomically: the runs saved before are still there. */
	if (err && strlen(why) + 80 < len)
		snprintf(why + strlen(why), len - strlen(why), "; the runs saved before this one are "
			 "intact (free space and run again to append)");
	return err;
}

static int open_existing(const char *dir, struct pp_dataset **ds, char *why, size_t len)
{
	char path[4096];
	struct stat sb;
	*ds = NULL;
	snprintf(path, sizeof(path), "%s/windows.csv.zst", dir);
	if (stat(path, &sb) == 0) {
		snprintf(why, len, "%s is compressed: decompress it (zstd -d --rm %s) to append to "
			 "the dataset, or record into a new directory", path, path);
		return -EINVAL;
	}
	snprintf(path, sizeof(path), "%s/windows.csv", dir);
	if (stat(path, &sb) < 0)
		return 0;
	int err = pp_dataset_read(dir, ds, why, len);
	if (err)
		return err;
	if (pp_dataset_feature_version(*ds) != PP_FEATURES_VERSION) {
		snprintf(why, len, "%s holds feature-vector version %d, this powprint computes %d: "
			 "record into a new directory", dir, pp_dataset_feature_version(*ds),
			 PP_FEATURES_VERSION);
		pp_dataset_free(*ds);
		*ds = NULL;
		return -EINVAL;
	}
	return 0;
}

static const char *available_backends(const struct pp_record_opts *o, char *buf, size_t len)
{
	struct pp_backend_status st[PP_BACKEND_MAX];
	int n = pp_collector_probe(st, PP_BACKEND_MAX);
	buf[0] = '\0';
	for (int i = 0; i < n && i < PP_BACKEND_MAX; i++) {
		if (!st[i].available) {
			pp_say(o->log, o->log_arg, "%s not used: %s", st[i].name, st[i].why);
			continue;
		}
		if (buf[0])
			strncat(buf, ",", len - strlen(buf) - 1);
		strncat(buf, st[i].name, len - strlen(buf) - 1);
	}
	return buf;
}

static int check_opts(const struct pp_record_opts *o, char *why, size_t len)
{
	if (!o->out_dir || !o->out_dir[0]) {
		snprintf(why, len, "no output directory: give --output DIR");
		return -EINVAL;
	}
	bool external = o->cmd || o->pid > 0;
	if (external && (!o->label || (strcmp(o->label, "miner") && strcmp(o->label, "benign")))) {
		snprintf(why, len, "an external program needs --label miner or --label benign");
		return -EINVAL;
	}
	if (external && (!o->family || !o->family[0])) {
		snprintf(why, len, "an external program needs --family NAME (its fingerprint "
			 "family, e.g. xmrig or nginx)");
		return -EINVAL;
	}
	if (o->pid > 0 && o->seconds <= 0) {
		snprintf(why, len, "recording an existing process needs --seconds S");
		return -EINVAL;
	}
	return 0;
}

static void summarise(struct rec_state *st, struct pp_record_summary *sum, cJSON *meta,
		      long first_new_id, const struct rec_plan *plan)
{
	char *text = NULL;
	size_t tl = 0;
	FILE *f = open_memstream(&text, &tl);
	if (!f)
		return;
	const struct pp_dataset *ds = st->sink.ds;
	fprintf(f, "%-22s %-7s %6s %8s\n", "workload", "class", "runs", "windows");
	/* Rows per workload (this recording's runs only), in first-seen order. */
	int n = ds ? pp_dataset_nrows(ds) : 0;
	const char *seen[512];
	int nseen = 0;
	for (int i = 0; i < n; i++) {
		const struct pp_dataset_row *r = pp_dataset_row(ds, i);
		if (r->run_id < first_new_id)
			continue;
		bool dup = false;
		for (int k = 0; k < nseen && !dup; k++)
			dup = !strcmp(seen[k], r->workload);
		if (dup || nseen == 512)
			continue;
		seen[nseen++] = r->workload;
		int rows = 0, runs = 0;
		long last = -1;
		for (int k = 0; k < n; k++) {
			const struct pp_dataset_row *q = pp_dataset_row(ds, k);
			if (q->run_id < first_new_id || strcmp(q->workload, r->workload))
				continue;
			rows++;
			if (q->run_id != last)
				runs++;
			last = q->run_id;
		}
		fprintf(f, "%-22s %-7s %6d %8d\n", r->workload,
			r->label == PP_LABEL_MINER ? "miner" : "benign", runs, rows);
	}
	cJSON *it;
	cJSON_ArrayForEach(it, cJSON_GetObjectItem(meta, "runs")) {
		cJSON *id = cJSON_GetObjectItem(it, "run_id");
		const char *status = cJSON_GetStringValue(cJSON_GetObjectItem(it, "status"));
		if (!cJSON_IsNumber(id) || id->valuedouble < first_new_id || !status ||
		    !strncmp(status, "ok", 2))
			continue;
		fprintf(f, "FAILED run %ld %s: %s\n", (long)id->valuedouble,
			cJSON_GetStringValue(cJSON_GetObjectItem(it, "workload")), status);
	}
	for (int i = 0; plan && i < plan->nskipped; i++)
		fprintf(f, "skipped %s\n", plan->skipped[i].why);
	fprintf(f, "%d of %d runs ok, %llu windows added, %llu in %s/windows.csv%s\n",
		sum->runs_ok, sum->runs_planned, (unsigned long long)sum->rows_added,
		(unsigned long long)sum->rows_total, st->o->out_dir,
		sum->interrupted ? " (interrupted: completed runs are kept)" : "");
	fclose(f);
	sum->text = text;
}

int pp_record(const struct pp_record_opts *o, struct pp_record_summary *sum, char *why,
	      size_t why_len)
{
	memset(sum, 0, sizeof(*sum));
	int err = check_opts(o, why, why_len);
	if (err)
		return err;
	struct pp_collect_opts co = {
		.sz = sizeof(co), .backends = o->backends, .events = o->events,
		.interval_ms = o->interval_ms ? o->interval_ms : PP_INTERVAL_DEFAULT_MS,
		.sample_hz = o->sample_hz ? o->sample_hz : PP_SAMPLE_HZ_DEFAULT,
		.warn = o->log, .warn_arg = o->log_arg,
	};
	if ((err = pp_collect_opts_check(&co, why, why_len)))
		return err;
	/* Resolve "every available backend" once, so each run uses the same set (the columns
	 * must not change between runs) and an unavailable one is reported once, not per run. */
	char avail[256];
	if (!o->backends)
		co.backends = available_backends(o, avail, sizeof(avail));

	struct rec_plan plan = { 0 };
	bool external = o->cmd || o->pid > 0;
	if (!external && (err = rec_plan_build(o, &plan, why, why_len)))
		return err;
	if ((err = pp_dir_create(o->out_dir))) {
		snprintf(why, why_len, "cannot create %s: %s", o->out_dir, strerror(-err));
		rec_plan_free(&plan);
		return err;
	}
	struct rec_state st = { .o = o };
	st.sink = (struct rec_sink){ .o = o, .on_window = on_window, .arg = &st };
	cJSON *meta = NULL;
	if ((err = open_existing(o->out_dir, &st.sink.ds, why, why_len)))
		goto out;
	if (!(meta = rec_meta_load(o->out_dir, why, why_len))) {
		err = -EBADMSG;
		goto out;
	}
	if ((err = rec_meta_check(meta, &co, o->out_dir, why, why_len)))
		goto out;
	rec_meta_begin(meta, o, &co);
	long next_id = rec_meta_next_run_id(meta, st.sink.ds), first_id = next_id;
	int rows_before = st.sink.ds ? pp_dataset_nrows(st.sink.ds) : 0;

	double seconds = o->seconds > 0 ? o->seconds : 10;
	sum->runs_planned = external ? 1 : plan.n;
	st.prog.nruns = sum->runs_planned;
	st.per_run_s = seconds + RUN_OVERHEAD_S;
	for (int i = 0; i < sum->runs_planned; i++) {
		if (o->stop && *o->stop) {
			sum->interrupted = true;
			break;
		}
		struct rec_labels lab = { .run_id = next_id, .huge_pages = "auto" };
		struct rec_outcome out;
		char name[256];
		st.prog.run = i;
		if (external) {
			if (o->name)
				snprintf(name, sizeof(name), "%s", o->name);
			else if (o->cmd)
				snprintf(name, sizeof(name), "%s", basename((char *)o->cmd[0]));
			else
				snprintf(name, sizeof(name), "pid-%d", (int)o->pid);
			lab.workload = name;
			lab.cls = o->label;
			lab.family = o->family;
			lab.variant = "";
			lab.threads = -1;
			lab.duty = 100;
			st.prog.workload = name;
			err = rec_run_external(o, &lab, &co, &st.sink, &out);
		} else {
			const struct rec_run *r = &plan.run[i];
			bool miner = pp_workload_class(r->w) == PP_WL_MINER;
			lab.workload = pp_workload_name(r->w);
			lab.cls = pp_workload_class_name(pp_workload_class(r->w));
			lab.family = pp_workload_family(r->w);
			lab.variant = miner ? lab.workload : "";
			lab.threads = r->threads;
			lab.duty = r->duty;
			lab.soft_aes = r->soft_aes;
			lab.huge_pages = r->pages;
			st.prog.workload = lab.workload;
			st.prog.threads = r->threads;
			st.prog.duty = r->duty;
			st.prog.soft_aes = r->soft_aes;
			st.prog.huge_pages = r->pages;
			err = rec_run_catalog(r, &lab, &co, seconds, &st.sink, &out);
		}
		if (err == -EINTR) {
			sum->interrupted = true;
			err = 0;
			break;
		}
		if (err && !out.status[0])
			snprintf(out.status, sizeof(out.status), "%s", strerror(-err));
		err = 0;
		next_id++;
		if (out.ok)
			sum->runs_ok++;
		else
			sum->runs_failed++;
		rec_meta_add_run(meta, &lab, &out);
		if ((err = save(&st, meta, why, why_len)))
			goto out;
		/* The run id names the rows in windows.csv; i + 1 of planned says how far along. */
		pp_say(o->log, o->log_arg, "run %ld (%d/%d) %s threads=%d duty=%d%s%s%s: %d windows, %s",
		       lab.run_id, i + 1, sum->runs_planned, lab.workload, lab.threads, lab.duty,
		       lab.soft_aes ? " soft-aes" : "",
		       strcmp(lab.huge_pages, "auto") ? " huge-pages=" : "",
		       strcmp(lab.huge_pages, "auto") ? lab.huge_pages : "", out.windows, out.status);
	}
	int rows_after = st.sink.ds ? pp_dataset_nrows(st.sink.ds) : 0;
	sum->rows_added = (uint64_t)(rows_after - rows_before);
	sum->rows_total = (uint64_t)rows_after;
	summarise(&st, sum, meta, first_id, external ? NULL : &plan);
	if (sum->interrupted)
		err = -EINTR;
	else if (sum->runs_failed)
		err = -EIO;
out:
	cJSON_Delete(meta);
	if (st.sink.ds)
		pp_dataset_free(st.sink.ds);
	rec_plan_free(&plan);
	return err;
}
