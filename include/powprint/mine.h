/* A miner-like hashing loop over any pp_hash algorithm: OpenMP threads, one worker each, a
 * 76-byte block blob with the nonce at bytes 39..42 incremented per hash, and the throttling
 * knobs covert miners use (duty cycling, bursts, nice). Used by `powprint hash` and by the
 * miner workloads. */
#ifndef POWPRINT_MINE_H
#define POWPRINT_MINE_H

#include <powprint/hash.h>

#include <stdbool.h>
#include <stdint.h>

#define PP_MINE_MAX_THREADS 256

struct pp_mine_status {
	double elapsed_s;
	uint64_t hashes;
	double hps;               /* over the whole run so far */
};

struct pp_mine_opts {
	size_t sz;
	const char *algo;         /* pp_hash name */
	struct pp_hash_opts hash; /* pages, soft_aes, RandomX mode and key, ... */
	int threads;              /* 0 = 1 */
	double seconds;           /* stop after this long (0 = not by time) */
	uint64_t hashes;          /* or after this many hashes in total (0 = not by count) */
	int duty_pct;             /* hash duty_pct ms of every 100 ms (0 or 100 = always) */
	double burst_on_s, burst_off_s; /* mine on_s, pause off_s, repeat (0 = off) */
	int nice;                 /* setpriority for the hashing threads (0 = unchanged) */
	uint64_t height;          /* cn/r block height */
	/* Called when hashing starts (after RandomX init), then ~4 times a second, and at the end. */
	void (*progress)(void *arg, const struct pp_mine_status *st);
	void *progress_arg;
	volatile int *stop;       /* set non-zero (e.g. from a signal handler) to stop early */
};

struct pp_mine_result {
	uint64_t hashes;
	double seconds;           /* wall time of the hashing phase (init excluded) */
	double hps;
	/* Wall time spent hashing, summed over the threads (duty and burst pauses left out):
	 * busy_seconds / (seconds * threads) is the duty achieved. */
	double busy_seconds;
	int threads;
	double thread_hps[PP_MINE_MAX_THREADS];
	bool verified;            /* each thread's first hash equals the single-thread result */
	struct pp_hash_info info; /* AES back end, pages, init time */
};

int pp_mine_run(const struct pp_mine_opts *opts, struct pp_mine_result *res);

#endif
