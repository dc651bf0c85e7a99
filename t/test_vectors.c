/*
 * test_vectors.c - the SSMP/1 test vectors must never change.
 *
 * The literals below were computed once by t/vectors (t/vectors.txt, the
 * manual's TEST VECTORS section) and checked against an independent
 * Ed25519/SHA-256 implementation (OpenSSL via Python's cryptography).
 * A change here is a protocol change: every deployed peer would disagree.
 */
#include "tap.h"
#include "vectors.h"

static const struct want {
	const char	*name;
	const char	*value;
} want[] = {
	{ "sender_pk",
	    "A6EHv/POEL4dcN0Y50vAmWfk1jCbpQ1fHdyGZBJVMbg=" },
	{ "receiver_pk",
	    "Kay64UG8yvCyLhqU000LxzYeUm0L/hLIl5S8kyKWbdc=" },
	{ "sender_txt",
	    "v=SSMP1; k=ed25519; p=A6EHv/POEL4dcN0Y50vAmWfk1jCbpQ1fHdyGZB"
	    "JVMbg=" },
	{ "receiver_txt",
	    "v=SSMP1; k=ed25519; p=Kay64UG8yvCyLhqU000LxzYeUm0L/hLIl5S8ky"
	    "KWbdc=" },
	{ "nonce",
	    "AAECAwQFBgcICQoLDA0ODw" },
	{ "body_hash",
	    "5252e04e871918e22d66dce9d9f33791d172435f17a2b88c2b273e6e50db"
	    "f14e" },
	{ "env_in.text",
	    "SSMP1-ENVELOPE\ntime:20261123104800000000\nfrom:alice@a.test"
	    "\nto:bob@b.test\nto:carol@b.test\nnonce:AAECAwQFBgcICQoLDA0O"
	    "Dw\ns:s2026\n" },
	{ "env_in.hex",
	    "53534d50312d454e56454c4f50450a74696d653a32303236313132333130"
	    "343830303030303030300a66726f6d3a616c69636540612e746573740a74"
	    "6f3a626f6240622e746573740a746f3a6361726f6c40622e746573740a6e"
	    "6f6e63653a41414543417751464267634943516f4c4441304f44770a733a"
	    "73323032360a" },
	{ "env_sig",
	    "eSziYWz/iZugPuRgJL8l+oRGWHXhE+FwUikdAfAyI1sw+zYMFFmCJn5sLkQu"
	    "TbkhEzo9jbROb7CSbbQGktqmBQ==" },
	{ "env_json",
	    "{\"v\":1,\"time\":\"20261123104800000000\",\"from\":\"alice@"
	    "a.test\",\"to\":[\"bob@b.test\",\"carol@b.test\"],\"nonce\":"
	    "\"AAECAwQFBgcICQoLDA0ODw\",\"s\":\"s2026\",\"sig\":\"eSziYWz"
	    "/iZugPuRgJL8l+oRGWHXhE+FwUikdAfAyI1sw+zYMFFmCJn5sLkQuTbkhEzo"
	    "9jbROb7CSbbQGktqmBQ==\"}" },
	{ "msg_in.hex",
	    "53534d50312d4d4553534147450a6e6f6e63653a41414543417751464267"
	    "634943516f4c4441304f44770a6d736769643a3c763140612e746573743e"
	    "0a626f64793a353235326530346538373139313865323264363664636539"
	    "643966333337393164313732343335663137613262383863326232373365"
	    "366535306462663134650a" },
	{ "msg_sig",
	    "PhKYhJc1nbbB+mU6f/rhT4wFKHpeZoejTr4hk0Tmag6uxffZ7nVEGnNpAcQU"
	    "MvyMTYWzv+tOPIkUFUnIQBCdCg==" },
	{ "rcp_in.hex",
	    "53534d50312d524543454950540a646f6d61696e3a622e746573740a733a"
	    "73323032360a74696d653a32303236313132333130343830313030303030"
	    "300a66726f6d3a616c69636540612e746573740a6e6f6e63653a41414543"
	    "417751464267634943516f4c4441304f44770a6d736769643a3c76314061"
	    "2e746573743e0a626f64793a353235326530346538373139313865323264"
	    "363664636539643966333337393164313732343335663137613262383863"
	    "326232373365366535306462663134650a746f3a626f6240622e74657374"
	    "0a746f3a6361726f6c40622e746573740a" },
	{ "rcp_sig",
	    "X7D//zDghbsJ+pvIEjrqP+z8/6uCSroRgO0bjACf8y+rU4OK61J7wf8U2Jdg"
	    "4VWXLDgFdjgA6S+FVyzk5wERDw==" },
	{ "rcp_json",
	    "{\"domain\":\"b.test\",\"s\":\"s2026\",\"time\":\"2026112310"
	    "4801000000\",\"from\":\"alice@a.test\",\"nonce\":\"AAECAwQFB"
	    "gcICQoLDA0ODw\",\"msgid\":\"<v1@a.test>\",\"body\":\"5252e04"
	    "e871918e22d66dce9d9f33791d172435f17a2b88c2b273e6e50dbf14e\","
	    "\"to\":[\"bob@b.test\",\"carol@b.test\"],\"sig\":\"X7D//zDgh"
	    "bsJ+pvIEjrqP+z8/6uCSroRgO0bjACf8y+rU4OK61J7wf8U2Jdg4VWXLDgFd"
	    "jgA6S+FVyzk5wERDw==\"}" },
	{ "resp_json",
	    "{\"v\":1,\"status\":\"accept\",\"code\":\"2.0.0\",\"reason\""
	    ":\"queued as 4XyZ1\",\"rcpt\":[{\"to\":\"bob@b.test\",\"stat"
	    "us\":\"accept\",\"code\":\"2.1.5\",\"reason\":\"recipient ok"
	    "\"},{\"to\":\"carol@b.test\",\"status\":\"accept\",\"code\":"
	    "\"2.1.5\",\"reason\":\"recipient ok\"}],\"receipt\":{\"domai"
	    "n\":\"b.test\",\"s\":\"s2026\",\"time\":\"202611231048010000"
	    "00\",\"from\":\"alice@a.test\",\"nonce\":\"AAECAwQFBgcICQoLD"
	    "A0ODw\",\"msgid\":\"<v1@a.test>\",\"body\":\"5252e04e871918e"
	    "22d66dce9d9f33791d172435f17a2b88c2b273e6e50dbf14e\",\"to\":["
	    "\"bob@b.test\",\"carol@b.test\"],\"sig\":\"X7D//zDghbsJ+pvIE"
	    "jrqP+z8/6uCSroRgO0bjACf8y+rU4OK61J7wf8U2Jdg4VWXLDgFdjgA6S+FV"
	    "yzk5wERDw==\"}}" },
	{ "allow_in.hex",
	    "53534d50312d414c4c4f570a747970653a73686172650a74696d653a3230"
	    "3236313132333130343830303030303030300a66726f6d3a616c69636540"
	    "612e746573740a746f3a626f6240622e746573740a6e6f6e63653a454245"
	    "53457851564668635947526f624842306548770a733a73323032360a" },
	{ "allow_sig",
	    "Y/QoUUjTZrxcJn3tCtbVXGI11rKvEvlypBOPuWjvZ/YBbJoManzjEG0klO/y"
	    "H5PhxCwgVkv0/pHatWeLKOkTCw==" },
	{ "allow_json",
	    "{\"v\":1,\"type\":\"share\",\"time\":\"20261123104800000000\""
	    ",\"from\":\"alice@a.test\",\"to\":\"bob@b.test\",\"nonce\":\""
	    "EBESExQVFhcYGRobHB0eHw\",\"s\":\"s2026\",\"sig\":\"Y/QoUUjTZ"
	    "rxcJn3tCtbVXGI11rKvEvlypBOPuWjvZ/YBbJoManzjEG0klO/yH5PhxCwgV"
	    "kv0/pHatWeLKOkTCw==\"}" },
};

static const char *
got(const struct vectors *v, const char *name)
{
	const struct {
		const char	*name;
		const char	*value;
	} map[] = {
		{ "sender_pk", v->sender_pk },
		{ "receiver_pk", v->receiver_pk },
		{ "sender_txt", v->sender_txt },
		{ "receiver_txt", v->receiver_txt },
		{ "nonce", v->nonce },
		{ "body_hash", v->body_hash },
		{ "env_in.text", v->env_in.text },
		{ "env_in.hex", v->env_in.hex },
		{ "env_sig", v->env_sig },
		{ "env_json", v->env_json },
		{ "msg_in.hex", v->msg_in.hex },
		{ "msg_sig", v->msg_sig },
		{ "rcp_in.hex", v->rcp_in.hex },
		{ "rcp_sig", v->rcp_sig },
		{ "rcp_json", v->rcp_json },
		{ "resp_json", v->resp_json },
		{ "allow_in.hex", v->allow_in.hex },
		{ "allow_sig", v->allow_sig },
		{ "allow_json", v->allow_json },
	};
	size_t i;

	for (i = 0; i < sizeof(map) / sizeof(map[0]); i++)
		if (strcmp(map[i].name, name) == 0)
			return map[i].value;
	return NULL;
}

/* The published JSON must decode, verify and re-encode to itself. */
static void
decode_published(const struct vectors *v)
{
	static struct ssmp_envelope	e;
	static struct ssmp_response	r;
	struct ssmp_allow		a;
	struct ssmp_keyrec		sk, rk;
	struct ssmp_buf			b;
	struct ssmp_err			err;

	ssmp_buf_init(&b);
	ok(ssmp_keyrec_parse(v->sender_txt, &sk, &err) == 0 &&
	    ssmp_keyrec_parse(v->receiver_txt, &rk, &err) == 0,
	    "key records parse");
	ok(ssmp_envelope_decode(v->env_json, strlen(v->env_json), &e,
	    &err) == 0 && ssmp_envelope_verify(&e, sk.pk, &err) == 0,
	    "envelope JSON decodes and verifies with the sender key");
	ok(ssmp_envelope_verify(&e, rk.pk, &err) != 0,
	    "envelope does not verify with the receiver key");
	ssmp_envelope_encode(&e, &b);
	is_str(b.p, v->env_json, "envelope re-encodes byte for byte");
	ok(ssmp_response_decode(v->resp_json, strlen(v->resp_json), &r,
	    &err) == 0 && r.has_receipt &&
	    ssmp_receipt_verify(&r.receipt, rk.pk, &err) == 0,
	    "answer decodes and its receipt verifies with the receiver key");
	ssmp_response_encode(&r, &b);
	is_str(b.p, v->resp_json, "answer re-encodes byte for byte");
	ok(ssmp_allow_decode(v->allow_json, strlen(v->allow_json), &a,
	    &err) == 0 && ssmp_allow_verify(&a, sk.pk, &err) == 0,
	    "allow JSON decodes and verifies with the sender key");
	ssmp_allow_encode(&a, &b);
	is_str(b.p, v->allow_json, "allow re-encodes byte for byte");
	ssmp_buf_free(&b);
}

int
main(void)
{
	struct vectors	v;
	size_t		i;

	vectors_compute(&v);
	for (i = 0; i < sizeof(want) / sizeof(want[0]); i++)
		is_str(got(&v, want[i].name), want[i].value, "vector %s",
		    want[i].name);
	decode_published(&v);
	vectors_free(&v);
	return done_testing();
}
