/* RandomX (kernels/randomx): the official rx/0 vectors and stage checks of
 * tests/vectors/randomx.txt, a differential test against Debian's librandomx (an
 * independent implementation) on 100 random (key, input) pairs in light mode, dataset
 * ranges against librandomx's dataset init, the AES back ends against each other, and the
 * pp_hash interface and CLI. Each test builds its own 256 MiB cache (about 1 s); fast mode
 * (2 GiB) is compared in bench/bench-rx.c. */
#include "core/hex.h"
#include "kernels/hash-algos.h"
#include "kernels/randomx/aes-gen.h"
#include "kernels/randomx/dataset.h"
#include "kernels/randomx/vm.h"
#include "support/testutil.h"

#include <powprint/hash.h>
#include <powprint/opts.h>

#include <criterion/criterion.h>
#include <errno.h>
#include <fenv.h>
#include <randomx.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static struct pp_rx_cache *cache_for(const uint8_t *key, size_t len)
{
	struct pp_rx_cache *c = NULL;
	int err = pp_rx_cache_new(&pp_rx_config_rx0, key, len, PP_PAGES_AUTO, &c);
	cr_assert_eq(err, 0, "cache for a %zu-byte key: error %d", len, err);
	return c;
}

static struct pp_rx_vm *vm_for(struct pp_rx_cache *c, bool soft_aes)
{
	struct pp_rx_vm *vm = NULL;
	int err = pp_rx_vm_new(&pp_rx_config_rx0, c, NULL, PP_PAGES_AUTO, soft_aes, &vm);
	cr_assert_eq(err, 0, "VM: error %d", err);
	return vm;
}

Test(randomx, config_contracts)
{
	cr_assert_eq(pp_rx_config_check(&pp_rx_config_rx0), 0);
	cr_assert_eq(pp_rx_config_check(&pp_rx_config_wow), 0);
	cr_assert_eq(pp_rx_config_check(&pp_rx_config_arq), 0);
	cr_assert(pp_rx_config_rx0.verified);
	cr_assert_eq(pp_rx_config_find("rx/0"), &pp_rx_config_rx0);
	cr_assert_eq(pp_rx_config_find("rx/wow"), &pp_rx_config_wow);
	cr_assert(pp_rx_config_wow.verified);
	/* rx/arq has parameters but no published vector: not an algorithm of pp_hash */
	cr_assert_null(pp_rx_config_find("rx/arq"));
	cr_assert_null(pp_rx_config_find("rx/1"));
	struct pp_rx_config bad = pp_rx_config_rx0;
	bad.freq[PP_RX_IADD_RS]++; /* frequencies no longer sum to 256 */
	cr_assert_eq(pp_rx_config_check(&bad), -EINVAL);
	bad = pp_rx_config_rx0;
	bad.scratchpad_l1 = 3 << 10; /* not a power of 2 */
	cr_assert_eq(pp_rx_config_check(&bad), -EINVAL);
	bad = pp_rx_config_rx0;
	bad.program_size = 257;
	cr_assert_eq(pp_rx_config_check(&bad), -EINVAL);
}

/* IMUL_RCP's reciprocal (spec 5.2.6): floor(2^x / d) with the largest x keeping it < 2^64. */
Test(randomx, reciprocal_is_the_largest_below_2_64)
{
	static const uint32_t d[] = { 3, 5, 7, 0x80000001u, 0xffffffffu, 0x12345678u, 1000000007u };
	for (size_t i = 0; i < sizeof(d) / sizeof(d[0]); i++) {
		uint64_t rcp = pp_rx_reciprocal(d[i]);
		int x = 63 + (32 - __builtin_clz(d[i]));
		unsigned __int128 p2 = (unsigned __int128)1 << x;
		cr_assert((unsigned __int128)rcp * d[i] <= p2 && (unsigned __int128)(rcp + 1) * d[i] > p2,
			  "d=%u: not floor(2^%d / d)", d[i], x);
		cr_assert(p2 * 2 / d[i] >> 64 != 0, "d=%u: 2^%d / d also fits 64 bits", d[i], x + 1);
	}
}

Test(randomx, aes_backends_agree)
{
	if (!pp_aes_backend_supported(PP_AES_X86) && !pp_aes_backend_supported(PP_AES_ARM))
		cr_skip_test("this CPU has no AES instructions: only the portable back end runs");
	enum pp_aes_backend hw = pp_aes_backend_detect(false);
	uint8_t seed[64], s1[64], s2[64], h1[64], h2[64];
	static uint8_t a[65536], b[65536];
	for (int i = 0; i < 64; i++)
		seed[i] = (uint8_t)(i * 37 + 1);
	memcpy(s1, seed, 64);
	memcpy(s2, seed, 64);
	pp_rx_aes_fill1r(PP_AES_SOFT, s1, a, sizeof(a));
	pp_rx_aes_fill1r(hw, s2, b, sizeof(b));
	cr_assert_arr_eq(a, b, sizeof(a), "AesGenerator1R output differs between back ends");
	cr_assert_arr_eq(s1, s2, 64, "AesGenerator1R final state differs");
	cr_assert_arr_neq(s1, seed, 64, "AesGenerator1R did not advance its state");
	pp_rx_aes_fill4r(PP_AES_SOFT, NULL, seed, a, 2176);
	pp_rx_aes_fill4r(hw, NULL, seed, b, 2176);
	cr_assert_arr_eq(a, b, 2176, "AesGenerator4R output differs between back ends");
	pp_rx_aes_hash1r(PP_AES_SOFT, a, sizeof(a), h1);
	pp_rx_aes_hash1r(hw, a, sizeof(a), h2);
	cr_assert_arr_eq(h1, h2, 64, "AesHash1R differs between back ends");
}

/* Every vector of tests/vectors/randomx.txt for one key, with one cache. */
static void check_key_vectors(const char *key_hex, bool stages)
{
	struct pp_vec_line *v;
	int n = pp_vec_load("randomx.txt", &v);
	uint8_t key[64];
	size_t klen = pp_test_unhex(key_hex, key, sizeof(key));
	struct pp_rx_cache *c = cache_for(key, klen);
	struct pp_rx_vm *vm = vm_for(c, false);
	int hashes = 0, checks = 0;
	for (int i = 0; i < n; i++) {
		const struct pp_vec_line *l = &v[i];
		cr_assert_eq(l->nfields, 4, "randomx.txt:%d: 4 fields expected", l->lineno);
		if (strcmp(l->field[1], key_hex) != 0)
			continue;
		if (strcmp(l->field[0], "hash") == 0) {
			uint8_t in[256], want[32], got[32];
			size_t len = pp_test_unhex(l->field[2], in, sizeof(in));
			pp_test_unhex(l->field[3], want, sizeof(want));
			pp_rx_vm_hash(vm, in, len, got);
			char g[65];
			pp_hex_encode(got, 32, g);
			cr_expect_arr_eq(got, want, 32, "randomx.txt:%d: got %s", l->lineno, g);
			hashes++;
		} else if (stages && (!strcmp(l->field[0], "cache") || !strcmp(l->field[0], "item"))) {
			uint64_t index = strtoull(l->field[2], NULL, 10);
			uint64_t want = strtoull(l->field[3], NULL, 16), got;
			if (strcmp(l->field[0], "cache") == 0) {
				cr_assert_lt(index, c->mem.size / 8);
				got = c->words[index];
			} else {
				uint64_t item[8];
				pp_rx_dataset_item(c, index, item);
				got = item[0];
			}
			cr_expect_eq(got, want, "randomx.txt:%d: %s %s: got %016llx", l->lineno,
				     l->field[0], l->field[2], (unsigned long long)got);
			checks++;
		}
	}
	cr_assert_gt(hashes, 0, "no hash vectors for key %s", key_hex);
	if (stages)
		cr_assert_eq(checks, 7, "expected 3 cache and 4 dataset checks, found %d", checks);

	if (stages) {
		/* The portable AES back end gives the same hash, and the caller's rounding mode
		 * survives (CFROUND changes it inside the hash). */
		struct pp_rx_vm *soft = vm_for(c, true);
		uint8_t want[32], got[32];
		pp_test_unhex("639183aae1bf4c9a35884cb46b09cad9175f04efd7684e7262a0ac1c2f0b4e3f", want,
			      32);
		cr_assert_eq(fesetround(FE_UPWARD), 0);
		pp_rx_vm_hash(soft, "This is a test", 14, got);
		int mode = fegetround();
		fesetround(FE_TONEAREST);
		cr_expect_eq(mode, FE_UPWARD, "the caller's rounding mode was not restored");
		cr_expect_arr_eq(got, want, 32, "soft AES (and a caller in FE_UPWARD) changes the hash");
		pp_rx_vm_free(soft);
	}
	pp_rx_vm_free(vm);
	pp_rx_cache_free(c);
	pp_vec_free(v, n);
}

Test(randomx, key000_vectors_and_stages, .timeout = 240)
{
	check_key_vectors("74657374206b657920303030", true);
}

Test(randomx, key001_vectors, .timeout = 240)
{
	check_key_vectors("74657374206b657920303031", false);
}

/* rx/wow against its two published vectors (tests/vectors/README.md says where from). */
Test(randomx, wow_matches_published_vectors, .timeout = 240)
{
	struct pp_vec_line *v;
	int n = pp_vec_load("randomx.txt", &v), checked = 0;
	for (int i = 0; i < n; i++) {
		const struct pp_vec_line *l = &v[i];
		if (strcmp(l->field[0], "wow") != 0)
			continue;
		uint8_t key[64], in[256], want[32], got[32];
		size_t klen = pp_test_unhex(l->field[1], key, sizeof(key));
		size_t len = pp_test_unhex(l->field[2], in, sizeof(in));
		pp_test_unhex(l->field[3], want, sizeof(want));
		struct pp_rx_cache *c = NULL;
		struct pp_rx_vm *vm = NULL;
		cr_assert_eq(pp_rx_cache_new(&pp_rx_config_wow, key, klen, PP_PAGES_AUTO, &c), 0);
		cr_assert_eq(pp_rx_vm_new(&pp_rx_config_wow, c, NULL, PP_PAGES_AUTO, false, &vm), 0);
		pp_rx_vm_hash(vm, in, len, got);
		char g[65];
		pp_hex_encode(got, 32, g);
		cr_expect_arr_eq(got, want, 32, "randomx.txt:%d: rx/wow got %s", l->lineno, g);
		pp_rx_vm_free(vm);
		pp_rx_cache_free(c);
		checked++;
	}
	pp_vec_free(v, n);
	cr_assert_eq(checked, 2);
}

/* Each RandomX row of the pp_hash table: its known answer is a line of randomx.txt ("hash"
 * for rx/0, "wow" for rx/wow), and pp_hash reproduces it in light mode. */
Test(randomx, listed_known_answers_are_published_and_reproduced, .timeout = 240)
{
	struct pp_vec_line *v;
	int n = pp_vec_load("randomx.txt", &v), checked = 0;
	for (int i = 0; pp_hash_algo_at(i); i++) {
		const struct pp_hash_algo *a = pp_hash_algo_at(i);
		if (strcmp(a->family, "randomx") != 0)
			continue;
		const char *tag = NULL;
		if (!strcmp(a->name, "rx/0"))
			tag = "hash";
		else if (!strcmp(a->name, "rx/wow"))
			tag = "wow";
		cr_assert_not_null(tag, "%s: no vector lines for it in randomx.txt", a->name);
		bool published = false;
		for (int j = 0; j < n && !published; j++)
			published = !strcmp(v[j].field[0], tag) &&
				    !strcasecmp(v[j].field[1], a->kat.key) &&
				    !strcasecmp(v[j].field[2], a->kat.input) &&
				    !strcasecmp(v[j].field[3], a->kat.hash);
		cr_assert(published, "%s: its known answer is not a line of randomx.txt", a->name);
		uint8_t key[PP_RX_KEY_MAX], in[256], want[32], got[32];
		size_t klen = pp_test_unhex(a->kat.key, key, sizeof(key));
		size_t len = pp_test_unhex(a->kat.input, in, sizeof(in));
		pp_test_unhex(a->kat.hash, want, sizeof(want));
		PP_OPTS(pp_hash_opts, o, .key = key, .key_len = klen, .rx_mode = PP_RX_LIGHT);
		struct pp_hash *h = NULL;
		struct pp_hash_worker *w = NULL;
		cr_assert_eq(pp_hash_open(a->name, &o, &h), 0, "%s", a->name);
		cr_assert_eq(pp_hash_worker_new(h, &w), 0);
		cr_assert_eq(pp_hash_compute(w, in, len, a->kat.height, got), 0);
		char g[65];
		pp_hex_encode(got, 32, g);
		cr_expect_arr_eq(got, want, 32, "%s: got %s, known answer %s", a->name, g, a->kat.hash);
		pp_hash_worker_free(w);
		pp_hash_close(h);
		checked++;
	}
	pp_vec_free(v, n);
	cr_assert_geq(checked, 2, "rx/0 and rx/wow expected in the hash table");
}

static uint64_t test_seed(void)
{
	const char *s = getenv("PP_RX_SEED");
	return s ? strtoull(s, NULL, 0) : 20240611;
}

/* 10 random keys (0..60 bytes) x 10 random inputs (0..300 bytes): 100 pairs. */
Test(randomx, differential_vs_librandomx_light, .timeout = 600)
{
	uint64_t seed = test_seed(), s = seed;
	randomx_flags flags = randomx_get_flags() & ~RANDOMX_FLAG_JIT;
	randomx_cache *rc = randomx_alloc_cache(flags);
	cr_assert_not_null(rc, "librandomx could not allocate a cache");
	int pairs = 0;
	for (int k = 0; k < 10; k++) {
		uint8_t key[60];
		size_t klen = k == 0 ? 0 : (k == 1 ? 60 : pp_test_rand(&s) % 61);
		for (size_t i = 0; i < klen; i++)
			key[i] = (uint8_t)pp_test_rand(&s);
		randomx_init_cache(rc, key, klen);
		randomx_vm *rvm = randomx_create_vm(flags, rc, NULL);
		cr_assert_not_null(rvm);
		struct pp_rx_cache *c = cache_for(key, klen);
		struct pp_rx_vm *vm = vm_for(c, false);
		for (int j = 0; j < 10; j++) {
			uint8_t in[300], ours[32], ref[32];
			size_t len = j == 0 ? 0 : pp_test_rand(&s) % sizeof(in);
			for (size_t i = 0; i < len; i++)
				in[i] = (uint8_t)pp_test_rand(&s);
			pp_rx_vm_hash(vm, in, len, ours);
			randomx_calculate_hash(rvm, in, len, ref);
			char kh[121], o[65], r[65];
			pp_hex_encode(key, klen, kh);
			pp_hex_encode(ours, 32, o);
			pp_hex_encode(ref, 32, r);
			cr_assert_arr_eq(ours, ref, 32,
					 "seed %llu, key %zu bytes (%s), input %d (%zu bytes): ours %s, "
					 "librandomx %s (rerun with PP_RX_SEED=%llu)",
					 (unsigned long long)seed, klen, kh, j, len, o, r,
					 (unsigned long long)seed);
			pairs++;
		}
		pp_rx_vm_free(vm);
		pp_rx_cache_free(c);
		randomx_destroy_vm(rvm);
	}
	randomx_release_cache(rc);
	cr_assert_eq(pairs, 100);
}

/* Dataset ranges built by our OpenMP fill (batched SuperscalarHash) equal librandomx's
 * randomx_init_dataset for the same items: the start, an unaligned middle range, the end of
 * the extra region. */
Test(randomx, dataset_ranges_vs_librandomx, .timeout = 240)
{
	static const char key[] = "dataset range key";
	struct pp_rx_cache *c = cache_for((const uint8_t *)key, sizeof(key) - 1);
	randomx_flags flags = randomx_get_flags() & ~RANDOMX_FLAG_JIT;
	randomx_cache *rc = randomx_alloc_cache(flags);
	randomx_dataset *rd = randomx_alloc_dataset(flags);
	if (!rd)
		cr_skip_test("librandomx could not reserve its 2 GiB dataset (address space)");
	randomx_init_cache(rc, key, sizeof(key) - 1);
	const uint64_t items = pp_rx_dataset_items(&pp_rx_config_rx0);
	cr_assert_eq(items, randomx_dataset_item_count());
	const struct {
		uint64_t first, count;
	} ranges[] = { { 0, 3000 }, { 12345677, 2003 }, { items - 1501, 1501 } };
	for (size_t i = 0; i < sizeof(ranges) / sizeof(ranges[0]); i++) {
		uint64_t first = ranges[i].first, count = ranges[i].count;
		uint64_t *ours = malloc(count * 64);
		cr_assert_not_null(ours);
		pp_rx_dataset_fill(c, first, count, ours, 2, NULL, NULL);
		randomx_init_dataset(rd, rc, (unsigned long)first, (unsigned long)count);
		const uint8_t *ref = (const uint8_t *)randomx_get_dataset_memory(rd) + first * 64;
		for (uint64_t j = 0; j < count; j++)
			cr_assert_arr_eq(ours + 8 * j, ref + 64 * j, 64,
					 "dataset item %llu (range %zu) differs from librandomx",
					 (unsigned long long)(first + j), i);
		uint64_t one[8];
		pp_rx_dataset_item(c, first + count / 2, one);
		cr_assert_arr_eq(one, ours + 8 * (count / 2), 64, "single-item path disagrees");
		free(ours);
	}
	randomx_release_dataset(rd);
	randomx_release_cache(rc);
	pp_rx_cache_free(c);
}

Test(randomx, hash_interface_and_cli, .timeout = 240)
{
	const char *const *names = pp_hash_names();
	bool found = false;
	for (int i = 0; names[i]; i++)
		found |= strcmp(names[i], "rx/0") == 0;
	cr_assert(found, "rx/0 is not in pp_hash_names()");

	PP_OPTS(pp_hash_opts, o, .key = "test key 000", .key_len = 12, .rx_mode = PP_RX_LIGHT);
	struct pp_hash *h = NULL;
	struct pp_hash_worker *w = NULL;
	cr_assert_eq(pp_hash_open("rx/0", &o, &h), 0);
	cr_assert_eq(pp_hash_worker_new(h, &w), 0);
	uint8_t got[32], want[32];
	cr_assert_eq(pp_hash_compute(w, "This is a test", 14, 0, got), 0);
	pp_test_unhex("639183aae1bf4c9a35884cb46b09cad9175f04efd7684e7262a0ac1c2f0b4e3f", want, 32);
	cr_assert_arr_eq(got, want, 32, "pp_hash rx/0 differs from the official vector");
	struct pp_hash_info info;
	pp_hash_worker_info(w, &info);
	cr_assert_str_eq(info.family, "randomx");
	cr_assert_eq(info.scratchpad_bytes, 2u << 20);
	cr_assert_gt(info.init_seconds, 0.0);
	pp_hash_worker_free(w);
	pp_hash_close(h);

	PP_OPTS(pp_hash_opts, longkey, .key = "0123456789012345678901234567890123456789012345678901234567890",
		.key_len = 61);
	cr_assert_eq(pp_hash_open("rx/0", &longkey, &h), -EINVAL, "a 61-byte key was accepted");

	char *out, *err;
	int rc = pp_cli_run("hash --algo rx/0 --key 'test key 000' --input 5468697320697320612074657374",
			    &out, &err);
	cr_assert_eq(rc, 0, "powprint hash rx/0 failed: %s", err);
	cr_assert_str_eq(out, "639183aae1bf4c9a35884cb46b09cad9175f04efd7684e7262a0ac1c2f0b4e3f\n");
	free(out);
	free(err);
	rc = pp_cli_run("hash --algo rx/0 --key-hex 74657374206b657920303031 --mode light --input "
			"73656420646f20656975736d6f642074656d706f7220696e6369646964756e74207574206c61"
			"626f726520657420646f6c6f7265206d61676e6120616c69717561",
			&out, &err);
	cr_assert_eq(rc, 0, "powprint hash rx/0 --key-hex failed: %s", err);
	cr_assert_str_eq(out, "e9ff4503201c0c2cca26d285c93ae883f9b1d30c9eb240b820756f2d5a7905fc\n");
	free(out);
	free(err);
}
