/* The RandomX VM object and the per-hash loop (spec chapter 2, steps 2-14). */
#include "kernels/randomx/vm.h"

#include "core/jit-buf.h"
#include "kernels/crypto/blake2b.h"
#include "kernels/randomx/jit.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#if defined(__x86_64__) || defined(__SSE2__)
#include <immintrin.h>
#else
#include <fenv.h>
#endif

int pp_rx_vm_new(const struct pp_rx_config *cfg, const struct pp_rx_cache *cache,
		 const void *dataset, enum pp_pages pages, bool soft_aes, struct pp_rx_vm **out)
{
	if (!out || pp_rx_config_check(cfg) || (!dataset && (!cache || !cache->words)) ||
	    (cache && cache->cfg != cfg))
		return -EINVAL;
	*out = NULL;
	struct pp_rx_vm *vm = aligned_alloc(64, sizeof(*vm));
	if (!vm)
		return -ENOMEM;
	memset(vm, 0, sizeof(*vm));
	int rc = pp_pages_alloc(cfg->scratchpad_l3, pages, &vm->spad_map);
	if (rc) {
		free(vm);
		return rc;
	}
	vm->cfg = cfg;
	vm->aes = pp_aes_backend_detect(soft_aes);
	vm->cache = cache;
	vm->dataset = dataset;
	vm->scratchpad = vm->spad_map.ptr;
	vm->mask_l1 = (cfg->scratchpad_l1 - 1) & ~7u;
	vm->mask_l2 = (cfg->scratchpad_l2 - 1) & ~7u;
	vm->mask_l3 = (cfg->scratchpad_l3 - 1) & ~7u;
	vm->mask_l3_line = (cfg->scratchpad_l3 - 1) & ~63u;
	vm->line_mask = (uint32_t)((cfg->dataset_base_size - 1) & ~63ULL);
	pp_rx_opcode_table(cfg, vm->optable);
	*out = vm;
	return 0;
}

void pp_rx_vm_free(struct pp_rx_vm *vm)
{
	if (!vm)
		return;
	pp_rx_jit_free(vm->jit);
	pp_pages_free(&vm->spad_map);
	free(vm);
}

int pp_rx_vm_set_jit(struct pp_rx_vm *vm, bool on, bool rwx)
{
	if (!vm)
		return -EINVAL;
	if (on && !pp_jit_supported())
		return -ENOTSUP;
	pp_rx_jit_free(vm->jit);
	vm->jit = NULL;
	return on ? pp_rx_jit_new(rwx, &vm->jit) : 0;
}

bool pp_rx_vm_jit(const struct pp_rx_vm *vm)
{
	return vm && vm->jit;
}

#if defined(__x86_64__) || defined(__SSE2__)
typedef unsigned fp_state;
static fp_state fp_enter(void)
{
	fp_state s = _mm_getcsr();
	_mm_setcsr(s & ~0x6000u); /* fprc = 0: round to nearest (spec 2, step 6) */
	return s;
}
static void fp_leave(fp_state s)
{
	_mm_setcsr(s);
}
#else
typedef int fp_state;
static fp_state fp_enter(void)
{
	fp_state s = fegetround();
	fesetround(FE_TONEAREST);
	return s;
}
static void fp_leave(fp_state s)
{
	fesetround(s);
}
#endif

void pp_rx_vm_hash(struct pp_rx_vm *vm, const void *in, size_t len, uint8_t out[32])
{
	const struct pp_rx_config *cfg = vm->cfg;
	uint8_t seed[64];
	pp_blake2b(seed, sizeof(seed), in, len, NULL, 0);
	pp_rx_aes_fill1r(vm->aes, seed, vm->scratchpad, cfg->scratchpad_l3);
	fp_state fp = fp_enter();
	for (uint32_t chain = 0; chain < cfg->program_count; chain++) {
		pp_rx_program_generate(cfg, vm->aes, seed, &vm->prog);
		pp_rx_program_configure(cfg, &vm->prog, &vm->pcfg);
		/* A compilation can only fail in mprotect; the interpreter then runs this
		 * program, with the same result. */
		if (vm->jit && pp_rx_jit_compile(vm->jit, vm) == 0) {
			pp_rx_jit_run(vm->jit, vm);
		} else {
			pp_rx_interp_compile(vm);
			pp_rx_interp_run(vm);
		}
		if (chain + 1 < cfg->program_count)
			pp_blake2b(seed, sizeof(seed), vm->regfile, sizeof(vm->regfile), NULL, 0);
	}
	fp_leave(fp);
	/* The scratchpad's fingerprint replaces a0-a3, then Hash256 of the register file. */
	pp_rx_aes_hash1r(vm->aes, vm->scratchpad, cfg->scratchpad_l3, (uint8_t *)&vm->regfile[24]);
	pp_blake2b(out, 32, vm->regfile, sizeof(vm->regfile), NULL, 0);
}
