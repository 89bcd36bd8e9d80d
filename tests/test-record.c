/* The recorder: CSV and meta.json shapes, appending, interruption, external programs, the
 * seeded plan. Recordings here are short (0.6 s runs of 200 ms windows) to keep CI quick. */
#include "fingerprint/dataset/record-priv.h"
#include "core/file.h"
#include "support/testutil.h"

#include <cjson/cJSON.h>
#include <criterion/criterion.h>
#include <errno.h>
#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/statvfs.h>
#include <sys/wait.h>
#include <unistd.h>
#include <zstd.h>

static const char *const fixed_columns[] = {
	"run_id", "workload", "class", "family", "variant", "threads", "duty", "soft_aes",
	"huge_pages", "window", "t_start", "t_end", "task_clock_s", "partial",
};

static char *tmpdir(void)
{
	char *d = strdup("/tmp/pp-record-XXXXXX");
	cr_assert_not_null(mkdtemp(d));
	return d;
}

static char *slurp(const char *dir, const char *name)
{
	char path[512], *buf;
	size_t n;
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	cr_assert_eq(pp_file_read(path, &buf, &n), 0, "cannot read %s", path);
	return buf;
}

static cJSON *meta_of(const char *dir)
{
	char *s = slurp(dir, "meta.json");
	cJSON *m = cJSON_Parse(s);
	cr_assert_not_null(m, "meta.json is not JSON: %.200s", s);
	free(s);
	return m;
}

static int record(const char *dir, const char *args, char **out, char **err)
{
	char cmd[1024];
	snprintf(cmd, sizeof(cmd), "record --interval 200 --seconds 0.6 --output %s %s", dir, args);
	return pp_cli_run(cmd, out, err);
}

static int count_ok_runs(cJSON *meta)
{
	int n = 0;
	cJSON *it;
	cJSON_ArrayForEach(it, cJSON_GetObjectItem(meta, "runs"))
		n += !strcmp(cJSON_GetStringValue(cJSON_GetObjectItem(it, "status")), "ok");
	return n;
}

Test(record, two_workloads_csv_and_meta_shape, .timeout = 120)
{
	char *dir = tmpdir(), *err;
	int rc = record(dir, "--workloads idle,sha256", NULL, &err);
	cr_assert_eq(rc, 0, "record failed: %s", err);
	free(err);

	/* The header: the fixed columns in order, then raw.*, then f.* */
	char *csv = slurp(dir, "windows.csv");
	char *nl = strchr(csv, '\n');
	cr_assert_not_null(nl);
	*nl = '\0';
	char *save, *col = strtok_r(csv, ",", &save);
	size_t i = 0;
	for (; i < sizeof(fixed_columns) / sizeof(*fixed_columns); i++, col = strtok_r(NULL, ",", &save)) {
		cr_assert_not_null(col);
		cr_assert_str_eq(col, fixed_columns[i], "column %zu", i);
	}
	int nraw = 0, nf = 0;
	bool seen_f = false;
	for (; col; col = strtok_r(NULL, ",", &save)) {
		if (!strncmp(col, "raw.", 4)) {
			cr_assert(!seen_f, "raw column %s after the features", col);
			nraw++;
		} else {
			cr_assert(!strncmp(col, "f.", 2), "unexpected column %s", col);
			seen_f = true;
			nf++;
		}
	}
	cr_assert_eq(nf, PP_F_COUNT, "one column per feature");
	cr_assert_gt(nraw, 0);
	free(csv);

	/* The rows, read back through the dataset reader the trainer uses. */
	struct pp_dataset *ds;
	char why[512];
	cr_assert_eq(pp_dataset_read(dir, &ds, why, sizeof(why)), 0, "%s", why);
	cr_assert_eq(pp_dataset_nruns(ds), 2);
	cr_assert_eq(pp_dataset_nrows(ds), 6, "3 windows of 200 ms per 0.6 s run");
	double util_sum[2] = { 0, 0 };
	int util_n[2] = { 0, 0 };
	for (int r = 0; r < pp_dataset_nrows(ds); r++) {
		const struct pp_dataset_row *row = pp_dataset_row(ds, r);
		cr_assert_eq(row->label, PP_LABEL_BENIGN);
		cr_assert(!strcmp(row->workload, "idle") || !strcmp(row->workload, "sha256"));
		cr_assert_eq(row->threads, 1);
		cr_assert_eq(row->duty, 100);
		cr_assert_gt(row->t_end, row->t_start);
		cr_assert_geq(row->task_clock_s, 0);
		/* sha256 keeps a core busy; idle barely runs (compared with each other, since a
		 * loaded machine lends sha256 less than a core). */
		int j = pp_dataset_feature_index(ds, "f.cpu_util");
		double util = pp_dataset_features(ds, r)[j];
		bool idle = !strcmp(row->workload, "idle");
		util_sum[idle] += util;
		util_n[idle]++;
		if (idle)
			cr_assert_lt(util, 0.2, "idle at %g CPUs", util);
	}
	cr_assert_gt(util_sum[0] / util_n[0], 5 * util_sum[1] / util_n[1],
		     "sha256 at %g CPUs, idle at %g", util_sum[0] / util_n[0],
		     util_sum[1] / util_n[1]);
	pp_dataset_free(ds);

	cJSON *m = meta_of(dir);
	static const char *const keys[] = { "format", "powprint_version", "git", "feature_version",
		"interval_ms", "sample_hz", "host", "backends", "commands", "runs", "features" };
	for (size_t k = 0; k < sizeof(keys) / sizeof(*keys); k++)
		cr_assert(cJSON_HasObjectItem(m, keys[k]), "meta.json lacks %s", keys[k]);
	cr_assert_eq(cJSON_GetObjectItem(m, "interval_ms")->valueint, 200);
	cr_assert_eq(cJSON_GetObjectItem(m, "feature_version")->valueint, PP_FEATURES_VERSION);
	cr_assert_eq(cJSON_GetArraySize(cJSON_GetObjectItem(m, "features")), PP_F_COUNT);
	cr_assert(cJSON_IsObject(cJSON_GetObjectItem(cJSON_GetObjectItem(m, "host"), "cpu")));
	/* What each hardware event means on the recording machine's vendor. */
	cJSON *mean = cJSON_GetObjectItem(m, "event_meanings");
	const char *vendor = cJSON_GetStringValue(cJSON_GetObjectItem(
		cJSON_GetObjectItem(cJSON_GetObjectItem(m, "host"), "cpu"), "vendor"));
	cr_assert_str_eq(cJSON_GetStringValue(cJSON_GetObjectItem(mean, "vendor")), vendor);
	const char *cr = pp_hw_event_meaning("cache-references", vendor);
	if (cr)
		cr_expect_str_eq(cJSON_GetStringValue(cJSON_GetObjectItem(mean, "cache-references")),
				 cr);
	cr_expect(cJSON_IsString(cJSON_GetObjectItem(mean, "cycles")));
	cr_assert_eq(count_ok_runs(m), 2);
	cJSON *cmd = cJSON_GetArrayItem(cJSON_GetObjectItem(m, "commands"), 0);
	cr_assert(strstr(cJSON_GetStringValue(cJSON_GetObjectItem(cmd, "command")), "--workloads"));
	cJSON_Delete(m);
	free(dir);
}

Test(record, append_keeps_old_rows_and_adds_new_run_ids, .timeout = 120)
{
	char *dir = tmpdir(), *err;
	cr_assert_eq(record(dir, "--workloads idle", NULL, &err), 0, "%s", err);
	free(err);
	char *before = slurp(dir, "windows.csv");
	cr_assert_eq(record(dir, "--workloads idle --duty 50", NULL, &err), 0, "%s", err);
	free(err);
	char *after = slurp(dir, "windows.csv");
	cr_assert_eq(strncmp(before, after, strlen(before)), 0, "the old rows changed");
	cr_assert_gt(strlen(after), strlen(before));

	struct pp_dataset *ds;
	char why[512];
	cr_assert_eq(pp_dataset_read(dir, &ds, why, sizeof(why)), 0, "%s", why);
	cr_assert_eq(pp_dataset_nruns(ds), 2);
	const struct pp_dataset_row *first = pp_dataset_row(ds, 0);
	const struct pp_dataset_row *last = pp_dataset_row(ds, pp_dataset_nrows(ds) - 1);
	cr_assert_neq(first->run_id, last->run_id);
	cr_assert_eq(last->duty, 50);
	pp_dataset_free(ds);

	cJSON *m = meta_of(dir);
	cr_assert_eq(cJSON_GetArraySize(cJSON_GetObjectItem(m, "commands")), 2);
	cr_assert_eq(count_ok_runs(m), 2);
	cJSON_Delete(m);

	/* Windows of another length do not mix into this dataset. */
	char cmd[512];
	snprintf(cmd, sizeof(cmd), "record --interval 500 --seconds 1 --workloads idle --output %s",
		 dir);
	cr_assert_eq(pp_cli_run(cmd, NULL, &err), 2);
	cr_assert(strstr(err, "interval"), "%s", err);
	free(err);
	free(before);
	free(after);
	free(dir);
}

/* Ctrl-C in the middle: every completed run is kept, both files stay valid, and no
 * temporary file is left behind. */
Test(record, interrupted_recording_keeps_completed_runs, .timeout = 120)
{
	char *dir = tmpdir();
	pid_t pid = fork();
	cr_assert_geq(pid, 0);
	if (pid == 0) {
		int devnull = open("/dev/null", O_WRONLY);
		dup2(devnull, 1);
		dup2(devnull, 2);
		execl(PP_CLI_PATH, "powprint", "record", "--workloads", "idle", "--repeat", "20",
		      "--interval", "200", "--seconds", "0.6", "--output", dir, (char *)NULL);
		_exit(127);
	}
	/* Wait until at least two runs are on disk, then interrupt. */
	for (int i = 0; i < 300; i++) {
		usleep(100000);
		char path[512];
		snprintf(path, sizeof(path), "%s/meta.json", dir);
		char *s;
		size_t n;
		if (pp_file_read(path, &s, &n) == 0) {
			cJSON *m = cJSON_Parse(s);
			free(s);
			int runs = m ? count_ok_runs(m) : 0;
			cJSON_Delete(m);
			if (runs >= 2)
				break;
		}
	}
	kill(pid, SIGINT);
	int st;
	cr_assert_eq(waitpid(pid, &st, 0), pid);
	cr_assert(WIFEXITED(st), "record died of a signal");
	cr_assert_eq(WEXITSTATUS(st), 1, "an interrupted recording exits 1");

	cJSON *m = meta_of(dir);
	int ok = count_ok_runs(m);
	cr_assert_geq(ok, 2);
	cr_assert_lt(ok, 20, "the interrupt did not stop the recording");
	cJSON_Delete(m);
	struct pp_dataset *ds;
	char why[512];
	cr_assert_eq(pp_dataset_read(dir, &ds, why, sizeof(why)), 0, "%s", why);
	cr_assert_eq(pp_dataset_nruns(ds), ok, "rows of exactly the completed runs");
	cr_assert_eq(pp_dataset_nrows(ds), 3 * ok);
	pp_dataset_free(ds);

	DIR *d = opendir(dir);
	struct dirent *e;
	while ((e = readdir(d)))
		cr_assert(!strstr(e->d_name, ".tmp"), "temporary file left: %s", e->d_name);
	closedir(d);
	free(dir);
}

/* Whether a process other than us still runs with arg among its command-line words. */
static bool someone_runs_with(const char *arg)
{
	DIR *d = opendir("/proc");
	struct dirent *e;
	bool found = false;
	while (d && !found && (e = readdir(d))) {
		int pid = atoi(e->d_name);
		if (pid <= 0 || pid == getpid())
			continue;
		char path[64], buf[4096];
		snprintf(path, sizeof(path), "/proc/%d/cmdline", pid);
		FILE *f = fopen(path, "r");
		size_t n = f ? fread(buf, 1, sizeof(buf) - 1, f) : 0;
		if (f)
			fclose(f);
		for (size_t i = 0; i < n; i += strlen(buf + i) + 1) {
			buf[n] = '\0';
			if (!strcmp(buf + i, arg))
				found = true;
		}
	}
	if (d)
		closedir(d);
	return found;
}

/* SIGKILL, unlike Ctrl-C, gives the recorder no chance to clean up: 20 recordings into one
 * dataset, each killed at a different moment (before, during and between runs), must leave a
 * dataset that loads with only whole runs in it, and no worker running on. */
Test(record, sigkilled_recordings_leave_whole_runs_and_no_worker, .timeout = 300)
{
	char *dir = tmpdir();
	int killed_mid_run = 0, loads = 0;
	for (int k = 0; k < 20; k++) {
		pid_t pid = fork();
		cr_assert_geq(pid, 0);
		if (pid == 0) {
			int devnull = open("/dev/null", O_WRONLY);
			dup2(devnull, 1);
			dup2(devnull, 2);
			execl(PP_CLI_PATH, "powprint", "record", "--workloads", "cn/0,idle",
			      "--interval", "200", "--seconds", "0.6", "--output", dir, (char *)NULL);
			_exit(127);
		}
		usleep(400000 + 250000 * (k % 12)); /* 0.4 to 3.15 s: every phase of a run */
		killed_mid_run += someone_runs_with(dir) && kill(pid, 0) == 0;
		kill(pid, SIGKILL);
		int st;
		cr_assert_eq(waitpid(pid, &st, 0), pid);
		usleep(100000); /* the kernel's parent-death signal is asynchronous */
		cr_expect(!someone_runs_with(dir), "kill %d: a worker outlived its recorder", k);

		char path[512];
		snprintf(path, sizeof(path), "%s/windows.csv", dir);
		if (access(path, F_OK) != 0)
			continue; /* killed before the first run was saved */
		struct pp_dataset *ds;
		char why[512];
		cr_assert_eq(pp_dataset_read(dir, &ds, why, sizeof(why)), 0, "kill %d: %s", k, why);
		loads++;
		cr_expect_eq(pp_dataset_nrows(ds), 3 * pp_dataset_nruns(ds),
			     "kill %d: %d rows in %d runs: a partial run", k, pp_dataset_nrows(ds),
			     pp_dataset_nruns(ds));
		pp_dataset_free(ds);
		cJSON *m = meta_of(dir);
		cJSON_Delete(m);
	}
	cr_log_info("20 SIGKILLs (%d during a run): the dataset loaded after %d, whole runs only",
		    killed_mid_run, loads);
	cr_expect_geq(loads, 8, "loaded after %d kills: most come after a run was saved", loads);
	cr_expect_geq(killed_mid_run, 5, "%d kills hit a running worker", killed_mid_run);
	free(dir);
}

/* A full disk: the run that does not fit fails with a clear error; what was saved before is
 * intact, and no temporary file is left. Needs root to mount a small tmpfs. */
Test(record, a_full_disk_keeps_the_saved_runs, .timeout = 120)
{
	char *dir = tmpdir();
	char cmd[600];
	snprintf(cmd, sizeof(cmd), "mount -t tmpfs -o size=4m pp-record-test '%s' 2>/dev/null", dir);
	if (getuid() != 0 || system(cmd) != 0) {
		rmdir(dir);
		cr_skip_test("needs root to mount a small tmpfs (the atomic writes are tested above)");
	}
	char *out, *err;
	int rc = record(dir, "--workloads idle", &out, &err);
	cr_expect_eq(rc, 0, "%s", err);
	free(out);
	free(err);
	char *before = slurp(dir, "windows.csv"), *meta_before = slurp(dir, "meta.json");
	/* Shrink the disk to what is used plus a page: the next save cannot fit. */
	struct statvfs v;
	cr_assert_eq(statvfs(dir, &v), 0);
	unsigned long used_kib = (v.f_blocks - v.f_bfree) * v.f_frsize / 1024 + 4;
	snprintf(cmd, sizeof(cmd), "mount -o remount,size=%luk '%s'", used_kib, dir);
	cr_assert_eq(system(cmd), 0);
	rc = record(dir, "--workloads idle", &out, &err);
	cr_expect_eq(rc, 1, "a run that cannot be saved fails the recording");
	cr_expect(strstr(err, "No space left") && strstr(err, dir), "the reason and where: %s", err);
	char *after = slurp(dir, "windows.csv"), *meta_after = slurp(dir, "meta.json");
	cr_expect_str_eq(after, before, "the saved runs are intact");
	cr_expect_str_eq(meta_after, meta_before);
	DIR *d = opendir(dir);
	struct dirent *e;
	while ((e = readdir(d)))
		cr_expect(!strstr(e->d_name, ".tmp"), "temporary file left: %s", e->d_name);
	closedir(d);
	snprintf(cmd, sizeof(cmd), "umount '%s'", dir);
	cr_expect_eq(system(cmd), 0);
	rmdir(dir);
	free(before);
	free(after);
	free(meta_before);
	free(meta_after);
	free(out);
	free(err);
	free(dir);
}

Test(record, external_command_is_labelled, .timeout = 60)
{
	char *dir = tmpdir(), *err;
	int rc = record(dir, "--label miner --family testfam --name spinner -- sh -c "
			"'i=0; while [ $i -lt 300000 ]; do i=$((i+1)); done'", NULL, &err);
	cr_assert_eq(rc, 0, "%s", err);
	free(err);
	struct pp_dataset *ds;
	char why[512];
	cr_assert_eq(pp_dataset_read(dir, &ds, why, sizeof(why)), 0, "%s", why);
	cr_assert_geq(pp_dataset_nrows(ds), 1);
	const struct pp_dataset_row *r = pp_dataset_row(ds, 0);
	cr_assert_eq(r->label, PP_LABEL_MINER);
	cr_assert_str_eq(r->family, "testfam");
	cr_assert_str_eq(r->workload, "spinner");
	pp_dataset_free(ds);
	free(dir);
}

/* Progress goes to stderr with the run count and the time left when --progress asks for it,
 * and not at all when stderr is not a terminal (a pipe here) and nobody asked. */
Test(record, progress_counts_runs_and_time_left_when_asked, .timeout = 120)
{
	char *dir = tmpdir(), *err;
	int rc = record(dir, "--workloads idle --repeat 2 --progress", NULL, &err);
	cr_assert_eq(rc, 0, "%s", err);
	cr_expect(strstr(err, "[1/2] idle"), "no count for the first run: %s", err);
	cr_expect(strstr(err, "[2/2] idle"), "no count for the second run: %s", err);
	cr_expect(strstr(err, " left"), "no time left: %s", err);
	cr_expect_null(strstr(err, "\033["), "terminal codes in a pipe: %s", err);
	free(err);
	char *dir2 = tmpdir();
	rc = record(dir2, "--workloads idle --repeat 2", NULL, &err);
	cr_assert_eq(rc, 0, "%s", err);
	cr_expect_null(strstr(err, " left"), "progress in a pipe unasked: %s", err);
	cr_expect_null(strstr(err, "elapsed"), "progress in a pipe unasked: %s", err);
	free(err);
	free(dir);
	free(dir2);
}

Test(record, usage_errors)
{
	char *err;
	cr_assert_eq(pp_cli_run("record --workloads idle", NULL, &err), 2);
	cr_assert(strstr(err, "--output"), "%s", err);
	free(err);
	cr_assert_eq(pp_cli_run("record --output /tmp/x --workloads nosuch", NULL, &err), 2);
	cr_assert(strstr(err, "unknown workload 'nosuch'") && strstr(err, "idle"), "%s", err);
	free(err);
	cr_assert_eq(pp_cli_run("record --output /tmp/x -- true", NULL, &err), 2);
	cr_assert(strstr(err, "--label"), "%s", err);
	free(err);
	cr_assert_eq(pp_cli_run("record --output /tmp/x --duty 0", NULL, &err), 2);
	cr_assert(strstr(err, "--duty"), "%s", err);
	free(err);
}

Test(record, foreign_meta_json_is_refused)
{
	char *dir = tmpdir(), path[512], *err;
	snprintf(path, sizeof(path), "%s/meta.json", dir);
	cr_assert_eq(pp_file_write_atomic(path, "{\"hello\": 1}", 12), 0);
	char cmd[512];
	snprintf(cmd, sizeof(cmd), "record --workloads idle --seconds 1 --output %s", dir);
	cr_assert_eq(pp_cli_run(cmd, NULL, &err), 1);
	cr_assert(strstr(err, "not a powprint dataset"), "%s", err);
	free(err);
	char *s;
	size_t n;
	cr_assert_eq(pp_file_read(path, &s, &n), 0);
	cr_assert_str_eq(s, "{\"hello\": 1}", "the foreign file was overwritten");
	free(s);
	free(dir);
}

static int plan_of(const char *workloads, const char *threads, const char *duty,
		   const char *soft, uint64_t seed, struct rec_plan *p)
{
	struct pp_record_opts o = { .sz = sizeof(o), .workloads = workloads, .threads = threads,
				    .duty = duty, .soft_aes = soft, .seed = seed };
	char why[512];
	int err = rec_plan_build(&o, p, why, sizeof(why));
	cr_assert_eq(err, 0, "%s", why);
	return p->n;
}

Test(record, plan_expands_knobs_and_is_seeded)
{
	struct rec_plan a, b, c;
	/* cn/0 has the soft-aes knob: 2 threads x 3 duties x 2; sha256: 2 x 3; node-jit is one
	 * process: 1 x 3. */
	cr_assert_eq(plan_of("cn/0,sha256,node-jit", "1,2", "100,50,20", "off,on", 7, &a),
		     12 + 6 + 3);
	int soft = 0;
	for (int i = 0; i < a.n; i++) {
		soft += a.run[i].soft_aes;
		if (!strcmp(pp_workload_name(a.run[i].w), "node-jit"))
			cr_assert_eq(a.run[i].threads, 1);
		if (a.run[i].soft_aes)
			cr_assert_str_eq(pp_workload_name(a.run[i].w), "cn/0");
	}
	cr_assert_eq(soft, 6);
	plan_of("cn/0,sha256,node-jit", "1,2", "100,50,20", "off,on", 7, &b);
	plan_of("cn/0,sha256,node-jit", "1,2", "100,50,20", "off,on", 8, &c);
	bool same = true, differs = false;
	for (int i = 0; i < a.n; i++) {
		same &= a.run[i].w == b.run[i].w && a.run[i].threads == b.run[i].threads &&
			a.run[i].duty == b.run[i].duty && a.run[i].soft_aes == b.run[i].soft_aes;
		differs |= a.run[i].w != c.run[i].w || a.run[i].duty != c.run[i].duty ||
			   a.run[i].threads != c.run[i].threads;
	}
	cr_assert(same, "the same seed gave another order");
	cr_assert(differs, "another seed gave the same order");
	rec_plan_free(&a);
	rec_plan_free(&b);
	rec_plan_free(&c);
}

/* --huge-pages is a miners' knob like --soft-aes: cn/0 runs once per page policy, sha256
 * (no such option) once, and every run carries its policy; a bad list is refused. */
Test(record, plan_expands_huge_pages)
{
	struct pp_record_opts o = { .sz = sizeof(o), .workloads = "cn/0,sha256",
				    .huge_pages = "auto,off", .seed = 3 };
	struct rec_plan p;
	char why[512];
	cr_assert_eq(rec_plan_build(&o, &p, why, sizeof(why)), 0, "%s", why);
	cr_assert_eq(p.n, 3);
	int off = 0;
	for (int i = 0; i < p.n; i++) {
		bool miner = !strcmp(pp_workload_name(p.run[i].w), "cn/0");
		off += !strcmp(p.run[i].pages, "off");
		if (!miner)
			cr_assert_str_eq(p.run[i].pages, "auto");
	}
	cr_assert_eq(off, 1);
	rec_plan_free(&p);
	o.huge_pages = "auto,never";
	cr_assert_eq(rec_plan_build(&o, &p, why, sizeof(why)), -EINVAL);
	cr_assert(strstr(why, "auto, on and off"), "%s", why);
}

/* Shipped datasets are windows.csv.zst: the reader takes them as they are, the recorder
 * refuses to append to them (it would split the dataset in two files). */
Test(record, compressed_dataset_reads_and_refuses_appends, .timeout = 60)
{
	char *dir = tmpdir(), *err, path[512];
	cr_assert_eq(record(dir, "--workloads idle", NULL, &err), 0, "%s", err);
	free(err);
	struct pp_dataset *plain, *packed;
	char why[512];
	cr_assert_eq(pp_dataset_read(dir, &plain, why, sizeof(why)), 0, "%s", why);

	char *csv = slurp(dir, "windows.csv");
	size_t n = strlen(csv), cap = ZSTD_compressBound(n);
	char *z = malloc(cap);
	size_t zn = ZSTD_compress(z, cap, csv, n, 3);
	cr_assert(!ZSTD_isError(zn));
	snprintf(path, sizeof(path), "%s/windows.csv.zst", dir);
	cr_assert_eq(pp_file_write_atomic(path, z, zn), 0);
	snprintf(path, sizeof(path), "%s/windows.csv", dir);
	cr_assert_eq(unlink(path), 0);

	cr_assert_eq(pp_dataset_read(dir, &packed, why, sizeof(why)), 0, "%s", why);
	cr_assert_eq(pp_dataset_nrows(packed), pp_dataset_nrows(plain));
	int nf = pp_dataset_nfeatures(plain);
	for (int r = 0; r < pp_dataset_nrows(plain); r++)
		for (int j = 0; j < nf; j++) {
			double a = pp_dataset_features(plain, r)[j], b = pp_dataset_features(packed, r)[j];
			cr_assert(a == b || (a != a && b != b), "row %d feature %d: %g vs %g", r, j, a, b);
		}
	cr_assert_eq(record(dir, "--workloads idle", NULL, &err), 2);
	cr_assert(strstr(err, "compressed"), "%s", err);
	free(err);
	pp_dataset_free(plain);
	pp_dataset_free(packed);
	free(csv);
	free(z);
	free(dir);
}
