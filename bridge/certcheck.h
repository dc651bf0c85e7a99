/*
 * certcheck.h - the TLS certificate's dates, for ssmpd -n (tls_ctx_new()
 * has read the files and matched key and certificate already).
 */
#ifndef SSMPD_CERTCHECK_H
#define SSMPD_CERTCHECK_H

#include <stddef.h>
#include <time.h>

#include "ssmp_err.h"

/*
 * The first certificate in path: an error if it is not valid yet or has
 * expired; if it expires within warn_days, warn gets a sentence saying
 * when (else warn[0] is NUL).  *days_left gets the whole days left.
 */
int certcheck_dates(const char *path, int warn_days, long *days_left,
    char *warn, size_t wlen, struct ssmp_err *err);

/* The first certificate's notAfter in path; 0 when unreadable. */
time_t certcheck_not_after(const char *path);

#endif
