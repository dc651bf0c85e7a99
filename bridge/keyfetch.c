/*
 * keyfetch.c - sender key lookup (see keyfetch.h).
 *
 * The cache answers on the loop (one LMDB read snapshot, microseconds).
 * A miss asks the resolver in event-loop use (keystore/dnsq.h): the
 * _ssmpkey record (KeySource dns or both) and, for HTTPS (https or
 * both), the sender's _ssmp policy and the address of its h= host; the
 * HTTPS fetch then runs on the loop through libcurl's multi interface
 * (keyhttp.h).  No thread waits for DNS, so a sender whose name servers
 * never answer holds a slot of the budget, not a worker: allow-list
 * reads and other senders' keys go on.  With both sources the two
 * answers must agree.
 *
 * Nothing a client sends is written before its signature verified: a
 * fetched key comes back as `fresh`, and the envelope check keeps it
 * (keyfetch_keep) only after the signature made with it verified.
 * Negative answers and failures stay in memory: the resolver's cache
 * (bounded) and the table of domains below (bounded).
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <event2/event.h>

#include "dnsq.h"
#include "keyfetch.h"
#include "keyhttp.h"
#include "keys.h"
#include "store.h"
#include "ssmp_buf.h"
#include "ssmp_log.h"
#include "ssmpd.h"

#define DOM_BUCKETS	1024
#define DOM_MAX		4096	/* then the oldest failures are forgotten */

/* A sender domain with lookups in flight or a recent failure. */
struct dom {
	struct dom	*next;
	char		 name[SSMP_DOMAIN_MAX + 1];
	int		 inflight;
	time_t		 temp_until;
	char		 why[200];
};

struct keyfetch {
	struct ssmpd	*d;
	const struct ssmp_config *cfg;
	struct dnsq	*dq;
	struct event	*ev_fd, *ev_timer;
	bool		 restarting;	/* lookups cancelled by a reload */
	int		 inflight;
	size_t		 ndom, evict;
	struct dom	*b[DOM_BUCKETS];
};

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
	int			 pending;	/* DNS answers awaited */
	bool			 dns_temp;	/* a DNS answer was temporary */
	struct answer		 dns, https;
	bool			 https_go;	/* policy and host found */
	struct ssmp_policy	 pol;
	char			 addr[DNSQ_ADDR_MAX];
};

/* --- the domain table (loop thread only) --------------------------------- */

static unsigned
dom_hash(const char *s)
{
	unsigned h = 5381;

	while (*s != '\0')
		h = h * 33 + (unsigned char)(*s++ | 0x20);
	return h % DOM_BUCKETS;
}

static struct dom **
dom_slot(struct keyfetch *kf, const char *name)
{
	struct dom **p = &kf->b[dom_hash(name)];

	while (*p != NULL && strcasecmp((*p)->name, name) != 0)
		p = &(*p)->next;
	return p;
}

/*
 * Room for one more: drop the entries with nothing in flight and no
 * live failure, else one remembered failure (the first found from a
 * moving bucket).  Entries with lookups in flight are at most
 * KF_MAX_INFLIGHT, far fewer than DOM_MAX, so there is always one.
 */
static void
dom_make_room(struct keyfetch *kf, time_t now)
{
	struct dom **p, *e;

	for (size_t i = 0; i < DOM_BUCKETS; i++)
		for (p = &kf->b[i]; (e = *p) != NULL;) {
			if (e->inflight == 0 && e->temp_until <= now) {
				*p = e->next;
				free(e);
				kf->ndom--;
			} else
				p = &e->next;
		}
	for (size_t n = 0; kf->ndom >= DOM_MAX && n < DOM_BUCKETS; n++) {
		kf->evict = (kf->evict + 1) % DOM_BUCKETS;
		for (p = &kf->b[kf->evict]; (e = *p) != NULL; p = &e->next)
			if (e->inflight == 0) {
				*p = e->next;
				free(e);
				kf->ndom--;
				break;
			}
	}
}

/* The entry of name, made if need be. */
static struct dom *
dom_get(struct keyfetch *kf, const char *name, bool make)
{
	struct dom **p = dom_slot(kf, name), *e;

	if (*p != NULL || !make)
		return *p;
	if (kf->ndom >= DOM_MAX) {
		dom_make_room(kf, time(NULL));
		p = dom_slot(kf, name);
	}
	e = *p = ssmp_xcalloc(1, sizeof(*e));
	snprintf(e->name, sizeof(e->name), "%s", name);
	kf->ndom++;
	return e;
}

static void
dom_release(struct keyfetch *kf, const char *name, const char *temp_why)
{
	struct dom	*e = dom_get(kf, name, false);
	long		 secs = kf->d->conf.max_ttl < KF_TEMP_SECS ?
			    kf->d->conf.max_ttl : KF_TEMP_SECS;

	kf->inflight--;
	if (e == NULL)
		return;
	e->inflight--;
	if (temp_why != NULL && secs > 0 && !kf->restarting) {
		e->temp_until = time(NULL) + secs;
		snprintf(e->why, sizeof(e->why), "%.199s", temp_why);
	}
}

/* --- the resolver on the loop -------------------------------------------- */

static void
arm(struct keyfetch *kf, long ms)
{
	struct timeval tv;

	if (ms < 0)
		return;
	tv.tv_sec = ms / 1000;
	tv.tv_usec = (ms % 1000) * 1000 + 1000;
	evtimer_add(kf->ev_timer, &tv);
}

static void
on_timer(evutil_socket_t fd, short what, void *arg)
{
	struct keyfetch *kf = arg;

	arm(kf, dnsq_expire(kf->dq));
}

static void
on_fd(evutil_socket_t fd, short what, void *arg)
{
	struct keyfetch *kf = arg;

	dnsq_process(kf->dq);
}

/* Deadlines are DNSTimeout after the start: one timer suffices. */
static void
started(struct keyfetch *kf)
{
	if (!evtimer_pending(kf->ev_timer, NULL))
		arm(kf, kf->d->conf.dns_timeout * 1000);
}

/* Watch dq on the loop as the resolver of kf. */
static int
resolver_watch(struct keyfetch *kf, struct dnsq *dq, struct ssmp_err *err)
{
	kf->dq = dq;
	kf->ev_fd = event_new(kf->d->base, dnsq_fd(dq), EV_READ | EV_PERSIST,
	    on_fd, kf);
	if (kf->ev_fd == NULL || event_add(kf->ev_fd, NULL) != 0)
		return ssmp_err_set(err, "resolver: cannot watch its answers");
	return 0;
}

/* Lookups in flight end as temporary failures, their callbacks run. */
static void
resolver_stop(struct keyfetch *kf)
{
	kf->restarting = true;
	dnsq_cancel_all(kf->dq);
	kf->restarting = false;
	if (kf->ev_fd != NULL)
		event_free(kf->ev_fd);
	kf->ev_fd = NULL;
	dnsq_free(kf->dq);
	kf->dq = NULL;
}

int
keyfetch_setup(struct ssmpd *d, const struct ssmp_config *cfg,
    struct ssmp_err *err)
{
	struct keyfetch *kf = ssmp_xcalloc(1, sizeof(*kf));
	struct dnsq *dq;

	kf->d = d;
	kf->cfg = cfg;
	d->kf = kf;
	if ((kf->ev_timer = evtimer_new(d->base, on_timer, kf)) == NULL) {
		keyfetch_free(d);
		return ssmp_err_set(err, "resolver: no timer");
	}
	if (dnsq_new(cfg, &dq, err) != 0 || resolver_watch(kf, dq, err) != 0) {
		keyfetch_free(d);
		return -1;
	}
	return 0;
}

int
keyfetch_restart(struct ssmpd *d, struct ssmp_err *err)
{
	struct keyfetch *kf = d->kf;
	struct dnsq *dq;

	if (dnsq_new(kf->cfg, &dq, err) != 0)
		return -1;	/* the old one stays */
	resolver_stop(kf);
	if (resolver_watch(kf, dq, err) != 0)
		return -1;
	return 0;
}

void
keyfetch_free(struct ssmpd *d)
{
	struct keyfetch *kf = d->kf;

	if (kf == NULL)
		return;
	if (kf->ev_fd != NULL)
		event_free(kf->ev_fd);
	if (kf->ev_timer != NULL)
		event_free(kf->ev_timer);
	dnsq_free(kf->dq);
	for (size_t i = 0; i < DOM_BUCKETS; i++)
		for (struct dom *e = kf->b[i], *n; e != NULL; e = n) {
			n = e->next;
			free(e);
		}
	free(kf);
	d->kf = NULL;
}

int
keyfetch_inflight(const struct ssmpd *d)
{
	return d->kf != NULL ? d->kf->inflight : 0;
}

/* --- answers --------------------------------------------------------------- */

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

static enum keys_dns
keys_rc(enum dnsq_status s)
{
	switch (s) {
	case DNSQ_OK:
		return KEYS_DNS_OK;
	case DNSQ_TEMP:
	case DNSQ_BOGUS:
		return KEYS_DNS_TEMP;
	default:
		return KEYS_DNS_NONE;
	}
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

/* Loop: both sources in; the answer out, a key as `fresh` to keep. */
static void
conclude(struct fetch *f)
{
	struct ssmpd *d = f->d;
	struct ks_keycache kc;
	struct answer a;
	bool disagree = false;

	if (d->conf.keysource == KEYSRC_BOTH)
		a = merge(f, &disagree);
	else
		a = d->conf.keysource == KEYSRC_DNS ? f->dns : f->https;
	if (disagree)
		ssmp_log(LOG_WARNING, f->reqid, "%s", a.why);
	if (a.rc == KEYS_DNS_TEMP)
		f->cb(KF_TEMP, NULL, a.why, NULL, f->arg);
	else if (a.rc == KEYS_DNS_NONE)
		f->cb(KF_NOKEY, NULL, a.why[0] ? a.why : "no key record",
		    NULL, f->arg);
	else if (a.rec.revoked)
		f->cb(KF_REVOKED, NULL, "", NULL, f->arg);
	else {
		memset(&kc, 0, sizeof(kc));
		snprintf(kc.domain, sizeof(kc.domain), "%s", f->domain);
		snprintf(kc.selector, sizeof(kc.selector), "%s", f->selector);
		memcpy(kc.pk, a.rec.pk, SSMP_PUBKEY_BYTES);
		kc.dnssec = dnsq_validating(d->kf->dq);
		kc.fetched = time(NULL);
		kc.expires = kc.fetched + clamp_ttl(d, a.ttl);
		kc.source = d->conf.keysource == KEYSRC_HTTPS ? KS_SRC_HTTPS :
		    KS_SRC_DNS;
		f->cb(KF_OK, kc.pk, "", &kc, f->arg);
	}
	free(f);
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

/* The DNS part is over: free its slot, then HTTPS or the answer. */
static void
dns_done(struct fetch *f)
{
	const char *temp = NULL;

	if (--f->pending > 0)
		return;
	if (f->dns_temp)
		temp = f->dns.rc == KEYS_DNS_TEMP ? f->dns.why : f->https.why;
	dom_release(f->d->kf, f->domain, temp);
	/* a key over DNS alone decides nothing when both must agree */
	if (f->https_go && !(f->d->conf.keysource == KEYSRC_BOTH &&
	    f->dns.rc == KEYS_DNS_TEMP)) {
		keyhttp_fetch(f->d->keyhttp, f->pol.hostname, f->pol.port,
		    f->addr, f->domain, f->selector, https_done, f);
		return;
	}
	conclude(f);
}

static void
on_key(const struct dnsq_result *r, void *arg)
{
	struct fetch *f = arg;

	f->dns.rc = keys_rc(r->st);
	f->dns.rec = r->key;
	f->dns.ttl = r->ttl;
	f->dns_temp |= f->dns.rc == KEYS_DNS_TEMP;
	snprintf(f->dns.why, sizeof(f->dns.why), "%s", r->st == DNSQ_OK ? "" :
	    r->err.msg[0] ? r->err.msg : "no key record");
	dns_done(f);
}

static void
on_addr(const struct dnsq_result *r, void *arg)
{
	struct fetch *f = arg;

	f->https.rc = keys_rc(r->st);
	if (r->st == DNSQ_OK) {
		snprintf(f->addr, sizeof(f->addr), "%s", r->addr);
		f->https_go = true;
	} else {
		f->dns_temp |= f->https.rc == KEYS_DNS_TEMP;
		snprintf(f->https.why, sizeof(f->https.why), "key over HTTPS: "
		    "address of %.100s: %.120s", f->pol.hostname, r->err.msg);
	}
	dns_done(f);
}

static void
on_policy(const struct dnsq_result *r, void *arg)
{
	struct fetch *f = arg;

	if (r->st == DNSQ_OK) {
		f->pol = r->pol;
		f->pending++;
		dnsq_start(f->d->kf->dq, DNSQ_Q_ADDR, f->pol.hostname, NULL,
		    on_addr, f);
		dns_done(f);
		return;
	}
	f->https.rc = keys_rc(r->st);
	f->dns_temp |= f->https.rc == KEYS_DNS_TEMP;
	snprintf(f->https.why, sizeof(f->https.why), "key over HTTPS: no usable "
	    "_ssmp policy for %.60s (%s%s%.120s)", f->domain,
	    dnsq_status_name(r->st), r->err.msg[0] ? ": " : "", r->err.msg);
	dns_done(f);
}

/* --- the fetch ------------------------------------------------------------- */

/* Refused by the budget or a remembered failure: why, else NULL. */
static const char *
over_budget(struct keyfetch *kf, const char *domain, char *why, size_t len)
{
	struct dom *e = dom_get(kf, domain, false);
	time_t now = time(NULL);

	if (e != NULL && e->temp_until > now) {
		snprintf(why, len, "%s (remembered for %lds)", e->why,
		    (long)(e->temp_until - now));
		return why;
	}
	if (kf->inflight >= KF_MAX_INFLIGHT)
		return "too many DNS lookups in flight";
	if (e != NULL && e->inflight >= KF_MAX_PER_DOMAIN) {
		snprintf(why, len, "too many DNS lookups in flight for %.100s",
		    domain);
		return why;
	}
	return NULL;
}

void
keyfetch_start(struct ssmpd *d, const char *reqid, const char *domain,
    const char *selector, kf_cb cb, void *arg)
{
	struct keyfetch *kf = d->kf;
	struct ks_keycache kc;
	struct ssmp_err err;
	unsigned char pk[SSMP_PUBKEY_BYTES];
	char whybuf[256];
	const char *why;
	struct fetch *f;
	struct dom *e;
	int rc;

	rc = ks_keycache_get(d->store, domain, selector, time(NULL), &kc, &err);
	/* fetched before an anchor was configured: not validated */
	if (rc == 0 && dnsq_validating(d->kf->dq) && !kc.dnssec)
		rc = 1;
	if (rc == 0) {
		d->metrics[M_KEY_CACHE_HIT]++;
		enum kf_result r = from_cache(&kc, pk);

		cb(r, pk, r == KF_NOKEY ? "no key record (cached)" : "", NULL,
		    arg);
		return;
	}
	if (rc < 0)
		ssmp_log(LOG_WARNING, reqid, "key cache: %s", err.msg);
	if ((why = over_budget(kf, domain, whybuf, sizeof(whybuf))) != NULL) {
		cb(KF_TEMP, NULL, why, NULL, arg);
		return;
	}
	e = dom_get(kf, domain, true);
	d->metrics[M_KEY_FETCH]++;
	e->inflight++;
	kf->inflight++;
	f = ssmp_xcalloc(1, sizeof(*f));
	f->d = d;
	snprintf(f->reqid, sizeof(f->reqid), "%s", reqid);
	snprintf(f->domain, sizeof(f->domain), "%s", domain);
	snprintf(f->selector, sizeof(f->selector), "%s", selector);
	f->cb = cb;
	f->arg = arg;
	f->https.rc = KEYS_DNS_TEMP;
	f->pending = 1;		/* until both lookups are started */
	if (d->conf.keysource & KEYSRC_DNS) {
		f->pending++;
		dnsq_start(kf->dq, DNSQ_Q_KEY, domain, selector, on_key, f);
	}
	if (d->conf.keysource & KEYSRC_HTTPS) {
		f->pending++;
		dnsq_start(kf->dq, DNSQ_Q_POLICY, domain, NULL, on_policy, f);
	}
	started(kf);
	dns_done(f);
}

void
keyfetch_keep(struct ssmpd *d, const char *reqid,
    const struct ks_keycache *kc)
{
	struct ssmp_err err;

	if (ks_keycache_put(d->store, kc, &err) != 0)
		ssmp_log(LOG_WARNING, reqid, "key cache: %s", err.msg);
}
