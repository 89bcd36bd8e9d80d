/* Skein-512-256: every line of Monero's tests-extra-skein.txt (see tests/vectors/README.md). */
#include "kernels/crypto/skein.h"
#include "support/testutil.h"

#include <criterion/criterion.h>
#include <stdlib.h>

static uint8_t buf[1 << 16];

Test(skein, monero_vectors)
{
	struct pp_vec_line *v;
	int n = pp_vec_load("tests-extra-skein.txt", &v);
	cr_assert_gt(n, 300, "expected the full vector file, got %d lines", n);
	for (int i = 0; i < n; i++) {
		uint8_t want[32], got[32];
		cr_assert_geq(v[i].nfields, 2, "tests-extra-skein.txt:%d: malformed line", v[i].lineno);
		pp_test_unhex(v[i].field[0], want, sizeof(want));
		size_t len = pp_test_unhex(v[i].field[1], buf, sizeof(buf));
		pp_skein512_256(buf, len, got);
		cr_assert_arr_eq(got, want, 32, "tests-extra-skein.txt:%d: Skein-512-256 of a %zu-byte input differs",
				 v[i].lineno, len);
	}
	pp_vec_free(v, n);
}
