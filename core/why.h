/* "Why" text: a sentence for a person next to a negative errno. Internal to powprint. */
#ifndef PP_CORE_WHY_H
#define PP_CORE_WHY_H

#include <stdarg.h>
#include <stddef.h>

/* Formats into why (when non-NULL and len > 0) and returns err, so a failure reads
 * `return pp_why(why, len, -EINVAL, "...", ...);`. */
int pp_why(char *why, size_t len, int err, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
/* pp_why for formatters that take their own arguments and forward them. */
int pp_vwhy(char *why, size_t len, int err, const char *fmt, va_list ap)
	__attribute__((format(printf, 4, 0)));

/* Formats a message (at most 1023 bytes) and hands it to a message callback such as a
 * collector's warn or the recorder's log; nothing when fn is NULL. */
void pp_vsay(void (*fn)(void *arg, const char *msg), void *arg, const char *fmt, va_list ap)
	__attribute__((format(printf, 3, 0)));
void pp_say(void (*fn)(void *arg, const char *msg), void *arg, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

#endif
