/*
 * keyfetch.c - sender key lookup (see keyfetch.h).
 *
 * The cache answers on the loop (one LMDB read snapshot, microseconds);
 * a miss goes to the DNS worker pool so a slow or dead name server never
 * stalls other requests.  Answers are cached by their TTL, negative ones
 * too; temporary failures are not cached.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "keyfetch.h"
#include "keys.h"
#include "store.h"
#include "ssmp_buf.h"
#include "ssmp_log.h"
#include "ssmpd.h"
#include "workq.h"

struct fetch {
	struct ssmpd		*d;
	char			 reqid[24];
	char			 domain[SSMP_DOMAIN_MAX + 1];
	char			 selector[SSMP_SELECTOR_MAX + 1];
	kf_cb			 cb;
	void			*arg;
	enum kf_result		 r;
	unsigned char		 pk[SSMP_PUBKEY_BYTES];
	char			 why[256];
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

/* Worker: ask DNS, remember the answer. */
static void
fetch_run(void *arg)
{
	struct fetch *f = arg;
	struct ks_keycache kc;
	struct ssmp_keyrec rec;
	struct ssmp_err err;
	enum keys_dns rc;
	long ttl = 60;

	err.msg[0] = '\0';
	rc = keys_dns_key(f->d->dns, f->domain, f->selector, &rec, &ttl, &err);
	if (rc == KEYS_DNS_TEMP) {
		f->r = KF_TEMP;
		snprintf(f->why, sizeof(f->why), "%s", err.msg);
		return;
	}
	memset(&kc, 0, sizeof(kc));
	snprintf(kc.domain, sizeof(kc.domain), "%s", f->domain);
	snprintf(kc.selector, sizeof(kc.selector), "%s", f->selector);
	kc.negative = rc == KEYS_DNS_NONE;
	kc.revoked = !kc.negative && rec.revoked;
	if (rc == KEYS_DNS_OK)
		memcpy(kc.pk, rec.pk, SSMP_PUBKEY_BYTES);
	kc.fetched = time(NULL);
	kc.expires = kc.fetched + ttl;
	kc.source = KS_SRC_DNS;
	if (ks_keycache_put(f->d->store, &kc, &err) != 0)
		snprintf(f->why, sizeof(f->why), "key cache: %s", err.msg);
	f->r = from_cache(&kc, f->pk);
	if (f->r == KF_NOKEY)
		snprintf(f->why, sizeof(f->why), "%s", err.msg[0] ? err.msg :
		    "no key record");
}

static void
fetch_done(void *arg)
{
	struct fetch *f = arg;

	f->cb(f->r, f->pk, f->why, f->arg);
	free(f);
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
