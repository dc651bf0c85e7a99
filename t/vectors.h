/*
 * vectors.h - compute the SSMP/1 test vectors of ssmp.7 from fixed seeds.
 *
 * Shared by t/vectors (prints them for the manual, t/vectors.txt),
 * t/test_vectors (asserts they never change) and the wire unit tests,
 * which start from these valid objects and break one thing at a time.
 * Ed25519 is deterministic, so fixed seeds and fields give fixed
 * signatures.
 */
#ifndef SSMP_T_VECTORS_H
#define SSMP_T_VECTORS_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ssmp_allow.h"
#include "ssmp_b64.h"
#include "ssmp_crypto.h"
#include "ssmp_envelope.h"
#include "ssmp_message.h"
#include "ssmp_receipt.h"
#include "ssmp_report.h"
#include "ssmp_status.h"
#include "ssmp_txt.h"

#define V_TIME		"20261123104800000000"
#define V_RTIME		"20261123104801000000"
#define V_FROM		"alice@a.test"
#define V_SEL		"s2026"
#define V_MSGID		"<v1@a.test>"
#define V_BODY		"From: alice@a.test\r\nTo: bob@b.test, carol@b.test\r\n" \
			"Subject: vector\r\nMessage-ID: <v1@a.test>\r\n\r\n" \
			"Hello Bob.\r\n"
/* Two Message-ID fields: the msgid is "sha256:" and the body hash. */
#define V_BODY2		"From: alice@a.test\r\nTo: bob@b.test\r\n" \
			"Subject: two ids\r\nMessage-ID: <v1@a.test>\r\n" \
			"Message-ID: <v2@a.test>\r\n\r\nHello Bob.\r\n"
/* Mixed case: signed and listed as sent, compared in canonical form. */
#define V_MFROM		"Alice@A.test"
#define V_MTO1		"Bob@B.test"
#define V_MTO2		"carol@b.TEST"
/* The delivery report a.test signs about b.test (ssmp.7 RPT-*). */
#define V_POLICY	"v=SSMP1; h=ssmp.b.test; s=s2026; m=testing; " \
			"rua=https://ssmp.b.test/.well-known/ssmp/v1/report"
#define V_PTIME		"20261123000500000000"
#define V_DAY		1795305600	/* 2026-11-22T00:00:00Z */

struct vinput {			/* one signing input, as text and hex */
	char	*text;
	char	*hex;
};

struct vectors {
	char		 sender_pk[SSMP_PUBKEY_B64 + 1];
	char		 receiver_pk[SSMP_PUBKEY_B64 + 1];
	char		 sender_txt[SSMP_TXT_MAX + 1];
	char		 receiver_txt[SSMP_TXT_MAX + 1];
	char		 nonce[SSMP_NONCE_LEN + 1];
	char		 body_hash[SSMP_HASH_HEX + 1];
	struct vinput	 env_in, msg_in, rcp_in, allow_in;
	char		 env_sig[SSMP_SIG_B64 + 1];
	char		 msg_sig[SSMP_SIG_B64 + 1];
	char		 rcp_sig[SSMP_SIG_B64 + 1];
	char		 allow_sig[SSMP_SIG_B64 + 1];
	char		*env_json, *rcp_json, *resp_json, *allow_json;
	/* the further vectors: sha256: msgid, mixed case, escapes, dup */
	char		 body2_hash[SSMP_HASH_HEX + 1];
	char		 msgid2[SSMP_MSGID_MAX + 1];
	struct vinput	 msg2_in, menv_in, mrcp_in, dup_in;
	char		 msg2_sig[SSMP_SIG_B64 + 1];
	char		 mnonce[SSMP_NONCE_LEN + 1];
	char		 menv_sig[SSMP_SIG_B64 + 1];
	char		 mrcp_sig[SSMP_SIG_B64 + 1];
	char		*menv_json, *mrcp_json, *esc_json;
	char		 dnonce[SSMP_NONCE_LEN + 1];
	char		 dup_sig[SSMP_SIG_B64 + 1];
	char		*dup_json;
	/* the delivery report */
	char		 rpt_hash[SSMP_HASH_HEX + 1];
	struct vinput	 rpt_in;
	char		 rpt_sig[SSMP_SIG_B64 + 1];
	char		*rpt_json, *rpt_header;
};

static void __attribute__((unused))
v_seed_key(struct ssmp_key *k, unsigned char first)
{
	unsigned char	seed[SSMP_SEED_BYTES];
	size_t		i;

	for (i = 0; i < sizeof(seed); i++)
		seed[i] = (unsigned char)(first + i);
	ssmp_key_from_seed(k, seed);
}

static void __attribute__((unused))
v_nonce(char out[SSMP_NONCE_LEN + 1], unsigned char first)
{
	unsigned char	raw[SSMP_NONCE_BYTES];
	size_t		i;

	for (i = 0; i < sizeof(raw); i++)
		raw[i] = (unsigned char)(first + i);
	ssmp_b64_encode(out, SSMP_NONCE_LEN + 1, raw, sizeof(raw),
	    SSMP_B64_URL);
}

static void __attribute__((unused))
v_keyrec(const struct ssmp_key *k, char pk[SSMP_PUBKEY_B64 + 1],
    char txt[SSMP_TXT_MAX + 1])
{
	struct ssmp_keyrec	kr;
	struct ssmp_err		err;

	ssmp_b64_encode(pk, SSMP_PUBKEY_B64 + 1, k->pk, SSMP_PUBKEY_BYTES,
	    SSMP_B64_STD);
	memset(&kr, 0, sizeof(kr));
	memcpy(kr.pk, k->pk, sizeof(kr.pk));
	if (ssmp_keyrec_format(&kr, txt, SSMP_TXT_MAX + 1, &err) != 0) {
		fprintf(stderr, "%s\n", err.msg);
		exit(1);
	}
}

static void __attribute__((unused))
v_input(struct ssmp_buf *b, struct vinput *in)
{
	in->text = ssmp_xstrdup(b->p);
	in->hex = ssmp_buf_hex(b);
}

static void __attribute__((unused))
v_sig(const unsigned char sig[SSMP_SIG_BYTES], char out[SSMP_SIG_B64 + 1])
{
	ssmp_b64_encode(out, SSMP_SIG_B64 + 1, sig, SSMP_SIG_BYTES,
	    SSMP_B64_STD);
}

static void __attribute__((unused))
v_die(const struct ssmp_err *err)
{
	fprintf(stderr, "vectors: %s\n", err->msg);
	exit(1);
}

/*
 * A copy of s with the first `from` replaced by `to` (malloc'd); aborts if
 * from is absent so a test cannot silently check the unmodified text.
 */
static __attribute__((unused)) char *
v_subst(const char *s, const char *from, const char *to)
{
	const char	*p = strstr(s, from);
	struct ssmp_buf	 b;

	if (p == NULL) {
		fprintf(stderr, "v_subst: '%s' not in '%s'\n", from, s);
		abort();
	}
	ssmp_buf_init(&b);
	ssmp_buf_add(&b, s, (size_t)(p - s));
	ssmp_buf_adds(&b, to);
	ssmp_buf_adds(&b, p + strlen(from));
	return b.p;
}

/* An envelope at V_TIME with its signing input, signature and JSON. */
static void __attribute__((unused))
v_envelope_make(const char *from, const char *const *to, int nto,
    const char *nonce, const struct ssmp_key *sk, struct vinput *in,
    char sig[SSMP_SIG_B64 + 1], char **json)
{
	static struct ssmp_envelope	e;
	struct ssmp_time		t;
	struct ssmp_buf			b;
	struct ssmp_err			err;

	if (ssmp_time_parse(V_TIME, &t, &err) != 0 ||
	    ssmp_envelope_build(&e, &t, from, to, nto, nonce, V_SEL, sk,
	    &err) != 0)
		v_die(&err);
	ssmp_buf_init(&b);
	ssmp_envelope_signing_input(&e, &b);
	v_input(&b, in);
	v_sig(e.sig, sig);
	ssmp_envelope_encode(&e, &b);
	*json = ssmp_xstrdup(b.p);
	ssmp_buf_free(&b);
}

/*
 * b.test's receipt for the first message (V_MSGID, V_BODY's hash) from
 * `from` to two recipients under nonce: signed, with its signing input,
 * signature and JSON.
 */
static void __attribute__((unused))
v_receipt_make(struct ssmp_receipt *r, const struct vectors *v,
    const char *from, const char *nonce, const char *to0, const char *to1,
    const struct ssmp_key *rk, struct vinput *in,
    char sig[SSMP_SIG_B64 + 1], char **json)
{
	struct ssmp_buf	b;
	struct ssmp_err	err;

	memset(r, 0, sizeof(*r));
	snprintf(r->domain, sizeof(r->domain), "b.test");
	snprintf(r->selector, sizeof(r->selector), V_SEL);
	snprintf(r->time, sizeof(r->time), V_RTIME);
	snprintf(r->from, sizeof(r->from), "%s", from);
	snprintf(r->nonce, sizeof(r->nonce), "%s", nonce);
	snprintf(r->msgid, sizeof(r->msgid), V_MSGID);
	snprintf(r->body, sizeof(r->body), "%s", v->body_hash);
	r->nto = 2;
	snprintf(r->to[0], sizeof(r->to[0]), "%s", to0);
	snprintf(r->to[1], sizeof(r->to[1]), "%s", to1);
	if (ssmp_receipt_sign(r, rk, &err) != 0)
		v_die(&err);
	ssmp_buf_init(&b);
	ssmp_receipt_signing_input(r, &b);
	v_input(&b, in);
	v_sig(r->sig, sig);
	ssmp_receipt_encode(r, &b);
	*json = ssmp_xstrdup(b.p);
	ssmp_buf_free(&b);
}

static void __attribute__((unused))
v_receipt(struct vectors *v, const struct ssmp_key *rk,
    struct ssmp_response *resp)
{
	struct ssmp_buf		 b;

	memset(resp, 0, sizeof(*resp));
	v_receipt_make(&resp->receipt, v, V_FROM, v->nonce, "bob@b.test",
	    "carol@b.test", rk, &v->rcp_in, v->rcp_sig, &v->rcp_json);
	ssmp_buf_init(&b);

	ssmp_status_set(&resp->st, SSMP_OK, "queued as 4XyZ1");
	resp->nrcpt = 2;
	snprintf(resp->rcpt[0].to, sizeof(resp->rcpt[0].to), "bob@b.test");
	ssmp_status_set(&resp->rcpt[0].st, SSMP_RCPT_OK, NULL);
	snprintf(resp->rcpt[1].to, sizeof(resp->rcpt[1].to), "carol@b.test");
	ssmp_status_set(&resp->rcpt[1].st, SSMP_RCPT_OK, NULL);
	resp->has_receipt = true;
	ssmp_response_encode(resp, &b);
	v->resp_json = ssmp_xstrdup(b.p);
	ssmp_buf_free(&b);
}

static void __attribute__((unused))
v_allow(struct vectors *v, const struct ssmp_key *sk)
{
	struct ssmp_allow	a;
	struct ssmp_time	t;
	struct ssmp_buf		b;
	struct ssmp_err		err;
	char			nonce[SSMP_NONCE_LEN + 1];

	v_nonce(nonce, 0x10);
	if (ssmp_time_parse(V_TIME, &t, &err) != 0 ||
	    ssmp_allow_build(&a, SSMP_ALLOW_SHARE, &t, V_FROM, "bob@b.test",
	    nonce, V_SEL, sk, &err) != 0)
		v_die(&err);
	ssmp_buf_init(&b);
	ssmp_allow_signing_input(&a, &b);
	v_input(&b, &v->allow_in);
	v_sig(a.sig, v->allow_sig);
	ssmp_allow_encode(&a, &b);
	v->allow_json = ssmp_xstrdup(b.p);
	ssmp_buf_free(&b);
}

/* A message signature: its signing input and base64 signature. */
static void __attribute__((unused))
v_msgsig(const char *nonce, const char *msgid, const char *hash,
    const struct ssmp_key *sk, struct vinput *in, char sig[SSMP_SIG_B64 + 1])
{
	struct ssmp_msgsig	m;
	struct ssmp_buf		b;
	struct ssmp_err		err;

	if (ssmp_msgsig_build(&m, nonce, msgid, hash, sk, &err) != 0)
		v_die(&err);
	ssmp_buf_init(&b);
	ssmp_msgsig_signing_input(&m, &b);
	v_input(&b, in);
	v_sig(m.sig, sig);
	ssmp_buf_free(&b);
}

/*
 * Mixed case: an envelope from Alice@A.test to Bob@B.test and
 * carol@b.TEST (nonce bytes 20..2f) and b.test's receipt for it, which
 * names the domain in canonical form and everything else as sent.
 */
static void __attribute__((unused))
v_mixed(struct vectors *v, const struct ssmp_key *sk,
    const struct ssmp_key *rk)
{
	static const char *const	 to[] = { V_MTO1, V_MTO2 };
	struct ssmp_receipt		 r;

	v_nonce(v->mnonce, 0x20);
	v_envelope_make(V_MFROM, to, 2, v->mnonce, sk, &v->menv_in,
	    v->menv_sig, &v->menv_json);
	v_receipt_make(&r, v, V_MFROM, v->mnonce, V_MTO1, V_MTO2, rk,
	    &v->mrcp_in, v->mrcp_sig, &v->mrcp_json);
}

/*
 * A retry of the first message under a new envelope (nonce bytes 30..3f)
 * after it was delivered: the answer carries the ORIGINAL receipt, whose
 * nonce and time are those of the first delivery.
 */
static void __attribute__((unused))
v_duplicate(struct vectors *v, const struct ssmp_key *sk,
    const struct ssmp_response *first)
{
	static struct ssmp_response	r;
	struct ssmp_buf			b;
	int				i;

	v_nonce(v->dnonce, 0x30);
	v_msgsig(v->dnonce, V_MSGID, v->body_hash, sk, &v->dup_in,
	    v->dup_sig);
	r = *first;
	ssmp_status_set(&r.st, SSMP_OK, "already delivered");
	for (i = 0; i < r.nrcpt; i++)
		ssmp_status_set(&r.rcpt[i].st, SSMP_RCPT_OK,
		    "already delivered");
	ssmp_buf_init(&b);
	ssmp_response_encode(&r, &b);
	v->dup_json = ssmp_xstrdup(b.p);
	ssmp_buf_free(&b);
}

/* a.test's report of 2026-11-22 on b.test: 5 delivered, 3 failed. */
static void __attribute__((unused))
v_report(struct vectors *v, const struct ssmp_key *sk)
{
	struct ssmp_report	*r = ssmp_xcalloc(1, sizeof(*r));
	struct ssmp_rpolicy	*p = &r->policy[0];
	struct ssmp_rsig	 rs;
	struct ssmp_buf		 b;

	snprintf(r->reporter, sizeof(r->reporter), "a.test");
	snprintf(r->contact, sizeof(r->contact), "postmaster@a.test");
	snprintf(r->id, sizeof(r->id), "2026-11-22_b.test");
	snprintf(r->domain, sizeof(r->domain), "b.test");
	r->start = V_DAY;
	r->end = V_DAY + 86399;
	r->npolicy = 1;
	p->found = true;
	snprintf(p->text, sizeof(p->text), "%s", V_POLICY);
	snprintf(p->host, sizeof(p->host), "ssmp.b.test");
	snprintf(p->selector, sizeof(p->selector), V_SEL);
	p->mode = SSMP_MODE_TESTING;
	p->ok = 5;
	p->fail = 3;
	p->fallback = 2;
	p->ndetail = 2;
	p->detail[0].type = SSMP_RT_CERT_EXPIRED;
	snprintf(p->detail[0].host, sizeof(p->detail[0].host), "ssmp.b.test");
	snprintf(p->detail[0].code, sizeof(p->detail[0].code), "4.4.1");
	p->detail[0].count = 2;
	snprintf(p->detail[0].sample, sizeof(p->detail[0].sample),
	    "ssmp.b.test: cannot connect over HTTPS");
	p->detail[1].type = SSMP_RT_REFUSED;
	snprintf(p->detail[1].host, sizeof(p->detail[1].host), "ssmp.b.test");
	snprintf(p->detail[1].code, sizeof(p->detail[1].code), "5.7.1");
	p->detail[1].count = 1;
	snprintf(p->detail[1].sample, sizeof(p->detail[1].sample),
	    "*@b.test: sender not in allow-list");
	ssmp_buf_init(&b);
	ssmp_report_encode(r, &b);
	v->rpt_json = ssmp_xstrdup(b.p);
	ssmp_hash_hex(b.p, b.len, v->rpt_hash);
	memset(&rs, 0, sizeof(rs));
	snprintf(rs.domain, sizeof(rs.domain), "a.test");
	snprintf(rs.selector, sizeof(rs.selector), V_SEL);
	snprintf(rs.time, sizeof(rs.time), V_PTIME);
	ssmp_rsig_sign(&rs, v->rpt_hash, sk);
	v_sig(rs.sig, v->rpt_sig);
	ssmp_buf_free(&b);	/* ssmp_rsig_input makes its own */
	ssmp_rsig_input(&rs, v->rpt_hash, &b);
	v_input(&b, &v->rpt_in);
	ssmp_buf_reset(&b);
	ssmp_rsig_format(&rs, &b);
	v->rpt_header = ssmp_xstrdup(b.p);
	ssmp_buf_free(&b);
	free(r);
}

/* Everything derives from the constants above; exits on any failure. */
static void __attribute__((unused))
vectors_compute(struct vectors *v)
{
	static struct ssmp_response	resp;
	static const char *const	to[] = { "bob@b.test", "carol@b.test" };
	struct ssmp_key			sk, rk;
	struct ssmp_err			err;

	memset(v, 0, sizeof(*v));
	if (ssmp_crypto_init(&err) != 0)
		v_die(&err);
	v_seed_key(&sk, 0x00);
	v_seed_key(&rk, 0x20);
	v_keyrec(&sk, v->sender_pk, v->sender_txt);
	v_keyrec(&rk, v->receiver_pk, v->receiver_txt);
	v_nonce(v->nonce, 0x00);
	ssmp_hash_hex(V_BODY, strlen(V_BODY), v->body_hash);

	v_envelope_make(V_FROM, to, 2, v->nonce, &sk, &v->env_in, v->env_sig,
	    &v->env_json);
	v_msgsig(v->nonce, V_MSGID, v->body_hash, &sk, &v->msg_in,
	    v->msg_sig);

	v_receipt(v, &rk, &resp);
	v_allow(v, &sk);

	ssmp_hash_hex(V_BODY2, strlen(V_BODY2), v->body2_hash);
	snprintf(v->msgid2, sizeof(v->msgid2), "sha256:%s", v->body2_hash);
	v_msgsig(v->nonce, v->msgid2, v->body2_hash, &sk, &v->msg2_in,
	    v->msg2_sig);
	v_mixed(v, &sk, &rk);
	/* The first envelope with escapes JSON allows: same values, same
	 * signature ("\u0040" is "@", "\/" is "/"). */
	{
		char *a = v_subst(v->env_json, "\"alice@", "\"alice\\u0040");
		char *c = v_subst(a, "carol@", "carol\\u0040");
		v->esc_json = v_subst(c, "/", "\\/");
		free(a);
		free(c);
	}
	v_duplicate(v, &sk, &resp);
	v_report(v, &sk);
	ssmp_key_wipe(&sk);
	ssmp_key_wipe(&rk);
}

static void __attribute__((unused))
vectors_free(struct vectors *v)
{
	struct vinput	*in[] = { &v->env_in, &v->msg_in, &v->rcp_in,
			    &v->allow_in, &v->msg2_in, &v->menv_in, &v->mrcp_in,
			    &v->dup_in, &v->rpt_in };
	size_t		 i;

	for (i = 0; i < sizeof(in) / sizeof(in[0]); i++) {
		free(in[i]->text);
		free(in[i]->hex);
	}
	free(v->env_json);
	free(v->rcp_json);
	free(v->resp_json);
	free(v->allow_json);
	free(v->menv_json);
	free(v->mrcp_json);
	free(v->esc_json);
	free(v->dup_json);
	free(v->rpt_json);
	free(v->rpt_header);
}

#endif
