/*
 * pg_allow.c - the allow-list store in PostgreSQL (table ssmp_allow,
 * pg_schema.c).  A lookup is one indexed query for both patterns, the
 * exact address ordered first; several entries are written in one
 * transaction.
 */
#include <stdlib.h>
#include <string.h>

#include "pg_int.h"

/* The row's columns from first on: [rcpt,] pattern, tier, origin, added. */
static void
allow_row(PGresult *r, int row, int first, struct ks_allow *out)
{
	memset(out, 0, sizeof(*out));
	if (first == 0)
		pg_get_str(r, row, 0, out->rcpt, sizeof(out->rcpt));
	pg_get_str(r, row, first + 1, out->pattern, sizeof(out->pattern));
	out->tier = (enum ks_tier)pg_get_i64(r, row, first + 2);
	out->origin = (enum ks_origin)pg_get_i64(r, row, first + 3);
	out->added = pg_get_i64(r, row, first + 4);
}

static int
put_one(struct pg_conn *pc, const struct ks_allow *a, struct ssmp_err *err)
{
	char		 t[21], o[21], ad[21];
	const char	*v[5] = { a->rcpt, a->pattern, pg_i64(t, a->tier),
	    pg_i64(o, a->origin), pg_i64(ad, a->added) };
	PGresult	*r = pg_exec(pc, PS_ALLOW_PUT, 5, v);
	int		 rc;

	if ((rc = pg_ok(pc, r, PGRES_COMMAND_OK, "allow put", err)) == 0)
		PQclear(r);
	return rc;
}

static int
allow_put(struct ks_store *ks, const struct ks_allow *v, size_t n,
    struct ssmp_err *err)
{
	struct ks_pg	*p = PG(ks);
	struct pg_conn	*pc;
	size_t		 i;
	int		 rc;

	if ((rc = pg_get(p, &pc, err)) != 0)
		return rc;
	if (n > 1 && (rc = pg_cmd(pc, "BEGIN", err)) != 0)
		goto out;
	for (i = 0; i < n && rc == 0; i++)
		rc = put_one(pc, &v[i], err);
	if (n > 1 && rc == 0)
		rc = pg_cmd(pc, "COMMIT", err);
	else if (n > 1)
		PQclear(PQexec(pc->c, "ROLLBACK"));
	if (rc == 0)
		pg_wrote(p);
out:
	pg_put(p, pc);
	return rc;
}

static int
allow_del(struct ks_store *ks, const char *rcpt, const char *pattern,
    struct ssmp_err *err)
{
	const char *v[2] = { rcpt, pattern };

	return pg_del(PG(ks), PS_ALLOW_DEL, 2, v, "allow del", err);
}

static int
allow_lookup(struct ks_store *ks, const char *rcpt, const char *const *pat,
    size_t npat, struct ks_allow *out, struct ssmp_err *err)
{
	PGresult	*r;
	size_t		 i;
	int		 rc = 1;

	/* two patterns a query (ks_allow_lookup asks for two) */
	for (i = 0; i < npat && rc == 1; i += 2) {
		const char *v[3] = { rcpt, pat[i], pat[i + 1 < npat ? i + 1 :
		    i] };

		if ((rc = pg_run(PG(ks), PS_ALLOW_GET2, 3, v,
		    PGRES_TUPLES_OK, "allow lookup", &r, err)) != 0)
			return rc;
		if ((rc = PQntuples(r) == 1 ? 0 : 1) == 0) {
			allow_row(r, 0, -1, out);
			memcpy(out->rcpt, rcpt, strlen(rcpt) + 1);
		}
		PQclear(r);
	}
	return rc;
}

/*
 * In pages of 500 rows in key order, each page a snapshot of its own,
 * so a long walk holds no session and no snapshot while cb runs.
 */
static int
allow_iter(struct ks_store *ks, const char *rcpt, ks_allow_cb cb, void *arg,
    struct ssmp_err *err)
{
	struct ks_allow	 a = { .rcpt = "" };
	PGresult	*r;
	int		 rc = 0, i, n;

	do {
		const char *v[2] = { rcpt ? rcpt : a.rcpt, a.pattern };

		if ((rc = pg_run(PG(ks), rcpt ? PS_ALLOW_PAGE_RCPT :
		    PS_ALLOW_PAGE, 2, v, PGRES_TUPLES_OK, "allow list", &r,
		    err)) != 0)
			return rc;
		n = PQntuples(r);
		for (i = 0; i < n && rc == 0; i++) {
			allow_row(r, i, 0, &a);
			rc = cb(&a, arg);
		}
		PQclear(r);
	} while (rc == 0 && n == 500);
	return rc;
}

const struct ks_allow_ops pg_allow_ops = {
	.put = allow_put,
	.del = allow_del,
	.lookup = allow_lookup,
	.iter = allow_iter,
};
