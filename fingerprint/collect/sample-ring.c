/* Perf sampling rings for ip-sample: the cpu-clock sampling event, one mmap'd ring per CPU
 * sized to hold a window, and draining its sample records into the window's IP table. */
#include "fingerprint/collect/ip-sample.h"

#include <powprint/collect.h>

#include <errno.h>
#include <linux/perf_event.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

static size_t page_size(void)
{
	return (size_t)sysconf(_SC_PAGESIZE);
}

/* The kernel wakes a poller every `wakeup` bytes written, drained or not. */
void pp_ring_attr(struct perf_event_attr *a, unsigned hz, bool kernel, size_t wakeup)
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

/* From sysfs ("0-3,8-11"); falls back to 0..n-1. */
int pp_online_cpus(int **out)
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

size_t pp_ring_data_size(unsigned hz, unsigned interval_ms, bool *fits)
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

int pp_ring_map(struct pp_ring *r, int fd, size_t data_size)
{
	void *base = mmap(NULL, page_size() + data_size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (base == MAP_FAILED)
		return -errno;
	r->fd = fd;
	r->base = base;
	r->data_size = data_size;
	return 0;
}

void pp_ring_unmap(struct pp_ring *r)
{
	if (r->base)
		munmap(r->base, page_size() + r->data_size);
	r->base = NULL;
}

void pp_ring_drain(struct pp_ring *r, size_t page, struct pp_ip_window *w)
{
	struct perf_event_mmap_page *meta = r->base;
	const uint8_t *data = (const uint8_t *)r->base + page;
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
			pp_ip_window_add(w, ip, pid);
		} else if (h.type == PERF_RECORD_LOST && n >= sizeof(h) + 16) {
			uint64_t lost;
			memcpy(&lost, rec + sizeof(h) + 8, 8);
			w->lost += lost;
		}
		tail += h.size;
	}
	__atomic_store_n(&meta->data_tail, tail, __ATOMIC_RELEASE);
}
