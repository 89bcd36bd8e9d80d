/* ip-sample: a cpu-clock sampling event on every thread (user IPs by default) into mmap ring
 * buffers; each sampled IP's preceding code bytes are read with process_vm_readv and the
 * instruction that ends at the IP is classified (decode.h). Works without a PMU. The pieces
 * are in fingerprint/collect/ip-sample.h.
 *
 * Rings are per CPU: the kernel refuses to mmap inherited per-thread events, and inherit is
 * what covers threads created later. Every thread's event on CPU c writes to CPU c's ring. */
#define _GNU_SOURCE /* process_vm_readv */
#include "fingerprint/collect/ip-sample.h"

#include <powprint/perf.h>

#include <errno.h>
#include <linux/perf_event.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/uio.h>
#include <unistd.h>

#define B "ip-sample"

struct ips_priv {
	struct pp_ring *rings;
	int nrings;
	int *fds;                  /* every event fd: tasks x CPUs */
	int nfds;
	bool poll_rings;           /* a ring cannot hold a window: drain it when half full */
	struct pp_ip_window win;   /* this window's distinct IPs, and the last one's */
	struct pp_code_reader rd;
	struct pp_ip_classifier cls;
	struct pp_ip_cache *cache; /* shared (opts.ip_cache) or own_cache */
	bool own_cache;
};

static size_t page_size(void)
{
	return (size_t)sysconf(_SC_PAGESIZE);
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
	pp_ring_attr(&a, PP_SAMPLE_HZ_DEFAULT, false, ds);
	int fd = pp_perf_open(&a, 0, -1, -1, PERF_FLAG_FD_CLOEXEC);
	if (fd < 0)
		return pp_perf_why(fd, 0, "the cpu-clock sampling event", why, len);
	struct pp_ring r = { .fd = -1 };
	err = pp_ring_map(&r, fd, ds);
	if (err) {
		close(fd);
		snprintf(why, len, "cannot map a perf ring buffer: %s (perf_event_mlock_kb or "
			 "RLIMIT_MEMLOCK too small?)", strerror(-err));
		return err;
	}
	pp_ring_unmap(&r);
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
		pp_ring_unmap(&p->rings[i]);
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
	int ncpu = pp_online_cpus(&cpus);
	if (ncpu < 0)
		return ncpu;
	int err = pp_decoder_new(pp_isa_native(), &p->cls.dec);
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
	p->cls.cache = p->rd.cache = p->cache;
	p->cls.owner = p->cache ? pp_icache_owner_new(p->cache) : 0;
	p->rings = calloc((size_t)ncpu, sizeof(*p->rings));
	p->fds = malloc((size_t)ncpu * (size_t)t->ntids * sizeof(*p->fds));
	if (!p->cache || !p->rings || !p->fds) {
		free(cpus);
		ips_close(p);
		return -ENOMEM;
	}
	p->rd.page = page_size();
	p->rd.warn = ctx->warn;
	p->rd.warn_ctx = *ctx;
	p->rd.warn_ctx.why = NULL;
	bool fits;
	size_t ds = pp_ring_data_size(ctx->opts->sample_hz, ctx->opts->interval_ms, &fits);
	p->poll_rings = !fits;
	struct perf_event_attr a;
	pp_ring_attr(&a, ctx->opts->sample_hz, ctx->opts->kernel, fits ? ds : ds / 2);
	a.inherit = 1;
	/* Before Linux 5.13 there is no inherit_thread: follow children too, and say so. */
	a.inherit_thread = ctx->opts->threads_only && pp_perf_has_inherit_thread();
	if (ctx->opts->threads_only && !a.inherit_thread)
		ctx->warn(ctx, "ip-sample: this kernel has no inherit_thread (Linux < 5.13): "
			  "samples follow forked child processes too");

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
			struct pp_ring *r = &p->rings[c];
			if (!r->base) {
				err = pp_ring_map(r, fd, ds);
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
				if (p->rings[c].base && p->rings[c].fd == fd)
					pp_ring_unmap(&p->rings[c]);
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

/* Drains the rings and classifies the new IPs (at each window's end, and when a ring is half
 * full). fds: this backend's poll results, or NULL. */
static void ips_service(void *priv, const struct pollfd *fds, int nfds)
{
	struct ips_priv *p = priv;
	for (int i = 0; i < p->nrings; i++)
		if (p->rings[i].base)
			pp_ring_drain(&p->rings[i], p->rd.page, &p->win);
	/* A ring's thread has exited: polling it would return at once, forever. */
	for (int k = 0; fds && k < nfds; k++)
		if (fds[k].revents & (POLLHUP | POLLERR))
			for (int i = 0; i < p->nrings; i++)
				if (p->rings[i].base && p->rings[i].fd == fds[k].fd)
					p->rings[i].hup = true;
	pp_ip_classify(&p->cls, &p->win, &p->rd);
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

	/* Classes, locations, and hot-IP concentration. */
	struct pp_ip_sums s;
	pp_ip_window_sum(&p->win, &s);
	pp_window_add(w, B, "ip.samples", (double)p->win.nsamp, 1, false);
	pp_window_add(w, B, "ip.lost", (double)p->win.lost, 1, false);
	for (int c = 0; c < PP_IC_COUNT; c++)
		pp_window_add(w, B, cls_count[c], s.cls[c], 1, false);
	pp_window_add(w, B, "ip.cls.unreadable", s.unreadable, 1, false);
	for (int l = 0; l < PP_LOC_COUNT; l++)
		pp_window_add(w, B, loc_count[l], s.loc[l], 1, false);
	pp_window_add(w, B, "ip.top16", s.top, 1, false);
	pp_window_add(w, B, "ip.entropy_bits", s.entropy, 1, true);
	pp_window_add(w, B, "ip.distinct", s.distinct, 1, false);
	/* This window's table becomes the last one (its classes carry over). */
	pp_ip_window_next(&p->win);
	p->cls.window++;
	return 0;
}

static void ips_close(void *priv)
{
	struct ips_priv *p = priv;
	close_all(p);
	pp_code_reader_free(&p->rd);
	pp_ip_classifier_free(&p->cls);
	pp_ip_window_free(&p->win);
	if (p->own_cache)
		pp_ip_cache_free(p->cache);
	p->cache = NULL;
}

/* The raw counts this backend puts in a window (the backend table, backends.c). */
const char *const pp_backend_ip_sample_counts[] = {
	"ip.samples", "ip.lost",
	"ip.cls.rounding", "ip.cls.aes", "ip.cls.clmul", "ip.cls.sha", "ip.cls.div", "ip.cls.sqrt",
	"ip.cls.mul", "ip.cls.branch", "ip.cls.store", "ip.cls.load", "ip.cls.fp-simd",
	"ip.cls.int-simd", "ip.cls.other", "ip.cls.undecodable", "ip.cls.unreadable",
	"ip.loc.file", "ip.loc.jit", "ip.loc.vdso", "ip.loc.other", "ip.loc.unmapped",
	"ip.top16", "ip.entropy_bits", "ip.distinct",
	NULL,
};

const struct pp_backend_ops pp_backend_ip_sample = {
	.name = "ip-sample",
	.summary = "sampled user IPs decoded into instruction classes, JIT/file/vdso shares",
	.priv_size = sizeof(struct ips_priv),
	.probe = ips_probe, .open = ips_open, .enable = ips_enable, .read = ips_read,
	.close = ips_close,
	.pollfds = ips_pollfds, .service = ips_service,
};
