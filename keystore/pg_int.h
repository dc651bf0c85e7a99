/*
 * pg_int.h - the PostgreSQL backend's engine (private to keystore/pg*.c).
 *
 * The stores several hosts share (allow-lists, replay cache,
 * delivered-log, consent requests) live in one PostgreSQL database
 * (SharedDatabase); the remote-key cache stays in the host's LMDB
 * directory (Database), a per-host cache of DNS that nobody needs to
 * share.  pg.c holds the connections, pg_schema.c the tables, and
 * pg_allow.c ... pg_consent.c implement backend.h's tables.
 *
 * Threads: ssmpd and ssmp-milter call the keystore from many threads at
 * once.  A PGconn is never used by two threads at a time: each
 * operation takes a connection from the handle's pool for its whole
 * duration and gives it back (pg_get / pg_put); the pool opens up to
 * PG_POOL_MAX connections on demand and makes further callers wait.
 *
 * Durability: every session runs with synchronous_commit on (or the
 * stronger remote_write / remote_apply the database was given), so a
 * change is on disk - and, with a synchronous standby, on the standby
 * too - when its COMMIT returns.  Compare-and-set is INSERT ... ON
 * CONFLICT DO NOTHING for a new key and UPDATE ... WHERE ver = the
 * version read for an existing one; a lost race is read again.
 */
#ifndef KS_PG_INT_H
#define KS_PG_INT_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include <libpq-fe.h>

#include "backend.h"

#define PG_POOL_MAX	24
/* the schema this build reads and writes (pg_schema.c) */
#define PG_SCHEMA_VERSION	KS_SCHEMA_VERSION

/* Prepared statements, one per query the stores send (pg.c's table). */
enum pg_stmt {
	PS_ALLOW_PUT, PS_ALLOW_DEL, PS_ALLOW_GET2, PS_ALLOW_PAGE,
	PS_ALLOW_PAGE_RCPT,
	PS_REPLAY_ADD, PS_REPLAY_SWEEP,
	PS_DLV_GET, PS_DLV_INS, PS_DLV_UPD, PS_DLV_UPSERT, PS_DLV_DEL,
	PS_DLV_PAGE, PS_DLV_SWEEP,
	PS_CONSENT_GET, PS_CONSENT_PUT, PS_CONSENT_DEL, PS_CONSENT_PAGE,
	PS_CONSENT_PAGE_LOCAL, PS_CONSENT_SWEEP,
	PS_TALLY_LOCK, PS_TALLY_ROOM, PS_TALLY_INS, PS_TALLY_UPD,
	PS_TALLY_PAGE, PS_TALLY_SENT, PS_TALLY_SWEEP,
	PS_INBOX_HAVE, PS_INBOX_PUT, PS_INBOX_PAGE, PS_INBOX_SWEEP,
	PS_COUNT
};

struct pg_conn {
	PGconn		*c;
	uint64_t	 prepared;	/* bit i: statement i is prepared */
	bool		 broken;	/* close it instead of pooling it */
};

struct ks_pg {
	struct ks_store	 base;
	struct ks_store	*local;		/* LMDB: the remote-key cache */
	char		*uri;		/* as libpq takes it */
	pthread_mutex_t	 mu;
	pthread_cond_t	 cv;
	struct pg_conn	*idle[PG_POOL_MAX];
	int		 nidle, nopen;
	uint64_t	 writes, commits;	/* ks_stats */
};

#define PG(ks)	((struct ks_pg *)(void *)(ks))

/*
 * A session on uri (pgsql:// taken as postgresql://) with this
 * program's defaults (connect_timeout 5, statement_timeout 10 s,
 * synchronous_commit at least on); KS_ETEMP if it cannot be opened.
 */
int ks_pg_connect(const char *uri, PGconn **out, struct ssmp_err *err);
/* A connection of the pool; KS_ETEMP if the server cannot be reached. */
int pg_get(struct ks_pg *p, struct pg_conn **out, struct ssmp_err *err);
/* Back to the pool (or closed, if it broke). */
void pg_put(struct ks_pg *p, struct pg_conn *pc);
/* Run a prepared statement with n text parameters (NULL = SQL NULL). */
PGresult *pg_exec(struct pg_conn *pc, enum pg_stmt s, int n,
    const char *const *v);
/*
 * r's status is what want says (PGRES_COMMAND_OK or PGRES_TUPLES_OK)?
 * 0; else r is cleared and the error set: KS_ETEMP when the server was
 * unreachable, shutting down, out of resources or a transaction lost a
 * race (retry later), -1 otherwise.
 */
int pg_ok(struct pg_conn *pc, PGresult *r, ExecStatusType want,
    const char *what, struct ssmp_err *err);
/*
 * Run statement s on a session of the pool: *out is its result (clear
 * it) if its status is want, else the error (as pg_ok).
 */
int pg_run(struct ks_pg *p, enum pg_stmt s, int n, const char *const *v,
    ExecStatusType want, const char *what, PGresult **out,
    struct ssmp_err *err);
/* A DELETE of one row: 0 deleted, 1 there was none. */
int pg_del(struct ks_pg *p, enum pg_stmt s, int n, const char *const *v,
    const char *what, struct ssmp_err *err);
/* A DELETE of up to 10000 rows, repeated until fewer go; *count added. */
int pg_sweep(struct ks_pg *p, enum pg_stmt s, int n, const char *const *v,
    const char *what, size_t *count, struct ssmp_err *err);
/* One statement without parameters (BEGIN, COMMIT, ROLLBACK). */
int pg_cmd(struct pg_conn *pc, const char *sql, struct ssmp_err *err);
/* A write call committed (ks_stats: writes and commits, one each). */
void pg_wrote(struct ks_pg *p);
/* A row count of a DELETE/INSERT/UPDATE result. */
size_t pg_ntuples_changed(PGresult *r);

/* The text of an int64 into buf (21 bytes). */
const char *pg_i64(char *buf, int64_t v);
/* Column c of row 0 as int64 (0 if NULL). */
int64_t pg_get_i64(PGresult *r, int row, int col);
/* Copy column c of row into out[outlen] (truncated, NUL-terminated). */
void pg_get_str(PGresult *r, int row, int col, char *out, size_t outlen);

extern const struct ks_allow_ops pg_allow_ops;
extern const struct ks_replay_ops pg_replay_ops;
extern const struct ks_delivered_ops pg_delivered_ops;
extern const struct ks_consent_ops pg_consent_ops;
extern const struct ks_report_ops pg_report_ops;

/* pg.c */
int pg_schema_version(PGconn *c, int *version, struct ssmp_err *err);
void pg_close(struct ks_store *ks);

#endif
