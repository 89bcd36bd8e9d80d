/* Quantities for people: one formatter for every throughput a command prints, so a table
 * reads "2.99 GFLOP/s" beside "270 kblocks/s" and never "2.705e+05 blocks/s". */
#ifndef PP_CLI_UNITS_H
#define PP_CLI_UNITS_H

#include <stddef.h>

/* v in unit ("H/s", "MB/s", "GFLOP/s", ...) as three significant digits with an SI prefix:
 * 2.988 "GFLOP/s" -> "2.99 GFLOP/s", 270500 "blocks/s" -> "271 kblocks/s", 0.5 "H/s" ->
 * "0.500 H/s". A unit that already carries a prefix (an upper-case unit after k, M, G or T:
 * MB/s, GFLOP/s) is rescaled; a lower-case word after k is not one (keys/s). NaN: "-". */
void cli_fmt_rate(double v, const char *unit, char *buf, size_t len);

#endif
