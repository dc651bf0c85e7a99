/*
 * metrics.h - what ssmpd tells Prometheus and ssmpctl status on top of
 * admin.c's counters: requests per endpoint and status class, their
 * latency histograms, and the state a postmaster asks about (start time,
 * the keys loaded, the certificate's expiry, the version).
 *
 * Loop thread only, like the rest of the counters.  One ssmpd per
 * process, so the state is this module's own.
 */
#ifndef SSMPD_METRICS_H
#define SSMPD_METRICS_H

#include <stdint.h>
#include <time.h>

#include "ssmp_buf.h"

struct ks_keytable;

/* At start: the start time; the certificate's expiry (0: unknown). */
void metrics_start(time_t not_after);
/* After a reload that took the certificate. */
void metrics_tls(time_t not_after);
/*
 * A response: the route's path (NULL: none matched), the HTTP status,
 * microseconds since the request's head began.
 */
void metrics_request(const char *path, int status, uint64_t usec);
/* Append the Prometheus text of all of it; keys: the table in use. */
void metrics_render(const struct ks_keytable *keys, struct ssmp_buf *b);
/* Microseconds of CLOCK_MONOTONIC, for the request's start. */
uint64_t metrics_now_us(void);

#endif
