/*
 * pending.h - accepted envelopes waiting for their message phase.
 *
 * Kept in memory, by nonce, for SSMP_ENVELOPE_TTL seconds: the envelope
 * phase is cheap to redo, so losing them on restart only costs a sender
 * one retry (ssmp.7: unknown or expired nonce -> 404 4.5.0).
 */
#ifndef BRIDGE_PENDING_H
#define BRIDGE_PENDING_H

#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include "ssmp_limits.h"

enum trust { TRUST_TRUSTED, TRUST_KNOWN, TRUST_UNKNOWN };
const char *trust_name(enum trust t);

struct pending {
	char		nonce[SSMP_NONCE_LEN + 1];
	char		from[SSMP_ADDR_MAX + 1];	/* as sent */
	char		from_canon[SSMP_ADDR_MAX + 1];
	char		selector[SSMP_SELECTOR_MAX + 1];
	char		domain[SSMP_DOMAIN_MAX + 1];	/* recipients' */
	unsigned char	pk[SSMP_PUBKEY_BYTES];		/* sender's key */
	int		nto;				/* accepted ones */
	/* nto entries each, malloc'd: thousands of envelopes may wait */
	char		(*to)[SSMP_ADDR_MAX + 1];		/* as sent */
	char		(*to_canon)[SSMP_ADDR_MAX + 1];
	enum trust	*tier;
	time_t		expires;
	bool		busy;		/* a message phase is running */
	struct pending	*next;
};

struct pending_table;

struct pending_table *pending_new(void);
void pending_free(struct pending_table *t);
/* Room for n recipients in p (zeroed). */
void pending_alloc_rcpts(struct pending *p, int n);
/* Takes ownership of p; replaces an entry with the same nonce. */
void pending_put(struct pending_table *t, struct pending *p);
/* NULL if unknown or expired at now. */
struct pending *pending_get(struct pending_table *t, const char *nonce,
    time_t now);
/* Drop expired entries (not busy ones); returns how many remain. */
size_t pending_sweep(struct pending_table *t, time_t now);

#endif
