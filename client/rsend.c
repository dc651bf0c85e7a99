/*
 * rsend.c - sending delivery reports (see rsend.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ssmp_buf.h"
#include "ssmp_crypto.h"
#include "ssmp_log.h"
#include "store.h"
#include "deliver_int.h"
#include "deliver_http.h"
#include "rsend.h"

/*
 * The records due, copied out of the store's snapshot as JSON (a
 * decoded report is 130 KB, its JSON a few hundred octets).
 */
struct due {
	const char		*domain;	/* only this one, or NULL */
	int64_t			 before;	/* days before this one */
	struct ssmp_buf		*v;
	size_t			 n;
};

static int
collect(const struct ks_tally_rec *t, void *arg)
{
	struct due *d = arg;

	if (t->sent != 0 || t->r.start >= d->before || (d->domain != NULL &&
	    strcmp(d->domain, t->r.domain) != 0))
		return 0;
	d->v = ssmp_xrealloc(d->v, sizeof(*d->v) * (d->n + 1));
	ssmp_buf_init(&d->v[d->n]);
	ssmp_report_encode(&t->r, &d->v[d->n++]);
	return 0;
}

/* The https: URI the report goes to (the last policy's), or NULL. */
static const struct ssmp_rpolicy *
policy_of(const struct ssmp_report *r, struct ssmp_rua *rua)
{
	struct ssmp_policy	pol;
	struct ssmp_err		err;
	int			i;

	for (i = r->npolicy - 1; i >= 0; i--)
		if (r->policy[i].found && ssmp_policy_parse(r->policy[i].text,
		    &pol, &err) == 0 && ssmp_rua_parse(pol.rua, rua,
		    &err) == 0)
			return &r->policy[i];
	return NULL;
}

/* 0 answered 2xx, 1 refused for good, KS_ETEMP try later; why in err. */
static int
post(struct dl_client *dl, const struct ssmp_rua *rua, const char *json,
    size_t len, const char *sig, struct ssmp_err *err)
{
	struct dlh_req	 r;
	char		 ip[46];
	struct ssmp_err	 e;
	int		 rc;

	dlh_req_init(&r);
	(void)snprintf(r.url, sizeof(r.url), "%s", rua->https);
	if (dl->dns.addr != NULL && dl->dns.addr(dl->dns.arg, rua->host, ip,
	    sizeof(ip), &e) == DL_DNS_OK)
		(void)snprintf(r.resolve, sizeof(r.resolve), "%s:%u:%s",
		    rua->host, rua->port ? rua->port : 443u, ip);
	dlh_req_header(&r, "Content-Type", SSMP_REPORT_CTYPE);
	dlh_req_header(&r, SSMP_REPORT_HEADER, sig);
	r.post = json;
	r.postlen = len;
	dlh_run(dl->http, (struct dlh_req *const[]){ &r }, 1);
	if (r.http >= 200 && r.http < 300)
		rc = 0;
	else if (r.http >= 400 && r.http < 500 && r.http != 408 &&
	    r.http != 429)
		rc = 1;
	else
		rc = KS_ETEMP;
	if (r.http == 0)
		(void)ssmp_err_set(err, "%s: %s", rua->host, r.error);
	else
		(void)ssmp_err_set(err, "%s: HTTP %ld %.*s", rua->host, r.http,
		    (int)(r.resp.len < 200 ? r.resp.len : 200),
		    r.resp.p ? r.resp.p : "");
	dlh_req_clear(&r);
	return rc;
}

/* Sign and send one report (its JSON as counted); res counts it. */
static void
send_one(struct dl_client *dl, struct ks_store *ks, int64_t now,
    const struct ssmp_buf *json, rs_sign_fn sign, void *arg,
    struct rs_result *res)
{
	struct ssmp_report	*r = ssmp_xcalloc(1, sizeof(*r));
	struct ssmp_rua		 rua;
	struct ssmp_rsig	 s;
	struct ssmp_buf		 hdr;
	struct ssmp_err		 err;
	char			 hash[SSMP_HASH_HEX + 1];
	int			 rc;

	if (ssmp_report_decode(json->p, json->len, r, &err) != 0 ||
	    policy_of(r, &rua) == NULL || rua.https[0] == '\0') {
		res->skipped++;	/* mailto: only, or no rua= */
		free(r);
		return;
	}
	ssmp_buf_init(&hdr);
	ssmp_hash_hex(json->p, json->len, hash);
	memset(&s, 0, sizeof(s));
	(void)snprintf(s.domain, sizeof(s.domain), "%s", r->reporter);
	if ((rc = sign(arg, &s, hash, &err)) == 0) {
		ssmp_rsig_format(&s, &hdr);
		ssmp_buf_add(&hdr, "", 1);
		rc = post(dl, &rua, json->p, json->len, hdr.p, &err);
	} else
		rc = KS_ETEMP;
	if (rc == 0 || rc == 1)
		(void)ks_tally_sent(ks, r->start, r->reporter, r->domain, now,
		    &err);
	ssmp_log(rc == 0 ? LOG_INFO : LOG_WARNING, NULL, "report %s from %s "
	    "to %s: %s (%s)", r->id, r->reporter, r->domain, rc == 0 ?
	    "sent" : rc == 1 ? "refused, not sent again" : "not sent, "
	    "tried again later", err.msg);
	res->sent += rc == 0;
	res->refused += rc == 1;
	res->later += rc != 0 && rc != 1;
	ssmp_buf_free(&hdr);
	free(r);
}

int
rs_send_due(struct dl_client *dl, struct ks_store *ks, int64_t now,
    const char *domain, rs_sign_fn sign, void *arg, struct rs_result *res,
    struct ssmp_err *err)
{
	struct due	d = { domain, ks_day_of(now), NULL, 0 };
	size_t		i;

	memset(res, 0, sizeof(*res));
	if (ks_tally_iter(ks, d.before - KS_TALLY_DAYS * 86400, d.before - 1,
	    collect, &d, err) != 0) {
		for (i = 0; i < d.n; i++)
			ssmp_buf_free(&d.v[i]);
		free(d.v);
		return -1;
	}
	for (i = 0; i < d.n; i++) {
		send_one(dl, ks, now, &d.v[i], sign, arg, res);
		ssmp_buf_free(&d.v[i]);
	}
	free(d.v);
	return 0;
}
