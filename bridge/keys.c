/*
 * keys.c - our domains' keys and the sender key lookup (see keys.h).
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "dnsq.h"
#include "keyproc.h"
#include "keys.h"
#include "ssmp_addr.h"

int
keys_sign_allow(void *arg, enum ssmp_allow_type type, const char *from,
    const char *to, struct ssmp_allow *out, struct ssmp_err *err)
{
	return keyproc_sign_allow(arg, type, from, to, out, err);
}

bool
keys_serves(const struct ks_keytable *k, const char *domain)
{
	return ks_keytable_signing(k, domain) != NULL;
}

int
keys_record(const struct ks_keytable *k, const char *domain,
    const char *selector, char *out, size_t outlen)
{
	const struct ks_keyent *e;
	struct ssmp_keyrec rec;
	struct ssmp_err err;

	/* exactly this domain's selector: never another domain's */
	if ((e = ks_keytable_find(k, domain, selector)) == NULL)
		return 1;
	memset(&rec, 0, sizeof(rec));
	memcpy(rec.pk, e->key.pk, SSMP_PUBKEY_BYTES);
	return ssmp_keyrec_format(&rec, out, outlen, &err) == 0 ? 0 : 1;
}

void *
keys_dns_new(const struct ssmp_config *config, struct ssmp_err *err)
{
	struct dnsq *dq;

	if (dnsq_new(config, &dq, err) != 0)
		return NULL;
	return dq;
}

void
keys_dns_free(void *resolver)
{
	if (resolver != NULL)
		dnsq_free(resolver);
}

enum keys_dns
keys_dns_key(void *resolver, const char *domain, const char *selector,
    struct ssmp_keyrec *rec, long *ttl, struct ssmp_err *err)
{
	uint32_t t = 60;
	enum dnsq_status s;

	s = dnsq_key(resolver, domain, selector, rec, &t, err);
	*ttl = (long)t;
	switch (s) {
	case DNSQ_OK:
		return KEYS_DNS_OK;
	case DNSQ_NXDOMAIN:
	case DNSQ_NODATA:
	case DNSQ_INVALID:
		return KEYS_DNS_NONE;
	default:
		return KEYS_DNS_TEMP;
	}
}
