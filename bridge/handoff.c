/*
 * handoff.c - body check, idempotency, MTA hand-off, receipt (handoff.h).
 *
 * On the loop: hash and signature of the body.  In an MTA worker the
 * delivered-log (dlog.h) is read (with SharedDatabase a round trip to
 * PostgreSQL, never made on the loop); when no recipient has a record,
 * the usual case, the same job goes on to deliver.  Otherwise the records
 * decide on the loop (whose request list tells whether a "delivering"
 * record's owner still runs): a retry is answered with the original
 * receipt without touching the MTA, and a recipient whose earlier
 * delivery is still running or ended unknown is not handed over again.
 * One job instead of two saves a trip through the loop and a worker's
 * sleep and wake-up per message.  In a worker: every
 * recipient is recorded "delivering" first (if that fails nothing is
 * sent), then one SMTP transaction per trust tier (the tier is a header,
 * so recipients of different tiers need separate copies), then the
 * receipt is signed and each recipient's record settled: delivered with
 * the receipt, or failed so a retry may deliver.  A recipient whose
 * outcome is unknown (the MTA's reply to "." was lost) and one whose
 * "delivered" write failed keep their "delivering" record: a retry gets a
 * temporary error, never a second copy.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include <event2/buffer.h>

#include "handoff.h"
#include "body.h"
#include "dlog.h"
#include "hdrfilter.h"
#include "keyproc.h"
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

/* A "delivering" record older than this is not in progress any more. */
#define DELIVERING_MAX	600

/* Per recipient, what this request does with it. */
enum rstate {
	R_SEND,		/* hand to the MTA */
	R_DUP,		/* delivered before: original receipt */
	R_BUSY,		/* another request is delivering it now */
	R_UNKNOWN,	/* an earlier attempt's outcome is unknown */
	R_NOLOG		/* the delivered-log could not be read */
};

/* What the delivered-log says about one recipient (read by a worker). */
struct rlook {
	int			 rc;		/* dlog_get()'s */
	enum dlog_state		 st;
	char			*receipt;
	char			 info[KS_INFO_MAX + 1];
	struct dlog_owner	 own;
	char			 err[256];
};

/* Per recipient, whether its "delivering" record was written. */
enum claim {
	C_NONE,		/* not tried (yet) */
	C_OK,		/* written: the "." went (or may have gone) out */
	C_BUSY,		/* another request owns the recipient */
	C_FAILED	/* the keystore write failed: nothing sent */
};

struct handoff {
	struct ssmpd		*d;
	struct handoff		*next, **prevp;	/* d->handoffs, while active */
	char			 reqid[24];
	char			 peer[64];
	struct pending		*p;
	struct ks_keytable	*keys;		/* held: signs the receipt */
	char			 msgid[SSMP_MSGID_MAX + 1];
	char			 hash[SSMP_HASH_HEX + 1];
	const struct body	*body;		/* the request's, read-only */
	size_t			 removed;	/* trust fields dropped */
	struct rlook		*look;		/* [p->nto], until decided */
	bool			 undecided;	/* records for the loop */
	enum rstate		 rs[SSMP_MAX_RCPT];
	bool			 lost[SSMP_MAX_RCPT];	/* reply to "." lost */
	struct smtpc_reply	 reply[SSMP_MAX_RCPT];
	enum claim		 claim[SSMP_MAX_RCPT];	/* "delivering" */
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

static void
unlink_active(struct handoff *h)
{
	if (h->prevp == NULL)
		return;
	if ((*h->prevp = h->next) != NULL)
		h->next->prevp = h->prevp;
	h->prevp = NULL;
}

/*
 * Is request reqid of this process delivering now? (loop thread)  Not
 * counting self, the one asking: the id is the envelope's nonce, so a
 * retry of a message carries the id of the attempt whose record it
 * reads, and that attempt has ended if self could claim the envelope.
 */
static bool
reqid_active(struct ssmpd *d, const struct handoff *self, const char *reqid)
{
	for (struct handoff *h = d->handoffs; h != NULL; h = h->next)
		if (h != self && strcmp(h->reqid, reqid) == 0)
			return true;
	return false;
}

void
handoff_free(struct handoff *h)
{
	if (h == NULL)
		return;
	unlink_active(h);
	ks_keytable_release(h->keys);
	free(h->orig_receipt);
	free(h);
}

/* Answer with h->resp.st as set. */
static void
answer(struct handoff *h)
{
	unlink_active(h);
	ssmp_log(LOG_INFO, h->reqid, "message from=<%s> msgid=%s: %s %s %s",
	    h->p->from, h->msgid, ssmp_verdict_name(h->resp.st.verdict),
	    h->resp.st.code, h->resp.st.reason);
	h->cb(h, h->arg);
}

static void
finish(struct handoff *h, enum ssmp_outcome o, const char *reason)
{
	ssmp_status_set(&h->resp.st, o, reason);
	answer(h);
}

/*
 * ssmp.7 HDR-1: the fields ssmpd vouches for, on top.  The Received id is
 * the envelope's nonce, which is also the id of this request's log lines.
 */
static void
trace_headers(struct handoff *h, enum trust tier, struct ssmp_buf *b)
{
	char date[64], line[2048];
	time_t now = time(NULL);
	struct tm tm;

	strftime(date, sizeof(date), "%a, %d %b %Y %H:%M:%S +0000",
	    gmtime_r(&now, &tm));
	snprintf(line, sizeof(line), "Received: from %s ([%s%s])\r\n"
	    "\tby %s with SSMP id %s; %s\r\n", h->p->from_domain,
	    strchr(h->peer, ':') != NULL ? "IPv6:" : "", h->peer,
	    h->d->conf.hostname, h->p->nonce, date);
	ssmp_buf_adds(b, line);
	snprintf(line, sizeof(line), "Authentication-Results: %s; ssmp=pass "
	    "smtp.mailfrom=%s header.s=%s\r\n", h->d->conf.authserv_id,
	    h->p->from, h->p->selector);
	ssmp_buf_adds(b, line);
	snprintf(line, sizeof(line), "SSMP-Trust: %s\r\n", trust_name(tier));
	ssmp_buf_adds(b, line);
}

/* The message body of one MTA transaction: the sender's message, through
 * the trust header filter, into the dot-stuffed DATA stream. */
static int
write_message(struct smtpc_data *d, void *arg, struct ssmp_err *err)
{
	struct handoff *h = arg;

	return hf_body(h->body, h->d->conf.authserv_id, smtpc_data_emit, d,
	    &h->removed, err) != 0 ? -1 : 0;
}

struct tier_txn {
	struct handoff	*h;
	const int	*idx;
};

/*
 * smtpc hook, just before the final ".": claim every recipient the MTA
 * accepted at RCPT, or send nothing (the MTA then discards the message).
 */
static int
claim(const struct smtpc_txn *t, void *arg, struct ssmp_err *err)
{
	struct tier_txn *tt = arg;
	struct handoff *h = tt->h;
	struct dlog_batch b = { 0 };
	enum claim c;
	int rc;

	for (int k = 0; k < t->nrcpt; k++)
		if (t->rcpt_reply[k].code / 100 == 2)
			dlog_delivering(&b, h->p->from_canon, h->msgid,
			    h->p->rcpt[tt->idx[k]].to_canon, h->reqid);
	rc = dlog_commit(h->d->store, &b, h->reqid, true, err);
	c = rc == 0 ? C_OK : rc == 1 ? C_BUSY : C_FAILED;
	for (int k = 0; k < t->nrcpt; k++)
		if (t->rcpt_reply[k].code / 100 == 2)
			h->claim[tt->idx[k]] = c;
	if (rc < 0)
		ssmp_log(LOG_ERR, h->reqid, "delivered-log: %s; not "
		    "delivering", err->msg);
	return rc;
}

/* One transaction for the recipients of one tier. */
static int
send_tier(struct handoff *h, enum trust tier, struct ssmp_err *err)
{
	const char *rcpt[SSMP_MAX_RCPT];
	struct smtpc_reply reply[SSMP_MAX_RCPT];
	int idx[SSMP_MAX_RCPT], n = 0;
	struct smtpc_txn t;
	struct ssmp_buf head;
	int rc;

	for (int i = 0; i < h->p->nto; i++)
		if (h->rs[i] == R_SEND && h->p->rcpt[i].tier == tier) {
			idx[n] = i;
			rcpt[n++] = h->p->rcpt[i].to;
		}
	if (n == 0)
		return 0;
	ssmp_buf_init(&head);
	trace_headers(h, tier, &head);
	memset(&t, 0, sizeof(t));
	t.id = h->reqid;
	t.from = h->p->from;
	t.nrcpt = n;
	t.rcpt = rcpt;
	t.rcpt_reply = reply;
	t.head = head.p;
	t.headlen = head.len;
	t.write_body = write_message;
	t.body_arg = h;
	t.before_dot = claim;
	t.before_dot_arg = &(struct tier_txn){ h, idx };
	rc = smtpc_run(h->d->smtp, &t, err);
	ssmp_buf_free(&head);
	if (rc != 0) {
		/* the MTA may hold those it gave no final reply */
		/* (LMTP: also those whose 250 did arrive: safe side) */
		for (int k = 0; k < n && t.dot_sent; k++)
			if (reply[k].code / 100 == 2)
				h->lost[idx[k]] = true;
		return -1;
	}
	for (int k = 0; k < n; k++)
		h->reply[idx[k]] = reply[k];
	if (t.queueid[0] != '\0')
		snprintf(h->queueid, sizeof(h->queueid), "%s", t.queueid);
	return 0;
}

/* Worker: settle each sent recipient's record after the MTA answered. */
static void
settle(struct handoff *h, const char *receipt)
{
	struct dlog_batch b = { 0 };
	struct ssmp_err err;
	char why[SSMP_REASON_MAX + 1];

	for (int i = 0; i < h->p->nto; i++) {
		const struct smtpc_reply *r = &h->reply[i];

		if (h->rs[i] != R_SEND)
			continue;
		if (h->lost[i]) {
			ssmp_log(LOG_CRIT, h->reqid, "msgid=%s to=<%s>: the "
			    "MTA's reply to the message was lost: outcome "
			    "unknown; retries will NOT be delivered; check "
			    "the MTA's log", h->msgid, h->p->rcpt[i].to);
			continue;
		}
		if (r->code / 100 == 2) {
			/* without a receipt (no signing key) still delivered:
			 * a retry must not deliver it again */
			dlog_delivered(&b, h->p->from_canon, h->msgid,
			    h->p->rcpt[i].to_canon, h->queueid, receipt);
			continue;
		}
		if (h->claim[i] == C_BUSY)
			continue;	/* another request's record */
		snprintf(why, sizeof(why), "%d %s", r->code, r->code ?
		    r->text : "local MTA unavailable");
		dlog_failed(&b, h->p->from_canon, h->msgid, h->p->rcpt[i].to_canon,
		    r->code / 100 == 5, why);
	}
	if (b.n == 0 || dlog_commit(h->d->store, &b, h->reqid, false,
	    &err) == 0)
		return;
	/* the "delivering" records stay: retries are refused, never doubled */
	for (int i = 0; i < h->p->nto; i++)
		if (h->rs[i] == R_SEND && !h->lost[i])
			ssmp_log(LOG_CRIT, h->reqid, "delivered-log for <%s> after the MTA's "
			    "%d: %s; retries of msgid=%s will be refused as "
			    "outcome unknown, never delivered twice",
			    h->p->rcpt[i].to, h->reply[i].code, err.msg, h->msgid);
}

/*
 * Sign the receipt over the recipients the MTA accepted now, with dups
 * also over those delivered before (ssmp.7 IDEM-3: a request that mixes
 * new recipients and duplicates; a retry whose first attempt left no
 * receipt: ssmpctl log delivered).
 */
static void
sign_receipt(struct handoff *h, bool dups)
{
	struct ssmp_receipt *r = &h->resp.receipt;
	const struct ks_keyent *ke;
	struct ssmp_time now;
	struct ssmp_err err;

	memset(r, 0, sizeof(*r));
	snprintf(r->domain, sizeof(r->domain), "%s", h->p->domain);
	if ((ke = ks_keytable_signing(h->keys, h->p->domain)) == NULL) {
		ssmp_log(LOG_ERR, h->reqid, "no signing key for %s",
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
		if ((h->rs[i] == R_SEND && !h->lost[i] &&
		    h->reply[i].code / 100 == 2) || (dups && h->rs[i] == R_DUP))
			snprintf(r->to[r->nto++], sizeof(r->to[0]), "%s",
			    h->p->rcpt[i].to);
	if (r->nto > 0 && keyproc_sign_receipt(h->d->kp, r, &err) == 0)
		h->resp.has_receipt = true;
	else if (r->nto > 0)
		ssmp_log(LOG_ERR, h->reqid, "receipt: %s", err.msg);
}

/* Worker: deliver, sign, record. */
static void
deliver_run(void *arg)
{
	struct handoff *h = arg;
	struct ssmp_err err;
	struct ssmp_buf json;
	static const enum trust tiers[] = { TRUST_TRUSTED, TRUST_KNOWN,
	    TRUST_UNKNOWN };

	h->mta_rc = 0;
	for (size_t k = 0; k < sizeof(tiers) / sizeof(tiers[0]); k++)
		if (send_tier(h, tiers[k], &err) != 0) {
			h->mta_rc = -1;
			snprintf(h->mta_err, sizeof(h->mta_err), "%s", err.msg);
			break;
		}
	if (h->removed > 0)
		ssmp_log(LOG_NOTICE, h->reqid, "from=<%s>: removed %zu "
		    "SSMP-Trust or Authentication-Results field(s) the sender "
		    "supplied", h->p->from, h->removed);
	/* duplicates included: they are in our custody (ssmp.7 IDEM-3) */
	sign_receipt(h, true);
	ssmp_buf_init(&json);
	if (h->resp.has_receipt)
		ssmp_receipt_encode(&h->resp.receipt, &json);
	settle(h, h->resp.has_receipt ? json.p : NULL);
	ssmp_buf_free(&json);
}

#define IN_PROGRESS	"a delivery of this message is in progress"

static void
rcpt_result(struct handoff *h, int i)
{
	struct ssmp_rcpt_result *rr = &h->resp.rcpt[h->resp.nrcpt++];
	const struct smtpc_reply *r = &h->reply[i];
	struct ssmp_err err;
	char why[SSMP_REASON_MAX + 1];

	snprintf(rr->to, sizeof(rr->to), "%s", h->p->rcpt[i].to);
	switch (h->rs[i]) {
	case R_DUP:
		ssmp_status_set(&rr->st, SSMP_RCPT_OK, "already delivered");
		return;
	case R_BUSY:
		ssmp_status_set_delivering(&rr->st, IN_PROGRESS);
		return;
	case R_UNKNOWN:
		ssmp_status_set_delivering(&rr->st, "outcome of an earlier "
		    "delivery unknown; not delivered again");
		return;
	case R_NOLOG:
		/* an earlier attempt may have delivered: no other route */
		ssmp_status_set_delivering(&rr->st, "delivered-log "
		    "unavailable; not delivered now");
		return;
	case R_SEND:
		break;
	}
	if (h->lost[i]) {
		ssmp_status_set_delivering(&rr->st, "local MTA's answer lost; "
		    "outcome unknown");
		return;
	}
	if (h->claim[i] == C_FAILED) {
		ssmp_status_set(&rr->st, SSMP_INTERNAL, "delivered-log "
		    "unavailable");
		return;
	}
	if (h->claim[i] == C_BUSY) {
		ssmp_status_set_delivering(&rr->st, IN_PROGRESS);
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

/* Nobody accepted: the first refusal speaks for the message. */
static void
answer_refused(struct handoff *h, int first_bad)
{
	struct ssmp_status st = h->resp.rcpt[first_bad].st;
	struct ssmp_err err;

	h->resp.has_receipt = false;
	h->d->metrics[st.verdict == SSMP_REJECT ? M_MSG_REJECT :
	    M_MSG_TEMPFAIL]++;
	if (st.verdict != SSMP_REJECT && h->mta_rc != 0 &&
	    h->claim[first_bad] == C_NONE && !h->lost[first_bad]) {
		finish(h, SSMP_MTA_TEMP, "local MTA unavailable");
		return;
	}
	h->resp.st = st;
	if (st.verdict == SSMP_REJECT) {
		ssmp_status_set(&h->resp.st, SSMP_MTA_PERM, st.reason);
		(void)ssmp_status_set_code(&h->resp.st, st.code, &err);
	}
	answer(h);
}

/*
 * One line per recipient, as Postfix's delivery lines: the envelope's
 * nonce (our Received id and the sender's ssmp_id) leads, the local
 * MTA's queue id follows.
 */
static void
log_rcpt(struct handoff *h, int i)
{
	const struct ssmp_rcpt_result *rr = &h->resp.rcpt[h->resp.nrcpt - 1];

	ssmp_log(rr->st.verdict == SSMP_ACCEPT ? LOG_INFO : LOG_NOTICE,
	    h->reqid, "from=<%s>, to=<%s>, size=%llu, mta_id=%s, status=%s "
	    "(%s %s)", h->p->from, rr->to, (unsigned long long)h->body->len,
	    h->queueid[0] ? h->queueid : "-",
	    ssmp_verdict_name(rr->st.verdict), rr->st.code, rr->st.reason);
}

/* Loop: the per-recipient results become the answer. */
static void
deliver_done(void *arg)
{
	struct handoff *h = arg;
	int sent = 0, dup = 0, first_bad = -1;
	char why[SSMP_REASON_MAX + 1];
	struct ssmp_err err;

	h->resp.nrcpt = 0;
	for (int i = 0; i < h->p->nto; i++) {
		rcpt_result(h, i);
		log_rcpt(h, i);
		if (h->resp.rcpt[i].st.verdict != SSMP_ACCEPT) {
			if (first_bad < 0)
				first_bad = i;
		} else if (h->rs[i] == R_DUP)
			dup++;
		else
			sent++;
	}
	if (h->mta_rc != 0)
		ssmp_log(LOG_WARNING, h->reqid, "local MTA: %s", h->mta_err);
	if (sent + dup == 0) {
		answer_refused(h, first_bad);
		return;
	}
	if (sent == 0) {
		/* only retries of delivered recipients: the original receipt */
		h->d->metrics[M_MSG_DUPLICATE]++;
		if (h->orig_receipt != NULL && ssmp_receipt_decode(
		    h->orig_receipt, strlen(h->orig_receipt),
		    &h->resp.receipt, &err) == 0)
			h->resp.has_receipt = true;
		else
			sign_receipt(h, true);
		finish(h, SSMP_OK, "already delivered");
		return;
	}
	h->d->metrics[M_MSG_DELIVERED]++;
	snprintf(why, sizeof(why), "queued as %s", h->queueid);
	finish(h, SSMP_OK, why);
}

/* Is process pid running?  A zombie is not (kill(pid, 0) finds it). */
static bool
pid_alive(long pid)
{
	char	path[64], buf[512], *p;
	FILE	*f;
	bool	alive = kill((pid_t)pid, 0) == 0;

	snprintf(path, sizeof(path), "/proc/%ld/stat", pid);
	if (!alive || (f = fopen(path, "r")) == NULL)
		return alive;
	if (fgets(buf, sizeof(buf), f) != NULL &&
	    (p = strrchr(buf, ')')) != NULL && p[1] == ' ' && p[2] == 'Z')
		alive = false;
	fclose(f);
	return alive;
}

/*
 * Loop: is a "delivering" record's request still running?  Another
 * host's (SharedDatabase) cannot be asked: its lease, DELIVERING_MAX
 * from the claim, runs out as on this host.
 */
static bool
owner_alive(struct ssmpd *d, const struct handoff *self,
    const struct dlog_owner *o)
{
	if (time(NULL) - o->since > DELIVERING_MAX || o->pid <= 0)
		return false;
	if (o->host[0] != '\0' && strcmp(o->host, dlog_host()) != 0)
		return true;
	if (o->pid == (long)getpid())
		return reqid_active(d, self, o->reqid);
	/* another ssmpd on this host sharing the Database */
	return pid_alive(o->pid);
}

/* Worker: the delivered-log's record of each recipient. */
static void
lookup_run(void *arg)
{
	struct handoff *h = arg;
	struct ssmp_err err;

	for (int i = 0; i < h->p->nto; i++) {
		struct rlook *l = &h->look[i];

		l->rc = dlog_get(h->d->store, h->p->from_canon, h->msgid,
		    h->p->rcpt[i].to_canon, &l->st, &l->receipt, l->info,
		    sizeof(l->info), &l->own, &err);
		if (l->rc != 0)
			snprintf(l->err, sizeof(l->err), "%s", err.msg);
	}
}

/* Loop: what one recipient's record means for this request. */
static enum rstate
decide(struct handoff *h, int i, struct rlook *l)
{
	if (l->rc != 0) {
		ssmp_log(LOG_ERR, h->reqid, "delivered-log: %s; not "
		    "delivering to <%s>", l->err, h->p->rcpt[i].to);
		return R_NOLOG;
	}
	if (l->st == DLOG_DELIVERED) {
		if (h->orig_receipt == NULL)
			h->orig_receipt = l->receipt;
		else
			free(l->receipt);
		l->receipt = NULL;
		ssmp_log(LOG_INFO, h->reqid, "duplicate of msgid=%s to=<%s> "
		    "(%s): not delivered again", h->msgid, h->p->rcpt[i].to,
		    l->info);
		return R_DUP;
	}
	if (l->st != DLOG_DELIVERING)
		return R_SEND;
	if (owner_alive(h->d, h, &l->own)) {
		ssmp_log(LOG_INFO, h->reqid, "msgid=%s to=<%s>: being "
		    "delivered by request %s on %s: try later", h->msgid,
		    h->p->rcpt[i].to, l->own.reqid, l->own.host);
		return R_BUSY;
	}
	ssmp_log(LOG_CRIT, h->reqid, "msgid=%s to=<%s>: the outcome of "
	    "delivery attempt %s (host %s, pid %ld) is unknown; NOT delivering "
	    "again; check the MTA's log, then clear the delivered-log entry",
	    h->msgid, h->p->rcpt[i].to, l->own.reqid, l->own.host,
	    l->own.pid);
	return R_UNKNOWN;
}

/* Loop: the records are read; deliver what is to be delivered. */
static void
lookup_done(void *arg)
{
	struct handoff *h = arg;
	struct ssmpd *d = h->d;
	int nsend = 0;

	for (int i = 0; i < h->p->nto; i++)
		if ((h->rs[i] = decide(h, i, &h->look[i])) == R_SEND)
			nsend++;
	free(h->look);
	h->look = NULL;
	if (nsend == 0) {
		deliver_done(h);
		return;
	}
	workq_submit(d->mtaq, deliver_run, deliver_done, h);
}

/* Worker: read the records; with none, deliver at once. */
static void
handoff_run(void *arg)
{
	struct handoff *h = arg;

	lookup_run(h);
	for (int i = 0; i < h->p->nto; i++)
		if (h->look[i].rc != 0 || h->look[i].st != DLOG_NONE) {
			h->undecided = true;
			return;
		}
	for (int i = 0; i < h->p->nto; i++)
		h->rs[i] = R_SEND;
	deliver_run(h);
}

/* Loop: delivered, or records to decide on. */
static void
handoff_ran(void *arg)
{
	struct handoff *h = arg;

	if (h->undecided) {
		lookup_done(h);
		return;
	}
	for (int i = 0; i < h->p->nto; i++)
		free(h->look[i].receipt);
	free(h->look);
	h->look = NULL;
	deliver_done(h);
}

struct handoff *
handoff_start(struct ssmpd *d, const char *reqid, const char *peer,
    struct pending *p, const char *msgid, const char *sig,
    const struct body *body, handoff_cb cb, void *arg)
{
	struct handoff *h = ssmp_xcalloc(1, sizeof(*h));
	struct ssmp_msgsig ms;
	struct ssmp_err err;

	h->d = d;
	h->keys = ks_keytable_hold(d->keys);
	h->p = p;
	h->cb = cb;
	h->arg = arg;
	snprintf(h->reqid, sizeof(h->reqid), "%s", reqid);
	snprintf(h->peer, sizeof(h->peer), "%s", peer);
	snprintf(h->msgid, sizeof(h->msgid), "%s", msgid);
	h->body = body;
	snprintf(h->hash, sizeof(h->hash), "%s", body->hash);
	if (ssmp_msgsig_parse(&ms, p->nonce, msgid, h->hash, sig, &err) != 0) {
		finish(h, SSMP_BAD_SYNTAX, err.msg);
		return h;
	}
	if (ssmp_msgsig_verify(&ms, p->pk, &err) != 0) {
		finish(h, SSMP_BAD_BODY, NULL);
		return h;
	}
	h->look = ssmp_xcalloc((size_t)h->p->nto, sizeof(*h->look));
	/* active from here: a "delivering" record of ours names a live
	 * request (reqid_active) */
	h->next = d->handoffs;
	if (h->next != NULL)
		h->next->prevp = &h->next;
	d->handoffs = h;
	h->prevp = &d->handoffs;
	workq_submit(d->mtaq, handoff_run, handoff_ran, h);
	return h;
}
