/* RandomX program JIT (kernels/randomx/jit-x86.c): whole hashes against the interpreter
 * (light mode on random keys and inputs, the official vectors, rx/wow, rx/arq, fast mode over
 * a small real dataset), against librandomx, and thousands of random programs run both ways
 * on configurations made to branch and change the rounding mode often, comparing registers,
 * scratchpad and rounding mode; plus where the code lives (anonymous, W^X unless RWX was
 * asked for) and the caller's MXCSR. The JIT is x86-64 only: elsewhere these tests skip, and
 * the interpreter they compare with is covered by test-randomx. */
#include "core/hex.h"
#include "core/jit-buf.h"
#include "kernels/randomx/dataset.h"
#include "kernels/randomx/jit.h"
#include "kernels/randomx/vm.h"
#include "support/testutil.h"

#include <criterion/criterion.h>
#include <errno.h>
#include <randomx.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#if defined(__x86_64__)
#include <immintrin.h>
#define csr_get() _mm_getcsr()
#define csr_set(v) _mm_setcsr(v)
#else /* the tests that use MXCSR skip before they get here */
#define csr_get() 0u
#define csr_set(v) ((void)(v))
#endif

static void need_jit(void)
{
	if (!pp_jit_supported())
		cr_skip_test("no RandomX program JIT for this CPU (x86-64 only); the interpreter "
			     "is tested in test-randomx");
}

static void fill_random(uint64_t *s, void *p, size_t n)
{
	uint8_t *b = p;
	for (size_t i = 0; i < n; i += 8) {
		const uint64_t v = pp_test_rand(s);
		memcpy(b + i, &v, n - i < 8 ? n - i : 8);
	}
}

static struct pp_rx_cache *cache_for(const struct pp_rx_config *cfg, const void *key, size_t len,
				     bool ss_jit)
{
	struct pp_rx_cache *c = NULL;
	int err = pp_rx_cache_new(cfg, key, len, PP_PAGES_AUTO, &c);
	cr_assert_eq(err, 0, "%s cache for a %zu-byte key: error %d", cfg->name, len, err);
	/* Compiled dataset items only make the tests quicker: both VMs read the same items. */
	if (ss_jit)
		cr_assert_eq(pp_rx_cache_set_jit(c, true, false), 0);
	return c;
}

static struct pp_rx_vm *vm_for(const struct pp_rx_config *cfg, const struct pp_rx_cache *c,
			       const void *dataset, bool jit)
{
	struct pp_rx_vm *vm = NULL;
	int err = pp_rx_vm_new(cfg, c, dataset, PP_PAGES_AUTO, false, &vm);
	cr_assert_eq(err, 0, "%s VM: error %d", cfg->name, err);
	if (jit) {
		err = pp_rx_vm_set_jit(vm, true, false);
		cr_assert_eq(err, 0, "JIT on: error %d", err);
		cr_assert(pp_rx_vm_jit(vm));
	}
	return vm;
}

/* The interpreter's VM and the JIT's agree on the hash of `in`. */
static void same_hash(struct pp_rx_vm *interp, struct pp_rx_vm *jit, const void *in, size_t len,
		      const char *what)
{
	uint8_t want[32], got[32];
	char w[65], g[65];
	pp_rx_vm_hash(interp, in, len, want);
	pp_rx_vm_hash(jit, in, len, got);
	pp_hex_encode(want, 32, w);
	pp_hex_encode(got, 32, g);
	cr_assert_arr_eq(got, want, 32, "%s (%zu-byte input): JIT %s, interpreter %s", what, len, g,
			 w);
}

/* Random keys and inputs with one cache per key, both VMs on it: `keys` x `inputs`. */
static void light_random(const struct pp_rx_config *cfg, uint64_t seed, int keys, int inputs)
{
	for (int k = 0; k < keys; k++) {
		uint8_t key[60], in[300];
		const size_t klen = k == 0 ? 0 : pp_test_rand(&seed) % 61;
		fill_random(&seed, key, klen);
		struct pp_rx_cache *c = cache_for(cfg, key, klen, true);
		struct pp_rx_vm *a = vm_for(cfg, c, NULL, false), *b = vm_for(cfg, c, NULL, true);
		for (int j = 0; j < inputs; j++) {
			const size_t len = j == 0 ? 0 : pp_test_rand(&seed) % sizeof(in);
			fill_random(&seed, in, len);
			char what[96];
			snprintf(what, sizeof(what), "%s key %d (%zu bytes) input %d", cfg->name, k,
				 klen, j);
			same_hash(a, b, in, len, what);
		}
		pp_rx_vm_free(b);
		pp_rx_vm_free(a);
		pp_rx_cache_free(c);
	}
}

Test(rx_jit, set_jit_api)
{
	static const char key[] = "api";
	struct pp_rx_config cfg = pp_rx_config_rx0;
	cfg.argon_memory = 64;
	cfg.argon_iterations = 1;
	struct pp_rx_cache *c = cache_for(&cfg, key, 3, false);
	struct pp_rx_vm *vm = vm_for(&cfg, c, NULL, false);
	cr_assert_not(pp_rx_vm_jit(vm), "the JIT is on by default");
	cr_assert_not(pp_rx_vm_jit(NULL));
	cr_assert_eq(pp_rx_vm_set_jit(NULL, true, false), -EINVAL);
	if (!pp_jit_supported()) {
		cr_assert_eq(pp_rx_vm_set_jit(vm, true, false), -ENOTSUP);
		cr_assert_not(pp_rx_vm_jit(vm));
	} else {
		cr_assert_eq(pp_rx_vm_set_jit(vm, true, false), 0);
		cr_assert(pp_rx_vm_jit(vm));
		cr_assert_eq(pp_rx_vm_set_jit(vm, true, true), 0, "switching to RWX");
		cr_assert(pp_rx_vm_jit(vm));
	}
	cr_assert_eq(pp_rx_vm_set_jit(vm, false, false), 0);
	cr_assert_not(pp_rx_vm_jit(vm));
	cr_assert_eq(pp_rx_vm_set_jit(vm, false, false), 0, "off twice");
	pp_rx_vm_free(vm);
	pp_rx_cache_free(c);
}

Test(rx_jit, rx0_light_random_keys_vs_interpreter, .timeout = 300)
{
	need_jit();
	light_random(&pp_rx_config_rx0, 0x71700001, 6, 30);
}

Test(rx_jit, wow_and_arq_vs_interpreter, .timeout = 300)
{
	need_jit();
	light_random(&pp_rx_config_wow, 0x71700002, 2, 8);
	light_random(&pp_rx_config_arq, 0x71700003, 2, 12);
}

/* The official rx/0 vectors and the rx/wow ones through the JIT, with the caller in each
 * rounding mode (and flush-to-zero off): the hash is the same and MXCSR comes back as it
 * was, to the bit. */
Test(rx_jit, vectors_and_caller_mxcsr, .timeout = 300)
{
	need_jit();
	struct pp_vec_line *v;
	const int n = pp_vec_load("randomx.txt", &v);
	const unsigned caller = csr_get();
	int hashes = 0, modes = 0;
	for (int i = 0; i < n; i++) {
		const struct pp_vec_line *l = &v[i];
		const bool wow = strcmp(l->field[0], "wow") == 0;
		if (!wow && strcmp(l->field[0], "hash") != 0)
			continue;
		const struct pp_rx_config *cfg = wow ? &pp_rx_config_wow : &pp_rx_config_rx0;
		uint8_t key[64], in[256], want[32], got[32];
		const size_t klen = pp_test_unhex(l->field[1], key, sizeof(key));
		const size_t len = pp_test_unhex(l->field[2], in, sizeof(in));
		pp_test_unhex(l->field[3], want, sizeof(want));
		struct pp_rx_cache *c = cache_for(cfg, key, klen, true);
		struct pp_rx_vm *vm = vm_for(cfg, c, NULL, true);
		for (unsigned rc = 0; rc < (hashes == 0 ? 4u : 1u); rc++) {
			const unsigned csr = (caller & ~0xe000u) | rc << 13;
			csr_set(csr);
			pp_rx_vm_hash(vm, in, len, got);
			const unsigned after = csr_get();
			csr_set(caller);
			cr_assert_eq(after, csr, "randomx.txt:%d: MXCSR %#x before the hash, %#x after",
				     l->lineno, csr, after);
			char g[65];
			pp_hex_encode(got, 32, g);
			cr_assert_arr_eq(got, want, 32, "randomx.txt:%d: %s JIT got %s (caller RC %u)",
					 l->lineno, cfg->name, g, rc);
			modes++;
		}
		pp_rx_vm_free(vm);
		pp_rx_cache_free(c);
		hashes++;
	}
	pp_vec_free(v, n);
	cr_assert_eq(hashes, 7, "5 rx/0 and 2 rx/wow vectors expected, found %d", hashes);
	cr_assert_eq(modes, 10);
}

Test(rx_jit, rx0_light_vs_librandomx, .timeout = 300)
{
	need_jit();
	uint64_t seed = 0x71700004;
	randomx_flags flags = randomx_get_flags() & ~RANDOMX_FLAG_JIT;
	randomx_cache *rc = randomx_alloc_cache(flags);
	cr_assert_not_null(rc, "librandomx could not allocate a cache");
	uint8_t key[32];
	fill_random(&seed, key, sizeof(key));
	randomx_init_cache(rc, key, sizeof(key));
	randomx_vm *rvm = randomx_create_vm(flags, rc, NULL);
	cr_assert_not_null(rvm);
	struct pp_rx_cache *c = cache_for(&pp_rx_config_rx0, key, sizeof(key), true);
	struct pp_rx_vm *vm = vm_for(&pp_rx_config_rx0, c, NULL, true);
	for (int j = 0; j < 4; j++) {
		uint8_t in[200], ours[32], ref[32];
		const size_t len = 1 + pp_test_rand(&seed) % sizeof(in);
		fill_random(&seed, in, len);
		pp_rx_vm_hash(vm, in, len, ours);
		randomx_calculate_hash(rvm, in, len, ref);
		char o[65], r[65];
		pp_hex_encode(ours, 32, o);
		pp_hex_encode(ref, 32, r);
		cr_assert_arr_eq(ours, ref, 32, "input %d (%zu bytes): JIT %s, librandomx %s", j, len,
				 o, r);
	}
	pp_rx_vm_free(vm);
	pp_rx_cache_free(c);
	randomx_destroy_vm(rvm);
	randomx_release_cache(rc);
}

/* Fast mode needs the whole dataset; a 1 MiB one (a made-up rx/0 with a small base size and
 * cache) is filled for real and read by both VMs. */
Test(rx_jit, fast_mode_small_dataset_vs_interpreter, .timeout = 300)
{
	need_jit();
	static const char key[] = "fast mode";
	struct pp_rx_config cfg = pp_rx_config_rx0;
	cfg.name = "rx/0, 1 MiB dataset";
	cfg.argon_memory = 4096;
	cfg.argon_iterations = 1;
	cfg.dataset_base_size = 1 << 20;
	cfg.dataset_extra_size = 64 * 1023;
	cr_assert_eq(pp_rx_config_check(&cfg), 0);
	struct pp_rx_cache *c = cache_for(&cfg, key, sizeof(key) - 1, true);
	const uint64_t items = pp_rx_dataset_items(&cfg);
	uint8_t *ds = malloc(items * 64);
	cr_assert_not_null(ds);
	pp_rx_dataset_fill(c, 0, items, ds, 2, NULL, NULL);
	struct pp_rx_vm *a = vm_for(&cfg, c, ds, false), *b = vm_for(&cfg, c, ds, true);
	struct pp_rx_vm *light = vm_for(&cfg, c, NULL, true);
	uint64_t seed = 0x71700005;
	for (int j = 0; j < 12; j++) {
		uint8_t in[100], want[32], got[32];
		const size_t len = pp_test_rand(&seed) % sizeof(in);
		fill_random(&seed, in, len);
		char what[64];
		snprintf(what, sizeof(what), "fast mode input %d", j);
		same_hash(a, b, in, len, what);
		if (j < 3) {
			/* light mode over the same cache agrees with both */
			pp_rx_vm_hash(b, in, len, want);
			pp_rx_vm_hash(light, in, len, got);
			cr_assert_arr_eq(got, want, 32, "input %d: light JIT != fast JIT", j);
		}
	}
	pp_rx_vm_free(light);
	pp_rx_vm_free(b);
	pp_rx_vm_free(a);
	free(ds);
	pp_rx_cache_free(c);
}

/* A test configuration: few iterations, one program, a given branch condition and scratchpad,
 * and instruction frequencies `heavy`: 0 as rx/0, 1 every type (NOP too) about equally often,
 * 2 mostly CBRANCH and CFROUND. */
static struct pp_rx_config prog_config(uint32_t jump_bits, uint32_t jump_offset, uint32_t l1,
				       uint32_t l2, uint32_t l3, uint32_t size, int heavy)
{
	struct pp_rx_config cfg = pp_rx_config_rx0;
	cfg.name = "random programs";
	cfg.argon_memory = 256;
	cfg.argon_iterations = 1;
	cfg.dataset_base_size = 65536;
	cfg.dataset_extra_size = 64 * 33;
	cfg.program_iterations = 10;
	cfg.program_count = 1;
	cfg.program_size = size;
	cfg.jump_bits = jump_bits;
	cfg.jump_offset = jump_offset;
	cfg.scratchpad_l1 = l1;
	cfg.scratchpad_l2 = l2;
	cfg.scratchpad_l3 = l3;
	if (heavy) {
		unsigned sum = 0;
		for (int t = 0; t < PP_RX_INSTR_COUNT; t++) {
			cfg.freq[t] = heavy == 1 ? 8 : t == PP_RX_NOP ? 0 : 6;
			sum += cfg.freq[t];
		}
		if (heavy == 2) {
			sum += 40 - cfg.freq[PP_RX_CFROUND];
			cfg.freq[PP_RX_CFROUND] = 40;
		}
		cfg.freq[PP_RX_CBRANCH] += (uint8_t)(256 - sum);
	}
	cr_assert_eq(pp_rx_config_check(&cfg), 0);
	return cfg;
}

/* Runs random programs (random instruction bytes and entropy) on two VMs of cfg, one
 * interpreted and one compiled, from the same scratchpad and rounding mode; the register
 * file, the scratchpad and the rounding mode left must agree. Fast mode reads `dataset`
 * (random bytes: any memory will do), light mode the cache. */
static void random_programs(const struct pp_rx_config *cfg, const struct pp_rx_cache *c,
			    const void *dataset, int count, uint64_t seed)
{
	struct pp_rx_vm *a = vm_for(cfg, c, dataset, false), *b = vm_for(cfg, c, dataset, true);
	const size_t spad = cfg->scratchpad_l3;
	uint8_t *start = malloc(spad);
	cr_assert_not_null(start);
	const unsigned caller = csr_get();
	for (int p = 0; p < count; p++) {
		if (p % 64 == 0)
			fill_random(&seed, start, spad);
		fill_random(&seed, &a->prog, sizeof(a->prog));
		pp_rx_program_configure(cfg, &a->prog, &a->pcfg);
		b->prog = a->prog;
		b->pcfg = a->pcfg;
		memcpy(a->scratchpad, start, spad);
		memcpy(b->scratchpad, start, spad);
		const unsigned csr = (caller & ~0x6000u) | (unsigned)(pp_test_rand(&seed) & 3) << 13;

		csr_set(csr);
		pp_rx_interp_compile(a);
		pp_rx_interp_run(a);
		const unsigned csr_a = csr_get();
		csr_set(csr);
		const int err = pp_rx_jit_compile(b->jit, b);
		if (err == 0)
			pp_rx_jit_run(b->jit, b);
		const unsigned csr_b = csr_get();
		csr_set(caller);

		cr_assert_eq(err, 0, "compile: error %d", err);
		cr_assert_eq(csr_b & 0x6000, csr_a & 0x6000,
			     "%s, program %d (seed %#llx): rounding mode %u after the JIT, %u after "
			     "the interpreter", cfg->name, p, (unsigned long long)seed,
			     (csr_b >> 13) & 3, (csr_a >> 13) & 3);
		for (int r = 0; r < 32; r++)
			cr_assert_eq(b->regfile[r], a->regfile[r],
				     "%s (jump bits %u, offset %u, L3 %u), program %d: register word "
				     "%d: JIT %016llx, interpreter %016llx",
				     cfg->name, cfg->jump_bits, cfg->jump_offset, cfg->scratchpad_l3, p,
				     r, (unsigned long long)b->regfile[r],
				     (unsigned long long)a->regfile[r]);
		cr_assert(memcmp(a->scratchpad, b->scratchpad, spad) == 0,
			  "program %d: the scratchpads differ", p);
	}
	free(start);
	pp_rx_vm_free(b);
	pp_rx_vm_free(a);
}

Test(rx_jit, random_programs_vs_interpreter, .timeout = 300)
{
	need_jit();
	const struct {
		uint32_t jump_bits, jump_offset, l1, l2, l3, size;
		int heavy, count;
	} t[] = {
		{ 8, 8, 16384, 262144, 2097152, 256, 0, 1000 },  /* rx/0 as it is */
		{ 1, 0, 16384, 262144, 262144, 256, 2, 4000 },  /* branch half the time, b = 0.. */
		{ 2, 14, 64, 128, 256, 64, 2, 4000 },           /* top condition bits, tiny pad */
		{ 1, 7, 1024, 8192, 65536, 128, 1, 4000 },      /* every type, NOP included */
		{ 3, 3, 128, 4096, 131072, 8, 1, 4000 },        /* the shortest program */
	};
	uint64_t seed = 0x71700006;
	uint8_t *ds = NULL;
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		const struct pp_rx_config cfg = prog_config(t[i].jump_bits, t[i].jump_offset, t[i].l1,
							     t[i].l2, t[i].l3, t[i].size, t[i].heavy);
		const size_t ds_bytes = pp_rx_dataset_items(&cfg) * 64;
		if (!ds) {
			ds = malloc(ds_bytes);
			cr_assert_not_null(ds);
			fill_random(&seed, ds, ds_bytes);
		}
		random_programs(&cfg, NULL, ds, t[i].count, seed + i);
	}
	free(ds);
	/* Light mode: the spills around the call into pp_rx_dataset_item(). */
	const struct pp_rx_config cfg = prog_config(1, 4, 16384, 65536, 262144, 256, 2);
	struct pp_rx_cache *c = cache_for(&cfg, "light", 5, false);
	random_programs(&cfg, c, NULL, 200, seed);
	cr_assert_eq(pp_rx_cache_set_jit(c, true, false), 0);
	random_programs(&cfg, c, NULL, 200, seed + 1);
	pp_rx_cache_free(c);
}

Test(rx_jit, code_mapping_wx_and_rwx, .timeout = 120)
{
	need_jit();
	static const char key[] = "mapping";
	struct pp_rx_config cfg = pp_rx_config_rx0;
	cfg.argon_memory = 64;
	cfg.argon_iterations = 1;
	cfg.program_count = 2;
	cfg.program_iterations = 16;
	struct pp_rx_cache *c = cache_for(&cfg, key, sizeof(key) - 1, false);
	struct pp_rx_vm *a = vm_for(&cfg, c, NULL, false), *b = vm_for(&cfg, c, NULL, true);
	for (int rwx = 0; rwx < 2; rwx++) {
		cr_assert_eq(pp_rx_vm_set_jit(b, true, rwx), 0);
		same_hash(a, b, "mapping", 7, rwx ? "rwx" : "w^x");
		size_t len = 0;
		const void *code = pp_rx_jit_code(b->jit, &len);
		cr_assert(code && len > 1000 && len < 32768, "code at %p, %zu bytes", code, len);
		char perms[5] = "", path[256];
		cr_assert(pp_test_mapping_of(code, perms, path, sizeof(path)),
			  "%p is not in /proc/self/maps", code);
		cr_assert_str_empty(path, "the code is in a named mapping: %s", path);
		cr_assert_str_eq(perms, rwx ? "rwxp" : "r-xp");
	}
	pp_rx_vm_free(b);
	pp_rx_vm_free(a);
	pp_rx_cache_free(c);
}
