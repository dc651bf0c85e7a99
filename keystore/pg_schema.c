/*
 * pg_schema.c - the tables of a shared database, created and migrated
 * by `ssmpctl db init|migrate` (ssmpctl(8), SHARED DATABASE), never by
 * the daemons: they check the version when they connect and refuse a
 * schema they were not built for.
 *
 * Each step of steps[] takes the schema from version i to i + 1; a
 * migration runs the missing steps in one transaction under an
 * advisory lock, so two hosts migrating at once cannot interleave and a
 * failed step leaves the previous version whole.
 *
 * Keys are compared as bytes (COLLATE "C": the canonical forms are
 * ASCII), times are seconds since the epoch.  Expiry sweeps use the
 * expires / time indexes; every delivered-log row carries ver, the
 * version compare-and-set compares (pg_delivered.c).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pg_int.h"

static const char *const steps[PG_SCHEMA_VERSION] = {
	/* 0 -> 1 */
	"CREATE TABLE ssmp_schema ("
	"  id boolean PRIMARY KEY DEFAULT true CHECK (id),"
	"  version integer NOT NULL);"
	"INSERT INTO ssmp_schema (version) VALUES (0);"
	"CREATE TABLE ssmp_allow ("
	"  rcpt text COLLATE \"C\" NOT NULL,"
	"  pattern text COLLATE \"C\" NOT NULL,"
	"  tier smallint NOT NULL,"
	"  origin smallint NOT NULL,"
	"  added bigint NOT NULL,"
	"  PRIMARY KEY (rcpt, pattern));"
	"CREATE TABLE ssmp_replay ("
	"  domain text COLLATE \"C\" NOT NULL,"
	"  nonce text COLLATE \"C\" NOT NULL,"
	"  expires bigint NOT NULL,"
	"  PRIMARY KEY (domain, nonce));"
	"CREATE INDEX ssmp_replay_expires ON ssmp_replay (expires);"
	"CREATE TABLE ssmp_delivered ("
	"  role smallint NOT NULL,"
	"  sender text COLLATE \"C\" NOT NULL,"
	"  msgid text COLLATE \"C\" NOT NULL,"
	"  rcpt text COLLATE \"C\" NOT NULL,"
	"  outcome smallint NOT NULL,"
	"  time bigint NOT NULL,"
	"  info text NOT NULL,"
	"  owner_host text,"
	"  owner_pid bigint,"
	"  owner_reqid text,"
	"  receipt text,"
	"  ver bigint NOT NULL DEFAULT 1,"
	"  PRIMARY KEY (role, sender, msgid, rcpt));"
	"CREATE INDEX ssmp_delivered_time ON ssmp_delivered (role, time);"
	"CREATE TABLE ssmp_consent ("
	"  local text COLLATE \"C\" NOT NULL,"
	"  remote text COLLATE \"C\" NOT NULL,"
	"  type text NOT NULL,"
	"  state text NOT NULL,"
	"  created bigint NOT NULL,"
	"  expires bigint NOT NULL,"
	"  PRIMARY KEY (local, remote));"
	"CREATE INDEX ssmp_consent_expires ON ssmp_consent (expires);",
	/* 1 -> 2: delivery reports (report.h) */
	"CREATE TABLE ssmp_tally ("
	"  day bigint NOT NULL,"
	"  reporter text COLLATE \"C\" NOT NULL,"
	"  domain text COLLATE \"C\" NOT NULL,"
	"  sent bigint NOT NULL,"
	"  report text NOT NULL,"
	"  PRIMARY KEY (day, reporter, domain));"
	"CREATE TABLE ssmp_inbox ("
	"  reporter text COLLATE \"C\" NOT NULL,"
	"  id text COLLATE \"C\" NOT NULL,"
	"  selector text NOT NULL,"
	"  received bigint NOT NULL,"
	"  start_t bigint NOT NULL,"
	"  end_t bigint NOT NULL,"
	"  report text NOT NULL,"
	"  PRIMARY KEY (reporter, id));"
	"CREATE INDEX ssmp_inbox_received ON ssmp_inbox (received);",
};

/* A statement of the migration; -1 with the server's words. */
static int
run(PGconn *c, const char *sql, struct ssmp_err *err)
{
	PGresult	*r = PQexec(c, sql);
	ExecStatusType	 st = PQresultStatus(r);
	char		*nl;

	if (st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK) {
		PQclear(r);
		return 0;
	}
	ssmp_err_set(err, "shared database: %s", PQresultErrorMessage(r));
	if ((nl = strchr(err->msg, '\n')) != NULL)
		*nl = '\0';
	PQclear(r);
	return -1;
}

static int
migrate(PGconn *c, bool init, int *before, int *after, struct ssmp_err *err)
{
	char	sql[80];
	int	v, i;

	/* one migration at a time, whichever host runs it ('SSMP') */
	if (run(c, "BEGIN", err) != 0 ||
	    run(c, "SELECT pg_advisory_xact_lock(1397968973)", err) != 0 ||
	    pg_schema_version(c, &v, err) != 0)
		goto fail;
	*before = *after = v;
	if (v > PG_SCHEMA_VERSION) {
		ssmp_err_set(err, "shared database: schema version %d is "
		    "newer than this program's %d", v, PG_SCHEMA_VERSION);
		goto fail;
	}
	if (v == 0 && !init) {
		ssmp_err_set(err, "shared database: no schema: run "
		    "`ssmpctl db init` first");
		goto fail;
	}
	if (v > 0 && v < PG_SCHEMA_VERSION && init) {
		ssmp_err_set(err, "shared database: schema version %d: run "
		    "`ssmpctl db migrate`", v);
		goto fail;
	}
	for (i = v; i < PG_SCHEMA_VERSION; i++)
		if (run(c, steps[i], err) != 0)
			goto fail;
	(void)snprintf(sql, sizeof(sql), "UPDATE ssmp_schema SET version = %d",
	    PG_SCHEMA_VERSION);
	if (run(c, sql, err) != 0 || run(c, "COMMIT", err) != 0)
		goto fail;
	*after = PG_SCHEMA_VERSION;
	return 0;
fail:
	PQclear(PQexec(c, "ROLLBACK"));
	return -1;
}

int
ks_schema(const char *shared, enum ks_schema_op op, int *before, int *after,
    struct ssmp_err *err)
{
	PGconn	*c;
	int	 rc;

	*before = *after = 0;
	if (ks_pg_connect(shared, &c, err) != 0)
		return KS_ETEMP;
	if (op == KS_SCHEMA_STATUS) {
		rc = pg_schema_version(c, before, err);
		*after = *before;
	} else
		rc = migrate(c, op == KS_SCHEMA_INIT, before, after, err);
	PQfinish(c);
	return rc;
}
