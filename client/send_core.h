/*
 * send_core.h - the sender's side bookkeeping around libdeliver, written
 * once for every program that delivers by SSMP (ssmp-send, ssmp-milter).
 *
 *  - sc_client_open(): the delivery client exactly as ssmp.conf sets it
 *    up (keystore, Nameservers/TrustAnchorFile resolver, CAFile, timeouts);
 *  - the delivered-log: "was this message delivered to this recipient
 *    already?" (idempotency by sender, Message-ID and recipient) and the
 *    record of a verified receipt (chain of custody);
 *  - auto-allow: replies from the people one writes to pass one's own
 *    allow-list;
 *  - the message id a delivery is known by: the Message-ID, else
 *    "sha256:<hash of the message>";
 *  - the receipt key check before any delivery, and telling a receipt
 *    that failed after the receiver accepted from other failures.
 */
#ifndef SSMP_SEND_CORE_H
#define SSMP_SEND_CORE_H

#include <stdbool.h>
#include <stddef.h>

#include "ssmp_config.h"
#include "ssmp_err.h"
#include "deliver.h"

struct ks_store;
struct ks_delivered;

/*
 * Open the keystore (Database, if set) and the delivery client.  On -1
 * nothing is left open.  *ks may be NULL afterwards (no Database).
 */
int sc_client_open(const struct ssmp_config *cfg, struct ks_store **ks,
    struct dl_client **dl, struct ssmp_err *err);
/*
 * The same for a question only (ssmp-send -q, asked as a router's
 * user): the keystore read-only if that user can read it, else none
 * (then no policy memory); the shared database is not used.
 */
int sc_client_open_query(const struct ssmp_config *cfg,
    struct ks_store **ks, struct dl_client **dl, struct ssmp_err *err);
void sc_client_close(struct ks_store *ks, struct dl_client *dl);

/* 1 if the delivered-log has a verified delivery of msgid to rcpt. */
int sc_delivered_before(struct ks_store *ks, const char *from,
    const char *msgid, const char *rcpt);
/* Log a delivery; id names the message in warnings (queue id or NULL). */
void sc_record_delivery(struct ks_store *ks, const char *from,
    const char *msgid, const char *rcpt, const char *info,
    const char *receipt_json, const char *id);
/*
 * Fill d for a verified delivery of msgid to rcpt (receipt_json is
 * borrowed, not copied), and log n of them in ONE keystore transaction:
 * a message's recipients cost one synced commit, not one each.
 */
void sc_delivery_fill(struct ks_delivered *d, const char *from,
    const char *msgid, const char *rcpt, const char *info,
    const char *receipt_json);
void sc_record_deliveries(struct ks_store *ks, const struct ks_delivered *d,
    size_t n, const char *id);
/* Put rcpt in from's allow-list as known unless it has an entry. */
void sc_auto_allow(struct ks_store *ks, const char *from, const char *rcpt,
    const char *id);
/*
 * The same for n recipients: lookups only for those already listed (the
 * usual case: no write at all), one write transaction for the others.
 */
void sc_auto_allow_many(struct ks_store *ks, const char *from,
    const char *const *rcpt, size_t n, const char *id);

/* Set body->msgid: msgid if given (checked), else "sha256:<hash>". */
void sc_body_msgid(struct dl_body *body, const char *msgid);

/* Of n batches, one for domain with room for a recipient, or NULL. */
struct dl_batch *sc_batch_for(struct dl_batch *const *b, size_t n,
    const char *domain);

/*
 * Can domain prove a delivery right now?  Looks up (cached) the key of
 * the selector its policy names, the one its receipts are signed with.
 * 0: usable.  1: revoked, not published or invalid - any receipt would
 * fail, so the domain does not speak SSMP for now; *st is 4.7.5 (a
 * failed receipt known in advance, class 4 as in ssmp.7).  -1: the
 * lookup failed temporarily; *st is 4.4.3.
 */
int sc_receipt_key(struct dl_client *dl, const char *domain,
    const struct ssmp_policy *pol, struct ssmp_status *st);

/*
 * The receiver may have the message and nothing proves it: it answered
 * the message phase with 2xx but its receipt failed our checks
 * (missing, bad signature, unusable key, recipient not named), or the
 * whole message went out and no answer came (timeout, connection lost).
 * Never deliver such a recipient another way; retry.
 */
bool sc_receipt_failed(const struct dl_rcpt *d);

/* The batch entry whose user pointer is user (the first one if none). */
const struct dl_rcpt *sc_batch_rcpt(const struct dl_batch *b,
    const void *user);

#endif
