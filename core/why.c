#include "core/why.h"

#include <stdio.h>

int pp_vwhy(char *why, size_t len, int err, const char *fmt, va_list ap)
{
	if (why && len)
		vsnprintf(why, len, fmt, ap);
	return err;
}

int pp_why(char *why, size_t len, int err, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	pp_vwhy(why, len, err, fmt, ap);
	va_end(ap);
	return err;
}

void pp_vsay(void (*fn)(void *arg, const char *msg), void *arg, const char *fmt, va_list ap)
{
	if (!fn)
		return;
	char msg[1024];
	vsnprintf(msg, sizeof(msg), fmt, ap);
	fn(arg, msg);
}

void pp_say(void (*fn)(void *arg, const char *msg), void *arg, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	pp_vsay(fn, arg, fmt, ap);
	va_end(ap);
}
