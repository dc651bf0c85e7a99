/*
 * dnsq.h - the DNS TXT lookups of SSMP discovery (ldns).
 *
 * Used by ssmpctl (keys test), ssmp-milter (is the recipient domain
 * SSMP?) and ssmpd (the sender's key).  The outcome is classified the
 * way ssmp.7 DISCOVERY needs it: a temporary failure (SERVFAIL, timeout,
 * network) is never mistaken for "no SSMP".
 *
 * With TrustAnchorFile set, answers for names at or below an anchor must
 * validate (RRSIG chain to the anchor for data, signed NSEC/NSEC3 proof
 * for NXDOMAIN and NODATA); anything else is DNSQ_BOGUS, a temporary
 * failure.  Names outside every anchor are not validated.
 *
 * Thread safety: a struct dnsq is read-only after dnsq_new(); every
 * lookup builds its own ldns resolver, so any number of threads may
 * share one struct dnsq.
 */
#ifndef KS_DNSQ_H
#define KS_DNSQ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ssmp_config.h"
#include "ssmp_err.h"
#include "ssmp_txt.h"

enum dnsq_status {
	DNSQ_OK,	/* NOERROR with data (helpers: a valid SSMP record) */
	DNSQ_NXDOMAIN,	/* the name does not exist: no SSMP */
	DNSQ_NODATA,	/* no TXT (helpers: no v=SSMP1 record): no SSMP */
	DNSQ_TEMP,	/* SERVFAIL, REFUSED, timeout, network: try later */
	DNSQ_BOGUS,	/* DNSSEC validation failed: temporary, logged */
	DNSQ_INVALID	/* helpers only: v=SSMP1 record(s) present but
			   invalid (two of them, bad tag): no SSMP, logged */
};
const char *dnsq_status_name(enum dnsq_status s);	/* "ok", "nxdomain" ... */

struct dnsq;

/*
 * From the config: Nameservers (empty = /etc/resolv.conf), DNSTimeout,
 * TrustAnchorFile, MinCacheTTL/MaxCacheTTL (bounds of every TTL
 * returned).  All Nameservers must use one port.
 */
int dnsq_new(const struct ssmp_config *cfg, struct dnsq **out,
    struct ssmp_err *err);
void dnsq_free(struct dnsq *dq);

struct dnsq_answer {
	uint32_t	 ttl;	/* min TTL of the RRset, or for NXDOMAIN and
				   NODATA the SOA minimum; clamped */
	bool		 secure;	/* validated against an anchor */
	size_t		 ntxt;
	char		**txt;	/* each RR's strings concatenated */
};

/*
 * TXT records at name (absolute or not; a final dot is added).  On
 * DNSQ_TEMP and DNSQ_BOGUS err says what failed, naming the name.
 * Call dnsq_answer_free() whatever the result.
 */
enum dnsq_status dnsq_txt(struct dnsq *dq, const char *name,
    struct dnsq_answer *ans, struct ssmp_err *err);
void dnsq_answer_free(struct dnsq_answer *ans);

/*
 * _ssmp.<domain>: DNSQ_OK with *pol filled when exactly one record
 * starts with v=SSMP1 and parses.  ttl may be NULL.
 */
enum dnsq_status dnsq_policy(struct dnsq *dq, const char *domain,
    struct ssmp_policy *pol, uint32_t *ttl, struct ssmp_err *err);
/* <selector>._ssmpkey.<domain>: DNSQ_OK also for a revoked key (p=). */
enum dnsq_status dnsq_key(struct dnsq *dq, const char *domain,
    const char *selector, struct ssmp_keyrec *key, uint32_t *ttl,
    struct ssmp_err *err);

#endif
