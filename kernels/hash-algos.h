/* The table behind include/powprint/hash.h: every algorithm is one row
 * { name, family, ops, uses, known answer }, generated in kernels/hash.c from each family's
 * list (PP_CN_VARIANTS in kernels/cryptonight/cn-config.h, PP_RX_VARIANTS in
 * kernels/randomx/config.h); each family implements one ops struct in its own file
 * (CryptoNight: kernels/cryptonight/cn-hash-ops.c). To add an algorithm: add a row to its
 * family's list. Internal to powprint. */
#ifndef PP_KERNELS_HASH_ALGOS_H
#define PP_KERNELS_HASH_ALGOS_H

#include <powprint/hash.h>

/* A family's operations. `shared` is what all threads share (RandomX cache and dataset;
 * nothing for CryptoNight), `worker` one thread's state. opts is always a full-size struct
 * (kernels/hash.c copies the caller's, zero-filling fields it predates). */
struct pp_hash_ops {
	int (*open)(const char *name, const struct pp_hash_opts *opts, void **shared);
	void (*close)(void *shared);
	int (*worker_new)(void *shared, const struct pp_hash_opts *opts, void **worker);
	void (*worker_free)(void *worker);
	int (*compute)(void *worker, const void *in, size_t len, uint64_t height, uint8_t out[32]);
	/* Fills aes_backend, pages and scratchpad_bytes (the rest is filled by kernels/hash.c). */
	void (*info)(const void *worker, struct pp_hash_info *info);
	/* Optional: the shortest input `name` accepts (see pp_hash_min_input). */
	size_t (*min_input)(const char *name);
};

/* One known answer: `input` hashed with `key` (RandomX) at `height` (cn/r) gives `hash`. The
 * self-test, the catalog's miners and tests/test-registry-kernels.c all read it from here. */
struct pp_hash_kat {
	const char *key;   /* hex; NULL: the family takes none */
	const char *input; /* hex */
	uint64_t height;
	const char *hash;  /* hex, 32 bytes */
};

struct pp_hash_algo {
	const char *name;   /* canonical name */
	const char *family; /* "cryptonight", "randomx" */
	const struct pp_hash_ops *ops;
	unsigned uses;      /* PP_HASH_* flags */
	struct pp_hash_kat kat;
};

extern const struct pp_hash_ops pp_cn_hash_ops; /* kernels/cryptonight/cn-hash-ops.c */
extern const struct pp_hash_ops pp_rx_hash_ops; /* kernels/randomx/rx-hash.c */

/* Whether opts asks for the JIT here: PP_JIT_AUTO means "where there is one". Returns 0 and
 * sets *on, or -ENOTSUP for PP_JIT_ON on a CPU without a JIT. */
int pp_hash_jit_resolve(const struct pp_hash_opts *opts, bool *on);
/* pp_hash_info.exec for generated code run by the JIT (rwx or not) or the interpreter. */
const char *pp_hash_exec_name(bool jit, bool rwx);

/* The row for `name`, or NULL. */
const struct pp_hash_algo *pp_hash_algo_find(const char *name);
/* Row i in table order (0 .. count-1), or NULL past the end. */
const struct pp_hash_algo *pp_hash_algo_at(int i);

#endif
