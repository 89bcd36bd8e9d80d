/* Hex encoding for vectors, CLI input and output. Internal to powprint. */
#ifndef PP_CORE_HEX_H
#define PP_CORE_HEX_H

#include <stddef.h>
#include <stdint.h>

/* The value of one hex digit [0-9a-fA-F], or -1. */
int pp_hex_digit(char c);
/* Decodes `hex` (even length, [0-9a-fA-F]) into out[cap]; returns bytes written or -EINVAL
 * (odd length, bad digit) / -ERANGE (does not fit). */
long pp_hex_decode(const char *hex, uint8_t *out, size_t cap);
/* Writes 2*len lowercase digits and a NUL into out (which holds 2*len+1). */
void pp_hex_encode(const uint8_t *in, size_t len, char *out);

#endif
