/*
 * pg_delivered.c - the delivered-log in PostgreSQL (table
 * ssmp_delivered): both roles, one row per (role, from, msgid, rcpt).
 *
 * put_if is compare-and-set per record.  check is asked first as if
 * nothing were stored; if it says put, one statement inserts the row
 * unless it exists and returns the existing row otherwise (so a new
 * claim costs one round trip).  An existing row is asked about as it
 * is and replaced by UPDATE ... WHERE ver = the version read.  A race
 * lost to another host (the row appeared, changed or went between the
 * read and the write) is read again: check may thus be called more
 * than once for a record, each time with what is stored then.
 *
 * Several records are one transaction, taken in key order so that two
 * hosts claiming the same recipients in different orders cannot
 * deadlock; one record needs no transaction around its statements.
 */
#include <stdlib.h>
#include <string.h>

#include "pg_int.h"
#include "ssmp_buf.h"

#define CAS_TRIES	16
/* steps of a compare-and-set (besides -1 and KS_ETEMP) */
enum { DONE = 0, ABORT = 1, RACE = 2, FOUND = 3, NONE = 4 };

struct dlv_params {
	char		 role[21], outcome[21], time[21], pid[21], ver[21];
	const char	*v[12];
};

static void
params(const struct ks_delivered *d, int64_t ver, struct dlv_params *p)
{
	bool own = d->outcome == KS_OUT_DELIVERING;

	p->v[0] = pg_i64(p->role, d->role);
	p->v[1] = d->from;
	p->v[2] = d->msgid;
	p->v[3] = d->rcpt;
	p->v[4] = pg_i64(p->outcome, d->outcome);
	p->v[5] = pg_i64(p->time, d->time);
	p->v[6] = d->info;
	p->v[7] = own ? d->owner.host : NULL;
	p->v[8] = own ? pg_i64(p->pid, d->owner.pid) : NULL;
	p->v[9] = own ? d->owner.reqid : NULL;
	p->v[10] = d->receipt;
	p->v[11] = pg_i64(p->ver, ver);
}

/*
 * Columns from first on: outcome, time, info, owner_host, owner_pid,
 * owner_reqid, receipt.  out->receipt is malloc'd or NULL.
 */
static void
fields(PGresult *r, int row, int first, struct ks_delivered *out)
{
	out->outcome = (enum ks_outcome)pg_get_i64(r, row, first);
	out->time = pg_get_i64(r, row, first + 1);
	pg_get_str(r, row, first + 2, out->info, sizeof(out->info));
	pg_get_str(r, row, first + 3, out->owner.host,
	    sizeof(out->owner.host));
	out->owner.pid = (long)pg_get_i64(r, row, first + 4);
	pg_get_str(r, row, first + 5, out->owner.reqid,
	    sizeof(out->owner.reqid));
	out->receipt = PQgetisnull(r, row, first + 6) ? NULL :
	    ssmp_xstrdup(PQgetvalue(r, row, first + 6));
}

static void
names(struct ks_delivered *out, enum ks_role role, const char *from,
    const char *msgid, const char *rcpt)
{
	memset(out, 0, sizeof(*out));
	out->role = role;
	memcpy(out->from, from, strlen(from) + 1);
	memcpy(out->msgid, msgid, strlen(msgid) + 1);
	memcpy(out->rcpt, rcpt, strlen(rcpt) + 1);
}

static int
dlv_get(struct ks_store *ks, enum ks_role role, const char *from,
    const char *msgid, const char *rcpt, struct ks_delivered *out,
    struct ssmp_err *err)
{
	char		 ro[21];
	const char	*v[4] = { pg_i64(ro, role), from, msgid, rcpt };
	PGresult	*r;
	int		 rc;

	if ((rc = pg_run(PG(ks), PS_DLV_GET, 4, v, PGRES_TUPLES_OK,
	    "delivered-log", &r, err)) != 0)
		return rc;
	if ((rc = PQntuples(r) == 1 ? 0 : 1) == 0) {
		names(out, role, from, msgid, rcpt);
		fields(r, 0, 0, out);
	}
	PQclear(r);
	return rc;
}

/* What is stored for d's key: FOUND (*now, *ver set) or NONE. */
static int
stored(struct pg_conn *pc, const struct ks_delivered *d,
    const struct dlv_params *p, struct ks_delivered *now, int64_t *ver,
    struct ssmp_err *err)
{
	PGresult	*r = pg_exec(pc, PS_DLV_GET, 4, p->v);
	int		 rc;

	if ((rc = pg_ok(pc, r, PGRES_TUPLES_OK, "delivered-log", err)) != 0)
		return rc;
	if ((rc = PQntuples(r) == 1 ? FOUND : NONE) == FOUND) {
		names(now, d->role, d->from, d->msgid, d->rcpt);
		fields(r, 0, 0, now);
		*ver = pg_get_i64(r, 0, 7);
	}
	PQclear(r);
	return rc;
}

/*
 * check(NULL) said put: insert.  DONE inserted; FOUND a row is there
 * (*now, *ver); RACE neither (the row went meanwhile).
 */
static int
insert(struct pg_conn *pc, const struct ks_delivered *d,
    const struct dlv_params *p, struct ks_delivered *now, int64_t *ver,
    struct ssmp_err *err)
{
	PGresult	*r = pg_exec(pc, PS_DLV_INS, 11, p->v);
	int		 rc;

	if ((rc = pg_ok(pc, r, PGRES_TUPLES_OK, "delivered-log", err)) != 0)
		return rc;
	if (pg_get_i64(r, 0, 0) == 1)
		rc = DONE;
	else if (PQgetisnull(r, 0, 8))
		rc = RACE;
	else {
		names(now, d->role, d->from, d->msgid, d->rcpt);
		fields(r, 0, 1, now);
		*ver = pg_get_i64(r, 0, 8);
		rc = FOUND;
	}
	PQclear(r);
	return rc;
}

/* Replace the row of version ver: DONE, or RACE: it changed meanwhile. */
static int
update(struct pg_conn *pc, struct dlv_params *p, int64_t ver,
    struct ssmp_err *err)
{
	PGresult	*r;
	int		 rc;

	p->v[11] = pg_i64(p->ver, ver);
	r = pg_exec(pc, PS_DLV_UPD, 12, p->v);
	if ((rc = pg_ok(pc, r, PGRES_COMMAND_OK, "delivered-log", err)) != 0)
		return rc;
	rc = pg_ntuples_changed(r) == 1 ? DONE : RACE;
	PQclear(r);
	return rc;
}

/* Ask check about what is stored, then act: DONE, ABORT or RACE. */
static int
ask_check(struct pg_conn *pc, const struct ks_delivered *d,
    struct dlv_params *p, struct ks_delivered *now, int64_t ver,
    ks_delivered_check check, void *arg, struct ssmp_err *err)
{
	int a = check(now, d, arg);

	ks_delivered_clear(now);
	if (a == KS_SKIP)
		return DONE;
	if (a == KS_ABORT)
		return ABORT;
	if (a != KS_PUT)
		return ssmp_err_set(err, "delivered-log: check answered %d",
		    a);
	return update(pc, p, ver, err);
}

/* One record under compare-and-set: DONE (written or skipped), ABORT. */
static int
cas_one(struct pg_conn *pc, const struct ks_delivered *d,
    ks_delivered_check check, void *arg, struct ssmp_err *err)
{
	struct dlv_params	p;
	struct ks_delivered	now;
	PGresult		*r;
	int64_t			ver = 0;
	int			rc, a, tries;

	params(d, 0, &p);
	if (check == NULL) {
		r = pg_exec(pc, PS_DLV_UPSERT, 11, p.v);
		if ((rc = pg_ok(pc, r, PGRES_COMMAND_OK, "delivered-log",
		    err)) == 0)
			PQclear(r);
		return rc;
	}
	for (tries = 0; tries < CAS_TRIES; tries++) {
		if ((a = check(NULL, d, arg)) == KS_PUT)
			rc = insert(pc, d, &p, &now, &ver, err);
		else if ((rc = stored(pc, d, &p, &now, &ver, err)) == NONE)
			return a == KS_ABORT ? ABORT : DONE;
		if (rc == FOUND)
			rc = ask_check(pc, d, &p, &now, ver, check, arg, err);
		if (rc != RACE)
			return rc;
	}
	ssmp_err_set(err, "delivered-log: <%s>: %d races lost in a row",
	    d->rcpt, CAS_TRIES);
	return KS_ETEMP;
}

/* Key order of the records (role, from, msgid, rcpt). */
static int
key_cmp(const void *a, const void *b)
{
	const struct ks_delivered *x = *(const struct ks_delivered *const *)a;
	const struct ks_delivered *y = *(const struct ks_delivered *const *)b;
	int c;

	if (x->role != y->role)
		return x->role < y->role ? -1 : 1;
	if ((c = strcmp(x->from, y->from)) != 0 ||
	    (c = strcmp(x->msgid, y->msgid)) != 0)
		return c;
	return strcmp(x->rcpt, y->rcpt);
}

static int
put_all(struct pg_conn *pc, const struct ks_delivered *d, size_t n,
    ks_delivered_check check, void *arg, struct ssmp_err *err)
{
	const struct ks_delivered	**o;
	size_t				  i;
	int				  rc = 0;

	if (n == 1)
		return cas_one(pc, d, check, arg, err);
	o = ssmp_xcalloc(n, sizeof(*o));
	for (i = 0; i < n; i++)
		o[i] = &d[i];
	qsort(o, n, sizeof(*o), key_cmp);
	if ((rc = pg_cmd(pc, "BEGIN", err)) == 0) {
		for (i = 0; i < n && rc == 0; i++)
			rc = cas_one(pc, o[i], check, arg, err);
		if (rc == 0)
			rc = pg_cmd(pc, "COMMIT", err);
		else
			PQclear(PQexec(pc->c, "ROLLBACK"));
	}
	free(o);
	return rc;
}

static int
dlv_put_if(struct ks_store *ks, const struct ks_delivered *d, size_t n,
    ks_delivered_check check, void *arg, struct ssmp_err *err)
{
	struct pg_conn	*pc;
	int		 rc;

	if ((rc = pg_get(PG(ks), &pc, err)) != 0)
		return rc;
	if ((rc = put_all(pc, d, n, check, arg, err)) == 0)
		pg_wrote(PG(ks));
	pg_put(PG(ks), pc);
	return rc;
}

static int
dlv_del(struct ks_store *ks, enum ks_role role, const char *from,
    const char *msgid, const char *rcpt, struct ssmp_err *err)
{
	char		 ro[21];
	const char	*v[4] = { pg_i64(ro, role), from, msgid, rcpt };

	return pg_del(PG(ks), PS_DLV_DEL, 4, v, "delivered-log", err);
}

/* In pages of 500 in key order, as pg_allow.c's walk. */
static int
dlv_iter(struct ks_store *ks, enum ks_role role, const char *rcpt,
    int64_t since, ks_delivered_cb cb, void *arg, struct ssmp_err *err)
{
	struct ks_delivered	 d = { .from = "" };
	char			 ro[21], want[21], si[21];
	PGresult		*r;
	int			 rc = 0, i, n;

	do {
		const char *v[7] = { pg_i64(ro, d.role), d.from, d.msgid,
		    d.rcpt, pg_i64(want, role), rcpt, pg_i64(si, since) };

		if ((rc = pg_run(PG(ks), PS_DLV_PAGE, 7, v, PGRES_TUPLES_OK,
		    "delivered-log", &r, err)) != 0)
			return rc;
		n = PQntuples(r);
		for (i = 0; i < n && rc == 0; i++) {
			memset(&d, 0, sizeof(d));
			d.role = (enum ks_role)pg_get_i64(r, i, 0);
			pg_get_str(r, i, 1, d.from, sizeof(d.from));
			pg_get_str(r, i, 2, d.msgid, sizeof(d.msgid));
			pg_get_str(r, i, 3, d.rcpt, sizeof(d.rcpt));
			fields(r, i, 4, &d);
			rc = cb(&d, arg);
			ks_delivered_clear(&d);
		}
		PQclear(r);
	} while (rc == 0 && n == 500);
	return rc;
}

static int
dlv_sweep(struct ks_store *ks, enum ks_role role, int64_t before,
    size_t *count, struct ssmp_err *err)
{
	char		 ro[21], b[21];
	const char	*v[2] = { pg_i64(ro, role), pg_i64(b, before) };

	return pg_sweep(PG(ks), PS_DLV_SWEEP, 2, v, "delivered-log sweep",
	    count, err);
}

const struct ks_delivered_ops pg_delivered_ops = {
	.get = dlv_get,
	.put_if = dlv_put_if,
	.del = dlv_del,
	.iter = dlv_iter,
	.sweep = dlv_sweep,
};
