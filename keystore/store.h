/*
 * store.h - the keystore: one handle, five stores.
 *
 *	allowlist.h	allow-lists of local recipients
 *	keycache.h	remote-key cache (policy and key records)
 *	replay.h	replay cache (nonces per sender domain)
 *	delivered.h	delivered-log, sending and receiving roles apart
 *	consent.h	consent requests waiting for the other side
 *
 * Each store is a module that checks its input and calls the backend
 * (backend.h); LMDB is the embedded backend (the directory named by
 * Database in ssmp.conf).  Every lookup runs in a fresh read-only
 * snapshot, so readers never block writers and never see a half-done
 * write; every change is atomic: it commits whole or not at all, and
 * is on disk when the call returns.  Changes made by several threads at
 * once are committed together (group commit), so a thread's write costs
 * less the busier the process is.  One struct ks_store may be shared by
 * all threads of a process, and several processes (ssmpd, ssmp-milter,
 * ssmpctl) may use the directory at once.
 *
 * Return convention of every function returning int:
 *	 0		done / found
 *	 1		not found (only where the comment says so)
 *	-1		permanent error (bad input, permission, corruption)
 *	KS_ETEMP	temporary error: map full, reader table full, EAGAIN.
 *			Nothing was written; retry later or raise MapSize.
 * On -1 and KS_ETEMP err holds one line naming the culprit.
 *
 * Addresses are stored in canonical form (ASCII lower case).  Writers
 * (put, import) check their input with libssmp's parsers; the hot read
 * paths (ks_allow_lookup, ks_replay_add) only lower-case, so callers pass
 * addresses they have already checked with ssmp_addr_parse().
 *
 * The byte layouts of keys and values are documented in ssmpctl(8),
 * STORAGE; every value starts with a one-byte record version.
 */
#ifndef KS_STORE_H
#define KS_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ssmp_err.h"
#include "ssmp_limits.h"

#define KS_ETEMP	(-2)

struct ks_store;

/* ks_open flags */
#define KS_RDONLY	0x01	/* never write; missing sub-dbs read as empty */
#define KS_LAZY		0x02	/* shared: open even if the server is down */

/*
 * Open (creating if needed, unless KS_RDONLY) the environment in dir.
 * mapsize is MapSize in bytes (0 = 1 GiB), the most the data file may
 * grow to; every program sharing dir must use the same value (they
 * share ssmp.conf).  Stale reader slots of dead processes are cleared.
 * Without KS_RDONLY a missing dir (not its parents) is created 0700.
 */
int ks_open(const char *dir, size_t mapsize, int flags, struct ks_store **out,
    struct ssmp_err *err);
void ks_close(struct ks_store *ks);
/*
 * With shared (SharedDatabase, a pgsql:// URI) not NULL, the stores
 * several hosts share - allow-lists, replay cache, delivered-log,
 * consent requests - live in that PostgreSQL database, and only the
 * remote-key cache (the host's cache of DNS) in the LMDB directory dir.
 * The database's schema must be this program's (ssmpctl db init); an
 * unreachable server is KS_ETEMP, or with KS_LAZY no error now (each
 * operation then fails with KS_ETEMP until the server answers).
 * shared NULL: ks_open().  The handle may be shared by all threads.
 */
int ks_open_shared(const char *dir, const char *shared, size_t mapsize,
    int flags, struct ks_store **out, struct ssmp_err *err);
/* The backend's name: "lmdb" or "postgresql". */
const char *ks_backend_name(const struct ks_store *ks);

/* ssmpctl db: the schema of a shared database (pg_schema.c). */
enum ks_schema_op {
	KS_SCHEMA_STATUS,	/* *before = *after = the version found */
	KS_SCHEMA_INIT,		/* create it, if there is none */
	KS_SCHEMA_MIGRATE	/* bring an older one to this program's */
};
#define KS_SCHEMA_VERSION	2
/* The version found (0: none) and the version after; KS_ETEMP unreachable. */
int ks_schema(const char *shared, enum ks_schema_op op, int *before,
    int *after, struct ssmp_err *err);

#include "allowlist.h"
#include "keycache.h"
#include "replay.h"
#include "delivered.h"
#include "consent.h"
#include "report.h"

/*
 * Every store's expiry sweep, each in a transaction of its own: expired
 * replay entries, expired key cache entries (a remembered policy for
 * KS_POLICY_KEEP), expired consent requests, delivered-log records
 * of both roles older than log_time (never a DELIVERING one), and old
 * report tallies and received reports (report.h).  Counts
 * in *n (may be NULL).  The first error stops it.
 */
struct ks_swept {
	size_t	replay, keycache, consent, sent, received, report;
};
int ks_sweep(struct ks_store *ks, int64_t now, int64_t log_time,
    struct ks_swept *n, struct ssmp_err *err);
/*
 * ks_sweep as the daemons run it every KS_SWEEP_INTERVAL seconds: what it
 * deleted logged at info level, a failure as a warning.
 */
#define KS_SWEEP_INTERVAL	600
void ks_housekeeping(struct ks_store *ks, int64_t now, int64_t log_time);

/* --- statistics ------------------------------------------------------------ */

enum ks_db { KS_DB_ALLOW, KS_DB_KEYCACHE, KS_DB_REPLAY, KS_DB_DELIVERED,
    KS_DB_CONSENT, KS_DB_SENT, KS_DB_TALLY, KS_DB_INBOX, KS_NDB };
/* "allow", "keycache", "replay", "received", "consent", "sent", "tally",
   "inbox" */
const char *ks_db_name(enum ks_db db);

struct ks_stats {
	size_t	entries[KS_NDB];
	size_t	mapsize;	/* bytes */
	size_t	pagesize;
	size_t	pages_used;	/* last used page + 1 */
	size_t	pages_max;	/* mapsize / pagesize */
	size_t	replay_pages_used;	/* the replay cache's own map */
	unsigned readers_used, readers_max;
	/* this handle's writes since ks_open: changes, and the write
	 * transactions that committed them (fewer under group commit) */
	uint64_t writes, commits;
	unsigned queued;	/* writes waiting for the writer now */
};
int ks_stats(struct ks_store *ks, struct ks_stats *st, struct ssmp_err *err);

/* For the benchmark only: the MDB_env * and the dbi of one sub-db. */
void *ks_raw_env(struct ks_store *ks, enum ks_db db, unsigned *dbi);

#endif
