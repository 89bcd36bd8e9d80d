/* Shared by the /proc stat fuzz targets: a /proc/PID/stat line of a process called comm in
 * state `state`, whose field N (from 4 on) holds N * 1001, so a parser's numbers can be checked
 * whatever the name holds. */
#ifndef PP_FUZZ_STAT_H
#define PP_FUZZ_STAT_H

#include <stddef.h>
#include <stdio.h>

static void fuzz_stat_line(char *text, size_t cap, const char *comm, char state)
{
	int k = snprintf(text, cap, "4242 (%s) %c", comm, state);
	for (int field = 4; field <= 52; field++)
		k += snprintf(text + k, cap - (size_t)k, " %d", field * 1001);
	snprintf(text + k, cap - (size_t)k, "\n");
}

#endif
