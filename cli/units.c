/* Quantities for people (units.h). */
#include "cli/units.h"

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

static const char prefixes[] = "kMGTPE";

void cli_fmt_rate(double v, const char *unit, char *buf, size_t len)
{
	if (!isfinite(v)) {
		snprintf(buf, len, "-");
		return;
	}
	/* Back to the base unit first, so MB/s and GB/s rates print alike. */
	const char *p = unit[0] ? strchr(prefixes, unit[0]) : NULL;
	if (p && isupper((unsigned char)unit[1])) {
		v *= pow(1000, (double)(p - prefixes + 1));
		unit++;
	}
	int k = 0; /* 0: no prefix, else prefixes[k - 1] */
	double m = fabs(v);
	while (m >= 1000 && k < (int)sizeof(prefixes) - 1) {
		m /= 1000;
		k++;
	}
	/* Three significant digits; 999.7 rounds to the next prefix, not to "1000". */
	int digits = m >= 100 ? 0 : m >= 10 ? 1 : m >= 1 || m == 0 ? 2 : 3;
	if (round(m * pow(10, digits)) >= 1000 * pow(10, digits) && k < (int)sizeof(prefixes) - 1) {
		m /= 1000;
		k++;
		digits = 2;
	}
	snprintf(buf, len, "%s%.*f %s%s", v < 0 ? "-" : "", digits, m,
		 k ? (char[2]){ prefixes[k - 1], 0 } : "", unit);
}
