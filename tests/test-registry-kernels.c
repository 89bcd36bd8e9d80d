/* The registries checked against each other: the pp_hash table (generated from each family's
 * algorithm list), the workload catalog and its quick set. Names are unique; every algorithm
 * opens and has a well-formed known answer, which the CryptoNight kernels reproduce here
 * (RandomX's cost a 256 MiB cache each: test-randomx reproduces them); every miner mines a
 * listed algorithm, every benign workload verifies, and the quick set covers every family. */
#include "kernels/hash-algos.h"
#include "kernels/randomx/config.h"
#include "kernels/workloads/wl.h"
#include "core/hex.h"

#include <criterion/criterion.h>
#include <powprint/hash.h>
#include <powprint/workload.h>

#include <errno.h>
#include <stdio.h>
#include <string.h>

static int nalgos(void)
{
	int n = 0;
	while (pp_hash_algo_at(n))
		n++;
	return n;
}

/* Decodes hex of at most cap bytes; -1 when it is not hex or does not fit. */
static long unhex(const char *hex, uint8_t *out, size_t cap)
{
	return hex ? pp_hex_decode(hex, out, cap) : -1;
}

Test(registry, hash_table_matches_its_accessors)
{
	const char *const *names = pp_hash_names();
	int n = nalgos();
	cr_assert_gt(n, 1);
	for (int i = 0; i < n; i++) {
		const struct pp_hash_algo *a = pp_hash_algo_at(i);
		cr_assert(a->name && *a->name && a->family && a->ops, "row %d lacks a field", i);
		for (int j = 0; j < i; j++)
			cr_assert_str_neq(a->name, pp_hash_algo_at(j)->name, "duplicate %s",
					  a->name);
		cr_assert_eq(pp_hash_algo_find(a->name), a);
		cr_assert_str_eq(names[i], a->name, "pp_hash_names()[%d]", i);
		cr_assert_eq(pp_hash_flags(a->name), a->uses);
		cr_assert(!(a->uses & PP_HASH_BENCH_QUICK) || (a->uses & PP_HASH_BENCH), "%s",
			  a->name);
		cr_assert(!(a->uses & PP_HASH_SELFTEST_SOFT) || (a->uses & PP_HASH_SELFTEST), "%s",
			  a->name);
	}
	cr_assert_null(names[n]);
	cr_assert_null(pp_hash_algo_at(n));
	cr_assert_eq(pp_hash_flags("cn/nope"), 0);
}

/* Each family has something in the self-test, the bench and its quick run. */
Test(registry, every_family_is_benched_and_self_tested)
{
	static const char *const families[] = { "cryptonight", "randomx" };
	for (size_t f = 0; f < sizeof(families) / sizeof(families[0]); f++) {
		unsigned all = 0;
		for (int i = 0; i < nalgos(); i++)
			if (!strcmp(pp_hash_algo_at(i)->family, families[f]))
				all |= pp_hash_algo_at(i)->uses;
		cr_assert(all & PP_HASH_SELFTEST, "%s: nothing self-tested", families[f]);
		cr_assert(all & PP_HASH_BENCH_QUICK, "%s: nothing in bench --quick", families[f]);
		cr_assert(all & PP_HASH_QUICK, "%s: no miner in the quick set", families[f]);
	}
}

Test(registry, known_answers_are_well_formed)
{
	for (int i = 0; i < nalgos(); i++) {
		const struct pp_hash_algo *a = pp_hash_algo_at(i);
		uint8_t buf[256];
		cr_assert_eq(unhex(a->kat.hash, buf, 32), 32, "%s: hash is not 32 bytes of hex",
			     a->name);
		cr_assert_eq(strlen(a->kat.hash), 64, "%s", a->name);
		long len = unhex(a->kat.input, buf, sizeof(buf));
		cr_assert_geq(len, (long)pp_hash_min_input(a->name), "%s: input", a->name);
		if (!strcmp(a->family, "randomx")) {
			long klen = unhex(a->kat.key, buf, sizeof(buf));
			cr_assert(klen > 0 && klen <= PP_RX_KEY_MAX, "%s: key", a->name);
		} else {
			cr_assert_null(a->kat.key, "%s: CryptoNight takes no key", a->name);
		}
	}
}

/* Every listed algorithm opens by name. CryptoNight then reproduces its known answer;
 * RandomX is asked for an over-long key, which only a family that found the name can
 * refuse with -EINVAL (an unknown name is -ENOENT), so no cache is built here. */
Test(registry, every_algorithm_opens_and_cryptonight_reproduces_its_answer, .timeout = 120)
{
	int cn = 0;
	for (int i = 0; i < nalgos(); i++) {
		const struct pp_hash_algo *a = pp_hash_algo_at(i);
		struct pp_hash_opts o = { .sz = sizeof(o) };
		struct pp_hash *h = NULL;
		if (!strcmp(a->family, "randomx")) {
			static const char key[PP_RX_KEY_MAX + 1] = { 0 };
			o.key = key;
			o.key_len = sizeof(key);
			cr_assert_eq(pp_hash_open(a->name, &o, &h), -EINVAL, "%s", a->name);
			cr_assert_null(h);
			continue;
		}
		cr_assert_eq(pp_hash_open(a->name, &o, &h), 0, "%s does not open", a->name);
		struct pp_hash_worker *w = NULL;
		cr_assert_eq(pp_hash_worker_new(h, &w), 0, "%s", a->name);
		uint8_t in[256], want[32], got[32];
		long len = unhex(a->kat.input, in, sizeof(in));
		cr_assert_eq(unhex(a->kat.hash, want, sizeof(want)), 32);
		cr_assert_eq(pp_hash_compute(w, in, (size_t)len, a->kat.height, got), 0, "%s",
			     a->name);
		char hex[65];
		pp_hex_encode(got, 32, hex);
		cr_expect_arr_eq(got, want, 32, "%s: got %s, known answer %s", a->name, hex,
				 a->kat.hash);
		pp_hash_worker_free(w);
		pp_hash_close(h);
		cn++;
	}
	cr_assert_geq(cn, 1);
	struct pp_hash *h = NULL;
	cr_assert_eq(pp_hash_open("rx/nope", NULL, &h), -ENOENT);
	cr_assert_eq(pp_hash_open("cn/nope", NULL, &h), -ENOENT);
}

Test(registry, workloads_are_unique_and_miners_mine_listed_algorithms)
{
	int n = pp_workload_count();
	for (int i = 0; i < n; i++) {
		const struct pp_workload *w = pp_workload_at(i);
		for (int j = 0; j < i; j++)
			cr_assert_str_neq(w->name, pp_workload_at(j)->name, "duplicate %s",
					  w->name);
		cr_assert_not_null(w->verify, "%s has no verify", w->name);
		if (pp_workload_class(w) == PP_WL_BENIGN) {
			cr_assert_null(pp_workload_algo(w), "%s", w->name);
			continue;
		}
		const char *algo = pp_workload_algo(w);
		cr_assert_not_null(algo, "miner %s names no algorithm", w->name);
		cr_assert_not_null(pp_hash_algo_find(algo), "%s mines %s, which is not in the hash "
				   "table", w->name, algo);
		char why[256];
		cr_assert_eq(pp_workload_supported(w, why, sizeof(why)), 0, "%s: %s", w->name, why);
	}
}

/* Every algorithm has a miner entry, and PP_HASH_QUICK says whether one is in the quick set. */
Test(registry, every_algorithm_has_a_miner_and_its_quick_flag_holds)
{
	for (int i = 0; i < nalgos(); i++) {
		const struct pp_hash_algo *a = pp_hash_algo_at(i);
		int miners = 0, quick = 0;
		for (int j = 0; j < pp_workload_count(); j++) {
			const struct pp_workload *w = pp_workload_at(j);
			const char *algo = pp_workload_algo(w);
			if (algo && !strcmp(algo, a->name)) {
				miners++;
				quick += pp_workload_quick(w);
			}
		}
		cr_assert_gt(miners, 0, "no miner workload mines %s", a->name);
		cr_assert_eq(quick > 0, (a->uses & PP_HASH_QUICK) != 0,
			     "%s: PP_HASH_QUICK disagrees with the quick set (%d quick miners)",
			     a->name, quick);
	}
}

/* The quick set covers every family, miners' and look-alikes', and its names string lists
 * exactly the flagged entries in catalog order. */
Test(registry, quick_set_covers_every_family)
{
	char want[2048] = "";
	int miners = 0, benign = 0;
	for (int i = 0; i < pp_workload_count(); i++) {
		const struct pp_workload *w = pp_workload_at(i);
		bool covered = false;
		for (int j = 0; j < pp_workload_count() && !covered; j++) {
			const struct pp_workload *q = pp_workload_at(j);
			covered = pp_workload_quick(q) &&
				  !strcmp(pp_workload_family(q), pp_workload_family(w)) &&
				  pp_workload_class(q) == pp_workload_class(w);
		}
		cr_assert(covered, "family %s (of %s) has nothing in the quick set",
			  pp_workload_family(w), w->name);
		if (!pp_workload_quick(w))
			continue;
		miners += pp_workload_class(w) == PP_WL_MINER;
		benign += pp_workload_class(w) == PP_WL_BENIGN;
		if (want[0])
			strcat(want, ",");
		strcat(want, w->name);
	}
	cr_assert_geq(miners, 1);
	cr_assert_geq(benign, 1);
	cr_assert_str_eq(pp_workload_quick_names(), want);
	cr_assert_eq(pp_workload_quick_names(), pp_workload_quick_names(), "built once");
}
