/*
 * hostaddr.c - A/AAAA lookup of an HTTPS host with ldns (hostaddr.h).
 */
#include "config.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ldns/ldns.h>

#include "hostaddr.h"
#include "ssmp_buf.h"

#define NS_MAX	8

struct hostaddr {
	int		 nns;			/* 0 = /etc/resolv.conf */
	char		 ns[NS_MAX][64];
	unsigned	 port;
	long		 timeout;
};

int
hostaddr_new(const struct ssmp_config *cfg, struct hostaddr **out,
    struct ssmp_err *err)
{
	struct hostaddr *ha = ssmp_xcalloc(1, sizeof(*ha));

	ha->port = 53;
	ha->timeout = cfg->dns_timeout > 0 ? cfg->dns_timeout : 5;
	for (size_t i = 0; i < cfg->nameservers.n && i < NS_MAX; i++) {
		if (ssmp_nameserver_parse(cfg->nameservers.v[i], ha->ns[i],
		    sizeof(ha->ns[i]), &ha->port, err) != 0) {
			free(ha);
			return ssmp_err_prefix(err, "Nameservers: ");
		}
		ha->nns++;
	}
	*out = ha;
	return 0;
}

void
hostaddr_free(struct hostaddr *ha)
{
	free(ha);
}

static ldns_resolver *
resolver(const struct hostaddr *ha)
{
	ldns_resolver *res = NULL;
	ldns_rdf *ns;

	if (ha->nns == 0) {
		if (ldns_resolver_new_frm_file(&res, NULL) != LDNS_STATUS_OK)
			return NULL;
	} else if ((res = ldns_resolver_new()) == NULL)
		return NULL;
	for (int i = 0; i < ha->nns; i++) {
		ns = ldns_rdf_new_frm_str(strchr(ha->ns[i], ':') != NULL ?
		    LDNS_RDF_TYPE_AAAA : LDNS_RDF_TYPE_A, ha->ns[i]);
		if (ns == NULL || ldns_resolver_push_nameserver(res, ns) !=
		    LDNS_STATUS_OK) {
			ldns_rdf_deep_free(ns);
			ldns_resolver_deep_free(res);
			return NULL;
		}
		ldns_rdf_deep_free(ns);
	}
	if (ha->nns > 0)
		ldns_resolver_set_port(res, (uint16_t)ha->port);
	ldns_resolver_set_retry(res, 1);
	ldns_resolver_set_timeout(res, (struct timeval){ ha->timeout, 0 });
	return res;
}

/* One query: 0 found, 1 no such record, -1 failure. */
static int
query(ldns_resolver *res, ldns_rdf *name, ldns_rr_type type, char *out,
    size_t outlen)
{
	ldns_pkt *pkt = NULL;
	ldns_rr_list *rrs;
	char *txt;
	int rc = -1;

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
			snprintf(out, outlen, "%s", txt);
			free(txt);
			rc = 0;
		}
		ldns_rr_list_deep_free(rrs);
	}
	ldns_pkt_free(pkt);
	return rc;
}

enum keys_dns
hostaddr_lookup(struct hostaddr *ha, const char *host, char *out,
    size_t outlen, struct ssmp_err *err)
{
	unsigned char bin[16];
	ldns_resolver *res;
	ldns_rdf *name;
	int rc;

	if (inet_pton(AF_INET, host, bin) == 1 ||
	    inet_pton(AF_INET6, host, bin) == 1) {
		snprintf(out, outlen, "%s", host);
		return KEYS_DNS_OK;
	}
	if ((res = resolver(ha)) == NULL) {
		ssmp_err_set(err, "address of %s: no resolver", host);
		return KEYS_DNS_TEMP;
	}
	if ((name = ldns_dname_new_frm_str(host)) == NULL) {
		ldns_resolver_deep_free(res);
		ssmp_err_set(err, "address of %s: bad name", host);
		return KEYS_DNS_NONE;
	}
	if ((rc = query(res, name, LDNS_RR_TYPE_A, out, outlen)) == 1)
		rc = query(res, name, LDNS_RR_TYPE_AAAA, out, outlen);
	ldns_rdf_deep_free(name);
	ldns_resolver_deep_free(res);
	if (rc == 0)
		return KEYS_DNS_OK;
	ssmp_err_set(err, "address of %s: %s", host, rc == 1 ?
	    "no A or AAAA record" : "DNS failed");
	return rc == 1 ? KEYS_DNS_NONE : KEYS_DNS_TEMP;
}
