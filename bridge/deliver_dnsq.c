/*
 * deliver_dnsq.c - the delivery client's resolver on the keystore's dnsq.
 *
 * TXT lookups (policy, keys) go to dnsq, which classifies outcomes and
 * validates DNSSEC.  The HTTPS host's address is asked of the same
 * Nameservers with a plain A query: TLS authenticates the host, so the
 * address needs no validation.  Without Nameservers libcurl uses the
 * system resolver.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <ldns/ldns.h>

#include "ssmp_buf.h"
#include "ssmp_config.h"
#include "dnsq.h"
#include "deliver.h"

struct dl_dnsq {
	struct dnsq	*dq;
	char		 ns[64];	/* first Nameservers entry, or "" */
	unsigned	 port;
	long		 timeout;
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

static ldns_resolver *
a_resolver(const struct dl_dnsq *d)
{
	ldns_resolver	*res;
	ldns_rdf	*ns;

	if ((res = ldns_resolver_new()) == NULL)
		return NULL;
	if ((ns = ldns_rdf_new_frm_str(strchr(d->ns, ':') ?
	    LDNS_RDF_TYPE_AAAA : LDNS_RDF_TYPE_A, d->ns)) == NULL ||
	    ldns_resolver_push_nameserver(res, ns) != LDNS_STATUS_OK) {
		ldns_rdf_deep_free(ns);
		ldns_resolver_deep_free(res);
		return NULL;
	}
	ldns_rdf_deep_free(ns);
	ldns_resolver_set_port(res, (uint16_t)d->port);
	ldns_resolver_set_retry(res, 1);
	ldns_resolver_set_timeout(res, (struct timeval){ d->timeout, 0 });
	return res;
}

static enum dl_dns
q_addr(void *arg, const char *host, char *out, size_t outlen,
    struct ssmp_err *err)
{
	struct dl_dnsq	*d = arg;
	ldns_resolver	*res;
	ldns_rdf	*name;
	ldns_pkt	*pkt = NULL;
	ldns_rr_list	*a = NULL;
	char		*txt;
	enum dl_dns	 rc = DL_DNS_TEMP;

	(void)ssmp_err_set(err, "A %s: no answer", host);
	if ((res = a_resolver(d)) == NULL)
		return DL_DNS_TEMP;
	if ((name = ldns_dname_new_frm_str(host)) != NULL &&
	    ldns_resolver_query_status(&pkt, res, name, LDNS_RR_TYPE_A,
	    LDNS_RR_CLASS_IN, LDNS_RD) == LDNS_STATUS_OK && pkt != NULL &&
	    (a = ldns_pkt_rr_list_by_type(pkt, LDNS_RR_TYPE_A,
	    LDNS_SECTION_ANSWER)) != NULL && ldns_rr_list_rr_count(a) > 0 &&
	    (txt = ldns_rdf2str(ldns_rr_rdf(ldns_rr_list_rr(a, 0), 0))) !=
	    NULL) {
		(void)snprintf(out, outlen, "%s", txt);
		free(txt);
		rc = DL_DNS_OK;
	} else if (pkt != NULL && ldns_pkt_get_rcode(pkt) == LDNS_RCODE_NXDOMAIN)
		rc = DL_DNS_NONE;
	ldns_rr_list_deep_free(a);
	ldns_pkt_free(pkt);
	ldns_rdf_deep_free(name);
	ldns_resolver_deep_free(res);
	return rc;
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
	d->timeout = cfg->dns_timeout > 0 ? cfg->dns_timeout : 5;
	memset(out, 0, sizeof(*out));
	out->policy = q_policy;
	out->key = q_key;
	if (cfg->nameservers.n > 0) {
		if (ssmp_nameserver_parse(cfg->nameservers.v[0], d->ns,
		    sizeof(d->ns), &d->port, err) != 0) {
			dnsq_free(d->dq);
			free(d);
			return -1;
		}
		if (d->port == 0)
			d->port = 53;
		out->addr = q_addr;
	}
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
	free(d);
	r->arg = NULL;
}
