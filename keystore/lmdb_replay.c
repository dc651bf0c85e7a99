/*
 * lmdb_replay.c - the replay cache in LMDB: key sender-domain\0nonce,
 * value version, expiry time (ssmpctl.8 STORAGE).
 */
#include "lmdb_int.h"

#define REPLAY_VLEN	9	/* version, expires */

struct replay_arg {
	struct lm_key	k;
	int64_t		expires, now;
};

static int
replay_op(struct ks_lmdb *l, MDB_txn *txn, void *arg, struct ssmp_err *err)
{
	struct replay_arg	*a = arg;
	unsigned char		 val[REPLAY_VLEN];
	MDB_val			 v;
	int			 rc;

	rc = lm_get(l, txn, KS_DB_REPLAY, &a->k, &v, err);
	if (rc == 0 && lm_value_check(&v, REPLAY_VLEN, KS_DB_REPLAY,
	    NULL) == 0 && lm_get64((const unsigned char *)v.mv_data + 1) >
	    a->now)
		return 1;
	if (rc < 0)
		return rc;
	val[0] = KS_VERSION;
	lm_put64(val + 1, a->expires);
	return lm_put(l, txn, KS_DB_REPLAY, &a->k, val, sizeof(val), err);
}

static int
replay_add(struct ks_store *ks, const char *domain, const char *nonce,
    int64_t expires, int64_t now, struct ssmp_err *err)
{
	struct replay_arg a = { .expires = expires, .now = now };

	if (lm_key_pair(&a.k, domain, nonce, false, err) != 0)
		return -1;
	return lm_write(LM(ks), KS_DB_REPLAY, replay_op, &a, err);
}

/* Unreadable records are swept too: they protect nothing. */
static bool
replay_live(const MDB_val *k, const MDB_val *v, void *arg)
{
	(void)k;
	return v->mv_size == REPLAY_VLEN &&
	    lm_get64((const unsigned char *)v->mv_data + 1) > *(int64_t *)arg;
}

static int
replay_sweep(struct ks_store *ks, int64_t now, size_t *count,
    struct ssmp_err *err)
{
	return lm_prune(LM(ks), KS_DB_REPLAY, NULL, 0, replay_live, &now,
	    count, err);
}

const struct ks_replay_ops lm_replay_ops = {
	.add = replay_add,
	.sweep = replay_sweep,
};
