/*
 * fuzz_http.c - raw bytes down ssmpd's request path, without the network.
 *
 * The input is what a client sends on a connection.  It goes through the
 * same functions, in the same order and with the same limits, as
 * http.c's read_head() and dispatch() and the endpoints' head and body
 * handlers: the head parser (also with the limit at the input's length,
 * the incremental "need more" path), the route table of both listeners,
 * the framing decisions (Content-Length against each endpoint's limit),
 * then each endpoint's synchronous checks: envelope and allow JSON,
 * nonce, selector, SSMP-Msgid/-Signature, the base64 SSMP-Envelope
 * header, the admin consent body.  Every refusal is encoded as the JSON
 * answer ssmpd would send and must decode again with the sender's
 * decoder: an answer our own client cannot read is a bug too.
 */
#include "config.h"

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "consent_recv.h"
#include "handoff.h"
#include "http_parse.h"
#include "routes.h"
#include "ssmp_allow.h"
#include "ssmp_b64.h"
#include "ssmp_crypto.h"
#include "ssmp_envelope.h"
#include "ssmp_json.h"
#include "ssmp_limits.h"
#include "ssmp_status.h"
#include "store.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_MESSAGE	(10 * 1024 * 1024)	/* MaxMessageSize default */
#define ADMIN_BODY_MAX	4096			/* admin_consent.c */

/* The answer to a refusal, as http_respond_status() builds it. */
static void
answer(enum ssmp_outcome o, int http, const char *reason)
{
	static struct ssmp_response r, back;
	struct ssmp_buf b;
	struct ssmp_err err;

	memset(&r, 0, sizeof(r));
	ssmp_status_set(&r.st, o, reason);
	if (http != 0)
		r.st.http = http;
	ssmp_buf_init(&b);
	ssmp_response_encode(&r, &b);
	if (ssmp_response_decode(b.p, b.len, &back, &err) != 0 ||
	    back.st.verdict != r.st.verdict || strcmp(back.st.code,
	    r.st.code) != 0 || strcmp(back.st.reason, r.st.reason) != 0)
		abort();
	ssmp_buf_free(&b);
}

static void
envelope_json(const char *p, size_t n)
{
	static struct ssmp_envelope env;
	struct ssmp_err err;

	if (ssmp_envelope_decode(p, n, &env, &err) != 0)
		answer(ssmp_err_is_version(&err) ? SSMP_BAD_VERSION :
		    SSMP_BAD_SYNTAX, 0, err.msg);
	else if (env.nto < 1 || env.nto > SSMP_MAX_RCPT)
		abort();
}

static void
msg_headers(const struct http_head *h)
{
	enum ssmp_outcome o;
	struct ssmp_err err;

	if (handoff_headers_check(http_header_get(h, "ssmp-msgid"),
	    http_header_get(h, "ssmp-signature"), &o, &err) != 0)
		answer(o, 0, err.msg);
}

static void
deliver(const struct http_head *h)
{
	const char *env = http_header_get(h, "ssmp-envelope");
	static unsigned char json[SSMP_ENVELOPE_JSON_MAX];
	struct ssmp_err err;
	size_t len;

	if (env == NULL)
		return;
	if (ssmp_b64_decode(env, json, sizeof(json), &len, 0, SSMP_B64_URL,
	    "SSMP-Envelope", &err) != 0) {
		answer(SSMP_BAD_SYNTAX, 0, err.msg);
		return;
	}
	if (len > sizeof(json))
		abort();
	msg_headers(h);
	envelope_json((const char *)json, len);
}

static void
allow_json(const char *p, size_t n)
{
	static struct ssmp_allow a;
	struct ssmp_err err;

	if (ssmp_allow_decode(p, n, &a, &err) != 0)
		answer(SSMP_BAD_SYNTAX, 0, err.msg);
}

/* The admin consent body: JSON with local, remote, tier. */
static void
consent_json(const char *p, size_t n)
{
	json_t *o;
	struct ssmp_err err;
	char local[SSMP_ADDR_MAX + 1], tier[16] = "";
	enum ks_tier t;

	if ((o = ssmp_json_parse(p, n, ADMIN_BODY_MAX, &err)) == NULL) {
		answer(SSMP_BAD_SYNTAX, 0, err.msg);
		return;
	}
	if (ssmp_json_str_opt(o, "local", local, sizeof(local), &err) != 0 ||
	    ssmp_json_str_opt(o, "tier", tier, sizeof(tier), &err) != 0 ||
	    (tier[0] != '\0' && ks_tier_parse(tier, &t, &err) != 0))
		answer(SSMP_BAD_SYNTAX, 400, err.msg);
	json_decref(o);
}

/* One endpoint's head checks, then its body if the framing allows. */
static void
endpoint(const struct http_match *m, const struct http_head *h,
    const char *body, size_t have)
{
	const char *rest = h->target + m->prefix_len;
	char sel[SSMP_SELECTOR_MAX + 1];
	struct ssmp_err err;
	size_t n = h->has_length && h->length < have ? (size_t)h->length :
	    h->has_length ? have : 0;

	if (m->route == &route_key) {
		if (ssmp_selector_check(rest, sel, &err) != 0)
			answer(SSMP_NO_ENDPOINT, 0, "unknown selector");
	} else if (m->route == &route_envelope || m->route == &route_allow) {
		if (h->length > SSMP_ENVELOPE_JSON_MAX)
			answer(SSMP_TOO_BIG, 0, NULL);
		else if (m->route == &route_envelope)
			envelope_json(body, n);
		else
			allow_json(body, n);
	} else if (m->route == &route_message) {
		if (ssmp_nonce_check(rest, &err) != 0)
			answer(SSMP_BAD_SYNTAX, 0, err.msg);
		msg_headers(h);
	} else if (m->route == &route_deliver) {
		if (h->length > MAX_MESSAGE)
			answer(SSMP_TOO_BIG, 0, NULL);
		deliver(h);
	} else if (m->route == &route_consent) {
		if (h->length <= ADMIN_BODY_MAX)
			consent_json(body, n);
	}
}

static void
request(const char *p, size_t size, size_t max)
{
	struct http_head h;
	struct http_parse_err pe;
	struct http_match m;
	size_t used = 0;
	enum http_parse_rc rc;

	rc = http_head_parse(p, size < max ? size : max, max, &h, &used, &pe);
	if (rc == HTTP_PARSE_MORE)
		return;
	if (rc == HTTP_PARSE_ERROR) {
		if (pe.status != 400 && pe.status != 411 && pe.status != 417 &&
		    pe.status != 431 && pe.status != 505 && pe.status != 500)
			abort();
		answer(pe.status == 411 ? SSMP_LENGTH_REQUIRED :
		    SSMP_BAD_SYNTAX, pe.status, pe.reason);
		return;
	}
	if (used > size || used > max || h.chunked)
		abort();
	for (int role = ROLE_SSMP; role <= ROLE_ADMIN; role++) {
		if (routes_find(role, h.method, h.target, &m) != 0) {
			if (m.fail != SSMP_NO_ENDPOINT && m.fail != SSMP_BAD_METHOD)
				abort();
			answer(m.fail, 0, NULL);
			continue;
		}
		if (m.prefix_len > strlen(h.target))
			abort();
		endpoint(&m, &h, p + used, size - used);
	}
	http_head_free(&h);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* read_head(): the head limit plus room for the request line. */
	request((const char *)data, size, SSMP_HTTP_HEADER_MAX + 1024);
	if (size > 1)
		request((const char *)data, size, size - 1);
	return 0;
}
