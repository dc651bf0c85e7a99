/*
 * handoff.c - body check, idempotency, MTA hand-off, receipt (handoff.h).
 *
 * On the loop: hash and signature of the body, then the delivered-log,
 * so a retry is answered with the original receipt without touching the
 * MTA.  In a worker: one SMTP transaction per trust tier (the tier is a
 * header, so recipients of different tiers need separate copies), then
 * the receipt is signed and every delivered recipient is recorded before
 * the answer goes out.  If recording fails after the MTA accepted, the
 * answer is still 2xx (the mail is queued; a retry may then deliver a
 * second copy, which is logged loudly).
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <event2/buffer.h>

#include "handoff.h"
#include "keys.h"
#include "smtpc.h"
#include "ssmp_b64.h"
#include "ssmp_time.h"
#include "ssmp_buf.h"
#include "ssmp_log.h"
#include "ssmp_message.h"
#include "ssmp_receipt.h"
#include "ssmpd.h"
#include "store.h"
#include "workq.h"

struct handoff {
	struct ssmpd		*d;
	char			 reqid[24];
	char			 peer[64];
	struct pending		*p;
	struct ks_keytable	*keys;		/* held: signs the receipt */
	char			 msgid[SSMP_MSGID_MAX + 1];
	char			 hash[SSMP_HASH_HEX + 1];
	char			*body;
	size_t			 bodylen;
	bool			 dup[SSMP_MAX_RCPT];
	struct smtpc_reply	 reply[SSMP_MAX_RCPT];
	int			 mta_rc;
	char			 mta_err[256];
	char			 queueid[64];
	char			*orig_receipt;	/* of a duplicate */
	struct ssmp_response	 resp;
	handoff_cb		 cb;
	void			*arg;
};

int
handoff_headers_check(const char *msgid, const char *sig,
    enum ssmp_outcome *o, struct ssmp_err *err)
{
	unsigned char raw[SSMP_SIG_BYTES];
	size_t n;

	*o = SSMP_BAD_SYNTAX;
	if (msgid == NULL)
		return ssmp_err_set(err, "missing SSMP-Msgid header");
	if (ssmp_msgid_check(msgid, err) != 0)
		return ssmp_err_prefix(err, "SSMP-Msgid: ");
	if (sig == NULL)
		return ssmp_err_set(err, "missing SSMP-Signature header");
	if (ssmp_b64_decode(sig, raw, sizeof(raw), &n, SSMP_SIG_BYTES,
	    SSMP_B64_STD, "SSMP-Signature", err) != 0)
		return -1;
	return 0;
}

const struct ssmp_response *
handoff_response(const struct handoff *h)
{
	return &h->resp;
}

void
handoff_free(struct handoff *h)
{
	if (h == NULL)
		return;
	ks_keytable_release(h->keys);
	free(h->body);
	free(h->orig_receipt);
	free(h);
}

/* Answer with h->resp.st as set. */
static void
answer(struct handoff *h)
{
	h->p->busy = false;
	ssmp_log(LOG_INFO, h->queueid[0] ? h->queueid : h->reqid,
	    "message from=<%s> msgid=%s nonce=%s: %s %s %s", h->p->from,
	    h->msgid, h->p->nonce, ssmp_verdict_name(h->resp.st.verdict),
	    h->resp.st.code, h->resp.st.reason);
	h->cb(h, h->arg);
}

static void
finish(struct handoff *h, enum ssmp_outcome o, const char *reason)
{
	ssmp_status_set(&h->resp.st, o, reason);
	answer(h);
}

/* Headers ssmpd vouches for: a copy arriving from outside is dropped. */
static bool
is_our_header(const char *line, size_t len)
{
	return len >= 11 && strncasecmp(line, "SSMP-Trust:", 11) == 0;
}

/* The message for the MTA: body without forged SSMP-Trust fields. */
static void
clean_body(const char *in, size_t len, struct ssmp_buf *out)
{
	size_t i = 0;
	bool drop = false, in_head = true;

	while (i < len) {
		const char *eol = memchr(in + i, '\n', len - i);
		size_t n = eol ? (size_t)(eol - (in + i)) + 1 : len - i;

		if (in_head) {
			if (n <= 2 && (in[i] == '\r' || in[i] == '\n'))
				in_head = false;
			else if (in[i] != ' ' && in[i] != '\t')
				drop = is_our_header(in + i, n);
		}
		if (!in_head || !drop)
			ssmp_buf_add(out, in + i, n);
		i += n;
	}
}

static void
trace_headers(struct handoff *h, enum trust tier, struct ssmp_buf *b)
{
	char date[64], line[1024];
	time_t now = time(NULL);
	struct tm tm;
	const char *host = h->d->conf.hostname;

	strftime(date, sizeof(date), "%a, %d %b %Y %H:%M:%S +0000",
	    gmtime_r(&now, &tm));
	snprintf(line, sizeof(line), "Received: from [%s] by %s (ssmpd)\r\n"
	    "\twith SSMP id %s\r\n\tenvelope-from <%s>; %s\r\n", h->peer, host,
	    h->reqid, h->p->from, date);
	ssmp_buf_adds(b, line);
	snprintf(line, sizeof(line), "Authentication-Results: %s; ssmp=pass "
	    "smtp.mailfrom=%s header.s=%s\r\n", host, h->p->from,
	    h->p->selector);
	ssmp_buf_adds(b, line);
	snprintf(line, sizeof(line), "SSMP-Trust: %s\r\n", trust_name(tier));
	ssmp_buf_adds(b, line);
}

/* One transaction for the recipients of one tier. */
static int
send_tier(struct handoff *h, enum trust tier, const struct ssmp_buf *msg,
    struct ssmp_err *err)
{
	const char *rcpt[SSMP_MAX_RCPT];
	struct smtpc_reply reply[SSMP_MAX_RCPT];
	int idx[SSMP_MAX_RCPT], n = 0;
	struct smtpc_txn t;
	struct ssmp_buf head;
	int rc;

	for (int i = 0; i < h->p->nto; i++)
		if (!h->dup[i] && h->p->tier[i] == tier) {
			idx[n] = i;
			rcpt[n++] = h->p->to[i];
		}
	if (n == 0)
		return 0;
	ssmp_buf_init(&head);
	trace_headers(h, tier, &head);
	memset(&t, 0, sizeof(t));
	t.from = h->p->from;
	t.nrcpt = n;
	t.rcpt = rcpt;
	t.rcpt_reply = reply;
	t.head = head.p;
	t.headlen = head.len;
	t.body = msg->p;
	t.bodylen = msg->len;
	rc = smtpc_run(h->d->smtp, &t, err);
	ssmp_buf_free(&head);
	if (rc != 0)
		return -1;
	for (int k = 0; k < n; k++)
		h->reply[idx[k]] = reply[k];
	if (t.queueid[0] != '\0')
		snprintf(h->queueid, sizeof(h->queueid), "%s", t.queueid);
	return 0;
}

static void
record(struct handoff *h, const struct ssmp_receipt *r)
{
	struct ks_delivered dv;
	struct ssmp_buf json;
	struct ssmp_err err;

	ssmp_buf_init(&json);
	ssmp_receipt_encode(r, &json);
	for (int i = 0; i < h->p->nto; i++) {
		if (h->dup[i] || h->reply[i].code / 100 != 2)
			continue;
		memset(&dv, 0, sizeof(dv));
		snprintf(dv.from, sizeof(dv.from), "%s", h->p->from_canon);
		snprintf(dv.msgid, sizeof(dv.msgid), "%s", h->msgid);
		snprintf(dv.rcpt, sizeof(dv.rcpt), "%s", h->p->to_canon[i]);
		dv.outcome = KS_OUT_DELIVERED;
		dv.time = time(NULL);
		snprintf(dv.info, sizeof(dv.info), "queued as %s", h->queueid);
		dv.receipt = json.p;
		if (ks_delivered_put(h->d->store, &dv, &err) != 0)
			ssmp_log(LOG_ERR, h->queueid, "delivered-log for <%s>: "
			    "%s; a retry would deliver again", dv.rcpt,
			    err.msg);
	}
	ssmp_buf_free(&json);
}

/* Sign the receipt over the recipients the MTA accepted now. */
static void
sign_receipt(struct handoff *h)
{
	struct ssmp_receipt *r = &h->resp.receipt;
	const struct ks_keyent *ke;
	struct ssmp_time now;
	struct ssmp_err err;

	memset(r, 0, sizeof(*r));
	snprintf(r->domain, sizeof(r->domain), "%s", h->p->domain);
	if ((ke = ks_keytable_signing(h->keys, h->p->domain)) == NULL) {
		ssmp_log(LOG_ERR, h->queueid, "no signing key for %s",
		    h->p->domain);
		return;
	}
	snprintf(r->selector, sizeof(r->selector), "%s", ke->selector);
	ssmp_time_now(&now);
	ssmp_time_format(&now, r->time, &err);
	snprintf(r->from, sizeof(r->from), "%s", h->p->from);
	snprintf(r->nonce, sizeof(r->nonce), "%s", h->p->nonce);
	snprintf(r->msgid, sizeof(r->msgid), "%s", h->msgid);
	snprintf(r->body, sizeof(r->body), "%s", h->hash);
	for (int i = 0; i < h->p->nto; i++)
		if (!h->dup[i] && h->reply[i].code / 100 == 2)
			snprintf(r->to[r->nto++], sizeof(r->to[0]), "%s",
			    h->p->to[i]);
	if (r->nto > 0 && ssmp_receipt_sign(r, &ke->key, &err) == 0) {
		h->resp.has_receipt = true;
		record(h, r);
	} else if (r->nto > 0)
		ssmp_log(LOG_ERR, h->queueid, "receipt: %s", err.msg);
}

/* Worker: deliver, sign, record. */
static void
deliver_run(void *arg)
{
	struct handoff *h = arg;
	struct ssmp_buf msg;
	struct ssmp_err err;
	static const enum trust tiers[] = { TRUST_TRUSTED, TRUST_KNOWN,
	    TRUST_UNKNOWN };

	ssmp_buf_init(&msg);
	clean_body(h->body, h->bodylen, &msg);
	h->mta_rc = 0;
	for (size_t k = 0; k < sizeof(tiers) / sizeof(tiers[0]); k++)
		if (send_tier(h, tiers[k], &msg, &err) != 0) {
			h->mta_rc = -1;
			snprintf(h->mta_err, sizeof(h->mta_err), "%s", err.msg);
			break;
		}
	ssmp_buf_free(&msg);
	sign_receipt(h);
}

static void
rcpt_result(struct handoff *h, int i)
{
	struct ssmp_rcpt_result *rr = &h->resp.rcpt[h->resp.nrcpt++];
	const struct smtpc_reply *r = &h->reply[i];
	struct ssmp_err err;
	char why[SSMP_REASON_MAX + 1];

	snprintf(rr->to, sizeof(rr->to), "%s", h->p->to[i]);
	if (h->dup[i]) {
		ssmp_status_set(&rr->st, SSMP_RCPT_OK, "already delivered");
		return;
	}
	if (r->code == 0) {
		ssmp_status_set(&rr->st, SSMP_MTA_TEMP, "local MTA unavailable");
		return;
	}
	snprintf(why, sizeof(why), "%d %s", r->code, r->text);
	ssmp_status_set(&rr->st, r->code / 100 == 2 ? SSMP_RCPT_OK :
	    r->code / 100 == 5 ? SSMP_MTA_PERM : SSMP_MTA_TEMP, why);
	if (r->code / 100 != 2 && r->enh[0] == (char)('0' + r->code / 100))
		(void)ssmp_status_set_code(&rr->st, r->enh, &err);
}

static void
deliver_done(void *arg)
{
	struct handoff *h = arg;
	int acc = 0, first_bad = -1;
	char why[SSMP_REASON_MAX + 1];

	h->resp.nrcpt = 0;
	for (int i = 0; i < h->p->nto; i++) {
		rcpt_result(h, i);
		if (h->resp.rcpt[i].st.verdict == SSMP_ACCEPT)
			acc++;
		else if (first_bad < 0)
			first_bad = i;
	}
	if (h->mta_rc != 0)
		ssmp_log(LOG_WARNING, h->reqid, "local MTA: %s", h->mta_err);
	if (acc > 0) {
		h->d->metrics[M_MSG_DELIVERED]++;
		snprintf(why, sizeof(why), "queued as %s", h->queueid);
		finish(h, SSMP_OK, why);
		return;
	}
	h->resp.has_receipt = false;
	if (h->mta_rc != 0 || first_bad < 0) {
		h->d->metrics[M_MSG_TEMPFAIL]++;
		finish(h, SSMP_MTA_TEMP, "local MTA unavailable");
		return;
	}
	/* Nobody accepted: the first refusal speaks for the message. */
	struct ssmp_status st = h->resp.rcpt[first_bad].st;

	h->d->metrics[st.verdict == SSMP_REJECT ? M_MSG_REJECT :
	    M_MSG_TEMPFAIL]++;
	struct ssmp_err err;

	ssmp_status_set(&h->resp.st, st.verdict == SSMP_REJECT ?
	    SSMP_MTA_PERM : SSMP_MTA_TEMP, st.reason);
	(void)ssmp_status_set_code(&h->resp.st, st.code, &err);
	answer(h);
}


/* A retry of a delivered message: the original receipt, no delivery. */
static int
check_delivered(struct handoff *h)
{
	struct ks_delivered dv;
	struct ssmp_err err;
	int ndup = 0, rc;

	for (int i = 0; i < h->p->nto; i++) {
		rc = ks_delivered_get(h->d->store, h->p->from_canon, h->msgid,
		    h->p->to_canon[i], &dv, &err);
		if (rc < 0)
			ssmp_log(LOG_ERR, h->reqid, "delivered-log: %s",
			    err.msg);
		if (rc == 0 && dv.outcome == KS_OUT_DELIVERED) {
			h->dup[i] = true;
			ndup++;
			if (h->orig_receipt == NULL && dv.receipt != NULL)
				h->orig_receipt = ssmp_xstrdup(dv.receipt);
			ssmp_log(LOG_INFO, h->reqid, "duplicate of msgid=%s "
			    "to=<%s> (%s): not delivered again", h->msgid,
			    h->p->to[i], dv.info);
		}
		if (rc == 0)
			ks_delivered_clear(&dv);
	}
	return ndup;
}

static void
answer_duplicate(struct handoff *h)
{
	struct ssmp_err err;

	h->d->metrics[M_MSG_DUPLICATE]++;
	h->resp.nrcpt = 0;
	for (int i = 0; i < h->p->nto; i++)
		rcpt_result(h, i);
	if (h->orig_receipt != NULL && ssmp_receipt_decode(h->orig_receipt,
	    strlen(h->orig_receipt), &h->resp.receipt, &err) == 0)
		h->resp.has_receipt = true;
	finish(h, SSMP_OK, "already delivered");
}

struct handoff *
handoff_start(struct ssmpd *d, const char *reqid, const char *peer,
    struct pending *p, const char *msgid, const char *sig,
    struct evbuffer *body, handoff_cb cb, void *arg)
{
	struct handoff *h = ssmp_xcalloc(1, sizeof(*h));
	struct ssmp_msgsig ms;
	struct ssmp_err err;

	h->d = d;
	h->keys = ks_keytable_hold(d->keys);
	h->p = p;
	h->cb = cb;
	h->arg = arg;
	p->busy = true;
	snprintf(h->reqid, sizeof(h->reqid), "%s", reqid);
	snprintf(h->peer, sizeof(h->peer), "%s", peer);
	snprintf(h->msgid, sizeof(h->msgid), "%s", msgid);
	h->bodylen = evbuffer_get_length(body);
	h->body = ssmp_xmalloc(h->bodylen + 1);
	evbuffer_remove(body, h->body, h->bodylen);
	ssmp_hash_hex(h->body, h->bodylen, h->hash);
	if (ssmp_msgsig_parse(&ms, p->nonce, msgid, h->hash, sig, &err) != 0) {
		finish(h, SSMP_BAD_SYNTAX, err.msg);
		return h;
	}
	if (ssmp_msgsig_verify(&ms, p->pk, &err) != 0) {
		finish(h, SSMP_BAD_BODY, NULL);
		return h;
	}
	if (check_delivered(h) == p->nto) {
		answer_duplicate(h);
		return h;
	}
	workq_submit(d->mtaq, deliver_run, deliver_done, h);
	return h;
}
