/* The code before sampled IPs, read out of the target's processes with process_vm_readv a few
 * whole pages at a time (or from the mapped file once the process has gone), and the maps that
 * say where each IP lies. */
#define _GNU_SOURCE /* process_vm_readv */
#include "fingerprint/collect/ip-sample.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/uio.h>
#include <unistd.h>

#define READ_PAGES 16              /* code pages per process_vm_readv */

struct pp_ip_proc *pp_code_proc(struct pp_code_reader *r, pid_t pid, uint32_t batch,
				uint32_t window)
{
	for (int i = 0; i < r->nprocs; i++)
		if (r->procs[i].pid == pid) {
			r->procs[i].batch = batch;
			return &r->procs[i];
		}
	struct pp_ip_proc *pr = NULL;
	if (r->nprocs < PP_IP_MAX_PROCS) {
		pr = &r->procs[r->nprocs++];
	} else { /* forget an older short-lived child (slot 0 is the target itself) */
		for (int k = 0; k < PP_IP_MAX_PROCS - 1 && !pr; k++) {
			struct pp_ip_proc *c =
				&r->procs[1 + (window + (uint32_t)k) % (PP_IP_MAX_PROCS - 1)];
			if (c->batch != batch)
				pr = c;
		}
		if (!pr)
			return NULL;
		pp_maps_free(&pr->maps);
	}
	memset(pr, 0, sizeof(*pr));
	pr->pid = pid;
	pr->batch = batch;
	pp_code_reload_maps(r, pr, window);
	return pr;
}

void pp_code_reload_maps(struct pp_code_reader *r, struct pp_ip_proc *pr, uint32_t window)
{
	struct pp_maps fresh = { 0 };
	pr->reloaded_window = window;
	r->maps_gen++; /* classes found with the maps before are not carried over */
	if (pp_maps_read(pr->pid, &fresh) == 0 && fresh.n > 0) {
		pp_maps_free(&pr->maps);
		pr->maps = fresh;
	} else {
		pp_maps_free(&fresh);
	}
}

/* Opens the file m maps, in our own mount namespace, only if it is the very file (a regular
 * file of m's inode and device, and ctime when m has one): the path is the target's to
 * choose, and after it exits could name a FIFO (an open that never returns), a symbolic link
 * or another container's file. -1 otherwise. */
static int open_mapped_file(const struct pp_map *m)
{
	int fd = open(m->path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOFOLLOW | O_NOCTTY);
	if (fd < 0)
		return -1;
	struct stat st;
	bool same = fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && (uint64_t)st.st_ino == m->ino &&
		    (((uint32_t)major(st.st_dev) << 20) | (minor(st.st_dev) & 0xfffff)) == m->dev;
	uint64_t ver = same ? ((uint64_t)st.st_ctim.tv_sec * 1000000000u +
			       (uint64_t)st.st_ctim.tv_nsec) | 1 : 0;
	if (!same || (m->ver && m->ver != ver)) {
		close(fd);
		return -1;
	}
	return fd;
}

/* The process has gone (a zombie has no memory left): read file-backed code from the file. */
static void read_from_files(struct pp_ip_pending *pd, int n, uint8_t (*code)[PP_DECODE_BACK],
			    bool *ok)
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
			fd = open_mapped_file(m);
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
static int read_pages(struct pp_code_reader *rd, struct pp_ip_proc *pr, const uint64_t *pages,
		      int np, uint8_t *buf, bool *pok)
{
	size_t ps = rd->page;
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
				if (!rd->warned_denied) {
					char why[512];
					pp_ptrace_why(-errno, pr->pid, why, sizeof(why));
					rd->warn(&rd->warn_ctx, "ip-sample: %s", why);
					rd->warned_denied = true;
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

void pp_code_read(struct pp_code_reader *r, struct pp_ip_pending *pd, int n,
		  uint8_t (*code)[PP_DECODE_BACK], bool *ok)
{
	size_t ps = r->page;
	struct pp_ip_proc *pr = pd[0].pr;
	uint8_t *buf = pp_icache_scratch(r->cache, READ_PAGES * ps);
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
		int err = read_pages(r, pr, pages, np, buf, pok);
		if (err == -ESRCH) {
			read_from_files(pd, n, code, ok);
			return;
		}
		if (err)
			return;
		uint32_t id = pp_icache_read_id(r->cache);
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

void pp_code_reader_free(struct pp_code_reader *r)
{
	for (int i = 0; i < r->nprocs; i++)
		pp_maps_free(&r->procs[i].maps);
	r->nprocs = 0;
}
