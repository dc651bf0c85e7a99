/*
 * test_receipt.c - receipts: sign, verify, JSON round trip; a wrong key
 * or any changed field must fail verification; malformed receipts are
 * refused naming the member.
 */
#include "tap.h"
#include "vectors.h"

static struct ssmp_key	sk, rk;
static struct vectors	v;

static void
bad(const char *from, const char *to, const char *needle)
{
	static struct ssmp_receipt	r;
	struct ssmp_err			err;
	char				*json = v_subst(v.rcp_json, from, to);

	memset(&err, 0, sizeof(err));
	ok(ssmp_receipt_decode(json, strlen(json), &r, &err) == -1,
	    "refused: %s -> %s", from, to);
	like(err.msg, needle, "  error names it");
	free(json);
}

static void
round_trip(struct ssmp_receipt *r)
{
	struct ssmp_buf	b;
	struct ssmp_err	err;

	ok(ssmp_receipt_decode(v.rcp_json, strlen(v.rcp_json), r, &err) == 0,
	    "vector receipt decodes");
	is_str(r->domain, "b.test", "domain");
	is_str(r->time, V_RTIME, "time");
	is_str(r->msgid, V_MSGID, "msgid");
	is_str(r->body, v.body_hash, "body hash");
	is_int(r->nto, 2, "two recipients");
	is_str(r->to[0], "bob@b.test", "first recipient");
	ok(ssmp_receipt_verify(r, rk.pk, &err) == 0,
	    "verifies with the receiver key");
	ok(ssmp_receipt_verify(r, sk.pk, &err) == -1,
	    "fails with the sender key");
	like(err.msg, "receipt: signature does not verify", "  says so");
	ssmp_buf_init(&b);
	ssmp_receipt_encode(r, &b);
	is_str(b.p, v.rcp_json, "re-encodes identically");
	ssmp_buf_free(&b);
}

static void
tamper(const struct ssmp_receipt *r)
{
	static struct ssmp_receipt	t;
	struct ssmp_err			err;

#define TAMPER(stmt, what) do {						\
	t = *r;								\
	stmt;								\
	ok(ssmp_receipt_verify(&t, rk.pk, &err) == -1,			\
	    "changed %s fails to verify", what);			\
} while (0)
	TAMPER(t.domain[0] = 'c', "domain");
	TAMPER(t.selector[1] = '3', "selector");
	TAMPER(t.time[13] = '2', "time");
	TAMPER(t.from[0] = 'b', "from");
	TAMPER(t.nonce[5] = 'x', "nonce");
	TAMPER(t.msgid[2] = '2', "msgid");
	TAMPER(t.body[63] = '0', "body");
	TAMPER(t.to[1][0] = 'k', "to");
	TAMPER(t.nto = 1, "recipient count");
	TAMPER(t.sig[63] ^= 0x40, "sig");
#undef TAMPER
}

static void
malformed(void)
{
	struct ssmp_receipt	r;
	struct ssmp_err		err;

	bad("\"to\":[\"bob@b.test\",", "\"to\":[\"bob@c.test\",",
	    "member 'to[0]': recipient bob@c.test not in domain b.test");
	bad("\"carol@b.test\"", "\"BOB@b.test\"",
	    "member 'to': duplicate recipient bob@b.test");
	bad("[\"bob@b.test\",\"carol@b.test\"]", "[]",
	    "member 'to': must be an array of 1..100 strings");
	bad("\"domain\":\"b.test\"", "\"domain\":\"b..test\"",
	    "receipt: member 'domain'");
	bad("\"msgid\":\"<v1@a.test>\"", "\"msgid\":\"<v1 @a.test>\"",
	    "receipt: member 'msgid': blank");
	bad("\"body\":\"5252", "\"body\":\"X252",
	    "member 'body': must be 64 lower-case hex digits");
	bad("\"s\":\"s2026\",", "", "receipt: missing member 's'");
	bad(",\"sig\":\"X7D", ",\"sig\":\"X7=",
	    "receipt: member 'sig': invalid base64");
	bad("{\"domain\"", "{\"domain\":\"b.test\",\"domain\"", "duplicate");
	bad("\"time\":\"20261123104801000000\"", "\"time\":\"2026112310480100000\"",
	    "member 'time'");
	ok(ssmp_receipt_decode("[]", 2, &r, &err) == -1, "array refused");
	like(err.msg, "receipt: JSON text must be an object", "  says so");
}

static void
sign_checks(void)
{
	struct ssmp_receipt	r;
	struct ssmp_err		err;

	ssmp_receipt_decode(v.rcp_json, strlen(v.rcp_json), &r, &err);
	snprintf(r.to[1], sizeof(r.to[1]), "carol@elsewhere.test");
	ok(ssmp_receipt_sign(&r, &rk, &err) == -1,
	    "sign refuses a recipient outside the domain");
	like(err.msg, "receipt: member 'to': recipients in more than one "
	    "domain (b.test, elsewhere.test)", "  says so");
	snprintf(r.to[1], sizeof(r.to[1]), "Carol@B.TEST");
	ok(ssmp_receipt_sign(&r, &rk, &err) == 0 &&
	    ssmp_receipt_verify(&r, rk.pk, &err) == 0,
	    "domain compared case-insensitively, as-sent case signed");
	r.nto = 0;
	ok(ssmp_receipt_sign(&r, &rk, &err) == -1, "sign refuses no recipient");
}

int
main(void)
{
	static struct ssmp_receipt r;

	vectors_compute(&v);
	v_seed_key(&sk, 0x00);
	v_seed_key(&rk, 0x20);
	round_trip(&r);
	tamper(&r);
	malformed();
	sign_checks();
	vectors_free(&v);
	return done_testing();
}
