/*
 * store.c - the keystore's LMDB environment and its five sub-databases.
 *
 * Why it looks the way it does:
 *  - Readers take a fresh snapshot per lookup (mdb_txn_renew of a reset
 *    read transaction from a small pool, which is what LMDB recommends
 *    instead of begin/abort): a lookup never sees a half-done write and
 *    never holds an old snapshot that would make the file grow.
 *  - Every change is a write operation run inside a write transaction;
 *    LMDB serialises writers across threads and processes, so
 *    check-and-set operations (the replay cache) are atomic without
 *    further locking.
 *  - Group commit: a commit costs two fsyncs (data, then meta page), a
 *    few milliseconds on most disks, and durability is not negotiable
 *    (ssmpd must not answer 2xx before its delivered-log record is on
 *    disk).  So the operations of threads that arrive while a commit is
 *    in progress are queued, and the next thread to find the writer free
 *    runs all of them in one transaction, each in a nested transaction
 *    of its own: one fails or backs out (a replay, map full) without
 *    touching the others, and all of them pay for one pair of fsyncs.
 *  - MDB_MAP_FULL and friends abort the transaction and are reported as
 *    temporary: the caller answers 4xx and nothing is half-written.
 * Byte layouts are in ssmpctl(8), STORAGE; keep the two in step.
 */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include <lmdb.h>
#include <sodium.h>

#include "ssmp_addr.h"
#include "ssmp_buf.h"
#include "store.h"

#define KS_VERSION	1		/* first byte of every value */
#define KS_KEY_MAX	511		/* LMDB's default maximum key size */
#define KS_POOL_MAX	64		/* reset read transactions kept */
#define KS_MAXREADERS	1022
#define KS_DEFAULT_MAP	((size_t)1 << 30)

struct ks_store {
	MDB_env		*env;
	MDB_dbi		 dbi[KS_NDB];
	bool		 have[KS_NDB];	/* sub-db exists (read-only opens) */
	int		 flags;
	size_t		 mapsize;
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

static const char *const db_names[KS_NDB] = {
	"allow", "keycache", "replay", "delivered", "pending"
};

const char *
ks_db_name(enum ks_db db)
{
	return (unsigned)db < KS_NDB ? db_names[db] : "?";
}

/* --- errors ------------------------------------------------------------ */

static void
size_text(size_t n, char buf[32])
{
	if (n != 0 && n % ((size_t)1 << 30) == 0)
		snprintf(buf, 32, "%zug", n >> 30);
	else if (n != 0 && n % ((size_t)1 << 20) == 0)
		snprintf(buf, 32, "%zum", n >> 20);
	else if (n != 0 && n % 1024 == 0)
		snprintf(buf, 32, "%zuk", n >> 10);
	else
		snprintf(buf, 32, "%zu", n);
}

/*
 * Map an LMDB or errno code to the return convention.  Conditions that
 * go away by themselves or by raising a limit are temporary.
 */
static int
ks_fail(struct ks_store *ks, int rc, const char *what, struct ssmp_err *err)
{
	char sz[32];

	switch (rc) {
	case MDB_MAP_FULL:
		size_text(ks->mapsize, sz);
		ssmp_err_set(err, "keystore: map full (MapSize %s); raise "
		    "MapSize", sz);
		return KS_ETEMP;
	case MDB_READERS_FULL:
		ssmp_err_set(err, "keystore: reader table full (%d slots)",
		    KS_MAXREADERS);
		return KS_ETEMP;
	case MDB_MAP_RESIZED:
		ssmp_err_set(err, "keystore: map resized by another process "
		    "(use one MapSize everywhere); restart");
		return KS_ETEMP;
	case EAGAIN:
	case EBUSY:
	case ENOMEM:
		ssmp_err_set(err, "keystore: %s: %s: %s", ks->dir, what,
		    mdb_strerror(rc));
		return KS_ETEMP;
	default:
		return ssmp_err_set(err, "keystore: %s: %s: %s", ks->dir,
		    what, mdb_strerror(rc));
	}
}

static int
ks_writable(struct ks_store *ks, struct ssmp_err *err)
{
	if (ks->flags & KS_RDONLY)
		return ssmp_err_set(err, "keystore: %s: opened read-only",
		    ks->dir);
	return 0;
}

/* --- open / close ---------------------------------------------------------- */

static int
open_dbis(struct ks_store *ks, struct ssmp_err *err)
{
	MDB_txn		*txn;
	unsigned	 flags = (ks->flags & KS_RDONLY) ? 0 : MDB_CREATE;
	int		 rc, i;

	rc = mdb_txn_begin(ks->env, NULL,
	    (ks->flags & KS_RDONLY) ? MDB_RDONLY : 0, &txn);
	if (rc != 0)
		return ks_fail(ks, rc, "begin", err);
	for (i = 0; i < KS_NDB; i++) {
		rc = mdb_dbi_open(txn, db_names[i], flags, &ks->dbi[i]);
		if (rc == MDB_NOTFOUND)
			continue;
		if (rc != 0) {
			mdb_txn_abort(txn);
			return ks_fail(ks, rc, db_names[i], err);
		}
		ks->have[i] = true;
	}
	if ((rc = mdb_txn_commit(txn)) != 0)
		return ks_fail(ks, rc, "create sub-databases", err);
	return 0;
}

static int
env_open(struct ks_store *ks, struct ssmp_err *err)
{
	MDB_envinfo	info;
	unsigned	flags = MDB_NOTLS;
	int		rc, dead;

	if ((rc = mdb_env_create(&ks->env)) != 0)
		return ks_fail(ks, rc, "create", err);
	mdb_env_set_maxdbs(ks->env, KS_NDB + 2);
	mdb_env_set_maxreaders(ks->env, KS_MAXREADERS);
	mdb_env_set_mapsize(ks->env, ks->mapsize);
	if (ks->flags & KS_RDONLY)
		flags |= MDB_RDONLY;
	else if (mkdir(ks->dir, 0700) != 0 && errno != EEXIST)
		return ssmp_err_set(err, "keystore: %s: %s", ks->dir,
		    strerror(errno));
	if ((rc = mdb_env_open(ks->env, ks->dir, flags, 0600)) != 0)
		return ks_fail(ks, rc, "open", err);
	mdb_reader_check(ks->env, &dead);
	if (mdb_env_info(ks->env, &info) == 0)
		ks->mapsize = info.me_mapsize;
	return open_dbis(ks, err);
}

int
ks_open(const char *dir, size_t mapsize, int flags, struct ks_store **out,
    struct ssmp_err *err)
{
	struct ks_store	*ks;
	int		 rc;

	*out = NULL;
	if (strlen(dir) >= sizeof(ks->dir))
		return ssmp_err_set(err, "keystore: %.40s...: path too long",
		    dir);
	if ((ks = calloc(1, sizeof(*ks))) == NULL)
		return ssmp_err_set(err, "keystore: out of memory");
	memcpy(ks->dir, dir, strlen(dir) + 1);
	ks->flags = flags;
	ks->mapsize = mapsize ? mapsize : KS_DEFAULT_MAP;
	pthread_mutex_init(&ks->lock, NULL);
	pthread_mutex_init(&ks->wlock, NULL);
	pthread_cond_init(&ks->wdone, NULL);
	ks->wtail = &ks->whead;
	if ((rc = env_open(ks, err)) != 0) {
		ks_close(ks);
		return rc;
	}
	*out = ks;
	return 0;
}

void
ks_close(struct ks_store *ks)
{
	int i;

	if (ks == NULL)
		return;
	for (i = 0; i < ks->npool; i++)
		mdb_txn_abort(ks->pool[i]);
	if (ks->env != NULL)
		mdb_env_close(ks->env);
	pthread_mutex_destroy(&ks->lock);
	pthread_mutex_destroy(&ks->wlock);
	pthread_cond_destroy(&ks->wdone);
	free(ks);
}

void *
ks_raw_env(struct ks_store *ks, enum ks_db db, unsigned *dbi)
{
	*dbi = ks->dbi[db];
	return ks->env;
}

/* --- transactions ---------------------------------------------------------- */

/* A read snapshot taken now: a renewed pooled transaction or a new one. */
static int
rtxn_begin(struct ks_store *ks, MDB_txn **txn, struct ssmp_err *err)
{
	MDB_txn	*t = NULL;
	int	 rc;

	pthread_mutex_lock(&ks->lock);
	if (ks->npool > 0)
		t = ks->pool[--ks->npool];
	pthread_mutex_unlock(&ks->lock);
	if (t != NULL) {
		if ((rc = mdb_txn_renew(t)) == 0) {
			*txn = t;
			return 0;
		}
		mdb_txn_abort(t);
	}
	if ((rc = mdb_txn_begin(ks->env, NULL, MDB_RDONLY, txn)) != 0)
		return ks_fail(ks, rc, "read", err);
	return 0;
}

static void
rtxn_end(struct ks_store *ks, MDB_txn *txn)
{
	mdb_txn_reset(txn);
	pthread_mutex_lock(&ks->lock);
	if (ks->npool < KS_POOL_MAX) {
		ks->pool[ks->npool++] = txn;
		txn = NULL;
	}
	pthread_mutex_unlock(&ks->lock);
	if (txn != NULL)
		mdb_txn_abort(txn);
}

/*
 * A write operation: runs inside a write transaction and returns 0 to
 * keep its changes, 1 to back out quietly (nothing to change: a replay,
 * an absent key) or an error (-1 / KS_ETEMP with err set).
 */
typedef int (*wop_fn)(struct ks_store *ks, MDB_txn *txn, void *arg,
    struct ssmp_err *err);

struct wop {
	wop_fn		 fn;
	void		*arg;
	const char	*what;		/* names the sub-db in errors */
	struct ssmp_err	*err;
	int		 rc;
	bool		 done;
	struct wop	*next;
};

#define KS_BATCH_MAX	256	/* operations per transaction */

/* Run op in a transaction nested in parent, keeping it only on 0. */
static void
wop_nested(struct ks_store *ks, MDB_txn *parent, struct wop *op)
{
	MDB_txn	*txn;
	int	 rc;

	if ((rc = mdb_txn_begin(ks->env, parent, 0, &txn)) != 0) {
		op->rc = ks_fail(ks, rc, op->what, op->err);
		return;
	}
	if ((op->rc = op->fn(ks, txn, op->arg, op->err)) != 0) {
		mdb_txn_abort(txn);
		return;
	}
	if ((rc = mdb_txn_commit(txn)) != 0)
		op->rc = ks_fail(ks, rc, op->what, op->err);
}

/*
 * Run a batch in one write transaction.  Alone, an operation runs in
 * the top transaction itself (no nesting cost).  If the final commit
 * fails, every operation that had succeeded gets that failure: nothing
 * of it was written.
 */
static void
wop_batch(struct ks_store *ks, struct wop *batch)
{
	struct wop	*op;
	MDB_txn		*txn;
	int		 rc;

	if ((rc = mdb_txn_begin(ks->env, NULL, 0, &txn)) != 0) {
		for (op = batch; op != NULL; op = op->next)
			op->rc = ks_fail(ks, rc, "write", op->err);
		return;
	}
	if (batch->next == NULL)
		batch->rc = batch->fn(ks, txn, batch->arg, batch->err);
	else
		for (op = batch; op != NULL; op = op->next)
			wop_nested(ks, txn, op);
	if (batch->next == NULL && batch->rc != 0) {
		mdb_txn_abort(txn);
		return;
	}
	if ((rc = mdb_txn_commit(txn)) == 0)
		return;
	for (op = batch; op != NULL; op = op->next)
		if (op->rc == 0)
			op->rc = ks_fail(ks, rc, op->what, op->err);
}

/* Take up to KS_BATCH_MAX queued operations; called with wlock held. */
static struct wop *
wop_take(struct ks_store *ks)
{
	struct wop	*batch = ks->whead, *op = batch;
	int		 n = 1;

	while (op->next != NULL && n < KS_BATCH_MAX) {
		op = op->next;
		n++;
	}
	ks->whead = op->next;
	if (ks->whead == NULL)
		ks->wtail = &ks->whead;
	op->next = NULL;
	return batch;
}

/*
 * Run fn as one atomic change and return when it is durable (or failed).
 * The calling thread either runs a batch itself (its own operation and
 * whatever queued up meanwhile) or waits for the thread that does.
 */
static int
ks_write(struct ks_store *ks, wop_fn fn, void *arg, const char *what,
    struct ssmp_err *err)
{
	struct wop	 me = { fn, arg, what, err, 0, false, NULL };
	struct wop	*batch, *op, *next;

	if (ks_writable(ks, err) != 0)
		return -1;
	pthread_mutex_lock(&ks->wlock);
	*ks->wtail = &me;
	ks->wtail = &me.next;
	while (!me.done) {
		if (ks->wbusy) {
			pthread_cond_wait(&ks->wdone, &ks->wlock);
			continue;
		}
		ks->wbusy = true;
		batch = wop_take(ks);
		pthread_mutex_unlock(&ks->wlock);
		wop_batch(ks, batch);
		pthread_mutex_lock(&ks->wlock);
		ks->ncommits++;
		for (op = batch; op != NULL; op = next) {
			next = op->next;	/* op may vanish once done */
			op->done = true;
			ks->nwrites++;
		}
		ks->wbusy = false;
		pthread_cond_broadcast(&ks->wdone);
	}
	pthread_mutex_unlock(&ks->wlock);
	return me.rc;
}

/* --- keys and values ------------------------------------------------------- */

struct ks_key {
	char	b[KS_KEY_MAX];
	size_t	len;
};

/* Append s (lower-cased if fold) and, with sep, a NUL separator. */
static int
key_add(struct ks_key *k, const char *s, bool fold, bool sep,
    struct ssmp_err *err)
{
	size_t n = strlen(s), i;

	if (k->len + n + (sep ? 1 : 0) > sizeof(k->b) || (n == 0 && !sep))
		return ssmp_err_set(err, "keystore: key '%.40s' %s", s,
		    n ? "too long" : "empty");
	for (i = 0; i < n; i++)
		k->b[k->len + i] = fold ? (char)tolower((unsigned char)s[i])
		    : s[i];
	k->len += n;
	if (sep)
		k->b[k->len++] = '\0';
	return 0;
}

static int
key_pair(struct ks_key *k, const char *a, const char *b, bool fold_b,
    struct ssmp_err *err)
{
	k->len = 0;
	if (key_add(k, a, true, true, err) != 0)
		return -1;
	if (*b == '\0')		/* keycache: "" selector = policy record */
		return 0;
	return key_add(k, b, fold_b, false, err);
}

/* Split a "a\0b" key into two NUL-terminated copies. */
static void
key_split(const MDB_val *k, char *a, size_t alen, char *b, size_t blen)
{
	const char	*p = k->mv_data, *z = memchr(p, '\0', k->mv_size);
	size_t		 n = z ? (size_t)(z - p) : k->mv_size;

	snprintf(a, alen, "%.*s", (int)n, p);
	if (z == NULL)
		*b = '\0';
	else
		snprintf(b, blen, "%.*s", (int)(k->mv_size - n - 1), z + 1);
}

static void
put64(unsigned char *p, int64_t v)
{
	uint64_t u = (uint64_t)v;
	int i;

	for (i = 7; i >= 0; i--, u >>= 8)
		p[i] = (unsigned char)(u & 0xff);
}

static int64_t
get64(const unsigned char *p)
{
	uint64_t u = 0;
	int i;

	for (i = 0; i < 8; i++)
		u = (u << 8) | p[i];
	return (int64_t)u;
}

/* Values of another version or length are reported, never guessed at. */
static int
value_check(const MDB_val *v, size_t min, enum ks_db db, struct ssmp_err *err)
{
	const unsigned char *p = v->mv_data;

	if (v->mv_size < 1 || p[0] != KS_VERSION)
		return ssmp_err_set(err, "keystore: %s: record version %d not "
		    "supported", db_names[db], v->mv_size ? p[0] : -1);
	if (v->mv_size < min)
		return ssmp_err_set(err, "keystore: %s: short record (%zu "
		    "bytes)", db_names[db], v->mv_size);
	return 0;
}

static int
get_val(struct ks_store *ks, MDB_txn *txn, enum ks_db db,
    const struct ks_key *k, MDB_val *v, struct ssmp_err *err)
{
	MDB_val	key = { k->len, (void *)k->b };
	int	rc;

	if (!ks->have[db])
		return 1;
	if ((rc = mdb_get(txn, ks->dbi[db], &key, v)) == MDB_NOTFOUND)
		return 1;
	if (rc != 0)
		return ks_fail(ks, rc, db_names[db], err);
	return 0;
}

struct put_arg {
	enum ks_db		 db;
	const struct ks_key	*k;
	const void		*v;
	size_t			 vlen;
};

static int
put_op(struct ks_store *ks, MDB_txn *txn, void *arg, struct ssmp_err *err)
{
	struct put_arg	*a = arg;
	MDB_val		 key = { a->k->len, (void *)a->k->b };
	MDB_val		 val = { a->vlen, (void *)a->v };
	int		 rc;

	if ((rc = mdb_put(txn, ks->dbi[a->db], &key, &val, 0)) != 0)
		return ks_fail(ks, rc, db_names[a->db], err);
	return 0;
}

/* One key, one value, one atomic change. */
static int
put_one(struct ks_store *ks, enum ks_db db, const struct ks_key *k,
    const void *v, size_t vlen, struct ssmp_err *err)
{
	struct put_arg a = { db, k, v, vlen };

	return ks_write(ks, put_op, &a, db_names[db], err);
}

static int
del_op(struct ks_store *ks, MDB_txn *txn, void *arg, struct ssmp_err *err)
{
	struct put_arg	*a = arg;
	MDB_val		 key = { a->k->len, (void *)a->k->b };
	int		 rc;

	if ((rc = mdb_del(txn, ks->dbi[a->db], &key, NULL)) == MDB_NOTFOUND)
		return 1;
	if (rc != 0)
		return ks_fail(ks, rc, db_names[a->db], err);
	return 0;
}

/* 0 deleted, 1 absent. */
static int
del_one(struct ks_store *ks, enum ks_db db, const struct ks_key *k,
    struct ssmp_err *err)
{
	struct put_arg a = { db, k, NULL, 0 };

	return ks_write(ks, del_op, &a, db_names[db], err);
}

/*
 * Walk db from the first key starting with prefix (plen 0 = all) inside
 * one read snapshot; fn returns non-zero to stop.
 */
typedef int (*walk_fn)(const MDB_val *k, const MDB_val *v, void *arg,
    struct ssmp_err *err);

static int
walk(struct ks_store *ks, enum ks_db db, const void *prefix, size_t plen,
    walk_fn fn, void *arg, struct ssmp_err *err)
{
	MDB_txn		*txn;
	MDB_cursor	*cur;
	MDB_val		 k = { plen, (void *)prefix }, v;
	MDB_cursor_op	 op = plen ? MDB_SET_RANGE : MDB_FIRST;
	int		 rc, ret = 0;

	if (!ks->have[db])
		return 0;
	if (rtxn_begin(ks, &txn, err) != 0)
		return -1;
	if ((rc = mdb_cursor_open(txn, ks->dbi[db], &cur)) != 0) {
		rtxn_end(ks, txn);
		return ks_fail(ks, rc, db_names[db], err);
	}
	for (; (rc = mdb_cursor_get(cur, &k, &v, op)) == 0; op = MDB_NEXT) {
		if (plen && (k.mv_size < plen ||
		    memcmp(k.mv_data, prefix, plen) != 0))
			break;
		if ((ret = fn(&k, &v, arg, err)) != 0)
			break;
	}
	if (rc != 0 && rc != MDB_NOTFOUND)
		ret = ks_fail(ks, rc, db_names[db], err);
	mdb_cursor_close(cur);
	rtxn_end(ks, txn);
	return ret;
}

/*
 * Delete entries (those with the prefix, plen 0 = all) for which keep()
 * says no, in one write transaction; *count = deleted.
 */
typedef bool (*keep_fn)(const MDB_val *v, void *arg);

struct prune_arg {
	enum ks_db	 db;
	const void	*prefix;
	size_t		 plen;
	keep_fn		 keep;
	void		*arg;
	size_t		 n;
};

static int
prune_op(struct ks_store *ks, MDB_txn *txn, void *arg, struct ssmp_err *err)
{
	struct prune_arg *a = arg;
	MDB_cursor	*cur;
	MDB_val		 k = { a->plen, (void *)a->prefix }, v;
	MDB_cursor_op	 op = a->plen ? MDB_SET_RANGE : MDB_FIRST;
	int		 rc;

	a->n = 0;
	if ((rc = mdb_cursor_open(txn, ks->dbi[a->db], &cur)) != 0)
		return ks_fail(ks, rc, db_names[a->db], err);
	while ((rc = mdb_cursor_get(cur, &k, &v, op)) == 0) {
		op = MDB_NEXT;
		if (a->plen && (k.mv_size < a->plen ||
		    memcmp(k.mv_data, a->prefix, a->plen) != 0))
			break;
		if (a->keep != NULL && a->keep(&v, a->arg))
			continue;
		if ((rc = mdb_cursor_del(cur, 0)) != 0)
			break;
		a->n++;	/* MDB_NEXT after a delete yields the next key */
	}
	mdb_cursor_close(cur);
	if (rc != 0 && rc != MDB_NOTFOUND)
		return ks_fail(ks, rc, db_names[a->db], err);
	return 0;
}

static int
prune(struct ks_store *ks, enum ks_db db, const void *prefix, size_t plen,
    keep_fn keep, void *arg, size_t *count, struct ssmp_err *err)
{
	struct prune_arg a = { db, prefix, plen, keep, arg, 0 };
	int rc;

	if ((rc = ks_write(ks, prune_op, &a, db_names[db], err)) != 0)
		return rc;
	if (count != NULL)
		*count = a.n;
	return 0;
}

/* --- names ----------------------------------------------------------------- */

static const char *const tier_names[] = { NULL, "trusted", "known", "blocked" };
static const char *const origin_names[] = { NULL, "local", "handshake", "auto" };
static const char *const source_names[] = { NULL, "dns", "https" };
static const char *const outcome_names[] = {
	NULL, "delivered", "rejected", "tempfail"
};

#define NAME_OF(tab, v) \
	((unsigned)(v) > 0 && (unsigned)(v) < sizeof(tab) / sizeof(tab[0]) ? \
	    tab[v] : "?")

const char *ks_tier_name(enum ks_tier t) { return NAME_OF(tier_names, t); }
const char *ks_origin_name(enum ks_origin o) { return NAME_OF(origin_names, o); }
const char *ks_source_name(enum ks_source s) { return NAME_OF(source_names, s); }
const char *ks_outcome_name(enum ks_outcome o) { return NAME_OF(outcome_names, o); }

static int
name_parse(const char *s, const char *const *tab, int n, const char *what,
    int *out, struct ssmp_err *err)
{
	int i;

	for (i = 1; i < n; i++)
		if (s != NULL && strcasecmp(s, tab[i]) == 0) {
			*out = i;
			return 0;
		}
	return ssmp_err_set(err, "unknown %s '%.40s' (expected %s|%s|%s)",
	    what, s ? s : "", tab[1], tab[2], n > 3 ? tab[3] : "");
}

int
ks_tier_parse(const char *s, enum ks_tier *out, struct ssmp_err *err)
{
	int v;

	if (name_parse(s, tier_names, 4, "tier", &v, err) != 0)
		return -1;
	*out = (enum ks_tier)v;
	return 0;
}

int
ks_origin_parse(const char *s, enum ks_origin *out, struct ssmp_err *err)
{
	int v;

	if (name_parse(s, origin_names, 4, "origin", &v, err) != 0)
		return -1;
	*out = (enum ks_origin)v;
	return 0;
}

/* --- allow-list ------------------------------------------------------------ */

#define ALLOW_VLEN	11	/* version, tier, origin, added */

/* Check and canonicalise one allow entry; fills the key and value. */
static int
allow_encode(const struct ks_allow *a, struct ks_key *k,
    unsigned char v[ALLOW_VLEN], struct ssmp_err *err)
{
	struct ssmp_addr	r;
	char			pat[SSMP_ADDR_MAX + 1];

	if (ssmp_addr_parse(a->rcpt, &r, err) != 0)
		return ssmp_err_prefix(err, "recipient '%.60s': ", a->rcpt);
	if (ssmp_pattern_parse(a->pattern, pat, err) < 0)
		return ssmp_err_prefix(err, "pattern '%.60s': ", a->pattern);
	if (a->tier < KS_TIER_TRUSTED || a->tier > KS_TIER_BLOCKED)
		return ssmp_err_set(err, "tier %d out of range", (int)a->tier);
	if (a->origin < KS_ORIGIN_LOCAL || a->origin > KS_ORIGIN_AUTO)
		return ssmp_err_set(err, "origin %d out of range",
		    (int)a->origin);
	if (key_pair(k, r.full, pat, true, err) != 0)
		return -1;
	v[0] = KS_VERSION;
	v[1] = (unsigned char)a->tier;
	v[2] = (unsigned char)a->origin;
	put64(v + 3, a->added ? a->added : (int64_t)time(NULL));
	return 0;
}

static int
allow_decode(const MDB_val *k, const MDB_val *v, struct ks_allow *a,
    struct ssmp_err *err)
{
	const unsigned char *p = v->mv_data;

	if (value_check(v, ALLOW_VLEN, KS_DB_ALLOW, err) != 0)
		return -1;
	if (k != NULL)
		key_split(k, a->rcpt, sizeof(a->rcpt), a->pattern,
		    sizeof(a->pattern));
	a->tier = (enum ks_tier)p[1];
	a->origin = (enum ks_origin)p[2];
	a->added = get64(p + 3);
	return 0;
}

int
ks_allow_put(struct ks_store *ks, const char *rcpt, const char *pattern,
    enum ks_tier tier, enum ks_origin origin, struct ssmp_err *err)
{
	struct ks_allow	a = { .tier = tier, .origin = origin };
	struct ks_key	k;
	unsigned char	v[ALLOW_VLEN];

	if (strlen(rcpt) >= sizeof(a.rcpt))
		return ssmp_err_set(err, "recipient '%.40s...': too long", rcpt);
	if (strlen(pattern) >= sizeof(a.pattern))
		return ssmp_err_set(err, "pattern '%.40s...': too long",
		    pattern);
	memcpy(a.rcpt, rcpt, strlen(rcpt) + 1);
	memcpy(a.pattern, pattern, strlen(pattern) + 1);
	if (allow_encode(&a, &k, v, err) != 0)
		return -1;
	return put_one(ks, KS_DB_ALLOW, &k, v, sizeof(v), err);
}

int
ks_allow_del(struct ks_store *ks, const char *rcpt, const char *pattern,
    struct ssmp_err *err)
{
	struct ssmp_addr	r;
	struct ks_key		k;
	char			pat[SSMP_ADDR_MAX + 1];

	if (ssmp_addr_parse(rcpt, &r, err) != 0)
		return ssmp_err_prefix(err, "recipient '%.60s': ", rcpt);
	if (ssmp_pattern_parse(pattern, pat, err) < 0)
		return ssmp_err_prefix(err, "pattern '%.60s': ", pattern);
	if (key_pair(&k, r.full, pat, true, err) != 0)
		return -1;
	return del_one(ks, KS_DB_ALLOW, &k, err);
}

int
ks_allow_lookup(struct ks_store *ks, const char *rcpt, const char *sender,
    enum ks_tier *tier, enum ks_origin *origin, struct ssmp_err *err)
{
	struct ks_key	 k;
	struct ks_allow	 a;
	MDB_txn		*txn;
	MDB_val		 v;
	const char	*at = strrchr(sender, '@');
	size_t		 rlen;
	int		 rc;

	if (at == NULL)
		return ssmp_err_set(err, "sender '%.60s': missing '@'", sender);
	if (key_pair(&k, rcpt, sender, true, err) != 0)
		return -1;
	if (rtxn_begin(ks, &txn, err) != 0)
		return -1;
	rc = get_val(ks, txn, KS_DB_ALLOW, &k, &v, err);
	if (rc == 1) {
		/* keep "rcpt\0", replace the sender by "*@domain" */
		rlen = strlen(rcpt) + 1;
		k.len = rlen;
		k.b[k.len++] = '*';
		if (key_add(&k, at, true, false, err) != 0)
			rc = -1;
		else
			rc = get_val(ks, txn, KS_DB_ALLOW, &k, &v, err);
	}
	if (rc == 0 && (rc = allow_decode(NULL, &v, &a, err)) == 0) {
		*tier = a.tier;
		if (origin != NULL)
			*origin = a.origin;
	}
	rtxn_end(ks, txn);
	return rc;
}

struct allow_walk {
	ks_allow_cb	 cb;
	void		*arg;
};

static int
allow_step(const MDB_val *k, const MDB_val *v, void *arg, struct ssmp_err *err)
{
	struct allow_walk	*w = arg;
	struct ks_allow		 a;

	if (allow_decode(k, v, &a, err) != 0)
		return -1;
	return w->cb(&a, w->arg);
}

int
ks_allow_iter(struct ks_store *ks, const char *rcpt, ks_allow_cb cb,
    void *arg, struct ssmp_err *err)
{
	struct allow_walk	w = { cb, arg };
	struct ks_key		k = { .len = 0 };

	if (rcpt != NULL && key_add(&k, rcpt, true, true, err) != 0)
		return -1;
	return walk(ks, KS_DB_ALLOW, k.b, k.len, allow_step, &w, err);
}

struct import_arg {
	const struct ks_allow	*v;
	size_t			 n;
};

static int
import_op(struct ks_store *ks, MDB_txn *txn, void *arg, struct ssmp_err *err)
{
	struct import_arg	*a = arg;
	struct ks_key		 k;
	unsigned char		 val[ALLOW_VLEN];
	MDB_val			 key, data;
	int			 rc;

	for (size_t i = 0; i < a->n; i++) {
		allow_encode(&a->v[i], &k, val, err);
		key.mv_size = k.len;
		key.mv_data = k.b;
		data.mv_size = sizeof(val);
		data.mv_data = val;
		if ((rc = mdb_put(txn, ks->dbi[KS_DB_ALLOW], &key, &data, 0)))
			return ks_fail(ks, rc, "allow", err);
	}
	return 0;
}

int
ks_allow_import(struct ks_store *ks, const struct ks_allow *v, size_t n,
    struct ssmp_err *err)
{
	struct import_arg	a = { v, n };
	struct ks_key		k;
	unsigned char		val[ALLOW_VLEN];

	/* check everything before the write lock is taken */
	for (size_t i = 0; i < n; i++)
		if (allow_encode(&v[i], &k, val, err) != 0)
			return ssmp_err_prefix(err, "entry %zu: ", i + 1);
	return ks_write(ks, import_op, &a, "allow", err);
}

/* --- remote-key cache ------------------------------------------------------ */

#define KC_HDR		19	/* version, flags, source, fetched, expires */
#define KC_NEGATIVE	0x01
#define KC_REVOKED	0x02
#define KC_DNSSEC	0x04

static int
keycache_decode(const MDB_val *k, const MDB_val *v, struct ks_keycache *kc,
    struct ssmp_err *err)
{
	const unsigned char	*p = v->mv_data;
	size_t			 dlen = v->mv_size - KC_HDR;

	if (value_check(v, KC_HDR, KS_DB_KEYCACHE, err) != 0)
		return -1;
	memset(kc, 0, sizeof(*kc));
	key_split(k, kc->domain, sizeof(kc->domain), kc->selector,
	    sizeof(kc->selector));
	kc->negative = (p[1] & KC_NEGATIVE) != 0;
	kc->revoked = (p[1] & KC_REVOKED) != 0;
	kc->dnssec = (p[1] & KC_DNSSEC) != 0;
	kc->source = (enum ks_source)p[2];
	kc->fetched = get64(p + 3);
	kc->expires = get64(p + 11);
	if (kc->selector[0] == '\0')
		snprintf(kc->text, sizeof(kc->text), "%.*s", (int)dlen,
		    (const char *)p + KC_HDR);
	else if (dlen == SSMP_PUBKEY_BYTES)
		memcpy(kc->pk, p + KC_HDR, SSMP_PUBKEY_BYTES);
	else if (!kc->negative && !kc->revoked)
		return ssmp_err_set(err, "keystore: keycache: %s/%s: key of "
		    "%zu bytes", kc->domain, kc->selector, dlen);
	return 0;
}

int
ks_keycache_get(struct ks_store *ks, const char *domain, const char *selector,
    int64_t now, struct ks_keycache *out, struct ssmp_err *err)
{
	struct ks_key	 k;
	MDB_txn		*txn;
	MDB_val		 key, v;
	int		 rc;

	if (key_pair(&k, domain, selector, true, err) != 0)
		return -1;
	if (rtxn_begin(ks, &txn, err) != 0)
		return -1;
	rc = get_val(ks, txn, KS_DB_KEYCACHE, &k, &v, err);
	key.mv_size = k.len;
	key.mv_data = k.b;
	if (rc == 0)
		rc = keycache_decode(&key, &v, out, err);
	rtxn_end(ks, txn);
	if (rc == 0 && out->expires <= now)
		rc = 1;
	return rc;
}

int
ks_keycache_put(struct ks_store *ks, const struct ks_keycache *kc,
    struct ssmp_err *err)
{
	unsigned char	 v[KC_HDR + KS_POLICY_TEXT_MAX];
	char		 dom[SSMP_DOMAIN_MAX + 1], sel[SSMP_SELECTOR_MAX + 1];
	struct ks_key	 k;
	size_t		 dlen = 0;

	if (ssmp_domain_check(kc->domain, dom, err) != 0)
		return -1;
	sel[0] = '\0';
	if (kc->selector[0] != '\0' &&
	    ssmp_selector_check(kc->selector, sel, err) != 0)
		return -1;
	if (kc->source != KS_SRC_DNS && kc->source != KS_SRC_HTTPS)
		return ssmp_err_set(err, "keycache: source %d out of range",
		    (int)kc->source);
	if (key_pair(&k, dom, sel, true, err) != 0)
		return -1;
	v[0] = KS_VERSION;
	v[1] = (kc->negative ? KC_NEGATIVE : 0) | (kc->revoked ? KC_REVOKED : 0) |
	    (kc->dnssec ? KC_DNSSEC : 0);
	v[2] = (unsigned char)kc->source;
	put64(v + 3, kc->fetched);
	put64(v + 11, kc->expires);
	if (sel[0] == '\0') {
		dlen = strnlen(kc->text, KS_POLICY_TEXT_MAX);
		memcpy(v + KC_HDR, kc->text, dlen);
	} else if (!kc->negative && !kc->revoked) {
		dlen = SSMP_PUBKEY_BYTES;
		memcpy(v + KC_HDR, kc->pk, dlen);
	}
	return put_one(ks, KS_DB_KEYCACHE, &k, v, KC_HDR + dlen, err);
}

int
ks_keycache_flush(struct ks_store *ks, const char *domain, size_t *count,
    struct ssmp_err *err)
{
	struct ks_key k = { .len = 0 };

	if (domain != NULL && key_add(&k, domain, true, true, err) != 0)
		return -1;
	/* the policy record's key is "domain\0" exactly: prefix matches it */
	return prune(ks, KS_DB_KEYCACHE, k.b, k.len, NULL, NULL, count, err);
}

struct kc_walk {
	ks_keycache_cb	 cb;
	void		*arg;
};

static int
keycache_step(const MDB_val *k, const MDB_val *v, void *arg,
    struct ssmp_err *err)
{
	struct kc_walk		*w = arg;
	struct ks_keycache	 kc;

	if (keycache_decode(k, v, &kc, err) != 0)
		return -1;
	return w->cb(&kc, w->arg);
}

int
ks_keycache_iter(struct ks_store *ks, ks_keycache_cb cb, void *arg,
    struct ssmp_err *err)
{
	struct kc_walk w = { cb, arg };

	return walk(ks, KS_DB_KEYCACHE, NULL, 0, keycache_step, &w, err);
}

/* --- replay cache ---------------------------------------------------------- */

#define REPLAY_VLEN	9	/* version, expires */

struct replay_arg {
	struct ks_key	k;
	int64_t		expires, now;
};

static int
replay_op(struct ks_store *ks, MDB_txn *txn, void *arg, struct ssmp_err *err)
{
	struct replay_arg	*a = arg;
	unsigned char		 val[REPLAY_VLEN];
	MDB_val			 key, v;
	int			 rc;

	rc = get_val(ks, txn, KS_DB_REPLAY, &a->k, &v, err);
	if (rc == 0 && value_check(&v, REPLAY_VLEN, KS_DB_REPLAY, NULL) == 0 &&
	    get64((const unsigned char *)v.mv_data + 1) > a->now)
		return 1;
	if (rc < 0)
		return rc;
	val[0] = KS_VERSION;
	put64(val + 1, a->expires);
	key.mv_size = a->k.len;
	key.mv_data = a->k.b;
	v.mv_size = sizeof(val);
	v.mv_data = val;
	if ((rc = mdb_put(txn, ks->dbi[KS_DB_REPLAY], &key, &v, 0)) != 0)
		return ks_fail(ks, rc, "replay", err);
	return 0;
}

int
ks_replay_add(struct ks_store *ks, const char *domain, const char *nonce,
    int64_t expires, int64_t now, struct ssmp_err *err)
{
	struct replay_arg a = { .expires = expires, .now = now };

	if (key_pair(&a.k, domain, nonce, false, err) != 0)
		return -1;
	if (*nonce == '\0')
		return ssmp_err_set(err, "replay: empty nonce");
	return ks_write(ks, replay_op, &a, "replay", err);
}

static bool
replay_live(const MDB_val *v, void *arg)
{
	int64_t now = *(int64_t *)arg;

	/* unreadable records are swept too: they protect nothing */
	return v->mv_size == REPLAY_VLEN &&
	    get64((const unsigned char *)v->mv_data + 1) > now;
}

int
ks_replay_sweep(struct ks_store *ks, int64_t now, size_t *count,
    struct ssmp_err *err)
{
	return prune(ks, KS_DB_REPLAY, NULL, 0, replay_live, &now, count, err);
}

/* --- delivered-log --------------------------------------------------------- */

/*
 * The natural key (from, msgid, rcpt) can exceed LMDB's 511-byte key
 * limit, so the key is its SHA-256; the value carries the three fields.
 */
#define DLV_HDR		10	/* version, outcome, time */

static int
delivered_key(const char *from, const char *msgid, const char *rcpt,
    struct ks_key *k, struct ssmp_err *err)
{
	struct ks_key	in;

	in.len = 0;
	if (key_add(&in, from, true, true, err) != 0 ||
	    key_add(&in, msgid, false, true, err) != 0 ||
	    key_add(&in, rcpt, true, false, err) != 0)
		return -1;
	crypto_hash_sha256((unsigned char *)k->b, (unsigned char *)in.b,
	    in.len);
	k->len = crypto_hash_sha256_BYTES;
	return 0;
}

static int
msgid_ok(const char *m, struct ssmp_err *err)
{
	size_t n = strlen(m), i;

	if (n == 0 || n > SSMP_MSGID_MAX)
		return ssmp_err_set(err, "msgid: length %zu not in 1..%d", n,
		    SSMP_MSGID_MAX);
	for (i = 0; i < n; i++)
		if (m[i] <= 0x20 || m[i] >= 0x7f)
			return ssmp_err_set(err, "msgid: octet %zu not "
			    "printable ASCII", i + 1);
	return 0;
}

/* Pull the next NUL-terminated field out of [*p, end). */
static int
next_field(const char **p, const char *end, char *out, size_t outlen)
{
	const char *z = memchr(*p, '\0', (size_t)(end - *p));

	if (z == NULL || (size_t)(z - *p) >= outlen)
		return -1;
	memcpy(out, *p, (size_t)(z - *p) + 1);
	*p = z + 1;
	return 0;
}

/* Fills d; d->receipt points into v (not NUL-terminated): see *rlen. */
static int
delivered_decode(const MDB_val *v, struct ks_delivered *d, const char **rcp,
    size_t *rlen, struct ssmp_err *err)
{
	const unsigned char	*u = v->mv_data;
	const char		*p = (const char *)u + DLV_HDR;
	const char		*end = (const char *)u + v->mv_size;

	if (value_check(v, DLV_HDR, KS_DB_DELIVERED, err) != 0)
		return -1;
	d->outcome = (enum ks_outcome)u[1];
	d->time = get64(u + 2);
	if (next_field(&p, end, d->from, sizeof(d->from)) != 0 ||
	    next_field(&p, end, d->msgid, sizeof(d->msgid)) != 0 ||
	    next_field(&p, end, d->rcpt, sizeof(d->rcpt)) != 0 ||
	    next_field(&p, end, d->info, sizeof(d->info)) != 0)
		return ssmp_err_set(err, "keystore: delivered: malformed "
		    "record");
	*rcp = p;
	*rlen = (size_t)(end - p);
	d->receipt = NULL;
	return 0;
}

static char *
dupn(const char *p, size_t n)
{
	char *s = malloc(n + 1);

	if (s != NULL) {
		memcpy(s, p, n);
		s[n] = '\0';
	}
	return s;
}

int
ks_delivered_get(struct ks_store *ks, const char *from, const char *msgid,
    const char *rcpt, struct ks_delivered *out, struct ssmp_err *err)
{
	struct ks_key	 k;
	MDB_txn		*txn;
	MDB_val		 v;
	const char	*r;
	size_t		 rlen;
	int		 rc;

	memset(out, 0, sizeof(*out));
	if (delivered_key(from, msgid, rcpt, &k, err) != 0)
		return -1;
	if (rtxn_begin(ks, &txn, err) != 0)
		return -1;
	rc = get_val(ks, txn, KS_DB_DELIVERED, &k, &v, err);
	if (rc == 0)
		rc = delivered_decode(&v, out, &r, &rlen, err);
	if (rc == 0 && rlen > 0 && (out->receipt = dupn(r, rlen)) == NULL)
		rc = ssmp_err_set(err, "keystore: out of memory");
	rtxn_end(ks, txn);
	return rc;
}

void
ks_delivered_clear(struct ks_delivered *d)
{
	free(d->receipt);
	d->receipt = NULL;
}

/* Check d and build its key and value (b is initialised here). */
static int
delivered_encode(const struct ks_delivered *d, struct ks_key *k,
    struct ssmp_buf *b, struct ssmp_err *err)
{
	struct ssmp_addr	 f, r;
	unsigned char		 hdr[DLV_HDR];

	ssmp_buf_init(b);
	if (ssmp_addr_parse(d->from, &f, err) != 0)
		return ssmp_err_prefix(err, "from '%.60s': ", d->from);
	if (ssmp_addr_parse(d->rcpt, &r, err) != 0)
		return ssmp_err_prefix(err, "recipient '%.60s': ", d->rcpt);
	if (msgid_ok(d->msgid, err) != 0)
		return -1;
	if (d->outcome < KS_OUT_DELIVERED || d->outcome > KS_OUT_TEMPFAIL)
		return ssmp_err_set(err, "delivered: outcome %d out of range",
		    (int)d->outcome);
	if (delivered_key(f.full, d->msgid, r.full, k, err) != 0)
		return -1;
	hdr[0] = KS_VERSION;
	hdr[1] = (unsigned char)d->outcome;
	put64(hdr + 2, d->time);
	ssmp_buf_add(b, hdr, sizeof(hdr));
	ssmp_buf_add(b, f.full, strlen(f.full) + 1);
	ssmp_buf_add(b, d->msgid, strlen(d->msgid) + 1);
	ssmp_buf_add(b, r.full, strlen(r.full) + 1);
	ssmp_buf_add(b, d->info, strnlen(d->info, KS_INFO_MAX));
	ssmp_buf_add(b, "", 1);
	if (d->receipt != NULL)
		ssmp_buf_adds(b, d->receipt);
	return 0;
}

struct dlv_many {
	size_t			 n;
	struct ks_key		*k;
	struct ssmp_buf		*b;
	const struct ks_delivered *d;
	ks_delivered_check	 check;
	void			*arg;
};

/* What check says about record i, given what is stored for it now. */
static int
delivered_ask(struct ks_store *ks, MDB_txn *txn, struct dlv_many *a,
    size_t i, struct ssmp_err *err)
{
	struct ks_delivered	 now;
	const char		*rcp;
	size_t			 rlen;
	MDB_val			 v;
	int			 rc;

	if (a->check == NULL)
		return KS_PUT;
	if ((rc = get_val(ks, txn, KS_DB_DELIVERED, &a->k[i], &v, err)) < 0)
		return rc;
	if (rc == 1)
		return a->check(NULL, &a->d[i], a->arg);
	memset(&now, 0, sizeof(now));
	if (delivered_decode(&v, &now, &rcp, &rlen, err) != 0)
		return -1;
	return a->check(&now, &a->d[i], a->arg);
}

static int
delivered_op(struct ks_store *ks, MDB_txn *txn, void *arg,
    struct ssmp_err *err)
{
	struct dlv_many	*a = arg;
	MDB_val		 key, val;
	int		 rc;

	for (size_t i = 0; i < a->n; i++) {
		if ((rc = delivered_ask(ks, txn, a, i, err)) == KS_SKIP)
			continue;
		if (rc == KS_ABORT)
			return 1;
		if (rc != KS_PUT)
			return rc;
		key.mv_size = a->k[i].len;
		key.mv_data = a->k[i].b;
		val.mv_size = a->b[i].len;
		val.mv_data = a->b[i].p;
		rc = mdb_put(txn, ks->dbi[KS_DB_DELIVERED], &key, &val, 0);
		if (rc != 0)
			return ks_fail(ks, rc, "delivered", err);
	}
	return 0;
}

int
ks_delivered_put_if(struct ks_store *ks, const struct ks_delivered *d,
    size_t n, ks_delivered_check check, void *arg, struct ssmp_err *err)
{
	struct dlv_many	a = { 0, NULL, NULL, d, check, arg };
	int		rc = 0;

	if (n == 0)
		return 0;
	a.k = calloc(n, sizeof(*a.k));
	a.b = calloc(n, sizeof(*a.b));
	if (a.k == NULL || a.b == NULL)
		rc = ssmp_err_set(err, "keystore: out of memory");
	/* a.n counts the values built, the failed one included */
	while (rc == 0 && a.n < n) {
		rc = delivered_encode(&d[a.n], &a.k[a.n], &a.b[a.n], err);
		if (rc != 0 && n > 1)
			ssmp_err_prefix(err, "record %zu: ", a.n + 1);
		a.n++;
	}
	if (rc == 0)
		rc = ks_write(ks, delivered_op, &a, "delivered", err);
	for (size_t i = 0; i < a.n; i++)
		ssmp_buf_free(&a.b[i]);
	free(a.k);
	free(a.b);
	return rc;
}

int
ks_delivered_put_many(struct ks_store *ks, const struct ks_delivered *d,
    size_t n, struct ssmp_err *err)
{
	return ks_delivered_put_if(ks, d, n, NULL, NULL, err);
}

int
ks_delivered_del(struct ks_store *ks, const char *from, const char *msgid,
    const char *rcpt, struct ssmp_err *err)
{
	struct ssmp_addr	f, r;
	struct ks_key		k;

	if (ssmp_addr_parse(from, &f, err) != 0)
		return ssmp_err_prefix(err, "from '%.60s': ", from);
	if (ssmp_addr_parse(rcpt, &r, err) != 0)
		return ssmp_err_prefix(err, "recipient '%.60s': ", rcpt);
	if (msgid_ok(msgid, err) != 0 ||
	    delivered_key(f.full, msgid, r.full, &k, err) != 0)
		return -1;
	return del_one(ks, KS_DB_DELIVERED, &k, err);
}

int
ks_delivered_put(struct ks_store *ks, const struct ks_delivered *d,
    struct ssmp_err *err)
{
	return ks_delivered_put_many(ks, d, 1, err);
}

struct dlv_walk {
	char		 rcpt[SSMP_ADDR_MAX + 1];	/* "" = any */
	int64_t		 since;
	ks_delivered_cb	 cb;
	void		*arg;
};

static int
delivered_step(const MDB_val *k, const MDB_val *v, void *arg,
    struct ssmp_err *err)
{
	struct dlv_walk		*w = arg;
	struct ks_delivered	 d;
	const char		*r;
	size_t			 rlen;
	int			 rc;

	if (delivered_decode(v, &d, &r, &rlen, err) != 0)
		return -1;
	if (d.time < w->since || (w->rcpt[0] && strcmp(w->rcpt, d.rcpt) != 0))
		return 0;
	if (rlen > 0 && (d.receipt = dupn(r, rlen)) == NULL)
		return ssmp_err_set(err, "keystore: out of memory");
	rc = w->cb(&d, w->arg);
	ks_delivered_clear(&d);
	return rc;
}

int
ks_delivered_iter(struct ks_store *ks, const char *rcpt, int64_t since,
    ks_delivered_cb cb, void *arg, struct ssmp_err *err)
{
	struct dlv_walk	w = { .since = since, .cb = cb, .arg = arg };
	size_t		i;

	for (i = 0; rcpt != NULL && rcpt[i] && i < SSMP_ADDR_MAX; i++)
		w.rcpt[i] = (char)tolower((unsigned char)rcpt[i]);
	return walk(ks, KS_DB_DELIVERED, NULL, 0, delivered_step, &w, err);
}

/* --- pending consent requests ---------------------------------------------- */

#define PEND_HDR	17	/* version, created, expires */

static int
word_ok(const char *what, const char *s, struct ssmp_err *err)
{
	size_t i, n = strlen(s);

	if (n == 0 || n > KS_WORD_MAX)
		return ssmp_err_set(err, "pending: %s '%.20s': length not in "
		    "1..%d", what, s, KS_WORD_MAX);
	for (i = 0; i < n; i++)
		if (!(islower((unsigned char)s[i]) || s[i] == '_'))
			return ssmp_err_set(err, "pending: %s '%s': only a-z "
			    "and '_'", what, s);
	return 0;
}

static int
pending_key(const char *local, const char *remote, struct ks_key *k,
    struct ssmp_err *err)
{
	struct ssmp_addr l, r;

	if (ssmp_addr_parse(local, &l, err) != 0)
		return ssmp_err_prefix(err, "local '%.60s': ", local);
	if (ssmp_addr_parse(remote, &r, err) != 0)
		return ssmp_err_prefix(err, "remote '%.60s': ", remote);
	return key_pair(k, l.full, r.full, true, err);
}

static int
pending_decode(const MDB_val *k, const MDB_val *v, struct ks_pending *p,
    struct ssmp_err *err)
{
	const unsigned char	*u = v->mv_data;
	const char		*s = (const char *)u + PEND_HDR;
	const char		*end = (const char *)u + v->mv_size;

	if (value_check(v, PEND_HDR, KS_DB_PENDING, err) != 0)
		return -1;
	key_split(k, p->local, sizeof(p->local), p->remote, sizeof(p->remote));
	p->created = get64(u + 1);
	p->expires = get64(u + 9);
	if (next_field(&s, end, p->type, sizeof(p->type)) != 0 ||
	    next_field(&s, end, p->state, sizeof(p->state)) != 0)
		return ssmp_err_set(err, "keystore: pending: malformed record");
	return 0;
}

int
ks_pending_get(struct ks_store *ks, const char *local, const char *remote,
    struct ks_pending *out, struct ssmp_err *err)
{
	struct ks_key	 k;
	MDB_txn		*txn;
	MDB_val		 key, v;
	int		 rc;

	if (pending_key(local, remote, &k, err) != 0)
		return -1;
	if (rtxn_begin(ks, &txn, err) != 0)
		return -1;
	key.mv_size = k.len;
	key.mv_data = k.b;
	if ((rc = get_val(ks, txn, KS_DB_PENDING, &k, &v, err)) == 0)
		rc = pending_decode(&key, &v, out, err);
	rtxn_end(ks, txn);
	return rc;
}

int
ks_pending_put(struct ks_store *ks, const struct ks_pending *p,
    struct ssmp_err *err)
{
	struct ks_key	k;
	unsigned char	v[PEND_HDR + 2 * (KS_WORD_MAX + 1)];
	size_t		tl, sl;

	if (pending_key(p->local, p->remote, &k, err) != 0 ||
	    word_ok("type", p->type, err) != 0 ||
	    word_ok("state", p->state, err) != 0)
		return -1;
	tl = strlen(p->type) + 1;
	sl = strlen(p->state) + 1;
	v[0] = KS_VERSION;
	put64(v + 1, p->created);
	put64(v + 9, p->expires);
	memcpy(v + PEND_HDR, p->type, tl);
	memcpy(v + PEND_HDR + tl, p->state, sl);
	return put_one(ks, KS_DB_PENDING, &k, v, PEND_HDR + tl + sl, err);
}

int
ks_pending_del(struct ks_store *ks, const char *local, const char *remote,
    struct ssmp_err *err)
{
	struct ks_key k;

	if (pending_key(local, remote, &k, err) != 0)
		return -1;
	return del_one(ks, KS_DB_PENDING, &k, err);
}

struct pend_walk {
	ks_pending_cb	 cb;
	void		*arg;
};

static int
pending_step(const MDB_val *k, const MDB_val *v, void *arg,
    struct ssmp_err *err)
{
	struct pend_walk	*w = arg;
	struct ks_pending	 p;

	if (pending_decode(k, v, &p, err) != 0)
		return -1;
	return w->cb(&p, w->arg);
}

int
ks_pending_iter(struct ks_store *ks, const char *local, ks_pending_cb cb,
    void *arg, struct ssmp_err *err)
{
	struct pend_walk	w = { cb, arg };
	struct ks_key		k = { .len = 0 };

	if (local != NULL && key_add(&k, local, true, true, err) != 0)
		return -1;
	return walk(ks, KS_DB_PENDING, k.b, k.len, pending_step, &w, err);
}

/* --- statistics ------------------------------------------------------------ */

int
ks_stats(struct ks_store *ks, struct ks_stats *st, struct ssmp_err *err)
{
	MDB_envinfo	 info;
	MDB_stat	 ms;
	MDB_txn		*txn;
	int		 i, rc;

	memset(st, 0, sizeof(*st));
	if ((rc = mdb_env_info(ks->env, &info)) != 0 ||
	    (rc = mdb_env_stat(ks->env, &ms)) != 0)
		return ks_fail(ks, rc, "stat", err);
	st->mapsize = info.me_mapsize;
	st->pagesize = ms.ms_psize;
	st->pages_used = info.me_last_pgno + 1;
	st->pages_max = info.me_mapsize / ms.ms_psize;
	st->readers_used = info.me_numreaders;
	st->readers_max = info.me_maxreaders;
	pthread_mutex_lock(&ks->wlock);
	st->writes = ks->nwrites;
	st->commits = ks->ncommits;
	pthread_mutex_unlock(&ks->wlock);
	if (rtxn_begin(ks, &txn, err) != 0)
		return -1;
	for (i = 0; i < KS_NDB && rc == 0; i++) {
		if (!ks->have[i])
			continue;
		if ((rc = mdb_stat(txn, ks->dbi[i], &ms)) != 0)
			rc = ks_fail(ks, rc, db_names[i], err);
		else
			st->entries[i] = ms.ms_entries;
	}
	rtxn_end(ks, txn);
	return rc;
}
