/*
 * upgrade.h - the SSMP work behind the milter callbacks.
 *
 * Discovery includes the recipient domain's receipt key: with it revoked
 * or unpublished no receipt could verify, so nothing is sent there -
 * testing domains stay on SMTP, enforce domains are tempfailed.
 *
 * upgrade_rcpt() runs at RCPT for clients whose RCPT may be refused
 * (internal hosts, authenticated): discovery (a DNS failure is a 451 for
 * that recipient), then, for enforce domains only, the envelope phase for
 * that recipient, so an enforce domain's refusal reaches the client as a
 * 5xx/4xx for that recipient only.  That wait cannot overlap with the
 * next recipient: the MTA hands RCPTs to the milter one at a time and
 * waits for each reply.  Recipients of testing domains need no RCPT-time
 * verdict (every failure falls back to SMTP), so they wait for EOM.
 *
 * upgrade_data() runs at DATA: discovery for the recipients not looked
 * up yet (local submissions), all domains concurrently.  It returns 0
 * when no recipient is left for SSMP: the decisions are logged and
 * AutoAllow done there, and the message is accepted before its body is
 * sent to the milter.  A DNS failure leaves the recipient for EOM (no
 * refusal before EOM for local submissions: Postfix's non_smtpd_milters
 * must not refuse there).
 *
 * upgrade_eom() does everything else: discovery that failed at DATA,
 * tried once more (a failure now tempfails the message), the envelope phase for every recipient not
 * decided yet (one request per domain, all domains concurrently), the
 * message phase for every accepted recipient concurrently, receipt
 * checks, smfi_delrcpt, the delivered-log (one transaction per message)
 * and auto-allow.  A receipt that fails after the receiver accepted
 * tempfails the message in both modes, never an SMTP copy as well.
 */
#ifndef SSMP_MILTER_UPGRADE_H
#define SSMP_MILTER_UPGRADE_H

#include <libmilter/mfapi.h>

#include "msgctx.h"

sfsistat upgrade_rcpt(SMFICTX *ctx, struct msgctx *m, struct rcpt *r);
int upgrade_data(SMFICTX *ctx, struct msgctx *m);
sfsistat upgrade_eom(SMFICTX *ctx, struct msgctx *m);

#endif
