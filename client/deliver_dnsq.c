/*
 * deliver_dnsq.c - the delivery client's resolver on the keystore's dnsq.
 *
 * TXT lookups (policy, keys) go to dnsq, which classifies outcomes and
 * validates DNSSEC.  The HTTPS host's address is asked of the same
 * Nameservers with plain A/AAAA queries (dl_host_addr, also ssmpd's):
 * TLS authenticates the host, so the address needs no validation.
 * Without Nameservers libcurl uses the system resolver.  Addresses are
 * kept for their TTL: every message to a domain needs its host, and a
 * query per HTTPS request doubled the latency of a message phase.
 */
#include <arpa/inet.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <ldns/ldns.h>

#include "ssmp_buf.h"
#include "ssmp_config.h"
#include "dnsq.h"
#include "deliver_int.h"

/* Hosts are few (one per remote domain); a collision just evicts. */
#define ADDR_SLOTS	256
#define ADDR_TTL_MAX	3600

struct dl_addrcache {
	pthread_mutex_t	 mu;
	struct {
		char	 host[SSMP_HOST_MAX + 1];
		char	 addr[46];
		time_t	 expires;
	}		 e[ADDR_SLOTS];
};

struct dl_dnsq {
	struct dnsq		*dq;
	struct dl_nameservers	 ns;	/* for the HTTPS host's address */
	struct dl_addrcache	*ac;
};

static enum dl_dns
classify(enum dnsq_status st, struct ssmp_err *err)
{
	switch (st) {
	case DNSQ_OK:
		return DL_DNS_OK;
	case DNSQ_TEMP:
	case DNSQ_BOGUS:
		return DL_DNS_TEMP;
	case DNSQ_INVALID:
		return DL_DNS_NONE;	/* err names the bad record */
	default:
		err->msg[0] = '\0';
		return DL_DNS_NONE;
	}
}

static enum dl_dns
q_policy(void *arg, const char *domain, struct ssmp_policy *pol,
    uint32_t *ttl, struct ssmp_err *err)
{
	struct dl_dnsq *d = arg;

	return classify(dnsq_policy(d->dq, domain, pol, ttl, err), err);
}

static enum dl_dns
q_key(void *arg, const char *domain, const char *sel, struct ssmp_keyrec *key,
    uint32_t *ttl, struct ssmp_err *err)
{
	struct dl_dnsq *d = arg;

	return classify(dnsq_key(d->dq, domain, sel, key, ttl, err), err);
}

int
dl_nameservers_init(const struct ssmp_config *cfg, struct dl_nameservers *ns,
    struct ssmp_err *err)
{
	memset(ns, 0, sizeof(*ns));
	ns->port = 53;
	ns->timeout = cfg->dns_timeout > 0 ? cfg->dns_timeout : 5;
	for (size_t i = 0; i < cfg->nameservers.n && i < DL_NS_MAX; i++) {
		if (ssmp_nameserver_parse(cfg->nameservers.v[i], ns->ns[i],
		    sizeof(ns->ns[i]), &ns->port, err) != 0)
			return ssmp_err_prefix(err, "Nameservers: ");
		ns->n++;
	}
	return 0;
}

static ldns_resolver *
addr_resolver(const struct dl_nameservers *ns)
{
	ldns_resolver	*res = NULL;
	ldns_rdf	*a;

	if (ns->n == 0) {
		if (ldns_resolver_new_frm_file(&res, NULL) != LDNS_STATUS_OK)
			return NULL;
	} else if ((res = ldns_resolver_new()) == NULL)
		return NULL;
	for (int i = 0; i < ns->n; i++) {
		a = ldns_rdf_new_frm_str(strchr(ns->ns[i], ':') != NULL ?
		    LDNS_RDF_TYPE_AAAA : LDNS_RDF_TYPE_A, ns->ns[i]);
		if (a == NULL || ldns_resolver_push_nameserver(res, a) !=
		    LDNS_STATUS_OK) {
			ldns_rdf_deep_free(a);
			ldns_resolver_deep_free(res);
			return NULL;
		}
		ldns_rdf_deep_free(a);
	}
	if (ns->n > 0)
		ldns_resolver_set_port(res, (uint16_t)ns->port);
	ldns_resolver_set_retry(res, 1);
	ldns_resolver_set_timeout(res, (struct timeval){ ns->timeout, 0 });
	return res;
}

/* One query: 0 found, 1 no such name or record, -1 failure. */
static int
addr_query(ldns_resolver *res, ldns_rdf *name, ldns_rr_type type, char *out,
    size_t outlen, uint32_t *ttl)
{
	ldns_pkt	*pkt = NULL;
	ldns_rr_list	*rrs;
	char		*txt;
	int		 rc = -1;

	if (ldns_resolver_query_status(&pkt, res, name, type,
	    LDNS_RR_CLASS_IN, LDNS_RD) != LDNS_STATUS_OK || pkt == NULL)
		return -1;
	if (ldns_pkt_get_rcode(pkt) == LDNS_RCODE_NXDOMAIN)
		rc = 1;
	else if (ldns_pkt_get_rcode(pkt) == LDNS_RCODE_NOERROR) {
		rc = 1;
		rrs = ldns_pkt_rr_list_by_type(pkt, type, LDNS_SECTION_ANSWER);
		if (rrs != NULL && ldns_rr_list_rr_count(rrs) > 0 &&
		    (txt = ldns_rdf2str(ldns_rr_rdf(ldns_rr_list_rr(rrs, 0),
		    0))) != NULL) {
			(void)snprintf(out, outlen, "%s", txt);
			free(txt);
			*ttl = ldns_rr_ttl(ldns_rr_list_rr(rrs, 0));
			rc = 0;
		}
		ldns_rr_list_deep_free(rrs);
	}
	ldns_pkt_free(pkt);
	return rc;
}

struct dl_addrcache *
dl_addrcache_new(void)
{
	struct dl_addrcache *ac = ssmp_xcalloc(1, sizeof(*ac));

	pthread_mutex_init(&ac->mu, NULL);
	return ac;
}

void
dl_addrcache_free(struct dl_addrcache *ac)
{
	if (ac == NULL)
		return;
	pthread_mutex_destroy(&ac->mu);
	free(ac);
}

static int
addr_cached(struct dl_addrcache *ac, const char *host, char *out,
    size_t outlen)
{
	unsigned	i = dl_hash(host, ADDR_SLOTS);
	int		found;

	pthread_mutex_lock(&ac->mu);
	found = strcmp(ac->e[i].host, host) == 0 &&
	    ac->e[i].expires > time(NULL);
	if (found)
		(void)snprintf(out, outlen, "%s", ac->e[i].addr);
	pthread_mutex_unlock(&ac->mu);
	return found;
}

static void
addr_keep(struct dl_addrcache *ac, const char *host, const char *addr,
    uint32_t ttl)
{
	unsigned i = dl_hash(host, ADDR_SLOTS);

	if (ttl == 0 || strlen(host) >= sizeof(ac->e[i].host))
		return;
	pthread_mutex_lock(&ac->mu);
	(void)snprintf(ac->e[i].host, sizeof(ac->e[i].host), "%s", host);
	(void)snprintf(ac->e[i].addr, sizeof(ac->e[i].addr), "%s", addr);
	ac->e[i].expires = time(NULL) + (ttl > ADDR_TTL_MAX ? ADDR_TTL_MAX :
	    (time_t)ttl);
	pthread_mutex_unlock(&ac->mu);
}

enum dl_dns
dl_host_addr(const struct dl_nameservers *ns, struct dl_addrcache *ac,
    const char *host, char *out, size_t outlen, struct ssmp_err *err)
{
	unsigned char	 bin[16];
	ldns_resolver	*res;
	ldns_rdf	*name;
	uint32_t	 ttl = 0;
	int		 rc;

	if (inet_pton(AF_INET, host, bin) == 1 ||
	    inet_pton(AF_INET6, host, bin) == 1) {
		(void)snprintf(out, outlen, "%s", host);
		return DL_DNS_OK;
	}
	if (ac != NULL && addr_cached(ac, host, out, outlen))
		return DL_DNS_OK;
	if ((res = addr_resolver(ns)) == NULL) {
		(void)ssmp_err_set(err, "address of %s: no resolver", host);
		return DL_DNS_TEMP;
	}
	if ((name = ldns_dname_new_frm_str(host)) == NULL) {
		ldns_resolver_deep_free(res);
		(void)ssmp_err_set(err, "address of %s: bad name", host);
		return DL_DNS_NONE;
	}
	if ((rc = addr_query(res, name, LDNS_RR_TYPE_A, out, outlen, &ttl)) ==
	    1)
		rc = addr_query(res, name, LDNS_RR_TYPE_AAAA, out, outlen,
		    &ttl);
	ldns_rdf_deep_free(name);
	ldns_resolver_deep_free(res);
	if (rc == 0) {
		if (ac != NULL)
			addr_keep(ac, host, out, ttl);
		return DL_DNS_OK;
	}
	(void)ssmp_err_set(err, "address of %s: %s", host, rc == 1 ?
	    "no A or AAAA record" : "DNS failed");
	return rc == 1 ? DL_DNS_NONE : DL_DNS_TEMP;
}

static enum dl_dns
q_addr(void *arg, const char *host, char *out, size_t outlen,
    struct ssmp_err *err)
{
	struct dl_dnsq *d = arg;

	return dl_host_addr(&d->ns, d->ac, host, out, outlen, err);
}

int
dl_resolver_dnsq(const struct ssmp_config *cfg, struct dl_resolver *out,
    struct ssmp_err *err)
{
	struct dl_dnsq *d = ssmp_xcalloc(1, sizeof(*d));

	if (dnsq_new(cfg, &d->dq, err) != 0) {
		free(d);
		return -1;
	}
	if (dl_nameservers_init(cfg, &d->ns, err) != 0) {
		dnsq_free(d->dq);
		free(d);
		return -1;
	}
	d->ac = dl_addrcache_new();
	memset(out, 0, sizeof(*out));
	out->policy = q_policy;
	out->key = q_key;
	/* Without Nameservers libcurl's own (system) resolver will do. */
	if (d->ns.n > 0)
		out->addr = q_addr;
	out->arg = d;
	return 0;
}

void
dl_resolver_dnsq_free(struct dl_resolver *r)
{
	struct dl_dnsq *d = r->arg;

	if (d == NULL)
		return;
	dnsq_free(d->dq);
	dl_addrcache_free(d->ac);
	free(d);
	r->arg = NULL;
}
