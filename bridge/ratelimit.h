/*
 * ratelimit.h - token buckets keyed by a string (client IP, sender domain).
 *
 * N requests per minute per key with a burst of N.  A refused request
 * learns how many seconds until a token is back (for Retry-After).
 */
#ifndef BRIDGE_RATELIMIT_H
#define BRIDGE_RATELIMIT_H

#include <time.h>

struct ratelimit;

/* per_minute 0 = unlimited. */
struct ratelimit *ratelimit_new(long per_minute);
void ratelimit_free(struct ratelimit *r);
/* 0 allowed (one token taken); else seconds to wait (>= 1). */
int ratelimit_take(struct ratelimit *r, const char *key, double now);
/* now for ratelimit_take: seconds with microseconds (divide by 60 to
   count per hour a limit given per minute). */
double ratelimit_now(void);

#endif
