/*
 * test_report.c - delivery reports: the JSON decoder's checks, one broken
 * member at a time from the test vector, the signature field, the
 * scrubbing of local parts and the date-times (ssmp.7 DELIVERY REPORTS).
 */
#include "tap.h"
#include "vectors.h"

static const struct {
	const char	*from, *to, *msg;
} bad[] = {
	{ "\"reporting-domain\":\"a.test\"", "\"reporting-domain\":\"a_b\"",
	    "member 'reporting-domain'" },
	{ "\"report-id\":\"2026-11-22_b.test\"", "\"report-id\":\"a b\"",
	    "member 'report-id': 1..128 of letters" },
	{ "\"report-id\":\"2026-11-22_b.test\",", "",
	    "member 'report-id'" },
	{ "2026-11-22T00:00:00Z", "2026-11-31T00:00:00Z",
	    "date-range: want YYYY-MM-DDTHH:MM:SSZ" },
	{ "2026-11-22T23:59:59Z", "2026-11-21T23:59:59Z",
	    "date-range: must end after it starts" },
	{ "2026-11-22T23:59:59Z", "2026-12-22T23:59:59Z",
	    "within a week" },
	{ "\"policy-type\":\"ssmp\"", "\"policy-type\":\"sts\"",
	    "policies[0]: policy: member 'policy-type': 'sts'" },
	{ "\"policy-domain\":\"b.test\"", "\"policy-domain\":\"b..test\"",
	    "member 'policy-domain'" },
	{ "\"mx-host\":[\"ssmp.b.test\"]", "\"mx-host\":[\"other.b.test\"]",
	    "member 'mx-host': 'other.b.test' is not the policy's h= host" },
	{ "m=testing; rua", "m=maybe; rua",
	    "member 'policy-string': m=: unknown mode" },
	{ "\"total-successful-session-count\":5",
	    "\"total-successful-session-count\":-5",
	    "summary: member 'total-successful-session-count': must be an "
	    "integer" },
	{ "\"total-failure-session-count\":3",
	    "\"total-failure-session-count\":4",
	    "failure-details add up to 3, the summary says 4 failures" },
	{ "\"fallback-smtp-count\":2", "\"fallback-smtp-count\":9",
	    "more fallbacks than failures" },
	{ "\"result-type\":\"refused\"", "\"result-type\":\"bored\"",
	    "failure-details[1]: member 'result-type': unknown type 'bored'" },
	{ "\"failure-reason-code\":\"5.7.1\"",
	    "\"failure-reason-code\":\"2.0.0\"",
	    "'2.0.0' is not a failure's enhanced status code" },
	{ "\"failed-session-count\":1", "\"failed-session-count\":0",
	    "failure-details[1]: member 'failed-session-count': 0" },
	/* [RPT-3] no local parts */
	{ "*@b.test: sender", "bob@b.test: sender",
	    "member 'sample-reason': carries an address's local part" },
	{ "\"receiving-mx-hostname\":\"ssmp.b.test\",\"failed-session-count\":1",
	    "\"receiving-mx-hostname\":\"10.0.0.1\",\"failed-session-count\":1",
	    "member 'receiving-mx-hostname'" },
	{ "\"policies\":[", "\"policies\":[],\"x\":[",
	    "member 'policies': must be an array of 1..8" },
	{ "{\"organization", "{\"organization-name\":1,\"organization",
	    "invalid JSON" },
};

static void
test_decode(const struct vectors *v)
{
	struct ssmp_report	*r = calloc(1, sizeof(*r));
	struct ssmp_err		 err;
	char			*j, *two;
	size_t			 i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		j = v_subst(v->rpt_json, bad[i].from, bad[i].to);
		err.msg[0] = '\0';
		is_int(ssmp_report_decode(j, strlen(j), r, &err), -1,
		    "[RPT-2] refused: %s", bad[i].msg);
		like(err.msg, bad[i].msg, "its error %zu", i);
		free(j);
	}
	/* a second policy about another domain */
	j = v_subst(v->rpt_json, "]}]}", "]},{\"policy\":{\"policy-type\":"
	    "\"no-policy-found\",\"policy-string\":[],\"policy-domain\":"
	    "\"c.test\",\"mx-host\":[]},\"summary\":{"
	    "\"total-successful-session-count\":0,"
	    "\"total-failure-session-count\":0},\"failure-details\":[]}]}");
	is_int(ssmp_report_decode(j, strlen(j), r, &err), -1,
	    "[RPT-2] two policy domains in one report: refused");
	like(err.msg, "another domain than 'b.test'", "its error");
	two = v_subst(j, "\"c.test\"", "\"B.test\"");
	is_int(ssmp_report_decode(two, strlen(two), r, &err), 0,
	    "a no-policy-found entry of the same domain: accepted");
	ok(r->npolicy == 2 && !r->policy[1].found, "two policies, the "
	    "second without one");
	free(two);
	free(j);
	is_int(ssmp_report_decode(v->rpt_json, SSMP_REPORT_MAX + 1, r, &err),
	    -1, "[RPT-2] over %d octets: refused", SSMP_REPORT_MAX);
	like(err.msg, "too large", "its error");
	free(r);
}

static void
test_rsig(const struct vectors *v)
{
	static const struct {
		const char *from, *to, *msg;
	} sbad[] = {
		{ "v=SSMP1; ", "", "v=: must be the first tag" },
		{ "d=a.test", "d=a..test", "d=: " },
		{ "s=s2026", "s=s_2026", "s=: " },
		{ "t=20261123000500000000", "t=2026", "t=: " },
		{ "; b=", "; b=AAAA", "b=" },
		{ "; d=a.test", "", "d=: missing" },
	};
	struct ssmp_rsig	rs;
	struct ssmp_err		err;
	char			*h;
	size_t			i;

	for (i = 0; i < sizeof(sbad) / sizeof(sbad[0]); i++) {
		h = v_subst(v->rpt_header, sbad[i].from, sbad[i].to);
		is_int(ssmp_rsig_parse(h, &rs, &err), -1, "[RPT-4] field "
		    "refused: %s", sbad[i].msg);
		like(err.msg, sbad[i].msg, "its error %zu", i);
		like(err.msg, SSMP_REPORT_HEADER ": ", "names the field %zu",
		    i);
		free(h);
	}
	h = v_subst(v->rpt_header, "d=a.test", "d=A.Test");
	is_int(ssmp_rsig_parse(h, &rs, &err), 0, "d= in upper case parses");
	is_str(rs.domain, "a.test", "d= lower-cased");
	free(h);
}

static void
test_scrub(void)
{
	static const struct {
		const char *in, *out;
	} t[] = {
		{ "bob@b.test: not allowed", "*@b.test: not allowed" },
		{ "to=<bob.x+y@b.test>, from=<a@a.test>",
		    "to=<*@b.test>, from=<*@a.test>" },
		{ "no address", "no address" },
		{ "*@b.test stays", "*@b.test stays" },
		{ "@b.test", "@b.test" },
		{ "a b@c d@e", "a *@c *@e" },
		{ "550 \"john smith\"@example.com", "550 *@example.com" },
		{ "<\"j.doe\"@example.com>", "<*@example.com>" },
		{ "john(x)@example.com", "*@example.com" },
		{ "a(b)c\"d e\".f@x", "*@x" },
		{ "unclosed\"@x", "*@x" },
		{ "x (y) z)@w", "x *@w" },
	};
	char	buf[128];
	size_t	i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		snprintf(buf, sizeof(buf), "%s", t[i].in);
		ssmp_report_scrub(buf);
		is_str(buf, t[i].out, "[RPT-3] scrub '%s'", t[i].in);
	}
}

static void
test_datetime(void)
{
	int64_t	t;
	char	s[21];

	is_int(ssmp_report_datetime_parse("2026-11-22T00:00:00Z", &t), 0,
	    "date-time parses");
	is_int(t, V_DAY, "to Unix seconds");
	ssmp_report_datetime(t + 86399, s);
	is_str(s, "2026-11-22T23:59:59Z", "and back");
	is_int(ssmp_report_datetime_parse("2026-11-22 00:00:00Z", &t), -1,
	    "a blank for T: refused");
	is_int(ssmp_report_datetime_parse("2026-02-29T00:00:00Z", &t), -1,
	    "29 February 2026: refused");
	is_int(ssmp_report_datetime_parse("1999-12-31T00:00:00Z", &t), -1,
	    "before 2000: refused");
	is_str(ssmp_rtype_name(SSMP_RT_CERT_EXPIRED), "certificate-expired",
	    "result type name");
	is_str(ssmp_rtype_name(SSMP_RT_COUNT), "?", "out of range");
}

int
main(void)
{
	struct vectors v;

	vectors_compute(&v);
	test_decode(&v);
	test_rsig(&v);
	test_scrub();
	test_datetime();
	vectors_free(&v);
	return done_testing();
}
