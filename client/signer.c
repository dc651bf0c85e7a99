/*
 * signer.c - the signing keys of ssmp-milter, from the keystore's key
 * table (KeyTable, or the one-domain Domain/Selector/KeyFile shorthand).
 * The active selector of a domain signs; other domains pass untouched.
 * The table is swapped under a lock and reference counted (keytable.h),
 * so a reload never pulls a key from under a message being signed.
 */
#include <pthread.h>
#include <stdlib.h>

#include "keytable.h"
#include "ssmp_buf.h"
#include "signer.h"

struct signer {
	pthread_mutex_t		 mu;
	struct ks_keytable	*t;	/* NULL: signs nothing */
};

static int
table_load(const struct ssmp_config *cfg, struct ks_keytable **t,
    struct ssmp_err *err)
{
	*t = NULL;
	if (cfg->domain == NULL && cfg->key_table == NULL)
		return 0;	/* signs nothing: all mail passes */
	return ks_keytable_load(cfg, t, err);
}

struct signer *
signer_new(struct ks_keytable *t)
{
	struct signer *s = ssmp_xcalloc(1, sizeof(*s));

	pthread_mutex_init(&s->mu, NULL);
	s->t = t;
	return s;
}

int
signer_load(const struct ssmp_config *cfg, struct signer **out,
    struct ssmp_err *err)
{
	struct ks_keytable *t;

	*out = NULL;
	if (table_load(cfg, &t, err) != 0)
		return -1;
	*out = signer_new(t);
	return 0;
}

void
signer_set(struct signer *s, struct ks_keytable *t)
{
	struct ks_keytable *old;

	pthread_mutex_lock(&s->mu);
	old = s->t;
	s->t = t;
	pthread_mutex_unlock(&s->mu);
	ks_keytable_release(old);	/* freed with its last message */
}

const struct ssmp_key *
signer_key(const struct ks_keytable *t, const char *domain,
    const char **selector)
{
	const struct ks_keyent *e;

	if (t == NULL || (e = ks_keytable_signing(t, domain)) == NULL)
		return NULL;
	*selector = e->selector;
	return &e->key;
}

const struct ssmp_key *
signer_find(const struct signer *s, const char *domain, const char **selector)
{
	return s == NULL ? NULL : signer_key(s->t, domain, selector);
}

struct ks_keytable *
signer_hold(struct signer *s)
{
	struct ks_keytable *t = NULL;

	if (s == NULL)
		return NULL;
	pthread_mutex_lock(&s->mu);
	if (s->t != NULL)
		t = ks_keytable_hold(s->t);
	pthread_mutex_unlock(&s->mu);
	return t;
}

void
signer_release(struct ks_keytable *t)
{
	ks_keytable_release(t);
}

void
signer_each(struct signer *s, void (*fn)(const char *domain,
    const char *selector, int signing))
{
	struct ks_keytable	*t = signer_hold(s);
	size_t			 i;

	for (i = 0; t != NULL && i < t->n; i++)
		fn(t->v[i].domain, t->v[i].selector, t->v[i].active);
	signer_release(t);
}

void
signer_free(struct signer *s)
{
	if (s == NULL)
		return;
	ks_keytable_release(s->t);
	pthread_mutex_destroy(&s->mu);
	free(s);
}
