/*
 * envelope_check.c - the envelope checks of ssmp.7 (see envelope_check.h).
 *
 * Steps (1)-(3) run at once on the loop.  Step (4) starts the key fetch
 * (DNS on the loop, keyfetch.h) and the allow-list lookups together (the
 * lookups in workers of their own, because a reader may wait on LMDB's
 * reader table; never behind DNS); when both have answered,
 * the signature (5) and the nonce (6) are checked in a store worker, so
 * that verifications use every core while the loop serves connections,
 * then (7) runs on the loop, and the recipients still accepted are
 * probed at the local MTA in a worker.  Nothing touches the MTA for an
 * envelope whose signature did not verify.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>

#include "envelope_check.h"
#include "keyfetch.h"
#include "keys.h"
#include "ratelimit.h"
#include "rcptcache.h"
#include "smtpc.h"
#include "ssmp_buf.h"
#include "ssmp_json.h"
#include "ssmp_log.h"
#include "ssmpd.h"
#include "store.h"
#include "workq.h"

#define TIER_NONE	0	/* no allow-list entry */

struct probe {
	struct echeck		*ec;
	int			 n;
	int			 idx[SSMP_MAX_RCPT];
	const char		*rcpt[SSMP_MAX_RCPT];
	struct smtpc_reply	 reply[SSMP_MAX_RCPT];
	int			 rc;
	char			 err[256];
};

static void step_verify(struct echeck *ec);


/* Finish with a whole-envelope status. */
static void
finish(struct echeck *ec, enum ssmp_outcome o, const char *reason)
{
	ssmp_status_set(&ec->resp.st, o, reason);
	ec->resp.nrcpt = 0;
	ssmp_log(LOG_INFO, ec->reqid, "envelope from=<%s> client=%s: %s %s %s",
	    ec->env.from, ec->peer, ssmp_verdict_name(ec->resp.st.verdict),
	    ec->resp.st.code, ec->resp.st.reason);
	ec->cb(ec, ec->arg);
}

struct echeck *
echeck_new(struct ssmpd *d, const char *reqid, const char *peer,
    echeck_cb cb, void *arg)
{
	struct echeck *ec = ssmp_xcalloc(1, sizeof(*ec));

	ec->d = d;
	snprintf(ec->reqid, sizeof(ec->reqid), "%s", reqid);
	snprintf(ec->peer, sizeof(ec->peer), "%s", peer);
	ec->cb = cb;
	ec->arg = arg;
	return ec;
}

void
echeck_free(struct echeck *ec)
{
	free(ec);
}

/* Worker: every recipient's allow-list entry for the sender. */
static void
allow_run(void *arg)
{
	struct echeck *ec = arg;
	struct ssmp_err err;
	enum ks_tier tier;

	for (int i = 0; i < ec->env.nto; i++) {
		ec->allow_rc[i] = ks_allow_lookup(ec->d->store,
		    ec->env.to_addr[i].full, ec->env.from_addr.full, &tier,
		    NULL, &err);
		ec->tier[i] = ec->allow_rc[i] == 0 ? (int)tier : TIER_NONE;
		if (ec->allow_rc[i] < 0)
			snprintf(ec->allow_err, sizeof(ec->allow_err), "%s",
			    err.msg);
	}
}

static void
part_done(struct echeck *ec)
{
	if (--ec->waiting == 0)
		step_verify(ec);
}

static void
allow_done(void *arg)
{
	part_done(arg);
}

static void
key_done(enum kf_result r, const unsigned char *pk, const char *why,
    const struct ks_keycache *fresh, void *arg)
{
	struct echeck *ec = arg;

	ec->key_rc = (int)r;
	if (r == KF_OK)
		memcpy(ec->pk, pk, SSMP_PUBKEY_BYTES);
	if (fresh != NULL) {
		ec->key_fresh = true;
		ec->key_kc = *fresh;
	}
	snprintf(ec->key_why, sizeof(ec->key_why), "%s", why ? why : "");
	part_done(ec);
}

void
echeck_run(struct echeck *ec, const char *json, size_t len)
{
	struct ssmpd *d = ec->d;
	struct ssmp_err err;
	struct ssmp_time now;

	/* (1) syntax, version */
	if (ssmp_envelope_decode(json, len, &ec->env, &err) != 0) {
		finish(ec, ssmp_err_is_version(&err) ? SSMP_BAD_VERSION :
		    SSMP_BAD_SYNTAX, err.msg);
		return;
	}
	/* from here on the log lines carry the envelope's nonce */
	snprintf(ec->reqid, sizeof(ec->reqid), "%s", ec->env.nonce);
	/* (2) time window: before any lookup */
	ssmp_time_now(&now);
	if (ssmp_time_check_window(&ec->env.tm, &now, (int)d->conf.window,
	    &err) != 0) {
		finish(ec, SSMP_BAD_TIME, err.msg);
		return;
	}
	/* (3) recipient domain served here */
	if (!keys_serves(d->keys, ec->env.to_addr[0].domain)) {
		char why[SSMP_REASON_MAX + 1];

		snprintf(why, sizeof(why), "domain %.150s not served here",
		    ec->env.to_addr[0].domain);
		finish(ec, SSMP_WRONG_DOMAIN, why);
		return;
	}
	/* (4) allow-list lookups and the key fetch, concurrently */
	ec->waiting = 2;
	workq_submit(d->allowq, allow_run, allow_done, ec);
	keyfetch_start(d, ec->reqid, ec->env.from_addr.domain,
	    ec->env.selector, key_done, ec);
}

static void
rcpt_set(struct echeck *ec, int i, enum ssmp_outcome o, const char *reason)
{
	memcpy(ec->resp.rcpt[i].to, ec->env.to[i], sizeof(ec->env.to[i]));
	ssmp_status_set(&ec->resp.rcpt[i].st, o, reason);
}

/* Top-level status: accept if one recipient is, else the worst. */
static void
summarise(struct echeck *ec)
{
	int acc = 0, temp = -1, rej = -1;

	for (int i = 0; i < ec->resp.nrcpt; i++) {
		enum ssmp_verdict v = ec->resp.rcpt[i].st.verdict;

		if (v == SSMP_ACCEPT)
			acc++;
		else if (v == SSMP_TEMPFAIL && temp < 0)
			temp = i;
		else if (v == SSMP_REJECT && rej < 0)
			rej = i;
	}
	if (acc > 0) {
		ssmp_status_set(&ec->resp.st, SSMP_OK, NULL);
		return;
	}
	ec->resp.st = ec->resp.rcpt[temp >= 0 ? temp : rej].st;
	ec->resp.st.http = 200;
}

/*
 * The accepted recipients become a pending envelope.  A nonce pending
 * for another envelope (another sender domain: the replay cache has
 * caught the same one) is refused, never put in its place.
 */
static void
remember(struct echeck *ec)
{
	const char *to[SSMP_MAX_RCPT], *canon[SSMP_MAX_RCPT];
	enum trust tier[SSMP_MAX_RCPT];
	struct pending_init in = { 0 };
	struct pending *p;
	size_t evicted;

	for (int i = 0; i < ec->resp.nrcpt; i++) {
		if (ec->resp.rcpt[i].st.verdict != SSMP_ACCEPT)
			continue;
		to[in.nto] = ec->env.to[i];
		canon[in.nto] = ec->env.to_addr[i].full;
		tier[in.nto++] = ec->tier[i] == KS_TIER_TRUSTED ?
		    TRUST_TRUSTED : ec->tier[i] == KS_TIER_KNOWN ? TRUST_KNOWN :
		    TRUST_UNKNOWN;
	}
	in.nonce = ec->env.nonce;
	in.from = ec->env.from;
	in.from_canon = ec->env.from_addr.full;
	in.selector = ec->env.selector;
	in.domain = ec->env.to_addr[0].domain;
	in.pk = ec->pk;
	in.to = to;
	in.to_canon = canon;
	in.tier = tier;
	in.expires = time(NULL) + SSMP_ENVELOPE_TTL;
	p = pending_make(&in);
	switch (pending_add(ec->d->pending, p, time(NULL), &evicted)) {
	case PENDING_OK:
		ec->accepted = p;
		ec->d->metrics[M_PENDING_EVICTED] += evicted;
		if (evicted > 0)
			ssmp_log(LOG_WARNING, ec->reqid, "pending envelopes at "
			    "their limit: %zu oldest evicted", evicted);
		return;
	case PENDING_DUPLICATE:
		pending_discard(p);
		ssmp_status_set(&ec->resp.st, SSMP_REPLAY, "nonce already in "
		    "use by a pending envelope");
		break;
	default:
		pending_discard(p);
		ssmp_status_set(&ec->resp.st, SSMP_RATE_LIMIT, "too many "
		    "envelopes in progress");
		snprintf(ec->extra, sizeof(ec->extra), "Retry-After: 5\r\n");
		break;
	}
	ec->resp.nrcpt = 0;
	ssmp_log(LOG_INFO, ec->reqid, "envelope from=<%s> nonce=%s client=%s: "
	    "%s %s %s", ec->env.from, ec->env.nonce, ec->peer,
	    ssmp_verdict_name(ec->resp.st.verdict), ec->resp.st.code,
	    ec->resp.st.reason);
}

static void
log_verdicts(struct echeck *ec)
{
	for (int i = 0; i < ec->resp.nrcpt; i++)
		ssmp_log(LOG_INFO, ec->reqid, "envelope from=<%s> to=<%s> "
		    "client=%s: %s %s %s", ec->env.from, ec->env.to[i],
		    ec->peer, ssmp_verdict_name(ec->resp.rcpt[i].st.verdict),
		    ec->resp.rcpt[i].st.code, ec->resp.rcpt[i].st.reason);
}

/* Worker: RCPT probe at the local MTA. */
static void
probe_run(void *arg)
{
	struct probe *pr = arg;
	struct smtpc_txn t;
	struct ssmp_err err;

	memset(&t, 0, sizeof(t));
	t.id = pr->ec->reqid;
	t.from = pr->ec->env.from;
	t.nrcpt = pr->n;
	t.rcpt = pr->rcpt;
	t.rcpt_reply = pr->reply;
	if ((pr->rc = smtpc_run(pr->ec->d->smtp, &t, &err)) != 0)
		snprintf(pr->err, sizeof(pr->err), "%s", err.msg);
}

static void
mta_verdict(struct echeck *ec, int i, const struct smtpc_reply *r)
{
	char why[SSMP_REASON_MAX + 1];
	struct ssmp_err err;
	int cls = r->code / 100;

	if (cls == 2) {
		rcpt_set(ec, i, SSMP_RCPT_OK, NULL);
		return;
	}
	snprintf(why, sizeof(why), "local MTA: %d %.180s", r->code, r->text);
	if (cls == 5 && r->code == 550)
		rcpt_set(ec, i, SSMP_NO_USER, why);
	else
		rcpt_set(ec, i, cls == 5 ? SSMP_MTA_PERM : SSMP_MTA_TEMP, why);
	if (r->enh[0] == (char)('0' + cls))
		(void)ssmp_status_set_code(&ec->resp.rcpt[i].st, r->enh, &err);
	ec->resp.rcpt[i].st.http = 200;
}

static void
probe_done(void *arg)
{
	struct probe *pr = arg;
	struct echeck *ec = pr->ec;

	for (int k = 0; k < pr->n; k++) {
		int i = pr->idx[k];

		if (pr->rc != 0) {
			rcpt_set(ec, i, SSMP_MTA_TEMP, "local MTA unavailable");
			ec->resp.rcpt[i].st.http = 200;
		} else {
			mta_verdict(ec, i, &pr->reply[k]);
			if (pr->reply[k].code / 100 == 2)
				rcptcache_put(ec->d->rcache,
				    ec->env.to_addr[i].full, time(NULL));
		}
	}
	if (pr->rc != 0)
		ssmp_log(LOG_WARNING, ec->reqid, "recipient check: %s",
		    pr->err);
	free(pr);
	summarise(ec);
	log_verdicts(ec);
	if (ec->resp.st.verdict == SSMP_ACCEPT)
		remember(ec);
	ec->cb(ec, ec->arg);
}

/*
 * ssmpd never hands the MTA an address it could route off-host.  The
 * address syntax of ssmp.7 already refuses quoted local parts, address
 * literals and source routes ("@a,@b:u@c"); what is left that MTAs read
 * as a route is in the local part: the percent hack ("u%other@here",
 * Postfix allow_percent_hack, Sendmail, Exim percent_hack_domains) and
 * the UUCP bang path ("other!u@here", Postfix swap_bangpath).  The
 * reason for a recipient that is one, or NULL.
 */
static const char *
routes_elsewhere(const struct ssmp_addr *a)
{
	if (strchr(a->local, '%') != NULL)
		return "address routes elsewhere ('%' in the local part: "
		    "percent hack); not accepted";
	if (strchr(a->local, '!') != NULL)
		return "address routes elsewhere ('!' in the local part: "
		    "bang path); not accepted";
	return NULL;
}

/* A recipient refused for its address: 5.1.3, before anything else. */
static bool
refuse_route(struct echeck *ec, int i)
{
	const char *why = routes_elsewhere(&ec->env.to_addr[i]);
	struct ssmp_err err;

	if (why == NULL)
		return false;
	rcpt_set(ec, i, SSMP_NO_USER, why);
	(void)ssmp_status_set_code(&ec->resp.rcpt[i].st, "5.1.3", &err);
	return true;
}

/* (7) allow-list policy, then the MTA for those still accepted. */
static void
step_policy(struct echeck *ec)
{
	struct probe *pr = ssmp_xcalloc(1, sizeof(*pr));
	time_t now = time(NULL);

	pr->ec = ec;
	ec->resp.nrcpt = ec->env.nto;
	for (int i = 0; i < ec->env.nto; i++) {
		if (refuse_route(ec, i)) {
			ec->resp.rcpt[i].st.http = 200;
			continue;
		}
		if (ec->allow_rc[i] < 0)
			rcpt_set(ec, i, SSMP_INTERNAL, "allow-list unreadable");
		else if (ec->tier[i] == KS_TIER_BLOCKED)
			rcpt_set(ec, i, SSMP_BLOCKED, NULL);
		else if (ec->tier[i] == TIER_NONE && !ec->d->conf.unknown_tag)
			rcpt_set(ec, i, SSMP_NOT_ALLOWED, NULL);
		else if (rcptcache_hit(ec->d->rcache, ec->env.to_addr[i].full,
		    now))
			rcpt_set(ec, i, SSMP_RCPT_OK, NULL);
		else {
			pr->idx[pr->n] = i;
			pr->rcpt[pr->n++] = ec->env.to[i];
			continue;
		}
		ec->resp.rcpt[i].st.http = 200;
	}
	if (pr->n == 0) {
		pr->rc = 0;
		probe_done(pr);
		return;
	}
	workq_submit(ec->d->mtaq, probe_run, probe_done, pr);
}

/*
 * Worker: (5) the signature, then (6) record the nonce; replay_rc 1 =
 * seen before.  Only an envelope that verified may use up its nonce.
 */
static void
verify_run(void *arg)
{
	struct echeck *ec = arg;
	struct ssmp_err err = { "" };

	if (ssmp_envelope_verify(&ec->env, ec->pk, &err) != 0) {
		ec->sig_bad = true;
		snprintf(ec->verify_err, sizeof(ec->verify_err), "%s",
		    err.msg);
		return;
	}
	/* only now may the sender's key become durable state */
	if (ec->key_fresh)
		keyfetch_keep(ec->d, ec->reqid, &ec->key_kc);
	ec->replay_rc = ks_replay_add(ec->d->store, ec->env.from_addr.domain,
	    ec->env.nonce, ec->env.tm.sec + ec->d->conf.window, time(NULL),
	    &err);
	snprintf(ec->verify_err, sizeof(ec->verify_err), "%s", err.msg);
}

static void
verify_done(void *arg)
{
	struct echeck *ec = arg;
	int wait;

	if (ec->sig_bad) {
		finish(ec, SSMP_BAD_SIG, ec->verify_err);
		return;
	}
	if (ec->replay_rc == 1) {
		finish(ec, SSMP_REPLAY, NULL);
		return;
	}
	if (ec->replay_rc != 0) {
		ssmp_log(LOG_ERR, ec->reqid, "replay cache: %s",
		    ec->verify_err);
		finish(ec, SSMP_INTERNAL, "replay cache unavailable");
		return;
	}
	/* Only a request the domain signed spends its budget (ssmp.7 ENV-7:
	 * a forger must not be able to silence another domain). */
	if ((wait = ratelimit_take(ec->d->rl_domain,
	    ec->env.from_addr.domain, ratelimit_now())) > 0) {
		ec->d->metrics[M_RATE_LIMITED]++;
		snprintf(ec->extra, sizeof(ec->extra), "Retry-After: %d\r\n",
		    wait);
		finish(ec, SSMP_RATE_LIMIT, "too many requests from this "
		    "sender domain");
		return;
	}
	step_policy(ec);
}

/* The key's verdict; then (5) and (6) in a worker. */
static void
step_verify(struct echeck *ec)
{
	if (ec->allow_err[0] != '\0')
		ssmp_log(LOG_ERR, ec->reqid, "allow-list: %s", ec->allow_err);
	switch (ec->key_rc) {
	case KF_TEMP:
		finish(ec, SSMP_KEY_TEMP, ec->key_why);
		return;
	case KF_NOKEY:
		finish(ec, SSMP_NO_KEY, ec->key_why[0] ? ec->key_why : NULL);
		return;
	case KF_REVOKED:
		finish(ec, SSMP_KEY_REVOKED, NULL);
		return;
	}
	/* CPU and a synced write: off the loop, group-committed */
	workq_submit(ec->d->storeq, verify_run, verify_done, ec);
}
