/* Hex encoding for test vectors, self-tests, CLI input and output: the one codec. Internal to
 * powprint. */
#ifndef PP_CORE_HEX_H
#define PP_CORE_HEX_H

#include <stddef.h>
#include <stdint.h>

/* Options for pp_hex_decode_flags. */
#define PP_HEX_X_EMPTY 0x1u /* "x" is the empty string (Monero's vector files, hash --input) */
#define PP_HEX_EXACT 0x2u   /* fewer than `cap` bytes is -EINVAL too */

/* The value of one hex digit [0-9a-fA-F], or -1. */
int pp_hex_digit(char c);
/* Decodes `hex` (even length, [0-9a-fA-F]) into out[cap]; returns bytes written or -EINVAL
 * (odd length, bad digit) / -ERANGE (does not fit). Same as pp_hex_decode_flags(hex, 0, ...). */
long pp_hex_decode(const char *hex, uint8_t *out, size_t cap);
/* pp_hex_decode with PP_HEX_* options. Nothing is written on error except with a bad digit,
 * which may leave out[] partly written. */
long pp_hex_decode_flags(const char *hex, unsigned flags, uint8_t *out, size_t cap);
/* Writes 2*len lowercase digits and a NUL into out (which holds 2*len+1). */
void pp_hex_encode(const uint8_t *in, size_t len, char *out);

#endif
