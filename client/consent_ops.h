/*
 * consent_ops.h - what a local user can do with consent (ssmp.7, CONSENT
 * HANDSHAKE), shared by `ssmpctl allow ...` and ssmpd's consent API:
 * request (share or signup), accept, deny, withdraw, and the list of
 * consent records.  Each changes the local stores (allow-list, consent
 * records in the keystore's pending sub-db) and, where the handshake
 * says so, sends one signed request to the remote domain.
 *
 * Consent records: key (local, remote), type share|signup, state
 *	pending		a share arrived; local has not allowed remote yet
 *	sent		we sent a share or signup; the remote said pending
 *	shared		both allow each other
 *	subscribed	local signed up to the list remote (or, at the
 *			list's domain: the list may send to remote)
 *	withdrawn	remote withdrew a shared pair
 * Only "pending" records expire (COPS_PENDING_TTL); the others live
 * until withdrawn or deleted.
 *
 * Blocking (LMDB writes, DNS, HTTPS).  Returns 0 done, 1 no such
 * record/entry, -1 permanent error, AC_ETEMP temporary; err set on < 0.
 */
#ifndef SSMP_CONSENT_OPS_H
#define SSMP_CONSENT_OPS_H

#include <stdbool.h>
#include <stdint.h>

#include "consent_client.h"
#include "keytable.h"
#include "ssmp_status.h"
#include "store.h"

#define COPS_PENDING_TTL	(30 * 86400)

/*
 * Build and sign an allow request as from's domain (ssmpd: its key
 * process does, keyproc.h).  0, or -1 with err.
 */
typedef int (*cops_sign_fn)(void *arg, enum ssmp_allow_type type,
    const char *from, const char *to, struct ssmp_allow *out,
    struct ssmp_err *err);

struct cops {
	struct ks_store			*ks;
	struct ac			*ac;	/* NULL: never send */
	/* our domains; with sign NULL their private keys sign too */
	const struct ks_keytable	*keys;
	cops_sign_fn			 sign;
	void				*sign_arg;
};

struct cops_result {
	char			state[KS_WORD_MAX + 1];	/* here, after */
	bool			sent;		/* a request went out */
	struct ssmp_status	remote;		/* its answer, if sent */
};

/* Is this record still in force at now (pending records expire)? */
bool cops_live(const struct ks_consent *p, int64_t now);

/*
 * Room for one more pending request from domain among a recipient's n
 * live pending requests v: the index of the one to evict, or -1 if
 * there is room.  A domain at per_domain requests loses its own oldest;
 * else, with the recipient at max requests, the domain holding the most
 * loses its oldest.  So a flood from one domain only ever displaces
 * that domain's requests while others have fewer (issue 14: 100 shares
 * from one stranger locked a user out for 30 days).  0: no bound.
 */
long cops_victim(const struct ks_consent *v, size_t n, const char *domain,
    long per_domain, long max);

/*
 * local allows remote (tier) and asks remote for the same (share) or
 * subscribes to the list remote (signup).  A pending share from remote
 * is thereby accepted.
 */
int cops_request(struct cops *o, const char *local, const char *remote,
    enum ssmp_allow_type type, enum ks_tier tier, struct cops_result *res,
    struct ssmp_err *err);
/* Accept a pending share (1 if none): cops_request of a share. */
int cops_accept(struct cops *o, const char *local, const char *remote,
    enum ks_tier tier, struct cops_result *res, struct ssmp_err *err);
/* Drop a pending share; nothing is sent (1 if none). */
int cops_deny(struct cops *o, const char *local, const char *remote,
    struct ssmp_err *err);
/*
 * Delete local's allow-list entry for remote (an address or *@domain)
 * and its consent record; when the pair came from the handshake, send
 * a withdrawal first.  A temporary failure to send changes nothing.
 */
int cops_withdraw(struct cops *o, const char *local, const char *remote,
    struct cops_result *res, struct ssmp_err *err);
/* Live consent records of local (NULL = all); all = not only pending. */
int cops_list(struct cops *o, const char *local, bool all, ks_consent_cb cb,
    void *arg, struct ssmp_err *err);

#endif
