/* Compiled with core's include tree only (tests/CMakeLists.txt): core may not use the kernels
 * layer, so this must fail to compile. */
#include "core/pages.h"
#include <powprint/hash.h>

int main(void)
{
	return PP_PAGES_AUTO + PP_JIT_AUTO;
}
