/*
 * report_recv.c - the report endpoint (see report_recv.h).
 *
 * On the loop: the per-client rate limit and the size bound before the
 * body is read (SSMP_REPORT_MAX); then the signature field's syntax, the
 * report's (every member, no local part), d= equal to its
 * reporting-domain, its policy-domain served here; the reporter's key
 * (keyfetch, as for envelopes) and the signature over the exact
 * octets; the per-reporting-domain rate limit (only once the signature
 * verified, so no one spends another domain's budget).  In a store
 * worker: the inbox write, whose bounds (per reporting domain, in all,
 * expiry) hold however many domains publish keys.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>

#include <event2/buffer.h>

#include "keyfetch.h"
#include "keys.h"
#include "ratelimit.h"
#include "routes.h"
#include "report_recv.h"
#include "ssmp_log.h"
#include "ssmp_report.h"
#include "ssmpd.h"
#include "store.h"
#include "workq.h"

struct rreq {
	struct conn		*c;
	struct ssmpd		*d;
	char			 reqid[24];
	struct ssmp_rsig	 sig;
	char			 id[SSMP_REPORT_ID_MAX + 1];
	char			 domain[SSMP_DOMAIN_MAX + 1];
	int64_t			 start, end;
	char			*json;		/* the octets as received */
	size_t			 len;
	bool			 have_fresh;
	struct ks_keycache	 fresh;
	/* the worker's outcome */
	enum ssmp_outcome	 out;
	char			 why[SSMP_REASON_MAX + 1];
};

static void
finish(struct rreq *r, enum ssmp_outcome o, const char *reason)
{
	struct ssmp_status st;

	ssmp_status_set(&st, o, reason);
	ssmp_log(o == SSMP_OK ? LOG_INFO : LOG_NOTICE, r->reqid, "report %s "
	    "from %s: %s %s %s", r->id[0] ? r->id : "-", r->sig.domain[0] ?
	    r->sig.domain : "-", ssmp_verdict_name(st.verdict), st.code,
	    st.reason);
	http_respond_status(r->c, o, reason, NULL);
}

/* --- the worker ----------------------------------------------------------- */

static void
store_run(void *arg)
{
	struct rreq	*r = arg;
	struct ks_inbox	 in;
	struct ssmp_err	 err;
	int		 rc;

	if (r->have_fresh)	/* verified: the key may become durable */
		keyfetch_keep(r->d, r->reqid, &r->fresh);
	memset(&in, 0, sizeof(in));
	(void)snprintf(in.reporter, sizeof(in.reporter), "%s", r->sig.domain);
	(void)snprintf(in.id, sizeof(in.id), "%s", r->id);
	(void)snprintf(in.selector, sizeof(in.selector), "%s",
	    r->sig.selector);
	in.received = (int64_t)time(NULL);
	in.start = r->start;
	in.end = r->end;
	in.json = r->json;
	in.len = r->len;
	rc = ks_inbox_put(r->d->store, &in, &err);
	r->out = SSMP_OK;
	if (rc == 0)
		(void)snprintf(r->why, sizeof(r->why), "report stored");
	else if (rc == 1)
		(void)snprintf(r->why, sizeof(r->why), "report %s stored "
		    "before", r->id);
	else if (rc == KS_FULL) {
		r->out = SSMP_RATE_LIMIT;
		(void)snprintf(r->why, sizeof(r->why), "%.*s",
		    (int)sizeof(r->why) - 1, err.msg);
	} else {
		ssmp_log(LOG_ERR, r->reqid, "report inbox: %s", err.msg);
		r->out = SSMP_INTERNAL;
		(void)snprintf(r->why, sizeof(r->why), "report inbox "
		    "unavailable");
	}
}

static void
store_done(void *arg)
{
	struct rreq *r = arg;

	finish(r, r->out, r->why);
}

/* --- on the loop ---------------------------------------------------------- */


static void
key_done(enum kf_result kr, const unsigned char *pk, const char *why,
    const struct ks_keycache *fresh, void *arg)
{
	struct rreq	*r = arg;
	struct ssmp_err	 err;
	int		 wait;

	if (kr != KF_OK) {
		finish(r, kr == KF_TEMP ? SSMP_KEY_TEMP : kr == KF_REVOKED ?
		    SSMP_KEY_REVOKED : SSMP_NO_KEY, kr == KF_TEMP ? why :
		    NULL);
		return;
	}
	if (ssmp_rsig_verify(&r->sig, r->json, r->len, pk, &err) != 0) {
		finish(r, SSMP_BAD_SIG, err.msg);
		return;
	}
	/* reports per reporting domain per hour (fed minutes) */
	wait = ratelimit_take(r->d->rl_report, r->sig.domain,
	    ratelimit_now() / 60.0);
	if (wait != 0) {
		r->d->metrics[M_RATE_LIMITED]++;
		finish(r, SSMP_RATE_LIMIT, "too many reports from this "
		    "domain");
		return;
	}
	if (fresh != NULL) {
		r->have_fresh = true;
		r->fresh = *fresh;
	}
	workq_submit(r->d->storeq, store_run, store_done, r);
}

static void
report_head(struct conn *c)
{
	if (!client_limited(c))
		http_read_json(c, SSMP_REPORT_MAX);
}

/* The checks that need no key; 0 or the answer given. */
static int
check(struct rreq *r, const char *field)
{
	struct ssmp_report	*rep;
	struct ssmp_err		 err;
	char			 why[SSMP_REASON_MAX + 1];
	int			 rc = -1;

	if (field == NULL) {
		finish(r, SSMP_BAD_SIG, "unsigned report: no "
		    SSMP_REPORT_HEADER);
		return -1;
	}
	if (ssmp_rsig_parse(field, &r->sig, &err) != 0) {
		finish(r, SSMP_BAD_SIG, err.msg);
		return -1;
	}
	rep = ssmp_xcalloc(1, sizeof(*rep));
	if (ssmp_report_decode(r->json, r->len, rep, &err) != 0)
		finish(r, SSMP_BAD_SYNTAX, err.msg);
	else if (strcasecmp(rep->reporter, r->sig.domain) != 0)
		finish(r, SSMP_BAD_SIG, "report: reporting-domain is not the "
		    "signature's d=");
	else if (!keys_serves(r->d->keys, rep->domain)) {
		(void)snprintf(why, sizeof(why), "domain %.150s not served "
		    "here", rep->domain);
		finish(r, SSMP_WRONG_DOMAIN, why);
	} else {
		(void)snprintf(r->id, sizeof(r->id), "%s", rep->id);
		(void)snprintf(r->domain, sizeof(r->domain), "%s",
		    rep->domain);
		r->start = rep->start;
		r->end = rep->end;
		rc = 0;
	}
	free(rep);
	return rc;
}

static void
report_body(struct conn *c)
{
	struct evbuffer	*b = http_body(c);
	struct rreq	*r = ssmp_xcalloc(1, sizeof(*r));

	r->c = c;
	r->d = http_daemon(c);
	snprintf(r->reqid, sizeof(r->reqid), "%s", http_reqid(c));
	http_set_state(c, r);
	r->len = evbuffer_get_length(b);
	r->json = ssmp_xmalloc(r->len + 1);
	evbuffer_copyout(b, r->json, r->len);
	r->json[r->len] = '\0';
	if (check(r, http_header_get(http_head(c), "ssmp-report-signature"))
	    != 0)
		return;
	keyfetch_start(r->d, r->reqid, r->sig.domain, r->sig.selector,
	    key_done, r);
}

static void
report_cleanup(struct conn *c)
{
	struct rreq *r = http_state(c);

	if (r != NULL)
		free(r->json);
	free(r);
}

const struct route route_report = {
	"POST", SSMP_PATH_PREFIX "report", report_head, report_body,
	report_cleanup, SSMP_REPORT_CTYPE, false
};
