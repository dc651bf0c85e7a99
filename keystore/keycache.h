/*
 * keycache.h - the remote-key cache store: _ssmp policy records and
 * key records of other domains, positive and negative, each until its
 * expiry (TTL bounded by MinCacheTTL/MaxCacheTTL).  See store.h for the
 * return convention.
 */
#ifndef KS_KEYCACHE_H
#define KS_KEYCACHE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ssmp_err.h"
#include "ssmp_limits.h"

struct ks_store;

enum ks_source { KS_SRC_DNS = 1, KS_SRC_HTTPS = 2 };
const char *ks_source_name(enum ks_source s);

#define KS_POLICY_TEXT_MAX	SSMP_POLICY_TXT_MAX
/* Entries holding a policy text: the policy ("") and its memory ("*"). */
#define KS_KEYCACHE_TEXT(sel)	((sel)[0] == '\0' || (sel)[0] == '*')

/*
 * One cached answer.  selector "" is the domain's _ssmp policy record
 * (text holds the record as published); otherwise the key record of
 * selector (pk holds the key unless negative or revoked).  negative =
 * "no SSMP / no such key" cached by the SOA minimum.  dnssec: fetched by
 * a validating resolver (TrustAnchorFile set); a validating reader takes
 * an entry without it for a miss, so nothing fetched before an anchor
 * was configured passes for validated.
 */
struct ks_keycache {
	char		domain[SSMP_DOMAIN_MAX + 1];
	char		selector[SSMP_SELECTOR_MAX + 1];
	bool		negative;
	bool		revoked;
	bool		dnssec;
	unsigned char	pk[SSMP_PUBKEY_BYTES];
	char		text[KS_POLICY_TEXT_MAX + 1];
	int64_t		fetched;
	int64_t		expires;
	enum ks_source	source;
};

/* 0 found and expires > now; 1 miss or expired. */
int ks_keycache_get(struct ks_store *ks, const char *domain,
    const char *selector, int64_t now, struct ks_keycache *out,
    struct ssmp_err *err);
int ks_keycache_put(struct ks_store *ks, const struct ks_keycache *kc,
    struct ssmp_err *err);
/* Delete every entry of domain (NULL = all); *count (may be NULL) = deleted. */
int ks_keycache_flush(struct ks_store *ks, const char *domain, size_t *count,
    struct ssmp_err *err);
typedef int (*ks_keycache_cb)(const struct ks_keycache *kc, void *arg);
int ks_keycache_iter(struct ks_store *ks, ks_keycache_cb cb, void *arg,
    struct ssmp_err *err);
/*
 * The policy memory (ssmp.7 DISCOVERY, Policy memory): the SSMP policy
 * DNS last showed for domain (text as published), kept until `until`,
 * when its ma= runs out.  Stored beside the cache entries under the
 * selector "*", which no real selector can be, so a flush of the domain
 * and the sweep treat it like them.  In what recall returns, fetched is
 * when DNS showed the policy, expires is `until`, dnssec says whether a
 * validating resolver fetched it.
 */
int ks_policy_remember(struct ks_store *ks, const char *domain,
    const char *text, bool dnssec, int64_t seen, int64_t until,
    struct ssmp_err *err);
/* DNS says domain publishes no policy: the memory ends (if there is one). */
int ks_policy_forget(struct ks_store *ks, const char *domain, int64_t now,
    struct ssmp_err *err);
/* 0 remembered at now, 1 not (never, ended or ran out). */
int ks_policy_recall(struct ks_store *ks, const char *domain, int64_t now,
    struct ks_keycache *out, struct ssmp_err *err);

/*
 * Delete entries with expires <= now, except a domain's positive policy
 * record fetched less than policy_keep ago: the outbound client
 * remembers a domain's policy beyond its TTL (MTA-STS-like policy
 * memory).  *count (may be NULL) = deleted.
 */
int ks_keycache_sweep(struct ks_store *ks, int64_t now, int64_t policy_keep,
    size_t *count, struct ssmp_err *err);
/* The longest a policy may be remembered: a year. */
#define KS_POLICY_KEEP	31557600L

#endif
