/*
 * handoff.h - the message phase after the body arrived: check the body
 * against its signature, answer retries from the delivered-log, hand the
 * message to the local MTA, sign the receipt.  2xx only after the MTA's
 * 250 (ssmp.7, MESSAGE PHASE).
 */
#ifndef BRIDGE_HANDOFF_H
#define BRIDGE_HANDOFF_H

#include "pending.h"
#include "ssmp_limits.h"
#include "ssmp_status.h"

struct body;
struct ssmpd;
struct handoff;

typedef void (*handoff_cb)(struct handoff *h, void *arg);

/*
 * Check the SSMP-Msgid and SSMP-Signature header values (before the body
 * is read, so a malformed request is refused without reading it).
 * 0, or -1 with *o and err set.
 */
int handoff_headers_check(const char *msgid, const char *sig,
    enum ssmp_outcome *o, struct ssmp_err *err);

/*
 * Start the hand-off of body (complete, hashed: body_done; the caller
 * keeps it unchanged until cb has run) for pending envelope p, which the
 * caller holds (pending_claim) until cb has run.  cb runs once, on the loop, with *resp set, possibly
 * before handoff_start returns; free the result with handoff_free().
 */
struct handoff *handoff_start(struct ssmpd *d, const char *reqid, const char *peer,
    struct pending *p, const char *msgid, const char *sig,
    const struct body *body, handoff_cb cb, void *arg);
const struct ssmp_response *handoff_response(const struct handoff *h);
void handoff_free(struct handoff *h);

#endif
