/* AArch64 decoding (capstone) of any bytes at any IP, including one at the very start or end
 * of the bytes and a word cut off where a page ends: never reads outside them, gives a valid
 * class and a length of 0 or 4 within them, the same twice, and the same through the length
 * memo and the class cache (the properties are in fuzz-decode.h). */
#include "fuzz-decode.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct fuzz_decode f;
	if (!f.d)
		fuzz_decode_init(&f, PP_ISA_ARM64);
	return fuzz_decode_one(&f, data, size);
}
