/*
 * consent.c - the consent store: input checks, then the backend (see
 * consent.h, backend.h).
 */
#include <ctype.h>
#include <string.h>

#include "ssmp_addr.h"
#include "backend.h"

static int
word_ok(const char *what, const char *s, struct ssmp_err *err)
{
	size_t i, n = strlen(s);

	if (n == 0 || n > KS_WORD_MAX)
		return ssmp_err_set(err, "consent: %s '%.20s': length not in "
		    "1..%d", what, s, KS_WORD_MAX);
	for (i = 0; i < n; i++)
		if (!(islower((unsigned char)s[i]) || s[i] == '_'))
			return ssmp_err_set(err, "consent: %s '%s': only a-z "
			    "and '_'", what, s);
	return 0;
}

/* Both addresses checked and canonical. */
static int
pair(const char *local, const char *remote, char *l, char *r,
    struct ssmp_err *err)
{
	struct ssmp_addr a;

	if (ssmp_addr_parse(local, &a, err) != 0)
		return ssmp_err_prefix(err, "local '%.60s': ", local);
	memcpy(l, a.full, sizeof(a.full));
	if (ssmp_addr_parse(remote, &a, err) != 0)
		return ssmp_err_prefix(err, "remote '%.60s': ", remote);
	memcpy(r, a.full, sizeof(a.full));
	return 0;
}

int
ks_consent_get(struct ks_store *ks, const char *local, const char *remote,
    struct ks_consent *out, struct ssmp_err *err)
{
	char l[SSMP_ADDR_MAX + 1], r[SSMP_ADDR_MAX + 1];

	if (pair(local, remote, l, r, err) != 0)
		return -1;
	return ks->be->consent->get(ks, l, r, out, err);
}

int
ks_consent_put(struct ks_store *ks, const struct ks_consent *c,
    struct ssmp_err *err)
{
	struct ks_consent v = *c;

	if (pair(c->local, c->remote, v.local, v.remote, err) != 0 ||
	    word_ok("type", c->type, err) != 0 ||
	    word_ok("state", c->state, err) != 0)
		return -1;
	return ks->be->consent->put(ks, &v, err);
}

int
ks_consent_del(struct ks_store *ks, const char *local, const char *remote,
    struct ssmp_err *err)
{
	char l[SSMP_ADDR_MAX + 1], r[SSMP_ADDR_MAX + 1];

	if (pair(local, remote, l, r, err) != 0)
		return -1;
	return ks->be->consent->del(ks, l, r, err);
}

int
ks_consent_iter(struct ks_store *ks, const char *local, ks_consent_cb cb,
    void *arg, struct ssmp_err *err)
{
	char l[SSMP_ADDR_MAX + 1];

	if (local != NULL && ks_lower(local, l, sizeof(l), "local", err) != 0)
		return -1;
	return ks->be->consent->iter(ks, local != NULL ? l : NULL, cb, arg,
	    err);
}

int
ks_consent_sweep(struct ks_store *ks, int64_t now, size_t *count,
    struct ssmp_err *err)
{
	return ks->be->consent->sweep(ks, now, count, err);
}
