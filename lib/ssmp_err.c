/*
 * ssmp_err.c - one-line error messages for callers to log or send.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "ssmp_err.h"

int
ssmp_err_set(struct ssmp_err *err, const char *fmt, ...)
{
	va_list ap;

	if (err == NULL)
		return -1;
	va_start(ap, fmt);
	vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	va_end(ap);
	return -1;
}

int
ssmp_err_prefix(struct ssmp_err *err, const char *fmt, ...)
{
	char	pre[sizeof(err->msg)], old[sizeof(err->msg)];
	va_list	ap;

	if (err == NULL)
		return -1;
	va_start(ap, fmt);
	vsnprintf(pre, sizeof(pre), fmt, ap);
	va_end(ap);
	memcpy(old, err->msg, sizeof(old));
	snprintf(err->msg, sizeof(err->msg), "%s%s", pre, old);
	return -1;
}
