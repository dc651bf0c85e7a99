/*
 * pg_replay.c - the replay cache in PostgreSQL (table ssmp_replay).
 *
 * Check and store are one INSERT ... ON CONFLICT statement: a new nonce,
 * or one whose entry has expired, comes back as a row; a live one does
 * not.  Two hosts racing with one nonce are serialised by the primary
 * key, so exactly one of them gets "new".  Expired entries go in an
 * indexed sweep (ssmp_replay_expires), 10000 rows a statement.
 */
#include "pg_int.h"

static int
replay_add(struct ks_store *ks, const char *domain, const char *nonce,
    int64_t expires, int64_t now, struct ssmp_err *err)
{
	char		 e[21], n[21];
	const char	*v[4] = { domain, nonce, pg_i64(e, expires),
	    pg_i64(n, now) };
	PGresult	*r;
	int		 rc;

	if ((rc = pg_run(PG(ks), PS_REPLAY_ADD, 4, v, PGRES_TUPLES_OK,
	    "replay cache", &r, err)) != 0)
		return rc;
	rc = PQntuples(r) == 1 ? 0 : 1;
	PQclear(r);
	pg_wrote(PG(ks));
	return rc;
}

static int
replay_sweep(struct ks_store *ks, int64_t now, size_t *count,
    struct ssmp_err *err)
{
	char		 n[21];
	const char	*v[1] = { pg_i64(n, now) };

	return pg_sweep(PG(ks), PS_REPLAY_SWEEP, 1, v, "replay sweep", count,
	    err);
}

const struct ks_replay_ops pg_replay_ops = {
	.add = replay_add,
	.sweep = replay_sweep,
};
