/*
 * deliver.c - the envelope and message phases of the SSMP/1 client.
 *
 * Builds and signs requests with libssmp, sends them through
 * deliver_http.c, and turns every answer into a per-recipient verdict
 * using only the enhanced status code class (ssmp.7, STATUS CODES).
 * Anything unexpected - no answer, an answer that is not SSMP JSON, a
 * receipt that does not verify or does not match what was sent - is a
 * TEMPORARY failure: the mail stays on its SMTP path.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "ssmp_b64.h"
#include "ssmp_buf.h"
#include "ssmp_envelope.h"
#include "ssmp_message.h"
#include "deliver.h"
#include "deliver_http.h"
#include "deliver_int.h"

int
dl_client_new(const struct dl_options *o, struct dl_client **out,
    struct ssmp_err *err)
{
	struct dl_client *c;

	if (o->dns.policy == NULL || o->dns.key == NULL)
		return ssmp_err_set(err, "deliver: no DNS resolver");
	c = ssmp_xcalloc(1, sizeof(*c));
	c->dns = o->dns;
	c->ks = o->ks;
	c->min_ttl = o->min_ttl > 0 ? o->min_ttl : 60;
	c->max_ttl = o->max_ttl > 0 ? o->max_ttl : 86400;
	c->cache = dl_cache_new();
	if (dlh_new(o->cafile, o->timeout, o->allow_private, &c->http,
	    err) != 0) {
		dl_cache_free(c->cache);
		free(c);
		return -1;
	}
	*out = c;
	return 0;
}

void
dl_client_free(struct dl_client *c)
{
	if (c == NULL)
		return;
	dlh_free(c->http);
	dl_cache_free(c->cache);
	free(c);
}

static enum dl_state
state_of(enum ssmp_verdict v)
{
	return v == SSMP_ACCEPT ? DL_ACCEPTED : v == SSMP_REJECT ? DL_PERM :
	    DL_TEMP;
}

static void
status_make(struct ssmp_status *st, enum ssmp_verdict v, const char *code,
    const char *a, const char *b)
{
	char text[1024];

	memset(st, 0, sizeof(*st));
	st->verdict = v;
	dl_copy(st->code, sizeof(st->code), code);
	(void)snprintf(text, sizeof(text), "%s%s", a, b ? b : "");
	dl_copy(st->reason, sizeof(st->reason), text);
}

static void
url_for(char *out, size_t outlen, const struct ssmp_policy *pol,
    const char *path)
{
	(void)snprintf(out, outlen, "https://%s:%u" SSMP_PATH_PREFIX "%s",
	    pol->hostname, pol->port ? pol->port : 443u, path);
}

/* Pin h= to the addresses the configured resolver gives, in its order. */
static void
resolve_for(struct dl_client *c, const struct ssmp_policy *pol,
    struct dlh_req *r)
{
	char		ip[NETGUARD_PIN_MAX];
	struct ssmp_err	err;

	if (c->dns.addr == NULL || c->dns.addr(c->dns.arg, pol->hostname, ip,
	    sizeof(ip), &err) != DL_DNS_OK)
		return;
	netguard_pin(r->resolve, sizeof(r->resolve), pol->hostname,
	    pol->port ? pol->port : 443u, ip);
}

/*
 * Decode an answer into resp.  A transport failure or non-SSMP body
 * becomes a 4.4.x / 4.5.0 tempfail in resp->st; returns 0 if the
 * receiver's own status is in resp.
 */
static int
answer(const struct dl_batch *b, struct dlh_req *r,
    struct ssmp_response *resp)
{
	struct ssmp_err	err;
	char		text[SSMP_HOST_MAX + 64];

	memset(resp, 0, sizeof(*resp));
	if (r->http == 0) {
		(void)snprintf(text, sizeof(text), "%s: ", b->pol.host);
		status_make(&resp->st, SSMP_TEMPFAIL, "4.4.1", text, r->error);
		resp->st.rtype = r->rtype;
		return -1;
	}
	if (ssmp_response_decode(r->resp.p ? r->resp.p : "", r->resp.len,
	    resp, &err) != 0) {
		memset(resp, 0, sizeof(*resp));
		(void)snprintf(text, sizeof(text), "%s: HTTP %ld, not an SSMP "
		    "answer: ", b->pol.host, r->http);
		status_make(&resp->st, SSMP_TEMPFAIL, "4.5.0", text, err.msg);
		resp->st.rtype = SSMP_RT_HTTP;
		return -1;
	}
	return 0;
}

/* The answer's entry for recipient to, or NULL. */
static const struct ssmp_status *
rcpt_status(const struct ssmp_response *resp, const char *to)
{
	int i;

	for (i = 0; i < resp->nrcpt; i++)
		if (strcasecmp(resp->rcpt[i].to, to) == 0)
			return &resp->rcpt[i].st;
	return NULL;
}

/* --- envelope phase ------------------------------------------------------ */

static int
envelope_request(struct dl_client *c, struct dl_batch *b, struct dlh_req *r,
    struct ssmp_buf *json, struct ssmp_err *err)
{
	struct ssmp_envelope	*e;
	const char		*to[SSMP_MAX_RCPT];
	int			 i, n = 0;

	for (i = 0; i < b->nrcpt; i++)
		if (b->rcpt[i].env == DL_PENDING)
			to[n++] = b->rcpt[i].to;
	if (n == 0)
		return ssmp_err_set(err, "no recipient left");
	e = ssmp_xmalloc(sizeof(*e));
	if (ssmp_envelope_build(e, NULL, b->from, to, n, NULL, b->selector,
	    b->key, err) != 0) {
		free(e);
		return -1;
	}
	dl_copy(b->nonce, sizeof(b->nonce), e->nonce);
	ssmp_envelope_encode(e, json);
	free(e);
	dlh_req_init(r);
	url_for(r->url, sizeof(r->url), &b->pol, "envelope");
	resolve_for(c, &b->pol, r);
	dlh_req_header(r, "Content-Type", "application/json");
	r->post = json->p;
	r->postlen = json->len;
	return 0;
}

static void
envelope_result(struct dl_batch *b, struct dlh_req *r)
{
	struct ssmp_response		*resp;
	const struct ssmp_status	*st;
	int				 i, decoded;

	resp = ssmp_xmalloc(sizeof(*resp));
	decoded = answer(b, r, resp) == 0;
	b->est = resp->st;
	for (i = 0; i < b->nrcpt; i++) {
		if (b->rcpt[i].env != DL_PENDING)
			continue;
		st = decoded ? rcpt_status(resp, b->rcpt[i].to) : NULL;
		if (st == NULL && resp->st.verdict == SSMP_ACCEPT) {
			/* "accept" without a word on this one: do not guess. */
			status_make(&b->rcpt[i].st, SSMP_TEMPFAIL, "4.5.0",
			    "recipient missing from the answer", NULL);
		} else
			b->rcpt[i].st = st ? *st : resp->st;
		b->rcpt[i].env = state_of(b->rcpt[i].st.verdict);
	}
	free(resp);
}

/* Mark every pending recipient of b with a local failure. */
static void
batch_fail(struct dl_batch *b, enum dl_state which, const char *why)
{
	int i;

	status_make(&b->est, SSMP_TEMPFAIL, "4.3.0", why, NULL);
	for (i = 0; i < b->nrcpt; i++) {
		if (which == DL_PENDING && b->rcpt[i].env == DL_PENDING) {
			b->rcpt[i].env = DL_TEMP;
			b->rcpt[i].st = b->est;
		} else if (which == DL_ACCEPTED &&
		    b->rcpt[i].env == DL_ACCEPTED &&
		    b->rcpt[i].msg == DL_PENDING) {
			b->rcpt[i].msg = DL_TEMP;
			b->rcpt[i].st = b->est;
		}
	}
}

void
dl_envelope(struct dl_client *c, struct dl_batch *const *b, size_t n)
{
	struct dlh_req	**rq, *req;
	struct ssmp_buf	 *json;
	struct ssmp_err	  err;
	size_t		  i, k = 0;
	size_t		 *idx;

	req = ssmp_xcalloc(n ? n : 1, sizeof(*req));
	rq = ssmp_xcalloc(n ? n : 1, sizeof(*rq));
	json = ssmp_xcalloc(n ? n : 1, sizeof(*json));
	idx = ssmp_xcalloc(n ? n : 1, sizeof(*idx));
	for (i = 0; i < n; i++) {
		ssmp_buf_init(&json[i]);
		if (envelope_request(c, b[i], &req[k], &json[i], &err) != 0) {
			batch_fail(b[i], DL_PENDING, err.msg);
			continue;
		}
		rq[k] = &req[k];
		idx[k++] = i;
	}
	dlh_run(c->http, rq, k);
	for (i = 0; i < k; i++) {
		envelope_result(b[idx[i]], &req[i]);
		dlh_req_clear(&req[i]);
	}
	for (i = 0; i < n; i++)
		ssmp_buf_free(&json[i]);
	free(idx);
	free(json);
	free(rq);
	free(req);
}

/* --- message phase ------------------------------------------------------- */

static int
message_request(struct dl_client *c, struct dl_batch *b, struct dlh_req *r,
    const struct dl_body *body, struct ssmp_err *err)
{
	struct ssmp_msgsig	m;
	char			sig[SSMP_SIG_B64 + 1], path[64];

	if (ssmp_msgsig_build(&m, b->nonce, body->msgid, body->hash, b->key,
	    err) != 0)
		return -1;
	ssmp_b64_encode(sig, sizeof(sig), m.sig, sizeof(m.sig),
	    SSMP_B64_STD);
	dlh_req_init(r);
	(void)snprintf(path, sizeof(path), "message/%s", b->nonce);
	url_for(r->url, sizeof(r->url), &b->pol, path);
	resolve_for(c, &b->pol, r);
	dlh_req_header(r, "Content-Type", "message/rfc822");
	dlh_req_header(r, "SSMP-Msgid", body->msgid);
	dlh_req_header(r, "SSMP-Signature", sig);
	r->body = body;
	return 0;
}

static int
in_receipt(const struct ssmp_receipt *rc, const char *to)
{
	int i;

	for (i = 0; i < rc->nto; i++)
		if (strcasecmp(rc->to[i], to) == 0)
			return 1;
	return 0;
}

/*
 * Does the receipt prove delivery of this message?  A duplicate answer
 * carries the ORIGINAL receipt: another nonce, and the body hash of the
 * first attempt, so only from, msgid and the recipients must match.
 */
static int
receipt_check(struct dl_client *c, const struct dl_batch *b,
    const struct ssmp_receipt *rc, const struct dl_body *body,
    struct ssmp_err *err)
{
	struct ssmp_keyrec key;

	/* b->domain is canonical; "B.test" is not b.test's (RCPT-3) */
	if (strcmp(rc->domain, b->domain) != 0)
		return ssmp_err_set(err, "receipt: domain %s, expected %s",
		    rc->domain, b->domain);
	if (strcasecmp(rc->from, b->from) != 0)
		return ssmp_err_set(err, "receipt: from %s, expected %s",
		    rc->from, b->from);
	if (strcmp(rc->msgid, body->msgid) != 0)
		return ssmp_err_set(err, "receipt: msgid %s, expected %s",
		    rc->msgid, body->msgid);
	if (strcmp(rc->nonce, b->nonce) == 0 && strcmp(rc->body,
	    body->hash) != 0)
		return ssmp_err_set(err, "receipt: body hash differs from "
		    "the message sent");
	if (dl_key_get(c, rc->domain, rc->selector, &key, err) != DL_DNS_OK)
		return ssmp_err_prefix(err, "receipt: ");
	if (ssmp_receipt_verify(rc, key.pk, err) != 0)
		return ssmp_err_prefix(err, "receipt: ");
	return 0;
}

static void
message_result(struct dl_client *c, struct dl_batch *b, struct dlh_req *r,
    const struct dl_body *body)
{
	struct ssmp_response		*resp;
	const struct ssmp_status	*st;
	struct ssmp_status		 bad;
	struct ssmp_err			 err;
	struct ssmp_buf			 js;
	int				 i, decoded;

	resp = ssmp_xmalloc(sizeof(*resp));
	decoded = answer(b, r, resp) == 0;
	b->mst = resp->st;
	b->receipt_ok = false;
	if (decoded && resp->st.verdict == SSMP_ACCEPT) {
		if (!resp->has_receipt)
			(void)ssmp_err_set(&err, "answer without a receipt");
		else if (receipt_check(c, b, &resp->receipt, body, &err) == 0)
			b->receipt_ok = true;
		if (!b->receipt_ok) {
			status_make(&bad, SSMP_TEMPFAIL, "4.7.5", err.msg,
			    NULL);
			b->mst = bad;
		} else {
			b->receipt = resp->receipt;
			ssmp_buf_init(&js);
			ssmp_receipt_encode(&resp->receipt, &js);
			free(b->receipt_json);
			b->receipt_json = ssmp_xstrdup(js.p ? js.p : "");
			ssmp_buf_free(&js);
		}
	}
	for (i = 0; i < b->nrcpt; i++) {
		struct dl_rcpt *rp = &b->rcpt[i];
		const struct ssmp_status *own;
		bool said_yes, silent;

		if (rp->env != DL_ACCEPTED || rp->msg != DL_PENDING)
			continue;
		own = decoded ? rcpt_status(resp, rp->to) : NULL;
		said_yes = decoded && resp->st.verdict == SSMP_ACCEPT &&
		    (own == NULL || own->verdict == SSMP_ACCEPT);
		/* the whole body went out and no answer we can read came
		 * back: it may have been delivered (ssmp.7 SMTP-2) */
		silent = !decoded && r->body != NULL &&
		    r->off >= r->body->len;
		/* "delivering": it is being delivered, or may have been */
		if (decoded && (own != NULL ? own->delivering :
		    resp->st.delivering))
			said_yes = true;
		st = decoded && b->receipt_ok ? rcpt_status(resp, rp->to) :
		    NULL;
		rp->st = st ? *st : b->mst;
		rp->msg = state_of(rp->st.verdict);
		if (rp->msg == DL_ACCEPTED && !in_receipt(&b->receipt,
		    rp->to)) {
			status_make(&rp->st, SSMP_TEMPFAIL, "4.7.5",
			    "receipt does not name this recipient", NULL);
			rp->msg = DL_TEMP;
		}
		rp->delivered = rp->msg == DL_ACCEPTED;
		rp->duplicate = rp->delivered &&
		    strcmp(b->receipt.nonce, b->nonce) != 0;
		rp->maybe = !rp->delivered && (said_yes || silent);
	}
	free(resp);
}

/* An expired envelope (4.5.0 on the message): renew it, then resend. */
static int
needs_renewal(const struct dl_batch *b)
{
	return b->mst.verdict == SSMP_TEMPFAIL &&
	    strcmp(b->mst.code, "4.5.0") == 0 && b->receipt_ok == false;
}

static void
renew(struct dl_client *c, struct dl_batch *b)
{
	int i;

	for (i = 0; i < b->nrcpt; i++)
		if (b->rcpt[i].env == DL_ACCEPTED &&
		    b->rcpt[i].msg == DL_TEMP) {
			b->rcpt[i].env = DL_PENDING;
			b->rcpt[i].msg = DL_PENDING;
		}
	dl_envelope(c, &b, 1);
}

static void
message_round(struct dl_client *c, struct dl_batch *const *b, size_t n,
    const struct dl_body *body)
{
	struct dlh_req	*req, **rq;
	struct ssmp_err	 err;
	size_t		*idx, i, k = 0;
	int		 j, any;

	req = ssmp_xcalloc(n ? n : 1, sizeof(*req));
	rq = ssmp_xcalloc(n ? n : 1, sizeof(*rq));
	idx = ssmp_xcalloc(n ? n : 1, sizeof(*idx));
	for (i = 0; i < n; i++) {
		for (any = 0, j = 0; j < b[i]->nrcpt; j++)
			any |= b[i]->rcpt[j].env == DL_ACCEPTED &&
			    b[i]->rcpt[j].msg == DL_PENDING;
		if (!any)
			continue;
		if (message_request(c, b[i], &req[k], body, &err) != 0) {
			batch_fail(b[i], DL_ACCEPTED, err.msg);
			continue;
		}
		rq[k] = &req[k];
		idx[k++] = i;
	}
	dlh_run(c->http, rq, k);
	for (i = 0; i < k; i++) {
		message_result(c, b[idx[i]], &req[i], body);
		dlh_req_clear(&req[i]);
	}
	free(idx);
	free(rq);
	free(req);
}

void
dl_message(struct dl_client *c, struct dl_batch *const *b, size_t n,
    const struct dl_body *body)
{
	struct dl_batch	**again;
	size_t		  i, k = 0;

	message_round(c, b, n, body);
	again = ssmp_xcalloc(n ? n : 1, sizeof(*again));
	for (i = 0; i < n; i++)
		if (needs_renewal(b[i])) {
			renew(c, b[i]);
			again[k++] = b[i];
		}
	if (k > 0)
		message_round(c, again, k, body);
	free(again);
}
