/*
 * rcptcache.c - positive RCPT probe answers, direct-mapped (rcptcache.h).
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "rcptcache.h"
#include "ssmp_buf.h"
#include "ssmp_limits.h"

#define SLOTS	2048

struct slot {
	time_t	expires;	/* 0 = empty */
	char	rcpt[SSMP_ADDR_MAX + 1];
};

struct rcptcache {
	long		ttl;
	struct slot	slot[SLOTS];
};

struct rcptcache *
rcptcache_new(long ttl)
{
	struct rcptcache *rc = ssmp_xcalloc(1, sizeof(*rc));

	rc->ttl = ttl;
	return rc;
}

void
rcptcache_free(struct rcptcache *rc)
{
	free(rc);
}

/* FNV-1a: spreads addresses that differ in one character. */
static struct slot *
slot_of(struct rcptcache *rc, const char *rcpt)
{
	uint32_t h = 2166136261u;

	for (const unsigned char *p = (const unsigned char *)rcpt; *p; p++)
		h = (h ^ *p) * 16777619u;
	return &rc->slot[h % SLOTS];
}

bool
rcptcache_hit(struct rcptcache *rc, const char *rcpt, time_t now)
{
	struct slot *s;

	if (rc->ttl <= 0)
		return false;
	s = slot_of(rc, rcpt);
	return s->expires > now && strcmp(s->rcpt, rcpt) == 0;
}

void
rcptcache_put(struct rcptcache *rc, const char *rcpt, time_t now)
{
	struct slot *s;
	size_t n = strlen(rcpt);

	if (rc->ttl <= 0 || n >= sizeof(s->rcpt))
		return;
	s = slot_of(rc, rcpt);
	memcpy(s->rcpt, rcpt, n + 1);
	s->expires = now + rc->ttl;
}
