/* pp_strerror: the C library's text for an errno value, whatever its sign. What failed and
 * what to do about it is the caller's `why` sentence (fingerprint/collect/explain.c words the
 * PMU and permission cases, for example), not this function's: one errno means different
 * things in different places. */
#include <powprint/error.h>
#include <string.h>

const char *pp_strerror(int err)
{
	return strerror(err < 0 ? -err : err);
}
