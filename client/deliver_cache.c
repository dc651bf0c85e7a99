/*
 * deliver_cache.c - discovery and key lookups of the delivery client.
 *
 * Three levels, fastest first: a process-wide in-memory table, the
 * keystore's keycache (shared with ssmpd and ssmpctl, survives restarts),
 * then DNS through the caller's resolver.  Answers are kept for their TTL
 * clamped to [min_ttl, max_ttl]; temporary failures are never cached, so
 * a SERVFAIL can never turn into "no SSMP".  The keycache's policy
 * entries are also the policy memory that answers when DNS fails
 * (from_memory, deliver.h).
 */
#include <ctype.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ssmp_buf.h"
#include "store.h"
#include "deliver.h"
#include "deliver_int.h"

#define NBUCKET		1024
#define MAX_ENTRIES	20000	/* then the table starts over */

struct centry {
	struct centry		*next;
	char			 name[SSMP_SELECTOR_MAX + SSMP_DOMAIN_MAX + 2];
	int64_t			 expires;
	enum dl_dns		 state;		/* OK or NONE */
	struct ssmp_policy	 pol;		/* policy entries */
	struct ssmp_keyrec	 key;		/* key entries */
};

struct dl_cache {
	pthread_mutex_t	 mu;
	struct centry	*b[NBUCKET];
	size_t		 n;
};

struct dl_cache *
dl_cache_new(void)
{
	struct dl_cache *t = ssmp_xcalloc(1, sizeof(*t));

	pthread_mutex_init(&t->mu, NULL);
	return t;
}

static void
cache_clear(struct dl_cache *t)
{
	struct centry	*e, *next;
	size_t		 i;

	for (i = 0; i < NBUCKET; i++) {
		for (e = t->b[i]; e != NULL; e = next) {
			next = e->next;
			free(e);
		}
		t->b[i] = NULL;
	}
	t->n = 0;
}

void
dl_cache_free(struct dl_cache *t)
{
	if (t == NULL)
		return;
	cache_clear(t);
	pthread_mutex_destroy(&t->mu);
	free(t);
}

unsigned
dl_hash(const char *s, unsigned nbucket)
{
	unsigned h = 5381;

	while (*s != '\0')
		h = h * 33 + (unsigned char)*s++;
	return h % nbucket;
}

/* "selector|domain" in lower case; selector "" names the policy. */
static void
cache_name(char *out, size_t outlen, const char *domain, const char *sel)
{
	char *p;

	(void)snprintf(out, outlen, "%s|%s", sel, domain);
	for (p = out; *p != '\0'; p++)
		*p = (char)tolower((unsigned char)*p);
}

static int
mem_get(struct dl_cache *t, const char *name, int64_t now, struct centry *out)
{
	struct centry	*e;
	int		 found = 0;

	pthread_mutex_lock(&t->mu);
	for (e = t->b[dl_hash(name, NBUCKET)]; e != NULL; e = e->next)
		if (strcmp(e->name, name) == 0 && e->expires > now) {
			*out = *e;
			found = 1;
			break;
		}
	pthread_mutex_unlock(&t->mu);
	return found;
}

static void
mem_put(struct dl_cache *t, const struct centry *in)
{
	struct centry	*e;
	unsigned	 h = dl_hash(in->name, NBUCKET);

	pthread_mutex_lock(&t->mu);
	for (e = t->b[h]; e != NULL; e = e->next)
		if (strcmp(e->name, in->name) == 0)
			break;
	if (e == NULL) {
		if (t->n >= MAX_ENTRIES)
			cache_clear(t);
		e = ssmp_xmalloc(sizeof(*e));
		*e = *in;
		e->next = t->b[h];
		t->b[h] = e;
		t->n++;
	} else {
		struct centry *next = e->next;

		*e = *in;
		e->next = next;
	}
	pthread_mutex_unlock(&t->mu);
}

static int64_t
clamp_ttl(const struct dl_client *c, uint32_t ttl)
{
	long t = (long)ttl;

	if (t < c->min_ttl)
		t = c->min_ttl;
	if (t > c->max_ttl)
		t = c->max_ttl;
	return t;
}

/* The keystore's copy, for answers another process already fetched. */
static int
ks_get(struct dl_client *c, const char *domain, const char *sel, int64_t now,
    struct centry *e)
{
	struct ks_keycache	kc;
	struct ssmp_err		err;

	if (c->ks == NULL || ks_keycache_get(c->ks, domain, sel, now, &kc,
	    &err) != 0)
		return 0;
	if (c->dns.validating && !kc.dnssec)
		return 0;	/* fetched before an anchor was configured */
	e->expires = kc.expires;
	e->state = kc.negative ? DL_DNS_NONE : DL_DNS_OK;
	if (kc.negative)
		return 1;
	if (*sel == '\0')
		return ssmp_policy_parse(kc.text, &e->pol, &err) == 0;
	e->key.revoked = kc.revoked;
	memcpy(e->key.pk, kc.pk, sizeof(e->key.pk));
	return 1;
}

static void
ks_put(struct dl_client *c, const char *domain, const char *sel, int64_t now,
    const struct centry *e)
{
	struct ks_keycache	kc;
	struct ssmp_err		err;

	if (c->ks == NULL)
		return;
	memset(&kc, 0, sizeof(kc));
	(void)snprintf(kc.domain, sizeof(kc.domain), "%s", domain);
	(void)snprintf(kc.selector, sizeof(kc.selector), "%s", sel);
	kc.negative = e->state != DL_DNS_OK;
	kc.dnssec = c->dns.validating;
	kc.fetched = now;
	kc.expires = e->expires;
	kc.source = KS_SRC_DNS;
	if (!kc.negative && *sel == '\0') {
		if (ssmp_policy_format(&e->pol, kc.text, sizeof(kc.text),
		    &err) != 0)
			return;
	} else if (!kc.negative) {
		kc.revoked = e->key.revoked;
		memcpy(kc.pk, e->key.pk, sizeof(kc.pk));
	}
	/* A full map only costs a DNS query next time. */
	(void)ks_keycache_put(c->ks, &kc, &err);
}

/*
 * Policy memory (deliver.h): what DNS just said about domain's policy.
 * A policy seen renews the memory for its ma=; "no policy" ends it.
 * Without a keystore nothing is remembered.
 */
static void
remember(struct dl_client *c, const char *domain, int64_t now,
    const struct centry *e)
{
	char		text[KS_POLICY_TEXT_MAX + 1];
	struct ssmp_err	err;
	long		ma;

	if (c->ks == NULL)
		return;
	if (e->state != DL_DNS_OK) {
		(void)ks_policy_forget(c->ks, domain, now, &err);
		return;
	}
	ma = e->pol.max_age > 0 ? e->pol.max_age : SSMP_POLICY_MA_DEFAULT;
	if (ssmp_policy_format(&e->pol, text, sizeof(text), &err) == 0)
		(void)ks_policy_remember(c->ks, domain, text,
		    c->dns.validating, now, now + ma, &err);
}

/*
 * Find (domain, sel) in the caches or ask DNS.  Returns the DNS state;
 * on DL_DNS_TEMP and DL_DNS_BOGUS err says why.  For DL_DNS_NONE err may name an invalid
 * record (then the caller logs it).
 */
static enum dl_dns
lookup(struct dl_client *c, const char *domain, const char *sel,
    struct centry *e, struct ssmp_err *err)
{
	int64_t		now = (int64_t)time(NULL);
	uint32_t	ttl = 0;
	enum dl_dns	st;

	memset(e, 0, sizeof(*e));
	err->msg[0] = '\0';
	cache_name(e->name, sizeof(e->name), domain, sel);
	if (mem_get(c->cache, e->name, now, e))
		return e->state;
	if (ks_get(c, domain, sel, now, e)) {
		mem_put(c->cache, e);
		return e->state;
	}
	if (*sel == '\0')
		st = c->dns.policy(c->dns.arg, domain, &e->pol, &ttl, err);
	else
		st = c->dns.key(c->dns.arg, domain, sel, &e->key, &ttl, err);
	if (st == DL_DNS_TEMP || st == DL_DNS_BOGUS)
		return st;
	e->state = st;
	e->expires = now + clamp_ttl(c, ttl);
	mem_put(c->cache, e);
	ks_put(c, domain, sel, now, e);
	if (*sel == '\0')
		remember(c, domain, now, e);
	return st;
}

/* DNS failed for now (not bogus): the policy memory decides. */
static void
from_memory(struct dl_client *c, const char *domain, struct dl_disc_result *r)
{
	struct ks_keycache	 kc;
	struct ssmp_policy	 pol;
	struct ssmp_err		 err;
	char			 dns[160];
	int64_t			 now = (int64_t)time(NULL);

	(void)snprintf(dns, sizeof(dns), "%s", r->why.msg);
	r->state = DL_DISC_FALLBACK;
	if (c->ks == NULL || ks_policy_recall(c->ks, domain, now, &kc,
	    &err) != 0 || (c->dns.validating && !kc.dnssec) ||
	    ssmp_policy_parse(kc.text, &pol, &err) != 0) {
		(void)ssmp_err_set(&r->why, "not remembered as SSMP (never "
		    "seen, or its ma= ran out), by SMTP; %s", dns);
		return;
	}
	r->pol = pol;
	r->remembered = true;
	if (pol.mode == SSMP_MODE_ENFORCE) {
		r->state = DL_DISC_TEMP;
		(void)ssmp_err_set(&r->why, "remembered as SSMP, m=enforce, "
		    "for %lds more; %s", (long)(kc.expires - now), dns);
	} else
		(void)ssmp_err_set(&r->why, "remembered as SSMP, m=testing, by "
		    "SMTP; %s", dns);
}

void
dl_discover(struct dl_client *c, const char *domain, struct dl_disc_result *r)
{
	struct centry e;

	memset(r, 0, sizeof(*r));
	switch (lookup(c, domain, "", &e, &r->why)) {
	case DL_DNS_OK:
		r->state = DL_SSMP;
		r->pol = e.pol;
		break;
	case DL_DNS_NONE:
		r->state = DL_NOT_SSMP;
		break;
	case DL_DNS_BOGUS:
		r->state = DL_DISC_TEMP;	/* never from memory */
		r->bogus = true;
		break;
	default:
		from_memory(c, domain, r);
		break;
	}
}

enum dl_dns
dl_key_get(struct dl_client *c, const char *domain, const char *sel,
    struct ssmp_keyrec *key, struct ssmp_err *err)
{
	struct centry	e;
	enum dl_dns	st;

	st = lookup(c, domain, sel, &e, err);
	if (st == DL_DNS_TEMP || st == DL_DNS_BOGUS) {
		(void)ssmp_err_prefix(err, "key %s._ssmpkey.%s: ", sel,
		    domain);
		return DL_DNS_TEMP;
	}
	if (st == DL_DNS_NONE) {
		(void)ssmp_err_set(err, "key %s._ssmpkey.%s: not published",
		    sel, domain);
		return DL_DNS_NONE;
	}
	if (e.key.revoked) {
		(void)ssmp_err_set(err, "key %s._ssmpkey.%s: revoked", sel,
		    domain);
		return DL_DNS_NONE;
	}
	*key = e.key;
	return DL_DNS_OK;
}

struct disc_job {
	struct dl_client	*c;
	const char		*domain;
	struct dl_disc_result	*r;
};

static void *
disc_thread(void *arg)
{
	struct disc_job *j = arg;

	dl_discover(j->c, j->domain, j->r);
	return NULL;
}

/* Up to this many lookups in flight at once per call. */
#define DISC_PAR	16

void
dl_discover_many(struct dl_client *c, const char *const *domains, size_t n,
    struct dl_disc_result *r)
{
	struct disc_job	job[DISC_PAR];
	pthread_t	tid[DISC_PAR];
	int		started[DISC_PAR];
	size_t		i, k, batch;

	for (i = 0; i < n; i += batch) {
		batch = n - i < DISC_PAR ? n - i : DISC_PAR;
		for (k = 0; k < batch; k++) {
			job[k].c = c;
			job[k].domain = domains[i + k];
			job[k].r = &r[i + k];
			/* The first runs here: one domain costs no thread. */
			started[k] = k > 0 && pthread_create(&tid[k], NULL,
			    disc_thread, &job[k]) == 0;
		}
		for (k = 0; k < batch; k++)
			if (!started[k])
				disc_thread(&job[k]);
		for (k = 0; k < batch; k++)
			if (started[k])
				pthread_join(tid[k], NULL);
	}
}
