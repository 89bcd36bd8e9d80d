/* RandomX programs compiled to x86-64 (spec 4.6.2 and chapter 5): one native function per
 * program that runs the whole program loop (scratchpad mixing, the program body, the dataset
 * read, the stores) for program_iterations, with the same results as the interpreter in
 * light and fast mode. One code buffer per VM, recompiled for each program; it is
 * read-execute while it runs (W^X) unless made RWX on purpose. Elsewhere than x86-64 every
 * call returns -ENOTSUP. Internal. */
#ifndef PP_KERNELS_RANDOMX_JIT_H
#define PP_KERNELS_RANDOMX_JIT_H

#include <stdbool.h>
#include <stddef.h>

struct pp_rx_vm;
struct pp_rx_jit;

/* A compiler with its own code buffer; `rwx` keeps the code pages writable too. Returns 0,
 * -EINVAL, -ENOTSUP (no back end for this CPU), -ENOMEM or -EPERM (no executable memory). */
int pp_rx_jit_new(bool rwx, struct pp_rx_jit **out);
void pp_rx_jit_free(struct pp_rx_jit *j);

/* Compiles vm->prog as configured in vm->pcfg (the read registers are built in; the
 * a-registers, E masks, ma, mx and dataset offset are read from vm when it runs). Fast mode
 * when vm->dataset is set, light mode (pp_rx_dataset_item on vm->cache) otherwise. Returns 0,
 * -EINVAL, -ENOSPC or -errno from mprotect; after an error the code must not be run. */
int pp_rx_jit_compile(struct pp_rx_jit *j, const struct pp_rx_vm *vm);

/* Runs the compiled program on vm (the one it was compiled for) under the rounding mode the
 * previous program left, and leaves the register file in vm->regfile, as pp_rx_interp_run()
 * does. */
void pp_rx_jit_run(struct pp_rx_jit *j, struct pp_rx_vm *vm);

/* The code's bounds (tests look it up in /proc/self/maps). */
const void *pp_rx_jit_code(const struct pp_rx_jit *j, size_t *len);

#endif
