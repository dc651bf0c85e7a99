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

/* Does host (maybe with :port) equal domain or lie under it? */
static bool
host_in(const char *host, const char *domain)
{
	size_t hl = strcspn(host, ":"), dl = strlen(domain);

	if (hl < dl)
		return false;
	if (strncasecmp(host + hl - dl, domain, dl) != 0)
		return false;
	return hl == dl || host[hl - dl - 1] == '.';
}

int
keys_record(const struct ks_keytable *k, const char *host,
    const char *selector, char *out, size_t outlen)
{
	const struct ks_keyent *hit = NULL, *first = NULL;
	struct ssmp_keyrec rec;
	struct ssmp_err err;
	size_t best = 0;

	for (size_t i = 0; i < k->n; i++) {
		const struct ks_keyent *e = &k->v[i];
		size_t dl = strlen(e->domain);

		if (strcasecmp(e->selector, selector) != 0)
			continue;
		if (first == NULL)
			first = e;
		/* the longest domain the host lies under wins */
		if (host != NULL && host_in(host, e->domain) && dl > best) {
			hit = e;
			best = dl;
		}
	}
	if (hit == NULL)
		hit = first;
	if (hit == NULL)
		return 1;
	memset(&rec, 0, sizeof(rec));
	memcpy(rec.pk, hit->key.pk, SSMP_PUBKEY_BYTES);
	return ssmp_keyrec_format(&rec, out, outlen, &err) == 0 ? 0 : 1;
}
