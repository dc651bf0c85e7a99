/*
 * ssmp_err.h - error reporting shared by every libssmp module.
 *
 * Every parser and check returns 0 on success or -1 on failure and, on
 * failure, leaves a one-line message in the caller's struct ssmp_err that
 * names what is wrong ("time: month 13 out of range").  Callers decide
 * whether to log, print or send it; the library never does.
 */
#ifndef SSMP_ERR_H
#define SSMP_ERR_H

#include <stddef.h>

struct ssmp_err {
	char msg[256];
};

/* printf-style; always returns -1 so callers can `return ssmp_err_set(...)`. */
int ssmp_err_set(struct ssmp_err *err, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Prefix an existing message with context: "envelope: " + old message. */
int ssmp_err_prefix(struct ssmp_err *err, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

#endif
