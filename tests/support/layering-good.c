/* Compiled with core's include tree only (tests/CMakeLists.txt): core's own headers are there,
 * so this compiles; with layering-bad.c it shows the failure is the layering, not the setup. */
#include "core/pages.h"
#include <powprint/pages.h>

int main(void)
{
	return PP_PAGES_AUTO;
}
