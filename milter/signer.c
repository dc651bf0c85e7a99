/*
 * signer.c - the signing keys of ssmp-milter, from the keystore's key
 * table (KeyTable, or the one-domain Domain/Selector/KeyFile shorthand).
 * The active selector of a domain signs; other domains pass untouched.
 */
#include <stdlib.h>

#include "keytable.h"
#include "signer.h"

struct signer {
	struct ks_keytable *t;
};

int
signer_load(const struct ssmp_config *cfg, struct signer **out,
    struct ssmp_err *err)
{
	struct ks_keytable *t;

	*out = NULL;
	if (cfg->domain == NULL && cfg->key_table == NULL)
		return 0;	/* signs nothing: all mail passes */
	if (ks_keytable_load(cfg, &t, err) != 0)
		return -1;
	*out = calloc(1, sizeof(**out));
	if (*out == NULL) {
		ks_keytable_release(t);
		return ssmp_err_set(err, "out of memory");
	}
	(*out)->t = t;
	return 0;
}

const struct ssmp_key *
signer_find(const struct signer *s, const char *domain, const char **selector)
{
	const struct ks_keyent *e;

	if (s == NULL || (e = ks_keytable_signing(s->t, domain)) == NULL)
		return NULL;
	*selector = e->selector;
	return &e->key;
}

void
signer_free(struct signer *s)
{
	if (s == NULL)
		return;
	ks_keytable_release(s->t);
	free(s);
}
