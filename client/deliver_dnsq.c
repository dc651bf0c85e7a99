/*
 * deliver_dnsq.c - the delivery client's resolver on the keystore's dnsq.
 *
 * One resolver for everything the client asks: the policy and key
 * records (classified, validated as configured) and the address of the
 * HTTPS host, which libcurl is then pinned to, so discovery and
 * connection never ask different servers.  The resolver caches (dnsq.h);
 * TLS authenticates the host, so the address needs no DNSSEC of its own.
 */
#include <stdlib.h>
#include <string.h>

#include "ssmp_buf.h"
#include "ssmp_config.h"
#include "dnsq.h"
#include "deliver_int.h"

static enum dl_dns
classify(enum dnsq_status st, struct ssmp_err *err)
{
	switch (st) {
	case DNSQ_OK:
		return DL_DNS_OK;
	case DNSQ_TEMP:
		return DL_DNS_TEMP;
	case DNSQ_BOGUS:
		return DL_DNS_BOGUS;
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
	return classify(dnsq_policy(arg, domain, pol, ttl, err), err);
}

static enum dl_dns
q_key(void *arg, const char *domain, const char *sel, struct ssmp_keyrec *key,
    uint32_t *ttl, struct ssmp_err *err)
{
	return classify(dnsq_key(arg, domain, sel, key, ttl, err), err);
}

static enum dl_dns
q_addr(void *arg, const char *host, char *out, size_t outlen,
    struct ssmp_err *err)
{
	enum dnsq_status st;

	st = dnsq_addr(arg, host, out, outlen, NULL, err);
	if (st == DNSQ_NXDOMAIN || st == DNSQ_NODATA) {
		(void)ssmp_err_set(err, "address of %s: no A or AAAA record",
		    host);
		return DL_DNS_NONE;
	}
	return st == DNSQ_OK ? DL_DNS_OK : st == DNSQ_BOGUS ? DL_DNS_BOGUS :
	    DL_DNS_TEMP;
}

int
dl_resolver_dnsq(const struct ssmp_config *cfg, struct dl_resolver *out,
    struct ssmp_err *err)
{
	struct dnsq *dq;

	if (dnsq_new(cfg, &dq, err) != 0)
		return -1;
	memset(out, 0, sizeof(*out));
	out->policy = q_policy;
	out->key = q_key;
	out->addr = q_addr;
	out->validating = dnsq_validating(dq);
	out->arg = dq;
	return 0;
}

void
dl_resolver_dnsq_free(struct dl_resolver *r)
{
	dnsq_free(r->arg);
	r->arg = NULL;
}
