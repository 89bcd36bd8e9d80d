/* Proof-of-work hash algorithms behind one interface: the CryptoNight family and RandomX.
 *
 * A `pp_hash` holds what all threads share (RandomX: the cache and the dataset; CryptoNight:
 * nothing but the parameters). A `pp_hash_worker` is one thread's state (its scratchpad, or
 * a RandomX VM) and is used by one thread at a time. */
#ifndef POWPRINT_HASH_H
#define POWPRINT_HASH_H

#include <powprint/pages.h>

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct pp_hash;
struct pp_hash_worker;

enum pp_rx_mode { PP_RX_LIGHT = 0, PP_RX_FAST };

/* Whether generated programs (RandomX programs and SuperscalarHash, cn/r's random math) are
 * compiled to machine code, as real miners do, or interpreted. */
enum pp_jit {
	PP_JIT_AUTO = 0, /* on where a JIT exists for this CPU (x86-64), else the interpreter */
	PP_JIT_ON,       /* required: opening fails with -ENOTSUP where there is no JIT */
	PP_JIT_OFF,      /* the interpreters (the reference; an evasion-style variant) */
};

/* Progress of a long setup step (RandomX dataset init): done of total units. */
typedef void (*pp_progress_fn)(void *arg, const char *what, uint64_t done, uint64_t total);

struct pp_hash_opts {
	size_t sz;
	enum pp_pages pages;
	bool soft_aes;            /* force the portable AES back end */
	enum pp_rx_mode rx_mode;  /* RandomX only */
	const void *key;          /* RandomX key (seed); CryptoNight ignores it */
	size_t key_len;
	int init_threads;         /* threads for dataset init; 0 = all online CPUs */
	pp_progress_fn progress;
	void *progress_arg;
	enum pp_jit jit;
	bool jit_rwx;             /* keep JIT code pages read-write-execute (many miners do)
				   * instead of switching them writable / executable */
};

/* Opens algorithm `name` ("cn/0", "cn-lite/1", "rx/0", ...). An unknown name returns -ENOENT;
 * pp_hash_names() lists the valid ones. */
int pp_hash_open(const char *name, const struct pp_hash_opts *opts, struct pp_hash **out);
void pp_hash_close(struct pp_hash *h);

int pp_hash_worker_new(struct pp_hash *h, struct pp_hash_worker **out);
void pp_hash_worker_free(struct pp_hash_worker *w);

/* Hashes `len` bytes; `height` seeds cn/r's random program (others ignore it). Returns 0 or
 * -EINVAL (e.g. cn/1-based variants need at least 43 bytes of input). */
int pp_hash_compute(struct pp_hash_worker *w, const void *in, size_t len, uint64_t height,
		    uint8_t out[32]);

/* What the last open/new actually used, for reports. */
struct pp_hash_info {
	const char *algo;         /* canonical name */
	const char *family;       /* "cryptonight", "randomx" */
	const char *aes_backend;  /* "aes-ni", "armv8-ce", "soft" */
	const char *pages;        /* "hugetlb", "thp", "normal" (worker scratchpad) */
	size_t scratchpad_bytes;
	double init_seconds;      /* shared setup (RandomX cache + dataset) */
	const char *exec;         /* how generated code runs: "jit", "jit-rwx", "interpreter",
				   * or "native" (nothing generated: CryptoNight but cn/r) */
};
void pp_hash_worker_info(const struct pp_hash_worker *w, struct pp_hash_info *info);

/* The CPU architecture powprint's JIT compilers target on this machine ("x86-64"), or NULL
 * where there is none and generated programs are interpreted (AArch64 for now). */
const char *pp_hash_jit_target(void);

/* Canonical names of every algorithm, NULL-terminated. */
const char *const *pp_hash_names(void);

/* Where powprint's own suites use an algorithm (flags of its row; pp_hash_flags). */
enum pp_hash_flag {
	PP_HASH_SELFTEST = 1 << 0,      /* `powprint selftest` checks its known answer */
	PP_HASH_SELFTEST_SOFT = 1 << 1, /* ... with the portable AES back end as well */
	PP_HASH_BENCH = 1 << 2,         /* `powprint bench` measures its hash rate */
	PP_HASH_BENCH_QUICK = 1 << 3,   /* ... and so does `bench --quick` */
	PP_HASH_QUICK = 1 << 4,         /* its miner workload is in the catalog's quick set */
};
/* The PP_HASH_* flags of algorithm `name` (0 for an unknown name). */
unsigned pp_hash_flags(const char *name);

/* The shortest input algorithm `name` accepts: 43 for cn/1-based variants (they read a tweak
 * from bytes 35..42), else 0 (also for unknown names). Lets callers explain an -EINVAL. */
size_t pp_hash_min_input(const char *name);

#endif
