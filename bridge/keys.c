/*
 * keys.c - our domains' keys and the sender key lookup (see keys.h).
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

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
