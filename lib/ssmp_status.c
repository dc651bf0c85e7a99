/*
 * ssmp_status.c - the outcome table of ssmp.7 STATUS CODES and the JSON
 * answer every SSMP request gets.
 *
 * The enhanced code's class digit decides everything downstream (a milter
 * answers 4xx or 5xx from it), so a decoded answer whose "status" word
 * disagrees with its code class is refused rather than guessed at.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "ssmp_json.h"
#include "ssmp_status.h"

static const struct outcome {
	int		 http;
	const char	*code;
	const char	*reason;
} outcomes[SSMP_OUTCOME_COUNT] = {
	[SSMP_OK] =		{ 200, "2.0.0", "accepted" },
	[SSMP_RCPT_OK] =	{ 200, "2.1.5", "recipient ok" },
	[SSMP_BAD_SYNTAX] =	{ 400, "5.5.2", "malformed request" },
	[SSMP_BAD_VERSION] =	{ 400, "5.5.4", "unsupported version" },
	[SSMP_BAD_TIME] =	{ 403, "4.7.0", "time outside window" },
	[SSMP_REPLAY] =		{ 409, "5.7.0", "replayed nonce" },
	[SSMP_BAD_SIG] =	{ 403, "5.7.5", "signature invalid" },
	[SSMP_BAD_BODY] =	{ 403, "5.7.7", "body does not match signature" },
	[SSMP_NO_KEY] =		{ 403, "5.7.5", "selector unknown" },
	[SSMP_KEY_REVOKED] =	{ 403, "5.7.5", "selector revoked" },
	[SSMP_KEY_TEMP] =	{ 503, "4.4.3", "sender key lookup failed "
				    "temporarily" },
	[SSMP_NOT_ALLOWED] =	{ 200, "5.7.1", "sender not in allow-list" },
	[SSMP_BLOCKED] =	{ 200, "5.7.1", "sender blocked" },
	[SSMP_NO_USER] =	{ 200, "5.1.1", "no such user" },
	[SSMP_WRONG_DOMAIN] =	{ 403, "5.1.2", "domain not served here" },
	[SSMP_TOO_BIG] =	{ 413, "5.3.4", "message too big" },
	[SSMP_RATE_LIMIT] =	{ 429, "4.7.0", "rate limited" },
	[SSMP_NO_ENVELOPE] =	{ 404, "4.5.0", "unknown or expired envelope" },
	[SSMP_MTA_TEMP] =	{ 503, "4.3.0", "local MTA unavailable" },
	[SSMP_MTA_PERM] =	{ 422, "5.6.0", "local MTA refused the message" },
	[SSMP_INTERNAL] =	{ 500, "4.3.0", "internal error" },
	[SSMP_LENGTH_REQUIRED] = { 411, "5.5.2", "length required" },
	[SSMP_NO_ENDPOINT] =	{ 404, "5.5.1", "unknown endpoint" },
	[SSMP_BAD_METHOD] =	{ 405, "5.5.1", "method not allowed" },
	/* a malformed request, not a message too big (ssmp.7 JSON-1) */
	[SSMP_JSON_TOO_BIG] =	{ 413, "5.5.2", "request JSON too large" },
	[SSMP_KEY_UNKNOWN] =	{ 404, "5.7.5", "no such key" },
};

static void
set_reason(struct ssmp_status *st, const char *reason)
{
	size_t i;

	/* truncate and force printable ASCII: MTA replies end up here */
	snprintf(st->reason, sizeof(st->reason), "%s", reason);
	for (i = 0; st->reason[i] != '\0'; i++)
		if ((unsigned char)st->reason[i] < 0x20 ||
		    (unsigned char)st->reason[i] > 0x7e)
			st->reason[i] = '?';
}

void
ssmp_status_set(struct ssmp_status *st, enum ssmp_outcome o,
    const char *reason)
{
	const struct outcome *oc;

	if ((unsigned)o >= SSMP_OUTCOME_COUNT)
		o = SSMP_INTERNAL;
	oc = &outcomes[o];
	memset(st, 0, sizeof(*st));
	st->http = oc->http;
	snprintf(st->code, sizeof(st->code), "%s", oc->code);
	st->verdict = (enum ssmp_verdict)(oc->code[0] - '0');
	set_reason(st, reason != NULL ? reason : oc->reason);
}

void
ssmp_status_set_delivering(struct ssmp_status *st, const char *reason)
{
	ssmp_status_set(st, SSMP_MTA_TEMP, reason);
	st->delivering = true;
}

int
ssmp_status_set_code(struct ssmp_status *st, const char *code,
    struct ssmp_err *err)
{
	enum ssmp_verdict v;

	if (ssmp_status_code_parse(code, &v, err) != 0)
		return -1;
	snprintf(st->code, sizeof(st->code), "%s", code);
	st->verdict = v;
	return 0;
}

/* 1..3 digits; *p advanced past them. */
static int
code_part(const char **p, int *val)
{
	int n = 0;

	*val = 0;
	while (isdigit((unsigned char)**p) && n < 4) {
		*val = *val * 10 + (**p - '0');
		(*p)++;
		n++;
	}
	return n >= 1 && n <= 3 ? 0 : -1;
}

int
ssmp_status_code_parse(const char *code, enum ssmp_verdict *v,
    struct ssmp_err *err)
{
	const char	*p = code;
	int		 cls, subject, detail;

	if (code_part(&p, &cls) != 0 || *p++ != '.' ||
	    code_part(&p, &subject) != 0 || *p++ != '.' ||
	    code_part(&p, &detail) != 0 || *p != '\0')
		return ssmp_err_set(err, "code: '%.20s' is not X.Y.Z", code);
	if (code[1] != '.' || (cls != 2 && cls != 4 && cls != 5))
		return ssmp_err_set(err, "code: class of '%.20s' must be 2, 4 "
		    "or 5", code);
	if (v != NULL)
		*v = (enum ssmp_verdict)cls;
	return 0;
}

const char *
ssmp_verdict_name(enum ssmp_verdict v)
{
	switch (v) {
	case SSMP_ACCEPT:
		return "accept";
	case SSMP_TEMPFAIL:
		return "tempfail";
	case SSMP_REJECT:
		return "reject";
	}
	return "unknown";
}

void
ssmp_status_to_json(json_t *o, const struct ssmp_status *st)
{
	ssmp_json_set_str(o, "status", ssmp_verdict_name(st->verdict));
	ssmp_json_set_str(o, "code", st->code);
	ssmp_json_set_str(o, "reason", st->reason);
	if (st->delivering)
		ssmp_json_set_new(o, "delivering", json_true());
}

/* Optional; only a temporary answer can say the receiver may have it. */
static int
delivering_from_json(json_t *o, struct ssmp_status *st, struct ssmp_err *err)
{
	json_t *v = json_object_get(o, "delivering");

	if (v == NULL)
		return 0;
	if (!json_is_boolean(v))
		return ssmp_err_set(err, "member 'delivering': must be true "
		    "or false");
	st->delivering = json_is_true(v) && st->verdict == SSMP_TEMPFAIL;
	return 0;
}

/* HTTP is not in the JSON: the caller has it from the transport. */
int
ssmp_status_from_json(json_t *o, struct ssmp_status *st, struct ssmp_err *err)
{
	char word[16];

	memset(st, 0, sizeof(*st));
	if (ssmp_json_str(o, "status", word, sizeof(word), err) != 0 ||
	    ssmp_json_str(o, "code", st->code, sizeof(st->code), err) != 0)
		return -1;
	if (ssmp_status_code_parse(st->code, &st->verdict, err) != 0)
		return ssmp_json_member_err(err, "code");
	if (strcmp(word, ssmp_verdict_name(st->verdict)) != 0)
		return ssmp_err_set(err, "member 'status': '%s' does not agree "
		    "with code %s (%s)", word, st->code,
		    ssmp_verdict_name(st->verdict));
	if (ssmp_json_str_opt(o, "reason", st->reason, sizeof(st->reason),
	    err) != 0)
		return -1;
	return delivering_from_json(o, st, err);
}

static json_t *
response_to_json(const struct ssmp_response *r)
{
	json_t	*o = ssmp_json_object(), *a, *e;
	int	 i;

	ssmp_json_set_new(o, "v", json_integer(SSMP_VERSION));
	ssmp_status_to_json(o, &r->st);
	if (r->nrcpt > 0) {
		if ((a = json_array()) == NULL)
			abort();
		for (i = 0; i < r->nrcpt && i < SSMP_MAX_RCPT; i++) {
			e = ssmp_json_object();
			ssmp_json_set_str(e, "to", r->rcpt[i].to);
			ssmp_status_to_json(e, &r->rcpt[i].st);
			if (json_array_append_new(a, e) != 0)
				abort();
		}
		ssmp_json_set_new(o, "rcpt", a);
	}
	if (r->has_receipt)
		ssmp_json_set_new(o, "receipt", ssmp_receipt_to_json(&r->receipt));
	return o;
}

static int
rcpt_from_json(json_t *e, struct ssmp_rcpt_result *rr, struct ssmp_err *err)
{
	struct ssmp_addr a;

	if (!json_is_object(e))
		return ssmp_err_set(err, "must be an object");
	if (ssmp_json_str(e, "to", rr->to, sizeof(rr->to), err) != 0 ||
	    ssmp_field_addr("to", rr->to, &a, err) != 0)
		return -1;
	return ssmp_status_from_json(e, &rr->st, err);
}

static int
response_from_json(json_t *o, void *arg, struct ssmp_err *err)
{
	struct ssmp_response	*r = arg;
	json_t			*a, *rec;
	size_t			 i;

	if (ssmp_json_version(o, err) != 0 ||
	    ssmp_status_from_json(o, &r->st, err) != 0)
		return -1;
	if (json_object_get(o, "rcpt") != NULL) {
		if ((a = ssmp_json_array(o, "rcpt", 0, SSMP_MAX_RCPT, err)) ==
		    NULL)
			return -1;
		for (i = 0; i < json_array_size(a); i++)
			if (rcpt_from_json(json_array_get(a, i), &r->rcpt[i],
			    err) != 0)
				return ssmp_err_prefix(err, "member 'rcpt[%zu]': ",
				    i);
		r->nrcpt = (int)i;
	}
	if ((rec = json_object_get(o, "receipt")) != NULL) {
		if (ssmp_receipt_from_json(rec, &r->receipt, err) != 0)
			return ssmp_err_prefix(err, "member 'receipt': ");
		r->has_receipt = true;
	}
	return 0;
}

void
ssmp_response_encode(const struct ssmp_response *r, struct ssmp_buf *out)
{
	ssmp_json_dump(response_to_json(r), out);
}

int
ssmp_response_decode(const char *json, size_t len, struct ssmp_response *r,
    struct ssmp_err *err)
{
	memset(r, 0, sizeof(*r));
	return ssmp_json_decode(json, len, SSMP_RESPONSE_JSON_MAX, "response: ",
	    response_from_json, r, err);
}
