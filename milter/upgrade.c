/*
 * upgrade.c - move recipients from SMTP to SSMP, never losing one.
 *
 * The rule everything here serves: a recipient leaves the SMTP envelope
 * (smfi_delrcpt) only after the receiver's signed receipt for it has
 * been verified.  Every other outcome leaves it on SMTP, or - for enforce
 * domains - makes the MTA keep the message and try again.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ssmp_log.h"
#include "store.h"
#include "decide.h"
#include "milter.h"
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

static void
log_rcpt(const struct msgctx *m, const struct rcpt *r)
{
	ssmp_log(LOG_INFO, m->qid[0] ? m->qid : NULL,
	    "from=<%s>, to=<%s>, ssmp=%s", m->from, r->addr.full, r->why);
}

static const char *
qid_now(SMFICTX *ctx, struct msgctx *m)
{
	const char *v = smfi_getsymval(ctx, (char *)"i");

	if (mp_token(v, m->qid, sizeof(m->qid), NULL) == NULL)
		m->qid[0] = '\0';
	return m->qid[0] ? m->qid : NULL;
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
	const struct dl_rcpt	*d = &r->batch->rcpt[0];
	enum decision		 dec;
	int			 i;

	for (i = 0; i < r->batch->nrcpt; i++)
		if (r->batch->rcpt[i].user == r)
			d = &r->batch->rcpt[i];
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

sfsistat
upgrade_rcpt(SMFICTX *ctx, struct msgctx *m, struct rcpt *r)
{
	struct dl_disc_result	dr;
	struct dl_batch		*b;
	enum decision		dec;

	dl_discover(milter->dl, r->addr.domain, &dr);
	if (dr.state == DL_NOT_SSMP) {
		not_ssmp(r, &dr);
		return SMFIS_CONTINUE;
	}
	if (dr.state == DL_DISC_TEMP) {
		/* Never "no SSMP": the client retries this recipient. */
		dns_temp(r, &dr);
		(void)qid_now(ctx, m);
		log_rcpt(m, r);
		decide_reply(ctx, DEC_TEMPFAIL, r->addr.domain, &r->st);
		msgctx_rcpt_drop_last(m);
		return SMFIS_TEMPFAIL;
	}
	r->pol = dr.pol;
	r->mode = dr.pol.mode;
	r->discovered = true;
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
	if (dec == DEC_REJECT || dec == DEC_TEMPFAIL) {
		(void)qid_now(ctx, m);
		log_rcpt(m, r);
		decide_reply(ctx, dec, r->addr.domain, &r->st);
		msgctx_rcpt_drop_last(m);
	}
	return decide_status(dec);
}

/* --- end of message ------------------------------------------------------- */

/*
 * Discovery for the pending recipients not looked at yet, all domains at
 * once.  With fail NULL (at DATA) a temporary failure leaves those
 * recipients undiscovered, for EOM to try again; with fail set (at EOM)
 * it marks them and returns -1.
 */
static int
discover_pending(struct msgctx *m, struct ssmp_status *fail)
{
	const char		**dom;
	struct dl_disc_result	 *dr;
	struct rcpt		 *r;
	int			  n = 0, i, temp = 0;

	dom = ssmp_xcalloc((size_t)m->nrcpt + 1, sizeof(*dom));
	for (r = m->rcpts; r != NULL; r = r->next) {
		if (r->route != RT_PENDING || r->discovered)
			continue;
		for (i = 0; i < n; i++)
			if (strcmp(dom[i], r->addr.domain) == 0)
				break;
		if (i == n)
			dom[n++] = r->addr.domain;
	}
	dr = ssmp_xcalloc((size_t)n + 1, sizeof(*dr));
	if (n > 0)
		dl_discover_many(milter->dl, dom, (size_t)n, dr);
	for (r = m->rcpts; r != NULL; r = r->next) {
		if (r->route != RT_PENDING || r->discovered)
			continue;
		for (i = 0; strcmp(dom[i], r->addr.domain) != 0; i++)
			;
		if (dr[i].state == DL_DISC_TEMP) {
			if (fail == NULL)
				continue;
			dns_temp(r, &dr[i]);
			*fail = r->st;
			temp = 1;
		} else if (dr[i].state == DL_NOT_SSMP)
			not_ssmp(r, &dr[i]);
		else {
			r->pol = dr[i].pol;
			r->mode = dr[i].pol.mode;
		}
		r->discovered = true;
	}
	free(dr);
	free(dom);
	return temp ? -1 : 0;
}

void
upgrade_data(struct msgctx *m)
{
	(void)discover_pending(m, NULL);
}

/* Group pending SSMP recipients into one envelope per domain. */
static size_t
eom_batches(struct msgctx *m, struct dl_batch **out)
{
	struct rcpt	*r;
	struct ssmp_err	 err;
	size_t		 n = 0, i;

	for (r = m->rcpts; r != NULL; r = r->next) {
		if (r->route != RT_PENDING)
			continue;
		for (i = 0; i < n; i++)
			if (strcmp(out[i]->domain, r->addr.domain) == 0 &&
			    out[i]->nrcpt < SSMP_MAX_RCPT)
				break;
		if (i == n) {
			out[n] = msgctx_batch_new(m);
			dl_batch_init(out[n], r->addr.domain, &r->pol, m->from,
			    m->selector, m->key);
			n++;
		}
		if (dl_batch_add(out[i], r->addr.full, r, &err) == 0)
			r->batch = out[i];
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

/* A retry of a message already delivered to r: skip it. */
static int
already_delivered(const struct msgctx *m, const struct dl_body *body,
    struct rcpt *r)
{
	struct ks_delivered	d;
	struct ssmp_err		err;
	int			found;

	if (milter->ks == NULL)
		return 0;
	memset(&d, 0, sizeof(d));
	found = ks_delivered_get(milter->ks, m->from_addr.full, body->msgid,
	    r->addr.full, &d, &err) == 0 && d.outcome == KS_OUT_DELIVERED;
	ks_delivered_clear(&d);
	return found;
}

static void
record_delivery(const struct msgctx *m, const struct dl_body *body,
    const struct rcpt *r)
{
	struct ks_delivered	d;
	struct ssmp_err		err;

	if (milter->ks == NULL)
		return;
	memset(&d, 0, sizeof(d));
	(void)snprintf(d.from, sizeof(d.from), "%s", m->from_addr.full);
	(void)snprintf(d.msgid, sizeof(d.msgid), "%s", body->msgid);
	(void)snprintf(d.rcpt, sizeof(d.rcpt), "%s", r->addr.full);
	d.outcome = KS_OUT_DELIVERED;
	d.time = (int64_t)time(NULL);
	(void)snprintf(d.info, sizeof(d.info), "%s", r->st.reason);
	d.receipt = r->batch->receipt_json;
	if (ks_delivered_put(milter->ks, &d, &err) != 0)
		ssmp_log(LOG_WARNING, m->qid[0] ? m->qid : NULL,
		    "to=<%s>: delivered-log: %s", r->addr.full, err.msg);
}

static const struct dl_rcpt *
dl_of(const struct rcpt *r)
{
	int i;

	for (i = 0; i < r->batch->nrcpt; i++)
		if (r->batch->rcpt[i].user == r)
			return &r->batch->rcpt[i];
	return &r->batch->rcpt[0];
}

/* The message phase for every accepted recipient, concurrently. */
static int
eom_messages(SMFICTX *ctx, struct msgctx *m, const struct dl_body *body,
    struct ssmp_status *fail)
{
	struct dl_batch		**b;
	const struct dl_rcpt	 *d;
	struct rcpt		 *r;
	size_t			  n = 0, i;
	enum decision		  dec;
	int			  rc = 0;

	b = ssmp_xcalloc((size_t)m->nrcpt + 1, sizeof(*b));
	for (r = m->rcpts; r != NULL; r = r->next) {
		if (r->route != RT_SSMP)
			continue;
		if (already_delivered(m, body, r)) {
			r->route = RT_DONE;
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
	for (r = m->rcpts; r != NULL; r = r->next) {
		if (r->route != RT_SSMP)
			continue;
		d = dl_of(r);
		r->st = d->st;
		if (d->delivered && smfi_delrcpt(ctx, r->raw) == MI_SUCCESS) {
			r->route = RT_DONE;
			set_why(r, d->duplicate ? "upgraded (duplicate, "
			    "original receipt)" : "upgraded", &d->st);
			record_delivery(m, body, r);
			continue;
		}
		r->route = RT_SMTP;
		dec = decide(r->mode, d->delivered ? DL_TEMP : d->msg);
		if (dec == DEC_TEMPFAIL) {
			set_why(r, "tempfailed, message phase", &d->st);
			*fail = d->st;
			rc = -1;
		} else
			/* Too late to refuse one recipient: SMTP bounces it. */
			set_why(r, dec == DEC_REJECT ? "fell back, message "
			    "rejected (enforce)" : "fell back, message phase",
			    &d->st);
	}
	return rc;
}

/* Replies from these addresses should pass the sender's allow-list. */
static void
auto_allow(const struct msgctx *m)
{
	const struct rcpt	*r;
	enum ks_tier		 tier;
	struct ssmp_err		 err;

	if (milter->ks == NULL || !milter->cfg.auto_allow)
		return;
	for (r = m->rcpts; r != NULL; r = r->next) {
		if (!r->valid || ks_allow_lookup(milter->ks, m->from_addr.full,
		    r->addr.full, &tier, NULL, &err) != 1)
			continue;	/* an entry exists: never override it */
		if (ks_allow_put(milter->ks, m->from_addr.full, r->addr.full,
		    KS_TIER_KNOWN, KS_ORIGIN_AUTO, &err) != 0)
			ssmp_log(LOG_WARNING, m->qid[0] ? m->qid : NULL,
			    "auto-allow %s for %s: %s", r->addr.full,
			    m->from_addr.full, err.msg);
	}
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
	char			 v[256];
	int			 up = 0, smtp = 0;

	if (!milter->cfg.add_header)
		return;
	for (r = m->rcpts; r != NULL; r = r->next)
		r->route == RT_DONE ? up++ : smtp++;
	(void)snprintf(v, sizeof(v), "%s; upgraded=%d; smtp=%d",
	    milter->hostname, up, smtp);
	(void)smfi_addheader(ctx, (char *)"SSMP-Milter", v);
}

static void
finish_body(struct msgctx *m, struct dl_body *body)
{
	memset(body, 0, sizeof(*body));
	spool_finish(&m->spool, body);
	if (m->have_msgid)
		(void)snprintf(body->msgid, sizeof(body->msgid), "%s",
		    m->msgid);
	else
		(void)snprintf(body->msgid, sizeof(body->msgid), "sha256:%s",
		    body->hash);
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
		ssmp_log(LOG_ERR, m->qid[0] ? m->qid : NULL, "spool failed");
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
		ssmp_log(LOG_INFO, m->qid[0] ? m->qid : NULL,
		    "all recipients upgraded to SSMP, SMTP copy discarded");
		return SMFIS_DISCARD;
	}
	add_header(ctx, m);
	return SMFIS_CONTINUE;
}
