/*
 * dnsq.c - SSMP discovery lookups on libunbound (see dnsq.h).
 *
 * libunbound resolves, validates and caches; it runs its own thread
 * (ub_ctx_async) and hands answers back through a pipe (ub_fd).  ldns
 * still checks the trust anchor file and reads the answer packet, so
 * the record handling is what it was (and what t/fuzz/fuzz_dnsq.c
 * fuzzes).
 *
 * Every lookup is asynchronous inside: a blocking call starts one and
 * waits for it.  Whoever waits pumps the pipe for all (one thread at a
 * time, the others sleep on a condition variable), so a callback may
 * run on another caller's thread; the blocking callbacks only fill the
 * waiter's slot.  In event-loop use only the loop pumps.
 *
 * A lookup that outlives DNSTimeout is cancelled: unbound has no
 * deadline of its own and keeps trying a dead server for half a minute.
 *
 * Blocking address lookups are answered from a small table of their
 * own for the answer's (clamped) TTL, as unbound's cache would answer
 * them: a sender asks for the address of h= before every request, and
 * a round trip through unbound's thread cost a message more system
 * calls and thread wake-ups than the rest of its DNS work together.
 */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <ldns/ldns.h>
#include <unbound.h>

#include "ssmp_addr.h"
#include "ssmp_buf.h"
#include "dnsq.h"

enum dnsq_mode { MODE_FORWARD, MODE_RECURSIVE };

struct dnsq_req;

/* Hosts whose addresses are kept; a new one takes the next slot. */
#define ACACHE_N	64

struct acache {
	char		 host[SSMP_DOMAIN_MAX + 1];
	char		 addr[DNSQ_ADDR_MAX];
	int64_t		 expires;	/* monotonic ms */
};

struct dnsq {
	struct ub_ctx	*ctx;
	bool		 validating;
	bool		 loop;		/* event-loop use (dnsq_fd called) */
	long		 timeout_ms;
	uint32_t	 min_ttl, max_ttl;
	pthread_mutex_t	 mu;		/* pending list, pumping, waiters */
	pthread_cond_t	 cv;
	bool		 pumping;
	struct dnsq_req	*head, *tail;	/* in flight, oldest first */
	int		 inflight;
	pthread_mutex_t	 amu;		/* the address table */
	struct acache	 a[ACACHE_N];
	unsigned	 anext;
};

/* One lookup; for DNSQ_Q_ADDR possibly two queries (A, then AAAA). */
struct dnsq_req {
	struct dnsq		*dq;
	struct dnsq_req		*prev, *next;
	enum dnsq_kind		 kind;
	int			 qtype;
	int			 id;		/* unbound's async id */
	int64_t			 deadline;	/* monotonic ms */
	char			 name[SSMP_DOMAIN_MAX + SSMP_SELECTOR_MAX + 16];
	dnsq_cb			 cb;
	void			*arg;
};

/* The answer as ldns reads it, before the SSMP record is picked. */
struct dnsq_answer {
	uint32_t	 ttl;	/* min TTL of the RRset, or for NXDOMAIN and
				   NODATA the SOA minimum; clamped */
	size_t		 ntxt;
	char		**txt;	/* each RR's strings concatenated */
	char		 addr[DNSQ_ADDR_MAX];	/* A/AAAA: "a1,a2,..." */
};

static const char *const status_names[] = {
	"ok", "nxdomain", "nodata", "temporary failure", "bogus", "invalid"
};

const char *
dnsq_status_name(enum dnsq_status s)
{
	return (unsigned)s <= DNSQ_INVALID ? status_names[s] : "?";
}

static int64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* --- setup ----------------------------------------------------------------- */

static int
ub_fail(int rc, struct ssmp_err *err, const char *what)
{
	return ssmp_err_set(err, "%s: %s", what, ub_strerror(rc));
}

static int
set_opt(struct ub_ctx *ctx, const char *opt, long v, struct ssmp_err *err)
{
	char val[32];
	int rc;

	snprintf(val, sizeof(val), "%ld", v);
	if ((rc = ub_ctx_set_option(ctx, opt, val)) != 0)
		return ub_fail(rc, err, opt);
	return 0;
}

/* Nameservers as unbound's forwarders: "addr@port". */
static int
add_servers(struct dnsq *dq, const struct ssmp_strlist *l,
    struct ssmp_err *err)
{
	char		addr[64], spec[80];
	unsigned	port;
	int		rc;

	for (size_t i = 0; i < l->n; i++) {
		if (ssmp_nameserver_parse(l->v[i], addr, sizeof(addr), &port,
		    err) != 0)
			return ssmp_err_prefix(err, "Nameservers: ");
		snprintf(spec, sizeof(spec), "%s@%u", addr, port);
		if ((rc = ub_ctx_set_fwd(dq->ctx, spec)) != 0)
			return ub_fail(rc, err, spec);
	}
	return 0;
}

static int
parse_mode(const char *s, enum dnsq_mode *mode, struct ssmp_err *err)
{
	if (s == NULL || strcmp(s, "forward") == 0)
		*mode = MODE_FORWARD;
	else if (strcmp(s, "recursive") == 0)
		*mode = MODE_RECURSIVE;
	else
		return ssmp_err_set(err, "DNSMode '%.40s': not forward or "
		    "recursive", s);
	return 0;
}

static int
where_to_ask(struct dnsq *dq, const struct ssmp_config *cfg,
    struct ssmp_err *err)
{
	enum dnsq_mode	mode = MODE_FORWARD;
	int		rc;

	if (parse_mode(cfg->dns_mode, &mode, err) != 0)
		return -1;
	if (mode == MODE_RECURSIVE)
		return 0;		/* unbound's root hints */
	if (cfg->nameservers.n > 0)
		return add_servers(dq, &cfg->nameservers, err);
	/* as the system resolver would: /etc/hosts, then resolv.conf */
	if ((rc = ub_ctx_hosts(dq->ctx, NULL)) != 0 && rc != UB_READFILE)
		return ub_fail(rc, err, "/etc/hosts");
	if ((rc = ub_ctx_resolvconf(dq->ctx, NULL)) != 0)
		return ub_fail(rc, err, "/etc/resolv.conf");
	return 0;
}

/*
 * DS and DNSKEY lines in zone-file syntax; nothing else is accepted.
 * ldns reads them so that an error names the line; unbound gets each.
 */
static int
load_anchors(struct dnsq *dq, const char *path, struct ssmp_err *err)
{
	FILE		*f;
	ldns_rr		*rr;
	ldns_rdf	*origin = NULL, *prev = NULL;
	ldns_status	 s;
	ldns_rr_type	 t;
	char		*txt;
	uint32_t	 ttl = 3600;
	int		 line = 1, rc = 0, n = 0;

	if ((f = fopen(path, "r")) == NULL)
		return ssmp_err_set(err, "TrustAnchorFile %s: %s", path,
		    strerror(errno));
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
		if (t != LDNS_RR_TYPE_DS && t != LDNS_RR_TYPE_DNSKEY)
			rc = ssmp_err_set(err, "TrustAnchorFile %s:%d: not a DS "
			    "or DNSKEY record", path, line);
		else if ((txt = ldns_rr2str(rr)) == NULL)
			rc = ssmp_err_set(err, "out of memory");
		else {
			if (ub_ctx_add_ta(dq->ctx, txt) != 0)
				rc = ssmp_err_set(err, "TrustAnchorFile %s:%d: "
				    "unbound refuses the anchor", path, line);
			free(txt);
			n++;
		}
		ldns_rr_free(rr);
	}
	fclose(f);
	ldns_rdf_deep_free(origin);
	ldns_rdf_deep_free(prev);
	if (rc == 0 && n == 0)
		rc = ssmp_err_set(err, "TrustAnchorFile %s: no DS or DNSKEY "
		    "record", path);
	return rc;
}

static int
tune(struct dnsq *dq, struct ssmp_err *err)
{
	struct ub_ctx *c = dq->ctx;
	/*
	 * unbound serves an entry until the second after its TTL ran out
	 * (TTL 0: the rest of this second), so one less keeps MaxCacheTTL
	 * an upper bound.
	 */
	long max = dq->max_ttl > 0 ? (long)dq->max_ttl - 1 : 0;
	int rc;

	/* a thread, not a forked process: answers come back by ub_fd */
	if ((rc = ub_ctx_async(c, 1)) != 0)
		return ub_fail(rc, err, "unbound");
	if (set_opt(c, "cache-min-ttl:", dq->min_ttl < max ? dq->min_ttl : max,
	    err) != 0 ||
	    set_opt(c, "cache-max-ttl:", max, err) != 0 ||
	    set_opt(c, "cache-max-negative-ttl:", max, err) != 0 ||
	    /* a repaired zone is seen again within MaxCacheTTL */
	    set_opt(c, "val-bogus-ttl:", max < 60 ? max : 60, err) != 0)
		return -1;
	/*
	 * A server that timed out is probed again (one query at a time)
	 * rather than written off for infra-host-ttl: with forwarders it is
	 * all we have.
	 */
	if ((rc = ub_ctx_set_option(c, "infra-keep-probing:", "yes")) != 0)
		return ub_fail(rc, err, "infra-keep-probing");
	return 0;
}

int
dnsq_new(const struct ssmp_config *cfg, struct dnsq **out,
    struct ssmp_err *err)
{
	struct dnsq	*dq = ssmp_xcalloc(1, sizeof(*dq));
	int		 rc;

	*out = NULL;
	pthread_mutex_init(&dq->mu, NULL);
	pthread_mutex_init(&dq->amu, NULL);
	pthread_cond_init(&dq->cv, NULL);
	dq->timeout_ms = (cfg->dns_timeout > 0 ? cfg->dns_timeout : 5) * 1000;
	dq->min_ttl = (uint32_t)cfg->min_cache_ttl;
	dq->max_ttl = (uint32_t)cfg->max_cache_ttl;
	if ((dq->ctx = ub_ctx_create()) == NULL) {
		ssmp_err_set(err, "unbound: cannot create a resolver");
		dnsq_free(dq);
		return -1;
	}
	rc = tune(dq, err);
	if (rc == 0)
		rc = where_to_ask(dq, cfg, err);
	if (rc == 0 && cfg->trust_anchor_file != NULL) {
		rc = load_anchors(dq, cfg->trust_anchor_file, err);
		dq->validating = rc == 0;
	}
	/*
	 * unbound answers names under test. (RFC 6761) itself, NXDOMAIN;
	 * ask the servers instead, as for any name.  This finalizes the
	 * configuration.
	 */
	if (rc == 0 && (rc = ub_ctx_zone_remove(dq->ctx, "test.")) != 0)
		rc = ub_fail(rc, err, "unbound");
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
	struct dnsq_req *r, *next;

	if (dq == NULL)
		return;
	if (dq->ctx != NULL)
		ub_ctx_delete(dq->ctx);		/* joins its thread */
	for (r = dq->head; r != NULL; r = next) {
		next = r->next;
		free(r);
	}
	pthread_mutex_destroy(&dq->mu);
	pthread_mutex_destroy(&dq->amu);
	pthread_cond_destroy(&dq->cv);
	free(dq);
}

bool
dnsq_validating(const struct dnsq *dq)
{
	return dq->validating;
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

/* The RRs of type in the answer section: TXT joined, A/AAAA the first. */
static void
collect(const struct dnsq *dq, ldns_pkt *pkt, ldns_rr_type type,
    struct dnsq_answer *ans)
{
	ldns_rr_list	*l;
	ldns_rr		*rr;
	char		*a;
	uint32_t	 ttl = UINT32_MAX;
	size_t		 i, n;

	l = ldns_pkt_rr_list_by_type(pkt, type, LDNS_SECTION_ANSWER);
	n = l ? ldns_rr_list_rr_count(l) : 0;
	ans->txt = ssmp_xcalloc(n + 1, sizeof(char *));
	for (i = 0; i < n; i++) {
		rr = ldns_rr_list_rr(l, i);
		if (type == LDNS_RR_TYPE_TXT)
			ans->txt[ans->ntxt++] = txt_join(rr);
		else if (ans->ntxt < DNSQ_ADDRS &&
		    ldns_rr_rd_count(rr) == 1 &&
		    (a = ldns_rdf2str(ldns_rr_rdf(rr, 0))) != NULL) {
			size_t len = strlen(ans->addr);

			snprintf(ans->addr + len, sizeof(ans->addr) - len,
			    "%s%s", len ? "," : "", a);
			free(a);
			ans->ntxt++;	/* "has data" */
		}
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

/* An answer packet of type (also the fuzz target's entry). */
static enum dnsq_status
classify_type(const struct dnsq *dq, ldns_pkt *pkt, ldns_rr_type type,
    struct dnsq_answer *ans, const char *name, struct ssmp_err *err)
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
	collect(dq, pkt, type, ans);
	if (ans->ntxt > 0)
		return DNSQ_OK;
	negative_ttl(dq, pkt, ans);
	ssmp_err_set(err, "dns: %s: no %s record", name,
	    type == LDNS_RR_TYPE_TXT ? "TXT" : "address");
	return DNSQ_NODATA;
}

static void
answer_free(struct dnsq_answer *ans)
{
	for (size_t i = 0; ans->txt != NULL && i < ans->ntxt &&
	    ans->txt[i] != NULL; i++)
		free(ans->txt[i]);
	free(ans->txt);
	memset(ans, 0, sizeof(*ans));
}

/* unbound's verdict first (it validated), then the packet's contents. */
static enum dnsq_status
read_result(const struct dnsq *dq, int ub_err, struct ub_result *res,
    int qtype, struct dnsq_answer *ans, const char *name,
    struct ssmp_err *err)
{
	ldns_pkt *pkt = NULL;
	enum dnsq_status st;

	if (ub_err != 0) {
		ssmp_err_set(err, "dns: %s: %s", name, ub_strerror(ub_err));
		return DNSQ_TEMP;
	}
	if (res->bogus) {
		ssmp_err_set(err, "dns: %s: DNSSEC validation failed: %.160s",
		    name, res->why_bogus ? res->why_bogus : "bogus");
		return DNSQ_BOGUS;
	}
	if (res->rcode == LDNS_RCODE_SERVFAIL) {
		ssmp_err_set(err, "dns: %s: SERVFAIL (no server answered "
		    "usably)", name);
		return DNSQ_TEMP;
	}
	if (res->answer_packet == NULL || ldns_wire2pkt(&pkt,
	    res->answer_packet, (size_t)res->answer_len) != LDNS_STATUS_OK) {
		ssmp_err_set(err, "dns: %s: unreadable answer", name);
		return DNSQ_TEMP;
	}
	st = classify_type(dq, pkt, (ldns_rr_type)qtype, ans, name, err);
	ldns_pkt_free(pkt);
	return st;
}

/*
 * The one v=SSMP1 record among the TXT RRs at name (ssmp.7: others are
 * ignored; two or more make the set invalid).
 */
static enum dnsq_status
pick_ssmp(const char *name, const struct dnsq_answer *ans, const char **txt,
    struct ssmp_err *err)
{
	size_t n = 0;

	for (size_t i = 0; i < ans->ntxt; i++)
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

/* The record of the lookup's kind, parsed. */
static void
ssmp_record(const struct dnsq_req *q, const struct dnsq_answer *ans,
    struct dnsq_result *r)
{
	const char *txt = NULL;
	int rc;

	if ((r->st = pick_ssmp(q->name, ans, &txt, &r->err)) != DNSQ_OK)
		return;
	rc = q->kind == DNSQ_Q_POLICY ? ssmp_policy_parse(txt, &r->pol,
	    &r->err) : ssmp_keyrec_parse(txt, &r->key, &r->err);
	if (rc != 0) {
		ssmp_err_prefix(&r->err, "dns: %s: ", q->name);
		r->st = DNSQ_INVALID;
	}
}

/* --- requests -------------------------------------------------------------- */

static void
link_req(struct dnsq *dq, struct dnsq_req *q)
{
	q->prev = dq->tail;
	q->next = NULL;
	if (dq->tail != NULL)
		dq->tail->next = q;
	else
		dq->head = q;
	dq->tail = q;
}

static void
unlink_req(struct dnsq *dq, struct dnsq_req *q)
{
	if (q->prev != NULL)
		q->prev->next = q->next;
	else
		dq->head = q->next;
	if (q->next != NULL)
		q->next->prev = q->prev;
	else
		dq->tail = q->prev;
	q->prev = q->next = NULL;
}

static void on_answer(void *arg, int ub_err, struct ub_result *res);

/* Hand q to unbound; 0 or -1 with r filled (TEMP). */
static int
submit(struct dnsq *dq, struct dnsq_req *q, struct dnsq_result *r)
{
	int rc;

	pthread_mutex_lock(&dq->mu);
	rc = ub_resolve_async(dq->ctx, q->name, q->qtype, LDNS_RR_CLASS_IN, q,
	    on_answer, &q->id);
	if (rc == 0)
		link_req(dq, q);
	pthread_mutex_unlock(&dq->mu);
	if (rc != 0)
		ssmp_err_set(&r->err, "dns: %s: %s", q->name, ub_strerror(rc));
	return rc == 0 ? 0 : -1;
}

static void
finish(struct dnsq_req *q, struct dnsq_result *r)
{
	struct dnsq *dq = q->dq;

	pthread_mutex_lock(&dq->mu);
	dq->inflight--;
	pthread_mutex_unlock(&dq->mu);
	q->cb(r, q->arg);
	free(q);
}

/* unbound's callback, on whichever thread pumps. */
static void
on_answer(void *arg, int ub_err, struct ub_result *res)
{
	struct dnsq_req		*q = arg;
	struct dnsq		*dq = q->dq;
	struct dnsq_answer	 ans;
	struct dnsq_result	 r;

	pthread_mutex_lock(&dq->mu);
	unlink_req(dq, q);
	pthread_mutex_unlock(&dq->mu);
	memset(&ans, 0, sizeof(ans));
	memset(&r, 0, sizeof(r));
	r.kind = q->kind;
	r.st = read_result(dq, ub_err, res, q->qtype, &ans, q->name, &r.err);
	r.secure = res != NULL && res->secure;
	r.ttl = ans.ttl;
	ub_resolve_free(res);
	if (q->kind == DNSQ_Q_ADDR && r.st == DNSQ_NODATA &&
	    q->qtype == LDNS_RR_TYPE_A) {
		answer_free(&ans);
		q->qtype = LDNS_RR_TYPE_AAAA;
		if (submit(dq, q, &r) == 0)
			return;			/* deadline unchanged */
		r.st = DNSQ_TEMP;
	} else if (q->kind == DNSQ_Q_ADDR && r.st == DNSQ_OK)
		snprintf(r.addr, sizeof(r.addr), "%s", ans.addr);
	else if (q->kind != DNSQ_Q_ADDR && r.st == DNSQ_OK)
		ssmp_record(q, &ans, &r);
	answer_free(&ans);
	finish(q, &r);
}

/* The query name of a lookup; -1 with r filled (INVALID) when bad. */
static int
query_name(struct dnsq_req *q, const char *name, const char *sel,
    struct dnsq_result *r)
{
	char dom[SSMP_DOMAIN_MAX + 1], s[SSMP_SELECTOR_MAX + 1];

	if (ssmp_domain_check(name, dom, &r->err) != 0)
		return -1;
	switch (q->kind) {
	case DNSQ_Q_POLICY:
		snprintf(q->name, sizeof(q->name), "_ssmp.%s", dom);
		break;
	case DNSQ_Q_KEY:
		if (ssmp_selector_check(sel, s, &r->err) != 0)
			return -1;
		snprintf(q->name, sizeof(q->name), "%s._ssmpkey.%s", s, dom);
		break;
	case DNSQ_Q_ADDR:
		snprintf(q->name, sizeof(q->name), "%s", dom);
		break;
	}
	return 0;
}

static bool
ip_literal(const char *host)
{
	unsigned char bin[16];

	return inet_pton(AF_INET, host, bin) == 1 ||
	    inet_pton(AF_INET6, host, bin) == 1;
}

void
dnsq_start(struct dnsq *dq, enum dnsq_kind kind, const char *name,
    const char *selector, dnsq_cb cb, void *arg)
{
	struct dnsq_req		*q = ssmp_xcalloc(1, sizeof(*q));
	struct dnsq_result	 r;

	memset(&r, 0, sizeof(r));
	r.kind = kind;
	q->dq = dq;
	q->kind = kind;
	q->qtype = kind == DNSQ_Q_ADDR ? LDNS_RR_TYPE_A : LDNS_RR_TYPE_TXT;
	q->cb = cb;
	q->arg = arg;
	q->deadline = now_ms() + dq->timeout_ms;
	pthread_mutex_lock(&dq->mu);
	dq->inflight++;
	pthread_mutex_unlock(&dq->mu);
	if (kind == DNSQ_Q_ADDR && ip_literal(name)) {
		snprintf(r.addr, sizeof(r.addr), "%s", name);
		r.st = DNSQ_OK;
	} else if (query_name(q, name, selector, &r) != 0)
		r.st = DNSQ_INVALID;
	else if (submit(dq, q, &r) != 0)
		r.st = DNSQ_TEMP;
	else
		return;
	finish(q, &r);
}

int
dnsq_fd(struct dnsq *dq)
{
	dq->loop = true;
	return ub_fd(dq->ctx);
}

void
dnsq_process(struct dnsq *dq)
{
	(void)ub_process(dq->ctx);
}

/* Cancel the lookups in flight due by `due` (all: INT64_MAX). */
static long
end_lookups(struct dnsq *dq, int64_t due, const char *why)
{
	struct dnsq_req		*q, *next, *gone = NULL;
	struct dnsq_result	 r;
	int64_t			 now = now_ms();
	long			 wait = -1;

	pthread_mutex_lock(&dq->mu);
	for (q = dq->head; q != NULL; q = next) {
		next = q->next;
		if (q->deadline > due) {
			wait = (long)(q->deadline - now);
			break;
		}
		/* NOID: the answer is on its way; its callback will run */
		if (ub_cancel(dq->ctx, q->id) != 0)
			continue;
		unlink_req(dq, q);
		q->next = gone;
		gone = q;
	}
	pthread_mutex_unlock(&dq->mu);
	for (q = gone; q != NULL; q = next) {
		next = q->next;
		memset(&r, 0, sizeof(r));
		r.kind = q->kind;
		r.st = DNSQ_TEMP;
		ssmp_err_set(&r.err, "dns: %s: %s", q->name, why);
		finish(q, &r);
	}
	return wait;
}

long
dnsq_expire(struct dnsq *dq)
{
	char why[64];

	snprintf(why, sizeof(why), "timed out after %ld s",
	    dq->timeout_ms / 1000);
	return end_lookups(dq, now_ms(), why);
}

void
dnsq_cancel_all(struct dnsq *dq)
{
	(void)end_lookups(dq, INT64_MAX, "cancelled (resolver restarted)");
}

int
dnsq_inflight(struct dnsq *dq)
{
	int n;

	pthread_mutex_lock(&dq->mu);
	n = dq->inflight;
	pthread_mutex_unlock(&dq->mu);
	return n;
}

/* --- blocking -------------------------------------------------------------- */

struct waiter {
	struct dnsq		*dq;
	bool			 done;
	struct dnsq_result	 r;
};

static void
wake(const struct dnsq_result *r, void *arg)
{
	struct waiter *w = arg;

	pthread_mutex_lock(&w->dq->mu);
	w->r = *r;
	w->done = true;
	pthread_cond_broadcast(&w->dq->cv);
	pthread_mutex_unlock(&w->dq->mu);
}

/*
 * Wait for w: pump the answers pipe if no other thread does, else sleep
 * until the pumping thread is done with a round.  Every round ends at
 * 100 ms, so a waiter whose deadline passed cancels its own lookup.
 */
static void
wait_for(struct dnsq *dq, struct waiter *w)
{
	struct pollfd	pfd;
	struct timespec	ts;

	pthread_mutex_lock(&dq->mu);
	while (!w->done) {
		if (dq->pumping) {
			clock_gettime(CLOCK_REALTIME, &ts);
			ts.tv_nsec += 100 * 1000000L;
			if (ts.tv_nsec >= 1000000000L) {
				ts.tv_sec++;
				ts.tv_nsec -= 1000000000L;
			}
			(void)pthread_cond_timedwait(&dq->cv, &dq->mu, &ts);
			continue;
		}
		dq->pumping = true;
		pthread_mutex_unlock(&dq->mu);
		pfd.fd = ub_fd(dq->ctx);
		pfd.events = POLLIN;
		if (poll(&pfd, 1, 100) > 0)
			(void)ub_process(dq->ctx);
		(void)dnsq_expire(dq);
		pthread_mutex_lock(&dq->mu);
		dq->pumping = false;
		pthread_cond_broadcast(&dq->cv);
	}
	pthread_mutex_unlock(&dq->mu);
}

static enum dnsq_status
blocking(struct dnsq *dq, enum dnsq_kind kind, const char *name,
    const char *sel, struct dnsq_result *r)
{
	struct waiter w;

	memset(&w, 0, sizeof(w));
	w.dq = dq;
	if (dq->loop) {
		memset(r, 0, sizeof(*r));
		ssmp_err_set(&r->err, "dns: %s: blocking lookup on an event "
		    "loop's resolver", name);
		return r->st = DNSQ_TEMP;
	}
	dnsq_start(dq, kind, name, sel, wake, &w);
	wait_for(dq, &w);
	*r = w.r;
	return r->st;
}

enum dnsq_status
dnsq_policy(struct dnsq *dq, const char *domain, struct ssmp_policy *pol,
    uint32_t *ttl, struct ssmp_err *err)
{
	struct dnsq_result r;

	if (blocking(dq, DNSQ_Q_POLICY, domain, NULL, &r) == DNSQ_OK)
		*pol = r.pol;
	if (ttl != NULL)
		*ttl = r.ttl;
	*err = r.err;
	return r.st;
}

enum dnsq_status
dnsq_key(struct dnsq *dq, const char *domain, const char *selector,
    struct ssmp_keyrec *key, uint32_t *ttl, struct ssmp_err *err)
{
	struct dnsq_result r;

	if (blocking(dq, DNSQ_Q_KEY, domain, selector, &r) == DNSQ_OK)
		*key = r.key;
	if (ttl != NULL)
		*ttl = r.ttl;
	*err = r.err;
	return r.st;
}

/* host's addresses from the table into r, if it has them unexpired. */
static bool
acache_get(struct dnsq *dq, const char *host, struct dnsq_result *r)
{
	int64_t	now = now_ms();
	bool	found = false;
	size_t	i;

	pthread_mutex_lock(&dq->amu);
	for (i = 0; i < ACACHE_N && !found; i++) {
		if (dq->a[i].expires <= now ||
		    strcasecmp(dq->a[i].host, host) != 0)
			continue;
		memset(r, 0, sizeof(*r));
		r->kind = DNSQ_Q_ADDR;
		r->st = DNSQ_OK;
		r->ttl = (uint32_t)((dq->a[i].expires - now) / 1000);
		memcpy(r->addr, dq->a[i].addr, sizeof(r->addr));
		found = true;
	}
	pthread_mutex_unlock(&dq->amu);
	return found;
}

/* Keep an answer for its TTL (clamped already): only addresses found. */
static void
acache_put(struct dnsq *dq, const char *host, const struct dnsq_result *r)
{
	struct acache	*e = NULL;
	size_t		 i;

	if (r->st != DNSQ_OK || r->ttl == 0 || strlen(host) >=
	    sizeof(e->host))
		return;
	pthread_mutex_lock(&dq->amu);
	for (i = 0; i < ACACHE_N && e == NULL; i++)
		if (strcasecmp(dq->a[i].host, host) == 0)
			e = &dq->a[i];	/* renewed in its place */
	if (e == NULL)
		e = &dq->a[dq->anext++ % ACACHE_N];
	snprintf(e->host, sizeof(e->host), "%s", host);
	memcpy(e->addr, r->addr, sizeof(e->addr));
	e->expires = now_ms() + (int64_t)r->ttl * 1000;
	pthread_mutex_unlock(&dq->amu);
}

enum dnsq_status
dnsq_addr(struct dnsq *dq, const char *host, char *out, size_t outlen,
    uint32_t *ttl, struct ssmp_err *err)
{
	struct dnsq_result r;

	if (!acache_get(dq, host, &r) &&
	    blocking(dq, DNSQ_Q_ADDR, host, NULL, &r) == DNSQ_OK)
		acache_put(dq, host, &r);
	if (r.st == DNSQ_OK)
		snprintf(out, outlen, "%s", r.addr);
	if (ttl != NULL)
		*ttl = r.ttl;
	*err = r.err;
	return r.st;
}
