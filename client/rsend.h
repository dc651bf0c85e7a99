/*
 * rsend.h - sending the delivery reports of finished days (ssmp.7
 * DELIVERY REPORTS), for ssmp-milter's housekeeping thread and
 * `ssmpctl report send`.
 *
 * Each (day, reporting domain, receiving domain) the tally holds
 * (report.h) is sent once, after its UTC day ended: its JSON exactly as
 * counted, signed by the reporting domain's key through sign() (the
 * key process), POSTed to the https: URI of the rua= of the policy the
 * day's deliveries used, with the client's HTTPS (netguard and
 * AllowPrivateHosts apply) and its resolver.  A 2xx answer, or a
 * permanent refusal (4xx but 408 and 429), marks it sent, so a restart
 * sends nothing twice; anything else is tried again on the next call,
 * until the tally is swept.  A rua= with only mailto: is not sent
 * (logged): this version sends by HTTPS only.
 */
#ifndef SSMP_RSEND_H
#define SSMP_RSEND_H

#include <stddef.h>
#include <stdint.h>

#include "ssmp_err.h"
#include "ssmp_report.h"

struct dl_client;
struct ks_store;

/* Fill s->selector, s->time and s->sig for s->domain over hash. */
typedef int (*rs_sign_fn)(void *arg, struct ssmp_rsig *s, const char *hash,
    struct ssmp_err *err);

struct rs_result {
	size_t	sent;		/* accepted */
	size_t	refused;	/* refused for good: not sent again */
	size_t	later;		/* to try again */
	size_t	skipped;	/* no https: rua= */
};

/*
 * Send every report of a day before now's that is not sent yet (only
 * those to domain, if not NULL).  -1 only if the tally cannot be read;
 * each report's fate is logged and counted in *res.
 */
int rs_send_due(struct dl_client *dl, struct ks_store *ks, int64_t now,
    const char *domain, rs_sign_fn sign, void *arg, struct rs_result *res,
    struct ssmp_err *err);

#endif
