/* Keccak-256: every line of Monero's tests-fast.txt (see tests/vectors/README.md). */
#include "kernels/crypto/keccak.h"
#include "support/testutil.h"

#include <criterion/criterion.h>
#include <stdlib.h>

static uint8_t buf[1 << 16];

Test(keccak, monero_vectors)
{
	struct pp_vec_line *v;
	int n = pp_vec_load("tests-fast.txt", &v);
	cr_assert_gt(n, 300, "expected the full vector file, got %d lines", n);
	for (int i = 0; i < n; i++) {
		uint8_t want[32], got[32];
		cr_assert_geq(v[i].nfields, 2, "tests-fast.txt:%d: malformed line", v[i].lineno);
		pp_test_unhex(v[i].field[0], want, sizeof(want));
		size_t len = pp_test_unhex(v[i].field[1], buf, sizeof(buf));
		pp_keccak256(buf, len, got);
		cr_assert_arr_eq(got, want, 32, "tests-fast.txt:%d: Keccak-256 of a %zu-byte input differs",
				 v[i].lineno, len);
	}
	pp_vec_free(v, n);
}

/* Keccak-f[1600] on the zero state: the first lane of the Keccak team's published
 * KeccakF-1600 intermediate values (zero input, after 24 rounds). */
Test(keccak, permutation_zero_state)
{
	uint64_t st[25] = { 0 };
	pp_keccakf(st, 24);
	cr_assert_eq(st[0], 0xf1258f7940e1dde7ULL, "lane 0 = %016llx", (unsigned long long)st[0]);
	cr_assert_eq(st[1], 0x84d5ccf933c0478aULL, "lane 1 = %016llx", (unsigned long long)st[1]);
}
