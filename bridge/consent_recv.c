/*
 * consent_recv.c - POST /.well-known/ssmp/v1/allow: the receiving side of the
 * consent handshake (ssmp.7, CONSENT HANDSHAKE).
 *
 * Checks in the order of ssmp.7: syntax and version, time window, the
 * domain of "to" served here, the requester's key (keyfetch, exactly as
 * for envelopes) and signature, replay (the shared nonce cache), the
 * per-domain rate limit; then, in a worker because it writes LMDB and
 * may ask the MTA, the state machine on the consent records.  A remote
 * request never writes a local allow-list: only the local user does
 * (ssmpctl, the consent API); the remote side changes consent records.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <time.h>

#include <event2/buffer.h>
#include <sodium.h>

#include "consent_recv.h"
#include "consent_client.h"
#include "consent_ops.h"
#include "keyfetch.h"
#include "keys.h"
#include "ratelimit.h"
#include "routes.h"
#include "smtpc.h"
#include "ssmp_allow.h"
#include "ssmp_buf.h"
#include "ssmp_json.h"
#include "ssmp_log.h"
#include "ssmpd.h"
#include "store.h"
#include "workq.h"

#define CONSENT_THREADS	2
#define SECRET_MIN	16

struct areq {
	struct conn			*c;
	struct ssmpd			*d;
	char				 reqid[24];
	struct ssmp_allow		 a;
	/* outcome, set on the loop or by the worker */
	struct ssmp_allow_answer	 ans;
	char				 extra[64];	/* Retry-After */
};

/* --- set-up ----------------------------------------------------------- */

void
consent_secret_hash(const char *s, size_t len,
    unsigned char out[CONSENT_SECRET_HASH])
{
	crypto_generichash(out, CONSENT_SECRET_HASH, (const unsigned char *)s,
	    len, NULL, 0);
}

/* AdminSecretFile: one line, root's alone, at least SECRET_MIN long. */
static int
read_secret(struct consent *cs, const char *path, struct ssmp_err *err)
{
	struct stat	 st;
	char		 buf[512];
	size_t		 n;
	FILE		*f;

	if ((f = fopen(path, "r")) == NULL)
		return ssmp_err_set(err, "AdminSecretFile %s: %s", path,
		    strerror(errno));
	if (fstat(fileno(f), &st) != 0 || !S_ISREG(st.st_mode) ||
	    (st.st_mode & 077) != 0) {
		fclose(f);
		return ssmp_err_set(err, "AdminSecretFile %s: must be a "
		    "regular file without group or other access (mode %04o)",
		    path, (unsigned)(st.st_mode & 07777));
	}
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == '\r' ||
	    buf[n - 1] == ' ' || buf[n - 1] == '\t'))
		n--;
	if (n < SECRET_MIN || memchr(buf, '\n', n) != NULL)
		return ssmp_err_set(err, "AdminSecretFile %s: need one line of "
		    "at least %d characters", path, SECRET_MIN);
	consent_secret_hash(buf, n, cs->secret);
	sodium_memzero(buf, sizeof(buf));
	cs->have_secret = true;
	return 0;
}

int
consent_setup(struct ssmpd *d, const struct ssmp_config *cfg,
    struct ssmp_err *err)
{
	struct consent	*cs = ssmp_xcalloc(1, sizeof(*cs));
	struct ssmp_addr a;

	d->consent = cs;
	/* ratelimit counts per minute: fed minutes, it counts per hour */
	cs->rl_domain = ratelimit_new(cfg->allow_rate_domain);
	cs->pending_max = cfg->allow_pending_max;
	cs->pending_domain = cfg->allow_pending_domain;
	cs->lists = ssmp_xcalloc(cfg->list_addresses.n + 1, sizeof(char *));
	for (size_t i = 0; i < cfg->list_addresses.n; i++)
		if (ssmp_addr_parse(cfg->list_addresses.v[i], &a, err) == 0)
			cs->lists[cs->nlists++] = ssmp_xstrdup(a.full);
	if (cfg->admin_secret_file != NULL &&
	    read_secret(cs, cfg->admin_secret_file, err) != 0)
		return -1;
	if (ac_new(cfg, NULL, &cs->ac, err) != 0)
		return ssmp_err_prefix(err, "consent client: ");
	return 0;
}

void
consent_free(struct consent *cs)
{
	if (cs == NULL)
		return;
	if (cs->q != NULL)
		workq_free(cs->q);
	ratelimit_free(cs->rl_domain);
	ac_free(cs->ac);
	for (size_t i = 0; i < cs->nlists; i++)
		free(cs->lists[i]);
	free(cs->lists);
	sodium_memzero(cs->secret, sizeof(cs->secret));
	free(cs);
}

/* The consent workers, started on first use (after privileges drop). */
struct workq *
consent_queue(struct ssmpd *d)
{
	if (d->consent->q == NULL)
		d->consent->q = workq_new(d->base, CONSENT_THREADS);
	return d->consent->q;
}

/* --- answers ------------------------------------------------------------ */

static void
answer(struct areq *r)
{
	struct ssmp_buf b;

	ssmp_log(LOG_INFO, r->reqid, "allow %s from=<%s> to=<%s>: %s %s %s%s%s",
	    ssmp_allow_type_name(r->a.type), r->a.from, r->a.to,
	    ssmp_verdict_name(r->ans.st.verdict), r->ans.st.code,
	    r->ans.st.reason, r->ans.st.verdict == SSMP_ACCEPT ? " allow=" : "",
	    r->ans.st.verdict == SSMP_ACCEPT ?
	    ssmp_allow_state_name(r->ans.state) : "");
	ssmp_buf_init(&b);
	ssmp_allow_answer_encode(&r->ans, &b);
	http_respond(r->c, r->ans.st.http, "application/json",
	    r->extra[0] ? r->extra : NULL, b.p, b.len);
	ssmp_buf_free(&b);
}

static void
refuse(struct areq *r, enum ssmp_outcome o, const char *reason)
{
	ssmp_status_set(&r->ans.st, o, reason);
	answer(r);
}

static void
accept_as(struct areq *r, enum ssmp_allow_state s, const char *reason)
{
	ssmp_status_set(&r->ans.st, SSMP_OK, reason);
	r->ans.state = s;
}

/* --- the state machine (worker) ----------------------------------------- */

static bool
is_list(const struct consent *cs, const char *addr)
{
	for (size_t i = 0; i < cs->nlists; i++)
		if (strcmp(cs->lists[i], addr) == 0)
			return true;
	return false;
}

/* A recipient's pending requests: those in force, and the expired. */
struct pend {
	int64_t			 now;
	struct ks_consent	*live, *dead;
	size_t			 nlive, ndead;
};

static int
pend_step(const struct ks_consent *p, void *arg)
{
	struct pend		 *k = arg;
	struct ks_consent	**v;
	size_t			 *n;

	if (strcmp(p->state, "pending") != 0)
		return 0;
	if (cops_live(p, k->now)) {
		v = &k->live;
		n = &k->nlive;
	} else {
		v = &k->dead;
		n = &k->ndead;
	}
	*v = ssmp_xrealloc(*v, (*n + 1) * sizeof(**v));
	(*v)[(*n)++] = *p;
	return 0;
}

/*
 * Room for a new pending request from r's domain: the recipient's
 * expired requests go, and at a bound the oldest request of the domain
 * that has the most goes (cops_victim): new requests are never refused
 * for lack of room, and one domain cannot lock a user out.
 */
static int
make_room(struct areq *r, struct ssmp_err *err)
{
	struct ks_store		*ks = r->d->store;
	struct pend		 k = { (int64_t)time(NULL), NULL, NULL, 0, 0 };
	const struct ks_consent	*e;
	long			 i;
	int			 rc;

	if ((rc = ks_consent_iter(ks, r->a.to_addr.full, pend_step, &k,
	    err)) != 0)
		goto out;
	for (i = 0; i < (long)k.ndead && rc >= 0; i++)
		rc = ks_consent_del(ks, k.dead[i].local, k.dead[i].remote, err);
	if (rc < 0)
		goto out;
	rc = 0;
	i = cops_victim(k.live, k.nlive, r->a.from_addr.domain,
	    r->d->consent->pending_domain, r->d->consent->pending_max);
	if (i >= 0) {
		e = &k.live[i];
		ssmp_log(LOG_INFO, r->reqid, "consent: the pending request of "
		    "%s for %s makes room (oldest of its domain)", e->remote,
		    e->local);
		if ((rc = ks_consent_del(ks, e->local, e->remote, err)) > 0)
			rc = 0;
	}
out:
	free(k.live);
	free(k.dead);
	return rc;
}

/* Does local exist?  1 yes, 0 no (the MTA said 5xx), -1 cannot tell. */
static int
user_exists(struct areq *r)
{
	struct smtpc_reply	 reply;
	struct smtpc_txn	 t;
	struct ssmp_err		 err;
	const char		*rcpt = r->a.to;

	memset(&t, 0, sizeof(t));
	t.from = r->a.from;
	t.nrcpt = 1;
	t.rcpt = &rcpt;
	t.rcpt_reply = &reply;
	if (smtpc_run(r->d->smtp, &t, &err) != 0) {
		ssmp_log(LOG_WARNING, r->reqid, "recipient check: %s",
		    err.msg);
		return -1;
	}
	return reply.code / 100 == 2 ? 1 : reply.code / 100 == 5 ? 0 : -1;
}

/* The record (to, from); type NULL = the request's. */
static int
put_state(struct areq *r, const char *type, const char *state, int64_t ttl,
    struct ssmp_err *err)
{
	struct ks_consent p;

	memset(&p, 0, sizeof(p));
	snprintf(p.local, sizeof(p.local), "%s", r->a.to_addr.full);
	snprintf(p.remote, sizeof(p.remote), "%s", r->a.from_addr.full);
	snprintf(p.type, sizeof(p.type), "%s", type ? type :
	    ssmp_allow_type_name(r->a.type));
	snprintf(p.state, sizeof(p.state), "%s", state);
	p.created = (int64_t)time(NULL);
	p.expires = ttl ? p.created + ttl : 0;
	return ks_consent_put(r->d->store, &p, err);
}

/* A share: shared if local allows remote already, else pending. */
static int
apply_share(struct areq *r, struct ssmp_err *err)
{
	struct ks_store	*ks = r->d->store;
	struct ks_consent p;
	enum ks_tier	 tier;
	int		 rc;

	switch (user_exists(r)) {
	case 0:		/* ssmp.7: reveal nothing, record nothing */
		accept_as(r, SSMP_ALLOW_PENDING, NULL);
		return 0;
	case -1:
		ssmp_status_set(&r->ans.st, SSMP_MTA_TEMP, NULL);
		return 0;
	}
	rc = ks_allow_lookup(ks, r->a.to_addr.full, r->a.from_addr.full,
	    &tier, NULL, err);
	if (rc < 0)
		return rc;
	if (rc == 0 && tier != KS_TIER_BLOCKED) {
		accept_as(r, SSMP_ALLOW_SHARED, NULL);
		return put_state(r, NULL, "shared", 0, err);
	}
	accept_as(r, SSMP_ALLOW_PENDING, NULL);
	if (rc == 0)		/* blocked: the same answer, nothing kept */
		return 0;
	rc = ks_consent_get(ks, r->a.to_addr.full, r->a.from_addr.full, &p,
	    err);
	if (rc < 0)
		return rc;
	if (rc == 0 && strcmp(p.state, "pending") == 0 &&
	    cops_live(&p, (int64_t)time(NULL)))
		return 0;	/* asked before: no second slot */
	if ((rc = make_room(r, err)) != 0)
		return rc;
	return put_state(r, NULL, "pending", COPS_PENDING_TTL, err);
}

static int
apply_signup(struct areq *r, struct ssmp_err *err)
{
	enum ks_tier	tier;
	int		rc;

	if (!is_list(r->d->consent, r->a.to_addr.full)) {
		ssmp_status_set(&r->ans.st, SSMP_NOT_ALLOWED, "not a list "
		    "address");
		return 0;
	}
	rc = ks_allow_lookup(r->d->store, r->a.to_addr.full,
	    r->a.from_addr.full, &tier, NULL, err);
	if (rc < 0)
		return rc;
	if (rc == 0 && tier == KS_TIER_BLOCKED) {
		ssmp_status_set(&r->ans.st, SSMP_NOT_ALLOWED, "subscription "
		    "refused");
		return 0;
	}
	accept_as(r, SSMP_ALLOW_SUBSCRIBED, NULL);
	return put_state(r, NULL, "subscribed", 0, err);
}

/* Shared pairs are marked withdrawn; anything else just goes. */
static int
apply_withdraw(struct areq *r, struct ssmp_err *err)
{
	struct ks_consent p;
	int rc;

	accept_as(r, SSMP_ALLOW_WITHDRAWN, NULL);
	rc = ks_consent_get(r->d->store, r->a.to_addr.full,
	    r->a.from_addr.full, &p, err);
	if (rc != 0)
		return rc < 0 ? rc : 0;
	if (strcmp(p.state, "shared") == 0 || strcmp(p.state, "withdrawn") == 0)
		return put_state(r, p.type, "withdrawn", 0, err);
	rc = ks_consent_del(r->d->store, r->a.to_addr.full,
	    r->a.from_addr.full, err);
	return rc < 0 ? rc : 0;
}

static void
apply_run(void *arg)
{
	struct areq	*r = arg;
	struct ssmp_err	 err;
	int		 rc;

	switch (r->a.type) {
	case SSMP_ALLOW_SHARE:
		rc = apply_share(r, &err);
		break;
	case SSMP_ALLOW_SIGNUP:
		rc = apply_signup(r, &err);
		break;
	default:
		rc = apply_withdraw(r, &err);
		break;
	}
	if (rc != 0) {
		ssmp_log(LOG_ERR, r->reqid, "consent records: %s", err.msg);
		ssmp_status_set(&r->ans.st, SSMP_INTERNAL, "consent records "
		    "unavailable");
	}
}

static void
apply_done(void *arg)
{
	answer(arg);
}

/* --- checks on the loop ------------------------------------------------- */


/* Per remote domain per hour: ratelimit() counts per minute of its clock. */
static bool
domain_limited(struct areq *r)
{
	int wait = ratelimit_take(r->d->consent->rl_domain,
	    r->a.from_addr.domain, ratelimit_now() / 60.0);

	if (wait == 0)
		return false;
	r->d->metrics[M_RATE_LIMITED]++;
	snprintf(r->extra, sizeof(r->extra), "Retry-After: %d\r\n", wait * 60);
	refuse(r, SSMP_RATE_LIMIT, "too many consent requests from this "
	    "domain");
	return true;
}

/* Signature, replay, rate limit; then the records in a worker. */
static void
key_done(enum kf_result kr, const unsigned char *pk, const char *why,
    const struct ks_keycache *fresh, void *arg)
{
	struct areq	*r = arg;
	struct ssmp_err	 err;
	int		 rc;

	if (kr != KF_OK) {
		refuse(r, kr == KF_TEMP ? SSMP_KEY_TEMP : kr == KF_REVOKED ?
		    SSMP_KEY_REVOKED : SSMP_NO_KEY, kr == KF_TEMP ? why : NULL);
		return;
	}
	if (ssmp_allow_verify(&r->a, pk, &err) != 0) {
		refuse(r, SSMP_BAD_SIG, err.msg);
		return;
	}
	if (fresh != NULL)	/* verified: the key may become durable */
		keyfetch_keep(r->d, r->reqid, fresh);
	rc = ks_replay_add(r->d->store, r->a.from_addr.domain, r->a.nonce,
	    r->a.tm.sec + r->d->conf.window, time(NULL), &err);
	if (rc != 0) {
		if (rc < 0)
			ssmp_log(LOG_ERR, r->reqid, "replay cache: %s",
			    err.msg);
		refuse(r, rc == 1 ? SSMP_REPLAY : SSMP_INTERNAL, rc == 1 ?
		    NULL : "replay cache unavailable");
		return;
	}
	if (domain_limited(r))
		return;
	workq_submit(consent_queue(r->d), apply_run, apply_done, r);
}

static void
allow_head(struct conn *c)
{
	if (!client_limited(c))
		http_read_json(c, SSMP_ALLOW_JSON_MAX);
}

static void
allow_body(struct conn *c)
{
	struct evbuffer	*b = http_body(c);
	struct areq	*r = ssmp_xcalloc(1, sizeof(*r));
	struct ssmp_time now;
	struct ssmp_err	 err;
	char		 why[SSMP_REASON_MAX + 1];

	r->c = c;
	r->d = http_daemon(c);
	snprintf(r->reqid, sizeof(r->reqid), "%s", http_reqid(c));
	http_set_state(c, r);
	if (ssmp_allow_decode((const char *)evbuffer_pullup(b, -1),
	    evbuffer_get_length(b), &r->a, &err) != 0) {
		refuse(r, ssmp_err_is_version(&err) ? SSMP_BAD_VERSION :
		    SSMP_BAD_SYNTAX, err.msg);
		return;
	}
	ssmp_time_now(&now);
	if (ssmp_time_check_window(&r->a.tm, &now, (int)r->d->conf.window,
	    &err) != 0) {
		refuse(r, SSMP_BAD_TIME, err.msg);
		return;
	}
	if (!keys_serves(r->d->keys, r->a.to_addr.domain)) {
		snprintf(why, sizeof(why), "domain %.150s not served here",
		    r->a.to_addr.domain);
		refuse(r, SSMP_WRONG_DOMAIN, why);
		return;
	}
	keyfetch_start(r->d, r->reqid, r->a.from_addr.domain, r->a.selector,
	    key_done, r);
}

static void
allow_cleanup(struct conn *c)
{
	free(http_state(c));
}

const struct route route_allow = {
	"POST", SSMP_PATH_PREFIX "allow", allow_head, allow_body, allow_cleanup,
	"application/json", false
};
