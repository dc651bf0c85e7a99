/*
 * lmdb.c - the LMDB backend's engine: the environment, its sub-databases,
 * transactions and group commit; the stores' modules use it through
 * lmdb_int.h.
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
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "lmdb_int.h"

#define KS_MAXREADERS	1022
#define KS_DEFAULT_MAP	((size_t)1 << 30)

/* In the file; "delivered" holds the receiving role, "pending" consent. */
static const char *const db_files[KS_NDB] = {
	"allow", "keycache", "replay", "delivered", "pending", "sent",
	"tally", "inbox"
};

const char *
lm_db_file_name(enum ks_db db)
{
	return (unsigned)db < KS_NDB ? db_files[db] : "?";
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
int
lm_fail(struct ks_lmdb *l, int rc, const char *what, struct ssmp_err *err)
{
	char sz[32];

	switch (rc) {
	case MDB_MAP_FULL:
		size_text(l->mapsize, sz);
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
		ssmp_err_set(err, "keystore: %s: %s: %s", l->dir, what,
		    mdb_strerror(rc));
		return KS_ETEMP;
	default:
		return ssmp_err_set(err, "keystore: %s: %s: %s", l->dir,
		    what, mdb_strerror(rc));
	}
}

static int
lm_writable(struct ks_lmdb *l, struct ssmp_err *err)
{
	if (l->flags & KS_RDONLY)
		return ssmp_err_set(err, "keystore: %s: opened read-only",
		    l->dir);
	return 0;
}

/* The environment db lives in. */
static struct lm_env *
env_of(struct ks_lmdb *l, enum ks_db db)
{
	return db == KS_DB_REPLAY ? &l->replay : &l->main;
}

/* --- open / close ---------------------------------------------------------- */

/* Open e's sub-databases, those of db_files that live there. */
static int
open_dbis(struct ks_lmdb *l, struct lm_env *e, struct ssmp_err *err)
{
	MDB_txn		*txn;
	unsigned	 flags = (l->flags & KS_RDONLY) ? 0 : MDB_CREATE;
	int		 rc, i;

	rc = mdb_txn_begin(e->env, NULL,
	    (l->flags & KS_RDONLY) ? MDB_RDONLY : 0, &txn);
	if (rc != 0)
		return lm_fail(l, rc, "begin", err);
	for (i = 0; i < KS_NDB; i++) {
		if (env_of(l, i) != e)
			continue;
		rc = mdb_dbi_open(txn, db_files[i], flags, &l->dbi[i]);
		if (rc == MDB_NOTFOUND)
			continue;
		if (rc != 0) {
			mdb_txn_abort(txn);
			return lm_fail(l, rc, db_files[i], err);
		}
		l->have[i] = true;
	}
	if ((rc = mdb_txn_commit(txn)) != 0)
		return lm_fail(l, rc, "create sub-databases", err);
	return 0;
}

static void
env_init(struct lm_env *e)
{
	pthread_mutex_init(&e->lock, NULL);
	pthread_mutex_init(&e->wlock, NULL);
	pthread_cond_init(&e->wdone, NULL);
	e->wtail = &e->whead;
}

static void
env_close(struct lm_env *e)
{
	int i;

	for (i = 0; i < e->npool; i++)
		mdb_txn_abort(e->pool[i]);
	if (e->env != NULL)
		mdb_env_close(e->env);
	pthread_mutex_destroy(&e->lock);
	pthread_mutex_destroy(&e->wlock);
	pthread_cond_destroy(&e->wdone);
}

/* Open the environment in e->dir; 1 if read-only and it is missing. */
static int
env_open(struct ks_lmdb *l, struct lm_env *e, struct ssmp_err *err)
{
	MDB_envinfo	info;
	unsigned	flags = MDB_NOTLS;
	int		rc, dead;

	if ((rc = mdb_env_create(&e->env)) != 0)
		return lm_fail(l, rc, "create", err);
	mdb_env_set_maxdbs(e->env, KS_NDB + 2);
	mdb_env_set_maxreaders(e->env, KS_MAXREADERS);
	mdb_env_set_mapsize(e->env, l->mapsize);
	if (l->flags & KS_RDONLY)
		flags |= MDB_RDONLY;
	else if (mkdir(e->dir, 0700) != 0 && errno != EEXIST)
		return ssmp_err_set(err, "keystore: %s: %s", e->dir,
		    strerror(errno));
	if ((rc = mdb_env_open(e->env, e->dir, flags, 0600)) != 0) {
		if (rc == ENOENT && e == &l->replay && (l->flags & KS_RDONLY))
			return 1;	/* made by the first writer */
		return lm_fail(l, rc, "open", err);
	}
	mdb_reader_check(e->env, &dead);
	if (e == &l->main && mdb_env_info(e->env, &info) == 0)
		l->mapsize = info.me_mapsize;
	return open_dbis(l, e, err);
}

/*
 * Before this release the replay cache was a sub-database of the main
 * environment: move its entries (all still within their window or not,
 * the sweep sorts that out) to the replay environment, once.
 */
static int
replay_move(struct ks_lmdb *l, struct ssmp_err *err)
{
	MDB_txn		*from, *to;
	MDB_cursor	*cur;
	MDB_dbi		 old;
	MDB_val		 k, v;
	int		 rc;

	if ((rc = mdb_txn_begin(l->main.env, NULL, 0, &from)) != 0)
		return lm_fail(l, rc, "replay move", err);
	if ((rc = mdb_dbi_open(from, "replay", 0, &old)) != 0) {
		mdb_txn_abort(from);
		return rc == MDB_NOTFOUND ? 0 : lm_fail(l, rc, "replay", err);
	}
	if ((rc = mdb_txn_begin(l->replay.env, NULL, 0, &to)) != 0) {
		mdb_txn_abort(from);
		return lm_fail(l, rc, "replay move", err);
	}
	if ((rc = mdb_cursor_open(from, old, &cur)) == 0) {
		while ((rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) == 0)
			if ((rc = mdb_put(to, l->dbi[KS_DB_REPLAY], &k, &v,
			    MDB_NOOVERWRITE)) != 0 && rc != MDB_KEYEXIST)
				break;
		mdb_cursor_close(cur);
	}
	if (rc == MDB_NOTFOUND || rc == MDB_KEYEXIST)
		rc = 0;
	/* the new copy first: a crash in between leaves both, no loss */
	if (rc == 0 && (rc = mdb_txn_commit(to)) == 0) {
		if ((rc = mdb_drop(from, old, 1)) == 0)
			return (rc = mdb_txn_commit(from)) == 0 ? 0 :
			    lm_fail(l, rc, "replay move", err);
	} else
		mdb_txn_abort(to);
	mdb_txn_abort(from);
	return lm_fail(l, rc, "replay move", err);
}

int
lm_open(const struct ks_backend *be, const char *dir, size_t mapsize,
    int flags, struct ks_store **out, struct ssmp_err *err)
{
	struct ks_lmdb	*l;
	int		 rc;

	*out = NULL;
	if (strlen(dir) + sizeof("/replay") > sizeof(l->dir))
		return ssmp_err_set(err, "keystore: %.40s...: path too long",
		    dir);
	if ((l = calloc(1, sizeof(*l))) == NULL)
		return ssmp_err_set(err, "keystore: out of memory");
	l->base.be = be;
	memcpy(l->dir, dir, strlen(dir) + 1);
	memcpy(l->main.dir, dir, strlen(dir) + 1);
	(void)snprintf(l->replay.dir, sizeof(l->replay.dir), "%s/replay", dir);
	l->flags = flags;
	l->mapsize = mapsize ? mapsize : KS_DEFAULT_MAP;
	env_init(&l->main);
	env_init(&l->replay);
	if ((rc = env_open(l, &l->main, err)) != 0 ||
	    (rc = env_open(l, &l->replay, err)) < 0 ||
	    (rc == 0 && !(flags & KS_RDONLY) && (rc = replay_move(l,
	    err)) != 0)) {
		lm_close(&l->base);
		return rc;
	}
	*out = &l->base;
	return 0;
}

void
lm_close(struct ks_store *ks)
{
	struct ks_lmdb *l = LM(ks);

	env_close(&l->replay);
	env_close(&l->main);
	free(l);
}

void *
lm_raw_env(struct ks_store *ks, enum ks_db db, unsigned *dbi)
{
	*dbi = LM(ks)->dbi[db];
	return env_of(LM(ks), db)->env;
}

/* --- transactions ---------------------------------------------------------- */

/* A read snapshot taken now: a renewed pooled transaction or a new one. */
int
lm_rtxn_begin(struct ks_lmdb *l, enum ks_db db, MDB_txn **txn,
    struct ssmp_err *err)
{
	struct lm_env	*e = env_of(l, db);
	MDB_txn		*t = NULL;
	int		 rc;

	pthread_mutex_lock(&e->lock);
	if (e->npool > 0)
		t = e->pool[--e->npool];
	pthread_mutex_unlock(&e->lock);
	if (t != NULL) {
		if ((rc = mdb_txn_renew(t)) == 0) {
			*txn = t;
			return 0;
		}
		mdb_txn_abort(t);
	}
	if (e->env == NULL)
		return ssmp_err_set(err, "keystore: %s: not created yet",
		    e->dir);
	if ((rc = mdb_txn_begin(e->env, NULL, MDB_RDONLY, txn)) != 0)
		return lm_fail(l, rc, "read", err);
	return 0;
}

void
lm_rtxn_end(struct ks_lmdb *l, enum ks_db db, MDB_txn *txn)
{
	struct lm_env *e = env_of(l, db);

	mdb_txn_reset(txn);
	pthread_mutex_lock(&e->lock);
	if (e->npool < KS_POOL_MAX) {
		e->pool[e->npool++] = txn;
		txn = NULL;
	}
	pthread_mutex_unlock(&e->lock);
	if (txn != NULL)
		mdb_txn_abort(txn);
}

/* A queued write operation (lmdb_int.h: lm_write). */
struct wop {
	lm_wop_fn	 fn;
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
wop_nested(struct ks_lmdb *l, struct lm_env *e, MDB_txn *parent,
    struct wop *op)
{
	MDB_txn	*txn;
	int	 rc;

	if ((rc = mdb_txn_begin(e->env, parent, 0, &txn)) != 0) {
		op->rc = lm_fail(l, rc, op->what, op->err);
		return;
	}
	if ((op->rc = op->fn(l, txn, op->arg, op->err)) != 0) {
		mdb_txn_abort(txn);
		return;
	}
	if ((rc = mdb_txn_commit(txn)) != 0)
		op->rc = lm_fail(l, rc, op->what, op->err);
}

/*
 * Run a batch in one write transaction.  Alone, an operation runs in
 * the top transaction itself (no nesting cost).  If the final commit
 * fails, every operation that had succeeded gets that failure: nothing
 * of it was written.
 */
static void
wop_batch(struct ks_lmdb *l, struct lm_env *e, struct wop *batch)
{
	struct wop	*op;
	MDB_txn		*txn;
	int		 rc;

	if ((rc = mdb_txn_begin(e->env, NULL, 0, &txn)) != 0) {
		for (op = batch; op != NULL; op = op->next)
			op->rc = lm_fail(l, rc, "write", op->err);
		return;
	}
	if (batch->next == NULL)
		batch->rc = batch->fn(l, txn, batch->arg, batch->err);
	else
		for (op = batch; op != NULL; op = op->next)
			wop_nested(l, e, txn, op);
	if (batch->next == NULL && batch->rc != 0) {
		mdb_txn_abort(txn);
		return;
	}
	if ((rc = mdb_txn_commit(txn)) == 0)
		return;
	for (op = batch; op != NULL; op = op->next)
		if (op->rc == 0)
			op->rc = lm_fail(l, rc, op->what, op->err);
}

/* Take up to KS_BATCH_MAX queued operations; called with wlock held. */
static struct wop *
wop_take(struct lm_env *e)
{
	struct wop	*batch = e->whead, *op = batch;
	int		 n = 1;

	while (op->next != NULL && n < KS_BATCH_MAX) {
		op = op->next;
		n++;
	}
	e->whead = op->next;
	if (e->whead == NULL)
		e->wtail = &e->whead;
	op->next = NULL;
	return batch;
}

/*
 * Run fn as one atomic change and return when it is durable (or failed).
 * The calling thread either runs a batch itself (its own operation and
 * whatever queued up meanwhile) or waits for the thread that does.
 */
int
lm_write(struct ks_lmdb *l, enum ks_db db, lm_wop_fn fn, void *arg,
    struct ssmp_err *err)
{
	struct lm_env	*e = env_of(l, db);
	struct wop	 me = { fn, arg, db_files[db], err, 0, false, NULL };
	struct wop	*batch, *op, *next;

	if (lm_writable(l, err) != 0)
		return -1;
	pthread_mutex_lock(&e->wlock);
	*e->wtail = &me;
	e->wtail = &me.next;
	while (!me.done) {
		if (e->wbusy) {
			pthread_cond_wait(&e->wdone, &e->wlock);
			continue;
		}
		e->wbusy = true;
		batch = wop_take(e);
		pthread_mutex_unlock(&e->wlock);
		wop_batch(l, e, batch);
		pthread_mutex_lock(&e->wlock);
		e->ncommits++;
		for (op = batch; op != NULL; op = next) {
			next = op->next;	/* op may vanish once done */
			op->done = true;
			e->nwrites++;
		}
		e->wbusy = false;
		pthread_cond_broadcast(&e->wdone);
	}
	pthread_mutex_unlock(&e->wlock);
	return me.rc;
}

/* --- keys and values ------------------------------------------------------- */

/* Append s (lower-cased if fold) and, with sep, a NUL separator. */
int
lm_key_add(struct lm_key *k, const char *s, bool fold, bool sep,
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

int
lm_key_pair(struct lm_key *k, const char *a, const char *b, bool fold_b,
    struct ssmp_err *err)
{
	k->len = 0;
	if (lm_key_add(k, a, true, true, err) != 0)
		return -1;
	if (*b == '\0')		/* keycache: "" selector = policy record */
		return 0;
	return lm_key_add(k, b, fold_b, false, err);
}

/* Split a "a\0b" key into two NUL-terminated copies. */
void
lm_key_split(const MDB_val *k, char *a, size_t alen, char *b,
    size_t blen)
{
	const char	*p = k->mv_data, *z = memchr(p, '\0', k->mv_size);
	size_t		 n = z ? (size_t)(z - p) : k->mv_size;

	snprintf(a, alen, "%.*s", (int)n, p);
	if (z == NULL)
		*b = '\0';
	else
		snprintf(b, blen, "%.*s", (int)(k->mv_size - n - 1), z + 1);
}

void
lm_put64(unsigned char *p, int64_t v)
{
	uint64_t u = (uint64_t)v;
	int i;

	for (i = 7; i >= 0; i--, u >>= 8)
		p[i] = (unsigned char)(u & 0xff);
}

int64_t
lm_get64(const unsigned char *p)
{
	uint64_t u = 0;
	int i;

	for (i = 0; i < 8; i++)
		u = (u << 8) | p[i];
	return (int64_t)u;
}

int
lm_next_field(const char **p, const char *end, char *out, size_t outlen)
{
	const char *z = memchr(*p, '\0', (size_t)(end - *p));

	if (z == NULL || (size_t)(z - *p) >= outlen)
		return -1;
	memcpy(out, *p, (size_t)(z - *p) + 1);
	*p = z + 1;
	return 0;
}

/* Values of another version or length are reported, never guessed at. */
int
lm_value_check(const MDB_val *v, size_t min, enum ks_db db,
    struct ssmp_err *err)
{
	const unsigned char *p = v->mv_data;

	if (v->mv_size < 1 || p[0] != KS_VERSION)
		return ssmp_err_set(err, "keystore: %s: record version %d not "
		    "supported", db_files[db], v->mv_size ? p[0] : -1);
	if (v->mv_size < min)
		return ssmp_err_set(err, "keystore: %s: short record (%zu "
		    "bytes)", db_files[db], v->mv_size);
	return 0;
}

int
lm_get(struct ks_lmdb *l, MDB_txn *txn, enum ks_db db,
    const struct lm_key *k, MDB_val *v, struct ssmp_err *err)
{
	MDB_val	key = { k->len, (void *)k->b };
	int	rc;

	if (!l->have[db])
		return 1;
	if ((rc = mdb_get(txn, l->dbi[db], &key, v)) == MDB_NOTFOUND)
		return 1;
	if (rc != 0)
		return lm_fail(l, rc, db_files[db], err);
	return 0;
}

struct put_arg {
	enum ks_db		 db;
	const struct lm_key	*k;
	const void		*v;
	size_t			 vlen;
};

int
lm_put(struct ks_lmdb *l, MDB_txn *txn, enum ks_db db,
    const struct lm_key *k, const void *v, size_t vlen, struct ssmp_err *err)
{
	MDB_val	key = { k->len, (void *)k->b };
	MDB_val	val = { vlen, (void *)v };
	int	rc;

	if ((rc = mdb_put(txn, l->dbi[db], &key, &val, 0)) != 0)
		return lm_fail(l, rc, db_files[db], err);
	return 0;
}

static int
put_op(struct ks_lmdb *l, MDB_txn *txn, void *arg, struct ssmp_err *err)
{
	struct put_arg *a = arg;

	return lm_put(l, txn, a->db, a->k, a->v, a->vlen, err);
}

/* One key, one value, one atomic change. */
int
lm_put_one(struct ks_lmdb *l, enum ks_db db, const struct lm_key *k,
    const void *v, size_t vlen, struct ssmp_err *err)
{
	struct put_arg a = { db, k, v, vlen };

	return lm_write(l, db, put_op, &a, err);
}

static int
del_op(struct ks_lmdb *l, MDB_txn *txn, void *arg, struct ssmp_err *err)
{
	struct put_arg	*a = arg;
	MDB_val		 key = { a->k->len, (void *)a->k->b };
	int		 rc;

	if ((rc = mdb_del(txn, l->dbi[a->db], &key, NULL)) == MDB_NOTFOUND)
		return 1;
	if (rc != 0)
		return lm_fail(l, rc, db_files[a->db], err);
	return 0;
}

/* 0 deleted, 1 absent. */
int
lm_del_one(struct ks_lmdb *l, enum ks_db db, const struct lm_key *k,
    struct ssmp_err *err)
{
	struct put_arg a = { db, k, NULL, 0 };

	return lm_write(l, db, del_op, &a, err);
}

/* From the first key >= start[0..slen); only those with that prefix
   if prefix is true. */
static int
walk(struct ks_lmdb *l, enum ks_db db, const void *prefix, size_t plen,
    bool only, lm_walk_fn fn, void *arg, struct ssmp_err *err)
{
	MDB_txn		*txn;
	MDB_cursor	*cur;
	MDB_val		 k = { plen, (void *)prefix }, v;
	MDB_cursor_op	 op = plen ? MDB_SET_RANGE : MDB_FIRST;
	int		 rc, ret = 0;

	if (!l->have[db])
		return 0;
	if (lm_rtxn_begin(l, db, &txn, err) != 0)
		return -1;
	if ((rc = mdb_cursor_open(txn, l->dbi[db], &cur)) != 0) {
		lm_rtxn_end(l, db, txn);
		return lm_fail(l, rc, db_files[db], err);
	}
	for (; (rc = mdb_cursor_get(cur, &k, &v, op)) == 0; op = MDB_NEXT) {
		if (only && plen && (k.mv_size < plen ||
		    memcmp(k.mv_data, prefix, plen) != 0))
			break;
		if ((ret = fn(&k, &v, arg, err)) != 0)
			break;
	}
	if (rc != 0 && rc != MDB_NOTFOUND)
		ret = lm_fail(l, rc, db_files[db], err);
	mdb_cursor_close(cur);
	lm_rtxn_end(l, db, txn);
	return ret;
}

int
lm_walk(struct ks_lmdb *l, enum ks_db db, const void *prefix, size_t plen,
    lm_walk_fn fn, void *arg, struct ssmp_err *err)
{
	return walk(l, db, prefix, plen, true, fn, arg, err);
}

int
lm_walk_from(struct ks_lmdb *l, enum ks_db db, const void *start,
    size_t slen, lm_walk_fn fn, void *arg, struct ssmp_err *err)
{
	return walk(l, db, start, slen, false, fn, arg, err);
}

struct prune_arg {
	enum ks_db	 db;
	const void	*prefix;
	size_t		 plen;
	lm_keep_fn		 keep;
	void		*arg;
	size_t		 n;
};

static int
prune_op(struct ks_lmdb *l, MDB_txn *txn, void *arg, struct ssmp_err *err)
{
	struct prune_arg *a = arg;
	MDB_cursor	*cur;
	MDB_val		 k = { a->plen, (void *)a->prefix }, v;
	MDB_cursor_op	 op = a->plen ? MDB_SET_RANGE : MDB_FIRST;
	int		 rc;

	a->n = 0;
	if ((rc = mdb_cursor_open(txn, l->dbi[a->db], &cur)) != 0)
		return lm_fail(l, rc, db_files[a->db], err);
	while ((rc = mdb_cursor_get(cur, &k, &v, op)) == 0) {
		op = MDB_NEXT;
		if (a->plen && (k.mv_size < a->plen ||
		    memcmp(k.mv_data, a->prefix, a->plen) != 0))
			break;
		if (a->keep != NULL && a->keep(&k, &v, a->arg))
			continue;
		if ((rc = mdb_cursor_del(cur, 0)) != 0)
			break;
		a->n++;	/* MDB_NEXT after a delete yields the next key */
	}
	mdb_cursor_close(cur);
	if (rc != 0 && rc != MDB_NOTFOUND)
		return lm_fail(l, rc, db_files[a->db], err);
	return 0;
}

int
lm_prune(struct ks_lmdb *l, enum ks_db db, const void *prefix, size_t plen,
    lm_keep_fn keep, void *arg, size_t *count, struct ssmp_err *err)
{
	struct prune_arg a = { db, prefix, plen, keep, arg, 0 };
	int rc;

	if ((rc = lm_write(l, db, prune_op, &a, err)) != 0)
		return rc;
	if (count != NULL)
		*count = a.n;
	return 0;
}


/* --- statistics ------------------------------------------------------------ */

/* Entries of the sub-databases of e, in one snapshot of it. */
static int
env_entries(struct ks_lmdb *l, struct lm_env *e, struct ks_stats *st,
    struct ssmp_err *err)
{
	MDB_stat	 ms;
	MDB_txn		*txn;
	int		 i, rc = 0;
	enum ks_db	 db = e == &l->replay ? KS_DB_REPLAY : KS_DB_ALLOW;

	if (e->env == NULL)
		return 0;
	if (lm_rtxn_begin(l, db, &txn, err) != 0)
		return -1;
	for (i = 0; i < KS_NDB && rc == 0; i++) {
		if (!l->have[i] || env_of(l, i) != e)
			continue;
		if ((rc = mdb_stat(txn, l->dbi[i], &ms)) != 0)
			rc = lm_fail(l, rc, db_files[i], err);
		else
			st->entries[i] = ms.ms_entries;
	}
	lm_rtxn_end(l, db, txn);
	return rc;
}

static void
env_counts(struct lm_env *e, struct ks_stats *st)
{
	pthread_mutex_lock(&e->wlock);
	st->writes += e->nwrites;
	st->commits += e->ncommits;
	for (struct wop *op = e->whead; op != NULL; op = op->next)
		st->queued++;
	pthread_mutex_unlock(&e->wlock);
}

int
lm_stats(struct ks_store *ks, struct ks_stats *st, struct ssmp_err *err)
{
	struct ks_lmdb	*l = LM(ks);
	MDB_envinfo	 info;
	MDB_stat	 ms;
	int		 rc;

	memset(st, 0, sizeof(*st));
	if ((rc = mdb_env_info(l->main.env, &info)) != 0 ||
	    (rc = mdb_env_stat(l->main.env, &ms)) != 0)
		return lm_fail(l, rc, "stat", err);
	st->mapsize = info.me_mapsize;
	st->pagesize = ms.ms_psize;
	st->pages_used = info.me_last_pgno + 1;
	st->pages_max = info.me_mapsize / ms.ms_psize;
	st->readers_used = info.me_numreaders;
	st->readers_max = info.me_maxreaders;
	if (l->replay.env != NULL &&
	    mdb_env_info(l->replay.env, &info) == 0)
		st->replay_pages_used = info.me_last_pgno + 1;
	env_counts(&l->main, st);
	env_counts(&l->replay, st);
	if (env_entries(l, &l->main, st, err) != 0)
		return -1;
	return env_entries(l, &l->replay, st, err);
}
