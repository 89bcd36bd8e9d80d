/* ip-sample: a cpu-clock sampling event on every thread (user IPs by default) into mmap ring
 * buffers; each sampled IP's preceding code bytes are read with process_vm_readv and the
 * instruction that ends at the IP is classified (decode.h). Works without a PMU.
 *
 * Rings are per CPU: the kernel refuses to mmap inherited per-thread events, and inherit is
 * what covers threads created later. Every thread's event on CPU c writes to CPU c's ring. */
#define _GNU_SOURCE /* process_vm_readv, pipe2 */
#include "fingerprint/collector.h"
#include "fingerprint/decode.h"
#include "fingerprint/maps.h"

#include <powprint/perf.h>

#include <errno.h>
#include <fcntl.h>
#include <linux/perf_event.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/uio.h>
#include <unistd.h>

#define B "ip-sample"
#define MAX_PROCS 64               /* processes (target and inherited children) we map */
#define CACHE_CAP 16384            /* decoded IPs; cleared when 3/4 full */
#define READ_BATCH 512             /* iovecs per process_vm_readv */
#define TOP_N 16

struct ring {
	int fd;
	void *base;                /* metadata page, then the data area */
	size_t data_size;          /* a power of two */
	bool hup;                  /* its thread exited: no longer worth polling */
};

struct sample {
	uint64_t ip;
	uint32_t pid;
	uint32_t n;                /* after folding: samples at this (pid, ip) */
};

struct proc {
	pid_t pid;
	struct pp_maps maps;
	uint32_t gen;              /* bumped on every maps reload: invalidates cached IPs */
	uint32_t reloaded_window;  /* reload maps at most once per window */
	bool denied;               /* process_vm_readv refused: don't retry every window */
};

struct centry {
	uint64_t ip;
	uint64_t hash;             /* of the code bytes (JIT code changes under the same IP) */
	uint32_t pid, gen, window;
	uint8_t cls, used;
};

struct ips_priv {
	struct ring *rings;
	int nrings;
	int *fds;                  /* every event fd: tasks x CPUs */
	int nfds;
	struct pp_decoder *dec;
	struct sample *samp;
	size_t nsamp, capsamp;
	size_t resolved;           /* samp[0..resolved) are counted in the accumulators */
	uint64_t lost;
	double acc_cls[PP_IC_COUNT], acc_loc[PP_LOC_COUNT], acc_unreadable;
	struct proc procs[MAX_PROCS];
	int nprocs;
	uint32_t window;
	struct centry *cache;
	size_t ncache;
	bool warned_denied;
	void (*warn)(const struct pp_backend_ctx *ctx, const char *fmt, ...);
	struct pp_backend_ctx warn_ctx;
};

static size_t page_size(void)
{
	return (size_t)sysconf(_SC_PAGESIZE);
}

static void sample_attr(struct perf_event_attr *a, unsigned hz, bool kernel, size_t data_size)
{
	memset(a, 0, sizeof(*a));
	a->type = PERF_TYPE_SOFTWARE;
	a->config = PERF_COUNT_SW_CPU_CLOCK;
	/* cpu-clock is an hrtimer: a period in ns is exact, freq mode would only convert it. */
	a->sample_period = 1000000000ull / (hz ? hz : PP_SAMPLE_HZ_DEFAULT);
	a->sample_type = PERF_SAMPLE_IP | PERF_SAMPLE_TID;
	a->exclude_kernel = !kernel;
	a->exclude_hv = 1;
	a->disabled = 1;
	a->watermark = 1;
	a->wakeup_watermark = (uint32_t)(data_size / 2);
}

/* Online CPUs from sysfs ("0-3,8-11"); falls back to 0..n-1. */
static int online_cpus(int **out)
{
	long n = sysconf(_SC_NPROCESSORS_CONF);
	if (n < 1)
		n = 1;
	int *cpus = malloc((size_t)n * sizeof(*cpus)), k = 0;
	if (!cpus)
		return -ENOMEM;
	FILE *f = fopen("/sys/devices/system/cpu/online", "re");
	if (f) {
		int a, b;
		char sep;
		while (k < n && fscanf(f, "%d", &a) == 1) {
			b = a;
			if (fscanf(f, "%c", &sep) == 1 && sep == '-') {
				if (fscanf(f, "%d", &b) != 1)
					break;
				if (fscanf(f, "%c", &sep) != 1)
					sep = '\n';
			}
			for (int c = a; c <= b && k < n; c++)
				cpus[k++] = c;
			if (sep != ',')
				break;
		}
		fclose(f);
	}
	if (k == 0)
		for (; k < n; k++)
			cpus[k] = k;
	*out = cpus;
	return k;
}

static size_t ring_data_size(unsigned hz)
{
	/* ~0.5 s of samples at this rate per CPU (24 bytes each), at least 8 pages; the
	 * watermark wakes the collector at half full, long before anything is lost. */
	size_t want = (size_t)hz * 24 / 2, sz = 8 * page_size();
	while (sz < want && sz < 256 * page_size())
		sz *= 2;
	return sz;
}

static int map_ring(struct ring *r, int fd, size_t data_size)
{
	void *base = mmap(NULL, page_size() + data_size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (base == MAP_FAILED)
		return -errno;
	r->fd = fd;
	r->base = base;
	r->data_size = data_size;
	return 0;
}

static int ips_probe(char *why, size_t len)
{
	struct pp_decoder *d;
	int err = pp_decoder_new(pp_isa_native(), &d);
	if (err) {
		snprintf(why, len, "the instruction decoder failed to start: %s", strerror(-err));
		return err;
	}
	pp_decoder_free(d);

	struct perf_event_attr a;
	size_t ds = 8 * page_size();
	sample_attr(&a, PP_SAMPLE_HZ_DEFAULT, false, ds);
	int fd = pp_perf_open(&a, 0, -1, -1, PERF_FLAG_FD_CLOEXEC);
	if (fd < 0)
		return pp_perf_why(fd, 0, "the cpu-clock sampling event", why, len);
	struct ring r;
	err = map_ring(&r, fd, ds);
	if (err) {
		close(fd);
		snprintf(why, len, "cannot map a perf ring buffer: %s (perf_event_mlock_kb or "
			 "RLIMIT_MEMLOCK too small?)", strerror(-err));
		return err;
	}
	munmap(r.base, page_size() + ds);
	close(fd);

	/* Reading code needs process_vm_readv, which container seccomp profiles may block. */
	uint8_t buf[8];
	struct iovec l = { buf, sizeof(buf) }, rm = { (void *)(uintptr_t)ips_probe, sizeof(buf) };
	if (process_vm_readv(getpid(), &l, 1, &rm, 1, 0) < 0) {
		err = -errno;
		snprintf(why, len, "process_vm_readv does not work here (%s): a seccomp profile "
			 "(containers) may block it; allow it or grant CAP_SYS_PTRACE",
			 strerror(errno));
		return err;
	}
	return 0;
}

static void close_all(struct ips_priv *p)
{
	for (int i = 0; i < p->nrings; i++)
		if (p->rings[i].base)
			munmap(p->rings[i].base, page_size() + p->rings[i].data_size);
	for (int i = 0; i < p->nfds; i++)
		close(p->fds[i]);
	free(p->rings);
	free(p->fds);
	p->rings = NULL;
	p->fds = NULL;
	p->nrings = p->nfds = 0;
}

static int ips_open(void *priv, struct pp_backend_ctx *ctx)
{
	struct ips_priv *p = priv;
	const struct pp_target *t = ctx->tgt;
	int *cpus = NULL;
	int ncpu = online_cpus(&cpus);
	if (ncpu < 0)
		return ncpu;
	int err = pp_decoder_new(pp_isa_native(), &p->dec);
	if (err) {
		free(cpus);
		snprintf(ctx->why, ctx->why_len, "the instruction decoder failed to start");
		return err;
	}
	p->cache = calloc(CACHE_CAP, sizeof(*p->cache));
	p->rings = calloc((size_t)ncpu, sizeof(*p->rings));
	p->fds = malloc((size_t)ncpu * (size_t)t->ntids * sizeof(*p->fds));
	if (!p->cache || !p->rings || !p->fds) {
		free(cpus);
		return -ENOMEM;
	}
	p->warn = ctx->warn;
	p->warn_ctx = *ctx;
	p->warn_ctx.why = NULL;
	size_t ds = ring_data_size(ctx->opts->sample_hz);
	struct perf_event_attr a;
	sample_attr(&a, ctx->opts->sample_hz, ctx->opts->kernel, ds);
	a.inherit = 1;

	int tasks_done = 0;
	for (int k = 0; k < t->ntids; k++) {
		int opened_before = p->nfds;
		for (int c = 0; c < ncpu; c++) {
			int fd = pp_perf_open(&a, t->tids[k], cpus[c], -1, PERF_FLAG_FD_CLOEXEC);
			if (fd == -ENODEV)
				continue; /* CPU went offline */
			if (fd < 0) {
				err = fd;
				break;
			}
			p->fds[p->nfds++] = fd;
			struct ring *r = &p->rings[c];
			if (!r->base) {
				err = map_ring(r, fd, ds);
				if (err) {
					snprintf(ctx->why, ctx->why_len,
						 "cannot map a perf ring buffer: %s (raise "
						 "kernel.perf_event_mlock_kb or RLIMIT_MEMLOCK)",
						 strerror(-err));
					break;
				}
				p->nrings = c + 1 > p->nrings ? c + 1 : p->nrings;
			} else if (ioctl(fd, PERF_EVENT_IOC_SET_OUTPUT, r->fd) < 0) {
				err = -errno;
				snprintf(ctx->why, ctx->why_len, "cannot share CPU %d's ring: %s",
					 cpus[c], strerror(errno));
				break;
			}
		}
		if (!err) {
			tasks_done++;
			continue;
		}
		/* Undo this task's partial set: a thread is monitored on all CPUs or none. */
		while (p->nfds > opened_before) {
			int fd = p->fds[--p->nfds];
			for (int c = 0; c < ncpu; c++)
				if (p->rings[c].base && p->rings[c].fd == fd) {
					munmap(p->rings[c].base, page_size() + ds);
					p->rings[c].base = NULL;
				}
			close(fd);
		}
		if (err == -ESRCH && k + 1 < t->ntids) {
			err = 0;
			continue; /* exited meanwhile */
		}
		if ((err == -EMFILE || err == -ENFILE) && tasks_done > 0) {
			/* Give half back: /proc reads and the other backends need descriptors. */
			int keep = (tasks_done + 1) / 2, per_task = p->nfds / tasks_done;
			while (p->nfds > keep * per_task)
				close(p->fds[--p->nfds]); /* ring owners are the first task's */
			ctx->warn(ctx, "ip-sample: out of file descriptors: sampling %d of %d threads "
				  "(raise the limit with ulimit -n)", keep, t->ntids);
			err = 0;
			break;
		}
		if (err && ctx->why[0] == '\0')
			pp_perf_why(err, t->tids[k], "the cpu-clock sampling event", ctx->why,
				    ctx->why_len);
		break;
	}
	free(cpus);
	if (err) {
		close_all(p);
		return err;
	}
	return 0;
}

static int ips_enable(void *priv)
{
	struct ips_priv *p = priv;
	for (int i = 0; i < p->nfds; i++)
		if (ioctl(p->fds[i], PERF_EVENT_IOC_ENABLE, 0) < 0)
			return -errno;
	return 0;
}

static void add_sample(struct ips_priv *p, uint64_t ip, uint32_t pid)
{
	if (p->nsamp == p->capsamp) {
		size_t cap = p->capsamp ? 2 * p->capsamp : 4096;
		struct sample *ns = realloc(p->samp, cap * sizeof(*ns));
		if (!ns) {
			p->lost++;
			return;
		}
		p->samp = ns;
		p->capsamp = cap;
	}
	p->samp[p->nsamp++] = (struct sample){ .ip = ip, .pid = pid, .n = 1 };
}

/* Moves every complete record out of one ring. */
static void drain(struct ips_priv *p, struct ring *r)
{
	struct perf_event_mmap_page *meta = r->base;
	const uint8_t *data = (const uint8_t *)r->base + page_size();
	uint64_t head = __atomic_load_n(&meta->data_head, __ATOMIC_ACQUIRE);
	uint64_t tail = meta->data_tail;
	uint64_t mask = r->data_size - 1;
	uint8_t rec[64];
	while (tail + sizeof(struct perf_event_header) <= head) {
		struct perf_event_header h;
		for (size_t i = 0; i < sizeof(h); i++)
			((uint8_t *)&h)[i] = data[(tail + i) & mask];
		if (h.size < sizeof(h) || tail + h.size > head)
			break;
		size_t n = h.size < sizeof(rec) ? h.size : sizeof(rec);
		for (size_t i = 0; i < n; i++) /* copy: a record may wrap around the end */
			rec[i] = data[(tail + i) & mask];
		if (h.type == PERF_RECORD_SAMPLE && n >= sizeof(h) + 16) {
			uint64_t ip;
			uint32_t pid;
			memcpy(&ip, rec + sizeof(h), 8);
			memcpy(&pid, rec + sizeof(h) + 8, 4);
			add_sample(p, ip, pid);
		} else if (h.type == PERF_RECORD_LOST && n >= sizeof(h) + 16) {
			uint64_t lost;
			memcpy(&lost, rec + sizeof(h) + 8, 8);
			p->lost += lost;
		}
		tail += h.size;
	}
	__atomic_store_n(&meta->data_tail, tail, __ATOMIC_RELEASE);
}

static void classify(struct ips_priv *p, struct sample *s0, size_t n);
static size_t fold(struct sample *s, size_t n);

/* Drains the rings and classifies the new samples at once, while the target still runs: once
 * it exits, its memory can no longer be read. */
static void ips_service(void *priv)
{
	struct ips_priv *p = priv;
	for (int i = 0; i < p->nrings; i++) {
		struct ring *r = &p->rings[i];
		if (!r->base)
			continue;
		drain(p, r);
		if (!r->hup) {
			struct pollfd pf = { .fd = r->fd, .events = POLLIN };
			if (poll(&pf, 1, 0) > 0 && (pf.revents & (POLLHUP | POLLERR)))
				r->hup = true;
		}
	}
	size_t n = p->nsamp - p->resolved;
	if (!n)
		return;
	struct sample *tmp = malloc(n * sizeof(*tmp));
	if (!tmp)
		return; /* try again at the next service */
	memcpy(tmp, p->samp + p->resolved, n * sizeof(*tmp));
	classify(p, tmp, fold(tmp, n));
	free(tmp);
	p->resolved = p->nsamp;
}

static int ips_pollfds(void *priv, struct pollfd *fds, int max)
{
	struct ips_priv *p = priv;
	int n = 0;
	for (int i = 0; i < p->nrings && n < max; i++)
		if (p->rings[i].base && !p->rings[i].hup)
			fds[n++] = (struct pollfd){ .fd = p->rings[i].fd, .events = POLLIN };
	return n;
}

static int cmp_sample(const void *a, const void *b)
{
	const struct sample *x = a, *y = b;
	if (x->pid != y->pid)
		return x->pid < y->pid ? -1 : 1;
	return (x->ip > y->ip) - (x->ip < y->ip);
}

static void reload_maps(struct ips_priv *p, struct proc *pr);

static struct proc *get_proc(struct ips_priv *p, pid_t pid)
{
	for (int i = 0; i < p->nprocs; i++)
		if (p->procs[i].pid == pid)
			return &p->procs[i];
	struct proc *pr;
	if (p->nprocs < MAX_PROCS) {
		pr = &p->procs[p->nprocs++];
	} else { /* forget the oldest short-lived child */
		pr = &p->procs[1 + p->window % (MAX_PROCS - 1)];
		pp_maps_free(&pr->maps);
	}
	memset(pr, 0, sizeof(*pr));
	pr->pid = pid;
	reload_maps(p, pr);
	return pr;
}

static uint64_t hash_bytes(const uint8_t *b, size_t n)
{
	uint64_t h = 1469598103934665603ull; /* FNV-1a */
	for (size_t i = 0; i < n; i++)
		h = (h ^ b[i]) * 1099511628211ull;
	return h;
}

static struct centry *cache_slot(struct ips_priv *p, uint32_t pid, uint64_t ip)
{
	uint64_t h = (ip ^ ((uint64_t)pid << 40)) * 0x9e3779b97f4a7c15ull;
	size_t i = (size_t)(h >> 40) & (CACHE_CAP - 1);
	for (;;) {
		struct centry *e = &p->cache[i];
		if (!e->used || (e->ip == ip && e->pid == pid))
			return e;
		i = (i + 1) & (CACHE_CAP - 1);
	}
}

/* One distinct (pid, ip) of the window, waiting for its class. */
struct pending {
	struct sample *s;
	struct proc *pr;
	const struct pp_map *map;
	size_t back;               /* code bytes before the IP we can read */
	uint8_t loc, cls;
};

/* The process has gone (a zombie has no memory left): read file-backed code from the file. */
static void read_from_files(struct pending *pd, int n, uint8_t (*code)[PP_DECODE_BACK], bool *ok)
{
	const char *open_path = NULL;
	int fd = -1;
	for (int j = 0; j < n; j++) {
		const struct pp_map *m = pd[j].map;
		if (ok[j] || !pd[j].back || !m->path)
			continue;
		if (!open_path || strcmp(open_path, m->path) != 0) {
			if (fd >= 0)
				close(fd);
			fd = open(m->path, O_RDONLY | O_CLOEXEC);
			open_path = m->path;
		}
		off_t at = (off_t)(m->offset + (pd[j].s->ip - pd[j].back - m->start));
		if (fd >= 0 && pread(fd, code[j], pd[j].back, at) == (ssize_t)pd[j].back)
			ok[j] = true;
	}
	if (fd >= 0)
		close(fd);
}

/* Reads the code before each pending IP of one process, in batches; marks unreadable ones. */
static void read_code(struct ips_priv *p, struct pending *pd, int n, uint8_t (*code)[PP_DECODE_BACK],
		      bool *ok)
{
	struct iovec l[READ_BATCH], r[READ_BATCH];
	int i = 0;
	memset(ok, 0, (size_t)n * sizeof(*ok));
	while (i < n) {
		int k = 0;
		int idx[READ_BATCH];
		for (int j = i; j < n && k < READ_BATCH; j++) {
			ok[j] = false;
			if (!pd[j].back || pd[j].pr->denied)
				continue;
			l[k] = (struct iovec){ code[j], pd[j].back };
			r[k] = (struct iovec){ (void *)(uintptr_t)(pd[j].s->ip - pd[j].back), pd[j].back };
			idx[k++] = j;
			i = j + 1;
		}
		if (!k)
			break;
		int done = 0;
		while (done < k) {
			ssize_t got = process_vm_readv(pd[0].pr->pid, l + done, (unsigned long)(k - done),
						       r + done, (unsigned long)(k - done), 0);
			if (got < 0) {
				if (errno == EPERM || errno == EACCES) {
					pd[0].pr->denied = true;
					if (!p->warned_denied) {
						char why[512];
						pp_ptrace_why(-errno, pd[0].pr->pid, why, sizeof(why));
						p->warn(&p->warn_ctx, "ip-sample: %s", why);
						p->warned_denied = true;
					}
					return;
				}
				if (errno == ESRCH) {
					read_from_files(pd, n, code, ok);
					return;
				}
				done++; /* EFAULT on the first element: skip it */
				continue;
			}
			/* Whole elements only: the first short one failed. */
			while (done < k && got >= (ssize_t)l[done].iov_len) {
				got -= (ssize_t)l[done].iov_len;
				ok[idx[done]] = true;
				done++;
			}
			if (done < k)
				done++; /* unreadable element */
		}
	}
}

/* Sorts by (pid, ip) and folds duplicates into counts; returns the number of distinct IPs. */
static size_t fold(struct sample *s, size_t n)
{
	size_t k = 0;
	qsort(s, n, sizeof(*s), cmp_sample);
	for (size_t i = 0; i < n; i++) {
		if (k && s[k - 1].ip == s[i].ip && s[k - 1].pid == s[i].pid)
			s[k - 1].n += s[i].n;
		else
			s[k++] = s[i];
	}
	return k;
}

/* Hot-IP concentration over folded samples: the top 16 IPs' samples, and the entropy (bits)
 * of the IP histogram. */
static void concentration(const struct sample *s, size_t n, double total, double *top,
			  double *entropy)
{
	uint32_t best[TOP_N] = { 0 };
	double h = 0;
	for (size_t i = 0; i < n; i++) {
		uint32_t c = s[i].n;
		double q = c / total;
		h -= q * log2(q);
		for (int j = 0; j < TOP_N; j++)
			if (c > best[j]) {
				memmove(best + j + 1, best + j, (TOP_N - 1 - j) * sizeof(*best));
				best[j] = c;
				break;
			}
	}
	double topsum = 0;
	for (int j = 0; j < TOP_N; j++)
		topsum += best[j];
	*top = topsum;
	*entropy = n ? h : NAN;
}

/* Re-reads a process's maps; a zombie has none left, so keep the last ones: cached IPs in
 * them still resolve after the target exits. */
static void reload_maps(struct ips_priv *p, struct proc *pr)
{
	struct pp_maps fresh = { 0 };
	pr->reloaded_window = p->window;
	if (pp_maps_read(pr->pid, &fresh) == 0 && fresh.n > 0) {
		pp_maps_free(&pr->maps);
		pr->maps = fresh;
		pr->gen++;
	} else {
		pp_maps_free(&fresh);
	}
}

/* Classifies folded samples s[0..n) into the window's accumulators. */
static void classify(struct ips_priv *p, struct sample *s0, size_t n)
{
	double *cls = p->acc_cls, *loc = p->acc_loc, *unreadable = &p->acc_unreadable;
	if (p->ncache > CACHE_CAP * 3 / 4) {
		memset(p->cache, 0, CACHE_CAP * sizeof(*p->cache));
		p->ncache = 0;
	}
	struct pending *pd = malloc(n * sizeof(*pd));
	uint8_t(*code)[PP_DECODE_BACK] = malloc(n * PP_DECODE_BACK);
	bool *ok = malloc(n);
	if (!pd || !code || !ok) {
		free(pd);
		free(code);
		free(ok);
		for (size_t i = 0; i < n; i++)
			*unreadable += s0[i].n;
		return;
	}
	int np = 0;
	for (size_t i = 0; i < n; i++) {
		struct sample *s = &s0[i];
		struct proc *pr = get_proc(p, (pid_t)s->pid);
		const struct pp_map *m = pp_maps_find(&pr->maps, s->ip);
		if (!m && pr->reloaded_window != p->window) { /* new code since we looked */
			reload_maps(p, pr);
			m = pp_maps_find(&pr->maps, s->ip);
		}
		enum pp_loc l = m ? m->loc : PP_LOC_UNMAPPED;
		loc[l] += s->n;
		if (!m) {
			*unreadable += s->n;
			continue;
		}
		struct centry *e = cache_slot(p, s->pid, s->ip);
		if (e->used && e->gen == pr->gen && (l != PP_LOC_JIT || e->window == p->window)) {
			cls[e->cls] += s->n;
			continue;
		}
		size_t back = s->ip - m->start;
		pd[np++] = (struct pending){ s, pr, m, back < PP_DECODE_BACK ? back : PP_DECODE_BACK,
					     (uint8_t)l, 0 };
	}

	/* Pending IPs are sorted by pid: read each process's code in batches. */
	for (int i = 0; i < np;) {
		int j = i;
		while (j < np && pd[j].pr == pd[i].pr)
			j++;
		read_code(p, pd + i, j - i, code + i, ok + i);
		for (int k = i; k < j; k++) {
			struct sample *s = pd[k].s;
			if (!ok[k] && pd[k].back) {
				*unreadable += s->n;
				continue;
			}
			uint64_t hb = hash_bytes(code[k], pd[k].back);
			struct centry *e = cache_slot(p, s->pid, s->ip);
			enum pp_iclass c;
			if (e->used && e->gen == pd[k].pr->gen && e->hash == hb)
				c = e->cls; /* JIT code unchanged since an earlier window */
			else
				c = pd[k].back ? pp_decode_ending_at(p->dec, code[k], pd[k].back, NULL)
					       : PP_IC_UNDECODABLE; /* IP at a mapping's start */
			if (!e->used) {
				if (p->ncache >= CACHE_CAP * 7 / 8) { /* full until the next window */
					cls[c] += s->n;
					continue;
				}
				p->ncache++;
			}
			*e = (struct centry){ .ip = s->ip, .hash = hb, .pid = s->pid,
					      .gen = pd[k].pr->gen, .window = p->window,
					      .cls = (uint8_t)c, .used = 1 };
			cls[c] += s->n;
		}
		i = j;
	}
	free(pd);
	free(code);
	free(ok);
}

static int ips_read(void *priv, struct pp_window *w)
{
	struct ips_priv *p = priv;
	ips_service(p);
	double *cls = p->acc_cls, *loc = p->acc_loc, unreadable = p->acc_unreadable;
	double top = 0, entropy = NAN, distinct = 0;
	if (p->nsamp) {
		size_t n = fold(p->samp, p->nsamp);
		distinct = (double)n;
		concentration(p->samp, n, (double)p->nsamp, &top, &entropy);
	}

	char name[56];
	pp_window_add(w, B, "ip.samples", (double)p->nsamp, 1, false);
	pp_window_add(w, B, "ip.lost", (double)p->lost, 1, false);
	for (int c = 0; c < PP_IC_COUNT; c++) {
		snprintf(name, sizeof(name), "ip.cls.%s", pp_iclass_name((enum pp_iclass)c));
		pp_window_add(w, B, name, cls[c], 1, false);
	}
	pp_window_add(w, B, "ip.cls.unreadable", unreadable, 1, false);
	for (int l = 0; l < PP_LOC_COUNT; l++) {
		snprintf(name, sizeof(name), "ip.loc.%s", pp_loc_name((enum pp_loc)l));
		pp_window_add(w, B, name, loc[l], 1, false);
	}
	pp_window_add(w, B, "ip.top16", top, 1, false);
	pp_window_add(w, B, "ip.entropy_bits", entropy, 1, true);
	pp_window_add(w, B, "ip.distinct", distinct, 1, false);
	p->nsamp = p->resolved = 0;
	p->lost = 0;
	memset(p->acc_cls, 0, sizeof(p->acc_cls));
	memset(p->acc_loc, 0, sizeof(p->acc_loc));
	p->acc_unreadable = 0;
	p->window++;
	return 0;
}

static void ips_close(void *priv)
{
	struct ips_priv *p = priv;
	close_all(p);
	for (int i = 0; i < p->nprocs; i++)
		pp_maps_free(&p->procs[i].maps);
	pp_decoder_free(p->dec);
	free(p->samp);
	free(p->cache);
}

const struct pp_backend_ops pp_backend_ip_sample = {
	.name = "ip-sample",
	.summary = "sampled user IPs decoded into instruction classes, JIT/file/vdso shares",
	.probe = ips_probe,
	.open = ips_open,
	.enable = ips_enable,
	.read = ips_read,
	.close = ips_close,
	.priv_size = sizeof(struct ips_priv),
	.pollfds = ips_pollfds,
	.service = ips_service,
};
