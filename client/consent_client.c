/*
 * consent_client.c - send one signed consent request (see consent_client.h).
 *
 * Discovery and HTTPS are libdeliver's, so a consent request takes the
 * same path (resolver, CA file, pinned address of h=, pooled TLS
 * connections) as the mail it is meant to let through.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "consent_client.h"
#include "deliver.h"
#include "deliver_http.h"
#include "deliver_int.h"
#include "ssmp_addr.h"
#include "ssmp_buf.h"

struct ac {
	struct dl_resolver	 dns;
	struct dl_client	*dl;
};

int
ac_new(const struct ssmp_config *cfg, struct ks_store *ks, struct ac **out,
    struct ssmp_err *err)
{
	struct dl_options	 o;
	struct ac		*a = ssmp_xcalloc(1, sizeof(*a));

	if (dl_resolver_dnsq(cfg, &a->dns, err) != 0) {
		free(a);
		return -1;
	}
	memset(&o, 0, sizeof(o));
	o.cafile = cfg->ca_file;
	o.timeout = cfg->http_timeout;
	o.allow_private = &cfg->allow_private_hosts;
	o.min_ttl = cfg->min_cache_ttl;
	o.max_ttl = cfg->max_cache_ttl;
	o.dns = a->dns;
	o.ks = ks;
	if (dl_client_new(&o, &a->dl, err) != 0) {
		dl_resolver_dnsq_free(&a->dns);
		free(a);
		return -1;
	}
	*out = a;
	return 0;
}

void
ac_free(struct ac *a)
{
	if (a == NULL)
		return;
	dl_client_free(a->dl);
	dl_resolver_dnsq_free(&a->dns);
	free(a);
}

/* URL of the allow endpoint at h=, and h= pinned to what our DNS says. */
static void
ac_target(struct ac *a, const struct ssmp_policy *pol, struct dlh_req *r)
{
	unsigned	port = pol->port ? pol->port : 443u;
	char		ip[NETGUARD_PIN_MAX];
	struct ssmp_err	err;

	snprintf(r->url, sizeof(r->url), "https://%s:%u" SSMP_PATH_PREFIX
	    "allow", pol->hostname, port);
	if (a->dl->dns.addr != NULL && a->dl->dns.addr(a->dl->dns.arg,
	    pol->hostname, ip, sizeof(ip), &err) == DL_DNS_OK)
		netguard_pin(r->resolve, sizeof(r->resolve), pol->hostname,
		    port, ip);
}

/* Where to send: the policy record of to's domain. */
static int
ac_discover(struct ac *a, const char *domain, struct ssmp_policy *pol,
    struct ssmp_err *err)
{
	struct dl_disc_result r;

	dl_discover(a->dl, domain, &r);
	if (r.state == DL_SSMP) {
		*pol = r.pol;
		return 0;
	}
	if (r.state == DL_NOT_SSMP)
		return ssmp_err_set(err, "%s does not speak SSMP (no _ssmp "
		    "record)", domain);
	ssmp_err_set(err, "%s: discovery: %s", domain, r.why.msg);
	return AC_ETEMP;
}

int
ac_send(struct ac *a, const struct ssmp_allow *al,
    struct ssmp_allow_answer *ans, struct ssmp_err *err)
{
	struct ssmp_policy	 pol;
	struct ssmp_buf		 body;
	struct dlh_req		 r, *rp = &r;
	struct ssmp_err		 e2;
	int			 rc;

	if ((rc = ac_discover(a, al->to_addr.domain, &pol, err)) != 0)
		return rc;
	ssmp_buf_init(&body);
	ssmp_allow_encode(al, &body);
	dlh_req_init(&r);
	ac_target(a, &pol, &r);
	dlh_req_header(&r, "Content-Type", "application/json");
	r.post = body.p;
	r.postlen = body.len;
	dlh_run(a->dl->http, &rp, 1);
	rc = 0;
	if (r.http == 0)
		rc = ssmp_err_set(err, "%s: %s", pol.host, r.error);
	else if (ssmp_allow_answer_decode(r.resp.p ? r.resp.p : "",
	    r.resp.len, ans, &e2) != 0)
		rc = ssmp_err_set(err, "%s: HTTP %ld, not an SSMP answer: %s",
		    pol.host, r.http, e2.msg);
	else
		ans->st.http = (int)r.http;
	dlh_req_clear(&r);
	ssmp_buf_free(&body);
	return rc == 0 ? 0 : AC_ETEMP;
}
