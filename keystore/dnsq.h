/*
 * dnsq.h - the DNS lookups of SSMP discovery: a validating resolver
 * (libunbound) and the classification ssmp.7 DISCOVERY needs.
 *
 * Used by ssmpctl (keys test), the outbound client (is the recipient
 * domain SSMP?  the address of its HTTPS host) and ssmpd (the sender's
 * key).  A temporary failure (SERVFAIL, timeout, network) is never
 * mistaken for "no SSMP".
 *
 * With TrustAnchorFile set every answer is validated as a validating
 * resolver does (RFC 4035): signed data must chain to an anchor, and a
 * name below an anchor may be unsigned only where the chain proves it
 * (a signed NSEC/NSEC3 denial of the DS: an insecure delegation), so
 * the root anchor works for the unsigned internet.  Anything else is
 * DNSQ_BOGUS, a temporary failure.  The resolver keeps its own cache
 * (TTLs bounded by MinCacheTTL/MaxCacheTTL); its anchors are fixed when
 * the struct dnsq is made, so nothing it cached was checked against
 * other anchors.
 *
 * Two ways to use one struct dnsq, never both:
 *  - blocking: dnsq_policy(), dnsq_key(), dnsq_addr() from any number of
 *    threads (ssmpctl, ssmp-milter, ssmp-send);
 *  - event loop: dnsq_start() with a callback, the loop watching
 *    dnsq_fd() and calling dnsq_process() and dnsq_expire() (ssmpd).
 *    No thread waits for DNS.
 * Every lookup ends within DNSTimeout, then it is DNSQ_TEMP.
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
	DNSQ_TEMP,	/* SERVFAIL, timeout, network: try later */
	DNSQ_BOGUS,	/* DNSSEC validation failed: temporary, logged */
	DNSQ_INVALID	/* helpers only: v=SSMP1 record(s) present but
			   invalid (two of them, bad tag): no SSMP, logged */
};
const char *dnsq_status_name(enum dnsq_status s);	/* "ok", "nxdomain" ... */

struct dnsq;

/*
 * From the config: DNSMode and Nameservers (where queries go),
 * DNSTimeout, TrustAnchorFile, MinCacheTTL/MaxCacheTTL (bounds of every
 * TTL cached or returned).
 */
int dnsq_new(const struct ssmp_config *cfg, struct dnsq **out,
    struct ssmp_err *err);
/* Lookups still in flight are dropped; their callbacks do not run. */
void dnsq_free(struct dnsq *dq);

/* Answers are validated (TrustAnchorFile set). */
bool dnsq_validating(const struct dnsq *dq);

/* --- blocking ------------------------------------------------------------ */

/*
 * _ssmp.<domain>: DNSQ_OK with *pol filled when exactly one TXT record
 * starts with v=SSMP1 and parses.  ttl may be NULL.  On anything but
 * DNSQ_OK err says what happened, naming the record.
 */
enum dnsq_status dnsq_policy(struct dnsq *dq, const char *domain,
    struct ssmp_policy *pol, uint32_t *ttl, struct ssmp_err *err);
/* <selector>._ssmpkey.<domain>: DNSQ_OK also for a revoked key (p=). */
enum dnsq_status dnsq_key(struct dnsq *dq, const char *domain,
    const char *selector, struct ssmp_keyrec *key, uint32_t *ttl,
    struct ssmp_err *err);
/*
 * The A (else AAAA) addresses of host as text, comma-separated in the
 * order of the answer, at most DNSQ_ADDRS of them ("192.0.2.1,192.0.2.2",
 * the form libcurl's CURLOPT_RESOLVE takes: it tries each in turn, so a
 * sender reaches the second host of a domain when the first is down); an
 * IP literal is returned as it is.  DNSQ_NXDOMAIN/DNSQ_NODATA: no such
 * host or no address.  TLS authenticates the host, but a bogus answer is
 * still a temporary failure.  Whether an address may be connected to is
 * the caller's policy.
 */
#define DNSQ_ADDRS	8
#define DNSQ_ADDR_MAX	(DNSQ_ADDRS * 46)
enum dnsq_status dnsq_addr(struct dnsq *dq, const char *host, char *out,
    size_t outlen, uint32_t *ttl, struct ssmp_err *err);

/* --- event loop ---------------------------------------------------------- */

enum dnsq_kind { DNSQ_Q_POLICY, DNSQ_Q_KEY, DNSQ_Q_ADDR };

struct dnsq_result {
	enum dnsq_kind		 kind;
	enum dnsq_status	 st;
	uint32_t		 ttl;		/* clamped */
	bool			 secure;	/* signed, chain to an anchor */
	struct ssmp_policy	 pol;		/* DNSQ_Q_POLICY, DNSQ_OK */
	struct ssmp_keyrec	 key;		/* DNSQ_Q_KEY, DNSQ_OK */
	char			 addr[DNSQ_ADDR_MAX];	/* DNSQ_Q_ADDR */
	struct ssmp_err		 err;		/* why, unless DNSQ_OK */
};
typedef void (*dnsq_cb)(const struct dnsq_result *r, void *arg);

/*
 * Start a lookup (selector only for DNSQ_Q_KEY; name is the domain or,
 * for DNSQ_Q_ADDR, the host).  cb runs exactly once, on the thread that
 * calls dnsq_process() or dnsq_expire(), or before dnsq_start() returns
 * (a bad name, an IP literal).
 */
void dnsq_start(struct dnsq *dq, enum dnsq_kind kind, const char *name,
    const char *selector, dnsq_cb cb, void *arg);
/* Readable when answers wait; puts dq in event-loop use. */
int dnsq_fd(struct dnsq *dq);
/* Run the callbacks of the answers that arrived. */
void dnsq_process(struct dnsq *dq);
/*
 * End the lookups older than DNSTimeout (DNSQ_TEMP, "timed out");
 * returns the milliseconds until the next one is due, -1 if none waits.
 */
long dnsq_expire(struct dnsq *dq);
/* End every lookup in flight (DNSQ_TEMP), before dnsq_free(). */
void dnsq_cancel_all(struct dnsq *dq);
/* Lookups in flight. */
int dnsq_inflight(struct dnsq *dq);

#endif
