/* SuperscalarHash compiled to x86-64 (RandomX spec 7.3): the cache_accesses programs of one
 * cache become one native function per entry point that computes whole dataset items, with
 * the cache address and mask built in. Single items (light mode) keep the eight registers in
 * machine registers; runs of items (dataset fill) interleave a small group of items program
 * by program, so one item's cache read is in flight while the others compute. Internal. */
#ifndef PP_KERNELS_RANDOMX_SS_JIT_H
#define PP_KERNELS_RANDOMX_SS_JIT_H

#include "kernels/randomx/dataset.h"

#include <stdbool.h>
#include <stdint.h>

struct pp_rx_ss_jit;

/* Dataset item `item` into out[8]; compiled code, System V ABI, thread-safe. */
typedef void (*pp_rx_ss_item_fn)(uint64_t out[8], uint64_t item);

/* Compiles c's programs. The code reads c->words: it must not run once that memory is
 * released. `rwx` keeps the code mapping writable (a fingerprint knob), otherwise it is
 * read-execute. Returns 0, -ENOTSUP (no x86-64 back end), -EINVAL, -ENOMEM, -ENOSPC or
 * -errno from mprotect. */
int pp_rx_ss_jit_new(const struct pp_rx_cache *c, bool rwx, struct pp_rx_ss_jit **out);
void pp_rx_ss_jit_free(struct pp_rx_ss_jit *j);

/* Items [first, first + count) into out (count * 8 words). Safe to call from many threads. */
void pp_rx_ss_jit_items(const struct pp_rx_ss_jit *j, uint64_t first, uint64_t count,
			uint64_t *out);

/* The single-item entry point, for callers that want one indirect call per item. */
pp_rx_ss_item_fn pp_rx_ss_jit_item_fn(const struct pp_rx_ss_jit *j);

/* The code's bounds (tests look it up in /proc/self/maps). */
const void *pp_rx_ss_jit_code(const struct pp_rx_ss_jit *j, size_t *len);

#endif
