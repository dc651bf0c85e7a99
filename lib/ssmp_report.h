/*
 * ssmp_report.h - SSMP delivery reports (ssmp.7, DELIVERY REPORTS):
 * what a sending domain saw delivering to one receiving domain in one
 * UTC day, as the JSON of RFC 8460 (TLS-RPT) with SSMP's result types,
 * and the detached signature that carries it (SSMP-Report-Signature).
 *
 * A report is JSON of at most SSMP_REPORT_MAX octets; the signature is
 * over its exact octets (their SHA-256 in the domain-separated signing
 * input SSMP1-REPORT), so receiver and sender never re-serialise.  It
 * carries counts, domains, host names, selectors, status codes and
 * result types; never an address's local part (ssmp_report_scrub), a
 * message or a Message-ID.
 */
#ifndef SSMP_REPORT_H
#define SSMP_REPORT_H

#include <stdbool.h>
#include <stdint.h>

#include "ssmp_buf.h"
#include "ssmp_crypto.h"
#include "ssmp_err.h"
#include "ssmp_limits.h"
#include "ssmp_rtype.h"
#include "ssmp_txt.h"

#define SSMP_REPORT_MAX		65536	/* octets of report JSON */
#define SSMP_REPORT_POLICIES	8	/* policies of one report */
#define SSMP_REPORT_DETAILS	32	/* failure details of one policy */
#define SSMP_REPORT_ID_MAX	128
#define SSMP_REPORT_CTYPE	"application/tlsrpt+json"
#define SSMP_REPORT_HEADER	"SSMP-Report-Signature"

struct ssmp_rdetail {
	enum ssmp_rtype	type;
	char		host[SSMP_DOMAIN_MAX + 1];	/* receiving host, or "" */
	char		code[16];			/* enhanced code, or "" */
	uint64_t	count;
	char		sample[SSMP_REASON_MAX + 1];	/* one reason, scrubbed */
};

/* One policy seen (or none found) and what happened under it. */
struct ssmp_rpolicy {
	bool			found;		/* "ssmp" / "no-policy-found" */
	char			text[SSMP_POLICY_TXT_MAX + 1];	/* as seen */
	char			host[SSMP_DOMAIN_MAX + 1];	/* h= host */
	char			selector[SSMP_SELECTOR_MAX + 1];
	enum ssmp_mode		mode;
	uint64_t		ok, fail, fallback;
	int			ndetail;
	struct ssmp_rdetail	detail[SSMP_REPORT_DETAILS];
};

struct ssmp_report {
	char			reporter[SSMP_DOMAIN_MAX + 1];
	char			contact[SSMP_ADDR_MAX + 1];	/* or "" */
	char			id[SSMP_REPORT_ID_MAX + 1];
	char			domain[SSMP_DOMAIN_MAX + 1];	/* policy-domain */
	int64_t			start, end;	/* date-range, Unix seconds */
	int			npolicy;
	struct ssmp_rpolicy	policy[SSMP_REPORT_POLICIES];
};

/* The report's JSON (compact, members in a fixed order). */
void ssmp_report_encode(const struct ssmp_report *r, struct ssmp_buf *out);
/*
 * Decode and check a report (ssmp.7 RPT-2): every member's type and
 * syntax, one policy-domain, the failure counts adding up.  Errors name
 * the member ("report: policies[0].summary: ...").
 */
int ssmp_report_decode(const char *json, size_t len, struct ssmp_report *r,
    struct ssmp_err *err);

/* "2026-11-23T00:00:00Z" from Unix seconds, and back (-1 on bad text). */
void ssmp_report_datetime(int64_t t, char out[21]);
int ssmp_report_datetime_parse(const char *s, int64_t *t);

/* Replace the local part of every address in s by "*" (in place). */
void ssmp_report_scrub(char *s);

/* --- the signature ------------------------------------------------------ */

/*
 * SSMP-Report-Signature: v=SSMP1; d=<domain>; s=<selector>; t=<time>;
 * b=<base64 signature>, a tag list as the DNS records' (ssmp_txt.h).
 */
struct ssmp_rsig {
	char		domain[SSMP_DOMAIN_MAX + 1];	/* lower case */
	char		selector[SSMP_SELECTOR_MAX + 1];
	char		time[SSMP_TIME_LEN + 1];
	unsigned char	sig[SSMP_SIG_BYTES];
};

int ssmp_rsig_parse(const char *value, struct ssmp_rsig *out,
    struct ssmp_err *err);
void ssmp_rsig_format(const struct ssmp_rsig *s, struct ssmp_buf *out);

/*
 * The signing input over the report's SHA-256 (hex):
 *	SSMP1-REPORT LF domain:<d> LF s:<s> LF time:<t> LF body:<hash> LF
 */
void ssmp_rsig_input(const struct ssmp_rsig *s, const char *hash,
    struct ssmp_buf *out);
/* Sign hash (domain, selector, time set); verify body's octets. */
void ssmp_rsig_sign(struct ssmp_rsig *s, const char *hash,
    const struct ssmp_key *key);
int ssmp_rsig_verify(const struct ssmp_rsig *s, const void *body,
    size_t len, const unsigned char pk[SSMP_PUBKEY_BYTES],
    struct ssmp_err *err);

#endif
