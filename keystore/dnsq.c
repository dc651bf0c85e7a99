/*
 * dnsq.c - TXT lookups with ldns, classified for SSMP discovery, with
 * optional DNSSEC validation against configured trust anchors.
 *
 * A fresh ldns_resolver per lookup keeps threads apart (an ldns resolver
 * carries per-query state such as RTT estimates); building one is cheap
 * next to the network round trip.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ldns/ldns.h>

#include "ssmp_addr.h"
#include "ssmp_buf.h"
#include "dnsq.h"

#define DNSQ_MAX_NS	8
#define DNSQ_EDNS_SIZE	1232	/* avoids IP fragmentation (DNS flag day) */

struct dnsq {
	ldns_rdf	*ns[DNSQ_MAX_NS];
	size_t		 nns;
	uint16_t	 port;
	struct timeval	 timeout;	/* per attempt */
	ldns_rr_list	*anchors;	/* NULL: no validation */
	uint32_t	 min_ttl, max_ttl;
};

static const char *const status_names[] = {
	"ok", "nxdomain", "nodata", "temporary failure", "bogus", "invalid"
};

const char *
dnsq_status_name(enum dnsq_status s)
{
	return (unsigned)s <= DNSQ_INVALID ? status_names[s] : "?";
}

/* --- setup ----------------------------------------------------------------- */

static int
add_ns(struct dnsq *dq, const char *addr, unsigned port, struct ssmp_err *err)
{
	ldns_rdf *rdf;

	if (dq->nns == DNSQ_MAX_NS)
		return ssmp_err_set(err, "Nameservers: more than %d",
		    DNSQ_MAX_NS);
	if (dq->nns > 0 && port != dq->port)
		return ssmp_err_set(err, "Nameservers: all must use one port "
		    "(%u and %u)", (unsigned)dq->port, port);
	rdf = ldns_rdf_new_frm_str(strchr(addr, ':') ? LDNS_RDF_TYPE_AAAA :
	    LDNS_RDF_TYPE_A, addr);
	if (rdf == NULL)
		return ssmp_err_set(err, "Nameservers: bad address '%s'", addr);
	dq->ns[dq->nns++] = rdf;
	dq->port = (uint16_t)port;
	return 0;
}

static int
ns_from_config(struct dnsq *dq, const struct ssmp_strlist *l,
    struct ssmp_err *err)
{
	char		addr[64];
	unsigned	port;
	size_t		i;

	for (i = 0; i < l->n; i++)
		if (ssmp_nameserver_parse(l->v[i], addr, sizeof(addr), &port,
		    err) != 0 || add_ns(dq, addr, port, err) != 0)
			return -1;
	return 0;
}

static int
ns_from_resolv_conf(struct dnsq *dq, struct ssmp_err *err)
{
	ldns_resolver	*r;
	ldns_status	 s;
	size_t		 i;

	if ((s = ldns_resolver_new_frm_file(&r, NULL)) != LDNS_STATUS_OK)
		return ssmp_err_set(err, "/etc/resolv.conf: %s",
		    ldns_get_errorstr_by_id(s));
	for (i = 0; i < ldns_resolver_nameserver_count(r) &&
	    dq->nns < DNSQ_MAX_NS; i++)
		dq->ns[dq->nns++] = ldns_rdf_clone(ldns_resolver_nameservers(r)[i]);
	dq->port = ldns_resolver_port(r);
	ldns_resolver_deep_free(r);
	if (dq->nns == 0)
		return ssmp_err_set(err, "/etc/resolv.conf: no nameserver");
	return 0;
}

/* DS and DNSKEY lines in zone-file syntax; nothing else is accepted. */
static int
load_anchors(struct dnsq *dq, const char *path, struct ssmp_err *err)
{
	FILE		*f;
	ldns_rr		*rr;
	ldns_rdf	*origin = NULL, *prev = NULL;
	ldns_status	 s;
	ldns_rr_type	 t;
	uint32_t	 ttl = 3600;
	int		 line = 1, rc = 0;

	if ((f = fopen(path, "r")) == NULL)
		return ssmp_err_set(err, "TrustAnchorFile %s: %s", path,
		    strerror(errno));
	dq->anchors = ldns_rr_list_new();
	while (rc == 0 && !feof(f)) {
		s = ldns_rr_new_frm_fp_l(&rr, f, &ttl, &origin, &prev, &line);
		if (s == LDNS_STATUS_SYNTAX_EMPTY || s == LDNS_STATUS_SYNTAX_TTL ||
		    s == LDNS_STATUS_SYNTAX_ORIGIN)
			continue;
		if (s != LDNS_STATUS_OK) {
			rc = ssmp_err_set(err, "TrustAnchorFile %s:%d: %s", path,
			    line, ldns_get_errorstr_by_id(s));
			break;
		}
		t = ldns_rr_get_type(rr);
		if (t != LDNS_RR_TYPE_DS && t != LDNS_RR_TYPE_DNSKEY) {
			ldns_rr_free(rr);
			rc = ssmp_err_set(err, "TrustAnchorFile %s:%d: not a DS "
			    "or DNSKEY record", path, line);
		} else
			ldns_rr_list_push_rr(dq->anchors, rr);
	}
	fclose(f);
	ldns_rdf_deep_free(origin);
	ldns_rdf_deep_free(prev);
	if (rc == 0 && ldns_rr_list_rr_count(dq->anchors) == 0)
		rc = ssmp_err_set(err, "TrustAnchorFile %s: no DS or DNSKEY "
		    "record", path);
	return rc;
}

int
dnsq_new(const struct ssmp_config *cfg, struct dnsq **out,
    struct ssmp_err *err)
{
	struct dnsq	*dq = ssmp_xcalloc(1, sizeof(*dq));
	int		 rc;

	*out = NULL;
	dq->port = 53;
	dq->timeout.tv_sec = cfg->dns_timeout > 1 ? cfg->dns_timeout / 2 : 1;
	dq->min_ttl = (uint32_t)cfg->min_cache_ttl;
	dq->max_ttl = (uint32_t)cfg->max_cache_ttl;
	if (cfg->nameservers.n > 0)
		rc = ns_from_config(dq, &cfg->nameservers, err);
	else
		rc = ns_from_resolv_conf(dq, err);
	if (rc == 0 && cfg->trust_anchor_file != NULL)
		rc = load_anchors(dq, cfg->trust_anchor_file, err);
	if (rc != 0) {
		dnsq_free(dq);
		return -1;
	}
	*out = dq;
	return 0;
}

void
dnsq_free(struct dnsq *dq)
{
	size_t i;

	if (dq == NULL)
		return;
	for (i = 0; i < dq->nns; i++)
		ldns_rdf_deep_free(dq->ns[i]);
	if (dq->anchors != NULL)
		ldns_rr_list_deep_free(dq->anchors);
	free(dq);
}

static ldns_resolver *
make_resolver(const struct dnsq *dq)
{
	ldns_resolver	*r = ldns_resolver_new();
	size_t		 i;

	if (r == NULL)
		return NULL;
	for (i = 0; i < dq->nns; i++)
		ldns_resolver_push_nameserver(r, dq->ns[i]);
	ldns_resolver_set_port(r, dq->port);
	ldns_resolver_set_timeout(r, dq->timeout);
	ldns_resolver_set_retry(r, 2);		/* two attempts per server */
	ldns_resolver_set_retrans(r, 1);
	ldns_resolver_set_random(r, false);
	ldns_resolver_set_recursive(r, true);
	ldns_resolver_set_fallback(r, true);	/* TC: retry over TCP */
	ldns_resolver_set_edns_udp_size(r, DNSQ_EDNS_SIZE);
	ldns_resolver_set_dnssec(r, true);	/* DO bit: get RRSIGs */
	if (dq->anchors != NULL)
		ldns_resolver_set_dnssec_anchors(r,
		    ldns_rr_list_clone(dq->anchors));
	return r;
}

/* --- answers --------------------------------------------------------------- */

static uint32_t
clamp_ttl(const struct dnsq *dq, uint32_t ttl)
{
	if (ttl < dq->min_ttl)
		return dq->min_ttl;
	if (ttl > dq->max_ttl)
		return dq->max_ttl;
	return ttl;
}

/* One TXT RR: its character-strings concatenated, NULs made visible. */
static char *
txt_join(const ldns_rr *rr)
{
	struct ssmp_buf	 b;
	const uint8_t	*d;
	size_t		 i, len, j;

	ssmp_buf_init(&b);
	ssmp_buf_add(&b, "", 0);
	for (i = 0; i < ldns_rr_rd_count(rr); i++) {
		d = ldns_rdf_data(ldns_rr_rdf(rr, i));
		len = ldns_rdf_size(ldns_rr_rdf(rr, i));
		if (len == 0)
			continue;
		len = d[0] < len - 1 ? d[0] : len - 1;
		for (j = 0; j < len; j++)
			ssmp_buf_add(&b, d[1 + j] ? (const char *)&d[1 + j] :
			    "?", 1);
	}
	return b.p;
}

static void
collect_txt(const struct dnsq *dq, ldns_pkt *pkt, struct dnsq_answer *ans)
{
	ldns_rr_list	*l;
	ldns_rr		*rr;
	uint32_t	 ttl = UINT32_MAX;
	size_t		 i, n;

	l = ldns_pkt_rr_list_by_type(pkt, LDNS_RR_TYPE_TXT,
	    LDNS_SECTION_ANSWER);
	n = l ? ldns_rr_list_rr_count(l) : 0;
	ans->txt = ssmp_xcalloc(n + 1, sizeof(char *));
	for (i = 0; i < n; i++) {
		rr = ldns_rr_list_rr(l, i);
		ans->txt[ans->ntxt++] = txt_join(rr);
		if (ldns_rr_ttl(rr) < ttl)
			ttl = ldns_rr_ttl(rr);
	}
	ans->ttl = clamp_ttl(dq, n ? ttl : 0);
	if (l != NULL)
		ldns_rr_list_deep_free(l);
}

/* RFC 2308: a negative answer lives min(SOA TTL, SOA MINIMUM). */
static void
negative_ttl(const struct dnsq *dq, ldns_pkt *pkt, struct dnsq_answer *ans)
{
	ldns_rr_list	*l;
	ldns_rr		*soa;
	uint32_t	 ttl = 0, min;

	l = ldns_pkt_rr_list_by_type(pkt, LDNS_RR_TYPE_SOA,
	    LDNS_SECTION_AUTHORITY);
	if (l != NULL) {
		soa = ldns_rr_list_rr(l, 0);
		ttl = ldns_rr_ttl(soa);
		if (ldns_rr_rd_count(soa) >= 7) {
			min = ldns_rdf2native_int32(ldns_rr_rdf(soa, 6));
			ttl = min < ttl ? min : ttl;
		}
		ldns_rr_list_deep_free(l);
	}
	ans->ttl = clamp_ttl(dq, ttl);
}

/* --- DNSSEC ---------------------------------------------------------------- */

static bool
under_anchor(const struct dnsq *dq, const ldns_rdf *name)
{
	const ldns_rdf	*owner;
	size_t		 i;

	for (i = 0; i < ldns_rr_list_rr_count(dq->anchors); i++) {
		owner = ldns_rr_owner(ldns_rr_list_rr(dq->anchors, i));
		if (ldns_dname_compare(name, owner) == 0 ||
		    ldns_dname_is_subdomain(name, owner))
			return true;
	}
	return false;
}

/* Signatures in sigs made over the RRset owned by owner. */
static ldns_rr_list *
sigs_of(ldns_rr_list *sigs, const ldns_rdf *owner)
{
	ldns_rr_list	*out = ldns_rr_list_new();
	size_t		 i;

	for (i = 0; sigs != NULL && i < ldns_rr_list_rr_count(sigs); i++)
		if (ldns_dname_compare(ldns_rr_owner(ldns_rr_list_rr(sigs, i)),
		    owner) == 0)
			ldns_rr_list_push_rr(out, ldns_rr_list_rr(sigs, i));
	return out;
}

/* Every NSEC(3) RR of the proof must itself verify up to an anchor. */
static ldns_status
verify_each(ldns_resolver *r, ldns_rr_list *rrs, ldns_rr_list *sigs)
{
	ldns_rr_list	*one, *mine;
	ldns_status	 s = LDNS_STATUS_OK;
	size_t		 i;

	for (i = 0; s == LDNS_STATUS_OK && i < ldns_rr_list_rr_count(rrs);
	    i++) {
		one = ldns_rr_list_new();
		ldns_rr_list_push_rr(one, ldns_rr_list_rr(rrs, i));
		mine = sigs_of(sigs, ldns_rr_owner(ldns_rr_list_rr(rrs, i)));
		s = ldns_rr_list_rr_count(mine) ? ldns_verify_trusted(r, one,
		    mine, NULL) : LDNS_STATUS_CRYPTO_NO_RRSIG;
		ldns_rr_list_free(one);
		ldns_rr_list_free(mine);
	}
	return s;
}

static ldns_status
verify_denial(ldns_resolver *r, ldns_pkt *pkt, ldns_rdf *qname, bool nodata)
{
	ldns_rr_list	*nsec, *sigs;
	ldns_rr		*q = ldns_rr_new_frm_type(LDNS_RR_TYPE_TXT);
	ldns_rr_type	 type = LDNS_RR_TYPE_NSEC;
	ldns_status	 s;

	ldns_rr_set_owner(q, ldns_rdf_clone(qname));
	nsec = ldns_pkt_rr_list_by_type(pkt, type, LDNS_SECTION_AUTHORITY);
	if (nsec == NULL) {
		type = LDNS_RR_TYPE_NSEC3;
		nsec = ldns_pkt_rr_list_by_type(pkt, type,
		    LDNS_SECTION_AUTHORITY);
	}
	sigs = ldns_dnssec_pkt_get_rrsigs_for_type(pkt, type);
	if (nsec == NULL)
		s = LDNS_STATUS_DNSSEC_NSEC_RR_NOT_COVERED;
	else if ((s = verify_each(r, nsec, sigs)) != LDNS_STATUS_OK)
		;
	else if (type == LDNS_RR_TYPE_NSEC)
		s = ldns_dnssec_verify_denial(q, nsec, sigs);
	else
		s = ldns_dnssec_verify_denial_nsec3(q, nsec, sigs,
		    ldns_pkt_get_rcode(pkt), LDNS_RR_TYPE_TXT, nodata);
	ldns_rr_free(q);
	if (nsec != NULL)
		ldns_rr_list_deep_free(nsec);
	if (sigs != NULL)
		ldns_rr_list_deep_free(sigs);
	return s;
}

static enum dnsq_status
validate(const struct dnsq *dq, ldns_resolver *r, ldns_pkt *pkt,
    ldns_rdf *qname, enum dnsq_status st, struct dnsq_answer *ans,
    const char *name, struct ssmp_err *err)
{
	ldns_rr_list	*set, *sigs;
	ldns_status	 s;

	if (dq->anchors == NULL || !under_anchor(dq, qname))
		return st;
	if (st == DNSQ_OK) {
		set = ldns_pkt_rr_list_by_type(pkt, LDNS_RR_TYPE_TXT,
		    LDNS_SECTION_ANSWER);
		sigs = ldns_dnssec_pkt_get_rrsigs_for_type(pkt,
		    LDNS_RR_TYPE_TXT);
		s = sigs == NULL ? LDNS_STATUS_CRYPTO_NO_RRSIG :
		    ldns_verify_trusted(r, set, sigs, NULL);
		ldns_rr_list_deep_free(set);
		if (sigs != NULL)
			ldns_rr_list_deep_free(sigs);
	} else
		s = verify_denial(r, pkt, qname, st == DNSQ_NODATA);
	if (s != LDNS_STATUS_OK) {
		ssmp_err_set(err, "dns: %s: DNSSEC validation failed: %s",
		    name, ldns_get_errorstr_by_id(s));
		return DNSQ_BOGUS;
	}
	ans->secure = true;
	return st;
}

/* --- lookups --------------------------------------------------------------- */

static enum dnsq_status
classify(const struct dnsq *dq, ldns_pkt *pkt, struct dnsq_answer *ans,
    const char *name, struct ssmp_err *err)
{
	ldns_pkt_rcode rc = ldns_pkt_get_rcode(pkt);
	char *rcs;

	if (rc == LDNS_RCODE_NXDOMAIN) {
		negative_ttl(dq, pkt, ans);
		ssmp_err_set(err, "dns: %s: no such name (NXDOMAIN)", name);
		return DNSQ_NXDOMAIN;
	}
	if (rc != LDNS_RCODE_NOERROR) {
		rcs = ldns_pkt_rcode2str(rc);
		ssmp_err_set(err, "dns: %s: %s", name, rcs ? rcs : "error");
		free(rcs);
		return DNSQ_TEMP;
	}
	if (ldns_pkt_tc(pkt)) {
		ssmp_err_set(err, "dns: %s: truncated answer", name);
		return DNSQ_TEMP;
	}
	collect_txt(dq, pkt, ans);
	if (ans->ntxt > 0)
		return DNSQ_OK;
	negative_ttl(dq, pkt, ans);
	ssmp_err_set(err, "dns: %s: no TXT record", name);
	return DNSQ_NODATA;
}

enum dnsq_status
dnsq_txt(struct dnsq *dq, const char *name, struct dnsq_answer *ans,
    struct ssmp_err *err)
{
	ldns_resolver		*r;
	ldns_rdf		*qname;
	ldns_pkt		*pkt = NULL;
	ldns_status		 s;
	enum dnsq_status	 st;
	char			 fq[SSMP_DOMAIN_MAX + 80];

	memset(ans, 0, sizeof(*ans));
	snprintf(fq, sizeof(fq), "%s%s", name,
	    name[0] && name[strlen(name) - 1] == '.' ? "" : ".");
	if ((qname = ldns_dname_new_frm_str(fq)) == NULL) {
		ssmp_err_set(err, "dns: %.80s: not a domain name", name);
		return DNSQ_INVALID;
	}
	if ((r = make_resolver(dq)) == NULL) {
		ldns_rdf_deep_free(qname);
		ssmp_err_set(err, "dns: out of memory");
		return DNSQ_TEMP;
	}
	s = ldns_resolver_send(&pkt, r, qname, LDNS_RR_TYPE_TXT,
	    LDNS_RR_CLASS_IN, LDNS_RD);
	if (s != LDNS_STATUS_OK || pkt == NULL) {
		ssmp_err_set(err, "dns: %s: %s", name, s != LDNS_STATUS_OK ?
		    ldns_get_errorstr_by_id(s) : "no answer");
		st = DNSQ_TEMP;
	} else if ((st = classify(dq, pkt, ans, name, err)) != DNSQ_TEMP)
		st = validate(dq, r, pkt, qname, st, ans, name, err);
	if (pkt != NULL)
		ldns_pkt_free(pkt);
	ldns_rdf_deep_free(qname);
	ldns_resolver_deep_free(r);
	return st;
}

void
dnsq_answer_free(struct dnsq_answer *ans)
{
	size_t i;

	for (i = 0; i < ans->ntxt; i++)
		free(ans->txt[i]);
	free(ans->txt);
	memset(ans, 0, sizeof(*ans));
}

/*
 * The one v=SSMP1 record among the TXT RRs at name (ssmp.7: others are
 * ignored; two or more make the set invalid).
 */
static enum dnsq_status
pick_ssmp(struct dnsq *dq, const char *name, struct dnsq_answer *ans,
    const char **txt, struct ssmp_err *err)
{
	enum dnsq_status	st;
	size_t			i, n = 0;

	if ((st = dnsq_txt(dq, name, ans, err)) != DNSQ_OK)
		return st;
	for (i = 0; i < ans->ntxt; i++)
		if (ssmp_txt_is_ssmp(ans->txt[i])) {
			*txt = ans->txt[i];
			n++;
		}
	if (n == 0) {
		ssmp_err_set(err, "dns: %s: no v=SSMP1 record", name);
		return DNSQ_NODATA;
	}
	if (n > 1) {
		ssmp_err_set(err, "dns: %s: %zu v=SSMP1 records (only one "
		    "allowed)", name, n);
		return DNSQ_INVALID;
	}
	return DNSQ_OK;
}

/* Parsers of the two record kinds behind one signature. */
typedef int (*rec_parse)(const char *txt, void *out, struct ssmp_err *err);

static int
parse_policy(const char *txt, void *out, struct ssmp_err *err)
{
	return ssmp_policy_parse(txt, out, err);
}

static int
parse_keyrec(const char *txt, void *out, struct ssmp_err *err)
{
	return ssmp_keyrec_parse(txt, out, err);
}

static enum dnsq_status
lookup_rec(struct dnsq *dq, const char *name, rec_parse parse, void *out,
    uint32_t *ttl, struct ssmp_err *err)
{
	struct dnsq_answer	 ans;
	enum dnsq_status	 st;
	const char		*txt = NULL;

	st = pick_ssmp(dq, name, &ans, &txt, err);
	if (st == DNSQ_OK && parse(txt, out, err) != 0) {
		ssmp_err_prefix(err, "dns: %s: ", name);
		st = DNSQ_INVALID;
	}
	if (ttl != NULL)
		*ttl = ans.ttl;
	dnsq_answer_free(&ans);
	return st;
}

enum dnsq_status
dnsq_policy(struct dnsq *dq, const char *domain, struct ssmp_policy *pol,
    uint32_t *ttl, struct ssmp_err *err)
{
	char dom[SSMP_DOMAIN_MAX + 1], name[300];

	if (ssmp_domain_check(domain, dom, err) != 0)
		return DNSQ_INVALID;
	snprintf(name, sizeof(name), "_ssmp.%s", dom);
	return lookup_rec(dq, name, parse_policy, pol, ttl, err);
}

enum dnsq_status
dnsq_key(struct dnsq *dq, const char *domain, const char *selector,
    struct ssmp_keyrec *key, uint32_t *ttl, struct ssmp_err *err)
{
	char dom[SSMP_DOMAIN_MAX + 1], sel[SSMP_SELECTOR_MAX + 1], name[340];

	if (ssmp_domain_check(domain, dom, err) != 0 ||
	    ssmp_selector_check(selector, sel, err) != 0)
		return DNSQ_INVALID;
	snprintf(name, sizeof(name), "%s._ssmpkey.%s", sel, dom);
	return lookup_rec(dq, name, parse_keyrec, key, ttl, err);
}
