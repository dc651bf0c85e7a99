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
	    "kv0/pHatWeLKOkTCw==\"}" },	{ "body2_hash",
	    "5ffa3341d60a6344605390bba18963cb18002a2009f752433a0e44aa10"
	    "db17a9" },
	{ "msgid2",
	    "sha256:5ffa3341d60a6344605390bba18963cb18002a2009f752433a0"
	    "e44aa10db17a9" },
	{ "msg2_in.hex",
	    "53534d50312d4d4553534147450a6e6f6e63653a414145434177514642"
	    "67634943516f4c4441304f44770a6d736769643a7368613235363a3566"
	    "6661333334316436306136333434363035333930626261313839363363"
	    "6231383030326132303039663735323433336130653434616131306462"
	    "313761390a626f64793a35666661333334316436306136333434363035"
	    "3339306262613138393633636231383030326132303039663735323433"
	    "336130653434616131306462313761390a" },
	{ "msg2_sig",
	    "PAxTT/nIlXF8ko3TtpZCwnT3mnzhx74SXnecqfMhXjicjoSg9iWa+pzQdI"
	    "6LWiCcBZnGP20NHUpMZqViILxcCw==" },
	{ "menv_in.hex",
	    "53534d50312d454e56454c4f50450a74696d653a323032363131323331"
	    "30343830303030303030300a66726f6d3a416c69636540412e74657374"
	    "0a746f3a426f6240422e746573740a746f3a6361726f6c40622e544553"
	    "540a6e6f6e63653a494345694979516c4a69636f4b536f724c4330754c"
	    "770a733a73323032360a" },
	{ "menv_sig",
	    "xM5Gh89b+yjjUFEfqIiNspvxjXdkFod8J9GHYAH+1sQC0By+qKxsGcn82X"
	    "LcRiyfKVO03sYsCEpKPI4JREOfDA==" },
	{ "menv_json",
	    "{\"v\":1,\"time\":\"20261123104800000000\",\"from\":\"Alice@A.test\""
	    ",\"to\":[\"Bob@B.test\",\"carol@b.TEST\"],\"nonce\":\"ICEiIyQlJicoK"
	    "SorLC0uLw\",\"s\":\"s2026\",\"sig\":\"xM5Gh89b+yjjUFEfqIiNspvxjXdk"
	    "Fod8J9GHYAH+1sQC0By+qKxsGcn82XLcRiyfKVO03sYsCEpKPI4JREOfDA"
	    "==\"}" },
	{ "mrcp_in.hex",
	    "53534d50312d524543454950540a646f6d61696e3a622e746573740a73"
	    "3a73323032360a74696d653a3230323631313233313034383031303030"
	    "3030300a66726f6d3a416c69636540412e746573740a6e6f6e63653a49"
	    "4345694979516c4a69636f4b536f724c4330754c770a6d736769643a3c"
	    "763140612e746573743e0a626f64793a35323532653034653837313931"
	    "3865323264363664636539643966333337393164313732343335663137"
	    "613262383863326232373365366535306462663134650a746f3a426f62"
	    "40422e746573740a746f3a6361726f6c40622e544553540a" },
	{ "mrcp_sig",
	    "cPmVMm38hDwsX3XjK0XT1K2whLQ6S34nKzrBwue2Kc5bjGZLf3qVLd5MoW"
	    "sivJenMnwCNdaLJ047nPRiv7APBQ==" },
	{ "mrcp_json",
	    "{\"domain\":\"b.test\",\"s\":\"s2026\",\"time\":\"2026112310480100000"
	    "0\",\"from\":\"Alice@A.test\",\"nonce\":\"ICEiIyQlJicoKSorLC0uLw\","
	    "\"msgid\":\"<v1@a.test>\",\"body\":\"5252e04e871918e22d66dce9d9f3"
	    "3791d172435f17a2b88c2b273e6e50dbf14e\",\"to\":[\"Bob@B.test\",\""
	    "carol@b.TEST\"],\"sig\":\"cPmVMm38hDwsX3XjK0XT1K2whLQ6S34nKzrB"
	    "wue2Kc5bjGZLf3qVLd5MoWsivJenMnwCNdaLJ047nPRiv7APBQ==\"}" },
	{ "esc_json",
	    "{\"v\":1,\"time\":\"20261123104800000000\",\"from\":\"alice\\u0040a."
	    "test\",\"to\":[\"bob@b.test\",\"carol\\u0040b.test\"],\"nonce\":\"AAE"
	    "CAwQFBgcICQoLDA0ODw\",\"s\":\"s2026\",\"sig\":\"eSziYWz\\/iZugPuRgJ"
	    "L8l+oRGWHXhE+FwUikdAfAyI1sw+zYMFFmCJn5sLkQuTbkhEzo9jbROb7C"
	    "SbbQGktqmBQ==\"}" },
	{ "dnonce",
	    "MDEyMzQ1Njc4OTo7PD0-Pw" },
	{ "dup_in.hex",
	    "53534d50312d4d4553534147450a6e6f6e63653a4d4445794d7a51314e"
	    "6a63344f546f375044302d50770a6d736769643a3c763140612e746573"
	    "743e0a626f64793a353235326530346538373139313865323264363664"
	    "6365396439663333373931643137323433356631376132623838633262"
	    "32373365366535306462663134650a" },
	{ "dup_sig",
	    "ZJWECWJi4Leq8KveZGbj/OMjDMO3jDqt5ydhMeU+DbtzI4CXu0IWTD+4Ec"
	    "lm3iYRvrNt9iCc14rjDXnYexsuAA==" },
	{ "dup_json",
	    "{\"v\":1,\"status\":\"accept\",\"code\":\"2.0.0\",\"reason\":\"already "
	    "delivered\",\"rcpt\":[{\"to\":\"bob@b.test\",\"status\":\"accept\",\"c"
	    "ode\":\"2.1.5\",\"reason\":\"already delivered\"},{\"to\":\"carol@b."
	    "test\",\"status\":\"accept\",\"code\":\"2.1.5\",\"reason\":\"already d"
	    "elivered\"}],\"receipt\":{\"domain\":\"b.test\",\"s\":\"s2026\",\"time"
	    "\":\"20261123104801000000\",\"from\":\"alice@a.test\",\"nonce\":\"AA"
	    "ECAwQFBgcICQoLDA0ODw\",\"msgid\":\"<v1@a.test>\",\"body\":\"5252e0"
	    "4e871918e22d66dce9d9f33791d172435f17a2b88c2b273e6e50dbf14e"
	    "\",\"to\":[\"bob@b.test\",\"carol@b.test\"],\"sig\":\"X7D//zDghbsJ+p"
	    "vIEjrqP+z8/6uCSroRgO0bjACf8y+rU4OK61J7wf8U2Jdg4VWXLDgFdjgA"
	    "6S+FVyzk5wERDw==\"}}" },
	{ "rpt_json",
	    "{\"organization-name\":\"a.test\",\"date-range\":{\"start-da"
	    "tetime\":\"2026-11-22T00:00:00Z\",\"end-datetime\":\"2026-11"
	    "-22T23:59:59Z\"},\"contact-info\":\"postmaster@a.test\",\"re"
	    "port-id\":\"2026-11-22_b.test\",\"reporting-domain\":\"a.tes"
	    "t\",\"policies\":[{\"policy\":{\"policy-type\":\"ssmp\",\"po"
	    "licy-string\":[\"v=SSMP1; h=ssmp.b.test; s=s2026; m=testing;"
	    " rua=https://ssmp.b.test/.well-known/ssmp/v1/report\"],\"pol"
	    "icy-domain\":\"b.test\",\"mx-host\":[\"ssmp.b.test\"],\"sele"
	    "ctor\":\"s2026\",\"mode\":\"testing\"},\"summary\":{\"total-"
	    "successful-session-count\":5,\"total-failure-session-count\""
	    ":3,\"fallback-smtp-count\":2},\"failure-details\":[{\"result"
	    "-type\":\"certificate-expired\",\"receiving-mx-hostname\":\""
	    "ssmp.b.test\",\"failed-session-count\":2,\"failure-reason-co"
	    "de\":\"4.4.1\",\"sample-reason\":\"ssmp.b.test: cannot conne"
	    "ct over HTTPS\"},{\"result-type\":\"refused\",\"receiving-mx"
	    "-hostname\":\"ssmp.b.test\",\"failed-session-count\":1,\"fai"
	    "lure-reason-code\":\"5.7.1\",\"sample-reason\":\"*@b.test: s"
	    "ender not in allow-list\"}]}]}" },
	{ "rpt_hash",
	    "478c4d72c654d0c3f74952f16f85e11b898ae788049d7d4744fcfb13880a"
	    "f64e" },
	{ "rpt_in.hex",
	    "53534d50312d5245504f52540a646f6d61696e3a612e746573740a733a73"
	    "323032360a74696d653a3230323631313233303030353030303030303030"
	    "0a626f64793a343738633464373263363534643063336637343935326631"
	    "366638356531316238393861653738383034396437643437343466636662"
	    "313338383061663634650a" },
	{ "rpt_sig",
	    "MQeHPobAsGISw5JRQnLiQug8h40GLkUIL23nTLigMalmJnQQP134UNl8Tjvs"
	    "66JX8nQ0N1492ji8xnSCrK7SBg==" },
	{ "rpt_header",
	    "v=SSMP1; d=a.test; s=s2026; t=20261123000500000000; b=MQeHPo"
	    "bAsGISw5JRQnLiQug8h40GLkUIL23nTLigMalmJnQQP134UNl8Tjvs66JX8n"
	    "Q0N1492ji8xnSCrK7SBg==" },
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
		{ "body2_hash", v->body2_hash },
		{ "msgid2", v->msgid2 },
		{ "msg2_in.hex", v->msg2_in.hex },
		{ "msg2_sig", v->msg2_sig },
		{ "menv_in.hex", v->menv_in.hex },
		{ "menv_sig", v->menv_sig },
		{ "menv_json", v->menv_json },
		{ "mrcp_in.hex", v->mrcp_in.hex },
		{ "mrcp_sig", v->mrcp_sig },
		{ "mrcp_json", v->mrcp_json },
		{ "esc_json", v->esc_json },
		{ "dnonce", v->dnonce },
		{ "dup_in.hex", v->dup_in.hex },
		{ "dup_sig", v->dup_sig },
		{ "dup_json", v->dup_json },
		{ "rpt_json", v->rpt_json },
		{ "rpt_hash", v->rpt_hash },
		{ "rpt_in.hex", v->rpt_in.hex },
		{ "rpt_sig", v->rpt_sig },
		{ "rpt_header", v->rpt_header },
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

/* The further vectors: what each one is there to show must hold. */
static void
decode_further(const struct vectors *v)
{
	static struct ssmp_envelope	e;
	static struct ssmp_response	r;
	struct ssmp_receipt		rc;
	struct ssmp_keyrec		sk, rk;
	struct ssmp_buf			b;
	struct ssmp_err			err;

	ssmp_buf_init(&b);
	ok(ssmp_keyrec_parse(v->sender_txt, &sk, &err) == 0 &&
	    ssmp_keyrec_parse(v->receiver_txt, &rk, &err) == 0,
	    "key records parse (further vectors)");
	ok(ssmp_msgid_check(v->msgid2, &err) == 0 &&
	    strncmp(v->msgid2, "sha256:", 7) == 0 &&
	    strcmp(v->msgid2 + 7, v->body2_hash) == 0,
	    "two Message-ID fields: msgid is sha256: and the body hash");
	ok(ssmp_envelope_decode(v->menv_json, strlen(v->menv_json), &e,
	    &err) == 0 && ssmp_envelope_verify(&e, sk.pk, &err) == 0 &&
	    strcmp(e.from, V_MFROM) == 0 && strcmp(e.to[1], V_MTO2) == 0,
	    "mixed case: envelope verifies with the addresses as sent");
	ok(ssmp_receipt_decode(v->mrcp_json, strlen(v->mrcp_json), &rc,
	    &err) == 0 && ssmp_receipt_verify(&rc, rk.pk, &err) == 0 &&
	    strcmp(rc.domain, "b.test") == 0 && strcmp(rc.to[0], V_MTO1) == 0,
	    "mixed case: receipt verifies, domain canonical, to as sent");
	ok(ssmp_envelope_decode(v->esc_json, strlen(v->esc_json), &e,
	    &err) == 0 && ssmp_envelope_verify(&e, sk.pk, &err) == 0,
	    "escaped JSON decodes and verifies with the same signature");
	ssmp_envelope_encode(&e, &b);
	is_str(b.p, v->env_json, "escaped JSON holds the first envelope's "
	    "values");
	ok(ssmp_response_decode(v->dup_json, strlen(v->dup_json), &r,
	    &err) == 0 && r.has_receipt &&
	    ssmp_receipt_verify(&r.receipt, rk.pk, &err) == 0 &&
	    strcmp(r.receipt.nonce, v->nonce) == 0 &&
	    strcmp(r.receipt.nonce, v->dnonce) != 0,
	    "duplicate: the answer carries the original receipt (first nonce)");
	ok(r.nrcpt == 2 && strcmp(r.rcpt[0].st.reason,
	    "already delivered") == 0, "duplicate: rcpt says already "
	    "delivered");
	ssmp_buf_free(&b);
}

/* [RPT-5] The report verifies with a.test's key, decodes, re-encodes. */
static void
decode_report(const struct vectors *v)
{
	struct ssmp_report	*r = calloc(1, sizeof(*r));
	struct ssmp_policy	 p;
	struct ssmp_keyrec	 sk, rk;
	struct ssmp_rsig	 rs;
	struct ssmp_buf		 b;
	struct ssmp_err		 err;
	char			*bad;

	ssmp_buf_init(&b);
	ok(ssmp_policy_parse(V_POLICY, &p, &err) == 0 && strcmp(p.rua,
	    "https://ssmp.b.test/.well-known/ssmp/v1/report") == 0,
	    "[DISC-21] the policy with rua= parses");
	ok(ssmp_keyrec_parse(v->sender_txt, &sk, &err) == 0 &&
	    ssmp_keyrec_parse(v->receiver_txt, &rk, &err) == 0,
	    "key records parse (report)");
	is_int(ssmp_rsig_parse(v->rpt_header, &rs, &err), 0,
	    "the signature field parses");
	is_int(ssmp_rsig_verify(&rs, v->rpt_json, strlen(v->rpt_json), sk.pk,
	    &err), 0, "[RPT-5] the report verifies with a.test's key");
	ok(ssmp_rsig_verify(&rs, v->rpt_json, strlen(v->rpt_json), rk.pk,
	    &err) != 0, "and not with b.test's");
	bad = v_subst(v->rpt_json, ":5,", ":6,");
	ok(ssmp_rsig_verify(&rs, bad, strlen(bad), sk.pk, &err) != 0,
	    "one count changed: the signature fails");
	free(bad);
	is_int(ssmp_report_decode(v->rpt_json, strlen(v->rpt_json), r, &err),
	    0, "[RPT-2] the report decodes");
	ok(strcmp(r->reporter, "a.test") == 0 && strcmp(r->domain,
	    "b.test") == 0 && r->npolicy == 1 && r->policy[0].ok == 5 &&
	    r->policy[0].fail == 3 && r->policy[0].ndetail == 2 &&
	    r->policy[0].detail[0].type == SSMP_RT_CERT_EXPIRED,
	    "its values");
	ssmp_report_encode(r, &b);
	is_str(b.p, v->rpt_json, "the report re-encodes byte for byte");
	ssmp_buf_free(&b);
	free(r);
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
	decode_further(&v);
	decode_report(&v);
	vectors_free(&v);
	return done_testing();
}
