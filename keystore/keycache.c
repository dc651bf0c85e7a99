/*
 * keycache.c - the remote-key cache store: input checks, then the
 * backend (see keycache.h, backend.h).
 */
#include <stdio.h>
#include <string.h>

#include "ssmp_addr.h"
#include "backend.h"

static const char *const source_names[] = { NULL, "dns", "https" };

const char *
ks_source_name(enum ks_source s)
{
	return KS_NAME_OF(source_names, s);
}

/* domain and selector (may be "") lower-cased. */
static int
names(const char *domain, const char *selector, char *d, size_t dlen,
    char *s, size_t slen, struct ssmp_err *err)
{
	if (ks_lower(domain, d, dlen, "domain", err) != 0 ||
	    ks_lower(selector, s, slen, "selector", err) != 0)
		return -1;
	return 0;
}

int
ks_keycache_get(struct ks_store *ks, const char *domain, const char *selector,
    int64_t now, struct ks_keycache *out, struct ssmp_err *err)
{
	char	d[SSMP_DOMAIN_MAX + 1], s[SSMP_SELECTOR_MAX + 1];
	int	rc;

	if (names(domain, selector, d, sizeof(d), s, sizeof(s), err) != 0)
		return -1;
	rc = ks->be->keycache->get(ks, d, s, out, err);
	if (rc == 0 && out->expires <= now)
		rc = 1;
	return rc;
}

int
ks_keycache_put(struct ks_store *ks, const struct ks_keycache *kc,
    struct ssmp_err *err)
{
	struct ks_keycache c = *kc;

	if (ssmp_domain_check(kc->domain, c.domain, err) != 0)
		return -1;
	c.selector[0] = '\0';
	if (kc->selector[0] != '\0' &&
	    ssmp_selector_check(kc->selector, c.selector, err) != 0)
		return -1;
	if (kc->source != KS_SRC_DNS && kc->source != KS_SRC_HTTPS)
		return ssmp_err_set(err, "keycache: source %d out of range",
		    (int)kc->source);
	c.text[KS_POLICY_TEXT_MAX] = '\0';
	return ks->be->keycache->put(ks, &c, err);
}

int
ks_keycache_flush(struct ks_store *ks, const char *domain, size_t *count,
    struct ssmp_err *err)
{
	char d[SSMP_DOMAIN_MAX + 1];

	if (domain != NULL && ks_lower(domain, d, sizeof(d), "domain",
	    err) != 0)
		return -1;
	return ks->be->keycache->flush(ks, domain != NULL ? d : NULL, count,
	    err);
}

int
ks_keycache_iter(struct ks_store *ks, ks_keycache_cb cb, void *arg,
    struct ssmp_err *err)
{
	return ks->be->keycache->iter(ks, cb, arg, err);
}

#define MEMORY_SELECTOR	"*"	/* never a selector (ssmp_selector_check) */

int
ks_policy_remember(struct ks_store *ks, const char *domain, const char *text,
    bool dnssec, int64_t seen, int64_t until, struct ssmp_err *err)
{
	struct ks_keycache c;

	memset(&c, 0, sizeof(c));
	if (ssmp_domain_check(domain, c.domain, err) != 0)
		return -1;
	(void)snprintf(c.selector, sizeof(c.selector), MEMORY_SELECTOR);
	(void)snprintf(c.text, sizeof(c.text), "%s", text);
	c.dnssec = dnssec;
	c.fetched = seen;
	c.expires = until;
	c.source = KS_SRC_DNS;
	return ks->be->keycache->put(ks, &c, err);
}

int
ks_policy_recall(struct ks_store *ks, const char *domain, int64_t now,
    struct ks_keycache *out, struct ssmp_err *err)
{
	char	d[SSMP_DOMAIN_MAX + 1];
	int	rc;

	if (ks_lower(domain, d, sizeof(d), "domain", err) != 0)
		return -1;
	rc = ks->be->keycache->get(ks, d, MEMORY_SELECTOR, out, err);
	if (rc == 0 && out->expires <= now)
		rc = 1;
	return rc;
}

int
ks_policy_forget(struct ks_store *ks, const char *domain, int64_t now,
    struct ssmp_err *err)
{
	struct ks_keycache c;
	int rc;

	/* a read first: a domain never remembered costs no write */
	if ((rc = ks_policy_recall(ks, domain, now, &c, err)) != 0)
		return rc < 0 ? rc : 0;
	c.expires = now;
	return ks->be->keycache->put(ks, &c, err);
}

int
ks_keycache_sweep(struct ks_store *ks, int64_t now, int64_t policy_keep,
    size_t *count, struct ssmp_err *err)
{
	return ks->be->keycache->sweep(ks, now, policy_keep, count, err);
}
