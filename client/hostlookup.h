/*
 * hostlookup.h - the address of an HTTPS host (the h= of a policy
 * record), shared by the delivery client and ssmpd's key fetch so that
 * both directions resolve a host alike.
 */
#ifndef SSMP_HOSTLOOKUP_H
#define SSMP_HOSTLOOKUP_H

#include <stddef.h>

#include "deliver.h"

struct ssmp_config;

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
