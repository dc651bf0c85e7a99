/*
 * upgrade.h - the SSMP work behind the milter callbacks.
 *
 * upgrade_rcpt() runs at RCPT for clients whose RCPT may be refused
 * (internal hosts, authenticated): discovery, then the envelope phase for
 * that recipient, so an enforce domain's refusal reaches the client as a
 * 5xx/4xx for that recipient only.  upgrade_eom() does everything else:
 * discovery and envelopes for local submissions (all domains at once),
 * the message phase for every accepted recipient concurrently, receipt
 * checks, smfi_delrcpt, the delivered-log and auto-allow.
 */
#ifndef SSMP_MILTER_UPGRADE_H
#define SSMP_MILTER_UPGRADE_H

#include <libmilter/mfapi.h>

#include "msgctx.h"

sfsistat upgrade_rcpt(SMFICTX *ctx, struct msgctx *m, struct rcpt *r);
sfsistat upgrade_eom(SMFICTX *ctx, struct msgctx *m);

#endif
