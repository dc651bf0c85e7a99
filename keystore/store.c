/*
 * store.c - the keystore handle: which backend serves Database, and the
 * sweeps of every store (see store.h, backend.h).
 *
 * The stores themselves are one module each: allowlist.c, keycache.c,
 * replay.c, delivered.c, consent.c (input checks, with canon.c), each
 * calling its backend's table (lmdb_*.c for LMDB, pg_*.c for
 * PostgreSQL).
 */
#include <stdio.h>
#include <string.h>

#include "ssmp_log.h"
#include "backend.h"

static const char *const db_names[KS_NDB] = {
	"allow", "keycache", "replay", "received", "consent", "sent",
	"tally", "inbox"
};

const char *
ks_db_name(enum ks_db db)
{
	return (unsigned)db < KS_NDB ? db_names[db] : "?";
}

int
ks_open(const char *dir, size_t mapsize, int flags, struct ks_store **out,
    struct ssmp_err *err)
{
	return ks_lmdb_open(dir, mapsize, flags, out, err);
}

int
ks_open_shared(const char *dir, const char *shared, size_t mapsize, int flags,
    struct ks_store **out, struct ssmp_err *err)
{
	if (shared == NULL)
		return ks_lmdb_open(dir, mapsize, flags, out, err);
	return ks_pg_open(dir, shared, mapsize, flags, out, err);
}

const char *
ks_backend_name(const struct ks_store *ks)
{
	return ks->be->name;
}

void
ks_close(struct ks_store *ks)
{
	if (ks != NULL)
		ks->be->close(ks);
}

int
ks_stats(struct ks_store *ks, struct ks_stats *st, struct ssmp_err *err)
{
	return ks->be->stats(ks, st, err);
}

int
ks_sweep(struct ks_store *ks, int64_t now, int64_t log_time,
    struct ks_swept *n, struct ssmp_err *err)
{
	struct ks_swept	 none;
	int		 rc;

	if (n == NULL)
		n = &none;
	memset(n, 0, sizeof(*n));
	if ((rc = ks_replay_sweep(ks, now, &n->replay, err)) != 0 ||
	    (rc = ks_keycache_sweep(ks, now, KS_POLICY_KEEP, &n->keycache,
	    err)) != 0 ||
	    (rc = ks_consent_sweep(ks, now, &n->consent, err)) != 0 ||
	    (rc = ks_delivered_sweep(ks, KS_SENT, now - log_time, &n->sent,
	    err)) != 0 ||
	    (rc = ks_report_sweep(ks, now, &n->report, err)) != 0)
		return rc;
	return ks_delivered_sweep(ks, KS_RECEIVED, now - log_time,
	    &n->received, err);
}

void
ks_housekeeping(struct ks_store *ks, int64_t now, int64_t log_time)
{
	struct ks_swept	n;
	struct ssmp_err	err;

	if (ks_sweep(ks, now, log_time, &n, &err) != 0) {
		ssmp_log(LOG_WARNING, NULL, "keystore sweep: %s", err.msg);
		return;
	}
	if (n.replay + n.keycache + n.consent + n.sent + n.received +
	    n.report > 0)
		ssmp_log(LOG_INFO, NULL, "keystore sweep: deleted %zu replay, "
		    "%zu key cache, %zu consent, %zu sent and %zu received "
		    "log entries, %zu report records", n.replay, n.keycache,
		    n.consent, n.sent, n.received, n.report);
}
