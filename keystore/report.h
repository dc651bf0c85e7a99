/*
 * report.h - the delivery-report stores (ssmp.7 DELIVERY REPORTS):
 *
 *	tally	what this host's senders saw, per UTC day, reporting
 *		(sending) domain and receiving domain: the report being
 *		written, and when it was sent
 *	inbox	the reports other domains sent us, verified
 *
 * Both are bounded: the tally holds at most KS_TALLY_DOMAINS receiving
 * domains a day (one more is refused, counted nowhere) and is swept
 * KS_TALLY_DAYS after its day; the inbox holds at most
 * KS_INBOX_PER_DOMAIN reports of one reporting domain and KS_INBOX_MAX
 * in all (one more is refused: KS_FULL) and is swept KS_INBOX_KEEP
 * after a report arrived.  Records are the report's JSON
 * (ssmp_report.h), checked by its decoder when read and written.  See
 * store.h for the return convention.
 */
#ifndef KS_REPORT_H
#define KS_REPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ssmp_err.h"
#include "ssmp_report.h"

struct ks_store;

#define KS_TALLY_DOMAINS	1000	/* receiving domains a day */
#define KS_TALLY_DAYS		14	/* days a tally is kept */
#define KS_INBOX_PER_DOMAIN	64	/* reports of one reporting domain */
#define KS_INBOX_MAX		2000	/* reports in all: <= 128 MiB */
#define KS_INBOX_KEEP		(31 * 86400)	/* seconds a report is kept */
#define KS_FULL			3	/* a bound refused a new record */

/* One recipient's delivery attempt, to be counted. */
struct ks_tally {
	int64_t		 day;		/* any second of its UTC day */
	const char	*reporter;	/* sending domain (signs the report) */
	const char	*domain;	/* receiving domain */
	const char	*policy;	/* canonical policy record, or NULL:
					   failed before a policy was known */
	bool		 ok;		/* delivered by SSMP */
	bool		 fallback;	/* a failure that went on by SMTP */
	enum ssmp_rtype	 type;		/* the failure's */
	const char	*code;		/* its enhanced code */
	const char	*sample;	/* its reason (scrubbed here) */
};

/*
 * Count n attempts in one transaction.  A domain that would be the day's
 * KS_TALLY_DOMAINS + 1st is not counted (*dropped, may be NULL, says how
 * many attempts were not); the rest are.
 */
int ks_tally_add(struct ks_store *ks, const struct ks_tally *v, size_t n,
    size_t *dropped, struct ssmp_err *err);
/* A day's record: the report so far, and when it was sent (0: not yet). */
struct ks_tally_rec {
	struct ssmp_report	r;	/* organization-name, contact, id unset */
	int64_t			sent;
};
/* Records of days in [from, to] (Unix seconds), oldest day first. */
typedef int (*ks_tally_cb)(const struct ks_tally_rec *t, void *arg);
int ks_tally_iter(struct ks_store *ks, int64_t from, int64_t to,
    ks_tally_cb cb, void *arg, struct ssmp_err *err);
/* Remember that the report of (day, reporter, domain) went out; 1 none. */
int ks_tally_sent(struct ks_store *ks, int64_t day, const char *reporter,
    const char *domain, int64_t when, struct ssmp_err *err);

/* A report received, as it came: its octets and who signed it. */
struct ks_inbox {
	char		 reporter[SSMP_DOMAIN_MAX + 1];
	char		 id[SSMP_REPORT_ID_MAX + 1];
	char		 selector[SSMP_SELECTOR_MAX + 1];
	int64_t		 received;
	int64_t		 start, end;	/* its date range */
	const char	*json;		/* the report's octets */
	size_t		 len;
};
/*
 * Store a verified report.  0 stored, 1 the reporter's report of that id
 * is there already (nothing changed), KS_FULL a bound refused it.
 */
int ks_inbox_put(struct ks_store *ks, const struct ks_inbox *in,
    struct ssmp_err *err);
/* Reports of reporter (NULL: all) received since since; in->json valid
 * only during cb. */
typedef int (*ks_inbox_cb)(const struct ks_inbox *in, void *arg);
int ks_inbox_iter(struct ks_store *ks, const char *reporter, int64_t since,
    ks_inbox_cb cb, void *arg, struct ssmp_err *err);

/*
 * Tallies of days before now - KS_TALLY_DAYS days and reports received
 * before now - KS_INBOX_KEEP; *count (may be NULL) = deleted.
 */
int ks_report_sweep(struct ks_store *ks, int64_t now, size_t *count,
    struct ssmp_err *err);

/* The UTC day of t: its first second. */
int64_t ks_day_of(int64_t t);

#endif
