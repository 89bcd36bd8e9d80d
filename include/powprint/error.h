/* Error convention: 0 on success, a negative errno on failure.
 *   -ENODEV  no hardware PMU / device      -EACCES  perf_event_paranoid or ptrace forbids
 *   -ESRCH   the process is gone           -EINVAL  bad input
 * pp_strerror() explains a code for a person, including what to do about it. */
#ifndef POWPRINT_ERROR_H
#define POWPRINT_ERROR_H

#include <errno.h>

/* A short, static explanation of a (negative or positive) errno value as powprint uses it. */
const char *pp_strerror(int err);

#endif
