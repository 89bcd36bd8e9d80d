#include "core/hex.h"
#include <errno.h>
#include <string.h>

int pp_hex_digit(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

long pp_hex_decode_flags(const char *hex, unsigned flags, uint8_t *out, size_t cap)
{
	if ((flags & PP_HEX_X_EMPTY) && strcmp(hex, "x") == 0)
		hex = "";
	size_t n = strlen(hex);

	if (n % 2)
		return -EINVAL;
	if (n / 2 > cap)
		return -ERANGE;
	if ((flags & PP_HEX_EXACT) && n / 2 != cap)
		return -EINVAL;
	for (size_t i = 0; i < n / 2; i++) {
		int hi = pp_hex_digit(hex[2 * i]), lo = pp_hex_digit(hex[2 * i + 1]);
		if (hi < 0 || lo < 0)
			return -EINVAL;
		out[i] = (uint8_t)(hi << 4 | lo);
	}
	return (long)(n / 2);
}

long pp_hex_decode(const char *hex, uint8_t *out, size_t cap)
{
	return pp_hex_decode_flags(hex, 0, out, cap);
}

void pp_hex_encode(const uint8_t *in, size_t len, char *out)
{
	static const char digits[] = "0123456789abcdef";

	for (size_t i = 0; i < len; i++) {
		out[2 * i] = digits[in[i] >> 4];
		out[2 * i + 1] = digits[in[i] & 15];
	}
	out[2 * len] = '\0';
}
