/*
 * decide.h - the one decision function of the outbound pipeline: what
 * becomes of a recipient after each step (ssmp.7, Mapping to SMTP).
 *
 * The receiver's enhanced status code class is authoritative (ssmp.7,
 * STATUS CODES).  The table, for a domain in mode m:
 *
 *   class 2, receipt verified            -> SSMP
 *   not SSMP (or an address SSMP/1 cannot carry) -> SMTP
 *   discovery or receipt key lookup failed for now -> tempfail (both m)
 *   not to be upgraded now: our own domain, or discovery failed where the
 *            policy memory says SMTP (deliver.h) -> SMTP; a front end
 *            that cannot send by SMTP: tempfail
 *   the receiver may have it                -> tempfail (both m)
 *   receipt key revoked / not published     -> as class 4
 *   class 4: m=enforce tempfail, m=testing SMTP
 *   class 5: m=enforce reject; m=testing SMTP, except after 5.7.1,
 *            5.1.1 and 5.3.4, which SMTP would refuse as well: reject
 *
 * A front end that cannot send a recipient by SMTP itself (ssmp-send
 * without -F) passes can_fallback false: every SMTP outcome then becomes
 * the failure it stands for (not SSMP or class 5: reject; class 4:
 * tempfail).  Nothing here knows about milters or exit codes: the
 * front ends map a decision to SMFIS codes (milter/upgrade.c) or
 * sysexits (send/send_run.c).
 */
#ifndef SSMP_DECIDE_H
#define SSMP_DECIDE_H

#include <stdbool.h>

#include "ssmp_status.h"
#include "ssmp_txt.h"

/* What happened to a recipient, as far as the decision needs it. */
enum dc_event {
	DC_NOT_SSMP,		/* no SSMP policy, or an address it cannot carry */
	DC_DISC_TEMP,		/* discovery failed for now */
	DC_KEY_UNUSABLE,	/* receipt key revoked or not published */
	DC_KEY_TEMP,		/* receipt key lookup failed for now */
	DC_ACCEPTED,		/* class 2 (envelope accepted, receipt verified) */
	DC_TEMP,		/* class 4 */
	DC_PERM,		/* class 5: the code says which */
	DC_MAYBE,		/* the receiver may have it: never another way */
	DC_NO_UPGRADE		/* our own domain, or DNS failed and the
				   policy memory says SMTP */
};

enum decision {
	DEC_SSMP,	/* accepted: goes (went) by SSMP */
	DEC_FALLBACK,	/* goes by SMTP */
	DEC_REJECT,	/* refused for good (5xx) */
	DEC_TEMPFAIL	/* try again later (4xx) */
};

enum decision decide(enum ssmp_mode mode, enum dc_event ev, const char *code,
    bool can_fallback);
const char *decision_name(enum decision d);

/*
 * The class of a failure: DC_PERM for a class-5 code, else DC_TEMP
 * (no code, transport trouble and class 4 are temporary).
 */
enum dc_event decide_class(const char *code);

/*
 * The SMTP reply for a refusal d: *smtp "550"/"552"/"554" or "451" and
 * *code the receiver's enhanced code when its class fits d, else a
 * default of the right class (5.7.1, 4.4.3).
 */
void decide_smtp(enum decision d, const struct ssmp_status *st,
    const char **smtp, const char **code);

#endif
