/*
 * rcptcache.h - recent "the local MTA accepts this recipient" answers.
 *
 * The envelope phase asks the MTA (RCPT probe) whether each recipient
 * exists.  Like Postfix's address verification cache, positive answers
 * are kept for RecipientCacheTime seconds so a busy recipient costs one
 * probe per period, not one per envelope; refusals are never cached.  A
 * user removed meanwhile is still refused: by the MTA at the hand-off.
 * Loop thread only (no locking); a fixed number of slots, so memory is
 * bounded and a collision just costs a probe.
 */
#ifndef BRIDGE_RCPTCACHE_H
#define BRIDGE_RCPTCACHE_H

#include <stdbool.h>
#include <time.h>

struct rcptcache;

/* ttl 0 = disabled (every lookup misses, nothing is stored). */
struct rcptcache *rcptcache_new(long ttl);
void rcptcache_free(struct rcptcache *rc);
/* rcpt is canonical (lower case). */
bool rcptcache_hit(struct rcptcache *rc, const char *rcpt, time_t now);
void rcptcache_put(struct rcptcache *rc, const char *rcpt, time_t now);

#endif
