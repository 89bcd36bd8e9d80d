/* procfs: what /proc says about the target process: CPU split, faults, threads, memory and
 * huge pages, scheduler delay, context switches, I/O. Needs no perf_event_open at all. It
 * covers the target process (all its threads), not processes it starts. */
#include "fingerprint/collector.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define B "procfs"
#define SMAPS_EVERY 5              /* windows between smaps_rollup reads */

/* Per-thread cumulative values (threads come and go; deltas are per thread). */
struct task_vals {
	pid_t tid;
	uint64_t run_ns, wait_ns, slices, vol, invol;
};

struct proc_totals {
	bool ok;
	bool zombie;               /* exited: its levels (threads, RSS) no longer mean anything */
	uint64_t utime, stime, minflt, majflt; /* clock ticks / counts */
	long threads, rss_pages;
	bool io_ok;
	uint64_t rchar, wchar, syscr, syscw;
};

struct procfs_priv {
	pid_t pid;
	long tick_hz, page_kib;
	struct proc_totals prev;
	struct task_vals *tasks;   /* sorted by tid */
	int ntasks;
	unsigned windows;
	double ahp, htlb, lck;     /* last smaps_rollup levels, KiB */
};

/* Reads a small /proc file into buf; returns its length or a negative errno. */
static ssize_t slurp(const char *path, char *buf, size_t cap)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	size_t n = 0;
	while (n + 1 < cap) {
		ssize_t k = read(fd, buf + n, cap - 1 - n);
		if (k < 0) {
			if (errno == EINTR)
				continue;
			int e = -errno;
			close(fd);
			return e;
		}
		if (k == 0)
			break;
		n += (size_t)k;
	}
	close(fd);
	buf[n] = '\0';
	return (ssize_t)n;
}

/* Value of "Key:   123 kB" lines in status / smaps_rollup / io; -1 when absent. */
static long long keyval(const char *text, const char *key)
{
	size_t kl = strlen(key);
	for (const char *p = text; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL)
		if (strncmp(p, key, kl) == 0 && p[kl] == ':')
			return strtoll(p + kl + 1, NULL, 10);
	return -1;
}

static int read_totals(struct procfs_priv *p, struct proc_totals *t)
{
	char path[64], buf[4096];
	memset(t, 0, sizeof(*t));
	snprintf(path, sizeof(path), "/proc/%d/stat", (int)p->pid);
	ssize_t n = slurp(path, buf, sizeof(buf));
	if (n < 0)
		return (int)n == -ENOENT ? -ESRCH : (int)n;
	/* Fields after the command name, which may itself hold spaces and parentheses. */
	char *s = strrchr(buf, ')');
	if (!s)
		return -EBADMSG;
	unsigned long long f[40] = { 0 };
	int k = 0;
	char *save = NULL;
	for (char *tok = strtok_r(s + 2, " ", &save); tok && k < 40; tok = strtok_r(NULL, " ", &save))
		f[k++] = strtoull(tok, NULL, 10);
	if (k < 22)
		return -EBADMSG;
	/* f[0] is field 3 (state): field N is f[N - 3]. */
	t->minflt = f[7];
	t->majflt = f[9];
	t->utime = f[11];
	t->stime = f[12];
	t->threads = (long)f[17];
	t->rss_pages = (long)f[21];
	t->ok = true;
	t->zombie = s[2] == 'Z' || s[2] == 'X';

	snprintf(path, sizeof(path), "/proc/%d/io", (int)p->pid);
	if (slurp(path, buf, sizeof(buf)) > 0) {
		long long rc = keyval(buf, "rchar"), wc = keyval(buf, "wchar");
		long long sr = keyval(buf, "syscr"), sw = keyval(buf, "syscw");
		if (rc >= 0 && wc >= 0 && sr >= 0 && sw >= 0) {
			t->io_ok = true;
			t->rchar = (uint64_t)rc;
			t->wchar = (uint64_t)wc;
			t->syscr = (uint64_t)sr;
			t->syscw = (uint64_t)sw;
		}
	}
	return 0;
}

static int cmp_tid(const void *a, const void *b)
{
	pid_t x = ((const struct task_vals *)a)->tid, y = ((const struct task_vals *)b)->tid;
	return (x > y) - (x < y);
}

/* Every live thread's schedstat (run ns, runqueue wait ns, timeslices) and context switches. */
static int read_tasks(struct procfs_priv *p, struct task_vals **out, int *nout)
{
	char path[96], buf[4096];
	snprintf(path, sizeof(path), "/proc/%d/task", (int)p->pid);
	DIR *d = opendir(path);
	if (!d)
		return -errno;
	int n = 0, cap = 16;
	struct task_vals *v = malloc((size_t)cap * sizeof(*v));
	struct dirent *de;
	while (v && (de = readdir(d))) {
		if (de->d_name[0] < '0' || de->d_name[0] > '9')
			continue;
		if (n == cap) {
			cap *= 2;
			struct task_vals *nv = realloc(v, (size_t)cap * sizeof(*v));
			if (!nv) {
				free(v);
				v = NULL;
				break;
			}
			v = nv;
		}
		struct task_vals *t = &v[n];
		memset(t, 0, sizeof(*t));
		t->tid = (pid_t)atoi(de->d_name);
		snprintf(path, sizeof(path), "/proc/%d/task/%d/schedstat", (int)p->pid, (int)t->tid);
		if (slurp(path, buf, sizeof(buf)) <= 0)
			continue; /* exited meanwhile */
		unsigned long long run = 0, wait = 0, slices = 0;
		if (sscanf(buf, "%llu %llu %llu", &run, &wait, &slices) != 3)
			continue;
		t->run_ns = run;
		t->wait_ns = wait;
		t->slices = slices;
		snprintf(path, sizeof(path), "/proc/%d/task/%d/status", (int)p->pid, (int)t->tid);
		if (slurp(path, buf, sizeof(buf)) > 0) {
			long long vo = keyval(buf, "voluntary_ctxt_switches");
			long long iv = keyval(buf, "nonvoluntary_ctxt_switches");
			t->vol = vo > 0 ? (uint64_t)vo : 0;
			t->invol = iv > 0 ? (uint64_t)iv : 0;
		}
		n++;
	}
	closedir(d);
	if (!v)
		return -ENOMEM;
	qsort(v, (size_t)n, sizeof(*v), cmp_tid);
	*out = v;
	*nout = n;
	return 0;
}

static int procfs_probe(char *why, size_t len)
{
	char buf[256];
	ssize_t n = slurp("/proc/self/stat", buf, sizeof(buf));
	if (n <= 0) {
		snprintf(why, len, "/proc is not mounted or not readable (%s)",
			 strerror(n < 0 ? (int)-n : EIO));
		return n < 0 ? (int)n : -EIO;
	}
	return 0;
}

static int procfs_open(void *priv, struct pp_backend_ctx *ctx)
{
	struct procfs_priv *p = priv;
	p->pid = ctx->tgt->pid;
	p->tick_hz = sysconf(_SC_CLK_TCK);
	p->page_kib = sysconf(_SC_PAGESIZE) / 1024;
	int err = read_totals(p, &p->prev);
	if (!err)
		err = read_tasks(p, &p->tasks, &p->ntasks);
	if (err) {
		snprintf(ctx->why, ctx->why_len, "cannot read /proc/%d: %s", (int)p->pid,
			 strerror(-err));
		return err;
	}
	return 0;
}

static int procfs_enable(void *priv)
{
	(void)priv;
	return 0;
}

static double delta(uint64_t now, uint64_t before)
{
	return now >= before ? (double)(now - before) : 0.0;
}

static int procfs_read(void *priv, struct pp_window *w)
{
	struct procfs_priv *p = priv;
	struct proc_totals t;
	char path[64], buf[4096];
	int err = read_totals(p, &t);
	double tick = 1.0 / (double)p->tick_hz;
	bool ok = !err && t.ok;
	bool live = ok && !t.zombie;
	pp_window_add(w, B, "proc.threads", live ? (double)t.threads : NAN, 1, true);
	pp_window_add(w, B, "proc.utime_s", ok ? delta(t.utime, p->prev.utime) * tick : NAN, 1, false);
	pp_window_add(w, B, "proc.stime_s", ok ? delta(t.stime, p->prev.stime) * tick : NAN, 1, false);
	pp_window_add(w, B, "proc.minflt", ok ? delta(t.minflt, p->prev.minflt) : NAN, 1, false);
	pp_window_add(w, B, "proc.majflt", ok ? delta(t.majflt, p->prev.majflt) : NAN, 1, false);
	pp_window_add(w, B, "proc.rss_kib", live ? (double)(t.rss_pages * p->page_kib) : NAN, 1,
		      true);
	bool io = ok && t.io_ok && p->prev.io_ok;
	pp_window_add(w, B, "proc.rchar", io ? delta(t.rchar, p->prev.rchar) : NAN, 1, false);
	pp_window_add(w, B, "proc.wchar", io ? delta(t.wchar, p->prev.wchar) : NAN, 1, false);
	pp_window_add(w, B, "proc.syscr", io ? delta(t.syscr, p->prev.syscr) : NAN, 1, false);
	pp_window_add(w, B, "proc.syscw", io ? delta(t.syscw, p->prev.syscw) : NAN, 1, false);
	if (ok)
		p->prev = t;

	/* Threads: a thread seen for the first time counts from its start (it began within
	 * the window, or at worst just before it). */
	struct task_vals *cur = NULL;
	int ncur = 0;
	double run = NAN, wait = NAN, slices = NAN, vol = NAN, invol = NAN;
	if (read_tasks(p, &cur, &ncur) == 0 && ncur > 0) {
		run = wait = slices = vol = invol = 0;
		for (int i = 0; i < ncur; i++) {
			struct task_vals zero = { 0 }, *old = bsearch(&cur[i], p->tasks,
				(size_t)p->ntasks, sizeof(*p->tasks), cmp_tid);
			if (!old)
				old = &zero;
			run += delta(cur[i].run_ns, old->run_ns);
			wait += delta(cur[i].wait_ns, old->wait_ns);
			slices += delta(cur[i].slices, old->slices);
			vol += delta(cur[i].vol, old->vol);
			invol += delta(cur[i].invol, old->invol);
		}
		free(p->tasks);
		p->tasks = cur;
		p->ntasks = ncur;
	} else {
		free(cur);
	}
	pp_window_add(w, B, "proc.run_ns", run, 1, false);
	pp_window_add(w, B, "proc.wait_ns", wait, 1, false);
	pp_window_add(w, B, "proc.timeslices", slices, 1, false);
	pp_window_add(w, B, "proc.vol_ctx", vol, 1, false);
	pp_window_add(w, B, "proc.invol_ctx", invol, 1, false);

	/* Memory levels: smaps_rollup sums every mapping (kernel >= 4.14) by walking the page
	 * tables, which costs milliseconds for a 2 GiB RandomX dataset in 4 KiB pages. The
	 * levels change slowly: re-read them every SMAPS_EVERY windows. */
	if (!live) {
		p->ahp = p->htlb = p->lck = NAN;
	} else if (p->windows++ % SMAPS_EVERY == 0) {
		p->ahp = p->htlb = p->lck = NAN;
		snprintf(path, sizeof(path), "/proc/%d/smaps_rollup", (int)p->pid);
		if (slurp(path, buf, sizeof(buf)) > 0) {
			long long a = keyval(buf, "AnonHugePages");
			long long sh = keyval(buf, "Shared_Hugetlb"), ph = keyval(buf, "Private_Hugetlb");
			long long l = keyval(buf, "Locked");
			p->ahp = a >= 0 ? (double)a : NAN;
			p->htlb = sh >= 0 && ph >= 0 ? (double)(sh + ph) : NAN;
			p->lck = l >= 0 ? (double)l : NAN;
		}
	}
	pp_window_add(w, B, "proc.anon_huge_kib", p->ahp, 1, true);
	pp_window_add(w, B, "proc.hugetlb_kib", p->htlb, 1, true);
	pp_window_add(w, B, "proc.locked_kib", p->lck, 1, true);
	return 0;
}

static void procfs_close(void *priv)
{
	struct procfs_priv *p = priv;
	free(p->tasks);
	p->tasks = NULL;
}

const struct pp_backend_ops pp_backend_procfs = {
	.name = "procfs",
	.summary = "/proc: CPU split, faults, threads, RSS, huge pages, run delay, I/O",
	.probe = procfs_probe,
	.open = procfs_open,
	.enable = procfs_enable,
	.read = procfs_read,
	.close = procfs_close,
	.priv_size = sizeof(struct procfs_priv),
};
