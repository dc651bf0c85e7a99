/*
 * dlog.h - the delivered-log as ssmpd uses it to hand each message to
 * the local MTA at most once per recipient (ssmpd.8, EXACTLY ONCE).
 *
 * Each (canonical from, msgid, canonical rcpt) goes through
 *	(none) -> delivering -> delivered (with the receipt)
 *	                     -> failed    (the MTA refused or was not
 *	                                   reached: a retry may deliver)
 * "delivering" is written (compare-and-set: only if no other request
 * owns the recipient) inside the MTA transaction, after the body and
 * just before the final ".", the point after which the MTA may have the
 * message.  A crash before it leaves nothing, and a retry delivers; a
 * crash, a lost MTA reply or a failed write after it leaves the record,
 * and a retry does not deliver again (ssmpctl log forget / delivered
 * resolve it once the MTA's log was checked).  The keystore keeps it as
 * outcome KS_OUT_DELIVERING with its owner (host, pid, request id) and
 * time, in the receiving role's key space (delivered.h).  Several hosts
 * sharing the delivered-log (SharedDatabase) tell their records apart by
 * host name: each host of a domain needs its own.
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
	char		host[KS_HOST_MAX + 1];	/* gethostname() */
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

/*
 * Records are collected in a batch and written by dlog_commit in one
 * keystore transaction: all of a message's recipients cost one commit,
 * and either all of them are on disk or none.  Start with
 * struct dlog_batch b = { 0 }; dlog_commit empties it (also on error).
 */
struct dlog_batch {
	struct ks_delivered	*dv;
	int			 n, cap;
};

/* This host's name as owners record it (empty if unknown). */
const char *dlog_host(void);
/* Before the MTA transaction. */
void dlog_delivering(struct dlog_batch *b, const char *from,
    const char *msgid, const char *rcpt, const char *reqid);
/* The MTA refused (rejected true: 5xx) or was not reached: retry may deliver. */
void dlog_failed(struct dlog_batch *b, const char *from, const char *msgid,
    const char *rcpt, bool rejected, const char *why);
/* After the MTA's 250; receipt must live until dlog_commit. */
void dlog_delivered(struct dlog_batch *b, const char *from,
    const char *msgid, const char *rcpt, const char *queueid,
    const char *receipt);
/*
 * Write the batch as request reqid, never over a record that is not
 * free (none, or a failed attempt) or reqid's own: with claim, such a
 * record makes the whole batch fail (1: another request owns one of
 * the recipients); without, that record is left as it is.  0 = on
 * disk, -1 = nothing written (err says why).
 */
int dlog_commit(struct ks_store *ks, struct dlog_batch *b, const char *reqid,
    bool claim, struct ssmp_err *err);

#endif
