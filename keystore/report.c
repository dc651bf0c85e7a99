/*
 * report.c - the delivery-report stores: input checks, and how one
 * attempt is added to the day's report (see report.h, backend.h).
 *
 * A tally record is the report itself, JSON as ssmp_report_encode()
 * writes it: what a sender sends later is exactly what it counted, and
 * every record read back passes the same decoder a receiver uses.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ssmp_addr.h"
#include "ssmp_buf.h"
#include "ssmp_status.h"
#include "backend.h"

int64_t
ks_day_of(int64_t t)
{
	return t - (t % 86400 + 86400) % 86400;
}

/* The policy entry of v in r, added if new (the last one if r is full). */
static struct ssmp_rpolicy *
policy_for(struct ssmp_report *r, const struct ks_tally *v)
{
	struct ssmp_rpolicy	*p;
	struct ssmp_policy	 pol;
	struct ssmp_err		 err;
	int			 i;

	for (i = 0; i < r->npolicy; i++) {
		p = &r->policy[i];
		if (v->policy == NULL ? !p->found : p->found &&
		    strcmp(p->text, v->policy) == 0)
			return p;
	}
	if (r->npolicy == SSMP_REPORT_POLICIES)
		return &r->policy[r->npolicy - 1];
	p = &r->policy[r->npolicy++];
	memset(p, 0, sizeof(*p));
	if (v->policy == NULL || ssmp_policy_parse(v->policy, &pol,
	    &err) != 0)
		return p;		/* no-policy-found */
	p->found = true;
	(void)snprintf(p->text, sizeof(p->text), "%s", v->policy);
	(void)snprintf(p->host, sizeof(p->host), "%s", pol.hostname);
	(void)snprintf(p->selector, sizeof(p->selector), "%s", pol.selector);
	p->mode = pol.mode;
	return p;
}

/*
 * Full: fold the second entry of a type that has two into its first
 * (ssmp.7 RPT-2: "adds the rest to an entry of the same result type"),
 * so that a new type finds room; 32 entries over 14 types always have
 * such a pair.
 */
static void
fold_pair(struct ssmp_rpolicy *p)
{
	int i, k;

	for (i = 0; i < p->ndetail; i++)
		for (k = i + 1; k < p->ndetail; k++)
			if (p->detail[k].type == p->detail[i].type) {
				p->detail[i].count += p->detail[k].count;
				p->detail[k] = p->detail[--p->ndetail];
				return;
			}
}

/* A reason as a report carries it: printable, no local part. */
static void
sample_of(const char *in, char *out, size_t outlen)
{
	size_t i;

	(void)snprintf(out, outlen, "%s", in != NULL ? in : "");
	for (i = 0; out[i] != '\0'; i++)
		if (out[i] < 0x20 || out[i] > 0x7e)
			out[i] = '?';
	ssmp_report_scrub(out);
}

static void
failure(struct ssmp_rpolicy *p, const struct ks_tally *v)
{
	struct ssmp_rdetail	*d;
	const char		*code = v->code != NULL ? v->code : "";
	enum ssmp_verdict	 verdict;
	struct ssmp_err		 err;
	int			 i, same = -1;

	p->fail++;
	p->fallback += v->fallback;
	for (i = 0; i < p->ndetail; i++) {
		d = &p->detail[i];
		if (d->type != v->type)
			continue;
		if (strcmp(d->code, code) == 0) {
			d->count++;
			return;
		}
		same = i;
	}
	if (p->ndetail == SSMP_REPORT_DETAILS && same >= 0) {
		p->detail[same].count++;
		return;
	}
	if (p->ndetail == SSMP_REPORT_DETAILS)
		fold_pair(p);
	d = &p->detail[p->ndetail++];
	memset(d, 0, sizeof(*d));
	d->type = v->type;
	d->count = 1;
	if (ssmp_status_code_parse(code, &verdict, &err) == 0 &&
	    verdict != SSMP_ACCEPT)
		(void)snprintf(d->code, sizeof(d->code), "%s", code);
	if (v->type != SSMP_RT_DNS_TEMP && v->type != SSMP_RT_DNSSEC_BOGUS)
		(void)snprintf(d->host, sizeof(d->host), "%s", p->host);
	sample_of(v->sample, d->sample, sizeof(d->sample));
}

static void
report_init(struct ssmp_report *r, const struct ks_tally *v)
{
	char date[21];

	memset(r, 0, sizeof(*r));
	(void)snprintf(r->reporter, sizeof(r->reporter), "%s", v->reporter);
	(void)snprintf(r->domain, sizeof(r->domain), "%s", v->domain);
	r->start = v->day;
	r->end = v->day + 86399;
	ssmp_report_datetime(v->day, date);
	(void)snprintf(r->id, sizeof(r->id), "%.10s_%.100s", date,
	    v->domain);
}

/*
 * The backend's merge step: the record so far (json NULL: none) and
 * the attempt; the new record's JSON in out.
 */
static int
merge(const struct ks_tally *v, const char *json, size_t len,
    struct ssmp_buf *out, struct ssmp_err *err)
{
	struct ssmp_report	*r = ssmp_xcalloc(1, sizeof(*r));
	struct ssmp_rpolicy	*p;

	if (json == NULL)
		report_init(r, v);
	else if (ssmp_report_decode(json, len, r, err) != 0) {
		free(r);
		return ssmp_err_prefix(err, "tally of %s: ", v->domain);
	}
	p = policy_for(r, v);
	if (v->ok)
		p->ok++;
	else
		failure(p, v);
	ssmp_buf_reset(out);
	ssmp_report_encode(r, out);
	free(r);
	return 0;
}

int
ks_tally_add(struct ks_store *ks, const struct ks_tally *v, size_t n,
    size_t *dropped, struct ssmp_err *err)
{
	struct ks_tally	*w;
	char		 c[SSMP_DOMAIN_MAX + 1];
	size_t		 none, i;
	int		 rc;

	if (dropped == NULL)
		dropped = &none;
	*dropped = 0;
	for (i = 0; i < n; i++) {
		/* canonical (lower case) from the caller: keys match */
		if (ssmp_domain_check(v[i].reporter, c, err) != 0 ||
		    strcmp(c, v[i].reporter) != 0 ||
		    ssmp_domain_check(v[i].domain, c, err) != 0 ||
		    strcmp(c, v[i].domain) != 0)
			return ssmp_err_set(err, "tally: '%.100s' -> '%.100s':"
			    " not canonical domains", v[i].reporter,
			    v[i].domain);
		if (!v[i].ok && (v[i].type <= SSMP_RT_NONE ||
		    v[i].type >= SSMP_RT_COUNT))
			return ssmp_err_set(err, "tally: a failure without a "
			    "result type");
	}
	/* one record per day, whatever second of it the caller gave */
	w = ssmp_xcalloc(n + 1, sizeof(*w));
	for (i = 0; i < n; i++) {
		w[i] = v[i];
		w[i].day = ks_day_of(v[i].day);
	}
	rc = ks->be->report->tally(ks, w, n, merge, dropped, err);
	free(w);
	return rc;
}

int
ks_tally_iter(struct ks_store *ks, int64_t from, int64_t to, ks_tally_cb cb,
    void *arg, struct ssmp_err *err)
{
	return ks->be->report->tally_iter(ks, ks_day_of(from), to, cb, arg,
	    err);
}

int
ks_tally_sent(struct ks_store *ks, int64_t day, const char *reporter,
    const char *domain, int64_t when, struct ssmp_err *err)
{
	char r[SSMP_DOMAIN_MAX + 1], d[SSMP_DOMAIN_MAX + 1];

	if (ks_lower(reporter, r, sizeof(r), "reporter", err) != 0 ||
	    ks_lower(domain, d, sizeof(d), "domain", err) != 0)
		return -1;
	return ks->be->report->tally_sent(ks, ks_day_of(day), r, d, when,
	    err);
}

int
ks_inbox_put(struct ks_store *ks, const struct ks_inbox *in,
    struct ssmp_err *err)
{
	struct ks_inbox	c = *in;

	if (ks_lower(in->reporter, c.reporter, sizeof(c.reporter),
	    "reporter", err) != 0)
		return -1;
	if (in->id[0] == '\0' || in->len == 0 || in->len > SSMP_REPORT_MAX)
		return ssmp_err_set(err, "inbox: empty id or report");
	return ks->be->report->inbox_put(ks, &c, err);
}

int
ks_inbox_iter(struct ks_store *ks, const char *reporter, int64_t since,
    ks_inbox_cb cb, void *arg, struct ssmp_err *err)
{
	char r[SSMP_DOMAIN_MAX + 1];

	if (reporter != NULL && ks_lower(reporter, r, sizeof(r), "reporter",
	    err) != 0)
		return -1;
	return ks->be->report->inbox_iter(ks, reporter ? r : NULL, since, cb,
	    arg, err);
}

int
ks_report_sweep(struct ks_store *ks, int64_t now, size_t *count,
    struct ssmp_err *err)
{
	return ks->be->report->sweep(ks, ks_day_of(now) - KS_TALLY_DAYS *
	    86400, now - KS_INBOX_KEEP, count, err);
}
