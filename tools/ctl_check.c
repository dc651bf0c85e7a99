/*
 * ctl_check.c - ssmpctl check DOMAIN: the path a sender takes to DOMAIN,
 * step by step, one verdict line each (ctl_info.h).
 *
 * The steps are the sender's: the policy and key records (and what DNSSEC
 * says of them), the h= host's address, a TLS connection verified as the
 * sender verifies it (CAFile, AllowPrivateHosts), the key endpoint on it
 * (the same key as DNS), the receiver's clock against ours, and a dry
 * envelope signed with our key: the receiver answers it, no message
 * follows, and it expires unused.  A step that fails stops the ones that
 * need it.
 */
#include "config.h"

#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sysexits.h>
#include <time.h>

#include <curl/curl.h>

#include "ctl_info.h"
#include "ctl_user.h"
#include "deliver.h"
#include "dnsq.h"
#include "keytable.h"
#include "netguard.h"
#include "ssmp_limits.h"
#include "ssmp_txt.h"

#define CERT_WARN_DAYS	14
#define SKEW_WARN	30

enum word { W_OK, W_WARN, W_FAIL, W_SKIP };

struct chk {
	const struct ssmp_config *cfg;
	const char		*domain;
	struct dnsq		*dq;
	struct ks_keytable	*keys;		/* ours; may be NULL */
	struct ssmp_policy	 pol;
	struct ssmp_keyrec	 kr;
	char			 addr[DNSQ_ADDR_MAX];
	int			 fails, warns;
};

static void __attribute__((format(printf, 4, 5)))
verdict(struct chk *k, const char *step, enum word w, const char *fmt, ...)
{
	static const char *const words[] = { "ok", "warn", "FAIL", "skip" };
	va_list ap;

	printf("%-9s %-5s ", step, words[w]);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	fflush(stdout);
	k->fails += w == W_FAIL;
	k->warns += w == W_WARN;
}

/* One lookup, answered or timed out (DNSTimeout): the event-loop API
 * of dnsq.h, which says whether DNSSEC secured the answer. */
struct wait {
	struct dnsq_result	*r;
	bool			 done;
};

static void
on_result(const struct dnsq_result *r, void *arg)
{
	struct wait *w = arg;

	*w->r = *r;
	w->done = true;
}

static void
lookup(struct chk *k, enum dnsq_kind kind, const char *name,
    const char *selector, struct dnsq_result *r)
{
	struct wait w = { r, false };
	struct pollfd pfd;
	long ms;

	dnsq_start(k->dq, kind, name, selector, on_result, &w);
	while (!w.done) {
		pfd.fd = dnsq_fd(k->dq);
		pfd.events = POLLIN;
		ms = dnsq_expire(k->dq);
		if (w.done)
			break;
		(void)poll(&pfd, 1, ms < 0 || ms > 1000 ? 1000 : (int)ms);
		dnsq_process(k->dq);
	}
}

/* What DNSSEC says of an answer. */
static const char *
dnssec(const struct chk *k, const struct dnsq_result *r)
{
	if (!dnsq_validating(k->dq))
		return "DNSSEC not validated: no TrustAnchorFile";
	return r->secure ? "DNSSEC secure" : "DNSSEC insecure: not signed";
}

static int
step_policy(struct chk *k)
{
	struct dnsq_result r;
	char name[SSMP_DOMAIN_MAX + 16];

	snprintf(name, sizeof(name), "_ssmp.%s", k->domain);
	lookup(k, DNSQ_Q_POLICY, k->domain, NULL, &r);
	if (r.st == DNSQ_NXDOMAIN || r.st == DNSQ_NODATA) {
		verdict(k, "policy", W_FAIL, "%s: none, %s does not speak SSMP "
		    "(senders use SMTP)", name, k->domain);
		return -1;
	}
	if (r.st != DNSQ_OK) {
		verdict(k, "policy", W_FAIL, "%s: %s (%s)", name,
		    dnsq_status_name(r.st), r.err.msg);
		return -1;
	}
	k->pol = r.pol;
	verdict(k, "policy", W_OK, "%s: h=%s s=%s m=%s (%s)", name,
	    k->pol.host, k->pol.selector, ssmp_mode_name(k->pol.mode),
	    dnssec(k, &r));
	return 0;
}

static int
step_key(struct chk *k)
{
	const struct ks_keyent *e;
	struct dnsq_result r;
	char name[SSMP_DOMAIN_MAX + SSMP_SELECTOR_MAX + 16];

	snprintf(name, sizeof(name), "%s._ssmpkey.%s", k->pol.selector,
	    k->domain);
	lookup(k, DNSQ_Q_KEY, k->domain, k->pol.selector, &r);
	if (r.st != DNSQ_OK) {
		verdict(k, "key", W_FAIL, "%s: %s (%s)", name,
		    dnsq_status_name(r.st), r.err.msg);
		return -1;
	}
	k->kr = r.key;
	if (k->kr.revoked) {
		verdict(k, "key", W_FAIL, "%s: revoked (p= empty), yet the "
		    "policy names it", name);
		return -1;
	}
	e = k->keys ? ks_keytable_find(k->keys, k->domain, k->pol.selector) :
	    NULL;
	if (e != NULL && memcmp(e->key.pk, k->kr.pk, sizeof(k->kr.pk)) != 0) {
		verdict(k, "key", W_FAIL, "%s: differs from our key %s", name,
		    e->path);
		return -1;
	}
	verdict(k, "key", W_OK, "%s: ed25519%s (%s)", name, e != NULL ?
	    ", the same as our key" : "", dnssec(k, &r));
	return 0;
}

static int
step_host(struct chk *k)
{
	struct dnsq_result r;

	lookup(k, DNSQ_Q_ADDR, k->pol.hostname, NULL, &r);
	if (r.st != DNSQ_OK) {
		verdict(k, "host", W_FAIL, "%s: %s (%s)", k->pol.hostname,
		    dnsq_status_name(r.st), r.err.msg);
		return -1;
	}
	snprintf(k->addr, sizeof(k->addr), "%s", r.addr);
	verdict(k, "host", W_OK, "%s: %s port %u", k->pol.hostname, k->addr,
	    k->pol.port);
	return 0;
}

/* --- TLS, key endpoint and clock: one GET of the key endpoint ----------- */

struct fetch {
	char	body[SSMP_TXT_MAX + 64];
	size_t	len;
	char	date[64];
};

static size_t
on_body(char *p, size_t sz, size_t n, void *arg)
{
	struct fetch *f = arg;
	size_t room = sizeof(f->body) - 1 - f->len;

	if (sz * n > room)
		return 0;	/* too big: no key record */
	memcpy(f->body + f->len, p, sz * n);
	f->len += sz * n;
	f->body[f->len] = '\0';
	return sz * n;
}

static size_t
on_header(char *p, size_t sz, size_t n, void *arg)
{
	struct fetch *f = arg;

	if (sz * n > 5 && strncasecmp(p, "Date:", 5) == 0)
		snprintf(f->date, sizeof(f->date), "%.*s", (int)(sz * n - 5),
		    p + 5);
	return sz * n;
}

/* The server certificate's "Expire date" from curl's certinfo. */
static time_t
cert_expiry(CURL *h, char *subject, size_t slen)
{
	struct curl_certinfo *ci = NULL;
	struct curl_slist *s;
	struct tm tm;

	*subject = '\0';
	if (curl_easy_getinfo(h, CURLINFO_CERTINFO, &ci) != CURLE_OK ||
	    ci == NULL || ci->num_of_certs < 1)
		return 0;
	memset(&tm, 0, sizeof(tm));
	for (s = ci->certinfo[0]; s != NULL; s = s->next) {
		if (strncmp(s->data, "Subject:", 8) == 0)
			snprintf(subject, slen, "%s", s->data + 8);
		if (strncmp(s->data, "Expire date:", 12) == 0 &&
		    strptime(s->data + 12, "%Y-%m-%d %H:%M:%S", &tm) == NULL &&
		    strptime(s->data + 12, "%b %d %H:%M:%S %Y", &tm) == NULL)
			memset(&tm, 0, sizeof(tm));
	}
	return tm.tm_year != 0 ? timegm(&tm) : 0;
}

static void
verdict_tls(struct chk *k, CURL *h)
{
	char subject[256];
	time_t exp = cert_expiry(h, subject, sizeof(subject));
	long days = exp ? (long)((exp - time(NULL)) / 86400) : -1;

	if (exp == 0)
		verdict(k, "tls", W_OK, "verified (%s)", k->cfg->ca_file ?
		    k->cfg->ca_file : "system CA store");
	else
		verdict(k, "tls", days < CERT_WARN_DAYS ? W_WARN : W_OK,
		    "verified (%s), %s, expires in %ld days",
		    k->cfg->ca_file ? k->cfg->ca_file : "system CA store",
		    subject, days);
}

static void
verdict_endpoint(struct chk *k, const char *url, long http,
    const struct fetch *f)
{
	struct ssmp_keyrec kr;
	struct ssmp_err err;
	char rec[SSMP_TXT_MAX + 64];

	snprintf(rec, sizeof(rec), "%.*s", (int)strcspn(f->body, "\r\n"),
	    f->body);
	if (http != 200)
		verdict(k, "endpoint", W_FAIL, "%s: HTTP %ld", url, http);
	else if (ssmp_keyrec_parse(rec, &kr, &err) != 0)
		verdict(k, "endpoint", W_FAIL, "%s: not a key record (%s)", url,
		    err.msg);
	else if (kr.revoked != k->kr.revoked ||
	    memcmp(kr.pk, k->kr.pk, sizeof(kr.pk)) != 0)
		verdict(k, "endpoint", W_FAIL, "%s: a key other than DNS "
		    "publishes", url);
	else
		verdict(k, "endpoint", W_OK, "%s: the key DNS publishes", url);
}

static void
verdict_clock(struct chk *k, const char *date)
{
	struct tm tm;
	long skew;

	memset(&tm, 0, sizeof(tm));
	while (*date == ' ')
		date++;
	if (*date == '\0' ||
	    strptime(date, "%a, %d %b %Y %H:%M:%S GMT", &tm) == NULL) {
		verdict(k, "clock", W_WARN, "no Date header: the skew is "
		    "unknown");
		return;
	}
	skew = (long)(timegm(&tm) - time(NULL));
	verdict(k, "clock", labs(skew) > k->cfg->window ? W_FAIL :
	    labs(skew) > SKEW_WARN ? W_WARN : W_OK, "theirs %+ld s from ours "
	    "(Window %ld s, HTTP Date: whole seconds)", skew, k->cfg->window);
}

static int
step_https(struct chk *k)
{
	struct netguard *g = NULL;
	struct netguard_use use;
	struct curl_slist *res = NULL;
	struct ssmp_err err;
	struct fetch f;
	char url[SSMP_HOST_MAX + SSMP_DOMAIN_MAX + 128];
	char pin[NETGUARD_PIN_MAX];
	char cerr[CURL_ERROR_SIZE] = "";
	CURL *h;
	CURLcode rc;
	long http = 0;

	memset(&f, 0, sizeof(f));
	if (netguard_new(&k->cfg->allow_private_hosts, &g, &err) != 0 ||
	    (h = curl_easy_init()) == NULL) {
		verdict(k, "tls", W_FAIL, "%s", g ? "curl" : err.msg);
		netguard_free(g);
		return -1;
	}
	snprintf(url, sizeof(url), "https://%s" SSMP_PATH_PREFIX "key/%s/%s",
	    k->pol.host, k->domain, k->pol.selector);
	netguard_pin(pin, sizeof(pin), k->pol.hostname, k->pol.port, k->addr);
	res = curl_slist_append(res, pin);
	curl_easy_setopt(h, CURLOPT_URL, url);
	curl_easy_setopt(h, CURLOPT_RESOLVE, res);
	curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "https");
	curl_easy_setopt(h, CURLOPT_TIMEOUT, k->cfg->http_timeout);
	curl_easy_setopt(h, CURLOPT_CERTINFO, 1L);
	curl_easy_setopt(h, CURLOPT_ERRORBUFFER, cerr);
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(h, CURLOPT_WRITEDATA, &f);
	curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(h, CURLOPT_HEADERDATA, &f);
	if (k->cfg->ca_file != NULL)
		curl_easy_setopt(h, CURLOPT_CAINFO, k->cfg->ca_file);
	netguard_curl(h, g, &use);
	rc = curl_easy_perform(h);
	curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &http);
	if (rc != CURLE_OK)
		verdict(k, "tls", W_FAIL, "%s:%u (%s): %s", k->pol.hostname,
		    k->pol.port, k->addr, *use.refused ? use.refused :
		    *cerr ? cerr : curl_easy_strerror(rc));
	else {
		verdict_tls(k, h);
		verdict_endpoint(k, url, http, &f);
		verdict_clock(k, f.date);
	}
	curl_easy_cleanup(h);
	curl_slist_free_all(res);
	netguard_free(g);
	return rc == CURLE_OK ? 0 : -1;
}

/* --- the dry envelope ---------------------------------------------------- */

static const struct ks_keyent *
our_signer(struct chk *k, const char *from)
{
	const char *at = from ? strrchr(from, '@') : NULL;

	if (k->keys == NULL)
		return NULL;
	if (at != NULL)
		return ks_keytable_signing(k->keys, at + 1);
	for (size_t i = 0; i < k->keys->n; i++)
		if (k->keys->v[i].active)
			return &k->keys->v[i];
	return NULL;
}

static void
step_envelope(struct chk *k, const char *from, const char *to)
{
	const struct ks_keyent *e = our_signer(k, from);
	struct dl_options o;
	struct dl_client *dl = NULL;
	struct dl_batch *b;
	struct ssmp_err err;
	char sender[SSMP_ADDR_MAX + 1], rcpt[SSMP_ADDR_MAX + 1];
	const struct dl_rcpt *r;

	if (e == NULL) {
		verdict(k, "envelope", W_SKIP, "no signing key of ours%s%s "
		    "(KeyTable, or Domain/Selector/KeyFile)", from ? " for " :
		    "", from ? from : "");
		return;
	}
	/* postmaster@ + a domain may not fit: dl_batch_add() says so */
	snprintf(sender, sizeof(sender), "%s%.*s", from ? from : "postmaster@",
	    from ? 0 : (int)(sizeof(sender) - 12), from ? "" : e->domain);
	snprintf(rcpt, sizeof(rcpt), "%s%.*s", to ? to : "postmaster@",
	    to ? 0 : (int)(sizeof(rcpt) - 12), to ? "" : k->domain);
	memset(&o, 0, sizeof(o));
	o.cafile = k->cfg->ca_file;
	o.timeout = k->cfg->http_timeout;
	o.allow_private = &k->cfg->allow_private_hosts;
	o.min_ttl = k->cfg->min_cache_ttl;
	o.max_ttl = k->cfg->max_cache_ttl;
	b = calloc(1, sizeof(*b));
	if (b == NULL || dl_resolver_dnsq(k->cfg, &o.dns, &err) != 0 ||
	    dl_client_new(&o, &dl, &err) != 0) {
		verdict(k, "envelope", W_FAIL, "%s", b ? err.msg : "memory");
		free(b);
		return;
	}
	dl_batch_init(b, k->domain, &k->pol, sender, e->selector, &e->key);
	if (dl_batch_add(b, rcpt, NULL, &err) != 0)
		verdict(k, "envelope", W_FAIL, "%s: %s", rcpt, err.msg);
	else {
		dl_envelope(dl, &b, 1);
		r = &b->rcpt[0];
		verdict(k, "envelope", r->env == DL_ACCEPTED ? W_OK :
		    r->env == DL_PERM ? W_WARN : W_FAIL, "from %s to %s "
		    "(%s %s): %s %s %s%s", sender, rcpt, e->domain, e->selector,
		    dl_state_name(r->env), r->st.code, r->st.reason,
		    r->env == DL_ACCEPTED ? "; no message follows, it expires "
		    "unused" : r->env == DL_PERM ? "; the path works, the "
		    "receiver refuses this sender or recipient" : "");
	}
	dl_batch_clear(b);
	free(b);
	dl_client_free(dl);
	dl_resolver_dnsq_free(&o.dns);
}

int
ctl_check(const struct ssmp_config *cfg, const char *domain,
    const char *from, const char *to)
{
	struct chk k;
	struct ssmp_err err;

	memset(&k, 0, sizeof(k));
	k.cfg = cfg;
	k.domain = domain;
	if (dnsq_new(cfg, &k.dq, &err) != 0) {
		fprintf(stderr, "ssmpctl: check: %s\n", err.msg);
		return EX_CONFIG;
	}
	if (ctl_keys(cfg, &k.keys, &err) != 0)
		k.keys = NULL;		/* a remote domain needs none */
	if (step_policy(&k) == 0 && step_key(&k) == 0 && step_host(&k) == 0 &&
	    step_https(&k) == 0)
		step_envelope(&k, from, to);
	printf("%s: %s (%d failed, %d warnings)\n", domain, k.fails ? "FAIL" :
	    k.warns ? "ok, with warnings" : "ok", k.fails, k.warns);
	if (k.keys != NULL)
		ks_keytable_release(k.keys);
	dnsq_free(k.dq);
	return k.fails ? EX_UNAVAILABLE : EX_OK;
}
