/*
 * pg_report.c - the report stores in PostgreSQL (tables ssmp_tally and
 * ssmp_inbox): several submission hosts count into one record per day,
 * reporting and receiving domain, so the one report sent says what all
 * of them saw; several MX hosts keep one inbox.
 *
 * A batch of counts is one transaction over its records in key order
 * (no deadlock between hosts): each record is read FOR UPDATE, merged
 * and written back; a new one is inserted, and if another host inserted
 * it meanwhile (ON CONFLICT DO NOTHING, nothing inserted) it is read
 * again and merged into.  The inbox's bounds are checked in the INSERT
 * itself; hosts storing at the same instant may pass a bound by one
 * report each.
 */
#include <stdlib.h>
#include <string.h>

#include "ssmp_buf.h"
#include "pg_int.h"

static int
key_cmp(const void *a, const void *b)
{
	const struct ks_tally *x = a, *y = b;
	int c;

	if (x->day != y->day)
		return x->day < y->day ? -1 : 1;
	if ((c = strcmp(x->reporter, y->reporter)) != 0)
		return c;
	return strcmp(x->domain, y->domain);
}

/* One count: 0 counted (or dropped at the bound), else an error. */
static int
tally_one(struct pg_conn *pc, const struct ks_tally *t, ks_tally_merge merge,
    struct ssmp_buf *json, size_t *dropped, struct ssmp_err *err)
{
	char		 d[21], cap[21];
	const char	*k[4] = { pg_i64(d, t->day), t->reporter, t->domain,
	    NULL };
	const char	*c[2] = { d, pg_i64(cap, KS_TALLY_DOMAINS) };
	PGresult	*r;
	int		 rc, tries;

	for (tries = 0; tries < 3; tries++) {
		r = pg_exec(pc, PS_TALLY_LOCK, 3, k);
		if ((rc = pg_ok(pc, r, PGRES_TUPLES_OK, "tally", err)) != 0)
			return rc;
		if (PQntuples(r) == 1) {
			rc = merge(t, PQgetvalue(r, 0, 0),
			    (size_t)PQgetlength(r, 0, 0), json, err);
			PQclear(r);
			if (rc != 0)
				return rc;
			ssmp_buf_add(json, "", 1);
			k[3] = json->p;
			r = pg_exec(pc, PS_TALLY_UPD, 4, k);
			if ((rc = pg_ok(pc, r, PGRES_COMMAND_OK, "tally",
			    err)) == 0)
				PQclear(r);
			return rc;
		}
		PQclear(r);
		/* a new receiving domain: within the day's bound? */
		r = pg_exec(pc, PS_TALLY_ROOM, 2, c);
		if ((rc = pg_ok(pc, r, PGRES_TUPLES_OK, "tally", err)) != 0)
			return rc;
		rc = PQntuples(r) == 1 && pg_get_i64(r, 0, 0) == 0;
		PQclear(r);
		if (rc) {
			(*dropped)++;
			return 0;
		}
		if ((rc = merge(t, NULL, 0, json, err)) != 0)
			return rc;
		ssmp_buf_add(json, "", 1);
		k[3] = json->p;
		r = pg_exec(pc, PS_TALLY_INS, 4, k);
		if ((rc = pg_ok(pc, r, PGRES_COMMAND_OK, "tally", err)) != 0)
			return rc;
		rc = pg_ntuples_changed(r) == 1;
		PQclear(r);
		if (rc)
			return 0;
		/* another host made it meanwhile: count into theirs */
	}
	(void)ssmp_err_set(err, "tally: the record of %s kept changing",
	    t->domain);
	return KS_ETEMP;
}

static int
tally(struct ks_store *ks, const struct ks_tally *v, size_t n,
    ks_tally_merge merge, size_t *dropped, struct ssmp_err *err)
{
	struct ks_tally	*o;
	struct pg_conn	*pc;
	struct ssmp_buf	 json;
	size_t		 i;
	int		 rc;

	if (n == 0)
		return 0;
	if ((rc = pg_get(PG(ks), &pc, err)) != 0)
		return rc;
	o = ssmp_xcalloc(n, sizeof(*o));
	memcpy(o, v, n * sizeof(*o));
	qsort(o, n, sizeof(*o), key_cmp);
	ssmp_buf_init(&json);
	*dropped = 0;
	if ((rc = pg_cmd(pc, "BEGIN", err)) == 0) {
		for (i = 0; i < n && rc == 0; i++)
			rc = tally_one(pc, &o[i], merge, &json, dropped, err);
		if (rc == 0)
			rc = pg_cmd(pc, "COMMIT", err);
		else
			PQclear(PQexec(pc->c, "ROLLBACK"));
	}
	if (rc == 0)
		pg_wrote(PG(ks));
	ssmp_buf_free(&json);
	free(o);
	pg_put(PG(ks), pc);
	return rc;
}

/* In pages of 100 in key order: day, reporter, domain. */
static int
tally_iter(struct ks_store *ks, int64_t from, int64_t to, ks_tally_cb cb,
    void *arg, struct ssmp_err *err)
{
	struct ks_tally_rec	*t = ssmp_xcalloc(1, sizeof(*t));
	char			 day[21], last[21];
	char			 reporter[SSMP_DOMAIN_MAX + 1] = "";
	char			 domain[SSMP_DOMAIN_MAX + 1] = "";
	int64_t			 d = from;
	PGresult		*r;
	int			 rc = 0, i, n;

	do {
		const char *v[4] = { pg_i64(day, d), reporter, domain,
		    pg_i64(last, to) };

		if ((rc = pg_run(PG(ks), PS_TALLY_PAGE, 4, v, PGRES_TUPLES_OK,
		    "tally list", &r, err)) != 0)
			break;
		n = PQntuples(r);
		for (i = 0; i < n && rc == 0; i++) {
			d = pg_get_i64(r, i, 0);
			pg_get_str(r, i, 1, reporter, sizeof(reporter));
			pg_get_str(r, i, 2, domain, sizeof(domain));
			t->sent = pg_get_i64(r, i, 3);
			if (ssmp_report_decode(PQgetvalue(r, i, 4),
			    (size_t)PQgetlength(r, i, 4), &t->r, err) != 0)
				rc = ssmp_err_prefix(err, "tally: ");
			else if (cb(t, arg) != 0)
				rc = 1;
		}
		PQclear(r);
	} while (rc == 0 && n == 100);
	free(t);
	return rc < 0 ? rc : 0;
}

static int
tally_sent(struct ks_store *ks, int64_t day, const char *reporter,
    const char *domain, int64_t when, struct ssmp_err *err)
{
	char		 d[21], w[21];
	const char	*v[4] = { pg_i64(d, day), reporter, domain,
	    pg_i64(w, when) };
	PGresult	*r;
	int		 rc;

	if ((rc = pg_run(PG(ks), PS_TALLY_SENT, 4, v, PGRES_COMMAND_OK,
	    "tally", &r, err)) != 0)
		return rc;
	rc = pg_ntuples_changed(r) == 1 ? 0 : 1;
	PQclear(r);
	pg_wrote(PG(ks));
	return rc;
}

static int
inbox_put(struct ks_store *ks, const struct ks_inbox *in,
    struct ssmp_err *err)
{
	char		*json = ssmp_xmalloc(in->len + 1);
	char		 rcv[21], st[21], en[21], per[21], all[21];
	const char	*v[9] = { in->reporter, in->id, in->selector,
	    pg_i64(rcv, in->received), pg_i64(st, in->start),
	    pg_i64(en, in->end), json, pg_i64(per, KS_INBOX_PER_DOMAIN),
	    pg_i64(all, KS_INBOX_MAX) };
	PGresult	*r;
	int		 rc;

	memcpy(json, in->json, in->len);
	json[in->len] = '\0';
	if ((rc = pg_run(PG(ks), PS_INBOX_HAVE, 2, v, PGRES_TUPLES_OK,
	    "inbox", &r, err)) == 0) {
		rc = PQntuples(r) > 0 ? 1 : 0;
		PQclear(r);
	}
	if (rc == 0 && (rc = pg_run(PG(ks), PS_INBOX_PUT, 9, v,
	    PGRES_COMMAND_OK, "inbox", &r, err)) == 0) {
		if (pg_ntuples_changed(r) != 1) {
			(void)ssmp_err_set(err, "inbox full: %d reports of %s "
			    "or %d in all", KS_INBOX_PER_DOMAIN, in->reporter,
			    KS_INBOX_MAX);
			rc = KS_FULL;
		}
		PQclear(r);
		pg_wrote(PG(ks));
	}
	free(json);
	return rc;
}

/* In pages of 100 in key order: reporter, id. */
static int
inbox_iter(struct ks_store *ks, const char *reporter, int64_t since,
    ks_inbox_cb cb, void *arg, struct ssmp_err *err)
{
	struct ks_inbox	 in = { .reporter = "" };
	char		 si[21];
	PGresult	*r;
	int		 rc = 0, i, n;

	do {
		const char *v[4] = { in.reporter, in.id, reporter,
		    pg_i64(si, since) };

		if ((rc = pg_run(PG(ks), PS_INBOX_PAGE, 4, v, PGRES_TUPLES_OK,
		    "inbox list", &r, err)) != 0)
			break;
		n = PQntuples(r);
		for (i = 0; i < n && rc == 0; i++) {
			pg_get_str(r, i, 0, in.reporter, sizeof(in.reporter));
			pg_get_str(r, i, 1, in.id, sizeof(in.id));
			pg_get_str(r, i, 2, in.selector, sizeof(in.selector));
			in.received = pg_get_i64(r, i, 3);
			in.start = pg_get_i64(r, i, 4);
			in.end = pg_get_i64(r, i, 5);
			in.json = PQgetvalue(r, i, 6);
			in.len = (size_t)PQgetlength(r, i, 6);
			if (cb(&in, arg) != 0)
				rc = 1;
		}
		PQclear(r);
	} while (rc == 0 && n == 100);
	return rc < 0 ? rc : 0;
}

static int
report_sweep(struct ks_store *ks, int64_t day, int64_t received,
    size_t *count, struct ssmp_err *err)
{
	char		 d[21], rc_[21];
	const char	*a[1] = { pg_i64(d, day) }, *b[1] = { pg_i64(rc_,
	    received) };
	size_t		 x = 0, y = 0;
	int		 rc;

	if ((rc = pg_sweep(PG(ks), PS_TALLY_SWEEP, 1, a, "tally sweep", &x,
	    err)) == 0)
		rc = pg_sweep(PG(ks), PS_INBOX_SWEEP, 1, b, "inbox sweep", &y,
		    err);
	if (count != NULL)
		*count = x + y;
	return rc;
}

const struct ks_report_ops pg_report_ops = {
	.tally = tally,
	.tally_iter = tally_iter,
	.tally_sent = tally_sent,
	.inbox_put = inbox_put,
	.inbox_iter = inbox_iter,
	.sweep = report_sweep,
};
