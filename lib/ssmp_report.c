/*
 * ssmp_report.c - delivery reports: JSON (RFC 8460's, SSMP result
 * types), the SSMP-Report-Signature field and its signing input.
 *
 * Decoding is as strict as for the wire objects (ssmp_json.h): a report
 * is stored and shown only after its signature verified, and then every
 * number and name in it has been checked, so what ssmpctl prints about a
 * stranger's report is counts and names, never text it chose freely
 * (sample reasons are printable ASCII of bounded length).
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ssmp_b64.h"
#include "ssmp_json.h"
#include "ssmp_report.h"
#include "ssmp_status.h"

/* Counts above this are not a day's deliveries (and stay exact in JSON). */
#define COUNT_MAX	((json_int_t)1 << 40)

static const struct {
	const char	*name, *text;
} rtypes[SSMP_RT_COUNT] = {
	[SSMP_RT_NONE] =	{ "?", "?" },
	[SSMP_RT_DNS_TEMP] =	{ "dns-temporary", "DNS lookup failed" },
	[SSMP_RT_DNSSEC_BOGUS] = { "dnssec-bogus", "DNSSEC bogus answer" },
	[SSMP_RT_RECEIPT_KEY] =	{ "receipt-key", "receipt key unusable" },
	[SSMP_RT_HOST_ADDRESS] = { "host-address", "h= host without address" },
	[SSMP_RT_TCP] =		{ "tcp-connect", "TCP connection failed" },
	[SSMP_RT_CERT_HOST] =	{ "certificate-host-mismatch",
				    "TLS certificate for another name" },
	[SSMP_RT_CERT_EXPIRED] = { "certificate-expired",
				    "TLS certificate expired" },
	[SSMP_RT_CERT_UNTRUSTED] = { "certificate-not-trusted",
				    "TLS certificate not trusted" },
	[SSMP_RT_TLS] =		{ "tls-failure", "TLS handshake failed" },
	[SSMP_RT_HTTP] =	{ "http-protocol", "not an SSMP answer" },
	[SSMP_RT_TIMEOUT] =	{ "timeout", "timed out" },
	[SSMP_RT_REFUSED] =	{ "refused", "refused" },
	[SSMP_RT_OUTCOME_UNKNOWN] = { "outcome-unknown",
				    "outcome unknown (no valid receipt)" },
	[SSMP_RT_SENDER] =	{ "sender-internal", "sender's own trouble" },
};

const char *
ssmp_rtype_name(enum ssmp_rtype t)
{
	return (unsigned)t > 0 && (unsigned)t < SSMP_RT_COUNT ?
	    rtypes[t].name : "?";
}

const char *
ssmp_rtype_text(enum ssmp_rtype t)
{
	return (unsigned)t > 0 && (unsigned)t < SSMP_RT_COUNT ?
	    rtypes[t].text : "?";
}

int
ssmp_rtype_parse(const char *s, enum ssmp_rtype *t)
{
	int i;

	for (i = 1; i < SSMP_RT_COUNT; i++)
		if (strcmp(s, rtypes[i].name) == 0) {
			*t = (enum ssmp_rtype)i;
			return 0;
		}
	return -1;
}

/* --- small parts ---------------------------------------------------------- */

void
ssmp_report_datetime(int64_t t, char out[21])
{
	struct tm	tm;
	time_t		tt = (time_t)t;

	gmtime_r(&tt, &tm);
	if (strftime(out, 21, "%Y-%m-%dT%H:%M:%SZ", &tm) != 20)
		(void)snprintf(out, 21, "0000-00-00T00:00:00Z");
}

int
ssmp_report_datetime_parse(const char *s, int64_t *t)
{
	struct tm	tm;
	char		back[21];
	int		n = 0;

	memset(&tm, 0, sizeof(tm));
	if (strlen(s) != 20 || sscanf(s, "%4d-%2d-%2dT%2d:%2d:%2dZ%n",
	    &tm.tm_year, &tm.tm_mon, &tm.tm_mday, &tm.tm_hour, &tm.tm_min,
	    &tm.tm_sec, &n) != 6 || n != 20 || tm.tm_year < 2000)
		return -1;
	tm.tm_year -= 1900;
	tm.tm_mon -= 1;
	*t = (int64_t)timegm(&tm);
	ssmp_report_datetime(*t, back);
	return strcmp(back, s) == 0 ? 0 : -1;	/* no 31 February */
}

static bool
local_char(char c)
{
	return isgraph((unsigned char)c) && strchr("<>()[],;:\"'@", c) == NULL;
}

/*
 * Where the local part before at begins: its characters, and whole
 * quoted strings and comments ("john smith"@, john(x)@) among them.
 */
static char *
local_start(char *s, char *at)
{
	char	*b = at, *q, open;

	for (;;) {
		if (b > s && local_char(b[-1])) {
			b--;
			continue;
		}
		if (b == s || (b[-1] != '"' && b[-1] != ')'))
			return b;
		open = b[-1] == '"' ? '"' : '(';
		for (q = b - 1; q > s && q[-1] != open; q--)
			;
		/* not closed: the quote is taken as part of the local part */
		b = q == s ? b - 1 : q - 1;
	}
}

void
ssmp_report_scrub(char *s)
{
	char	*at, *b, *r, *w;

	for (at = strchr(s, '@'); at != NULL; at = strchr(at + 1, '@')) {
		b = local_start(s, at);
		if (b == at || (at - b == 1 && *b == '*'))
			continue;
		*b = '*';
		for (r = at, w = b + 1; (*w++ = *r++) != '\0'; )
			;
		at = b + 1;
	}
}

/* --- encoding ------------------------------------------------------------- */

static json_t *
detail_json(const struct ssmp_rdetail *d)
{
	json_t *o = ssmp_json_object();

	ssmp_json_set_str(o, "result-type", ssmp_rtype_name(d->type));
	if (d->host[0] != '\0')
		ssmp_json_set_str(o, "receiving-mx-hostname", d->host);
	ssmp_json_set_new(o, "failed-session-count",
	    json_integer((json_int_t)d->count));
	if (d->code[0] != '\0')
		ssmp_json_set_str(o, "failure-reason-code", d->code);
	if (d->sample[0] != '\0')
		ssmp_json_set_str(o, "sample-reason", d->sample);
	return o;
}

static json_t *
one_string(const char *s)
{
	json_t *a = json_array();

	if (s[0] != '\0')
		json_array_append_new(a, json_string(s));
	return a;
}

static json_t *
policy_json(const struct ssmp_report *r, const struct ssmp_rpolicy *p)
{
	json_t	*o = ssmp_json_object(), *pol = ssmp_json_object();
	json_t	*sum = ssmp_json_object(), *det = json_array();
	int	 i;

	ssmp_json_set_str(pol, "policy-type", p->found ? "ssmp" :
	    "no-policy-found");
	ssmp_json_set_new(pol, "policy-string", one_string(p->text));
	ssmp_json_set_str(pol, "policy-domain", r->domain);
	ssmp_json_set_new(pol, "mx-host", one_string(p->host));
	if (p->found) {
		ssmp_json_set_str(pol, "selector", p->selector);
		ssmp_json_set_str(pol, "mode", ssmp_mode_name(p->mode));
	}
	ssmp_json_set_new(o, "policy", pol);
	ssmp_json_set_new(sum, "total-successful-session-count",
	    json_integer((json_int_t)p->ok));
	ssmp_json_set_new(sum, "total-failure-session-count",
	    json_integer((json_int_t)p->fail));
	ssmp_json_set_new(sum, "fallback-smtp-count",
	    json_integer((json_int_t)p->fallback));
	ssmp_json_set_new(o, "summary", sum);
	for (i = 0; i < p->ndetail; i++)
		json_array_append_new(det, detail_json(&p->detail[i]));
	ssmp_json_set_new(o, "failure-details", det);
	return o;
}

void
ssmp_report_encode(const struct ssmp_report *r, struct ssmp_buf *out)
{
	json_t	*o = ssmp_json_object(), *dr = ssmp_json_object();
	json_t	*pols = json_array();
	char	 t[21];
	int	 i;

	ssmp_json_set_str(o, "organization-name", r->reporter);
	ssmp_report_datetime(r->start, t);
	ssmp_json_set_str(dr, "start-datetime", t);
	ssmp_report_datetime(r->end, t);
	ssmp_json_set_str(dr, "end-datetime", t);
	ssmp_json_set_new(o, "date-range", dr);
	if (r->contact[0] != '\0')
		ssmp_json_set_str(o, "contact-info", r->contact);
	ssmp_json_set_str(o, "report-id", r->id);
	ssmp_json_set_str(o, "reporting-domain", r->reporter);
	for (i = 0; i < r->npolicy; i++)
		json_array_append_new(pols, policy_json(r, &r->policy[i]));
	ssmp_json_set_new(o, "policies", pols);
	ssmp_json_dump(o, out);
}

/* --- decoding ------------------------------------------------------------- */

static int
count_of(json_t *o, const char *name, bool opt, uint64_t *out,
    struct ssmp_err *err)
{
	json_t *v = json_object_get(o, name);

	*out = 0;
	if (v == NULL && opt)
		return 0;
	if (!json_is_integer(v) || json_integer_value(v) < 0 ||
	    json_integer_value(v) > COUNT_MAX)
		return ssmp_err_set(err, "member '%s': must be an integer "
		    "0..%lld", name, (long long)COUNT_MAX);
	*out = (uint64_t)json_integer_value(v);
	return 0;
}

static json_t *
object_of(json_t *o, const char *name, struct ssmp_err *err)
{
	json_t *v = json_object_get(o, name);

	if (!json_is_object(v))
		ssmp_err_set(err, "member '%s': must be an object", name);
	return json_is_object(v) ? v : NULL;
}

/* A host name: of the syntax of h= (no port), lower-cased. */
static int
host_field(const char *name, const char *in, char *out,
    struct ssmp_err *err)
{
	if (ssmp_hostname_check(in, name, out, err) != 0)
		return ssmp_json_member_err(err, name);
	return 0;
}

/* An array of 0..1 strings ("policy-string", "mx-host"), into out. */
static int
one_of(json_t *o, const char *name, char *out, size_t outsz,
    struct ssmp_err *err)
{
	json_t *a;

	out[0] = '\0';
	if ((a = ssmp_json_array(o, name, 0, 1, err)) == NULL)
		return -1;
	if (json_array_size(a) == 1)
		return ssmp_json_elem_str(a, name, 0, out, outsz, err);
	return 0;
}

static int
detail_from(json_t *o, struct ssmp_rdetail *d, struct ssmp_err *err)
{
	enum ssmp_verdict	v;
	char			t[32], host[SSMP_DOMAIN_MAX + 1];

	if (!json_is_object(o))
		return ssmp_err_set(err, "must be an object");
	if (ssmp_json_str(o, "result-type", t, sizeof(t), err) != 0)
		return -1;
	if (ssmp_rtype_parse(t, &d->type) != 0)
		return ssmp_err_set(err, "member 'result-type': unknown type "
		    "'%s'", t);
	if (count_of(o, "failed-session-count", false, &d->count, err) != 0 ||
	    ssmp_json_str_opt(o, "receiving-mx-hostname", host, sizeof(host),
	    err) != 0 || ssmp_json_str_opt(o, "failure-reason-code", d->code,
	    sizeof(d->code), err) != 0 || ssmp_json_str_opt(o,
	    "sample-reason", d->sample, sizeof(d->sample), err) != 0)
		return -1;
	if (d->count == 0)
		return ssmp_err_set(err, "member 'failed-session-count': 0");
	d->host[0] = '\0';
	if (host[0] != '\0' && host_field("receiving-mx-hostname", host,
	    d->host, err) != 0)
		return -1;
	if (d->code[0] != '\0' && (ssmp_status_code_parse(d->code, &v,
	    err) != 0 || v == SSMP_ACCEPT))
		return ssmp_err_set(err, "member 'failure-reason-code': "
		    "'%s' is not a failure's enhanced status code", d->code);
	if (strchr(d->sample, '@') != NULL) {
		char scrubbed[sizeof(d->sample)];

		memcpy(scrubbed, d->sample, sizeof(scrubbed));
		ssmp_report_scrub(scrubbed);
		if (strcmp(scrubbed, d->sample) != 0)
			return ssmp_err_set(err, "member 'sample-reason': "
			    "carries an address's local part");
	}
	return 0;
}

static int
policy_head(json_t *pol, struct ssmp_report *r, struct ssmp_rpolicy *p,
    struct ssmp_err *err)
{
	struct ssmp_policy	 sp;
	char			 type[32], dom[SSMP_DOMAIN_MAX + 1];
	char			 host[SSMP_DOMAIN_MAX + 1];

	if (ssmp_json_str(pol, "policy-type", type, sizeof(type), err) != 0 ||
	    ssmp_json_str(pol, "policy-domain", dom, sizeof(dom), err) != 0 ||
	    one_of(pol, "policy-string", p->text, sizeof(p->text), err) != 0 ||
	    one_of(pol, "mx-host", host, sizeof(host), err) != 0)
		return -1;
	if (ssmp_domain_check(dom, dom, err) != 0)
		return ssmp_json_member_err(err, "policy-domain");
	if (r->domain[0] == '\0')
		memcpy(r->domain, dom, sizeof(dom));
	else if (strcmp(r->domain, dom) != 0)
		return ssmp_err_set(err, "member 'policy-domain': '%s', "
		    "another domain than '%s' (one domain per report)", dom,
		    r->domain);
	p->found = strcmp(type, "ssmp") == 0;
	if (!p->found && strcmp(type, "no-policy-found") != 0)
		return ssmp_err_set(err, "member 'policy-type': '%s' (ssmp or "
		    "no-policy-found)", type);
	if (host[0] != '\0' && host_field("mx-host", host, p->host, err) != 0)
		return -1;
	if (!p->found)
		return p->text[0] == '\0' && host[0] == '\0' ? 0 :
		    ssmp_err_set(err, "no-policy-found with a policy-string "
		    "or mx-host");
	if (ssmp_policy_parse(p->text, &sp, err) != 0)
		return ssmp_err_prefix(err, "member 'policy-string': ");
	if (strcmp(sp.hostname, p->host) != 0)
		return ssmp_err_set(err, "member 'mx-host': '%s' is not the "
		    "policy's h= host '%s'", p->host, sp.hostname);
	memcpy(p->selector, sp.selector, sizeof(p->selector));
	p->mode = sp.mode;
	return 0;
}

static int
policy_from(json_t *o, struct ssmp_report *r, struct ssmp_rpolicy *p,
    struct ssmp_err *err)
{
	json_t		*pol, *sum, *det;
	uint64_t	 total = 0;
	size_t		 i;

	memset(p, 0, sizeof(*p));
	if (!json_is_object(o))
		return ssmp_err_set(err, "must be an object");
	if ((pol = object_of(o, "policy", err)) == NULL)
		return -1;
	if (policy_head(pol, r, p, err) != 0)
		return ssmp_err_prefix(err, "policy: ");
	if ((sum = object_of(o, "summary", err)) == NULL ||
	    count_of(sum, "total-successful-session-count", false, &p->ok,
	    err) != 0 || count_of(sum, "total-failure-session-count", false,
	    &p->fail, err) != 0 || count_of(sum, "fallback-smtp-count", true,
	    &p->fallback, err) != 0)
		return ssmp_err_prefix(err, "summary: ");
	if (p->fallback > p->fail)
		return ssmp_err_set(err, "summary: more fallbacks than "
		    "failures");
	if ((det = ssmp_json_array(o, "failure-details", 0,
	    SSMP_REPORT_DETAILS, err)) == NULL)
		return -1;
	for (i = 0; i < json_array_size(det); i++) {
		if (detail_from(json_array_get(det, i), &p->detail[i],
		    err) != 0)
			return ssmp_err_prefix(err, "failure-details[%zu]: ",
			    i);
		total += p->detail[i].count;
	}
	p->ndetail = (int)i;
	if (total != p->fail)
		return ssmp_err_set(err, "failure-details add up to %llu, "
		    "the summary says %llu failures",
		    (unsigned long long)total, (unsigned long long)p->fail);
	return 0;
}

static int
report_id_check(const char *id, struct ssmp_err *err)
{
	size_t n = strlen(id);

	if (n == 0 || strspn(id, "abcdefghijklmnopqrstuvwxyz"
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._:@") != n)
		return ssmp_err_set(err, "member 'report-id': 1..%d of "
		    "letters, digits and -._:@", SSMP_REPORT_ID_MAX);
	return 0;
}

static int
dates_from(json_t *o, struct ssmp_report *r, struct ssmp_err *err)
{
	json_t	*dr;
	char	 a[32], b[32];

	if ((dr = object_of(o, "date-range", err)) == NULL ||
	    ssmp_json_str(dr, "start-datetime", a, sizeof(a), err) != 0 ||
	    ssmp_json_str(dr, "end-datetime", b, sizeof(b), err) != 0)
		return ssmp_err_prefix(err, "date-range: ");
	if (ssmp_report_datetime_parse(a, &r->start) != 0 ||
	    ssmp_report_datetime_parse(b, &r->end) != 0)
		return ssmp_err_set(err, "date-range: want "
		    "YYYY-MM-DDTHH:MM:SSZ");
	if (r->end < r->start || r->end - r->start >= 7 * 86400)
		return ssmp_err_set(err, "date-range: must end after it "
		    "starts, within a week");
	return 0;
}

static int
report_from(json_t *o, void *arg, struct ssmp_err *err)
{
	struct ssmp_report	*r = arg;
	json_t			*pols;
	char			 org[SSMP_DOMAIN_MAX + 1];
	size_t			 i;

	memset(r, 0, sizeof(*r));
	if (ssmp_json_str(o, "reporting-domain", r->reporter,
	    sizeof(r->reporter), err) != 0 ||
	    ssmp_json_str(o, "organization-name", org, sizeof(org), err) != 0 ||
	    ssmp_json_str(o, "report-id", r->id, sizeof(r->id), err) != 0 ||
	    ssmp_json_str_opt(o, "contact-info", r->contact,
	    sizeof(r->contact), err) != 0)
		return -1;
	if (ssmp_domain_check(r->reporter, r->reporter, err) != 0)
		return ssmp_json_member_err(err, "reporting-domain");
	if (report_id_check(r->id, err) != 0 || dates_from(o, r, err) != 0)
		return -1;
	if ((pols = ssmp_json_array(o, "policies", 1, SSMP_REPORT_POLICIES,
	    err)) == NULL)
		return -1;
	for (i = 0; i < json_array_size(pols); i++)
		if (policy_from(json_array_get(pols, i), r, &r->policy[i],
		    err) != 0)
			return ssmp_err_prefix(err, "policies[%zu]: ", i);
	r->npolicy = (int)i;
	return 0;
}

int
ssmp_report_decode(const char *json, size_t len, struct ssmp_report *r,
    struct ssmp_err *err)
{
	return ssmp_json_decode(json, len, SSMP_REPORT_MAX, "report: ",
	    report_from, r, err);
}

/* --- the signature -------------------------------------------------------- */

int
ssmp_rsig_parse(const char *value, struct ssmp_rsig *out,
    struct ssmp_err *err)
{
	struct ssmp_taglist	tl;
	struct ssmp_time	tm;
	char			d[SSMP_DOMAIN_MAX + 1], s[SSMP_SELECTOR_MAX + 1];
	char			b[SSMP_SIG_B64 + 8];

	memset(out, 0, sizeof(*out));
	if (ssmp_taglist_parse(value, &tl, err) != 0 ||
	    ssmp_taglist_value(&tl, "d", d, sizeof(d), err) == NULL ||
	    ssmp_taglist_value(&tl, "s", s, sizeof(s), err) == NULL ||
	    ssmp_taglist_value(&tl, "t", out->time, sizeof(out->time),
	    err) == NULL ||
	    ssmp_taglist_value(&tl, "b", b, sizeof(b), err) == NULL)
		return ssmp_err_prefix(err, SSMP_REPORT_HEADER ": ");
	if (ssmp_domain_check(d, out->domain, err) != 0)
		return ssmp_err_prefix(err, SSMP_REPORT_HEADER ": d=: ");
	if (ssmp_selector_check(s, out->selector, err) != 0)
		return ssmp_err_prefix(err, SSMP_REPORT_HEADER ": s=: ");
	if (ssmp_time_parse(out->time, &tm, err) != 0)
		return ssmp_err_prefix(err, SSMP_REPORT_HEADER ": t=: ");
	if (ssmp_sig_decode(b, "b=", out->sig, err) != 0)
		return ssmp_err_prefix(err, SSMP_REPORT_HEADER ": ");
	return 0;
}

void
ssmp_rsig_format(const struct ssmp_rsig *s, struct ssmp_buf *out)
{
	char b[SSMP_SIG_B64 + 1];

	ssmp_b64_encode(b, sizeof(b), s->sig, sizeof(s->sig), SSMP_B64_STD);
	ssmp_buf_adds(out, "v=" SSMP_VERSION_TAG "; d=");
	ssmp_buf_adds(out, s->domain);
	ssmp_buf_adds(out, "; s=");
	ssmp_buf_adds(out, s->selector);
	ssmp_buf_adds(out, "; t=");
	ssmp_buf_adds(out, s->time);
	ssmp_buf_adds(out, "; b=");
	ssmp_buf_adds(out, b);
}

void
ssmp_rsig_input(const struct ssmp_rsig *s, const char *hash,
    struct ssmp_buf *out)
{
	ssmp_buf_init(out);
	ssmp_buf_adds(out, "SSMP1-REPORT\n");
	ssmp_buf_line(out, "domain", s->domain);
	ssmp_buf_line(out, "s", s->selector);
	ssmp_buf_line(out, "time", s->time);
	ssmp_buf_line(out, "body", hash);
}

void
ssmp_rsig_sign(struct ssmp_rsig *s, const char *hash,
    const struct ssmp_key *key)
{
	struct ssmp_buf in;

	ssmp_rsig_input(s, hash, &in);
	ssmp_wire_sign(&in, key, s->sig);
}

int
ssmp_rsig_verify(const struct ssmp_rsig *s, const void *body, size_t len,
    const unsigned char pk[SSMP_PUBKEY_BYTES], struct ssmp_err *err)
{
	struct ssmp_buf	in;
	char		hash[SSMP_HASH_HEX + 1];

	ssmp_hash_hex(body, len, hash);
	ssmp_rsig_input(s, hash, &in);
	return ssmp_wire_verify(&in, pk, s->sig, "report signature: ", err);
}
