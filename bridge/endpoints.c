/*
 * endpoints.c - the three POST endpoints of ssmp.7: envelope,
 * message/<nonce> and the one-shot deliver.  Each turns HTTP into calls
 * of envelope_check and handoff and their results back into answers.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>

#include <event2/buffer.h>

#include "envelope_check.h"
#include "handoff.h"
#include "http.h"
#include "pending.h"
#include "ratelimit.h"
#include "routes.h"
#include "ssmp_b64.h"
#include "ssmp_buf.h"
#include "ssmp_log.h"
#include "ssmpd.h"

struct req {
	struct conn		*c;
	struct echeck		*ec;
	struct handoff		*h;
	struct pending		*p;	/* claimed by this request */
	char			 msgid[SSMP_MSGID_MAX + 1];
	char			 sig[SSMP_SIG_B64 + 1];
};

static struct req *
req_new(struct conn *c)
{
	struct req *r = ssmp_xcalloc(1, sizeof(*r));

	r->c = c;
	http_set_state(c, r);
	return r;
}

/*
 * The envelope goes back to the table, retired as ssmp.7 MSG-7 says after
 * a 2xx or a class 5 answer about the message (not a malformed request),
 * usable again otherwise.  The one place a request lets go of its
 * envelope; the hand-off does not touch it after its answer.
 */
static void
req_release(struct req *r, const struct ssmp_response *resp)
{
	enum pending_end end = PENDING_KEEP;

	if (r->p == NULL)
		return;
	if (resp != NULL && resp->st.verdict == SSMP_ACCEPT)
		end = PENDING_DELIVERED;
	else if (resp != NULL && resp->st.verdict == SSMP_REJECT &&
	    resp->st.http != 400)
		end = PENDING_REFUSED;
	pending_release(http_daemon(r->c)->pending, r->p, r, end, r->msgid);
	r->p = NULL;
}

/* Answer a request that holds an envelope, releasing it first. */
static void
req_answer(struct req *r, const struct ssmp_response *resp)
{
	req_release(r, resp);
	http_respond_json(r->c, resp, NULL);
}

static void
req_cleanup(struct conn *c)
{
	struct req *r = http_state(c);

	if (r == NULL)
		return;
	req_release(r, NULL);
	if (r->ec != NULL)
		echeck_free(r->ec);
	handoff_free(r->h);
	free(r);
}

/* Per-client-IP limit, checked first on every POST (routes.h). */
bool
client_limited(struct conn *c)
{
	struct ssmpd *d = http_daemon(c);
	char extra[64];
	int wait;

	wait = ratelimit_take(d->rl_client, http_peer(c), ratelimit_now());
	if (wait == 0)
		return false;
	d->metrics[M_RATE_LIMITED]++;
	snprintf(extra, sizeof(extra), "Retry-After: %d\r\n", wait);
	ssmp_log(LOG_INFO, http_reqid(c), "client %s: rate limited",
	    http_peer(c));
	http_respond_status(c, SSMP_RATE_LIMIT, "too many requests from this "
	    "client", extra);
	return true;
}

static void
count_envelope(struct ssmpd *d, const struct ssmp_response *resp)
{
	d->metrics[resp->st.verdict == SSMP_ACCEPT ? M_ENV_ACCEPT :
	    resp->st.verdict == SSMP_TEMPFAIL ? M_ENV_TEMPFAIL :
	    M_ENV_REJECT]++;
}

/* ---- POST envelope ------------------------------------------------- */

static void
envelope_head(struct conn *c)
{
	if (!client_limited(c))
		http_read_json(c, SSMP_ENVELOPE_JSON_MAX);
}

static void
envelope_checked(struct echeck *ec, void *arg)
{
	struct req *r = arg;

	count_envelope(ec->d, &ec->resp);
	http_respond_json(r->c, &ec->resp, ec->extra[0] ? ec->extra : NULL);
}

static void
envelope_body(struct conn *c)
{
	struct req *r = req_new(c);
	struct evbuffer *b = http_body(c);
	size_t len = evbuffer_get_length(b);

	r->ec = echeck_new(http_daemon(c), http_reqid(c), http_peer(c),
	    envelope_checked, r);
	echeck_run(r->ec, (const char *)evbuffer_pullup(b, -1), len);
}

const struct route route_envelope = {
	"POST", SSMP_PATH_PREFIX "envelope", envelope_head, envelope_body,
	req_cleanup, "application/json", false
};

/* ---- POST message/<nonce> ----------------------------------------- */

static bool
copy_msg_headers(struct conn *c, struct req *r)
{
	const struct http_head *h = http_head(c);
	const char *msgid = http_header_get(h, "ssmp-msgid");
	const char *sig = http_header_get(h, "ssmp-signature");
	enum ssmp_outcome o;
	struct ssmp_err err;

	if (handoff_headers_check(msgid, sig, &o, &err) != 0) {
		http_respond_status(c, o, err.msg, NULL);
		return false;
	}
	snprintf(r->msgid, sizeof(r->msgid), "%s", msgid);
	snprintf(r->sig, sizeof(r->sig), "%s", sig);
	return true;
}

static void
message_done(struct handoff *h, void *arg)
{
	req_answer(arg, handoff_response(h));
}

static void
message_body(struct conn *c)
{
	struct req *r = http_state(c);

	r->h = handoff_start(http_daemon(c), http_reqid(c), http_peer(c),
	    r->p, r->msgid, r->sig, http_body_store(c), message_done, r);
}

/* Claim the envelope of nonce for this request, or answer why not. */
static bool
claim_pending(struct conn *c, struct req *r, const char *nonce)
{
	struct ssmpd *d = http_daemon(c);
	struct ssmp_response resp;
	struct ssmp_err err;

	if (ssmp_nonce_check(nonce, &err) != 0) {
		http_respond_status(c, SSMP_BAD_SYNTAX, err.msg, NULL);
		return false;
	}
	switch (pending_claim(d->pending, nonce, r->msgid, time(NULL), r,
	    &r->p)) {
	case PENDING_OK:
		return true;
	case PENDING_BUSY:
		memset(&resp, 0, sizeof(resp));
		ssmp_status_set_delivering(&resp.st, "a delivery for this "
		    "envelope is in progress");
		http_respond_json(c, &resp, "Retry-After: 5\r\n");
		return false;
	case PENDING_RETIRED:
		ssmp_log(LOG_INFO, nonce, "client %s: this envelope's message "
		    "phase is over; msgid=%s refused", http_peer(c), r->msgid);
		http_respond_status(c, SSMP_NO_ENVELOPE, "envelope already "
		    "used for another message", NULL);
		return false;
	default:
		http_respond_status(c, SSMP_NO_ENVELOPE, NULL, NULL);
		return false;
	}
}

static void
message_head(struct conn *c)
{
	struct ssmpd *d = http_daemon(c);
	struct ssmp_response resp;
	struct req *r;

	if (client_limited(c))
		return;
	r = req_new(c);
	if (!copy_msg_headers(c, r))
		return;
	if (!claim_pending(c, r, http_path_rest(c)))
		return;
	/* this request's log lines carry the nonce (Received: id) */
	http_set_reqid(c, r->p->nonce);
	if (http_head(c)->length > d->conf.max_message) {
		memset(&resp, 0, sizeof(resp));
		ssmp_status_set(&resp.st, SSMP_TOO_BIG, NULL);
		req_answer(r, &resp);
		return;
	}
	http_read_body(c, d->conf.max_message);
}

const struct route route_message = {
	"POST", SSMP_PATH_PREFIX "message/", message_head, message_body,
	req_cleanup, "message/rfc822", true
};

/* ---- POST deliver (one-shot) ---------------------------------------- */

/* Envelope rejections first, then the hand-off's per-recipient results. */
static void
merge_rcpts(struct ssmp_response *out, const struct ssmp_response *env,
    const struct ssmp_response *msg)
{
	struct ssmp_response tmp = *msg;

	tmp.nrcpt = 0;
	for (int i = 0; i < env->nrcpt; i++)
		if (env->rcpt[i].st.verdict != SSMP_ACCEPT)
			tmp.rcpt[tmp.nrcpt++] = env->rcpt[i];
	for (int i = 0; i < msg->nrcpt && tmp.nrcpt < SSMP_MAX_RCPT; i++)
		tmp.rcpt[tmp.nrcpt++] = msg->rcpt[i];
	*out = tmp;
}

static void
deliver_done(struct handoff *h, void *arg)
{
	struct req *r = arg;
	struct ssmp_response *resp = ssmp_xmalloc(sizeof(*resp));

	req_release(r, handoff_response(h));
	merge_rcpts(resp, &r->ec->resp, handoff_response(h));
	http_respond_json(r->c, resp, NULL);
	free(resp);
}

static void
deliver_body(struct conn *c)
{
	struct req *r = http_state(c);

	r->h = handoff_start(http_daemon(c), http_reqid(c), http_peer(c),
	    r->p, r->msgid, r->sig, http_body_store(c), deliver_done, r);
}

/* Envelope checked: refuse now (the body was never asked for) or go on. */
static void
deliver_checked(struct echeck *ec, void *arg)
{
	struct req *r = arg;

	count_envelope(ec->d, &ec->resp);
	if (ec->resp.st.verdict != SSMP_ACCEPT || ec->accepted == NULL) {
		http_respond_json(r->c, &ec->resp,
		    ec->extra[0] ? ec->extra : NULL);
		return;
	}
	if (pending_claim(ec->d->pending, ec->accepted->nonce, r->msgid,
	    time(NULL), r, &r->p) != PENDING_OK) {
		http_respond_status(r->c, SSMP_INTERNAL, "envelope lost", NULL);
		return;
	}
	http_set_reqid(r->c, r->p->nonce);
	http_read_body(r->c, ec->d->conf.max_message);
}

static void
deliver_head(struct conn *c)
{
	const struct http_head *h = http_head(c);
	const char *env = http_header_get(h, "ssmp-envelope");
	unsigned char json[SSMP_ENVELOPE_JSON_MAX];
	struct ssmp_err err;
	struct req *r;
	size_t len;

	if (client_limited(c))
		return;
	r = req_new(c);
	if (h->length > http_daemon(c)->conf.max_message) {
		http_respond_status(c, SSMP_TOO_BIG, NULL, NULL);
		return;
	}
	if (env == NULL) {
		http_respond_status(c, SSMP_BAD_SYNTAX,
		    "missing SSMP-Envelope header", NULL);
		return;
	}
	if (ssmp_b64_decode(env, json, sizeof(json), &len, 0, SSMP_B64_URL,
	    "SSMP-Envelope", &err) != 0) {
		http_respond_status(c, SSMP_BAD_SYNTAX, err.msg, NULL);
		return;
	}
	if (!copy_msg_headers(c, r))
		return;
	r->ec = echeck_new(http_daemon(c), http_reqid(c), http_peer(c),
	    deliver_checked, r);
	echeck_run(r->ec, (const char *)json, len);
}

const struct route route_deliver = {
	"POST", SSMP_PATH_PREFIX "deliver", deliver_head, deliver_body,
	req_cleanup, "message/rfc822", true
};
