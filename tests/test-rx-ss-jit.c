/* SuperscalarHash JIT (kernels/randomx/ss-jit.c): dataset items from compiled code against
 * the interpreter (random positions, both ends, single items and runs, several keys and
 * configurations), against librandomx's dataset init, and where the code lives (an anonymous
 * mapping, writable only when asked). The JIT is x86-64 only: elsewhere these tests skip, and
 * the interpreter they compare with is covered by test-randomx. */
#include "core/jit-buf.h"
#include "kernels/randomx/dataset.h"
#include "kernels/randomx/ss-jit.h"
#include "support/testutil.h"

#include <criterion/criterion.h>
#include <errno.h>
#include <randomx.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void need_jit(void)
{
	if (!pp_jit_supported())
		cr_skip_test("no SuperscalarHash JIT for this CPU (x86-64 only); the interpreter "
			     "is tested in test-randomx");
}

static struct pp_rx_cache *cache_for(const struct pp_rx_config *cfg, const void *key, size_t len)
{
	struct pp_rx_cache *c = NULL;
	int err = pp_rx_cache_new(cfg, key, len, PP_PAGES_AUTO, &c);
	cr_assert_eq(err, 0, "%s cache for a %zu-byte key: error %d", cfg->name, len, err);
	return c;
}

/* Interpreter vs JIT on `n` random items plus item 0 and the last, one at a time, then on
 * runs of 1..19 items (the group remainder paths) and a fill of `fill` items. */
static void compare(struct pp_rx_cache *c, uint64_t seed, size_t n, uint64_t fill,
		    const char *what)
{
	const uint64_t items = pp_rx_dataset_items(c->cfg);
	uint64_t *pos = malloc((n + 2) * sizeof(*pos));
	uint64_t (*want)[8] = malloc((n + 2) * 64);
	cr_assert(pos && want);
	pos[0] = 0;
	pos[1] = items - 1;
	for (size_t i = 2; i < n + 2; i++)
		pos[i] = pp_test_rand(&seed) % items;

	cr_assert_eq(pp_rx_cache_set_jit(c, false, false), 0);
	cr_assert_not(pp_rx_cache_jit(c));
	for (size_t i = 0; i < n + 2; i++)
		pp_rx_dataset_item(c, pos[i], want[i]);
	const uint64_t run_first = items - 1 - 4000 - pp_test_rand(&seed) % 1000000;
	uint64_t *fill_want = malloc(fill * 64), *fill_got = malloc(fill * 64);
	cr_assert(fill_want && fill_got);
	pp_rx_dataset_fill(c, run_first, fill, fill_want, 2, NULL, NULL);

	cr_assert_eq(pp_rx_cache_set_jit(c, true, false), 0);
	cr_assert(pp_rx_cache_jit(c));
	for (size_t i = 0; i < n + 2; i++) {
		uint64_t got[8];
		pp_rx_dataset_item(c, pos[i], got);
		cr_assert_arr_eq(got, want[i], 64, "%s: item %llu, JIT != interpreter", what,
				 (unsigned long long)pos[i]);
	}
	memset(fill_got, 0x5a, fill * 64);
	pp_rx_dataset_fill(c, run_first, fill, fill_got, 2, NULL, NULL);
	for (uint64_t i = 0; i < fill; i++)
		cr_assert_arr_eq(fill_got + 8 * i, fill_want + 8 * i, 64,
				 "%s: fill item %llu, JIT != interpreter", what,
				 (unsigned long long)(run_first + i));
	/* Runs of every short length straight through the run entry point, at odd offsets, with
	 * a guard word after each so an overrun shows. */
	for (uint64_t count = 1, at = 0; count < 20 && at + count <= fill; at += count, count++) {
		uint64_t got[20 * 8 + 1];
		got[8 * count] = 0xfeedfacecafebeefULL;
		pp_rx_ss_jit_items(c->jit, run_first + at, count, got);
		cr_assert_arr_eq(got, fill_want + 8 * at, 64 * count,
				 "%s: run of %llu items at %llu", what, (unsigned long long)count,
				 (unsigned long long)(run_first + at));
		cr_assert_eq(got[8 * count], 0xfeedfacecafebeefULL, "%s: run of %llu overran",
			     what, (unsigned long long)count);
	}
	free(fill_want);
	free(fill_got);
	free(want);
	free(pos);
}

Test(rx_ss_jit, rx0_random_keys_vs_interpreter, .timeout = 120)
{
	need_jit();
	uint64_t seed = 0x5eed0001;
	/* Lengths: empty, typical, and the 60-byte maximum the generator uses. */
	const size_t lens[] = { 0, 32, 60 };
	for (size_t k = 0; k < sizeof(lens) / sizeof(lens[0]); k++) {
		uint8_t key[60];
		for (size_t i = 0; i < sizeof(key); i++)
			key[i] = (uint8_t)pp_test_rand(&seed);
		struct pp_rx_cache *c = cache_for(&pp_rx_config_rx0, key, lens[k]);
		char what[64];
		snprintf(what, sizeof(what), "rx/0 key %zu (%zu bytes)", k, lens[k]);
		compare(c, seed + k, 20000, 3001, what);
		pp_rx_cache_free(c);
	}
}

/* rx/wow and rx/arq (their own Argon2 salts and passes), and made-up configurations with
 * fewer cache accesses, a shorter latency and a small cache, which the code generator must
 * follow as well. */
Test(rx_ss_jit, other_configs_vs_interpreter, .timeout = 120)
{
	need_jit();
	static const char key[] = "other configurations";
	const struct pp_rx_config *cfgs[] = { &pp_rx_config_wow, &pp_rx_config_arq };
	for (size_t i = 0; i < sizeof(cfgs) / sizeof(cfgs[0]); i++) {
		struct pp_rx_cache *c = cache_for(cfgs[i], key, sizeof(key) - 1);
		compare(c, 7 + i, 300, 500, cfgs[i]->name);
		pp_rx_cache_free(c);
	}
	const struct {
		uint32_t accesses, latency, argon_kib;
	} odd[] = { { 2, 1, 64 }, { 3, 50, 1024 }, { 7, 170, 256 } };
	for (size_t i = 0; i < sizeof(odd) / sizeof(odd[0]); i++) {
		struct pp_rx_config cfg = pp_rx_config_rx0;
		cfg.name = "made-up";
		cfg.cache_accesses = odd[i].accesses;
		cfg.superscalar_latency = odd[i].latency;
		cfg.argon_memory = odd[i].argon_kib;
		cfg.argon_iterations = 1;
		cr_assert_eq(pp_rx_config_check(&cfg), 0);
		struct pp_rx_cache *c = cache_for(&cfg, key, sizeof(key) - 1);
		char what[80];
		snprintf(what, sizeof(what), "%u accesses, latency %u, %u KiB", odd[i].accesses,
			 odd[i].latency, odd[i].argon_kib);
		compare(c, 100 + i, 2000, 700, what);
		pp_rx_cache_free(c);
	}
}

Test(rx_ss_jit, ranges_vs_librandomx, .timeout = 120)
{
	need_jit();
	static const char key[] = "superscalar jit key";
	struct pp_rx_cache *c = cache_for(&pp_rx_config_rx0, key, sizeof(key) - 1);
	cr_assert_eq(pp_rx_cache_set_jit(c, true, false), 0);
	randomx_flags flags = randomx_get_flags() & ~RANDOMX_FLAG_JIT;
	randomx_cache *rc = randomx_alloc_cache(flags);
	randomx_dataset *rd = randomx_alloc_dataset(flags);
	if (!rd)
		cr_skip_test("librandomx could not reserve its 2 GiB dataset (address space)");
	randomx_init_cache(rc, key, sizeof(key) - 1);
	const uint64_t items = pp_rx_dataset_items(&pp_rx_config_rx0);
	const struct {
		uint64_t first, count;
	} ranges[] = { { 0, 2000 }, { 23456789, 1003 }, { items - 1001, 1001 } };
	for (size_t i = 0; i < sizeof(ranges) / sizeof(ranges[0]); i++) {
		const uint64_t first = ranges[i].first, count = ranges[i].count;
		uint64_t *ours = malloc(count * 64);
		cr_assert_not_null(ours);
		pp_rx_dataset_fill(c, first, count, ours, 2, NULL, NULL);
		randomx_init_dataset(rd, rc, (unsigned long)first, (unsigned long)count);
		const uint8_t *ref = (const uint8_t *)randomx_get_dataset_memory(rd) + first * 64;
		for (uint64_t j = 0; j < count; j++)
			cr_assert_arr_eq(ours + 8 * j, ref + 64 * j, 64,
					 "item %llu: JIT differs from librandomx",
					 (unsigned long long)(first + j));
		uint64_t one[8];
		pp_rx_dataset_item(c, first + count - 1, one);
		cr_assert_arr_eq(one, ref + 64 * (count - 1), 64, "single-item entry differs");
		free(ours);
	}
	randomx_release_dataset(rd);
	randomx_release_cache(rc);
	pp_rx_cache_free(c);
}

Test(rx_ss_jit, code_mapping_and_lifecycle, .timeout = 60)
{
	need_jit();
	static const char key[] = "mapping";
	struct pp_rx_cache *c = cache_for(&pp_rx_config_rx0, key, sizeof(key) - 1);
	for (int rwx = 0; rwx < 2; rwx++) {
		cr_assert_eq(pp_rx_cache_set_jit(c, true, rwx), 0);
		size_t len = 0;
		const void *code = pp_rx_ss_jit_code(c->jit, &len);
		cr_assert(code && len > 0);
		char perms[5] = "", path[256];
		cr_assert(pp_test_mapping_of(code, perms, path, sizeof(path)),
			  "JIT code %p not in /proc/self/maps", code);
		cr_assert_str_empty(path, "JIT code is in a named mapping: %s", path);
		cr_assert_str_eq(perms, rwx ? "rwxp" : "r-xp", "JIT code mapped %s (rwx %d)", perms,
				 rwx);
		cr_assert(pp_test_mapping_of((const char *)code + len - 1, perms, path, sizeof(path)));
	}
	uint64_t a[8], b[8];
	pp_rx_dataset_item(c, 12345, a);
	cr_assert_eq(pp_rx_cache_set_jit(c, false, false), 0);
	cr_assert_not(pp_rx_cache_jit(c));
	pp_rx_dataset_item(c, 12345, b);
	cr_assert_arr_eq(a, b, 64);

	/* Fast mode drops the Argon2 memory: the compiled code, which reads it, goes too. */
	cr_assert_eq(pp_rx_cache_set_jit(c, true, false), 0);
	pp_rx_cache_release_memory(c);
	cr_assert_not(pp_rx_cache_jit(c));
	cr_assert_null(c->jit);
	cr_assert_eq(pp_rx_cache_set_jit(c, true, false), -EINVAL);
	cr_assert_eq(pp_rx_cache_set_jit(c, false, false), 0);
	pp_rx_cache_free(c);

	struct pp_rx_ss_jit *j = (struct pp_rx_ss_jit *)&j;
	cr_assert_eq(pp_rx_ss_jit_new(NULL, false, &j), -EINVAL);
	cr_assert_null(j);
	pp_rx_ss_jit_free(NULL);
}
