/* One RandomX virtual machine: scratchpad, current program, register file, and the per-hash
 * loop (spec chapter 2). It reads either a cache (light mode: dataset items computed on
 * demand) or a whole dataset (fast mode). The program is run by an executor: today the
 * bytecode interpreter (interp.c), or the x86-64 JIT (jit-x86.c) when it is switched on. */
#ifndef PP_KERNELS_RANDOMX_VM_H
#define PP_KERNELS_RANDOMX_VM_H

#include "core/pages.h"
#include "kernels/randomx/dataset.h"
#include "kernels/randomx/program.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Interpreter bytecode: one pre-decoded instruction. */
struct pp_rx_jit;

struct pp_rx_bc {
	uint8_t op;             /* interp.c's handler index */
	uint8_t dst, src;       /* register indices (8 = the constant-zero register) */
	uint8_t target;         /* CBRANCH: the instruction to continue at; IADD_RS: shift */
	uint32_t mask;          /* scratchpad level mask, or CBRANCH's condition mask */
	uint64_t imm;           /* sign-extended immediate, reciprocal, CBRANCH's cimm */
};

struct pp_rx_vm {
	const struct pp_rx_config *cfg;
	enum pp_aes_backend aes;
	const struct pp_rx_cache *cache;  /* light mode */
	const uint8_t *dataset;           /* fast mode (the cache is then unused) */
	struct pp_mapping spad_map;
	uint8_t *scratchpad;
	uint32_t mask_l1, mask_l2, mask_l3; /* 8-byte aligned level masks (spec table 4.2.1) */
	uint32_t mask_l3_line;            /* 64-byte aligned L3 mask */
	uint32_t line_mask;               /* dataset base size - 1, 64-byte aligned */
	uint8_t optable[256];
	struct pp_rx_program prog;
	struct pp_rx_program_config pcfg;
	struct pp_rx_bc bc[PP_RX_PROGRAM_SIZE_MAX + 1];
	uint64_t regfile[32] __attribute__((aligned(64))); /* r0-r7, f0-f3, e0-e3, a0-a3 */
	struct pp_rx_jit *jit;            /* compiled programs; NULL: the interpreter */
};

/* A VM over `cache` (light) or `dataset` (fast; cache may then be a cache whose memory was
 * released). pages: scratchpad pages; soft_aes forces the portable AES back end. Returns 0,
 * -EINVAL or -ENOMEM. */
int pp_rx_vm_new(const struct pp_rx_config *cfg, const struct pp_rx_cache *cache,
		 const void *dataset, enum pp_pages pages, bool soft_aes, struct pp_rx_vm **out);
void pp_rx_vm_free(struct pp_rx_vm *vm);

/* RandomX(key of the cache, in) into out. Leaves the caller's floating-point rounding mode as
 * it found it. */
void pp_rx_vm_hash(struct pp_rx_vm *vm, const void *in, size_t len, uint8_t out[32]);

/* Runs programs as compiled x86-64 code (on) or with the interpreter (off, the default);
 * `rwx` keeps the code pages writable too. Same hashes either way (a program whose code
 * cannot be made executable is interpreted). Not to be called while the VM hashes. Returns
 * 0; -ENOTSUP when `on` and there is no JIT for this CPU; -EINVAL; -ENOMEM or -EPERM (no
 * executable memory). */
int pp_rx_vm_set_jit(struct pp_rx_vm *vm, bool on, bool rwx);
/* True while programs are compiled. */
bool pp_rx_vm_jit(const struct pp_rx_vm *vm);

/* The executor: compile vm->prog into vm->bc, then run it for program_iterations with
 * vm->pcfg, leaving the register file in vm->regfile. */
void pp_rx_interp_compile(struct pp_rx_vm *vm);
void pp_rx_interp_run(struct pp_rx_vm *vm);

#endif
