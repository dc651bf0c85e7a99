/*
 * lmdb_int.h - the LMDB backend's engine, shared by its store modules
 * (lmdb_allow.c, lmdb_keycache.c, lmdb_replay.c, lmdb_delivered.c,
 * lmdb_consent.c, lmdb_report.c); private to keystore/.  See lmdb.c for why it works
 * the way it does, ssmpctl(8) STORAGE for the byte layouts.
 */
#ifndef KS_LMDB_INT_H
#define KS_LMDB_INT_H

#include <limits.h>
#include <pthread.h>
#include <stdbool.h>

#include <lmdb.h>

#include "backend.h"

#define KS_VERSION	1		/* first byte of every value */
#define KS_KEY_MAX	511		/* LMDB's default maximum key size */
#define KS_POOL_MAX	64		/* reset read transactions kept */

struct wop;

/*
 * One LMDB environment with its pool of read transactions and its
 * queue of write operations (group commit).
 */
struct lm_env {
	MDB_env		*env;
	char		 dir[PATH_MAX];
	pthread_mutex_t	 lock;		/* guards pool */
	MDB_txn		*pool[KS_POOL_MAX];
	int		 npool;
	pthread_mutex_t	 wlock;		/* guards the write queue */
	pthread_cond_t	 wdone;		/* a batch was committed */
	struct wop	*whead, **wtail;	/* operations waiting */
	bool		 wbusy;		/* a thread is running a batch */
	uint64_t	 nwrites, ncommits;	/* for ks_stats */
};

/*
 * The replay cache has an environment of its own (Database/replay), so
 * no other store can fill its map: replay writes, which every envelope
 * needs, are never starved by allow-lists, caches or logs.
 */
struct ks_lmdb {
	struct ks_store	 base;		/* first: a struct ks_store * is us */
	int		 flags;
	size_t		 mapsize;	/* of each environment */
	char		 dir[PATH_MAX];
	struct lm_env	 main, replay;
	MDB_dbi		 dbi[KS_NDB];
	bool		 have[KS_NDB];	/* sub-db exists (read-only opens) */
};

#define LM(ks)	((struct ks_lmdb *)(ks))

/* The sub-database's name in the file (ssmpctl.8 STORAGE). */
const char *lm_db_file_name(enum ks_db db);

/* Map an LMDB or errno code to the return convention of store.h. */
int lm_fail(struct ks_lmdb *l, int rc, const char *what, struct ssmp_err *err);

/* A read snapshot of db's environment taken now, and its end. */
int lm_rtxn_begin(struct ks_lmdb *l, enum ks_db db, MDB_txn **txn,
    struct ssmp_err *err);
void lm_rtxn_end(struct ks_lmdb *l, enum ks_db db, MDB_txn *txn);

/*
 * A write operation: runs inside a write transaction and returns 0 to
 * keep its changes, 1 to back out quietly (nothing to change: a replay,
 * an absent key) or an error (-1 / KS_ETEMP with err set).  lm_write
 * runs it in db's environment as one atomic change (group commit) and
 * returns when it is durable or failed.
 */
typedef int (*lm_wop_fn)(struct ks_lmdb *l, MDB_txn *txn, void *arg,
    struct ssmp_err *err);
int lm_write(struct ks_lmdb *l, enum ks_db db, lm_wop_fn fn, void *arg,
    struct ssmp_err *err);

/* Keys: byte strings up to KS_KEY_MAX. */
struct lm_key {
	char	b[KS_KEY_MAX];
	size_t	len;
};

/* Append s (lower-cased if fold) and, with sep, a NUL separator. */
int lm_key_add(struct lm_key *k, const char *s, bool fold, bool sep,
    struct ssmp_err *err);
/* "a\0b" (b "" gives "a\0"). */
int lm_key_pair(struct lm_key *k, const char *a, const char *b, bool fold_b,
    struct ssmp_err *err);
/* Split a "a\0b" key into two NUL-terminated copies. */
void lm_key_split(const MDB_val *k, char *a, size_t alen, char *b,
    size_t blen);

void lm_put64(unsigned char *p, int64_t v);
int64_t lm_get64(const unsigned char *p);
/* Pull the next NUL-terminated field out of [*p, end). */
int lm_next_field(const char **p, const char *end, char *out, size_t outlen);

/* Values of another version or length are reported, never guessed at. */
int lm_value_check(const MDB_val *v, size_t min, enum ks_db db,
    struct ssmp_err *err);
/* 0 found (*v points into txn's pages), 1 absent. */
int lm_get(struct ks_lmdb *l, MDB_txn *txn, enum ks_db db,
    const struct lm_key *k, MDB_val *v, struct ssmp_err *err);
int lm_put(struct ks_lmdb *l, MDB_txn *txn, enum ks_db db,
    const struct lm_key *k, const void *v, size_t vlen, struct ssmp_err *err);
/* One key, one value, one atomic change. */
int lm_put_one(struct ks_lmdb *l, enum ks_db db, const struct lm_key *k,
    const void *v, size_t vlen, struct ssmp_err *err);
/* 0 deleted, 1 absent. */
int lm_del_one(struct ks_lmdb *l, enum ks_db db, const struct lm_key *k,
    struct ssmp_err *err);

/*
 * Walk db from the first key starting with prefix (plen 0 = all) inside
 * one read snapshot; fn returns non-zero to stop.
 */
typedef int (*lm_walk_fn)(const MDB_val *k, const MDB_val *v, void *arg,
    struct ssmp_err *err);
int lm_walk(struct ks_lmdb *l, enum ks_db db, const void *prefix, size_t plen,
    lm_walk_fn fn, void *arg, struct ssmp_err *err);
/* The same from the first key >= start, to the end or fn's stop. */
int lm_walk_from(struct ks_lmdb *l, enum ks_db db, const void *start,
    size_t slen, lm_walk_fn fn, void *arg, struct ssmp_err *err);
/*
 * Delete entries (those with the prefix, plen 0 = all) for which keep()
 * says no, in one write transaction; *count (may be NULL) = deleted.
 */
typedef bool (*lm_keep_fn)(const MDB_val *k, const MDB_val *v, void *arg);
int lm_prune(struct ks_lmdb *l, enum ks_db db, const void *prefix,
    size_t plen, lm_keep_fn keep, void *arg, size_t *count,
    struct ssmp_err *err);

/* The handle: opened for the backend table be (lmdb_backend.c). */
int lm_open(const struct ks_backend *be, const char *dir, size_t mapsize,
    int flags, struct ks_store **out, struct ssmp_err *err);
void lm_close(struct ks_store *ks);
int lm_stats(struct ks_store *ks, struct ks_stats *st, struct ssmp_err *err);
void *lm_raw_env(struct ks_store *ks, enum ks_db db, unsigned *dbi);

/* The stores. */
extern const struct ks_allow_ops lm_allow_ops;
extern const struct ks_keycache_ops lm_keycache_ops;
extern const struct ks_replay_ops lm_replay_ops;
extern const struct ks_delivered_ops lm_delivered_ops;
extern const struct ks_consent_ops lm_consent_ops;
extern const struct ks_report_ops lm_report_ops;

#endif
