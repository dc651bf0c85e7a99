/*
 * test_message.c - the message phase signature: msgid syntax, build,
 * verify, header parsing, tampering.
 */
#include "tap.h"
#include "vectors.h"

static struct ssmp_key	sk, rk;
static struct vectors	v;

static void
msgid(void)
{
	struct ssmp_err	err;
	char		long_id[SSMP_MSGID_MAX + 2];

	ok(ssmp_msgid_check("<v1@a.test>", &err) == 0, "Message-ID accepted");
	ok(ssmp_msgid_check("sha256:5252e04e871918e22d66dce9d9f33791d172435f"
	    "17a2b88c2b273e6e50dbf14e", &err) == 0, "sha256: form accepted");
	ok(ssmp_msgid_check("", &err) == -1, "empty refused");
	like(err.msg, "msgid: empty", "  says so");
	ok(ssmp_msgid_check("<a b@c>", &err) == -1, "blank refused");
	like(err.msg, "msgid: blank, control or non-ASCII octet at offset 2",
	    "  says where");
	ok(ssmp_msgid_check("<a\x7f@c>", &err) == -1, "DEL refused");
	ok(ssmp_msgid_check("<\xc3\xa9@c>", &err) == -1, "8-bit refused");
	memset(long_id, 'x', sizeof(long_id) - 1);
	long_id[sizeof(long_id) - 1] = '\0';
	ok(ssmp_msgid_check(long_id, &err) == -1, "251 octets refused");
	like(err.msg, "msgid: too long (251 > 250)", "  says so");
	long_id[SSMP_MSGID_MAX] = '\0';
	ok(ssmp_msgid_check(long_id, &err) == 0, "250 octets accepted");
}

static void
sign_verify(void)
{
	struct ssmp_msgsig	m, p, t;
	struct ssmp_buf		b;
	struct ssmp_err		err;

	ok(ssmp_msgsig_build(&m, v.nonce, V_MSGID, v.body_hash, &sk,
	    &err) == 0, "build");
	ok(ssmp_msgsig_verify(&m, sk.pk, &err) == 0, "verifies");
	ok(ssmp_msgsig_verify(&m, rk.pk, &err) == -1, "wrong key fails");
	like(err.msg, "message: signature does not verify", "  says so");
	ssmp_buf_init(&b);
	ssmp_msgsig_signing_input(&m, &b);
	is_str(b.p, "SSMP1-MESSAGE\nnonce:AAECAwQFBgcICQoLDA0ODw\n"
	    "msgid:<v1@a.test>\nbody:" "5252e04e871918e22d66dce9d9f33791d1724"
	    "35f17a2b88c2b273e6e50dbf14e\n", "signing input");
	ssmp_buf_free(&b);

	ok(ssmp_msgsig_parse(&p, v.nonce, V_MSGID, v.body_hash, v.msg_sig,
	    &err) == 0, "receiver parses the headers");
	ok(memcmp(p.sig, m.sig, SSMP_SIG_BYTES) == 0 &&
	    ssmp_msgsig_verify(&p, sk.pk, &err) == 0, "  and verifies");

	t = m;
	t.body[0] = t.body[0] == 'a' ? 'b' : 'a';
	ok(ssmp_msgsig_verify(&t, sk.pk, &err) == -1, "other body fails");
	t = m;
	t.msgid[1] = 'w';
	ok(ssmp_msgsig_verify(&t, sk.pk, &err) == -1, "other msgid fails");
	t = m;
	t.nonce[3] = 'Z';
	ok(ssmp_msgsig_verify(&t, sk.pk, &err) == -1, "other nonce fails");
}

static void
refusals(void)
{
	struct ssmp_msgsig	m;
	struct ssmp_err		err;
	char			upper[SSMP_HASH_HEX + 1];

	snprintf(upper, sizeof(upper), "%s", v.body_hash);
	upper[0] = 'A';
	ok(ssmp_msgsig_build(&m, v.nonce, V_MSGID, upper, &sk, &err) == -1,
	    "upper-case hex refused");
	like(err.msg, "message: member 'body': must be 64 lower-case hex",
	    "  says so");
	ok(ssmp_msgsig_build(&m, v.nonce, V_MSGID, "abc", &sk, &err) == -1,
	    "short hash refused");
	ok(ssmp_msgsig_build(&m, "nonce", V_MSGID, v.body_hash, &sk,
	    &err) == -1, "bad nonce refused");
	like(err.msg, "message: member 'nonce'", "  says so");
	ok(ssmp_msgsig_build(&m, v.nonce, "a b", v.body_hash, &sk,
	    &err) == -1, "bad msgid refused");
	like(err.msg, "message: member 'msgid': blank", "  says so");
	ok(ssmp_msgsig_parse(&m, v.nonce, V_MSGID, v.body_hash, "AAAA",
	    &err) == -1, "short signature header refused");
	like(err.msg, "message: signature: decodes to 3 bytes, want 64",
	    "  says so");
	ok(ssmp_msgsig_parse(&m, v.nonce, V_MSGID, v.body_hash, "",
	    &err) == -1, "empty signature header refused");
	ok(ssmp_msgsig_parse(&m, v.nonce, V_MSGID, v.body_hash, NULL,
	    &err) == -1, "missing signature header refused");
	like(err.msg, "message: missing signature", "  says so");
}

int
main(void)
{
	vectors_compute(&v);
	v_seed_key(&sk, 0x00);
	v_seed_key(&rk, 0x20);
	msgid();
	sign_verify();
	refusals();
	vectors_free(&v);
	return done_testing();
}
