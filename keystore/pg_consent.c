/*
 * pg_consent.c - the consent store in PostgreSQL (table ssmp_consent):
 * one row per (local user, remote address); a request made through one
 * host is answered through any other.
 */
#include <string.h>

#include "pg_int.h"

/* Columns from first on: type, state, created, expires. */
static void
consent_row(PGresult *r, int row, int first, struct ks_consent *out)
{
	pg_get_str(r, row, first, out->type, sizeof(out->type));
	pg_get_str(r, row, first + 1, out->state, sizeof(out->state));
	out->created = pg_get_i64(r, row, first + 2);
	out->expires = pg_get_i64(r, row, first + 3);
}

static int
consent_get(struct ks_store *ks, const char *local, const char *remote,
    struct ks_consent *out, struct ssmp_err *err)
{
	const char	*v[2] = { local, remote };
	PGresult	*r;
	int		 rc;

	if ((rc = pg_run(PG(ks), PS_CONSENT_GET, 2, v, PGRES_TUPLES_OK,
	    "consent get", &r, err)) != 0)
		return rc;
	if ((rc = PQntuples(r) == 1 ? 0 : 1) == 0) {
		memset(out, 0, sizeof(*out));
		memcpy(out->local, local, strlen(local) + 1);
		memcpy(out->remote, remote, strlen(remote) + 1);
		consent_row(r, 0, 0, out);
	}
	PQclear(r);
	return rc;
}

static int
consent_put(struct ks_store *ks, const struct ks_consent *c,
    struct ssmp_err *err)
{
	char		 cr[21], ex[21];
	const char	*v[6] = { c->local, c->remote, c->type, c->state,
	    pg_i64(cr, c->created), pg_i64(ex, c->expires) };
	PGresult	*r;
	int		 rc;

	if ((rc = pg_run(PG(ks), PS_CONSENT_PUT, 6, v, PGRES_COMMAND_OK,
	    "consent put", &r, err)) == 0) {
		PQclear(r);
		pg_wrote(PG(ks));
	}
	return rc;
}

static int
consent_del(struct ks_store *ks, const char *local, const char *remote,
    struct ssmp_err *err)
{
	const char *v[2] = { local, remote };

	return pg_del(PG(ks), PS_CONSENT_DEL, 2, v, "consent del", err);
}

/* In pages of 500 in key order, as pg_allow.c's walk. */
static int
consent_iter(struct ks_store *ks, const char *local, ks_consent_cb cb,
    void *arg, struct ssmp_err *err)
{
	struct ks_consent	 c = { .local = "" };
	PGresult		*r;
	int			 rc = 0, i, n;

	do {
		const char *v[2] = { local ? local : c.local, c.remote };

		if ((rc = pg_run(PG(ks), local ? PS_CONSENT_PAGE_LOCAL :
		    PS_CONSENT_PAGE, 2, v, PGRES_TUPLES_OK, "consent list",
		    &r, err)) != 0)
			return rc;
		n = PQntuples(r);
		for (i = 0; i < n && rc == 0; i++) {
			memset(&c, 0, sizeof(c));
			pg_get_str(r, i, 0, c.local, sizeof(c.local));
			pg_get_str(r, i, 1, c.remote, sizeof(c.remote));
			consent_row(r, i, 2, &c);
			rc = cb(&c, arg);
		}
		PQclear(r);
	} while (rc == 0 && n == 500);
	return rc;
}

static int
consent_sweep(struct ks_store *ks, int64_t now, size_t *count,
    struct ssmp_err *err)
{
	char		 n[21];
	const char	*v[1] = { pg_i64(n, now) };

	return pg_sweep(PG(ks), PS_CONSENT_SWEEP, 1, v, "consent sweep",
	    count, err);
}

const struct ks_consent_ops pg_consent_ops = {
	.get = consent_get,
	.put = consent_put,
	.del = consent_del,
	.iter = consent_iter,
	.sweep = consent_sweep,
};
