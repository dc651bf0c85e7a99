/*
 * dlog.h - the delivered-log as ssmpd uses it to hand each message to
 * the local MTA at most once per recipient (ssmpd.8, EXACTLY ONCE).
 *
 * Each (canonical from, msgid, canonical rcpt) goes through
 *	(none) -> delivering -> delivered (with the receipt)
 *	                     -> failed    (the MTA refused or was not
 *	                                   reached: a retry may deliver)
 * "delivering" is written BEFORE the MTA transaction starts, so a crash,
 * a lost MTA reply or a delivered-log write failing after the MTA's 250
 * leaves it behind, and a retry then finds it and does not deliver
 * again.  The keystore's record has no such outcome: "delivering" is
 * stored as outcome tempfail with info "delivering pid=P req=R", which
 * ssmpctl shows as it is.
 */
#ifndef BRIDGE_DLOG_H
#define BRIDGE_DLOG_H

#include <stdint.h>

#include "ssmp_err.h"
#include "store.h"

enum dlog_state {
	DLOG_NONE,		/* never tried, or failed: deliver */
	DLOG_DELIVERED,		/* answer with the original receipt */
	DLOG_DELIVERING		/* in progress, or outcome unknown */
};

struct dlog_owner {		/* of a "delivering" record */
	long		pid;
	char		reqid[24];
	int64_t		since;
};

/*
 * The state of one recipient.  For DLOG_DELIVERED *receipt gets the
 * receipt JSON (malloc'd, may be NULL), info the queue id text; for
 * DLOG_DELIVERING *owner who wrote it.  -1 on a store error.
 */
int dlog_get(struct ks_store *ks, const char *from, const char *msgid,
    const char *rcpt, enum dlog_state *st, char **receipt, char *info,
    size_t infolen, struct dlog_owner *owner, struct ssmp_err *err);

/* Before the MTA transaction. */
int dlog_delivering(struct ks_store *ks, const char *from, const char *msgid,
    const char *rcpt, const char *reqid, struct ssmp_err *err);
/* The MTA refused (rejected true: 5xx) or was not reached: retry may deliver. */
int dlog_failed(struct ks_store *ks, const char *from, const char *msgid,
    const char *rcpt, bool rejected, const char *why, struct ssmp_err *err);
/* After the MTA's 250. */
int dlog_delivered(struct ks_store *ks, const char *from, const char *msgid,
    const char *rcpt, const char *queueid, const char *receipt,
    struct ssmp_err *err);

#endif
