/* The perf group-read decoder (fingerprint/collect/evset.c): any bytes the kernel might
 * return, of any length, for groups of 1..8 members with arbitrary last values, never read
 * past the buffer, and every member is either lost or has a delta consistent with its new
 * value. */
#include "fingerprint/collect/evset.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 2)
		return 0;
	int nmem = 1 + data[0] % 8;
	size_t n = size - 1;
	/* The bytes as the read buffer, copied so that ASan sees exactly n of them. */
	uint64_t *buf = malloc(n ? n : 1);
	if (!buf)
		return 0;
	memcpy(buf, data + 1, n);
	uint64_t ids[8];
	struct pp_evset_prev prev[8], before[8];
	for (int j = 0; j < nmem; j++) {
		ids[j] = (uint64_t)j * 3 + (data[0] >> 4);
		prev[j] = (struct pp_evset_prev){ .val = (uint64_t)j << 20, .ena = 1000, .run = 500 };
	}
	memcpy(before, prev, sizeof(prev));
	struct pp_evset_delta d[8];
	ssize_t len = (data[0] & 8) ? -(ssize_t)(data[0] & 7) : (ssize_t)(n & ~(size_t)7);
	int r = pp_evset_decode(buf, len, ids, nmem, prev, d);
	for (int j = 0; j < nmem; j++) {
		if (r && !d[j].lost)
			abort(); /* a failed read loses every member */
		if (d[j].lost)
			continue;
		if (d[j].val != (double)(prev[j].val - before[j].val) || d[j].val < 0 ||
		    d[j].ena < 0 || d[j].run < 0)
			abort();
	}
	double e, run;
	(void)pp_evset_scale(d, nmem, &e, &run);
	free(buf);
	return 0;
}
