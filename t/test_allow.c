/*
 * test_allow.c - the consent handshake request and its answer: build,
 * verify, JSON round trip, tampering and malformed requests.
 */
#include "tap.h"
#include "vectors.h"
#include "ssmp_json.h"

static struct ssmp_key	sk, rk;
static struct vectors	v;

static void
bad(const char *from, const char *to, const char *needle)
{
	struct ssmp_allow	a;
	struct ssmp_err		err;
	char			*json = v_subst(v.allow_json, from, to);

	memset(&err, 0, sizeof(err));
	ok(ssmp_allow_decode(json, strlen(json), &a, &err) == -1,
	    "refused: %s -> %s", from, to);
	like(err.msg, needle, "  error names it");
	free(json);
}

static void
names(void)
{
	enum ssmp_allow_type	t;
	enum ssmp_allow_state	s;
	struct ssmp_err		err;

	ok(ssmp_allow_type_parse("signup", &t, &err) == 0 &&
	    t == SSMP_ALLOW_SIGNUP, "type signup");
	is_str(ssmp_allow_type_name(SSMP_ALLOW_WITHDRAW), "withdraw",
	    "type name");
	ok(ssmp_allow_type_parse("Share", &t, &err) == -1, "types are exact");
	like(err.msg, "type: 'Share' is not share, signup or withdraw",
	    "  says so");
	ok(ssmp_allow_state_parse("subscribed", &s, &err) == 0 &&
	    s == SSMP_ALLOW_SUBSCRIBED, "state subscribed");
	is_str(ssmp_allow_state_name(SSMP_ALLOW_SHARED), "shared",
	    "state name");
	ok(ssmp_allow_state_parse("done", &s, &err) == -1, "unknown state");
}

static void
round_trip(struct ssmp_allow *a)
{
	struct ssmp_buf	b;
	struct ssmp_err	err;

	ok(ssmp_allow_decode(v.allow_json, strlen(v.allow_json), a, &err) == 0,
	    "vector allow decodes");
	is_int(a->type, SSMP_ALLOW_SHARE, "type");
	is_str(a->from, V_FROM, "from");
	is_str(a->to_addr.domain, "b.test", "to parsed");
	is_str(a->nonce, "EBESExQVFhcYGRobHB0eHw", "nonce");
	ok(ssmp_allow_verify(a, sk.pk, &err) == 0, "verifies");
	ok(ssmp_allow_verify(a, rk.pk, &err) == -1, "wrong key fails");
	like(err.msg, "allow: signature does not verify", "  says so");
	ssmp_buf_init(&b);
	ssmp_allow_encode(a, &b);
	is_str(b.p, v.allow_json, "re-encodes identically");
	ssmp_buf_free(&b);
}

static void
tamper(const struct ssmp_allow *a)
{
	struct ssmp_allow	t;
	struct ssmp_err		err;

#define TAMPER(stmt, what) do {						\
	t = *a;								\
	stmt;								\
	ok(ssmp_allow_verify(&t, sk.pk, &err) == -1,			\
	    "changed %s fails to verify", what);			\
} while (0)
	TAMPER(t.type = SSMP_ALLOW_WITHDRAW, "type");
	TAMPER(t.time[0] = '1', "time");
	TAMPER(t.from[1] = 'L', "from");
	TAMPER(t.to[0] = 'r', "to");
	TAMPER(t.nonce[0] = 'F', "nonce");
	TAMPER(t.selector[0] = 'S', "selector");
	TAMPER(t.sig[0] ^= 1, "sig");
#undef TAMPER
}

static void
malformed(void)
{
	struct ssmp_allow	a;
	struct ssmp_err		err;
	char			*json;

	bad("\"type\":\"share\"", "\"type\":\"love\"",
	    "allow: member 'type': 'love' is not share, signup or withdraw");
	bad("\"type\":\"share\",", "", "allow: missing member 'type'");
	bad("\"to\":\"bob@b.test\"", "\"to\":[\"bob@b.test\"]",
	    "member 'to': must be a string");
	bad("\"to\":\"bob@b.test\"", "\"to\":\"bob@[127.0.0.1]\"",
	    "allow: member 'to'");
	bad("\"nonce\":\"EBES", "\"nonce\":\"=BES", "allow: member 'nonce'");
	bad("{\"v\":1", "{\"v\":1,\"v\":1", "duplicate");
	bad("\"sig\":\"Y/Qo", "\"sig\":\"Y/Q", "member 'sig'");
	bad("\"time\":\"2026", "\"time\":\"1026", "member 'time'");
	json = v_subst(v.allow_json, "\"v\":1", "\"v\":3");
	ok(ssmp_allow_decode(json, strlen(json), &a, &err) == -1 &&
	    ssmp_err_is_version(&err), "v=3 is a version error");
	like(err.msg, "allow: unsupported version 3", "  says so");
	free(json);
	ok(ssmp_allow_build(&a, SSMP_ALLOW_SIGNUP, NULL, V_FROM, "list",
	    NULL, V_SEL, &sk, &err) == -1, "build refuses a bad to");
	like(err.msg, "allow: member 'to': address: missing '@'", "  says so");
	ok(ssmp_allow_build(&a, (enum ssmp_allow_type)7, NULL, V_FROM,
	    "bob@b.test", NULL, V_SEL, &sk, &err) == -1,
	    "build refuses an unknown type");
	ok(ssmp_allow_build(&a, SSMP_ALLOW_WITHDRAW, NULL, V_FROM,
	    "bob@b.test", NULL, V_SEL, &sk, &err) == 0 &&
	    ssmp_allow_verify(&a, sk.pk, &err) == 0,
	    "build with clock time and fresh nonce verifies");
}

static void
answers(void)
{
	struct ssmp_allow_answer	r, d;
	struct ssmp_buf			b;
	struct ssmp_err			err;
	const char			*json;

	memset(&r, 0, sizeof(r));
	ssmp_status_set(&r.st, SSMP_OK, "waiting for bob");
	r.state = SSMP_ALLOW_PENDING;
	ssmp_buf_init(&b);
	ssmp_allow_answer_encode(&r, &b);
	is_str(b.p, "{\"v\":1,\"status\":\"accept\",\"code\":\"2.0.0\","
	    "\"reason\":\"waiting for bob\",\"allow\":\"pending\"}",
	    "accepted answer carries the state");
	ok(ssmp_allow_answer_decode(b.p, b.len, &d, &err) == 0 &&
	    d.state == SSMP_ALLOW_PENDING && d.st.verdict == SSMP_ACCEPT,
	    "  decodes back");
	ssmp_status_set(&r.st, SSMP_RATE_LIMIT, NULL);
	ssmp_allow_answer_encode(&r, &b);
	is_str(b.p, "{\"v\":1,\"status\":\"tempfail\",\"code\":\"4.7.0\","
	    "\"reason\":\"rate limited\"}", "refusal has no state");
	ok(ssmp_allow_answer_decode(b.p, b.len, &d, &err) == 0 &&
	    d.st.verdict == SSMP_TEMPFAIL, "  decodes back");
	ssmp_buf_free(&b);
	json = "{\"v\":1,\"status\":\"accept\",\"code\":\"2.0.0\"}";
	ok(ssmp_allow_answer_decode(json, strlen(json), &d, &err) == -1,
	    "accept without state refused");
	like(err.msg, "allow answer: missing member 'allow'", "  says so");
	json = "{\"v\":1,\"status\":\"accept\",\"code\":\"2.0.0\","
	    "\"allow\":\"maybe\"}";
	ok(ssmp_allow_answer_decode(json, strlen(json), &d, &err) == -1,
	    "unknown state refused");
	like(err.msg, "member 'allow': 'maybe' is not pending", "  says so");
}

int
main(void)
{
	struct ssmp_allow a;

	vectors_compute(&v);
	v_seed_key(&sk, 0x00);
	v_seed_key(&rk, 0x20);
	names();
	round_trip(&a);
	tamper(&a);
	malformed();
	answers();
	vectors_free(&v);
	return done_testing();
}
