/*
 * pipeline.c - the outbound pipeline (see pipeline.h).
 *
 * Each step ends a recipient's part in it with settle(): one call of
 * decide() and one log text, whatever the front end.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ssmp_buf.h"
#include "ssmp_log.h"
#include "store.h"
#include "parse.h"
#include "send_core.h"
#include "keytable.h"
#include "pipeline.h"
#include "tally.h"

enum pl_step { STEP_ADDRESS, STEP_DISCOVER, STEP_KEY, STEP_ENVELOPE,
    STEP_MESSAGE };

static enum pl_route
route_of(enum decision d)
{
	static const enum pl_route routes[] = { PL_SSMP, PL_SMTP, PL_REJECT,
	    PL_TEMP };

	return routes[d];
}

/* What the log says happened, by step and decision. */
static const char *
what(const struct pl_rcpt *r, enum pl_step step, enum decision d)
{
	switch (d) {
	case DEC_SSMP:
		if (step != STEP_MESSAGE)
			return "envelope accepted";
		return r->dup_receipt ? "upgraded (duplicate, original "
		    "receipt)" : "upgraded";
	case DEC_FALLBACK:
		if (step == STEP_KEY)
			return "not SSMP now, receipt key unusable";
		if (step == STEP_ENVELOPE)
			return r->ev == DC_PERM ? "fell back, envelope "
			    "rejected" : "fell back, envelope failed";
		if (r->ev == DC_NO_UPGRADE)
			return "not upgraded";
		return step == STEP_MESSAGE ? "fell back, message phase" :
		    "not SSMP";
	case DEC_REJECT:
		if (r->ev == DC_NOT_SSMP && r->valid)
			return "not SSMP";
		return step == STEP_MESSAGE ? "rejected, message phase" :
		    "rejected";
	default:
		if (r->ev == DC_KEY_UNUSABLE)
			return "tempfailed, receipt key unusable";
		if (r->ev == DC_MAYBE)
			return "tempfailed, receipt unverified";
		return step == STEP_MESSAGE ? "tempfailed, message phase" :
		    "tempfailed";
	}
}

/* r's outcome of this step: decide() and the log text. */
static void
settle(const struct pl_msg *m, struct pl_rcpt *r, enum dc_event ev,
    enum pl_step step, const struct ssmp_status *st)
{
	enum decision d = decide(r->mode, ev, st->code, m->can_fallback);

	r->ev = ev;
	r->st = *st;
	r->route = d == DEC_SSMP && step == STEP_MESSAGE ? PL_DONE :
	    route_of(d);
	(void)snprintf(r->why, sizeof(r->why), "%s (%s %s)", what(r, step, d),
	    st->code, st->reason);
}

static void
status(struct ssmp_status *st, enum ssmp_verdict v, const char *code,
    const char *reason)
{
	memset(st, 0, sizeof(*st));
	st->verdict = v;
	(void)snprintf(st->code, sizeof(st->code), "%s", code);
	(void)snprintf(st->reason, sizeof(st->reason), "%.*s",
	    (int)sizeof(st->reason) - 1, reason);
}

static bool
ready(const struct pl_rcpt *r, enum pl_route route)
{
	return r->route == route && r->dup_of == NULL;
}

/* --- recipients ----------------------------------------------------------- */

void
pl_reset(struct pl_msg *m)
{
	size_t i;

	for (i = 0; i < m->nr; i++) {
		free(m->r[i]->arg);
		free(m->r[i]);
	}
	for (i = 0; i < m->nb; i++) {
		dl_batch_clear(m->b[i]);
		free(m->b[i]);
	}
	free(m->r);
	free(m->b);
	m->r = NULL;
	m->b = NULL;
	m->nr = m->nb = 0;
	m->size = 0;
}

struct pl_rcpt *
pl_rcpt_add(struct pl_msg *m, const char *arg)
{
	struct pl_rcpt		*r = ssmp_xcalloc(1, sizeof(*r));
	struct ssmp_status	 st;
	struct ssmp_err		 err;
	size_t			 i;

	m->r = ssmp_xrealloc(m->r, sizeof(*m->r) * (m->nr + 1));
	m->r[m->nr++] = r;
	r->arg = ssmp_xstrdup(arg);
	if (mp_address(arg, &r->addr, &err) != 0) {
		(void)snprintf(r->addr.full, sizeof(r->addr.full), "%.200s",
		    arg);
		status(&st, SSMP_REJECT, "5.1.3", err.msg);
		settle(m, r, DC_NOT_SSMP, STEP_ADDRESS, &st);
		return r;
	}
	r->valid = true;
	for (i = 0; i + 1 < m->nr && r->dup_of == NULL; i++)
		if (m->r[i]->valid &&
		    strcmp(m->r[i]->addr.full, r->addr.full) == 0)
			r->dup_of = m->r[i];
	return r;
}

void
pl_rcpt_drop_last(struct pl_msg *m)
{
	if (m->nr == 0)
		return;
	m->nr--;
	free(m->r[m->nr]->arg);
	free(m->r[m->nr]);
}

void
pl_dups(struct pl_msg *m)
{
	struct pl_rcpt	*r;
	size_t		 i;

	for (i = 0; i < m->nr; i++) {
		r = m->r[i];
		if (r->dup_of == NULL)
			continue;
		r->route = r->dup_of->route;
		r->ev = r->dup_of->ev;
		r->earlier = r->dup_of->earlier;
		r->dup_receipt = r->dup_of->dup_receipt;
		r->st = r->dup_of->st;
		memcpy(r->why, r->dup_of->why, sizeof(r->why));
	}
}

/* --- delivered-log ------------------------------------------------------ */

void
pl_skip_delivered(struct pl_msg *m, const char *msgid)
{
	struct pl_rcpt	*r;
	size_t		 i;

	for (i = 0; i < m->nr; i++) {
		r = m->r[i];
		if (!ready(r, PL_PENDING) && !ready(r, PL_SSMP))
			continue;
		if (!sc_delivered_before(m->ks, m->from, msgid, r->addr.full))
			continue;
		r->route = PL_DONE;
		r->earlier = true;
		status(&r->st, SSMP_ACCEPT, "2.0.0", "receipt on file");
		(void)snprintf(r->why, sizeof(r->why), "upgraded earlier, "
		    "receipt on file");
	}
}

/* One transaction for the deliveries of this message. */
static void
record(const struct pl_msg *m, const struct dl_body *body)
{
	struct ks_delivered	*d;
	const struct pl_rcpt	*r;
	size_t			 i, n = 0;

	if (m->ks == NULL)
		return;
	d = ssmp_xcalloc(m->nr + 1, sizeof(*d));
	for (i = 0; i < m->nr; i++) {
		r = m->r[i];
		if (ready(r, PL_DONE) && !r->earlier && r->batch != NULL)
			sc_delivery_fill(&d[n++], m->from, body->msgid,
			    r->addr.full, r->st.reason,
			    r->batch->receipt_json);
	}
	sc_record_deliveries(m->ks, d, n, m->id);
	free(d);
}

/* --- discovery ------------------------------------------------------------ */

/* One domain's answers: its policy, then its receipt key. */
struct disc {
	const char		*domain;
	struct dl_disc_result	 dr;
	int			 krc;	/* sc_receipt_key() */
	struct ssmp_status	 kst;
};

static bool
undiscovered(const struct pl_rcpt *r)
{
	return ready(r, PL_PENDING) && !r->discovered;
}

/* The distinct domains of the recipients to look up; their number. */
static size_t
domains(const struct pl_msg *m, struct disc *d)
{
	size_t i, k, n = 0;

	for (i = 0; i < m->nr; i++) {
		if (!undiscovered(m->r[i]))
			continue;
		for (k = 0; k < n; k++)
			if (strcmp(d[k].domain, m->r[i]->addr.domain) == 0)
				break;
		if (k == n)
			d[n++].domain = m->r[i]->addr.domain;
	}
	return n;
}

static void
lookup(const struct pl_msg *m, struct disc *d, size_t n)
{
	const char		**dom = ssmp_xcalloc(n + 1, sizeof(*dom));
	struct dl_disc_result	 *dr = ssmp_xcalloc(n + 1, sizeof(*dr));
	size_t			  i;

	for (i = 0; i < n; i++)
		dom[i] = d[i].domain;
	dl_discover_many(m->dl, dom, n, dr);
	for (i = 0; i < n; i++) {
		d[i].dr = dr[i];
		if (dr[i].state == DL_SSMP)
			d[i].krc = sc_receipt_key(m->dl, d[i].domain,
			    &dr[i].pol, &d[i].kst);
	}
	free(dr);
	free(dom);
}

static void
discovered(const struct pl_msg *m, struct pl_rcpt *r, const struct disc *d,
    bool final)
{
	struct ssmp_status	st;
	char			why[SSMP_REASON_MAX + 1];
	enum dc_event		ev;
	enum pl_step		step = STEP_DISCOVER;

	switch (d->dr.state) {
	case DL_NOT_SSMP:
		(void)snprintf(why, sizeof(why), "%.80s does not publish "
		    "SSMP%s%.80s", r->addr.domain, d->dr.why.msg[0] ? ": " :
		    "", d->dr.why.msg);
		status(&st, SSMP_REJECT, "5.1.2", why);
		ev = DC_NOT_SSMP;
		break;
	case DL_DISC_TEMP:
	case DL_DISC_FALLBACK:
		(void)snprintf(why, sizeof(why), "DNS lookup of _ssmp.%.60s "
		    "failed: %.*s", r->addr.domain, (int)sizeof(why) - 100,
		    d->dr.why.msg);
		status(&st, SSMP_TEMPFAIL, "4.4.3", why);
		st.rtype = d->dr.bogus ? SSMP_RT_DNSSEC_BOGUS :
		    SSMP_RT_DNS_TEMP;
		ev = d->dr.state == DL_DISC_TEMP ? DC_DISC_TEMP : DC_NO_UPGRADE;
		if (d->dr.remembered) {
			r->mode = d->dr.pol.mode;
			r->pol = d->dr.pol;	/* for its report */
		}
		break;
	default:
		r->pol = d->dr.pol;
		r->mode = d->dr.pol.mode;
		if (d->krc == 0) {
			r->discovered = true;	/* SSMP: the envelope next */
			return;
		}
		st = d->kst;
		st.rtype = SSMP_RT_RECEIPT_KEY;
		ev = d->krc < 0 ? DC_KEY_TEMP : DC_KEY_UNUSABLE;
		step = STEP_KEY;
		break;
	}
	if (!final && decide(r->mode, ev, st.code, m->can_fallback) ==
	    DEC_TEMPFAIL)
		return;		/* asked again by a later call */
	r->discovered = true;
	settle(m, r, ev, step, &st);
}

/*
 * Mail to a domain this gateway serves stays with the MTA: upgraded,
 * it would come back through ssmpd to the same MTA and its milter, and
 * be "in progress" for ever (issue 16.3).
 */
static void
own_domains(struct pl_msg *m)
{
	struct ssmp_status	 st;
	struct pl_rcpt		*r;
	char			 why[SSMP_REASON_MAX + 1];
	size_t			 i;

	for (i = 0; m->ours != NULL && i < m->nr; i++) {
		r = m->r[i];
		if (!undiscovered(r) || ks_keytable_signing(m->ours,
		    r->addr.domain) == NULL)
			continue;
		(void)snprintf(why, sizeof(why), "%.100s is served by this "
		    "gateway: not upgraded to itself", r->addr.domain);
		status(&st, SSMP_TEMPFAIL, "4.3.5", why);
		r->discovered = true;
		settle(m, r, DC_NO_UPGRADE, STEP_DISCOVER, &st);
	}
}

void
pl_discover(struct pl_msg *m, bool final)
{
	struct disc	*d = ssmp_xcalloc(m->nr + 1, sizeof(*d));
	size_t		 n, i, k;

	own_domains(m);
	if ((n = domains(m, d)) > 0)
		lookup(m, d, n);
	for (i = 0; i < m->nr; i++) {
		if (!undiscovered(m->r[i]))
			continue;
		for (k = 0; strcmp(d[k].domain, m->r[i]->addr.domain); k++)
			;
		discovered(m, m->r[i], &d[k], final);
	}
	free(d);
}

/* --- envelope and message ------------------------------------------------- */

/* A batch of this call (from first on) with room for domain, or a new one. */
static struct dl_batch *
batch_for(struct pl_msg *m, size_t first, const struct pl_rcpt *r)
{
	struct dl_batch *b;

	if (m->nb > first && (b = sc_batch_for(&m->b[first], m->nb - first,
	    r->addr.domain)) != NULL)
		return b;
	b = ssmp_xcalloc(1, sizeof(*b));
	dl_batch_init(b, r->addr.domain, &r->pol, m->from, m->selector,
	    m->key);
	m->b = ssmp_xrealloc(m->b, sizeof(*m->b) * (m->nb + 1));
	m->b[m->nb++] = b;
	return b;
}

static void
after_envelope(const struct pl_msg *m, struct pl_rcpt *r)
{
	const struct dl_rcpt	*d = sc_batch_rcpt(r->batch, r);
	enum dc_event		 ev;

	if (d->maybe)
		ev = DC_MAYBE;
	else if (d->env == DL_ACCEPTED)
		ev = DC_ACCEPTED;
	else
		ev = d->env == DL_PERM ? DC_PERM : DC_TEMP;
	settle(m, r, ev, STEP_ENVELOPE, &d->st);
}

void
pl_envelopes(struct pl_msg *m)
{
	struct pl_rcpt		*r;
	struct dl_batch		*b;
	struct ssmp_status	 st;
	struct ssmp_err		 err;
	size_t			 i, first = m->nb;

	for (i = 0; i < m->nr; i++) {
		r = m->r[i];
		if (!ready(r, PL_PENDING) || !r->discovered || r->batch)
			continue;
		b = batch_for(m, first, r);
		if (dl_batch_add(b, r->addr.full, r, &err) == 0)
			r->batch = b;
		else {
			status(&st, SSMP_TEMPFAIL, "4.3.0", err.msg);
			settle(m, r, DC_TEMP, STEP_ENVELOPE, &st);
		}
	}
	if (m->nb == first)
		return;
	dl_envelope(m->dl, &m->b[first], m->nb - first);
	for (i = 0; i < m->nr; i++)
		if (ready(m->r[i], PL_PENDING) && m->r[i]->batch != NULL)
			after_envelope(m, m->r[i]);
}

/*
 * The receiver took the message but its receipt did not pass, or the
 * whole message went out and no answer came: it may have delivered, and
 * nothing proves it.  ssmp.7 RECEIPTS: temporary in every mode, logged
 * loudly; the retry gets the original receipt, not a second delivery.
 */
static void
unverified(const struct pl_msg *m, const struct pl_rcpt *r)
{
	ssmp_log(LOG_ERR, m->id, "to=<%s>: %s may have delivered the "
	    "message, without a valid receipt (%s): no SMTP fallback, the "
	    "message is kept for a retry", r->addr.full, r->addr.domain,
	    r->st.reason);
}

static void
after_message(const struct pl_msg *m, struct pl_rcpt *r)
{
	const struct dl_rcpt	*d = sc_batch_rcpt(r->batch, r);
	enum dc_event		 ev;

	if (d->delivered) {
		r->dup_receipt = d->duplicate;
		ev = DC_ACCEPTED;
	} else if (sc_receipt_failed(d))
		ev = DC_MAYBE;
	else
		ev = d->msg == DL_PERM ? DC_PERM : DC_TEMP;
	settle(m, r, ev, STEP_MESSAGE, &d->st);
	if (ev == DC_MAYBE)
		unverified(m, r);
}

void
pl_messages(struct pl_msg *m, const struct dl_body *body)
{
	struct dl_batch	**go = ssmp_xcalloc(m->nr + 1, sizeof(*go));
	size_t		  i, k, n = 0;

	for (i = 0; i < m->nr; i++) {
		if (!ready(m->r[i], PL_SSMP))
			continue;
		for (k = 0; k < n && go[k] != m->r[i]->batch; k++)
			;
		if (k == n)
			go[n++] = m->r[i]->batch;
	}
	if (n > 0)
		dl_message(m->dl, go, n, body);
	free(go);
	for (i = 0; i < m->nr; i++)
		if (ready(m->r[i], PL_SSMP))
			after_message(m, m->r[i]);
	/* Kept even when the message must wait: the retry skips them. */
	record(m, body);
}

/* --- after the message ---------------------------------------------------- */

size_t
pl_count(const struct pl_msg *m, enum pl_route a, enum pl_route b)
{
	size_t i, n = 0;

	for (i = 0; i < m->nr; i++)
		n += m->r[i]->route == a || m->r[i]->route == b;
	return n;
}

const struct pl_rcpt *
pl_failed(const struct pl_msg *m)
{
	const struct pl_rcpt	*temp = NULL;
	size_t			 i;

	for (i = 0; i < m->nr; i++) {
		if (m->r[i]->route == PL_REJECT)
			return m->r[i];
		if (m->r[i]->route == PL_TEMP && temp == NULL)
			temp = m->r[i];
	}
	return temp;
}

/*
 * The log line of r; a failure its report counts names its result type
 * (report=), so the reports can be checked against the log.
 */
static void
log_line(const struct pl_msg *m, const struct pl_rcpt *r,
    const struct tl_entry *e)
{
	char size[32] = "", sid[SSMP_NONCE_LEN + 16] = "";

	/* the envelope's nonce: the receiver's Received id and log id */
	if (m->size > 0)
		snprintf(size, sizeof(size), ", size=%zu", m->size);
	if (r->batch != NULL && r->batch->nonce[0] != '\0')
		snprintf(sid, sizeof(sid), ", ssmp_id=%s", r->batch->nonce);
	ssmp_log(r->route == PL_DONE || r->route == PL_SMTP ? LOG_INFO :
	    LOG_NOTICE, m->id, "from=<%s>, to=<%s>, ssmp=%s%s%s%s%s", m->from,
	    r->addr.full, r->why, size, sid, e != NULL && !e->t.ok ?
	    ", report=" : "", e != NULL && !e->t.ok ?
	    ssmp_rtype_name(e->t.type) : "");
	if (m->on_log != NULL)
		m->on_log(m, r);
}

void
pl_log_rcpt(const struct pl_msg *m, const struct pl_rcpt *r)
{
	struct tl_entry	e;
	bool		counted = tl_entry(m, r, (int64_t)time(NULL), &e);

	log_line(m, r, counted ? &e : NULL);
	if (counted)
		tl_count(m->ks, &e, 1, m->id);
}

/* Every recipient's line, and their counts in one transaction. */
void
pl_log(const struct pl_msg *m)
{
	struct tl_entry	*e = ssmp_xcalloc(m->nr + 1, sizeof(*e));
	int64_t		 now = (int64_t)time(NULL);
	size_t		 i, n = 0;
	bool		 counted;

	for (i = 0; i < m->nr; i++) {
		if (m->r[i]->why[0] == '\0')
			continue;
		counted = tl_entry(m, m->r[i], now, &e[n]);
		log_line(m, m->r[i], counted ? &e[n] : NULL);
		n += counted;
	}
	tl_count(m->ks, e, n, m->id);
	free(e);
}

void
pl_auto_allow(const struct pl_msg *m)
{
	const char	**v;
	size_t		  i, n = 0;

	if (m->ks == NULL || !m->auto_allow ||
	    pl_count(m, PL_TEMP, PL_PENDING) + pl_count(m, PL_SSMP,
	    PL_SSMP) > 0)
		return;		/* not final: the retry does it */
	v = ssmp_xcalloc(m->nr + 1, sizeof(*v));
	for (i = 0; i < m->nr; i++)
		if (m->r[i]->valid && (m->r[i]->route == PL_DONE ||
		    m->r[i]->route == PL_SMTP))
			v[n++] = m->r[i]->addr.full;
	sc_auto_allow_many(m->ks, m->from, v, n, m->id);
	free(v);
}
