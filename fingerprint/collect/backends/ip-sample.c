/* ip-sample: a cpu-clock sampling event on every thread (user IPs by default) into mmap ring
 * buffers; each sampled IP's preceding code bytes are read with process_vm_readv and the
 * instruction that ends at the IP is classified (decode.h). Works without a PMU.
 *
 * Rings are per CPU: the kernel refuses to mmap inherited per-thread events, and inherit is
 * what covers threads created later. Every thread's event on CPU c writes to CPU c's ring. */
#define _GNU_SOURCE /* process_vm_readv, pipe2 */
#include "fingerprint/collect/collector.h"
#include "fingerprint/collect/decode/decode.h"
#include "fingerprint/collect/maps.h"

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
#define READ_PAGES 16              /* code pages per process_vm_readv */
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
	uint32_t gen;              /* maps_gen when cls and loc were found */
	uint8_t done;              /* cls and loc are known */
	uint8_t cls;               /* enum pp_iclass, or CLS_UNREADABLE */
	uint8_t loc;               /* enum pp_loc */
	uint8_t carry;             /* cls, loc and gen come from the last window's table */
};
#define CLS_UNREADABLE 255

/* Distinct IPs of a window, open addressing; occ marks the slots in use, so they are visited
 * (in table order) and cleared without scanning or sorting. */
struct wtable {
	struct wslot *slot;
	uint64_t *occ;             /* cap bits */
	size_t cap, used;          /* cap a power of two (or 0) */
};

struct proc {
	pid_t pid;
	struct pp_maps maps;
	uint32_t reloaded_window;  /* reload maps at most once per window */
	bool denied;               /* process_vm_readv refused: don't retry every window */
	uint32_t batch;            /* last classify_pending batch that used it */
};

/* A distinct IP of the window whose class is not cached: its code must be read. */
struct pending {
	struct wslot *e;
	struct proc *pr;
	const struct pp_map *map;
	size_t back;               /* code bytes before the IP we can read */
	struct pp_icache_key key;
	uint32_t read_id;          /* the read of process memory that gave its bytes; 0: a file */
};

struct ips_priv {
	struct ring *rings;
	int nrings;
	int *fds;                  /* every event fd: tasks x CPUs */
	int nfds;
	struct pp_decoder *dec;
	size_t page;               /* page size */
	struct wtable cur;         /* this window's distinct IPs */
	struct wtable prev;        /* the last window's: classes carried over (classify_pending) */
	uint32_t maps_gen;         /* bumped by every maps reload */
	uint64_t nsamp;            /* samples this window */
	uint64_t *pend;            /* cur slots not yet classified (indices) */
	size_t npend, cappend;
	uint64_t lost;
	struct proc procs[MAX_PROCS];
	int nprocs;
	uint32_t batch;            /* classify_pending calls, from 1 */
	uint32_t window;
	struct pp_ip_cache *cache; /* shared (opts.ip_cache) or own_cache */
	bool own_cache;
	bool poll_rings;           /* a ring cannot hold a window: drain it when half full */
	uint32_t owner;            /* our id in the cache */
	struct pending *pd;        /* classify_pending's work, kept between batches */
	uint8_t (*code)[PP_DECODE_BACK];
	bool *ok;
	size_t cappd;
	bool warned_denied;
	void (*warn)(const struct pp_backend_ctx *ctx, const char *fmt, ...);
	struct pp_backend_ctx warn_ctx;
};

static size_t page_size(void)
{
	return (size_t)sysconf(_SC_PAGESIZE);
}

/* The kernel wakes a poller every `wakeup` bytes written, drained or not. */
static void sample_attr(struct perf_event_attr *a, unsigned hz, bool kernel, size_t wakeup)
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
	a->wakeup_watermark = (uint32_t)wakeup;
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

/* Data size of each CPU's ring; *fits says whether it holds a whole window. */
static size_t ring_data_size(unsigned hz, unsigned interval_ms, bool *fits)
{
	/* A CPU's ring gets at most hz samples (24 bytes each) per second, whatever the threads:
	 * room for a window and a quarter of them means the window's end drains it in time, and
	 * nothing needs to wake the collector before (each wake-up is a context switch, the
	 * biggest cost of a quiet window). A power of two, 8 pages at least: 32 KiB per CPU at
	 * the default rate and window, not more (the agent maps one per CPU for every process
	 * it watches). Past 256 pages the ring is polled and drained when half full. */
	size_t want = (size_t)hz * 24 * interval_ms / 1000 * 5 / 4, sz = 8 * page_size();
	while (sz < want && sz < 256 * page_size())
		sz *= 2;
	*fits = sz >= want;
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
	struct ring r = { .fd = -1 };
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
	p->cache = ctx->opts->ip_cache;
	if (!p->cache) {
		if (pp_ip_cache_new(0, &p->cache))
			p->cache = NULL;
		p->own_cache = p->cache != NULL;
	}
	p->owner = p->cache ? pp_icache_owner_new(p->cache) : 0;
	p->rings = calloc((size_t)ncpu, sizeof(*p->rings));
	p->fds = malloc((size_t)ncpu * (size_t)t->ntids * sizeof(*p->fds));
	if (!p->cache || !p->rings || !p->fds) {
		free(cpus);
		ips_close(p);
		return -ENOMEM;
	}
	p->page = page_size();
	p->warn = ctx->warn;
	p->warn_ctx = *ctx;
	p->warn_ctx.why = NULL;
	bool fits;
	size_t ds = ring_data_size(ctx->opts->sample_hz, ctx->opts->interval_ms, &fits);
	p->poll_rings = !fits;
	struct perf_event_attr a;
	sample_attr(&a, ctx->opts->sample_hz, ctx->opts->kernel, fits ? ds : ds / 2);
	a.inherit = 1;
	a.inherit_thread = ctx->opts->threads_only;

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

static int ips_enable(void *priv, bool on)
{
	struct ips_priv *p = priv;
	for (int i = 0; i < p->nfds; i++)
		if (ioctl(p->fds[i], on ? PERF_EVENT_IOC_ENABLE : PERF_EVENT_IOC_DISABLE, 0) < 0)
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
	struct wtable *w = &p->cur;
	size_t cap = w->cap ? 2 * w->cap : 1024;
	struct wslot *t = calloc(cap, sizeof(*t));
	uint64_t *occ = calloc(cap / 64, sizeof(*occ));
	if (!t || !occ) {
		free(t);
		free(occ);
		return false;
	}
	for (size_t i = 0; i < w->cap; i++) {
		if (!w->slot[i].n)
			continue;
		size_t j = wslot_hash(w->slot[i].ip, w->slot[i].pid, cap);
		while (t[j].n)
			j = (j + 1) & (cap - 1);
		t[j] = w->slot[i];
		occ[j / 64] |= 1ull << (j % 64);
	}
	free(w->slot);
	free(w->occ);
	w->slot = t;
	w->occ = occ;
	w->cap = cap;
	p->npend = 0; /* indices moved: find the unclassified slots again */
	for (size_t i = 0; i < cap; i++)
		if (t[i].n && !t[i].done && p->npend < p->cappend)
			p->pend[p->npend++] = i;
	return true;
}

/* The slot of (ip, pid) in t, or NULL. */
static const struct wslot *wtab_find(const struct wtable *t, uint64_t ip, uint32_t pid)
{
	if (!t->used)
		return NULL;
	size_t i = wslot_hash(ip, pid, t->cap);
	while (t->slot[i].n) {
		if (t->slot[i].ip == ip && t->slot[i].pid == pid)
			return &t->slot[i];
		i = (i + 1) & (t->cap - 1);
	}
	return NULL;
}

/* Makes the empty table t hold cap slots (when it holds fewer and memory allows). */
static void wtab_fit(struct wtable *t, size_t cap)
{
	if (t->cap >= cap)
		return;
	struct wslot *slot = calloc(cap, sizeof(*slot));
	uint64_t *occ = calloc(cap / 64, sizeof(*occ));
	if (!slot || !occ) {
		free(slot);
		free(occ);
		return;
	}
	free(t->slot);
	free(t->occ);
	t->slot = slot;
	t->occ = occ;
	t->cap = cap;
}

/* Empties t, visiting only the slots in use. */
static void wtab_clear(struct wtable *t)
{
	for (size_t k = 0; k < t->cap / 64; k++) {
		for (uint64_t b = t->occ[k]; b; b &= b - 1)
			t->slot[k * 64 + (size_t)__builtin_ctzll(b)] = (struct wslot){ 0 };
		t->occ[k] = 0;
	}
	t->used = 0;
}

static void add_sample(struct ips_priv *p, uint64_t ip, uint32_t pid)
{
	struct wtable *w = &p->cur;
	if ((w->used + 1) * 2 > w->cap || p->npend == p->cappend) {
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
		if ((w->used + 1) * 2 > w->cap && !wtab_grow(p)) {
			p->lost++;
			return;
		}
	}
	size_t i = wslot_hash(ip, pid, w->cap);
	while (w->slot[i].n && (w->slot[i].ip != ip || w->slot[i].pid != pid))
		i = (i + 1) & (w->cap - 1);
	struct wslot *e = &w->slot[i];
	if (!e->n) {
		*e = (struct wslot){ .ip = ip, .pid = pid };
		w->occ[i / 64] |= 1ull << (i % 64);
		w->used++;
		p->pend[p->npend++] = i;
	}
	e->n++;
	p->nsamp++;
}

/* Moves every complete record out of one ring. */
static void drain(struct ips_priv *p, struct ring *r)
{
	struct perf_event_mmap_page *meta = r->base;
	const uint8_t *data = (const uint8_t *)r->base + p->page;
	uint64_t head = __atomic_load_n(&meta->data_head, __ATOMIC_ACQUIRE);
	uint64_t tail = meta->data_tail;
	uint64_t mask = r->data_size - 1;
	uint8_t wrapped[64];
	while (tail + sizeof(struct perf_event_header) <= head) {
		struct perf_event_header h;
		size_t at = (size_t)(tail & mask);
		const uint8_t *rec = data + at;
		if (at + sizeof(wrapped) > r->data_size) { /* it may wrap around the end: copy */
			for (size_t i = 0; i < sizeof(wrapped); i++)
				wrapped[i] = data[(tail + i) & mask];
			rec = wrapped;
		}
		memcpy(&h, rec, sizeof(h));
		if (h.size < sizeof(h) || tail + h.size > head)
			break;
		size_t n = h.size < sizeof(wrapped) ? h.size : sizeof(wrapped);
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
	for (int i = 0; i < p->nrings && n < max && p->poll_rings; i++)
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

/* Slot of page pg among the np pages of a read, or -1. */
static int page_slot(const uint64_t *pages, int np, uint64_t pg)
{
	for (int i = np - 1; i >= 0; i--)
		if (pages[i] == pg)
			return i;
	return -1;
}

/* Reads whole pages of one process into buf (one process_vm_readv for up to READ_PAGES of
 * them: hot code is dense, so a page serves many IPs, and each iovec costs a page pinning);
 * pok[i] says whether pages[i] was readable. 0, or -ESRCH / -EPERM from the kernel. */
static int read_pages(struct ips_priv *p, struct proc *pr, const uint64_t *pages, int np,
		      uint8_t *buf, bool *pok)
{
	size_t ps = p->page;
	struct iovec l[READ_PAGES], r[READ_PAGES];
	for (int i = 0; i < np; i++) {
		l[i] = (struct iovec){ buf + (size_t)i * ps, ps };
		r[i] = (struct iovec){ (void *)(uintptr_t)(pages[i] * ps), ps };
		pok[i] = false;
	}
	int done = 0;
	while (done < np) {
		ssize_t got = process_vm_readv(pr->pid, l + done, (unsigned long)(np - done), r + done,
					       (unsigned long)(np - done), 0);
		if (got < 0) {
			if (errno == EPERM || errno == EACCES) {
				pr->denied = true;
				if (!p->warned_denied) {
					char why[512];
					pp_ptrace_why(-errno, pr->pid, why, sizeof(why));
					p->warn(&p->warn_ctx, "ip-sample: %s", why);
					p->warned_denied = true;
				}
				return -EPERM;
			}
			if (errno == ESRCH)
				return -ESRCH;
			done++; /* EFAULT on the first page: skip it */
			continue;
		}
		/* Whole pages only: the first short one failed. */
		while (done < np && got >= (ssize_t)ps) {
			got -= (ssize_t)ps;
			pok[done++] = true;
		}
		if (done < np)
			done++; /* unreadable page */
	}
	return 0;
}

/* Reads the code before each pending IP of one process (sorted by IP), a few pages at a time;
 * ok[j] says whether code[j] holds pd[j]'s bytes. */
static void read_code(struct ips_priv *p, struct pending *pd, int n, uint8_t (*code)[PP_DECODE_BACK],
		      bool *ok)
{
	size_t ps = p->page;
	struct proc *pr = pd[0].pr;
	uint8_t *buf = pp_icache_scratch(p->cache, READ_PAGES * ps);
	memset(ok, 0, (size_t)n * sizeof(*ok));
	for (int k = 0; k < n; k++)
		pd[k].read_id = 0;
	if (!buf)
		return;
	for (int i = 0; i < n && !pr->denied;) {
		uint64_t pages[READ_PAGES];
		bool pok[READ_PAGES];
		int np = 0, j = i;
		for (; j < n; j++) {
			if (!pd[j].back)
				continue;
			uint64_t first = (pd[j].e->ip - pd[j].back) / ps, last = (pd[j].e->ip - 1) / ps;
			int need = (page_slot(pages, np, first) < 0) +
				   (last != first && page_slot(pages, np, last) < 0);
			if (np + need > READ_PAGES)
				break;
			if (page_slot(pages, np, first) < 0)
				pages[np++] = first;
			if (last != first && page_slot(pages, np, last) < 0)
				pages[np++] = last;
		}
		int err = read_pages(p, pr, pages, np, buf, pok);
		if (err == -ESRCH) {
			read_from_files(pd, n, code, ok);
			return;
		}
		if (err)
			return;
		uint32_t id = pp_icache_read_id(p->cache);
		for (int k = i; k < j; k++) {
			if (!pd[k].back)
				continue;
			pd[k].read_id = id;
			uint64_t from = pd[k].e->ip - pd[k].back;
			int s1 = page_slot(pages, np, from / ps);
			int s2 = page_slot(pages, np, (pd[k].e->ip - 1) / ps);
			if (s1 < 0 || s2 < 0 || !pok[s1] || !pok[s2])
				continue;
			size_t off = (size_t)(from % ps), first = ps - off;
			if (first > pd[k].back)
				first = pd[k].back;
			memcpy(code[k], buf + (size_t)s1 * ps + off, first);
			memcpy(code[k] + first, buf + (size_t)s2 * ps, pd[k].back - first);
			ok[k] = true;
		}
		i = j;
	}
}

/* Re-reads a process's maps; a zombie has none left, so keep the last ones: cached IPs in
 * them still resolve after the target exits. */
static void reload_maps(struct ips_priv *p, struct proc *pr)
{
	struct pp_maps fresh = { 0 };
	pr->reloaded_window = p->window;
	p->maps_gen++; /* classes found with the maps before are not carried over (carry_classes) */
	if (pp_maps_read(pr->pid, &fresh) == 0 && fresh.n > 0) {
		pp_maps_free(&pr->maps);
		pr->maps = fresh;
	} else {
		pp_maps_free(&fresh);
	}
}

static int cmp_pending(const void *a, const void *b)
{
	const struct pending *x = a, *y = b;
	if (x->pr->pid != y->pr->pid)
		return x->pr->pid < y->pr->pid ? -1 : 1;
	return (x->e->ip > y->e->ip) - (x->e->ip < y->e->ip);
}

/* Where the code before an IP comes from: a file (shared by every process that maps it), else
 * this process's memory. */
static void make_key(const struct wslot *e, const struct pp_map *m, size_t back,
		     struct pp_icache_key *k)
{
	memset(k, 0, sizeof(*k));
	k->back = (uint8_t)back;
	if (m->loc == PP_LOC_FILE && m->ino && m->ver) {
		k->kind = PP_ICK_FILE;
		k->a = m->ino;
		k->b = m->offset + (e->ip - m->start);
		k->v = m->ver;
		k->c = m->dev;
	} else {
		k->kind = PP_ICK_PROC;
		k->a = e->pid;
		k->b = e->ip;
	}
}

static bool reserve_pending(struct ips_priv *p, size_t n)
{
	if (n <= p->cappd)
		return true;
	size_t cap = p->cappd ? p->cappd : 64;
	while (cap < n)
		cap *= 2;
	struct pending *pd = realloc(p->pd, cap * sizeof(*pd));
	if (pd)
		p->pd = pd;
	uint8_t(*code)[PP_DECODE_BACK] = realloc(p->code, cap * PP_DECODE_BACK);
	if (code)
		p->code = code;
	bool *ok = realloc(p->ok, cap * sizeof(*ok));
	if (ok)
		p->ok = ok;
	if (!pd || !code || !ok)
		return false;
	p->cappd = cap;
	return true;
}

/* Marks the pending IPs that keep last window's class, with its location and the maps
 * generation it was found with: while no maps have been reloaded since, the same maps give the
 * same location and cache key, and the cache would give the same class. Not for generated code
 * (it may have been rewritten: read again every window), nor for IPs outside every mapping or
 * unreadable (tried again, as without the carry). */
static void carry_classes(struct ips_priv *p)
{
	for (size_t k = 0; k < p->npend && p->prev.used; k++) {
		struct wslot *e = &p->cur.slot[p->pend[k]];
		if (e->done || !e->n)
			continue;
		const struct wslot *o = wtab_find(&p->prev, e->ip, e->pid);
		if (!o || !o->done || o->loc == PP_LOC_JIT || o->loc == PP_LOC_UNMAPPED ||
		    o->cls == CLS_UNREADABLE)
			continue;
		e->carry = 1;
		e->cls = o->cls;
		e->loc = o->loc;
		e->gen = o->gen;
	}
}

/* Gives every new IP of the window its location and class: from the cache when the code is
 * known (file-backed code, or generated code seen this window), else by reading and decoding
 * it (generated code whose bytes hash as before keeps its class). */
static void classify_pending(struct ips_priv *p)
{
	if (!p->npend)
		return;
	bool room = reserve_pending(p, p->npend);
	struct pending *pd = p->pd;
	int np = 0;
	p->batch++;
	pp_icache_tick(p->cache);
	carry_classes(p);
	/* First every map reload this batch needs: a reload frees the maps that pending entries
	 * would otherwise point into, and ends every carry (the loop runs again for them). */
	uint32_t gen;
	do {
		gen = p->maps_gen;
		for (size_t k = 0; k < p->npend; k++) {
			struct wslot *e = &p->cur.slot[p->pend[k]];
			if (e->done || !e->n || (e->carry && e->gen == gen))
				continue;
			e->carry = 0;
			struct proc *pr = get_proc(p, (pid_t)e->pid);
			if (pr && !pp_maps_find(&pr->maps, e->ip) &&
			    pr->reloaded_window != p->window)
				reload_maps(p, pr); /* new code since we looked */
		}
	} while (p->maps_gen != gen);
	for (size_t k = 0; k < p->npend; k++) {
		struct wslot *e = &p->cur.slot[p->pend[k]];
		if (e->done || !e->n)
			continue;
		if (e->carry) {
			e->carry = 0;
			e->done = 1;
			continue;
		}
		e->gen = gen;
		struct proc *pr = get_proc(p, (pid_t)e->pid);
		const struct pp_map *m = pr ? pp_maps_find(&pr->maps, e->ip) : NULL;
		e->loc = (uint8_t)(m ? m->loc : PP_LOC_UNMAPPED);
		if (!m) {
			e->cls = CLS_UNREADABLE;
			e->done = 1;
			continue;
		}
		size_t back = e->ip - m->start;
		if (back > PP_DECODE_BACK)
			back = PP_DECODE_BACK;
		struct pp_icache_key key;
		make_key(e, m, back, &key);
		const struct pp_icache_entry *ce = pp_icache_find(p->cache, &key);
		if (ce && (m->loc != PP_LOC_JIT || (ce->owner == p->owner && ce->window == p->window))) {
			e->cls = ce->cls;
			e->done = 1;
			continue;
		}
		if (!room) { /* no memory: unclassified (counted as unreadable) */
			e->done = 0;
			continue;
		}
		pd[np++] = (struct pending){ .e = e, .pr = pr, .map = m, .back = back, .key = key };
	}
	p->npend = 0;

	uint8_t(*code)[PP_DECODE_BACK] = p->code;
	bool *ok = p->ok;
	if (np > 1)
		qsort(pd, (size_t)np, sizeof(*pd), cmp_pending);
	for (int i = 0; i < np;) { /* one process at a time: process_vm_readv is per pid */
		int j = i;
		while (j < np && pd[j].pr == pd[i].pr)
			j++;
		read_code(p, pd + i, j - i, code + i, ok + i);
		struct pp_len_memo *memo = pp_icache_len_memo(p->cache);
		for (int k = i; k < j; k++) {
			struct wslot *e = pd[k].e;
			if (!ok[k] && pd[k].back) {
				e->cls = CLS_UNREADABLE;
				e->done = 1;
				continue;
			}
			uint64_t hb = hash_bytes(code[k], pd[k].back);
			struct pp_icache_entry *ce = pp_icache_find(p->cache, &pd[k].key);
			enum pp_iclass c;
			if (ce && ce->hash == hb)
				c = (enum pp_iclass)ce->cls; /* the same bytes as before: same class */
			else if (pd[k].back) {
				/* Lengths are shared by IPs in the same file, or from the same
				 * read of process memory. */
				struct pp_code_at at = { 0, 0, pd[k].read_id, e->ip };
				if (pd[k].key.kind == PP_ICK_FILE)
					at = (struct pp_code_at){ pd[k].key.a, pd[k].key.v,
								  pd[k].key.c, pd[k].key.b };
				bool shared = pd[k].key.kind == PP_ICK_FILE || pd[k].read_id;
				c = pp_decode_ending_at_memo(p->dec, code[k], pd[k].back, &at,
							     shared ? memo : NULL, NULL);
			}
			else
				c = PP_IC_UNDECODABLE; /* IP at a mapping's start */
			if (!ce) /* nothing in between touches the cache: ce is still the entry */
				ce = pp_icache_put(p->cache, &pd[k].key);
			ce->hash = hb;
			ce->cls = (uint8_t)c;
			ce->owner = p->owner;
			ce->window = p->window;
			e->cls = (uint8_t)c;
			e->done = 1;
		}
		i = j;
	}
}

static const char *const cls_count[PP_IC_COUNT] = {
	[PP_IC_ROUNDING] = "ip.cls.rounding", [PP_IC_AES] = "ip.cls.aes",
	[PP_IC_CLMUL] = "ip.cls.clmul",       [PP_IC_SHA] = "ip.cls.sha",
	[PP_IC_DIV] = "ip.cls.div",           [PP_IC_SQRT] = "ip.cls.sqrt",
	[PP_IC_MUL] = "ip.cls.mul",           [PP_IC_BRANCH] = "ip.cls.branch",
	[PP_IC_STORE] = "ip.cls.store",       [PP_IC_LOAD] = "ip.cls.load",
	[PP_IC_FP_SIMD] = "ip.cls.fp-simd",   [PP_IC_INT_SIMD] = "ip.cls.int-simd",
	[PP_IC_OTHER] = "ip.cls.other",       [PP_IC_UNDECODABLE] = "ip.cls.undecodable",
};

static const char *const loc_count[PP_LOC_COUNT] = {
	[PP_LOC_FILE] = "ip.loc.file",   [PP_LOC_JIT] = "ip.loc.jit", [PP_LOC_VDSO] = "ip.loc.vdso",
	[PP_LOC_OTHER] = "ip.loc.other", [PP_LOC_UNMAPPED] = "ip.loc.unmapped",
};

static int ips_read(void *priv, struct pp_window *w)
{
	struct ips_priv *p = priv;
	ips_service(p, NULL, 0);

	/* Classes, locations, and hot-IP concentration: the 16 most sampled IPs' share and the
	 * entropy (bits) of the IP histogram. */
	double cls[PP_IC_COUNT] = { 0 }, loc[PP_LOC_COUNT] = { 0 }, unreadable = 0;
	double total = (double)p->nsamp, h = 0, distinct = 0, top = 0;
	uint32_t best[TOP_N] = { 0 };
	/* In table order, as a scan of the whole table would visit them: the entropy's sum is
	 * the same to the last bit. */
	for (size_t k = 0; k < p->cur.cap / 64; k++) {
		for (uint64_t b = p->cur.occ[k]; b; b &= b - 1) {
			const struct wslot *e = &p->cur.slot[k * 64 + (size_t)__builtin_ctzll(b)];
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
					memmove(best + j + 1, best + j,
						(TOP_N - 1 - j) * sizeof(*best));
					best[j] = e->n;
					break;
				}
		}
	}
	for (int j = 0; j < TOP_N; j++)
		top += best[j];
	double entropy = p->nsamp ? h : NAN;

	pp_window_add(w, B, "ip.samples", (double)p->nsamp, 1, false);
	pp_window_add(w, B, "ip.lost", (double)p->lost, 1, false);
	for (int c = 0; c < PP_IC_COUNT; c++)
		pp_window_add(w, B, cls_count[c], cls[c], 1, false);
	pp_window_add(w, B, "ip.cls.unreadable", unreadable, 1, false);
	for (int l = 0; l < PP_LOC_COUNT; l++)
		pp_window_add(w, B, loc_count[l], loc[l], 1, false);
	pp_window_add(w, B, "ip.top16", top, 1, false);
	pp_window_add(w, B, "ip.entropy_bits", entropy, 1, true);
	pp_window_add(w, B, "ip.distinct", distinct, 1, false);
	/* This window's table becomes the last one (carry_classes), the last one is emptied for
	 * the next window, at the size of the largest so far: IPs then land in the slots one
	 * table cleared every window would give them, and the entropy sums in the same order. */
	wtab_clear(&p->prev);
	struct wtable t = p->prev;
	p->prev = p->cur;
	p->cur = t;
	wtab_fit(&p->cur, p->prev.cap);
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
	free(p->cur.slot);
	free(p->cur.occ);
	free(p->prev.slot);
	free(p->prev.occ);
	free(p->pend);
	free(p->pd);
	free(p->code);
	free(p->ok);
	if (p->own_cache)
		pp_ip_cache_free(p->cache);
	p->cache = NULL;
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
