/*
 * pg_backend.c - the PostgreSQL backend's table: the engine (pg.c), one
 * module per shared store (pg_<store>.c), and the key cache, which stays
 * the host's own in LMDB.  Apart from the engine, which the modules
 * call, so that the engine calls none of them.
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
	    "(SELECT count(*) FROM ssmp_delivered WHERE role = 1), "
	    "(SELECT count(*) FROM ssmp_tally), "
	    "(SELECT count(*) FROM ssmp_inbox)");
	if ((rc = pg_ok(pc, r, PGRES_TUPLES_OK, "stats", err)) == 0) {
		st->entries[KS_DB_ALLOW] = (size_t)pg_get_i64(r, 0, 0);
		st->entries[KS_DB_REPLAY] = (size_t)pg_get_i64(r, 0, 1);
		st->entries[KS_DB_DELIVERED] = (size_t)pg_get_i64(r, 0, 2);
		st->entries[KS_DB_CONSENT] = (size_t)pg_get_i64(r, 0, 3);
		st->entries[KS_DB_SENT] = (size_t)pg_get_i64(r, 0, 4);
		st->entries[KS_DB_TALLY] = (size_t)pg_get_i64(r, 0, 5);
		st->entries[KS_DB_INBOX] = (size_t)pg_get_i64(r, 0, 6);
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
