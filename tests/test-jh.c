/* JH-256: every line of Monero's tests-extra-jh.txt (see tests/vectors/README.md). */
#include "kernels/crypto/jh.h"
#include "support/testutil.h"

#include <criterion/criterion.h>
#include <stdlib.h>

static uint8_t buf[1 << 16];

Test(jh, monero_vectors)
{
	struct pp_vec_line *v;
	int n = pp_vec_load("tests-extra-jh.txt", &v);
	cr_assert_gt(n, 300, "expected the full vector file, got %d lines", n);
	for (int i = 0; i < n; i++) {
		uint8_t want[32], got[32];
		cr_assert_geq(v[i].nfields, 2, "tests-extra-jh.txt:%d: malformed line", v[i].lineno);
		pp_test_unhex(v[i].field[0], want, sizeof(want));
		size_t len = pp_test_unhex(v[i].field[1], buf, sizeof(buf));
		pp_jh256(buf, len, got);
		cr_assert_arr_eq(got, want, 32, "tests-extra-jh.txt:%d: JH-256 of a %zu-byte input differs",
				 v[i].lineno, len);
	}
	pp_vec_free(v, n);
}
