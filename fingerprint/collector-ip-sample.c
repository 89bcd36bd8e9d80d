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

/* One distinct (pid, IP) of the current window: samples are counted here as they are
 * drained, so the per-sample cost is one hash probe; classes are looked up per distinct IP. */
struct wslot {
	uint64_t ip;
	uint32_t pid;
	uint32_t n;                /* samples; 0 = empty slot */
	uint8_t done;              /* cls and loc are known */
	uint8_t cls;               /* enum pp_iclass, or CLS_UNREADABLE */
	uint8_t loc;               /* enum pp_loc */
};
#define CLS_UNREADABLE 255

struct proc {
	pid_t pid;
	struct pp_maps maps;
	uint32_t gen;              /* bumped on every maps reload: invalidates cached IPs */
	uint32_t reloaded_window;  /* reload maps at most once per window */
	bool denied;               /* process_vm_readv refused: don't retry every window */
	uint32_t batch;            /* last classify_pending batch that used it */
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
	struct wslot *wtab;        /* this window's distinct IPs, open addressing */
	size_t wcap, wused;        /* wcap a power of two */
	uint64_t nsamp;            /* samples this window */
	uint64_t *pend;            /* wtab slots not yet classified (indices) */
	size_t npend, cappend;
	uint64_t lost;
	struct proc procs[MAX_PROCS];
	int nprocs;
	uint32_t batch;            /* classify_pending calls, from 1 */
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
	/* Room for ~2.5 s of samples per CPU (24 bytes each): the watermark (half full) then
	 * wakes the collector about once every 1.3 s of CPU time, so most windows are drained
	 * only at their end. Every wake-up is a context switch: they are the collector's main
	 * cost. */
	size_t want = (size_t)hz * 24 * 5 / 2, sz = 8 * page_size();
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
		if (err == -EOPNOTSUPP)
			snprintf(why, len, "no instruction decoder for this CPU architecture "
				 "(x86-64 and AArch64 only)");
		else
			snprintf(why, len, "the instruction decoder failed to start: %s",
				 strerror(-err));
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

static void ips_close(void *priv);

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
		ips_close(p);
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
		ips_close(p); /* the collector frees priv but calls close only after a good open */
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

static size_t wslot_hash(uint64_t ip, uint32_t pid, size_t cap)
{
	uint64_t h = (ip ^ ((uint64_t)pid << 40)) * 0x9e3779b97f4a7c15ull;
	return (size_t)(h >> 32) & (cap - 1);
}

static bool wtab_grow(struct ips_priv *p)
{
	size_t cap = p->wcap ? 2 * p->wcap : 1024;
	struct wslot *t = calloc(cap, sizeof(*t));
	if (!t)
		return false;
	for (size_t i = 0; i < p->wcap; i++) {
		if (!p->wtab[i].n)
			continue;
		size_t j = wslot_hash(p->wtab[i].ip, p->wtab[i].pid, cap);
		while (t[j].n)
			j = (j + 1) & (cap - 1);
		t[j] = p->wtab[i];
	}
	free(p->wtab);
	p->wtab = t;
	p->wcap = cap;
	p->npend = 0; /* indices moved: find the unclassified slots again */
	for (size_t i = 0; i < cap; i++)
		if (t[i].n && !t[i].done && p->npend < p->cappend)
			p->pend[p->npend++] = i;
	return true;
}

static void add_sample(struct ips_priv *p, uint64_t ip, uint32_t pid)
{
	if ((p->wused + 1) * 2 > p->wcap || p->npend == p->cappend) {
		if (p->npend == p->cappend) {
			size_t c = p->cappend ? 2 * p->cappend : 1024;
			uint64_t *np = realloc(p->pend, c * sizeof(*np));
			if (!np) {
				p->lost++;
				return;
			}
			p->pend = np;
			p->cappend = c;
		}
		if ((p->wused + 1) * 2 > p->wcap && !wtab_grow(p)) {
			p->lost++;
			return;
		}
	}
	size_t i = wslot_hash(ip, pid, p->wcap);
	while (p->wtab[i].n && (p->wtab[i].ip != ip || p->wtab[i].pid != pid))
		i = (i + 1) & (p->wcap - 1);
	struct wslot *e = &p->wtab[i];
	if (!e->n) {
		*e = (struct wslot){ .ip = ip, .pid = pid };
		p->wused++;
		p->pend[p->npend++] = i;
	}
	e->n++;
	p->nsamp++;
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

static void classify_pending(struct ips_priv *p);

/* Drains the rings and classifies the new IPs (at each window's end, and when a ring is half
 * full). fds: this backend's poll results, or NULL. */
static void ips_service(void *priv, const struct pollfd *fds, int nfds)
{
	struct ips_priv *p = priv;
	for (int i = 0; i < p->nrings; i++)
		if (p->rings[i].base)
			drain(p, &p->rings[i]);
	/* A ring's thread has exited: polling it would return at once, forever. */
	for (int k = 0; fds && k < nfds; k++)
		if (fds[k].revents & (POLLHUP | POLLERR))
			for (int i = 0; i < p->nrings; i++)
				if (p->rings[i].base && p->rings[i].fd == fds[k].fd)
					p->rings[i].hup = true;
	classify_pending(p);
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

static void reload_maps(struct ips_priv *p, struct proc *pr);

/* The process record of pid, mapped. A record the current batch uses is never recycled, since
 * the batch holds pointers into its maps; NULL when every slot is in use by this batch. */
static struct proc *get_proc(struct ips_priv *p, pid_t pid)
{
	for (int i = 0; i < p->nprocs; i++)
		if (p->procs[i].pid == pid) {
			p->procs[i].batch = p->batch;
			return &p->procs[i];
		}
	struct proc *pr = NULL;
	if (p->nprocs < MAX_PROCS) {
		pr = &p->procs[p->nprocs++];
	} else { /* forget an older short-lived child (slot 0 is the target itself) */
		for (int k = 0; k < MAX_PROCS - 1 && !pr; k++) {
			struct proc *c = &p->procs[1 + (p->window + (uint32_t)k) % (MAX_PROCS - 1)];
			if (c->batch != p->batch)
				pr = c;
		}
		if (!pr)
			return NULL;
		pp_maps_free(&pr->maps);
	}
	memset(pr, 0, sizeof(*pr));
	pr->pid = pid;
	pr->batch = p->batch;
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

/* A distinct IP of the window whose code must be read. */
struct pending {
	struct wslot *e;
	struct proc *pr;
	const struct pp_map *map;
	size_t back;               /* code bytes before the IP we can read */
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
		off_t at = (off_t)(m->offset + (pd[j].e->ip - pd[j].back - m->start));
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
			r[k] = (struct iovec){ (void *)(uintptr_t)(pd[j].e->ip - pd[j].back), pd[j].back };
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

static int cmp_pending(const void *a, const void *b)
{
	pid_t x = ((const struct pending *)a)->pr->pid, y = ((const struct pending *)b)->pr->pid;
	return (x > y) - (x < y);
}

static void set_class(struct ips_priv *p, struct wslot *e, struct proc *pr, uint64_t hash,
		      enum pp_iclass c)
{
	e->cls = (uint8_t)c;
	e->done = 1;
	struct centry *ce = cache_slot(p, e->pid, e->ip);
	if (!ce->used) {
		if (p->ncache >= CACHE_CAP * 7 / 8)
			return; /* full until the next window clears it */
		p->ncache++;
	}
	*ce = (struct centry){ .ip = e->ip, .hash = hash, .pid = e->pid, .gen = pr->gen,
			       .window = p->window, .cls = (uint8_t)c, .used = 1 };
}

/* Gives every new IP of the window its location and class: from the cache when the code is
 * known (file-backed code, or JIT code seen this window), else by reading and decoding it. */
static void classify_pending(struct ips_priv *p)
{
	if (!p->npend)
		return;
	struct pending *pd = malloc(p->npend * sizeof(*pd));
	int np = 0;
	p->batch++;
	/* First every map reload this batch needs: a reload frees the maps that pending entries
	 * would otherwise point into. */
	for (size_t k = 0; k < p->npend; k++) {
		struct wslot *e = &p->wtab[p->pend[k]];
		if (e->done || !e->n)
			continue;
		struct proc *pr = get_proc(p, (pid_t)e->pid);
		if (pr && !pp_maps_find(&pr->maps, e->ip) && pr->reloaded_window != p->window)
			reload_maps(p, pr); /* new code since we looked */
	}
	for (size_t k = 0; k < p->npend; k++) {
		struct wslot *e = &p->wtab[p->pend[k]];
		if (e->done || !e->n)
			continue;
		struct proc *pr = get_proc(p, (pid_t)e->pid);
		const struct pp_map *m = pr ? pp_maps_find(&pr->maps, e->ip) : NULL;
		e->loc = (uint8_t)(m ? m->loc : PP_LOC_UNMAPPED);
		if (!m) {
			e->cls = CLS_UNREADABLE;
			e->done = 1;
			continue;
		}
		struct centry *ce = cache_slot(p, e->pid, e->ip);
		if (ce->used && ce->gen == pr->gen &&
		    (m->loc != PP_LOC_JIT || ce->window == p->window)) {
			e->cls = ce->cls;
			e->done = 1;
			continue;
		}
		if (!pd) { /* no memory: try again at the next service */
			e->done = 0;
			continue;
		}
		size_t back = e->ip - m->start;
		pd[np++] = (struct pending){ e, pr, m, back < PP_DECODE_BACK ? back : PP_DECODE_BACK };
	}
	p->npend = 0;
	if (!pd)
		return;

	uint8_t(*code)[PP_DECODE_BACK] = malloc((size_t)(np ? np : 1) * PP_DECODE_BACK);
	bool *ok = malloc((size_t)(np ? np : 1));
	if (!code || !ok) {
		for (int k = 0; k < np; k++) {
			pd[k].e->cls = CLS_UNREADABLE;
			pd[k].e->done = 1;
		}
		np = 0;
	}
	qsort(pd, (size_t)np, sizeof(*pd), cmp_pending);
	for (int i = 0; i < np;) { /* one process at a time: process_vm_readv is per pid */
		int j = i;
		while (j < np && pd[j].pr == pd[i].pr)
			j++;
		read_code(p, pd + i, j - i, code + i, ok + i);
		for (int k = i; k < j; k++) {
			struct wslot *e = pd[k].e;
			if (!ok[k] && pd[k].back) {
				e->cls = CLS_UNREADABLE;
				e->done = 1;
				continue;
			}
			uint64_t hb = hash_bytes(code[k], pd[k].back);
			struct centry *ce = cache_slot(p, e->pid, e->ip);
			enum pp_iclass c;
			if (ce->used && ce->gen == pd[k].pr->gen && ce->hash == hb)
				c = ce->cls; /* JIT code unchanged since an earlier window */
			else if (pd[k].back)
				c = pp_decode_ending_at(p->dec, code[k], pd[k].back, NULL);
			else
				c = PP_IC_UNDECODABLE; /* IP at a mapping's start */
			set_class(p, e, pd[k].pr, hb, c);
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
	ips_service(p, NULL, 0);
	if (p->ncache > CACHE_CAP * 3 / 4) { /* between windows: no cache pointers are held */
		memset(p->cache, 0, CACHE_CAP * sizeof(*p->cache));
		p->ncache = 0;
	}

	/* Classes, locations, and hot-IP concentration: the 16 most sampled IPs' share and the
	 * entropy (bits) of the IP histogram. */
	double cls[PP_IC_COUNT] = { 0 }, loc[PP_LOC_COUNT] = { 0 }, unreadable = 0;
	double total = (double)p->nsamp, h = 0, distinct = 0, top = 0;
	uint32_t best[TOP_N] = { 0 };
	for (size_t i = 0; i < p->wcap; i++) {
		const struct wslot *e = &p->wtab[i];
		if (!e->n)
			continue;
		distinct++;
		if (!e->done || e->cls == CLS_UNREADABLE)
			unreadable += e->n;
		else
			cls[e->cls] += e->n;
		loc[e->done ? e->loc : PP_LOC_UNMAPPED] += e->n;
		double q = e->n / total;
		h -= q * log2(q);
		for (int j = 0; j < TOP_N; j++)
			if (e->n > best[j]) {
				memmove(best + j + 1, best + j, (TOP_N - 1 - j) * sizeof(*best));
				best[j] = e->n;
				break;
			}
	}
	for (int j = 0; j < TOP_N; j++)
		top += best[j];
	double entropy = p->nsamp ? h : NAN;

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
	if (p->wtab)
		memset(p->wtab, 0, p->wcap * sizeof(*p->wtab));
	p->wused = 0;
	p->nsamp = 0;
	p->npend = 0;
	p->lost = 0;
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
	free(p->wtab);
	free(p->pend);
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
