/*
 * send_core.h - the sender's side bookkeeping around libdeliver, written
 * once for every program that delivers by SSMP (ssmp-send now; ssmp-milter
 * holds the same steps as static functions in milter/upgrade.c and can
 * move to these).
 *
 *  - sc_client_open(): the delivery client exactly as ssmp.conf sets it
 *    up (keystore, Nameservers/TrustAnchorFile resolver, CAFile, timeouts);
 *  - the delivered-log: "was this message delivered to this recipient
 *    already?" (idempotency by sender, Message-ID and recipient) and the
 *    record of a verified receipt (chain of custody);
 *  - auto-allow: replies from the people one writes to pass one's own
 *    allow-list;
 *  - the message id a delivery is known by: the Message-ID, else
 *    "sha256:<hash of the message>".
 */
#ifndef SSMP_SEND_CORE_H
#define SSMP_SEND_CORE_H

#include <stdbool.h>

#include "ssmp_config.h"
#include "ssmp_err.h"
#include "deliver.h"

struct ks_store;

/*
 * Open the keystore (Database, if set) and the delivery client.  On -1
 * nothing is left open.  *ks may be NULL afterwards (no Database).
 */
int sc_client_open(const struct ssmp_config *cfg, struct ks_store **ks,
    struct dl_client **dl, struct ssmp_err *err);
void sc_client_close(struct ks_store *ks, struct dl_client *dl);

/* 1 if the delivered-log has a verified delivery of msgid to rcpt. */
int sc_delivered_before(struct ks_store *ks, const char *from,
    const char *msgid, const char *rcpt);
/* Log a delivery; id names the message in warnings (queue id or NULL). */
void sc_record_delivery(struct ks_store *ks, const char *from,
    const char *msgid, const char *rcpt, const char *info,
    const char *receipt_json, const char *id);
/* Put rcpt in from's allow-list as known unless it has an entry. */
void sc_auto_allow(struct ks_store *ks, const char *from, const char *rcpt,
    const char *id);

/* Set body->msgid: msgid if given (checked), else "sha256:<hash>". */
void sc_body_msgid(struct dl_body *body, const char *msgid);

/* Of n batches, one for domain with room for a recipient, or NULL. */
struct dl_batch *sc_batch_for(struct dl_batch *const *b, size_t n,
    const char *domain);

/* The batch entry whose user pointer is user (the first one if none). */
const struct dl_rcpt *sc_batch_rcpt(const struct dl_batch *b,
    const void *user);

#endif
