/*
 * deliver.h - the SSMP/1 delivery client shared by ssmp-milter and
 * ssmp-send.
 *
 * Three jobs, each usable alone:
 *  - discovery: does a domain speak SSMP?  Answers come from an in-memory
 *    cache, then the keystore's keycache, then DNS; positive and negative
 *    answers are kept for their TTL, temporary failures never are;
 *  - the envelope phase for a batch of recipients of ONE domain;
 *  - the message phase for accepted batches, with the body streamed from
 *    memory or from a spill file, and the receiver's receipt verified
 *    against the key the recipient domain publishes.
 * Batches run concurrently over one libcurl multi handle per call; the
 * connection cache is shared by every thread of the process, so messages
 * to the same host reuse TLS connections (HTTP keep-alive).
 *
 * A batch's recipients come out in one of three states per phase, taken
 * from the enhanced status code class the receiver sent (ssmp.7 STATUS):
 * accepted, temporary failure, permanent failure.  Transport problems,
 * undecodable answers and receipts that do not verify are TEMPORARY: the
 * caller keeps the SMTP copy.  A recipient counts as delivered only when
 * dl_rcpt.delivered is true, i.e. after a verified receipt names it.
 */
#ifndef SSMP_DELIVER_H
#define SSMP_DELIVER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ssmp_crypto.h"
#include "ssmp_err.h"
#include "ssmp_limits.h"
#include "ssmp_receipt.h"
#include "ssmp_status.h"
#include "ssmp_txt.h"

struct ks_store;

/*
 * Outcome of a DNS question as the delivery client needs it; BOGUS is a
 * temporary failure that a remembered policy never stands in for.
 */
enum dl_dns { DL_DNS_OK, DL_DNS_NONE, DL_DNS_TEMP, DL_DNS_BOGUS };

/*
 * How the client asks DNS.  The keystore's dnsq implements it (see
 * dl_resolver_dnsq() in deliver_dnsq.c); ttl is the answer's TTL (or the
 * SOA minimum for DL_DNS_NONE).  Every function must be thread-safe.
 *   policy: the _ssmp.<domain> record (DL_DNS_NONE = no SSMP);
 *   key:    <selector>._ssmpkey.<domain>;
 *   addr:   the IPv4/IPv6 addresses of host (text, comma-separated, in
 *	     the answer's order), for HTTPS; NULL means let libcurl use the
 *	     system resolver.
 * validating: answers are DNSSEC-checked (TrustAnchorFile); what the
 * keystore's cache holds from a resolver that did not check is not used.
 */
struct dl_resolver {
	enum dl_dns	(*policy)(void *arg, const char *domain,
			    struct ssmp_policy *pol, uint32_t *ttl,
			    struct ssmp_err *err);
	enum dl_dns	(*key)(void *arg, const char *domain,
			    const char *selector, struct ssmp_keyrec *key,
			    uint32_t *ttl, struct ssmp_err *err);
	enum dl_dns	(*addr)(void *arg, const char *host, char *out,
			    size_t outlen, struct ssmp_err *err);
	bool		 validating;
	void		*arg;
};

struct ssmp_config;

/*
 * The resolver of ssmp.conf (DNSMode, Nameservers, DNSTimeout,
 * TrustAnchorFile) on the keystore's dnsq: answers validated as
 * configured; the HTTPS host's address from the same resolver, so
 * discovery and connection agree (and a test world's names resolve
 * without touching /etc/hosts).
 */
int dl_resolver_dnsq(const struct ssmp_config *cfg, struct dl_resolver *out,
    struct ssmp_err *err);
void dl_resolver_dnsq_free(struct dl_resolver *r);

struct dl_options {
	const char		*cafile;	/* NULL: system CA store */
	long			 timeout;	/* seconds per HTTPS request */
	/* AllowPrivateHosts (netguard.h); NULL: none */
	const struct ssmp_strlist *allow_private;
	long			 min_ttl, max_ttl;	/* cache bounds (60, 86400) */
	struct dl_resolver	 dns;
	struct ks_store		*ks;		/* keycache; may be NULL */
};

struct dl_client;

int dl_client_new(const struct dl_options *o, struct dl_client **out,
    struct ssmp_err *err);
void dl_client_free(struct dl_client *c);

/* --- discovery ------------------------------------------------------------ */

/*
 * Policy memory (ssmp.7 DISCOVERY, as MTA-STS, RFC 8461): a domain's
 * policy is remembered in the key cache for its ma= (default
 * SSMP_POLICY_MA_DEFAULT) after it was last seen in DNS.  When the
 * lookup fails for now:
 *   remembered m=enforce          -> DL_DISC_TEMP (try later)
 *   remembered m=testing, never
 *   seen as SSMP, memory expired  -> DL_DISC_FALLBACK (SMTP, logged)
 *   a bogus answer                -> DL_DISC_TEMP, whatever is remembered
 * A validated "no record" ends the memory.  Nothing fetched without
 * validation is remembered by a validating client.
 */
enum dl_disc { DL_NOT_SSMP, DL_SSMP, DL_DISC_TEMP, DL_DISC_FALLBACK };

struct dl_disc_result {
	enum dl_disc		state;
	struct ssmp_policy	pol;		/* DL_SSMP; remembered one */
	bool			remembered;	/* pol is from memory */
	bool			bogus;		/* DNSSEC said bogus */
	struct ssmp_err		why;		/* DL_DISC_TEMP, _FALLBACK,
						   an invalid record */
};

/* Look up one domain (cached). */
void dl_discover(struct dl_client *c, const char *domain,
    struct dl_disc_result *r);
/* Look up n domains concurrently (one thread per uncached domain). */
void dl_discover_many(struct dl_client *c, const char *const *domains,
    size_t n, struct dl_disc_result *r);

/* --- delivery ---------------------------------------------------------- */

enum dl_state { DL_PENDING = 0, DL_ACCEPTED, DL_TEMP, DL_PERM };

struct dl_rcpt {
	char			to[SSMP_ADDR_MAX + 1];	/* as sent */
	enum dl_state		env;		/* envelope phase verdict */
	enum dl_state		msg;		/* message phase verdict */
	struct ssmp_status	st;		/* the latest verdict's status */
	bool			delivered;	/* a verified receipt names it */
	bool			duplicate;	/* receiver had it already */
	bool			maybe;		/* not delivered, but the
						   receiver may have it: it
						   said yes without a valid
						   receipt, or the whole
						   message went out and no
						   answer came.  Never send
						   it another way (ssmp.7). */
	void			*user;		/* caller's back pointer */
};

/*
 * The body of one message: in memory (fd < 0) or in a file read with
 * pread() so several transfers stream it at once.  len counts the whole
 * RFC 5322 message (CRLF line ends); hash is its SHA-256 in hex.
 */
struct dl_body {
	const char	*mem;
	int		 fd;
	size_t		 len;
	char		 hash[SSMP_HASH_HEX + 1];
	char		 msgid[SSMP_MSGID_MAX + 1];
};

struct dl_batch {
	/* set by the caller (dl_batch_init) */
	char			domain[SSMP_DOMAIN_MAX + 1];
	struct ssmp_policy	pol;
	char			from[SSMP_ADDR_MAX + 1];	/* as sent */
	char			selector[SSMP_SELECTOR_MAX + 1];
	const struct ssmp_key	*key;
	int			nrcpt;
	struct dl_rcpt		rcpt[SSMP_MAX_RCPT];
	/* set by the phases */
	char			nonce[SSMP_NONCE_LEN + 1];
	struct ssmp_status	est;		/* envelope answer, top level */
	struct ssmp_status	mst;		/* message answer, top level */
	bool			receipt_ok;
	struct ssmp_receipt	receipt;
	char			*receipt_json;	/* malloc'd, for the delivered-log */
};

void dl_batch_init(struct dl_batch *b, const char *domain,
    const struct ssmp_policy *pol, const char *from, const char *selector,
    const struct ssmp_key *key);
/* -1 if the batch is full or rcpt is of another domain / there already. */
int dl_batch_add(struct dl_batch *b, const char *to, void *user,
    struct ssmp_err *err);
void dl_batch_clear(struct dl_batch *b);	/* frees receipt_json */

/*
 * Envelope phase for n batches at once.  Every recipient ends in
 * DL_ACCEPTED, DL_TEMP or DL_PERM with st set; a batch-level failure
 * (transport, 4xx/5xx answer) applies to all its recipients.
 */
void dl_envelope(struct dl_client *c, struct dl_batch *const *b, size_t n);

/*
 * Message phase for the accepted recipients of n batches at once; each
 * batch sends body.  An expired envelope (4.5.0) is renewed once.
 * Sets rcpt.msg and rcpt.delivered; receipt_ok when the receipt verified.
 */
void dl_message(struct dl_client *c, struct dl_batch *const *b, size_t n,
    const struct dl_body *body);

/* "accepted", "tempfail", "rejected", "pending" */
const char *dl_state_name(enum dl_state s);

#endif
