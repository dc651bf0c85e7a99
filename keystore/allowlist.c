/*
 * allowlist.c - the allow-list store: input checks, then the backend
 * (see allowlist.h, backend.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ssmp_addr.h"
#include "ssmp_buf.h"
#include "backend.h"

static const char *const tier_names[] = { NULL, "trusted", "known", "blocked" };
static const char *const origin_names[] = { NULL, "local", "handshake", "auto" };

const char *
ks_tier_name(enum ks_tier t)
{
	return KS_NAME_OF(tier_names, t);
}

const char *
ks_origin_name(enum ks_origin o)
{
	return KS_NAME_OF(origin_names, o);
}

int
ks_tier_parse(const char *s, enum ks_tier *out, struct ssmp_err *err)
{
	int v;

	if (ks_name_parse(s, tier_names, 4, "tier", &v, err) != 0)
		return -1;
	*out = (enum ks_tier)v;
	return 0;
}

int
ks_origin_parse(const char *s, enum ks_origin *out, struct ssmp_err *err)
{
	int v;

	if (ks_name_parse(s, origin_names, 4, "origin", &v, err) != 0)
		return -1;
	*out = (enum ks_origin)v;
	return 0;
}

/* Check and canonicalise one entry into out. */
static int
allow_check(const struct ks_allow *a, struct ks_allow *out,
    struct ssmp_err *err)
{
	struct ssmp_addr r;

	if (ssmp_addr_parse(a->rcpt, &r, err) != 0)
		return ssmp_err_prefix(err, "recipient '%.60s': ", a->rcpt);
	memset(out, 0, sizeof(*out));
	if (ssmp_pattern_parse(a->pattern, out->pattern, err) < 0)
		return ssmp_err_prefix(err, "pattern '%.60s': ", a->pattern);
	if (a->tier < KS_TIER_TRUSTED || a->tier > KS_TIER_BLOCKED)
		return ssmp_err_set(err, "tier %d out of range", (int)a->tier);
	if (a->origin < KS_ORIGIN_LOCAL || a->origin > KS_ORIGIN_AUTO)
		return ssmp_err_set(err, "origin %d out of range",
		    (int)a->origin);
	memcpy(out->rcpt, r.full, sizeof(out->rcpt));
	out->tier = a->tier;
	out->origin = a->origin;
	out->added = a->added ? a->added : (int64_t)time(NULL);
	return 0;
}

int
ks_allow_put(struct ks_store *ks, const char *rcpt, const char *pattern,
    enum ks_tier tier, enum ks_origin origin, struct ssmp_err *err)
{
	struct ks_allow	a = { .tier = tier, .origin = origin }, c;

	if (strlen(rcpt) >= sizeof(a.rcpt))
		return ssmp_err_set(err, "recipient '%.40s...': too long", rcpt);
	if (strlen(pattern) >= sizeof(a.pattern))
		return ssmp_err_set(err, "pattern '%.40s...': too long",
		    pattern);
	memcpy(a.rcpt, rcpt, strlen(rcpt) + 1);
	memcpy(a.pattern, pattern, strlen(pattern) + 1);
	if (allow_check(&a, &c, err) != 0)
		return -1;
	return ks->be->allow->put(ks, &c, 1, err);
}

int
ks_allow_del(struct ks_store *ks, const char *rcpt, const char *pattern,
    struct ssmp_err *err)
{
	struct ssmp_addr	r;
	char			pat[SSMP_ADDR_MAX + 1];

	if (ssmp_addr_parse(rcpt, &r, err) != 0)
		return ssmp_err_prefix(err, "recipient '%.60s': ", rcpt);
	if (ssmp_pattern_parse(pattern, pat, err) < 0)
		return ssmp_err_prefix(err, "pattern '%.60s': ", pattern);
	return ks->be->allow->del(ks, r.full, pat, err);
}

int
ks_allow_lookup(struct ks_store *ks, const char *rcpt, const char *sender,
    enum ks_tier *tier, enum ks_origin *origin, struct ssmp_err *err)
{
	char			 r[SSMP_ADDR_MAX + 1], s[SSMP_ADDR_MAX + 1];
	char			 dom[SSMP_ADDR_MAX + 2];
	const char		*pat[2] = { s, dom };
	const char		*at = strrchr(sender, '@');
	struct ks_allow		 a;
	int			 rc;

	if (at == NULL)
		return ssmp_err_set(err, "sender '%.60s': missing '@'", sender);
	/* The hot path: callers checked both; lower-case them only. */
	if (ks_lower(rcpt, r, sizeof(r), "recipient", err) != 0 ||
	    ks_lower(sender, s, sizeof(s), "sender", err) != 0)
		return -1;
	(void)snprintf(dom, sizeof(dom), "*%s", strrchr(s, '@'));
	if ((rc = ks->be->allow->lookup(ks, r, pat, 2, &a, err)) != 0)
		return rc;
	*tier = a.tier;
	if (origin != NULL)
		*origin = a.origin;
	return 0;
}

int
ks_allow_iter(struct ks_store *ks, const char *rcpt, ks_allow_cb cb,
    void *arg, struct ssmp_err *err)
{
	char r[SSMP_ADDR_MAX + 1];

	if (rcpt != NULL && ks_lower(rcpt, r, sizeof(r), "recipient",
	    err) != 0)
		return -1;
	return ks->be->allow->iter(ks, rcpt != NULL ? r : NULL, cb, arg, err);
}

int
ks_allow_import(struct ks_store *ks, const struct ks_allow *v, size_t n,
    struct ssmp_err *err)
{
	struct ks_allow	*c = ssmp_xcalloc(n + 1, sizeof(*c));
	size_t		 i;
	int		 rc = 0;

	/* check everything before the backend is asked to write */
	for (i = 0; i < n && rc == 0; i++)
		if ((rc = allow_check(&v[i], &c[i], err)) != 0)
			ssmp_err_prefix(err, "entry %zu: ", i + 1);
	if (rc == 0 && n > 0)
		rc = ks->be->allow->put(ks, c, n, err);
	free(c);
	return rc;
}
