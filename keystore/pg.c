/*
 * pg.c - the PostgreSQL backend's engine: sessions, the connection pool,
 * prepared statements, errors, and the handle (see pg_int.h).
 *
 * A session that the server closed (restart, failover, idle timeout)
 * is found before it is used: an idle connection whose socket is
 * readable has had something said to it, and that something is a
 * termination notice.  A request is therefore never spent on a
 * connection known to be dead; one that dies under a request fails it
 * with KS_ETEMP, and a write is never repeated blindly (its COMMIT may
 * have happened: the caller's retry finds it).
 */
#include <inttypes.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pg_int.h"
#include "ssmp_buf.h"

static const char *const sql[PS_COUNT] = {
	[PS_ALLOW_PUT] =
	    "INSERT INTO ssmp_allow (rcpt, pattern, tier, origin, added) "
	    "VALUES ($1, $2, $3, $4, $5) ON CONFLICT (rcpt, pattern) DO UPDATE "
	    "SET tier = EXCLUDED.tier, origin = EXCLUDED.origin, "
	    "added = EXCLUDED.added",
	[PS_ALLOW_DEL] =
	    "DELETE FROM ssmp_allow WHERE rcpt = $1 AND pattern = $2",
	/* the first pattern wins: false sorts before true */
	[PS_ALLOW_GET2] =
	    "SELECT pattern, tier, origin, added FROM ssmp_allow "
	    "WHERE rcpt = $1 AND pattern IN ($2, $3) "
	    "ORDER BY pattern <> $2 LIMIT 1",
	[PS_ALLOW_PAGE] =
	    "SELECT rcpt, pattern, tier, origin, added FROM ssmp_allow "
	    "WHERE (rcpt, pattern) > ($1, $2) ORDER BY rcpt, pattern "
	    "LIMIT 500",
	[PS_ALLOW_PAGE_RCPT] =
	    "SELECT rcpt, pattern, tier, origin, added FROM ssmp_allow "
	    "WHERE rcpt = $1 AND pattern > $2 ORDER BY pattern LIMIT 500",
	/* a row back: new (or expired and taken over); none: replay */
	[PS_REPLAY_ADD] =
	    "INSERT INTO ssmp_replay (domain, nonce, expires) "
	    "VALUES ($1, $2, $3) ON CONFLICT (domain, nonce) DO UPDATE "
	    "SET expires = EXCLUDED.expires WHERE ssmp_replay.expires <= $4 "
	    "RETURNING 1",
	[PS_REPLAY_SWEEP] =
	    "DELETE FROM ssmp_replay WHERE ctid = ANY (ARRAY("
	    "SELECT ctid FROM ssmp_replay WHERE expires <= $1 LIMIT 10000))",
	[PS_DLV_GET] =
	    "SELECT outcome, time, info, owner_host, owner_pid, owner_reqid, "
	    "receipt, ver FROM ssmp_delivered "
	    "WHERE role = $1 AND sender = $2 AND msgid = $3 AND rcpt = $4",
	/*
	 * Insert if absent; else the row as it is (the WITH's insert and
	 * the join see one snapshot: a row just inserted reads as NULLs).
	 * Always one row: inserted count, then PS_DLV_GET's columns.
	 */
	[PS_DLV_INS] =
	    "WITH ins AS (INSERT INTO ssmp_delivered (role, sender, msgid, "
	    "rcpt, outcome, time, info, owner_host, owner_pid, owner_reqid, "
	    "receipt) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) "
	    "ON CONFLICT DO NOTHING RETURNING 1) "
	    "SELECT (SELECT count(*) FROM ins), outcome, time, info, "
	    "owner_host, owner_pid, owner_reqid, receipt, ver "
	    "FROM (SELECT 1) AS one LEFT JOIN ssmp_delivered ON role = $1 "
	    "AND sender = $2 AND msgid = $3 AND rcpt = $4",
	[PS_DLV_UPD] =
	    "UPDATE ssmp_delivered SET outcome = $5, time = $6, info = $7, "
	    "owner_host = $8, owner_pid = $9, owner_reqid = $10, "
	    "receipt = $11, ver = ver + 1 WHERE role = $1 AND sender = $2 "
	    "AND msgid = $3 AND rcpt = $4 AND ver = $12",
	[PS_DLV_UPSERT] =
	    "INSERT INTO ssmp_delivered (role, sender, msgid, rcpt, outcome, "
	    "time, info, owner_host, owner_pid, owner_reqid, receipt) "
	    "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) "
	    "ON CONFLICT (role, sender, msgid, rcpt) DO UPDATE SET "
	    "outcome = EXCLUDED.outcome, time = EXCLUDED.time, "
	    "info = EXCLUDED.info, owner_host = EXCLUDED.owner_host, "
	    "owner_pid = EXCLUDED.owner_pid, "
	    "owner_reqid = EXCLUDED.owner_reqid, "
	    "receipt = EXCLUDED.receipt, ver = ssmp_delivered.ver + 1",
	[PS_DLV_DEL] =
	    "DELETE FROM ssmp_delivered "
	    "WHERE role = $1 AND sender = $2 AND msgid = $3 AND rcpt = $4",
	[PS_DLV_PAGE] =
	    "SELECT role, sender, msgid, rcpt, outcome, time, info, "
	    "owner_host, owner_pid, owner_reqid, receipt FROM ssmp_delivered "
	    "WHERE (role, sender, msgid, rcpt) > ($1, $2, $3, $4) "
	    "AND ($5::smallint = 0 OR role = $5) "
	    "AND ($6::text IS NULL OR rcpt = $6) AND time >= $7 "
	    "ORDER BY role, sender, msgid, rcpt LIMIT 500",
	/* "delivering" stays: a postmaster resolves it */
	[PS_DLV_SWEEP] =
	    "DELETE FROM ssmp_delivered WHERE ctid = ANY (ARRAY("
	    "SELECT ctid FROM ssmp_delivered WHERE role = $1 AND time < $2 "
	    "AND outcome <> 4 LIMIT 10000))",
	[PS_CONSENT_GET] =
	    "SELECT type, state, created, expires FROM ssmp_consent "
	    "WHERE local = $1 AND remote = $2",
	[PS_CONSENT_PUT] =
	    "INSERT INTO ssmp_consent (local, remote, type, state, created, "
	    "expires) VALUES ($1, $2, $3, $4, $5, $6) "
	    "ON CONFLICT (local, remote) DO UPDATE SET type = EXCLUDED.type, "
	    "state = EXCLUDED.state, created = EXCLUDED.created, "
	    "expires = EXCLUDED.expires",
	[PS_CONSENT_DEL] =
	    "DELETE FROM ssmp_consent WHERE local = $1 AND remote = $2",
	[PS_CONSENT_PAGE] =
	    "SELECT local, remote, type, state, created, expires "
	    "FROM ssmp_consent WHERE (local, remote) > ($1, $2) "
	    "ORDER BY local, remote LIMIT 500",
	[PS_CONSENT_PAGE_LOCAL] =
	    "SELECT local, remote, type, state, created, expires "
	    "FROM ssmp_consent WHERE local = $1 AND remote > $2 "
	    "ORDER BY remote LIMIT 500",
	/* expires 0: no expiry (only a pending request expires) */
	[PS_CONSENT_SWEEP] =
	    "DELETE FROM ssmp_consent WHERE ctid = ANY (ARRAY("
	    "SELECT ctid FROM ssmp_consent WHERE expires <> 0 AND "
	    "expires <= $1 LIMIT 10000))",
	[PS_TALLY_LOCK] =
	    "SELECT report FROM ssmp_tally WHERE day = $1 AND reporter = $2 "
	    "AND domain = $3 FOR UPDATE",
	[PS_TALLY_ROOM] =
	    "SELECT (count(*) < $2::bigint)::int FROM ssmp_tally "
	    "WHERE day = $1",
	[PS_TALLY_INS] =
	    "INSERT INTO ssmp_tally (day, reporter, domain, sent, report) "
	    "VALUES ($1, $2, $3, 0, $4) ON CONFLICT DO NOTHING",
	[PS_TALLY_UPD] =
	    "UPDATE ssmp_tally SET report = $4 WHERE day = $1 AND "
	    "reporter = $2 AND domain = $3",
	[PS_TALLY_PAGE] =
	    "SELECT day, reporter, domain, sent, report FROM ssmp_tally "
	    "WHERE (day, reporter, domain) > ($1, $2, $3) AND day <= $4 "
	    "ORDER BY day, reporter, domain LIMIT 100",
	[PS_TALLY_SENT] =
	    "UPDATE ssmp_tally SET sent = $4 WHERE day = $1 AND "
	    "reporter = $2 AND domain = $3",
	[PS_TALLY_SWEEP] =
	    "DELETE FROM ssmp_tally WHERE ctid = ANY (ARRAY("
	    "SELECT ctid FROM ssmp_tally WHERE day < $1 LIMIT 10000))",
	[PS_INBOX_HAVE] =
	    "SELECT 1 FROM ssmp_inbox WHERE reporter = $1 AND id = $2",
	/* nothing inserted: a bound (or the same report just now) */
	[PS_INBOX_PUT] =
	    "INSERT INTO ssmp_inbox (reporter, id, selector, received, "
	    "start_t, end_t, report) SELECT $1, $2, $3, $4, $5, $6, $7 "
	    "WHERE (SELECT count(*) FROM ssmp_inbox WHERE reporter = $1) < "
	    "$8::bigint AND (SELECT count(*) FROM ssmp_inbox) < $9::bigint "
	    "ON CONFLICT DO NOTHING",
	[PS_INBOX_PAGE] =
	    "SELECT reporter, id, selector, received, start_t, end_t, report "
	    "FROM ssmp_inbox WHERE (reporter, id) > ($1, $2) "
	    "AND ($3::text IS NULL OR reporter = $3) AND received >= $4 "
	    "ORDER BY reporter, id LIMIT 100",
	[PS_INBOX_SWEEP] =
	    "DELETE FROM ssmp_inbox WHERE ctid = ANY (ARRAY("
	    "SELECT ctid FROM ssmp_inbox WHERE received < $1 LIMIT 10000))",
};

/* --- sessions -------------------------------------------------------------- */

/* The first line of libpq's message, prefixed. */
static int
pg_err(int rc, const char *what, const char *msg, struct ssmp_err *err)
{
	const char *nl = strchr(msg, '\n');

	ssmp_err_set(err, "shared database: %s: %.*s", what,
	    (int)(nl ? (size_t)(nl - msg) : strlen(msg)), msg);
	return rc;
}

/* Notices (e.g. of a ROLLBACK with nothing to undo) are not errors. */
static void
quiet(void *arg, const char *msg)
{
	(void)arg;
	(void)msg;
}

/*
 * synchronous_commit off or local would acknowledge a commit a crash or
 * a failover can lose: raise it to on.  Stronger settings stay.
 */
static int
sync_on(PGconn *c, struct ssmp_err *err)
{
	PGresult	*r = PQexec(c, "SHOW synchronous_commit");
	const char	*v;
	int		 weak;

	if (PQresultStatus(r) != PGRES_TUPLES_OK || PQntuples(r) != 1) {
		PQclear(r);
		return pg_err(KS_ETEMP, "SHOW synchronous_commit",
		    PQerrorMessage(c), err);
	}
	v = PQgetvalue(r, 0, 0);
	weak = strcmp(v, "off") == 0 || strcmp(v, "local") == 0;
	PQclear(r);
	if (!weak)
		return 0;
	r = PQexec(c, "SET synchronous_commit = on");
	if (PQresultStatus(r) != PGRES_COMMAND_OK) {
		PQclear(r);
		return pg_err(KS_ETEMP, "SET synchronous_commit",
		    PQerrorMessage(c), err);
	}
	PQclear(r);
	return 0;
}

int
ks_pg_connect(const char *uri, PGconn **out, struct ssmp_err *err)
{
	/* our defaults first: the URI's own parameters override them */
	static const char *const kw[] = { "connect_timeout",
	    "application_name", "options", "dbname", NULL };
	const char	*val[5] = { "5", "ssmp", "-c statement_timeout=10000",
	    NULL, NULL };
	struct ssmp_buf	 u;
	PGconn		*c;
	int		 rc;

	*out = NULL;
	ssmp_buf_init(&u);
	if (strncmp(uri, "pgsql://", 8) == 0) {
		ssmp_buf_add(&u, "postgresql://", 13);
		uri += 8;
	}
	ssmp_buf_add(&u, uri, strlen(uri) + 1);
	val[3] = u.p;
	c = PQconnectdbParams(kw, val, 1);
	ssmp_buf_free(&u);
	if (c == NULL)
		return ssmp_err_set(err, "shared database: out of memory");
	if (PQstatus(c) != CONNECTION_OK) {
		rc = pg_err(KS_ETEMP, "connect", PQerrorMessage(c), err);
		PQfinish(c);
		return rc;
	}
	PQsetNoticeProcessor(c, quiet, NULL);
	if ((rc = sync_on(c, err)) != 0) {
		PQfinish(c);
		return rc;
	}
	*out = c;
	return 0;
}

/* The schema version of the shared database (0: none yet). */
int
pg_schema_version(PGconn *c, int *version, struct ssmp_err *err)
{
	PGresult	*r;
	int		 rc = 0;

	/* a query on a missing table would abort the transaction */
	*version = 0;
	r = PQexec(c, "SELECT to_regclass('ssmp_schema') IS NOT NULL");
	if (PQresultStatus(r) != PGRES_TUPLES_OK || PQntuples(r) != 1)
		rc = -1;
	else if (strcmp(PQgetvalue(r, 0, 0), "t") == 0) {
		PQclear(r);
		r = PQexec(c, "SELECT version FROM ssmp_schema");
		if (PQresultStatus(r) != PGRES_TUPLES_OK)
			rc = -1;
		else if (PQntuples(r) == 1)
			*version = atoi(PQgetvalue(r, 0, 0));
	}
	PQclear(r);
	if (rc != 0) {
		ssmp_err_set(err, "shared database: schema version: %s",
		    PQerrorMessage(c));
		err->msg[strcspn(err->msg, "\n")] = '\0';
		return PQstatus(c) == CONNECTION_OK ? -1 : KS_ETEMP;
	}
	return 0;
}

/* A pool session: this program's schema, or a permanent error. */
static int
session_open(struct ks_pg *p, struct pg_conn **out, struct ssmp_err *err)
{
	PGconn	*c;
	int	 rc, v;

	if ((rc = ks_pg_connect(p->uri, &c, err)) != 0)
		return rc;
	if ((rc = pg_schema_version(c, &v, err)) == 0 &&
	    v != PG_SCHEMA_VERSION)
		rc = ssmp_err_set(err, "shared database: schema version %d, "
		    "this program needs %d: run `ssmpctl db %s`", v,
		    PG_SCHEMA_VERSION, v == 0 ? "init" : v <
		    PG_SCHEMA_VERSION ? "migrate" : "status` and upgrade");
	if (rc != 0) {
		PQfinish(c);
		return rc;
	}
	*out = ssmp_xcalloc(1, sizeof(**out));
	(*out)->c = c;
	return 0;
}

/* An idle session the server has closed has input waiting: the notice. */
static bool
idle_alive(struct pg_conn *pc)
{
	struct pollfd	pfd = { PQsocket(pc->c), POLLIN, 0 };

	if (PQstatus(pc->c) != CONNECTION_OK || pfd.fd < 0)
		return false;
	if (poll(&pfd, 1, 0) == 0)
		return true;
	return PQconsumeInput(pc->c) == 1 && PQstatus(pc->c) ==
	    CONNECTION_OK && PQisBusy(pc->c) == 0 &&
	    (pfd.revents & (POLLHUP | POLLERR)) == 0;
}

static void
session_close(struct pg_conn *pc)
{
	PQfinish(pc->c);
	free(pc);
}

int
pg_get(struct ks_pg *p, struct pg_conn **out, struct ssmp_err *err)
{
	struct pg_conn	*pc;
	int		 rc;

	pthread_mutex_lock(&p->mu);
	for (;;) {
		while (p->nidle > 0) {
			pc = p->idle[--p->nidle];
			if (idle_alive(pc)) {
				pthread_mutex_unlock(&p->mu);
				*out = pc;
				return 0;
			}
			p->nopen--;
			session_close(pc);
		}
		if (p->nopen < PG_POOL_MAX)
			break;
		pthread_cond_wait(&p->cv, &p->mu);
	}
	p->nopen++;
	pthread_mutex_unlock(&p->mu);
	/* connect outside the lock: others use the pool meanwhile */
	if ((rc = session_open(p, out, err)) == 0)
		return 0;
	pthread_mutex_lock(&p->mu);
	p->nopen--;
	pthread_cond_signal(&p->cv);
	pthread_mutex_unlock(&p->mu);
	return rc;
}

void
pg_put(struct ks_pg *p, struct pg_conn *pc)
{
	bool bad = pc->broken || PQstatus(pc->c) != CONNECTION_OK ||
	    PQtransactionStatus(pc->c) != PQTRANS_IDLE;

	pthread_mutex_lock(&p->mu);
	if (bad)
		p->nopen--;
	else
		p->idle[p->nidle++] = pc;
	pthread_cond_signal(&p->cv);
	pthread_mutex_unlock(&p->mu);
	if (bad)
		session_close(pc);
}

/* --- statements ------------------------------------------------------------ */

PGresult *
pg_exec(struct pg_conn *pc, enum pg_stmt s, int n, const char *const *v)
{
	char		 name[16];
	PGresult	*r;

	(void)snprintf(name, sizeof(name), "ks%d", (int)s);
	if (!(pc->prepared & ((uint64_t)1 << s))) {
		r = PQprepare(pc->c, name, sql[s], n, NULL);
		if (PQresultStatus(r) != PGRES_COMMAND_OK)
			return r;
		PQclear(r);
		pc->prepared |= (uint64_t)1 << s;
	}
	return PQexecPrepared(pc->c, name, n, v, NULL, NULL, 0);
}

int
pg_run(struct ks_pg *p, enum pg_stmt s, int n, const char *const *v,
    ExecStatusType want, const char *what, PGresult **out,
    struct ssmp_err *err)
{
	struct pg_conn	*pc;
	PGresult	*r;
	int		 rc;

	*out = NULL;
	if ((rc = pg_get(p, &pc, err)) != 0)
		return rc;
	r = pg_exec(pc, s, n, v);
	if ((rc = pg_ok(pc, r, want, what, err)) == 0)
		*out = r;
	pg_put(p, pc);
	return rc;
}

int
pg_del(struct ks_pg *p, enum pg_stmt s, int n, const char *const *v,
    const char *what, struct ssmp_err *err)
{
	PGresult	*r;
	int		 rc;

	if ((rc = pg_run(p, s, n, v, PGRES_COMMAND_OK, what, &r, err)) != 0)
		return rc;
	rc = pg_ntuples_changed(r) > 0 ? 0 : 1;
	PQclear(r);
	pg_wrote(p);
	return rc;
}

int
pg_sweep(struct ks_pg *p, enum pg_stmt s, int n, const char *const *v,
    const char *what, size_t *count, struct ssmp_err *err)
{
	PGresult	*r;
	size_t		 k, total = 0;
	int		 rc;

	do {
		if ((rc = pg_run(p, s, n, v, PGRES_COMMAND_OK, what, &r,
		    err)) != 0)
			break;
		total += k = pg_ntuples_changed(r);
		PQclear(r);
	} while (k == 10000);
	if (count != NULL)
		*count = total;
	return rc;
}

/*
 * Temporary: the connection is gone (class 08) or the server says try
 * again: insufficient resources (53), a lost serialization or deadlock
 * (40), shutting down or not yet up (57P01-57P03), a statement or lock
 * timeout (57014, 55P03).
 */
static bool
temporary(PGconn *c, PGresult *r)
{
	const char *s = r ? PQresultErrorField(r, PG_DIAG_SQLSTATE) : NULL;

	if (PQstatus(c) != CONNECTION_OK || s == NULL)
		return true;
	return strncmp(s, "08", 2) == 0 || strncmp(s, "53", 2) == 0 ||
	    strncmp(s, "40", 2) == 0 || strncmp(s, "57P0", 4) == 0 ||
	    strcmp(s, "57014") == 0 || strcmp(s, "55P03") == 0;
}

int
pg_ok(struct pg_conn *pc, PGresult *r, ExecStatusType want, const char *what,
    struct ssmp_err *err)
{
	const char	*msg;
	int		 rc;

	if (r != NULL && PQresultStatus(r) == want)
		return 0;
	msg = r ? PQresultErrorMessage(r) : PQerrorMessage(pc->c);
	if (*msg == '\0')
		msg = PQerrorMessage(pc->c);
	rc = pg_err(temporary(pc->c, r) ? KS_ETEMP : -1, what, msg, err);
	if (rc == KS_ETEMP)
		pc->broken = PQstatus(pc->c) != CONNECTION_OK;
	PQclear(r);
	return rc;
}

int
pg_cmd(struct pg_conn *pc, const char *cmd, struct ssmp_err *err)
{
	PGresult	*r = PQexec(pc->c, cmd);
	int		 rc = pg_ok(pc, r, PGRES_COMMAND_OK, cmd, err);

	if (rc == 0)
		PQclear(r);
	else
		pc->broken = true;	/* a transaction in an unknown state */
	return rc;
}

void
pg_wrote(struct ks_pg *p)
{
	__atomic_add_fetch(&p->writes, 1, __ATOMIC_RELAXED);
	__atomic_add_fetch(&p->commits, 1, __ATOMIC_RELAXED);
}

size_t
pg_ntuples_changed(PGresult *r)
{
	return (size_t)strtoull(PQcmdTuples(r), NULL, 10);
}

const char *
pg_i64(char *buf, int64_t v)
{
	(void)snprintf(buf, 21, "%" PRId64, v);
	return buf;
}

int64_t
pg_get_i64(PGresult *r, int row, int col)
{
	return PQgetisnull(r, row, col) ? 0 :
	    (int64_t)strtoll(PQgetvalue(r, row, col), NULL, 10);
}

void
pg_get_str(PGresult *r, int row, int col, char *out, size_t outlen)
{
	(void)snprintf(out, outlen, "%s", PQgetvalue(r, row, col));
}

/* --- the handle ------------------------------------------------------------ */

void
pg_close(struct ks_store *ks)
{
	struct ks_pg *p = PG(ks);

	while (p->nidle > 0)
		session_close(p->idle[--p->nidle]);
	if (p->local != NULL)
		p->local->be->close(p->local);
	pthread_mutex_destroy(&p->mu);
	pthread_cond_destroy(&p->cv);
	free(p->uri);
	free(p);
}
