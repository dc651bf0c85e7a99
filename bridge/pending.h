/*
 * pending.h - accepted envelopes waiting for (or done with) their message.
 *
 * An envelope's identity is (sender domain, nonce), as in the replay
 * cache; because the message phase names only the nonce, a nonce may be
 * pending for one sender domain at a time: a second envelope with a nonce
 * already pending is refused (pending_add), never put in its place.
 *
 * Lifecycle, owned here: an entry is added once, claimed by at most one
 * request at a time (pending_claim), and released by that request
 * (pending_release).  An entry held by a request is never freed: expiry
 * and eviction skip it.  ssmp.7 MSG-7, an envelope carries one message:
 * after a 2xx it answers only a repeat of that message (the delivered-log
 * decides), after a class 5 answer of the message itself (size,
 * signature, the MTA's refusal) nothing; after a class 4 it stays usable.
 *
 * Bounded: at most `max` entries in total and `max_domain` per sender
 * domain, and PENDING_AVG_BYTES x `max` octets (an envelope with a
 * hundred long recipients weighs as much as a few dozen short ones).  When a bound is reached the oldest entry not held (of that
 * domain, or of all) is evicted: its sender gets 404 4.5.0 and runs the
 * envelope phase again.  A genuine sender starts its message phase at
 * once, so a flood would have to outrun that moment to cost it a retry;
 * refusing new envelopes instead would lock every sender out for the
 * envelope lifetime.  Kept in memory only: losing them on a restart
 * costs a sender one retry (ssmp.7: unknown nonce -> 404 4.5.0).
 * Only the loop thread touches the table.
 */
#ifndef BRIDGE_PENDING_H
#define BRIDGE_PENDING_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "ssmp_limits.h"

#define PENDING_AVG_BYTES	1024

enum trust { TRUST_TRUSTED, TRUST_KNOWN, TRUST_UNKNOWN };
const char *trust_name(enum trust t);

struct pending_rcpt {
	const char	*to;		/* as sent */
	const char	*to_canon;
	enum trust	 tier;
};

/* One accepted envelope: only its accepted recipients, in one block. */
struct pending {
	char			 nonce[SSMP_NONCE_LEN + 1];
	const char		*from;		/* as sent */
	const char		*from_canon;
	const char		*from_domain;	/* in from_canon */
	const char		*selector;
	const char		*domain;	/* the recipients' */
	unsigned char		 pk[SSMP_PUBKEY_BYTES];	/* sender's key */
	int			 nto;
	struct pending_rcpt	*rcpt;
	time_t			 expires;
	/* lifecycle: pending.c only */
	const void		*holder;	/* request using it, or NULL */
	char			*msgid;		/* retired: its message, or ""
						   (none may come) */
	struct pending		*hnext;		/* hash chain */
	struct pending		*older, *newer;	/* age list */
	struct pending_dom	*dom;
};

/* What the caller knows of an accepted envelope; pending_make copies it. */
struct pending_init {
	const char		*nonce, *from, *from_canon, *selector, *domain;
	const unsigned char	*pk;
	int			 nto;
	const char		*const *to, *const *to_canon;
	const enum trust	*tier;
	time_t			 expires;
};

enum pending_rc {
	PENDING_OK = 0,
	PENDING_UNKNOWN,	/* no such nonce, or expired */
	PENDING_BUSY,		/* another request holds it */
	PENDING_RETIRED,	/* its message was delivered; another msgid */
	PENDING_DUPLICATE,	/* add: the nonce is pending already */
	PENDING_FULL		/* add: no room (every entry is held) */
};

struct pending_table;

struct pending_table *pending_new(size_t max, size_t max_domain);
void pending_free(struct pending_table *t);
/* A new entry (not in a table). */
struct pending *pending_make(const struct pending_init *in);
void pending_discard(struct pending *p);
/*
 * Add p, evicting the oldest unheld entry when a bound is reached.
 * PENDING_OK (the table owns p), or PENDING_DUPLICATE / PENDING_FULL
 * (the caller still owns p).  *evicted counts entries evicted.
 */
enum pending_rc pending_add(struct pending_table *t, struct pending *p,
    time_t now, size_t *evicted);
/*
 * Claim the envelope of nonce for holder, to deliver message msgid.
 * PENDING_OK with *pp set, else PENDING_UNKNOWN, _BUSY or _RETIRED.
 */
enum pending_rc pending_claim(struct pending_table *t, const char *nonce,
    const char *msgid, time_t now, const void *holder, struct pending **pp);
/* How a message phase ended for its envelope. */
enum pending_end {
	PENDING_KEEP,		/* class 4, or never matched: usable again */
	PENDING_DELIVERED,	/* 2xx: answers only a repeat of msgid */
	PENDING_REFUSED		/* class 5 of the message: retired */
};
/* Give p back (holder is the request that claimed it). */
void pending_release(struct pending_table *t, struct pending *p,
    const void *holder, enum pending_end end, const char *msgid);
/* Drop expired entries not held; returns how many remain. */
size_t pending_sweep(struct pending_table *t, time_t now);
size_t pending_count(const struct pending_table *t);
/* Octets of memory one entry takes (for the metrics and the benchmark). */
size_t pending_bytes(const struct pending_table *t);

#endif
