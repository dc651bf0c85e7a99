/*
 * test_status.c - the outcome table, enhanced status codes and the JSON
 * answer; a status word that disagrees with its code class is refused.
 */
#include "tap.h"
#include "vectors.h"

static struct vectors v;

static void
table(void)
{
	static const struct {
		enum ssmp_outcome	 o;
		int			 http;
		const char		*code;
		enum ssmp_verdict	 verdict;
	} t[] = {
		{ SSMP_OK, 200, "2.0.0", SSMP_ACCEPT },
		{ SSMP_RCPT_OK, 200, "2.1.5", SSMP_ACCEPT },
		{ SSMP_BAD_SYNTAX, 400, "5.5.2", SSMP_REJECT },
		{ SSMP_BAD_VERSION, 400, "5.5.4", SSMP_REJECT },
		{ SSMP_BAD_TIME, 403, "4.7.0", SSMP_TEMPFAIL },
		{ SSMP_REPLAY, 409, "5.7.0", SSMP_REJECT },
		{ SSMP_BAD_SIG, 403, "5.7.5", SSMP_REJECT },
		{ SSMP_BAD_BODY, 403, "5.7.7", SSMP_REJECT },
		{ SSMP_NO_KEY, 403, "5.7.5", SSMP_REJECT },
		{ SSMP_KEY_REVOKED, 403, "5.7.5", SSMP_REJECT },
		{ SSMP_KEY_TEMP, 503, "4.4.3", SSMP_TEMPFAIL },
		{ SSMP_NOT_ALLOWED, 200, "5.7.1", SSMP_REJECT },
		{ SSMP_BLOCKED, 200, "5.7.1", SSMP_REJECT },
		{ SSMP_NO_USER, 200, "5.1.1", SSMP_REJECT },
		{ SSMP_WRONG_DOMAIN, 403, "5.1.2", SSMP_REJECT },
		{ SSMP_TOO_BIG, 413, "5.3.4", SSMP_REJECT },
		{ SSMP_RATE_LIMIT, 429, "4.7.0", SSMP_TEMPFAIL },
		{ SSMP_NO_ENVELOPE, 404, "4.5.0", SSMP_TEMPFAIL },
		{ SSMP_MTA_TEMP, 503, "4.3.0", SSMP_TEMPFAIL },
		{ SSMP_MTA_PERM, 422, "5.6.0", SSMP_REJECT },
		{ SSMP_INTERNAL, 500, "4.3.0", SSMP_TEMPFAIL },
		{ SSMP_LENGTH_REQUIRED, 411, "5.5.2", SSMP_REJECT },
		{ SSMP_NO_ENDPOINT, 404, "5.5.1", SSMP_REJECT },
		{ SSMP_BAD_METHOD, 405, "5.5.1", SSMP_REJECT },
		{ SSMP_JSON_TOO_BIG, 413, "5.5.2", SSMP_REJECT },
		{ SSMP_KEY_UNKNOWN, 404, "5.7.5", SSMP_REJECT },
	};
	struct ssmp_status	st;
	size_t			i;

	is_int(sizeof(t) / sizeof(t[0]), SSMP_OUTCOME_COUNT,
	    "every outcome is in the test table");
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		ssmp_status_set(&st, t[i].o, NULL);
		ok(st.http == t[i].http && strcmp(st.code, t[i].code) == 0 &&
		    st.verdict == t[i].verdict && st.reason[0] != '\0',
		    "outcome %zu: %d %s %s (%s)", i, st.http, st.code,
		    ssmp_verdict_name(st.verdict), st.reason);
	}
	ssmp_status_set(&st, SSMP_NOT_ALLOWED, NULL);
	is_str(st.reason, "sender not in allow-list", "default reason");
	ssmp_status_set(&st, SSMP_MTA_TEMP, "451 4.3.2 caf\xc3\xa9\r\n");
	is_str(st.reason, "451 4.3.2 caf??\?\?", "reason forced to printable");
}

static void
codes(void)
{
	static const char *const good[] = { "2.0.0", "4.7.0", "5.999.999",
	    "5.1.10" };
	static const char *const bad[] = { "", "3.0.0", "5.0", "5.0.0.0",
	    "05.0.0", "5.1000.0", "5.a.0", "5.0.0 ", "2..0", "-2.0.0" };
	struct ssmp_status	st;
	struct ssmp_err		err;
	enum ssmp_verdict	vd;
	size_t			i;

	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++)
		ok(ssmp_status_code_parse(good[i], &vd, &err) == 0 &&
		    (int)vd == good[i][0] - '0', "code %s", good[i]);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		ok(ssmp_status_code_parse(bad[i], &vd, &err) == -1,
		    "code '%s' refused", bad[i]);
		like(err.msg, "code: ", "  error names the code");
	}
	ssmp_status_code_parse("3.0.0", &vd, &err);
	like(err.msg, "class of '3.0.0' must be 2, 4 or 5", "class message");
	is_str(ssmp_verdict_name(SSMP_TEMPFAIL), "tempfail", "verdict name");

	ssmp_status_set(&st, SSMP_MTA_PERM, "550 5.1.1 no mailbox");
	ok(ssmp_status_set_code(&st, "5.1.1", &err) == 0 &&
	    strcmp(st.code, "5.1.1") == 0 && st.http == 422,
	    "MTA's code replaces the default, HTTP kept");
	ok(ssmp_status_set_code(&st, "4.2.2", &err) == 0 &&
	    st.verdict == SSMP_TEMPFAIL, "verdict follows the code class");
	ok(ssmp_status_set_code(&st, "x", &err) == -1 &&
	    strcmp(st.code, "4.2.2") == 0, "bad code refused, status kept");
}

static void
response_round_trip(void)
{
	static struct ssmp_response	r, d;
	struct ssmp_buf			b;
	struct ssmp_err			err;
	const char			*json;

	ok(ssmp_response_decode(v.resp_json, strlen(v.resp_json), &r,
	    &err) == 0, "vector answer decodes");
	is_int(r.st.verdict, SSMP_ACCEPT, "accept");
	is_int(r.st.http, 0, "no HTTP status in JSON");
	is_str(r.st.reason, "queued as 4XyZ1", "reason");
	is_int(r.nrcpt, 2, "two rcpt results");
	is_str(r.rcpt[1].to, "carol@b.test", "rcpt[1].to");
	is_str(r.rcpt[1].st.code, "2.1.5", "rcpt[1].code");
	ok(r.has_receipt && r.receipt.nto == 2, "receipt present");

	memset(&r, 0, sizeof(r));
	ssmp_status_set(&r.st, SSMP_BAD_TIME, "time 400 s in the future");
	ssmp_buf_init(&b);
	ssmp_response_encode(&r, &b);
	is_str(b.p, "{\"v\":1,\"status\":\"tempfail\",\"code\":\"4.7.0\","
	    "\"reason\":\"time 400 s in the future\"}",
	    "bare answer: no rcpt, no receipt");
	ok(ssmp_response_decode(b.p, b.len, &d, &err) == 0 && d.nrcpt == 0 &&
	    !d.has_receipt && d.st.verdict == SSMP_TEMPFAIL,
	    "  decodes back");
	ssmp_buf_free(&b);
	json = "{\"v\":1,\"status\":\"reject\",\"code\":\"5.5.1\"}";
	ok(ssmp_response_decode(json, strlen(json), &d, &err) == 0 &&
	    d.st.reason[0] == '\0', "reason may be absent");
	json = "{\"v\":1,\"status\":\"reject\",\"code\":\"5.5.1\",\"rcpt\":[]}";
	ok(ssmp_response_decode(json, strlen(json), &d, &err) == 0 &&
	    d.nrcpt == 0, "empty rcpt array accepted");
}

static void
bad(const char *from, const char *to, const char *needle)
{
	static struct ssmp_response	r;
	struct ssmp_err			err;
	char				*json = v_subst(v.resp_json, from, to);

	memset(&err, 0, sizeof(err));
	ok(ssmp_response_decode(json, strlen(json), &r, &err) == -1,
	    "refused: %s -> %s", from, to);
	like(err.msg, needle, "  error names it");
	free(json);
}

static void
response_malformed(void)
{
	static struct ssmp_response	r;
	struct ssmp_buf			b;
	struct ssmp_err			err;
	char				 reason[SSMP_REASON_MAX + 2];
	int				 i;

	bad("\"status\":\"accept\",\"code\":\"2.0.0\"",
	    "\"status\":\"accept\",\"code\":\"4.0.0\"",
	    "response: member 'status': 'accept' does not agree with code "
	    "4.0.0 (tempfail)");
	bad("\"status\":\"accept\",\"code\":\"2.0.0\"",
	    "\"status\":\"reject\",\"code\":\"2.0.0\"", "does not agree");
	bad("\"status\":\"accept\",\"code\":\"2.1.5\"",
	    "\"status\":\"tempfail\",\"code\":\"2.1.5\"",
	    "response: member 'rcpt[0]': member 'status': 'tempfail' does not "
	    "agree with code 2.1.5");
	bad("\"code\":\"2.0.0\"", "\"code\":\"2.0\"",
	    "response: member 'code': '2.0' is not X.Y.Z");
	bad("\"status\":\"accept\",\"code\":\"2.0.0\"", "\"status\":\"ok\","
	    "\"code\":\"2.0.0\"", "'ok' does not agree");
	bad("\"v\":1", "\"v\":2", "response: unsupported version 2");
	bad("\"to\":\"bob@b.test\"", "\"to\":\"bob\"",
	    "response: member 'rcpt[0]': member 'to'");
	bad("\"rcpt\":[", "\"rcpt\":[7,", "member 'rcpt[0]': must be an object");
	bad("\"domain\":\"b.test\"", "\"domain\":\"a.test\"",
	    "response: member 'receipt': member 'to[0]': recipient bob@b.test "
	    "not in domain a.test");
	bad("\"receipt\":{", "\"receipt\":7,\"x\":{",
	    "member 'receipt': must be a JSON object");
	bad("\"reason\":\"queued", "\"reason\":\"\\u0007queued",
	    "member 'reason': control character");
	bad("{\"v\":1,", "{\"v\":1,\"status\":\"accept\",", "duplicate");

	ssmp_buf_init(&b);
	memset(reason, 'r', sizeof(reason) - 1);
	reason[sizeof(reason) - 1] = '\0';
	ssmp_buf_adds(&b, "{\"v\":1,\"status\":\"reject\",\"code\":\"5.0.0\","
	    "\"reason\":\"");
	ssmp_buf_adds(&b, reason);
	ssmp_buf_adds(&b, "\"}");
	ok(ssmp_response_decode(b.p, b.len, &r, &err) == -1,
	    "201-octet reason refused");
	like(err.msg, "member 'reason': too long (201 > 200)", "  says so");

	ssmp_buf_reset(&b);
	ssmp_buf_adds(&b, "{\"v\":1,\"status\":\"reject\",\"code\":\"5.0.0\","
	    "\"rcpt\":[");
	for (i = 0; i <= SSMP_MAX_RCPT; i++)
		ssmp_buf_adds(&b, i ? ",{}" : "{}");
	ssmp_buf_adds(&b, "]}");
	ok(ssmp_response_decode(b.p, b.len, &r, &err) == -1,
	    "101 rcpt results refused");
	like(err.msg, "member 'rcpt': must be an array of 0..100", "  says so");
	ssmp_buf_free(&b);
}

/* "delivering":true: encoded only when set, kept only on class 4. */
static void
delivering(void)
{
	static struct ssmp_response	r, d;
	struct ssmp_err			err;
	struct ssmp_buf			b;
	const char			*json;

	memset(&r, 0, sizeof(r));
	r.nrcpt = 1;
	snprintf(r.rcpt[0].to, sizeof(r.rcpt[0].to), "bob@b.test");
	ssmp_status_set_delivering(&r.rcpt[0].st, "a delivery of this "
	    "message is in progress");
	ssmp_status_set(&r.st, SSMP_MTA_TEMP, NULL);
	ssmp_buf_init(&b);
	ssmp_response_encode(&r, &b);
	like(b.p, "progress\",\"delivering\":true}]",
	    "delivering: encoded in the recipient's entry");
	ok(ssmp_response_decode(b.p, b.len, &d, &err) == 0 &&
	    d.nrcpt == 1 && d.rcpt[0].st.delivering && !d.st.delivering,
	    "  decodes back, top level not set");
	ssmp_buf_free(&b);
	json = "{\"v\":1,\"status\":\"tempfail\",\"code\":\"4.3.0\","
	    "\"delivering\":false}";
	ok(ssmp_response_decode(json, strlen(json), &d, &err) == 0 &&
	    !d.st.delivering, "delivering:false accepted, not set");
	json = "{\"v\":1,\"status\":\"accept\",\"code\":\"2.0.0\","
	    "\"delivering\":true}";
	ok(ssmp_response_decode(json, strlen(json), &d, &err) == 0 &&
	    !d.st.delivering, "delivering on class 2: ignored");
	json = "{\"v\":1,\"status\":\"tempfail\",\"code\":\"4.3.0\","
	    "\"delivering\":1}";
	ok(ssmp_response_decode(json, strlen(json), &d, &err) == -1,
	    "delivering:1 refused");
	like(err.msg, "delivering", "  error names the member");
}

int
main(void)
{
	vectors_compute(&v);
	table();
	codes();
	response_round_trip();
	response_malformed();
	delivering();
	vectors_free(&v);
	return done_testing();
}
