/* Error convention: 0 on success, a negative errno on failure. Functions that can fail for
 * a reason a person must act on also fill a `why` buffer with a sentence that says what
 * failed and what to do (no hardware PMU here, perf_event_paranoid too strict, a corrupt
 * model file, ...); print that when it is set, and pp_strerror() only when it is not. */
#ifndef POWPRINT_ERROR_H
#define POWPRINT_ERROR_H

#include <errno.h>

/* The C library's text for an errno value, negative or positive (strerror). */
const char *pp_strerror(int err);

#endif
