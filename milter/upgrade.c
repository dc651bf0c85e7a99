/*
 * upgrade.c - move recipients from SMTP to SSMP, never losing one.
 *
 * The rule everything here serves: a recipient leaves the SMTP envelope
 * (smfi_delrcpt) only after the receiver's signed receipt for it has
 * been verified.  Every other outcome leaves it on SMTP, or - for enforce
 * domains - makes the MTA keep the message and try again.  And a copy
 * the receiver may have delivered never goes by SMTP as well: a domain
 * whose receipt key is unusable is not sent to at all, and a receipt
 * that fails after the receiver accepted keeps the message for a retry,
 * which the receiver answers with its original receipt (ssmp.7).
 *
 * The bookkeeping ssmp-send shares (batches, delivered-log, auto-allow,
 * message id, receipt key) is bridge/send_core.c.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ssmp_log.h"
#include "store.h"
#include "decide.h"
#include "milter.h"
#include "send_core.h"
#include "upgrade.h"

static void
set_why(struct rcpt *r, const char *what, const struct ssmp_status *st)
{
	if (st != NULL)
		(void)snprintf(r->why, sizeof(r->why), "%s (%s %s)", what,
		    st->code, st->reason);
	else
		(void)snprintf(r->why, sizeof(r->why), "%s", what);
}

static const char *
qid_of(const struct msgctx *m)
{
	return m->qid[0] ? m->qid : NULL;
}

static void
log_rcpt(const struct msgctx *m, const struct rcpt *r)
{
	ssmp_log(LOG_INFO, qid_of(m),
	    "from=<%s>, to=<%s>, ssmp=%s", m->from, r->addr.full, r->why);
}

static const char *
qid_now(SMFICTX *ctx, struct msgctx *m)
{
	const char *v = smfi_getsymval(ctx, (char *)"i");

	if (mp_token(v, m->qid, sizeof(m->qid), NULL) == NULL)
		m->qid[0] = '\0';
	return qid_of(m);
}

/* One recipient's batch at RCPT time. */
static struct dl_batch *
single_batch(struct msgctx *m, struct rcpt *r)
{
	struct dl_batch	*b = msgctx_batch_new(m);
	struct ssmp_err	 err;

	dl_batch_init(b, r->addr.domain, &r->pol, m->from, m->selector,
	    m->key);
	(void)dl_batch_add(b, r->addr.full, r, &err);
	r->batch = b;
	return b;
}

/* Where the recipient stands after its envelope verdict. */
static enum decision
after_envelope(struct rcpt *r)
{
	const struct dl_rcpt	*d = sc_batch_rcpt(r->batch, r);
	enum decision		 dec;

	r->st = d->st;
	dec = decide(r->mode, d->env);
	switch (dec) {
	case DEC_SSMP:
		r->route = RT_SSMP;
		set_why(r, "envelope accepted", &d->st);
		break;
	case DEC_FALLBACK:
		r->route = RT_SMTP;
		set_why(r, d->env == DL_PERM ? "fell back, envelope rejected" :
		    "fell back, envelope failed", &d->st);
		break;
	default:
		set_why(r, dec == DEC_REJECT ? "rejected" : "tempfailed",
		    &d->st);
		break;
	}
	return dec;
}

static void
not_ssmp(struct rcpt *r, const struct dl_disc_result *dr)
{
	r->route = RT_SMTP;
	if (dr->why.msg[0] != '\0')
		(void)snprintf(r->why, sizeof(r->why), "not SSMP (%.240s)",
		    dr->why.msg);
	else
		set_why(r, "not SSMP", NULL);
}

static void
dns_temp(struct rcpt *r, const struct dl_disc_result *dr)
{
	ssmp_status_set(&r->st, SSMP_KEY_TEMP, NULL);
	(void)snprintf(r->st.code, sizeof(r->st.code), "4.4.3");
	(void)snprintf(r->st.reason, sizeof(r->st.reason),
	    "DNS lookup of _ssmp.%.60s failed: %.100s", r->addr.domain,
	    dr->why.msg);
	set_why(r, "tempfailed", &r->st);
}

/*
 * Discovery said SSMP; can the domain prove a delivery now?  With its
 * receipt key revoked or gone no receipt can verify, so decide before
 * anything reaches the receiver: as for a failed receipt (class 4),
 * testing domains stay on SMTP and enforce domains wait.  A failed
 * lookup is temporary, as in discovery.
 */
static enum decision
receipt_key(struct rcpt *r, int rc, const struct ssmp_status *st)
{
	enum decision dec;

	if (rc == 0)
		return DEC_SSMP;
	r->st = *st;
	if (rc < 0) {
		set_why(r, "tempfailed", st);
		return DEC_TEMPFAIL;
	}
	dec = decide(r->mode, DL_TEMP);
	if (dec == DEC_FALLBACK) {
		r->route = RT_SMTP;
		set_why(r, "not SSMP now, receipt key unusable", st);
	} else
		set_why(r, "tempfailed, receipt key unusable", st);
	return dec;
}

static sfsistat
rcpt_refuse(SMFICTX *ctx, struct msgctx *m, struct rcpt *r,
    enum decision dec)
{
	(void)qid_now(ctx, m);
	log_rcpt(m, r);
	decide_reply(ctx, dec, r->addr.domain, &r->st);
	msgctx_rcpt_drop_last(m);
	return decide_status(dec);
}

sfsistat
upgrade_rcpt(SMFICTX *ctx, struct msgctx *m, struct rcpt *r)
{
	struct dl_disc_result	dr;
	struct dl_batch		*b;
	struct ssmp_status	st;
	enum decision		dec;
	int			rc;

	dl_discover(milter->dl, r->addr.domain, &dr);
	if (dr.state == DL_NOT_SSMP) {
		not_ssmp(r, &dr);
		return SMFIS_CONTINUE;
	}
	if (dr.state == DL_DISC_TEMP) {
		/* Never "no SSMP": the client retries this recipient. */
		dns_temp(r, &dr);
		return rcpt_refuse(ctx, m, r, DEC_TEMPFAIL);
	}
	r->pol = dr.pol;
	r->mode = dr.pol.mode;
	r->discovered = true;
	rc = sc_receipt_key(milter->dl, r->addr.domain, &r->pol, &st);
	dec = receipt_key(r, rc, &st);
	if (dec == DEC_FALLBACK)
		return SMFIS_CONTINUE;
	if (dec != DEC_SSMP)
		return rcpt_refuse(ctx, m, r, dec);
	/*
	 * Only an enforce domain's verdict changes the RCPT reply.  Any other
	 * SSMP recipient waits for EOM, where the envelopes of all of them go
	 * out at once, one request per domain.
	 */
	if (r->mode != SSMP_MODE_ENFORCE)
		return SMFIS_CONTINUE;
	b = single_batch(m, r);
	dl_envelope(milter->dl, &b, 1);
	dec = after_envelope(r);
	if (dec == DEC_REJECT || dec == DEC_TEMPFAIL)
		return rcpt_refuse(ctx, m, r, dec);
	return decide_status(dec);
}

/* --- end of message ------------------------------------------------------- */

/* The distinct domains of the pending recipients not looked up yet. */
static size_t
pending_domains(const struct msgctx *m, const char **dom)
{
	const struct rcpt	*r;
	size_t			 n = 0, i;

	for (r = m->rcpts; r != NULL; r = r->next) {
		if (r->route != RT_PENDING || r->discovered)
			continue;
		for (i = 0; i < n; i++)
			if (strcmp(dom[i], r->addr.domain) == 0)
				break;
		if (i == n)
			dom[n++] = r->addr.domain;
	}
	return n;
}

/* One domain's answers: discovery, then its receipt key. */
struct disc {
	struct dl_disc_result	dr;
	int			krc;	/* sc_receipt_key() */
	struct ssmp_status	kst;
};

/*
 * r's domain answered d.  0: decided or SSMP; 1: a temporary failure (or
 * an enforce domain without a usable receipt key), r->st says why.
 */
static int
discovered(struct rcpt *r, const struct disc *d, bool at_eom)
{
	if (d->dr.state == DL_DISC_TEMP) {
		if (at_eom)
			dns_temp(r, &d->dr);
		return 1;
	}
	if (d->dr.state == DL_NOT_SSMP) {
		not_ssmp(r, &d->dr);
		return 0;
	}
	r->pol = d->dr.pol;
	r->mode = d->dr.pol.mode;
	if (d->krc < 0 || (d->krc > 0 && r->mode == SSMP_MODE_ENFORCE)) {
		if (at_eom)
			(void)receipt_key(r, d->krc, &d->kst);
		return 1;
	}
	(void)receipt_key(r, d->krc, &d->kst);
	return 0;
}

/*
 * Discovery for the pending recipients not looked at yet, all domains at
 * once.  With fail NULL (at DATA) a temporary failure leaves those
 * recipients undiscovered, for EOM to try again; with fail set (at EOM)
 * it marks them and returns -1.
 */
static int
discover_pending(struct msgctx *m, struct ssmp_status *fail)
{
	const char	**dom;
	struct dl_disc_result *dr;
	struct disc	 *d;
	struct rcpt	 *r;
	size_t		  n, i;
	int		  temp = 0;

	dom = ssmp_xcalloc((size_t)m->nrcpt + 1, sizeof(*dom));
	n = pending_domains(m, dom);
	dr = ssmp_xcalloc(n + 1, sizeof(*dr));
	d = ssmp_xcalloc(n + 1, sizeof(*d));
	if (n > 0)
		dl_discover_many(milter->dl, dom, n, dr);
	for (i = 0; i < n; i++) {
		d[i].dr = dr[i];
		if (dr[i].state == DL_SSMP)
			d[i].krc = sc_receipt_key(milter->dl, dom[i],
			    &dr[i].pol, &d[i].kst);
	}
	for (r = m->rcpts; r != NULL; r = r->next) {
		if (r->route != RT_PENDING || r->discovered)
			continue;
		for (i = 0; strcmp(dom[i], r->addr.domain) != 0; i++)
			;
		if (discovered(r, &d[i], fail != NULL)) {
			if (fail == NULL)
				continue;	/* EOM asks again */
			*fail = r->st;
			temp = 1;
		}
		r->discovered = true;
	}
	free(d);
	free(dr);
	free(dom);
	return temp ? -1 : 0;
}

static void log_all(const struct msgctx *);
static void auto_allow(const struct msgctx *);
static int any_route(const struct msgctx *, enum rcpt_route,
    enum rcpt_route);

int
upgrade_data(SMFICTX *ctx, struct msgctx *m)
{
	(void)discover_pending(m, NULL);
	if (any_route(m, RT_PENDING, RT_SSMP))
		return 1;
	/*
	 * Nothing for SSMP: finish here, so the body never reaches the
	 * milter.  Postfix has the queue id from DATA on.
	 */
	(void)qid_now(ctx, m);
	log_all(m);
	auto_allow(m);
	return 0;
}

/* Group pending SSMP recipients into one envelope per domain. */
static size_t
eom_batches(struct msgctx *m, struct dl_batch **out)
{
	struct rcpt	*r;
	struct dl_batch	*b;
	struct ssmp_err	 err;
	size_t		 n = 0;

	for (r = m->rcpts; r != NULL; r = r->next) {
		if (r->route != RT_PENDING)
			continue;
		if ((b = sc_batch_for(out, n, r->addr.domain)) == NULL) {
			b = out[n++] = msgctx_batch_new(m);
			dl_batch_init(b, r->addr.domain, &r->pol, m->from,
			    m->selector, m->key);
		}
		if (dl_batch_add(b, r->addr.full, r, &err) == 0)
			r->batch = b;
		else {
			/* A duplicate RCPT: the first one carries it. */
			r->route = RT_SMTP;
			set_why(r, "fell back, duplicate recipient", NULL);
		}
	}
	return n;
}

/*
 * Local submissions: decide now.  -1 with *fail set when the message must
 * be refused (enforce refusal) or retried (temporary, enforce or DNS).
 */
static int
eom_envelopes(struct msgctx *m, enum decision *fail_dec,
    struct ssmp_status *fail)
{
	struct dl_batch	**b;
	struct rcpt	 *r;
	size_t		  n;
	enum decision	  dec;
	int		  rc = 0;

	if (discover_pending(m, fail) != 0) {
		*fail_dec = DEC_TEMPFAIL;
		return -1;
	}
	b = ssmp_xcalloc((size_t)m->nrcpt + 1, sizeof(*b));
	n = eom_batches(m, b);
	dl_envelope(milter->dl, b, n);
	free(b);
	for (r = m->rcpts; r != NULL; r = r->next) {
		if (r->route != RT_PENDING || r->batch == NULL)
			continue;
		dec = after_envelope(r);
		if (dec == DEC_REJECT || (dec == DEC_TEMPFAIL && rc == 0)) {
			*fail_dec = dec;
			*fail = r->st;
			rc = -1;
		}
	}
	return rc;
}

/*
 * The receiver took the message but its receipt did not pass, or the
 * whole message went out and no answer came: it may have delivered,
 * and nothing proves it.  ssmp.7 RECEIPTS: a
 * temporary failure in every mode - keep the message, retry, log it
 * loudly; never remove the recipient, and never send it by SMTP as well
 * (the retry gets the original receipt, not a second delivery).
 */
static void
unverified(const struct msgctx *m, struct rcpt *r, const struct dl_rcpt *d)
{
	r->route = RT_SMTP;
	set_why(r, "tempfailed, receipt unverified", &d->st);
	ssmp_log(LOG_ERR, qid_of(m), "to=<%s>: %s may have delivered the "
	    "message, without a valid receipt (%s): no SMTP fallback, the "
	    "message is kept for a retry", r->addr.full, r->addr.domain,
	    d->st.reason);
}

/* The outcome of r's message phase; -1 if the message must wait. */
static int
after_message(SMFICTX *ctx, const struct msgctx *m, struct rcpt *r,
    struct ssmp_status *fail)
{
	const struct dl_rcpt	*d = sc_batch_rcpt(r->batch, r);
	enum decision		 dec;

	r->st = d->st;
	if (d->delivered && smfi_delrcpt(ctx, r->raw) == MI_SUCCESS) {
		r->route = RT_DONE;
		set_why(r, d->duplicate ? "upgraded (duplicate, original "
		    "receipt)" : "upgraded", &d->st);
		return 0;
	}
	if (sc_receipt_failed(d)) {
		unverified(m, r, d);
		*fail = d->st;
		return -1;
	}
	r->route = RT_SMTP;
	dec = decide(r->mode, d->delivered ? DL_TEMP : d->msg);
	if (dec == DEC_TEMPFAIL) {
		set_why(r, "tempfailed, message phase", &d->st);
		*fail = d->st;
		return -1;
	}
	/* Too late to refuse one recipient: SMTP bounces it. */
	set_why(r, dec == DEC_REJECT ? "fell back, message rejected "
	    "(enforce)" : "fell back, message phase", &d->st);
	return 0;
}

/* One delivered-log transaction for the recipients upgraded now. */
static void
record_deliveries(const struct msgctx *m, const struct dl_body *body)
{
	struct ks_delivered	*d;
	const struct rcpt	*r;
	size_t			 n = 0;

	if (milter->ks == NULL)
		return;
	d = ssmp_xcalloc((size_t)m->nrcpt + 1, sizeof(*d));
	for (r = m->rcpts; r != NULL; r = r->next)
		if (r->route == RT_DONE && r->batch != NULL &&
		    sc_batch_rcpt(r->batch, r)->delivered)
			sc_delivery_fill(&d[n++], m->from_addr.full,
			    body->msgid, r->addr.full, r->st.reason,
			    r->batch->receipt_json);
	sc_record_deliveries(milter->ks, d, n, qid_of(m));
	free(d);
}

/* The message phase for every accepted recipient, concurrently. */
static int
eom_messages(SMFICTX *ctx, struct msgctx *m, const struct dl_body *body,
    struct ssmp_status *fail)
{
	struct dl_batch	**b;
	struct rcpt	 *r;
	size_t		  n = 0, i;
	int		  rc = 0;

	b = ssmp_xcalloc((size_t)m->nrcpt + 1, sizeof(*b));
	for (r = m->rcpts; r != NULL; r = r->next) {
		if (r->route != RT_SSMP)
			continue;
		if (sc_delivered_before(milter->ks, m->from_addr.full,
		    body->msgid, r->addr.full)) {
			r->route = RT_DONE;
			r->batch = NULL;	/* on file already */
			set_why(r, "upgraded earlier, receipt on file", NULL);
			(void)smfi_delrcpt(ctx, r->raw);
			continue;
		}
		for (i = 0; i < n && b[i] != r->batch; i++)
			;
		if (i == n)
			b[n++] = r->batch;
	}
	dl_message(milter->dl, b, n, body);
	free(b);
	for (r = m->rcpts; r != NULL; r = r->next)
		if (r->route == RT_SSMP && after_message(ctx, m, r, fail) != 0)
			rc = -1;
	/* Kept even when the message must wait: the retry skips them. */
	record_deliveries(m, body);
	return rc;
}

/* Replies from these addresses should pass the sender's allow-list. */
static void
auto_allow(const struct msgctx *m)
{
	const struct rcpt	 *r;
	const char		**v;
	size_t			  n = 0;

	if (milter->ks == NULL || !milter->cfg.auto_allow)
		return;
	v = ssmp_xcalloc((size_t)m->nrcpt + 1, sizeof(*v));
	for (r = m->rcpts; r != NULL; r = r->next)
		if (r->valid)
			v[n++] = r->addr.full;
	sc_auto_allow_many(milter->ks, m->from_addr.full, v, n, qid_of(m));
	free(v);
}

static void
log_all(const struct msgctx *m)
{
	const struct rcpt *r;

	for (r = m->rcpts; r != NULL; r = r->next)
		if (r->why[0] != '\0')
			log_rcpt(m, r);
}

static void
add_header(SMFICTX *ctx, const struct msgctx *m)
{
	const struct rcpt	*r;
	const char		*host;
	char			 v[256];
	int			 up = 0, smtp = 0;

	if (!milter->cfg.add_header)
		return;
	for (r = m->rcpts; r != NULL; r = r->next)
		r->route == RT_DONE ? up++ : smtp++;
	/* The MTA's name ({j}): the header tells where the copy left. */
	if ((host = smfi_getsymval(ctx, (char *)"j")) == NULL || *host == '\0')
		host = milter->hostname;
	/* With SMFIP_HDR_LEADSPC the MTA adds no blank after the colon. */
	(void)snprintf(v, sizeof(v), "%s%s; upgraded=%d; smtp=%d",
	    milter->leadspc ? " " : "", host, up, smtp);
	(void)smfi_addheader(ctx, (char *)"SSMP-Milter", v);
}

static void
finish_body(struct msgctx *m, struct dl_body *body)
{
	memset(body, 0, sizeof(*body));
	spool_finish(&m->spool, body);
	sc_body_msgid(body, m->have_msgid ? m->msgid : NULL);
}

static int
any_route(const struct msgctx *m, enum rcpt_route a, enum rcpt_route b)
{
	const struct rcpt *r;

	for (r = m->rcpts; r != NULL; r = r->next)
		if (r->route == a || r->route == b)
			return 1;
	return 0;
}

sfsistat
upgrade_eom(SMFICTX *ctx, struct msgctx *m)
{
	struct dl_body		body;
	struct ssmp_status	fail;
	enum decision		dec = DEC_TEMPFAIL;
	int			bad;

	(void)qid_now(ctx, m);
	if (!any_route(m, RT_PENDING, RT_SSMP)) {
		log_all(m);
		auto_allow(m);
		return SMFIS_CONTINUE;
	}
	finish_body(m, &body);
	memset(&fail, 0, sizeof(fail));
	bad = m->spool_failed;
	if (bad) {
		ssmp_status_set(&fail, SSMP_INTERNAL, "cannot keep the message");
		ssmp_log(LOG_ERR, qid_of(m), "spool failed");
	}
	if (!bad && any_route(m, RT_PENDING, RT_PENDING))
		bad = eom_envelopes(m, &dec, &fail) != 0;
	if (!bad) {
		dec = DEC_TEMPFAIL;
		bad = eom_messages(ctx, m, &body, &fail) != 0;
	}
	log_all(m);
	if (bad) {
		/* Receipts already on file make the retry skip those. */
		decide_reply(ctx, dec, "message", &fail);
		return decide_status(dec);
	}
	auto_allow(m);
	if (msgctx_smtp_left(m) == 0) {
		ssmp_log(LOG_INFO, qid_of(m),
		    "all recipients upgraded to SSMP, SMTP copy discarded");
		return SMFIS_DISCARD;
	}
	add_header(ctx, m);
	return SMFIS_CONTINUE;
}
