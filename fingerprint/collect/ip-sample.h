/* The pieces of the ip-sample backend (backends/ip-sample.c): per-CPU perf sampling rings
 * (sample-ring.c), the table of a window's distinct IPs (ip-table.c), reading the code before
 * an IP out of the target (code-read.c), and turning those bytes into an instruction class
 * with the decoded-IP cache (decode/classify.c). */
#ifndef PP_FINGERPRINT_IP_SAMPLE_H
#define PP_FINGERPRINT_IP_SAMPLE_H

#include "fingerprint/collect/collector.h"
#include "fingerprint/collect/decode/decode.h"
#include "fingerprint/collect/maps.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* ---- distinct IPs of a window (ip-table.c) ---- */

/* One distinct (pid, IP) of the current window: samples are counted here as they are
 * drained, so the per-sample cost is one hash probe; classes are looked up per distinct IP. */
struct pp_ip_slot {
	uint64_t ip;
	uint32_t pid;
	uint32_t n;                /* samples; 0 = empty slot */
	uint32_t gen;              /* maps_gen when cls and loc were found */
	uint8_t done;              /* cls and loc are known */
	uint8_t cls;               /* enum pp_iclass, or PP_IP_UNREADABLE */
	uint8_t loc;               /* enum pp_loc */
	uint8_t carry;             /* cls, loc and gen come from the last window's table */
};
#define PP_IP_UNREADABLE 255

/* Distinct IPs of a window, open addressing; occ marks the slots in use, so they are visited
 * (in table order) and cleared without scanning or sorting. */
struct pp_ip_table {
	struct pp_ip_slot *slot;
	uint64_t *occ;             /* cap bits */
	size_t cap, used;          /* cap a power of two (or 0) */
};

/* The sampling state of a window: this one's IPs, the last one's (whose classes carry over),
 * and the slots of this one not yet classified. */
struct pp_ip_window {
	struct pp_ip_table cur;
	struct pp_ip_table prev;
	uint64_t *pend;            /* cur slots not yet classified (indices) */
	size_t npend, cappend;
	uint64_t nsamp;            /* samples this window */
	uint64_t lost;
};

/* Counts one sample; a sample it has no memory for counts as lost. */
void pp_ip_window_add(struct pp_ip_window *w, uint64_t ip, uint32_t pid);

/* The slot of (ip, pid) in t, or NULL. */
const struct pp_ip_slot *pp_ip_table_find(const struct pp_ip_table *t, uint64_t ip,
					  uint32_t pid);

#define PP_IP_TOP_N 16

/* What a window's IPs add up to: classes and locations (in samples), and the hot-IP
 * concentration: the PP_IP_TOP_N most sampled IPs' samples and the entropy (bits) of the IP
 * histogram (NAN without samples). */
struct pp_ip_sums {
	double cls[PP_IC_COUNT], loc[PP_LOC_COUNT], unreadable;
	double top, entropy, distinct;
};
void pp_ip_window_sum(const struct pp_ip_window *w, struct pp_ip_sums *s);

/* Ends the window: its table becomes the last one, and counting starts again. */
void pp_ip_window_next(struct pp_ip_window *w);
void pp_ip_window_free(struct pp_ip_window *w);

/* ---- perf sampling rings (sample-ring.c) ---- */

struct pp_ring {
	int fd;
	void *base;                /* metadata page, then the data area */
	size_t data_size;          /* a power of two */
	bool hup;                  /* its thread exited: no longer worth polling */
};

struct perf_event_attr;
/* The cpu-clock sampling event at hz (0: the default) whose poller wakes every `wakeup`
 * bytes written. */
void pp_ring_attr(struct perf_event_attr *a, unsigned hz, bool kernel, size_t wakeup);
/* Online CPUs into *out (malloc'd); their count, or -ENOMEM. */
int pp_online_cpus(int **out);
/* Data size of each CPU's ring; *fits says whether it holds a whole window. */
size_t pp_ring_data_size(unsigned hz, unsigned interval_ms, bool *fits);
/* Maps fd's ring with data_size bytes of data into r; 0 or a negative errno. */
int pp_ring_map(struct pp_ring *r, int fd, size_t data_size);
void pp_ring_unmap(struct pp_ring *r);
/* Moves every complete record out of r into w (page: the page size). */
void pp_ring_drain(struct pp_ring *r, size_t page, struct pp_ip_window *w);

/* ---- the target's code (code-read.c) ---- */

#define PP_IP_MAX_PROCS 64         /* processes (target and inherited children) we map */

struct pp_ip_proc {
	pid_t pid;
	struct pp_maps maps;
	uint32_t reloaded_window;  /* reload maps at most once per window */
	bool denied;               /* process_vm_readv refused: don't retry every window */
	uint32_t batch;            /* last classification batch that used it */
};

/* The processes whose code is read, with their maps. */
struct pp_code_reader {
	struct pp_ip_proc procs[PP_IP_MAX_PROCS];
	int nprocs;
	uint32_t maps_gen;         /* bumped by every maps reload */
	size_t page;               /* page size */
	struct pp_ip_cache *cache; /* for its scratch buffer and read ids */
	bool warned_denied;
	void (*warn)(const struct pp_backend_ctx *ctx, const char *fmt, ...);
	struct pp_backend_ctx warn_ctx;
};

/* A distinct IP of the window whose class is not cached: its code must be read. */
struct pp_ip_pending {
	struct pp_ip_slot *e;
	struct pp_ip_proc *pr;
	const struct pp_map *map;
	size_t back;               /* code bytes before the IP we can read */
	struct pp_icache_key key;
	uint32_t read_id;          /* the read of process memory that gave its bytes; 0: a file */
};

/* The record of pid, its maps read, for classification batch `batch` of window `window`. A
 * record the current batch uses is never recycled, since the batch holds pointers into its
 * maps; NULL when every slot is in use by this batch. */
struct pp_ip_proc *pp_code_proc(struct pp_code_reader *r, pid_t pid, uint32_t batch,
				uint32_t window);
/* Re-reads a process's maps (bumping maps_gen); a zombie has none left, so the last ones stay:
 * cached IPs in them still resolve after the target exits. */
void pp_code_reload_maps(struct pp_code_reader *r, struct pp_ip_proc *pr, uint32_t window);
/* Reads the code before each of the n pending IPs of one process (sorted by IP); ok[j] says
 * whether code[j] holds pd[j]'s bytes, and pd[j].read_id names the read. */
void pp_code_read(struct pp_code_reader *r, struct pp_ip_pending *pd, int n,
		  uint8_t (*code)[PP_DECODE_BACK], bool *ok);
void pp_code_reader_free(struct pp_code_reader *r);

/* ---- classes (decode/classify.c) ---- */

struct pp_ip_classifier {
	struct pp_decoder *dec;
	struct pp_ip_cache *cache;
	uint32_t owner;            /* our id in the cache */
	uint32_t window;           /* the window being classified */
	uint32_t batch;            /* pp_ip_classify calls, from 1 */
	struct pp_ip_pending *pd;  /* the work of a batch, kept between batches */
	uint8_t (*code)[PP_DECODE_BACK];
	bool *ok;
	size_t cappd;
};

/* Gives every new IP of w its location and class: carried over from the last window, from
 * the cache, or by reading and decoding its code through r. */
void pp_ip_classify(struct pp_ip_classifier *c, struct pp_ip_window *w,
		    struct pp_code_reader *r);
void pp_ip_classifier_free(struct pp_ip_classifier *c);

#endif
