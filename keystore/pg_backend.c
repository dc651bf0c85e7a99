/*
 * pg_backend.c - the PostgreSQL backend's table: the engine (pg.c), one
 * module per shared store (pg_<store>.c), and the key cache and report
 * stores, which stay the host's own in LMDB.  Apart from the engine,
 * which the modules call, so that the engine calls none of them.
 */
#include <stdlib.h>
#include <string.h>

#include "ssmp_buf.h"
#include "pg_int.h"

/* The host's LMDB figures, with the shared tables' row counts. */
static int
pg_stats(struct ks_store *ks, struct ks_stats *st, struct ssmp_err *err)
{
	struct ks_pg	*p = PG(ks);
	struct pg_conn	*pc;
	PGresult	*r;
	int		 rc;

	if ((rc = p->local->be->stats(p->local, st, err)) != 0 ||
	    (rc = pg_get(p, &pc, err)) != 0)
		return rc;
	r = PQexec(pc->c, "SELECT (SELECT count(*) FROM ssmp_allow), "
	    "(SELECT count(*) FROM ssmp_replay), "
	    "(SELECT count(*) FROM ssmp_delivered WHERE role = 2), "
	    "(SELECT count(*) FROM ssmp_consent), "
	    "(SELECT count(*) FROM ssmp_delivered WHERE role = 1)");
	if ((rc = pg_ok(pc, r, PGRES_TUPLES_OK, "stats", err)) == 0) {
		st->entries[KS_DB_ALLOW] = (size_t)pg_get_i64(r, 0, 0);
		st->entries[KS_DB_REPLAY] = (size_t)pg_get_i64(r, 0, 1);
		st->entries[KS_DB_DELIVERED] = (size_t)pg_get_i64(r, 0, 2);
		st->entries[KS_DB_CONSENT] = (size_t)pg_get_i64(r, 0, 3);
		st->entries[KS_DB_SENT] = (size_t)pg_get_i64(r, 0, 4);
		st->writes = __atomic_load_n(&p->writes, __ATOMIC_RELAXED);
		st->commits = __atomic_load_n(&p->commits, __ATOMIC_RELAXED);
		PQclear(r);
	}
	pg_put(p, pc);
	return rc;
}

/* The key cache is the host's: it lives in the LMDB directory. */
#define LOCAL_KC(ks)	(PG(ks)->local->be->keycache)

static int
kc_get(struct ks_store *ks, const char *domain, const char *selector,
    struct ks_keycache *out, struct ssmp_err *err)
{
	return LOCAL_KC(ks)->get(PG(ks)->local, domain, selector, out, err);
}

static int
kc_put(struct ks_store *ks, const struct ks_keycache *kc,
    struct ssmp_err *err)
{
	return LOCAL_KC(ks)->put(PG(ks)->local, kc, err);
}

static int
kc_flush(struct ks_store *ks, const char *domain, size_t *count,
    struct ssmp_err *err)
{
	return LOCAL_KC(ks)->flush(PG(ks)->local, domain, count, err);
}

static int
kc_iter(struct ks_store *ks, ks_keycache_cb cb, void *arg,
    struct ssmp_err *err)
{
	return LOCAL_KC(ks)->iter(PG(ks)->local, cb, arg, err);
}

static int
kc_sweep(struct ks_store *ks, int64_t now, int64_t policy_keep,
    size_t *count, struct ssmp_err *err)
{
	return LOCAL_KC(ks)->sweep(PG(ks)->local, now, policy_keep, count,
	    err);
}

static const struct ks_keycache_ops pg_keycache_ops = {
	.get = kc_get,
	.put = kc_put,
	.flush = kc_flush,
	.iter = kc_iter,
	.sweep = kc_sweep,
};

/*
 * The report stores are the host's too (for now): each host counts and
 * sends what its own senders saw, and keeps the reports its own ssmpd
 * received.  A table shared by the hosts is not written yet.
 */
#define LOCAL_RPT(ks)	(PG(ks)->local->be->report)

static int
rpt_tally(struct ks_store *ks, const struct ks_tally *v, size_t n,
    ks_tally_merge merge, size_t *dropped, struct ssmp_err *err)
{
	return LOCAL_RPT(ks)->tally(PG(ks)->local, v, n, merge, dropped,
	    err);
}

static int
rpt_tally_iter(struct ks_store *ks, int64_t from, int64_t to, ks_tally_cb cb,
    void *arg, struct ssmp_err *err)
{
	return LOCAL_RPT(ks)->tally_iter(PG(ks)->local, from, to, cb, arg,
	    err);
}

static int
rpt_tally_sent(struct ks_store *ks, int64_t day, const char *reporter,
    const char *domain, int64_t when, struct ssmp_err *err)
{
	return LOCAL_RPT(ks)->tally_sent(PG(ks)->local, day, reporter, domain,
	    when, err);
}

static int
rpt_inbox_put(struct ks_store *ks, const struct ks_inbox *in,
    struct ssmp_err *err)
{
	return LOCAL_RPT(ks)->inbox_put(PG(ks)->local, in, err);
}

static int
rpt_inbox_iter(struct ks_store *ks, const char *reporter, int64_t since,
    ks_inbox_cb cb, void *arg, struct ssmp_err *err)
{
	return LOCAL_RPT(ks)->inbox_iter(PG(ks)->local, reporter, since, cb,
	    arg, err);
}

static int
rpt_sweep(struct ks_store *ks, int64_t day, int64_t received, size_t *count,
    struct ssmp_err *err)
{
	return LOCAL_RPT(ks)->sweep(PG(ks)->local, day, received, count, err);
}

static const struct ks_report_ops pg_report_ops = {
	.tally = rpt_tally,
	.tally_iter = rpt_tally_iter,
	.tally_sent = rpt_tally_sent,
	.inbox_put = rpt_inbox_put,
	.inbox_iter = rpt_inbox_iter,
	.sweep = rpt_sweep,
};

static const struct ks_backend pg_backend = {
	.name = "postgresql",
	.close = pg_close,
	.stats = pg_stats,
	.allow = &pg_allow_ops,
	.keycache = &pg_keycache_ops,
	.replay = &pg_replay_ops,
	.delivered = &pg_delivered_ops,
	.consent = &pg_consent_ops,
	.report = &pg_report_ops,
};

int
ks_pg_open(const char *dir, const char *uri, size_t mapsize, int flags,
    struct ks_store **out, struct ssmp_err *err)
{
	struct ks_pg	*p;
	struct pg_conn	*pc;
	int		 rc;

	*out = NULL;
	if (!PQisthreadsafe())
		return ssmp_err_set(err, "shared database: libpq was built "
		    "without thread safety");
	p = ssmp_xcalloc(1, sizeof(*p));
	p->base.be = &pg_backend;
	p->uri = ssmp_xstrdup(uri);
	pthread_mutex_init(&p->mu, NULL);
	pthread_cond_init(&p->cv, NULL);
	if ((rc = ks_lmdb_open(dir, mapsize, flags, &p->local, err)) != 0) {
		pg_close(&p->base);
		return rc;
	}
	/* a wrong schema is a configuration error: say so now */
	rc = pg_get(p, &pc, err);
	if (rc == 0)
		pg_put(p, pc);
	else if (rc == KS_ETEMP && (flags & KS_LAZY))
		rc = 0;		/* the daemons wait for the server */
	if (rc != 0) {
		pg_close(&p->base);
		return rc;
	}
	*out = &p->base;
	return 0;
}
