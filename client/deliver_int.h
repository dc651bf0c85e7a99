/*
 * deliver_int.h - what the modules of libdeliver share, nothing more.
 */
#ifndef SSMP_DELIVER_INT_H
#define SSMP_DELIVER_INT_H

#include "deliver.h"

struct ssmp_config;
struct dl_cache;
struct dlh;

struct dl_client {
	struct dl_resolver	 dns;
	struct ks_store		*ks;
	long			 min_ttl, max_ttl;
	struct dl_cache		*cache;
	struct dlh		*http;
};

struct dl_cache *dl_cache_new(void);
void dl_cache_free(struct dl_cache *t);

/*
 * A usable key: DL_DNS_OK; DL_DNS_NONE when it is not published or
 * revoked (lasting), DL_DNS_TEMP when the lookup failed for now; err
 * names why.
 */
enum dl_dns dl_key_get(struct dl_client *c, const char *domain, const char *sel,
    struct ssmp_keyrec *key, struct ssmp_err *err);

/*
 * The address of an HTTPS host, asked of the Nameservers of ssmp.conf
 * (none: /etc/resolv.conf) with plain A, then AAAA queries: TLS
 * authenticates the host, so the address needs no DNSSEC.  The one
 * lookup of libdeliver (curl pinning) and of ssmpd's key fetch
 * (hostaddr.c).  Blocking and thread-safe: a resolver per call, answers
 * kept in a dl_addrcache for their TTL (at most an hour).
 */
#define DL_NS_MAX	8
struct dl_nameservers {
	int		 n;			/* 0: /etc/resolv.conf */
	char		 ns[DL_NS_MAX][64];
	unsigned	 port;
	long		 timeout;		/* seconds */
};

/* Nameservers and DNSTimeout of cfg; -1 with err on a bad entry. */
int dl_nameservers_init(const struct ssmp_config *cfg,
    struct dl_nameservers *ns, struct ssmp_err *err);

/* Bucket of a name in a table of nbucket (the caches of libdeliver). */
unsigned dl_hash(const char *s, unsigned nbucket);

struct dl_addrcache;
struct dl_addrcache *dl_addrcache_new(void);
void dl_addrcache_free(struct dl_addrcache *);

/*
 * First A (else AAAA) of host, as text; an IP literal is returned as it
 * is.  DL_DNS_NONE: no such host or no address; DL_DNS_TEMP: ask later.
 * err says why whenever the result is not DL_DNS_OK.  ac (may be NULL)
 * answers from memory and keeps what DNS said.
 */
enum dl_dns dl_host_addr(const struct dl_nameservers *ns,
    struct dl_addrcache *ac, const char *host, char *out, size_t outlen,
    struct ssmp_err *err);

#endif
