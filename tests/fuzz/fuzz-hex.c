/* core/hex: decoding any text with every option never writes past `cap`, and what decodes
 * encodes back to the same digits (in lower case). */
#include "core/hex.h"

#include <ctype.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	unsigned flags = data[0] & (PP_HEX_X_EMPTY | PP_HEX_EXACT);
	size_t cap = data[0] >> 2;  /* 0..63 */
	char *hex = malloc(size);
	if (!hex)
		return 0;
	memcpy(hex, data + 1, size - 1);
	hex[size - 1] = '\0';
	uint8_t *out = malloc(cap + 1);
	long n = out ? pp_hex_decode_flags(hex, flags, out, cap) : -1;
	if (n > 0) {
		if ((size_t)n > cap)
			abort();
		char *back = malloc(2 * (size_t)n + 1);
		if (back) {
			pp_hex_encode(out, (size_t)n, back);
			for (long i = 0; i < 2 * n; i++)
				if (back[i] != tolower((unsigned char)hex[i]))
					abort();
			free(back);
		}
	}
	free(out);
	free(hex);
	return 0;
}
