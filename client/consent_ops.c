/*
 * consent_ops.c - a local user's consent operations (see consent_ops.h).
 *
 * Order of effects: our own allow-list changes first (a request means
 * "I allow you" whatever the other side answers), then the request is
 * sent, then the consent record takes the state the answer gives.  A
 * withdrawal is the other way round: sent first, so that a temporary
 * failure leaves everything as it was and the user can simply retry.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "consent_ops.h"
#include "ssmp_addr.h"

bool
cops_live(const struct ks_consent *p, int64_t now)
{
	return strcmp(p->state, "pending") != 0 || p->expires == 0 ||
	    p->expires > now;
}

static const char *
domain_of(const char *addr)
{
	const char *at = strrchr(addr, '@');

	return at != NULL ? at + 1 : addr;
}

/* Of v[0..n), the oldest request of domain; -1 if none. */
static long
oldest_of(const struct ks_consent *v, size_t n, const char *domain)
{
	long	best = -1;
	size_t	i;

	for (i = 0; i < n; i++)
		if (strcmp(domain_of(v[i].remote), domain) == 0 &&
		    (best < 0 || v[i].created < v[best].created))
			best = (long)i;
	return best;
}

static size_t
count_of(const struct ks_consent *v, size_t n, const char *domain)
{
	size_t i, k = 0;

	for (i = 0; i < n; i++)
		k += strcmp(domain_of(v[i].remote), domain) == 0;
	return k;
}

long
cops_victim(const struct ks_consent *v, size_t n, const char *domain,
    long per_domain, long max)
{
	const char	*big = NULL;
	size_t		 i, most = 0, k;

	if (per_domain > 0 && count_of(v, n, domain) >= (size_t)per_domain)
		return oldest_of(v, n, domain);
	if (max <= 0 || n < (size_t)max)
		return -1;
	for (i = 0; i < n; i++) {
		k = count_of(v, n, domain_of(v[i].remote));
		if (k > most || (k == most && big != NULL &&
		    v[i].created < v[oldest_of(v, n, big)].created)) {
			most = k;
			big = domain_of(v[i].remote);
		}
	}
	return big != NULL ? oldest_of(v, n, big) : -1;
}

static int
parse_pair(const char *local, const char *remote, struct ssmp_addr *l,
    struct ssmp_addr *r, struct ssmp_err *err)
{
	if (ssmp_addr_parse(local, l, err) != 0)
		return ssmp_err_prefix(err, "local '%.80s': ", local);
	if (r != NULL && ssmp_addr_parse(remote, r, err) != 0)
		return ssmp_err_prefix(err, "remote '%.80s': ", remote);
	return 0;
}

static const struct ks_keyent *
signing_key(struct cops *o, const struct ssmp_addr *l, struct ssmp_err *err)
{
	const struct ks_keyent *k = o->keys == NULL ? NULL :
	    ks_keytable_signing(o->keys, l->domain);

	if (k == NULL)
		ssmp_err_set(err, "local '%s': domain %s is not served here "
		    "(no signing key)", l->full, l->domain);
	return k;
}

/* Build and sign a request as l's domain, whose key entry is k. */
static int
sign_request(struct cops *o, const struct ks_keyent *k,
    enum ssmp_allow_type type, const char *from, const char *to,
    struct ssmp_allow *al, struct ssmp_err *err)
{
	if (o->sign != NULL)
		return o->sign(o->sign_arg, type, from, to, al, err);
	return ssmp_allow_build(al, type, NULL, from, to, NULL, k->selector,
	    &k->key, err);
}

static int
record_put(struct cops *o, const char *local, const char *remote,
    const char *type, const char *state, struct ssmp_err *err)
{
	struct ks_consent p;

	memset(&p, 0, sizeof(p));
	snprintf(p.local, sizeof(p.local), "%s", local);
	snprintf(p.remote, sizeof(p.remote), "%s", remote);
	snprintf(p.type, sizeof(p.type), "%s", type);
	snprintf(p.state, sizeof(p.state), "%s", state);
	p.created = (int64_t)time(NULL);
	return ks_consent_put(o->ks, &p, err);
}

/* The remote's answer as an error: 4.x.x temporary, 5.x.x permanent. */
static int
refused(const struct ssmp_addr *r, const struct ssmp_status *st,
    struct ssmp_err *err)
{
	ssmp_err_set(err, "%s answered %s %s", r->domain, st->code, st->reason);
	return st->verdict == SSMP_TEMPFAIL ? AC_ETEMP : -1;
}

static const char *
state_after(enum ssmp_allow_state s)
{
	switch (s) {
	case SSMP_ALLOW_SHARED:
		return "shared";
	case SSMP_ALLOW_SUBSCRIBED:
		return "subscribed";
	default:
		return "sent";
	}
}

int
cops_request(struct cops *o, const char *local, const char *remote,
    enum ssmp_allow_type type, enum ks_tier tier, struct cops_result *res,
    struct ssmp_err *err)
{
	struct ssmp_allow_answer	 ans;
	struct ssmp_allow		 al;
	const struct ks_keyent		*k;
	struct ssmp_addr		 l, r;
	int				 rc;

	memset(res, 0, sizeof(*res));
	if (type == SSMP_ALLOW_WITHDRAW || tier == KS_TIER_BLOCKED)
		return ssmp_err_set(err, "request: a share or signup with tier "
		    "trusted or known");
	if (parse_pair(local, remote, &l, &r, err) != 0)
		return -1;
	if ((k = signing_key(o, &l, err)) == NULL)
		return -1;
	if ((rc = ks_allow_put(o->ks, l.full, r.full, tier,
	    KS_ORIGIN_HANDSHAKE, err)) != 0)
		return rc;
	snprintf(res->state, sizeof(res->state), "none");
	if (o->ac == NULL)
		return ssmp_err_set(err, "no client to send requests");
	if (sign_request(o, k, type, l.full, r.full, &al, err) != 0)
		return -1;
	if ((rc = ac_send(o->ac, &al, &ans, err)) != 0)
		return rc;
	res->sent = true;
	res->remote = ans.st;
	if (ans.st.verdict != SSMP_ACCEPT)
		return refused(&r, &ans.st, err);
	snprintf(res->state, sizeof(res->state), "%s", state_after(ans.state));
	return record_put(o, l.full, r.full, ssmp_allow_type_name(type),
	    res->state, err);
}

/* The live pending share of (local, remote): 0, or 1 if there is none. */
static int
pending_share(struct cops *o, const char *local, const char *remote,
    struct ssmp_err *err)
{
	struct ks_consent	p;
	int			rc;

	rc = ks_consent_get(o->ks, local, remote, &p, err);
	if (rc != 0)
		return rc;
	if (strcmp(p.state, "pending") != 0 || !cops_live(&p, time(NULL)))
		return 1;
	return 0;
}

int
cops_accept(struct cops *o, const char *local, const char *remote,
    enum ks_tier tier, struct cops_result *res, struct ssmp_err *err)
{
	struct ssmp_addr	l, r;
	int			rc;

	memset(res, 0, sizeof(*res));
	if (parse_pair(local, remote, &l, &r, err) != 0)
		return -1;
	if ((rc = pending_share(o, l.full, r.full, err)) != 0)
		return rc;
	return cops_request(o, l.full, r.full, SSMP_ALLOW_SHARE, tier, res,
	    err);
}

int
cops_deny(struct cops *o, const char *local, const char *remote,
    struct ssmp_err *err)
{
	struct ssmp_addr	l, r;
	int			rc;

	if (parse_pair(local, remote, &l, &r, err) != 0)
		return -1;
	if ((rc = pending_share(o, l.full, r.full, err)) != 0)
		return rc;
	return ks_consent_del(o->ks, l.full, r.full, err);
}

struct find {
	const char	*pattern;
	bool		 found;
	enum ks_origin	 origin;
};

static int
find_step(const struct ks_allow *a, void *arg)
{
	struct find *f = arg;

	if (strcmp(a->pattern, f->pattern) != 0)
		return 0;
	f->found = true;
	f->origin = a->origin;
	return 1;
}

/* Was the pair made by the handshake (so the remote knows of it)? */
static bool
from_handshake(const struct find *f, int rec_rc, const struct ks_consent *p)
{
	if (rec_rc == 0 && (strcmp(p->state, "sent") == 0 ||
	    strcmp(p->state, "shared") == 0 ||
	    strcmp(p->state, "subscribed") == 0))
		return true;
	return f->found && f->origin == KS_ORIGIN_HANDSHAKE;
}

/* Tell remote; 0 sent (or nothing to send to), AC_ETEMP: retry later. */
static int
send_withdraw(struct cops *o, const struct ssmp_addr *l, const char *remote,
    struct cops_result *res, struct ssmp_err *err)
{
	struct ssmp_allow_answer	 ans;
	struct ssmp_allow		 al;
	const struct ks_keyent		*k;
	struct ssmp_addr		 r;
	int				 rc;

	if (ssmp_addr_parse(remote, &r, err) != 0)
		return 0;	/* not an address: nobody to tell */
	if ((k = signing_key(o, l, err)) == NULL)
		return ssmp_err_prefix(err, "a withdrawal is due (the pair "
		    "came from the handshake): ");
	if (o->ac == NULL)
		return ssmp_err_set(err, "a withdrawal is due: no client");
	if (sign_request(o, k, SSMP_ALLOW_WITHDRAW, l->full, r.full, &al,
	    err) != 0)
		return AC_ETEMP;
	rc = ac_send(o->ac, &al, &ans, err);
	if (rc == AC_ETEMP)
		return rc;
	if (rc != 0)
		return 0;	/* the domain left SSMP: nobody to tell */
	res->sent = true;
	res->remote = ans.st;
	return ans.st.verdict == SSMP_TEMPFAIL ? refused(&r, &ans.st, err) : 0;
}

int
cops_withdraw(struct cops *o, const char *local, const char *remote,
    struct cops_result *res, struct ssmp_err *err)
{
	struct ks_consent	 p;
	struct ssmp_addr	 l;
	struct find		 f;
	char			 pat[SSMP_ADDR_MAX + 1];
	int			 rc, rec = 1;

	memset(res, 0, sizeof(*res));
	memset(&p, 0, sizeof(p));
	snprintf(res->state, sizeof(res->state), "none");
	if (parse_pair(local, NULL, &l, NULL, err) != 0)
		return -1;
	if (ssmp_pattern_parse(remote, pat, err) < 0)
		return ssmp_err_prefix(err, "remote '%.80s': ", remote);
	memset(&f, 0, sizeof(f));
	f.pattern = pat;
	if ((rc = ks_allow_iter(o->ks, l.full, find_step, &f, err)) < 0)
		return rc;
	if (pat[0] != '*' && (rec = ks_consent_get(o->ks, l.full, pat, &p,
	    err)) < 0)
		return rec;
	if (!f.found && rec != 0)
		return 1;
	if (pat[0] != '*' && from_handshake(&f, rec, &p) &&
	    (rc = send_withdraw(o, &l, pat, res, err)) != 0)
		return rc;
	if (f.found && (rc = ks_allow_del(o->ks, l.full, pat, err)) < 0)
		return rc;
	if (rec == 0 && (rc = ks_consent_del(o->ks, l.full, pat, err)) < 0)
		return rc;
	return 0;
}

struct list_walk {
	bool		 all;
	int64_t		 now;
	ks_consent_cb	 cb;
	void		*arg;
};

static int
list_step(const struct ks_consent *p, void *arg)
{
	struct list_walk *w = arg;

	if (!cops_live(p, w->now) || (!w->all &&
	    strcmp(p->state, "pending") != 0))
		return 0;
	return w->cb(p, w->arg);
}

int
cops_list(struct cops *o, const char *local, bool all, ks_consent_cb cb,
    void *arg, struct ssmp_err *err)
{
	struct list_walk	w = { all, (int64_t)time(NULL), cb, arg };
	struct ssmp_addr	l;

	if (local != NULL && parse_pair(local, NULL, &l, NULL, err) != 0)
		return -1;
	return ks_consent_iter(o->ks, local ? l.full : NULL, list_step, &w,
	    err);
}
