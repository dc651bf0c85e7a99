/*
 * tally.h - counting each recipient's delivery attempt for the daily
 * delivery reports (ssmp.7 DELIVERY REPORTS), once, where the pipeline
 * logs it: a report says exactly what the sender's log says.
 *
 * Counted: recipients of domains whose policy (seen now, or remembered
 * when DNS failed) asks for reports (rua=): a delivery by SSMP, or a
 * failure with its result type (ssmp_rtype.h), its code, its reason and
 * whether it went on by SMTP.  Not counted: domains that are not SSMP,
 * our own, repeated recipients, and recipients delivered by an earlier
 * attempt (counted then).  The keystore keeps the counts (report.h).
 */
#ifndef SSMP_TALLY_H
#define SSMP_TALLY_H

#include <stdbool.h>
#include <stddef.h>

#include "report.h"
#include "pipeline.h"

/* One recipient's entry; its strings live here. */
struct tl_entry {
	struct ks_tally	t;
	char		policy[SSMP_POLICY_TXT_MAX + 1];
	char		reporter[SSMP_DOMAIN_MAX + 1];
};

/* Fill e for r of m at time now; false if r is not counted. */
bool tl_entry(const struct pl_msg *m, const struct pl_rcpt *r, int64_t now,
    struct tl_entry *e);
/* Count n entries in one transaction; a failure is logged, not fatal. */
void tl_count(struct ks_store *ks, const struct tl_entry *e, size_t n,
    const char *id);

#endif
