/*
 * keyfetch.c - sender key lookup (see keyfetch.h).
 *
 * The cache answers on the loop (one LMDB read snapshot, microseconds).
 * A miss goes to the DNS worker pool, so a slow or dead name server
 * never stalls other requests: the _ssmpkey record (KeySource dns or
 * both) and, for HTTPS (https or both), the sender's _ssmp policy and
 * the address of its h= host.  The HTTPS fetch itself then runs on the
 * loop through libcurl's multi interface (keyhttp.h).  With both, the
 * two answers must agree.  Answers are cached by their TTL or max-age
 * (bounded by MinCacheTTL/MaxCacheTTL), negative ones too; temporary
 * failures and disagreements are not cached.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "dnsq.h"
#include "hostaddr.h"
#include "keyfetch.h"
#include "keyhttp.h"
#include "keys.h"
#include "store.h"
#include "ssmp_buf.h"
#include "ssmp_log.h"
#include "ssmpd.h"
#include "workq.h"

/* One source's answer. */
struct answer {
	enum keys_dns		 rc;
	struct ssmp_keyrec	 rec;
	long			 ttl;
	char			 why[256];
};

struct fetch {
	struct ssmpd		*d;
	char			 reqid[24];
	char			 domain[SSMP_DOMAIN_MAX + 1];
	char			 selector[SSMP_SELECTOR_MAX + 1];
	kf_cb			 cb;
	void			*arg;
	struct answer		 dns, https;
	bool			 https_go;	/* policy and host found */
	struct ssmp_policy	 pol;
	char			 addr[64];
};

static enum kf_result
from_cache(const struct ks_keycache *kc, unsigned char *pk)
{
	if (kc->negative)
		return KF_NOKEY;
	if (kc->revoked)
		return KF_REVOKED;
	memcpy(pk, kc->pk, SSMP_PUBKEY_BYTES);
	return KF_OK;
}

static long
clamp_ttl(const struct ssmpd *d, long ttl)
{
	if (ttl < d->conf.min_ttl)
		ttl = d->conf.min_ttl;
	if (ttl > d->conf.max_ttl)
		ttl = d->conf.max_ttl;
	return ttl;
}

/* Worker: the _ssmp policy and the address of its host. */
static void
https_prepare(struct fetch *f)
{
	struct ssmp_err err;
	enum dnsq_status s;

	f->https.rc = KEYS_DNS_TEMP;
	err.msg[0] = '\0';
	s = dnsq_policy(f->d->dns, f->domain, &f->pol, NULL, &err);
	if (s != DNSQ_OK) {
		f->https.rc = s == DNSQ_TEMP || s == DNSQ_BOGUS ?
		    KEYS_DNS_TEMP : KEYS_DNS_NONE;
		snprintf(f->https.why, sizeof(f->https.why), "key over HTTPS: "
		    "no usable _ssmp policy for %.60s (%s%s%.120s)", f->domain,
		    dnsq_status_name(s), err.msg[0] ? ": " : "", err.msg);
		return;
	}
	f->https.rc = hostaddr_lookup(f->d->hosts, f->pol.hostname, f->addr,
	    sizeof(f->addr), &err);
	if (f->https.rc != KEYS_DNS_OK) {
		snprintf(f->https.why, sizeof(f->https.why), "key over HTTPS: "
		    "%.200s", err.msg);
		return;
	}
	f->https_go = true;
}

/* Worker: DNS for each source configured. */
static void
fetch_run(void *arg)
{
	struct fetch *f = arg;
	struct ssmp_err err;

	if (f->d->conf.keysource & KEYSRC_DNS) {
		err.msg[0] = '\0';
		f->dns.ttl = 60;
		f->dns.rc = keys_dns_key(f->d->dns, f->domain, f->selector,
		    &f->dns.rec, &f->dns.ttl, &err);
		snprintf(f->dns.why, sizeof(f->dns.why), "%s", err.msg[0] ?
		    err.msg : "no key record");
	}
	if (f->d->conf.keysource & KEYSRC_HTTPS)
		https_prepare(f);
}

static bool
same_key(const struct ssmp_keyrec *a, const struct ssmp_keyrec *b)
{
	if (a->revoked || b->revoked)
		return a->revoked == b->revoked;
	return memcmp(a->pk, b->pk, SSMP_PUBKEY_BYTES) == 0;
}

/*
 * KeySource both: one answer, or a temporary failure when they disagree
 * (ssmp.7 KSRC-2: a rotation half-published must not bounce mail).
 */
static struct answer
merge(struct fetch *f, bool *disagree)
{
	struct answer a = f->dns;

	*disagree = false;
	if (f->dns.rc == KEYS_DNS_TEMP)
		return f->dns;
	if (f->https.rc == KEYS_DNS_TEMP)
		return f->https;
	if (f->dns.rc == KEYS_DNS_NONE && f->https.rc == KEYS_DNS_NONE)
		return a;
	if (f->dns.rc == KEYS_DNS_OK && f->https.rc == KEYS_DNS_OK &&
	    same_key(&f->dns.rec, &f->https.rec)) {
		a.ttl = f->dns.ttl < f->https.ttl ? f->dns.ttl : f->https.ttl;
		return a;
	}
	*disagree = true;
	a.rc = KEYS_DNS_TEMP;
	snprintf(a.why, sizeof(a.why), "key of %.60s/%.63s: DNS and HTTPS disagree "
	    "(DNS: %s, HTTPS: %s)", f->domain, f->selector,
	    f->dns.rc == KEYS_DNS_OK ? "a key" : "none",
	    f->https.rc == KEYS_DNS_OK ? "a key" : "none");
	return a;
}

/* Loop: the caller gets the answer, as the cache now has it. */
static void
reply(struct fetch *f, const struct ks_keycache *kc, const char *why)
{
	unsigned char pk[SSMP_PUBKEY_BYTES];
	enum kf_result r = from_cache(kc, pk);

	f->cb(r, pk, r == KF_NOKEY ? why : "", f->arg);
	free(f);
}

/*
 * The cache write is a synced commit, so a worker does it; the answer
 * waits for it, so the next request for this key finds it cached.
 */
struct cache_job {
	struct fetch		*f;
	struct ks_keycache	 kc;
	char			 why[256];
};

static void
cache_run(void *arg)
{
	struct cache_job *j = arg;
	struct ssmp_err err;

	if (ks_keycache_put(j->f->d->store, &j->kc, &err) != 0)
		ssmp_log(LOG_WARNING, j->f->reqid, "key cache: %s", err.msg);
}

static void
cache_done(void *arg)
{
	struct cache_job *j = arg;

	reply(j->f, &j->kc, j->why);
	free(j);
}

/* Loop: both sources in, the answer out (and into the cache). */
static void
conclude(struct fetch *f)
{
	struct ssmpd *d = f->d;
	struct cache_job *j;
	struct ks_keycache kc;
	struct answer a;
	bool disagree = false;

	if (d->conf.keysource == KEYSRC_BOTH)
		a = merge(f, &disagree);
	else
		a = d->conf.keysource == KEYSRC_DNS ? f->dns : f->https;
	if (a.rc == KEYS_DNS_TEMP) {
		if (disagree)
			ssmp_log(LOG_WARNING, f->reqid, "%s", a.why);
		f->cb(KF_TEMP, NULL, a.why, f->arg);
		free(f);
		return;
	}
	memset(&kc, 0, sizeof(kc));
	snprintf(kc.domain, sizeof(kc.domain), "%s", f->domain);
	snprintf(kc.selector, sizeof(kc.selector), "%s", f->selector);
	kc.negative = a.rc == KEYS_DNS_NONE;
	kc.revoked = !kc.negative && a.rec.revoked;
	if (a.rc == KEYS_DNS_OK)
		memcpy(kc.pk, a.rec.pk, SSMP_PUBKEY_BYTES);
	kc.fetched = time(NULL);
	kc.expires = kc.fetched + clamp_ttl(d, a.ttl);
	kc.source = d->conf.keysource == KEYSRC_HTTPS ? KS_SRC_HTTPS :
	    KS_SRC_DNS;
	j = ssmp_xcalloc(1, sizeof(*j));
	j->f = f;
	j->kc = kc;
	snprintf(j->why, sizeof(j->why), "%s", a.why);
	workq_submit(d->storeq, cache_run, cache_done, j);
}

static void
https_done(enum keys_dns r, const struct ssmp_keyrec *rec, long maxage,
    const char *why, void *arg)
{
	struct fetch *f = arg;

	f->https.rc = r;
	if (rec != NULL)
		f->https.rec = *rec;
	f->https.ttl = maxage;
	snprintf(f->https.why, sizeof(f->https.why), "%s", why ? why : "");
	conclude(f);
}

static void
fetch_done(void *arg)
{
	struct fetch *f = arg;

	/* a key over DNS alone decides nothing when both must agree */
	if (f->https_go) {
		keyhttp_fetch(f->d->keyhttp, f->pol.hostname, f->pol.port,
		    f->addr, f->domain, f->selector, https_done, f);
		return;
	}
	conclude(f);
}

void
keyfetch_start(struct ssmpd *d, const char *reqid, const char *domain,
    const char *selector, kf_cb cb, void *arg)
{
	struct ks_keycache kc;
	struct ssmp_err err;
	unsigned char pk[SSMP_PUBKEY_BYTES];
	struct fetch *f;
	int rc;

	rc = ks_keycache_get(d->store, domain, selector, time(NULL), &kc, &err);
	if (rc == 0) {
		d->metrics[M_KEY_CACHE_HIT]++;
		enum kf_result r = from_cache(&kc, pk);

		cb(r, pk, r == KF_NOKEY ? "no key record (cached)" : "", arg);
		return;
	}
	if (rc < 0)
		ssmp_log(LOG_WARNING, reqid, "key cache: %s", err.msg);
	d->metrics[M_KEY_FETCH]++;
	f = ssmp_xcalloc(1, sizeof(*f));
	f->d = d;
	snprintf(f->reqid, sizeof(f->reqid), "%s", reqid);
	snprintf(f->domain, sizeof(f->domain), "%s", domain);
	snprintf(f->selector, sizeof(f->selector), "%s", selector);
	f->cb = cb;
	f->arg = arg;
	workq_submit(d->dnsq, fetch_run, fetch_done, f);
}
