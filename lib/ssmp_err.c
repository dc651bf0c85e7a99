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
	char	old[sizeof(err->msg)];
	size_t	n;
	va_list	ap;

	if (err == NULL)
		return -1;
	memcpy(old, err->msg, sizeof(old));
	va_start(ap, fmt);
	vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	va_end(ap);
	/* Keep as much of the original message as fits after the prefix. */
	n = strlen(err->msg);
	if (n < sizeof(err->msg) - 1) {
		size_t room = sizeof(err->msg) - 1 - n;
		size_t len = strnlen(old, sizeof(old) - 1);

		if (len > room)
			len = room;
		memcpy(err->msg + n, old, len);
		err->msg[n + len] = '\0';
	}
	return -1;
}
