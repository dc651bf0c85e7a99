/*
 * decide.h - from an SSMP verdict to what happens to the recipient.
 *
 * The receiver's enhanced status code class is authoritative (ssmp.7,
 * STATUS CODES).  enforce domains: a permanent refusal is a 5xx for that
 * recipient, a temporary one a 4xx (the MTA queues and retries); testing
 * domains: any failure falls back to SMTP.  Decisions taken at end of
 * message can no longer reject one recipient, so there a refusal for an
 * enforce domain fails the whole message only when nothing else is left.
 */
#ifndef SSMP_MILTER_DECIDE_H
#define SSMP_MILTER_DECIDE_H

#include <libmilter/mfapi.h>

#include "ssmp_status.h"
#include "ssmp_txt.h"
#include "deliver.h"

enum decision {
	DEC_SSMP,	/* accepted: goes (went) by SSMP */
	DEC_FALLBACK,	/* stays on SMTP */
	DEC_REJECT,	/* refuse (5xx) */
	DEC_TEMPFAIL	/* try again later (4xx) */
};

enum decision decide(enum ssmp_mode mode, enum dl_state st);
const char *decision_name(enum decision d);

/*
 * Set the SMTP reply for a refusal: 550/552/554 or 451, the remote's
 * enhanced code (forced into the right class) and "domain: reason".
 */
void decide_reply(SMFICTX *ctx, enum decision d, const char *domain,
    const struct ssmp_status *st);
/* The milter status to return for d. */
sfsistat decide_status(enum decision d);

#endif
