/* procfs: what /proc says about the target process: CPU split, faults, threads, memory and
 * huge pages, scheduler delay, context switches, I/O. Needs no perf_event_open at all. It
 * covers the target process (all its threads), not processes it starts.
 *
 * Cheap enough to run on dozens of processes every second: the files are kept open and
 * re-read with pread at offset 0 (the kernel regenerates them; an open fd also keeps naming
 * the same process if its pid is reused), buffers live in the backend, and smaps_rollup, the
 * one expensive file, is read only when the memory levels may have moved. */
#define _GNU_SOURCE /* openat */
#include "fingerprint/collect/collector.h"
#include "fingerprint/collect/backends/procfs-parse.h"

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
/* smaps_rollup walks every page table of the process (milliseconds for a 2 GiB RandomX
 * dataset in 4 KiB pages) for levels that change slowly: it is re-read when RSS has moved by
 * 1/SMAPS_RSS_SHIFT of what it was at the last read and by SMAPS_RSS_MIN_KIB (a small
 * process's heap breathes by more than 1/8), but at most every SMAPS_MIN_WINDOWS and at least
 * every SMAPS_MAX_WINDOWS windows; in between the last levels are carried forward. */
#define SMAPS_MIN_WINDOWS 5
#define SMAPS_MAX_WINDOWS 30
#define SMAPS_RSS_SHIFT 3
#define SMAPS_RSS_MIN_KIB 8192
#define KEEP_TASKS 8               /* threads whose files stay open (2 fds each) */
#define BUF_SIZE 4096

/* Per-thread cumulative values (threads come and go; deltas are per thread). */
struct task_vals {
	pid_t tid;
	int sched_fd, status_fd;   /* kept open, or -1 */
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
	int stat_fd, io_fd;        /* -1 until opened */
	DIR *task_dir;             /* /proc/PID/task, rewound every window */
	struct proc_totals prev;
	struct task_vals *tasks;   /* sorted by tid */
	int ntasks;
	struct task_vals *cur;     /* the next listing: swapped with tasks after each read */
	int cap;                   /* of both arrays */
	int kept;                  /* tasks with open files */
	unsigned windows;
	unsigned smaps_window;     /* window of the last smaps_rollup read */
	long smaps_rss_pages;      /* RSS then */
	bool smaps_read;           /* levels below come from a read (else none yet) */
	double ahp, htlb, lck;     /* last smaps_rollup levels, KiB */
	char buf[BUF_SIZE];
};

static void close_fd(int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}

/* Re-reads an open /proc file from its start into buf; its length or a negative errno. A
 * /proc file reads short only at its end: no second call to see 0. */
static ssize_t reread(int fd, char *buf, size_t cap)
{
	size_t n = 0;
	while (n + 1 < cap) {
		ssize_t k = pread(fd, buf + n, cap - 1 - n, (off_t)n);
		if (k < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		n += (size_t)k;
		if (k == 0 || (size_t)k < cap - 1 - (n - (size_t)k))
			break;
	}
	buf[n] = '\0';
	return (ssize_t)n;
}

/* Opens (once) and reads /proc/PID/name; a failed open is tried again next time. */
static ssize_t read_kept(struct procfs_priv *p, int *fd, const char *name)
{
	if (*fd < 0) {
		char path[64];
		snprintf(path, sizeof(path), "/proc/%d/%s", (int)p->pid, name);
		*fd = open(path, O_RDONLY | O_CLOEXEC);
		if (*fd < 0)
			return errno == ENOENT ? -ESRCH : -errno;
	}
	return reread(*fd, p->buf, sizeof(p->buf));
}

/* Reads a small /proc file once (open, read, close); its length or a negative errno. */
static ssize_t read_once(int dirfd, const char *path, char *buf, size_t cap)
{
	int fd = openat(dirfd, path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	ssize_t n = reread(fd, buf, cap);
	close(fd);
	return n;
}

static int read_totals(struct procfs_priv *p, struct proc_totals *t)
{
	memset(t, 0, sizeof(*t));
	ssize_t n = read_kept(p, &p->stat_fd, "stat");
	if (n == 0)
		n = -ESRCH; /* reaped: the open file reads nothing */
	if (n < 0)
		return (int)n == -ENOENT ? -ESRCH : (int)n;
	struct pp_procfs_stat st;
	int err = pp_procfs_stat_parse(p->buf, &st);
	if (err)
		return err;
	t->minflt = st.minflt;
	t->majflt = st.majflt;
	t->utime = st.utime;
	t->stime = st.stime;
	t->threads = st.threads;
	t->rss_pages = st.rss_pages;
	t->ok = true;
	t->zombie = st.zombie;

	struct pp_procfs_io io;
	if (read_kept(p, &p->io_fd, "io") > 0 && pp_procfs_io_parse(p->buf, &io) == 0) {
		t->io_ok = true;
		t->rchar = io.rchar;
		t->wchar = io.wchar;
		t->syscr = io.syscr;
		t->syscw = io.syscw;
	}
	return 0;
}

static int cmp_tid(const void *a, const void *b)
{
	pid_t x = ((const struct task_vals *)a)->tid, y = ((const struct task_vals *)b)->tid;
	return (x > y) - (x < y);
}

static void close_task(struct procfs_priv *p, struct task_vals *t)
{
	if (t->sched_fd >= 0 || t->status_fd >= 0)
		p->kept--;
	close_fd(&t->sched_fd);
	close_fd(&t->status_fd);
}

/* One thread's schedstat and context switches, through its kept files if it has them. */
static bool read_task(struct procfs_priv *p, struct task_vals *t)
{
	int dfd = dirfd(p->task_dir);
	char path[48];
	ssize_t n;
	if (t->sched_fd < 0 && p->kept < KEEP_TASKS) {
		snprintf(path, sizeof(path), "%d/schedstat", (int)t->tid);
		t->sched_fd = openat(dfd, path, O_RDONLY | O_CLOEXEC);
		snprintf(path, sizeof(path), "%d/status", (int)t->tid);
		t->status_fd = t->sched_fd >= 0 ? openat(dfd, path, O_RDONLY | O_CLOEXEC) : -1;
		if (t->sched_fd >= 0)
			p->kept++;
	}
	if (t->sched_fd >= 0) {
		n = reread(t->sched_fd, p->buf, sizeof(p->buf));
	} else {
		snprintf(path, sizeof(path), "%d/schedstat", (int)t->tid);
		n = read_once(dfd, path, p->buf, sizeof(p->buf));
	}
	if (n <= 0)
		return false; /* exited meanwhile */
	if (pp_procfs_schedstat_parse(p->buf, &t->run_ns, &t->wait_ns, &t->slices))
		return false;
	if (t->status_fd >= 0) {
		n = reread(t->status_fd, p->buf, sizeof(p->buf));
	} else {
		snprintf(path, sizeof(path), "%d/status", (int)t->tid);
		n = read_once(dfd, path, p->buf, sizeof(p->buf));
	}
	t->vol = t->invol = 0;
	if (n > 0)
		pp_procfs_ctxt_parse(p->buf, &t->vol, &t->invol);
	return true;
}

/* Every live thread's schedstat (run ns, runqueue wait ns, timeslices) and context switches
 * into p->cur (sorted by tid); a thread listed before keeps its open files. threads: what
 * /proc/PID/stat says now. */
static int read_tasks(struct procfs_priv *p, long threads)
{
	/* Single-threaded then and now, with the leader as its thread: no need to list again. */
	if (threads == 1 && p->ntasks == 1 && p->tasks[0].tid == p->pid && p->cap >= 1) {
		p->cur[0] = p->tasks[0];
		p->tasks[0].sched_fd = p->tasks[0].status_fd = -1;
		if (read_task(p, &p->cur[0]))
			return 1;
		close_task(p, &p->cur[0]);
		return 0;
	}
	if (!p->task_dir) {
		char path[64];
		snprintf(path, sizeof(path), "/proc/%d/task", (int)p->pid);
		p->task_dir = opendir(path);
		if (!p->task_dir)
			return -errno;
	} else {
		rewinddir(p->task_dir);
	}
	int n = 0;
	struct dirent *de;
	errno = 0;
	while ((de = readdir(p->task_dir))) {
		if (de->d_name[0] < '0' || de->d_name[0] > '9')
			continue;
		if (n == p->cap) {
			int cap = p->cap ? 2 * p->cap : 16;
			struct task_vals *a = realloc(p->cur, (size_t)cap * sizeof(*a));
			if (!a)
				return -ENOMEM;
			p->cur = a;
			a = realloc(p->tasks, (size_t)cap * sizeof(*a));
			if (!a)
				return -ENOMEM;
			p->tasks = a;
			p->cap = cap;
		}
		struct task_vals *t = &p->cur[n];
		*t = (struct task_vals){ .tid = (pid_t)atoi(de->d_name), .sched_fd = -1,
					 .status_fd = -1 };
		n++;
	}
	if (errno && !n)
		return -errno; /* the process is gone: its task directory lists nothing */
	if (n > 1)
		qsort(p->cur, (size_t)n, sizeof(*p->cur), cmp_tid);
	/* Hand the open files of threads still listed over to the new listing. */
	for (int i = 0; i < n; i++) {
		struct task_vals *old = bsearch(&p->cur[i], p->tasks, (size_t)p->ntasks,
						sizeof(*p->tasks), cmp_tid);
		if (old) {
			p->cur[i].sched_fd = old->sched_fd;
			p->cur[i].status_fd = old->status_fd;
			old->sched_fd = old->status_fd = -1;
		}
	}
	int live = 0;
	for (int i = 0; i < n; i++) {
		if (read_task(p, &p->cur[i]))
			p->cur[live++] = p->cur[i];
		else
			close_task(p, &p->cur[i]);
	}
	return live;
}

static int procfs_probe(char *why, size_t len)
{
	char buf[256];
	ssize_t n = read_once(AT_FDCWD, "/proc/self/stat", buf, sizeof(buf));
	if (n <= 0) {
		snprintf(why, len, "/proc is not mounted or not readable (%s)",
			 strerror(n < 0 ? (int)-n : EIO));
		return n < 0 ? (int)n : -EIO;
	}
	return 0;
}

static void procfs_close(void *priv);

static int procfs_open(void *priv, struct pp_backend_ctx *ctx)
{
	struct procfs_priv *p = priv;
	p->pid = ctx->tgt->pid;
	p->stat_fd = p->io_fd = -1;
	p->tick_hz = sysconf(_SC_CLK_TCK);
	p->page_kib = sysconf(_SC_PAGESIZE) / 1024;
	int err = read_totals(p, &p->prev);
	int n = err ? 0 : read_tasks(p, 0);
	if (!err && n < 0)
		err = n;
	if (err) {
		snprintf(ctx->why, ctx->why_len, "cannot read /proc/%d: %s", (int)p->pid,
			 strerror(-err));
		procfs_close(p);
		return err;
	}
	struct task_vals *t = p->tasks;
	p->tasks = p->cur;
	p->cur = t;
	p->ntasks = n;
	return 0;
}

static int procfs_enable(void *priv, bool on)
{
	(void)priv;
	(void)on;
	return 0;
}

static double delta(uint64_t now, uint64_t before)
{
	return now >= before ? (double)(now - before) : 0.0;
}

/* Sums the deltas of the new listing against the last one, then makes it the last one. */
static void task_deltas(struct procfs_priv *p, int ncur, double *run, double *wait,
			double *slices, double *vol, double *invol)
{
	*run = *wait = *slices = *vol = *invol = 0;
	for (int i = 0; i < ncur; i++) {
		struct task_vals zero = { 0 }, *old = bsearch(&p->cur[i], p->tasks,
			(size_t)p->ntasks, sizeof(*p->tasks), cmp_tid);
		if (!old)
			old = &zero;
		*run += delta(p->cur[i].run_ns, old->run_ns);
		*wait += delta(p->cur[i].wait_ns, old->wait_ns);
		*slices += delta(p->cur[i].slices, old->slices);
		*vol += delta(p->cur[i].vol, old->vol);
		*invol += delta(p->cur[i].invol, old->invol);
	}
	/* Threads gone since the last listing: their files go with them. */
	for (int i = 0; i < p->ntasks; i++)
		close_task(p, &p->tasks[i]);
	struct task_vals *t = p->tasks;
	p->tasks = p->cur;
	p->cur = t;
	p->ntasks = ncur;
}

/* Whether this window re-reads smaps_rollup (see SMAPS_MIN_WINDOWS). */
static bool smaps_due(const struct procfs_priv *p, long rss_pages)
{
	if (!p->smaps_read)
		return true;
	unsigned age = p->windows - p->smaps_window;
	if (age >= SMAPS_MAX_WINDOWS)
		return true;
	if (age < SMAPS_MIN_WINDOWS)
		return false;
	long moved = rss_pages - p->smaps_rss_pages;
	if (moved < 0)
		moved = -moved;
	return moved >= p->smaps_rss_pages >> SMAPS_RSS_SHIFT &&
	       moved * p->page_kib >= SMAPS_RSS_MIN_KIB;
}

static void read_smaps(struct procfs_priv *p, long rss_pages)
{
	p->ahp = p->htlb = p->lck = NAN;
	p->smaps_read = true;
	p->smaps_window = p->windows;
	p->smaps_rss_pages = rss_pages;
	/* smaps_rollup sums every mapping (kernel >= 4.14). Read seldom: not worth an fd. */
	char path[64];
	snprintf(path, sizeof(path), "/proc/%d/smaps_rollup", (int)p->pid);
	if (read_once(AT_FDCWD, path, p->buf, sizeof(p->buf)) <= 0)
		return;
	pp_procfs_smaps_parse(p->buf, &p->ahp, &p->htlb, &p->lck);
}

static int procfs_read(void *priv, struct pp_window *w)
{
	struct procfs_priv *p = priv;
	struct proc_totals t;
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
	double run = NAN, wait = NAN, slices = NAN, vol = NAN, invol = NAN;
	int ncur = read_tasks(p, ok ? t.threads : 0);
	if (ncur > 0)
		task_deltas(p, ncur, &run, &wait, &slices, &vol, &invol);
	pp_window_add(w, B, "proc.run_ns", run, 1, false);
	pp_window_add(w, B, "proc.wait_ns", wait, 1, false);
	pp_window_add(w, B, "proc.timeslices", slices, 1, false);
	pp_window_add(w, B, "proc.vol_ctx", vol, 1, false);
	pp_window_add(w, B, "proc.invol_ctx", invol, 1, false);

	/* Memory levels from smaps_rollup, carried forward between reads (SMAPS_MIN_WINDOWS). */
	if (!live) {
		p->ahp = p->htlb = p->lck = NAN;
		p->smaps_read = false;
	} else if (smaps_due(p, t.rss_pages)) {
		read_smaps(p, t.rss_pages);
	}
	p->windows++;
	pp_window_add(w, B, "proc.anon_huge_kib", p->ahp, 1, true);
	pp_window_add(w, B, "proc.hugetlb_kib", p->htlb, 1, true);
	pp_window_add(w, B, "proc.locked_kib", p->lck, 1, true);
	return 0;
}

static void procfs_close(void *priv)
{
	struct procfs_priv *p = priv;
	for (int i = 0; i < p->ntasks; i++)
		close_task(p, &p->tasks[i]);
	free(p->tasks);
	free(p->cur);
	p->tasks = p->cur = NULL;
	p->ntasks = p->cap = 0;
	if (p->task_dir)
		closedir(p->task_dir);
	p->task_dir = NULL;
	close_fd(&p->stat_fd);
	close_fd(&p->io_fd);
}

/* The raw counts this backend puts in a window (the backend table, backends.c). */
const char *const pp_backend_procfs_counts[] = {
	"proc.threads", "proc.utime_s", "proc.stime_s", "proc.minflt", "proc.majflt",
	"proc.rss_kib", "proc.rchar", "proc.wchar", "proc.syscr", "proc.syscw",
	"proc.run_ns", "proc.wait_ns", "proc.timeslices", "proc.vol_ctx", "proc.invol_ctx",
	"proc.anon_huge_kib", "proc.hugetlb_kib", "proc.locked_kib",
	NULL,
};

const struct pp_backend_ops pp_backend_procfs = {
	.name = "procfs",
	.summary = "/proc: CPU split, faults, threads, RSS, huge pages, run delay, I/O",
	.priv_size = sizeof(struct procfs_priv),
	.probe = procfs_probe, .open = procfs_open, .enable = procfs_enable, .read = procfs_read,
	.close = procfs_close,
};
