/*
 * delivered.h - the delivered-log store (idempotency, chain of custody).
 *
 * Two roles, two key spaces: what this host SENT (the outbound client:
 * a remote receiver's verified receipt per recipient) and what it
 * RECEIVED (ssmpd: each recipient handed to the local MTA at most once,
 * with the receipt it answered).  A host serving two domains that mail
 * each other keeps both records of one message apart.
 *
 * A received recipient goes through
 *	(none) -> DELIVERING (owner, time) -> DELIVERED (with the receipt)
 *	                                   -> REJECTED / TEMPFAIL (failed)
 * DELIVERING says which request holds it since when (ssmpd.8, EXACTLY
 * ONCE).  See store.h for the return convention.
 */
#ifndef KS_DELIVERED_H
#define KS_DELIVERED_H

#include <stddef.h>
#include <stdint.h>

#include "ssmp_err.h"
#include "ssmp_limits.h"

struct ks_store;

enum ks_role {
	KS_SENT = 1,		/* the outbound client delivered it */
	KS_RECEIVED = 2		/* ssmpd handed it to the local MTA */
};
const char *ks_role_name(enum ks_role r);		/* "sent" ... */
int ks_role_parse(const char *s, enum ks_role *out, struct ssmp_err *err);

enum ks_outcome {
	KS_OUT_DELIVERED = 1,	/* the local MTA / remote receiver accepted */
	KS_OUT_REJECTED = 2,
	KS_OUT_TEMPFAIL = 3,
	KS_OUT_DELIVERING = 4	/* under way, or its outcome unknown */
};
const char *ks_outcome_name(enum ks_outcome o);

#define KS_INFO_MAX	512
#define KS_HOST_MAX	63
#define KS_REQID_MAX	23

/* Who holds a DELIVERING record (since the record's time). */
struct ks_owner {
	char	host[KS_HOST_MAX + 1];
	long	pid;
	char	reqid[KS_REQID_MAX + 1];
};

struct ks_delivered {
	enum ks_role	role;
	char		from[SSMP_ADDR_MAX + 1];	/* canonical */
	char		msgid[SSMP_MSGID_MAX + 1];	/* as sent */
	char		rcpt[SSMP_ADDR_MAX + 1];	/* canonical */
	enum ks_outcome	outcome;
	int64_t		time;
	char		info[KS_INFO_MAX + 1];	/* queue id or reason */
	struct ks_owner	owner;		/* KS_OUT_DELIVERING only */
	char		*receipt;	/* receipt JSON or NULL; see below */
};

/*
 * 0 found, 1 not found.  out->receipt is malloc'd (or NULL): release it
 * with ks_delivered_clear().
 */
int ks_delivered_get(struct ks_store *ks, enum ks_role role, const char *from,
    const char *msgid, const char *rcpt, struct ks_delivered *out,
    struct ssmp_err *err);
/* Add or replace; d->receipt may be NULL. */
int ks_delivered_put(struct ks_store *ks, const struct ks_delivered *d,
    struct ssmp_err *err);
/*
 * Add or replace n records in ONE write transaction: all or nothing.
 * All are checked first; with n > 1 an error names the record
 * ("record 2: ...").  One message's recipients cost one commit.
 */
int ks_delivered_put_many(struct ks_store *ks, const struct ks_delivered *d,
    size_t n, struct ssmp_err *err);
/*
 * Compare-and-set for the delivered-log.  Inside the write transaction
 * check sees, for each record d[i], what is stored for its key now
 * (NULL if nothing) and answers KS_PUT (write d[i]), KS_SKIP (leave the
 * stored record) or KS_ABORT (write none of the n: returns 1).  check
 * must depend on its arguments only: the shared backend may ask it
 * again about a record after another host changed it meanwhile.
 */
#define KS_PUT		0
#define KS_SKIP		2
#define KS_ABORT	3
typedef int (*ks_delivered_check)(const struct ks_delivered *now,
    const struct ks_delivered *d, void *arg);
int ks_delivered_put_if(struct ks_store *ks, const struct ks_delivered *d,
    size_t n, ks_delivered_check check, void *arg, struct ssmp_err *err);
/* 0 deleted, 1 no such record. */
int ks_delivered_del(struct ks_store *ks, enum ks_role role, const char *from,
    const char *msgid, const char *rcpt, struct ssmp_err *err);
void ks_delivered_clear(struct ks_delivered *d);
/*
 * Entries of role (0 = both) for rcpt (NULL = any) with time >= since,
 * in no particular order.  d->receipt is valid only during the call.
 */
typedef int (*ks_delivered_cb)(const struct ks_delivered *d, void *arg);
int ks_delivered_iter(struct ks_store *ks, enum ks_role role,
    const char *rcpt, int64_t since, ks_delivered_cb cb, void *arg,
    struct ssmp_err *err);
/*
 * Delete role's records older than before; DELIVERING records stay (a
 * postmaster resolves them, ssmpctl log forget|delivered).
 */
int ks_delivered_sweep(struct ks_store *ks, enum ks_role role, int64_t before,
    size_t *count, struct ssmp_err *err);

#endif
