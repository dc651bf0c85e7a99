/*
 * upgrade.h - the milter's front end of the outbound pipeline
 * (client/pipeline.h): when each step runs, and what its outcome means
 * to the MTA (SMFIS codes, SMTP replies, smfi_delrcpt).
 *
 * upgrade_rcpt() runs at RCPT for clients whose RCPT may be refused
 * (internal hosts, authenticated): discovery (a DNS failure is a 451 for
 * that recipient), then the envelope phase for that recipient, so a
 * refusal reaches the client as a 5xx/4xx for that recipient only.  That
 * wait cannot overlap with the next recipient: the MTA hands RCPTs to the
 * milter one at a time and waits for each reply.
 *
 * upgrade_data() runs at DATA: discovery for the recipients not looked
 * up yet (local submissions), all domains concurrently.  It returns 0
 * when no recipient is left for SSMP: the decisions are logged and
 * AutoAllow done there, and the message is accepted before its body is
 * sent to the milter.  A temporary failure leaves the recipient for EOM
 * (no refusal before EOM for local submissions: Postfix's
 * non_smtpd_milters must not refuse there).
 *
 * upgrade_eom() does everything else: the delivered-log (a retry of a
 * message delivered earlier), discovery not done yet (a failure now
 * tempfails the message), the envelope phase for every recipient not
 * decided yet (one request per domain, all domains concurrently; a
 * refusal rejects the whole message, a temporary failure tempfails it:
 * nothing can refuse one recipient after DATA), the message phase for
 * every accepted recipient concurrently, smfi_delrcpt for each delivered
 * one and AutoAllow.  A recipient refused in the message phase stays in
 * the SMTP envelope, for the MTA to deliver or bounce.  A receipt that
 * fails after the receiver accepted tempfails the message in both modes,
 * never an SMTP copy as well.
 */
#ifndef SSMP_MILTER_UPGRADE_H
#define SSMP_MILTER_UPGRADE_H

#include <libmilter/mfapi.h>

#include "msgctx.h"

sfsistat upgrade_rcpt(SMFICTX *ctx, struct msgctx *m, struct pl_rcpt *r);
int upgrade_data(SMFICTX *ctx, struct msgctx *m);
sfsistat upgrade_eom(SMFICTX *ctx, struct msgctx *m);

#endif
