/*
 * keys.c - our domains' keys and the sender key lookup (see keys.h).
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "keys.h"
#include "ssmp_addr.h"

struct ks_keytable *
keys_load(const char *conf_path, struct ssmp_err *err)
{
	struct ssmp_config cfg;
	struct ks_keytable *t = NULL;

	if (ssmp_config_load(conf_path, &cfg, err) != 0)
		return NULL;
	if (ks_keytable_load(&cfg, &t, err) != 0)
		t = NULL;
	ssmp_config_free(&cfg);
	return t;
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
