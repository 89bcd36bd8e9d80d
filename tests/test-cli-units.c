/* The one formatter for throughputs (cli/units.c): three significant digits, an SI prefix,
 * units that carry a prefix already rescaled, never an exponent. */
#include "cli/units.c"

#include <criterion/criterion.h>
#include <math.h>

Test(cli_units, rates_print_alike)
{
	static const struct {
		int line;
		double v;
		const char *unit, *want;
	} cases[] = {
		{ __LINE__, 2.988, "GFLOP/s", "2.99 GFLOP/s" },
		{ __LINE__, 270400, "blocks/s", "270 kblocks/s" },
		{ __LINE__, 2.151e6, "keys/s", "2.15 Mkeys/s" },   /* k of keys is no prefix */
		{ __LINE__, 1734, "MB/s", "1.73 GB/s" },
		{ __LINE__, 775.7, "MB/s", "776 MB/s" },
		{ __LINE__, 8.679, "MB/s", "8.68 MB/s" },
		{ __LINE__, 49.1, "H/s", "49.1 H/s" },
		{ __LINE__, 999.7, "H/s", "1.00 kH/s" },            /* not "1000 H/s" */
		{ __LINE__, 0.5, "H/s", "0.500 H/s" },
		{ __LINE__, 95.8, "wakeups/s", "95.8 wakeups/s" },
		{ __LINE__, NAN, "H/s", "-" },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char buf[64];
		cli_fmt_rate(cases[i].v, cases[i].unit, buf, sizeof(buf));
		cr_expect_str_eq(buf, cases[i].want, "line %d: %g %s", cases[i].line, cases[i].v,
				 cases[i].unit);
	}
}
