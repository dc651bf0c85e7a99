/*
 * lmdb_consent.c - consent requests in LMDB (sub-database "pending"):
 * key local\0remote, value version, created, expires, type\0state\0
 * (ssmpctl.8 STORAGE).
 */
#include <string.h>

#include "lmdb_int.h"

#define CONSENT_HDR	17	/* version, created, expires */

static int
consent_decode(const MDB_val *k, const MDB_val *v, struct ks_consent *c,
    struct ssmp_err *err)
{
	const unsigned char	*u = v->mv_data;
	const char		*s = (const char *)u + CONSENT_HDR;
	const char		*end = (const char *)u + v->mv_size;

	if (lm_value_check(v, CONSENT_HDR, KS_DB_CONSENT, err) != 0)
		return -1;
	lm_key_split(k, c->local, sizeof(c->local), c->remote,
	    sizeof(c->remote));
	c->created = lm_get64(u + 1);
	c->expires = lm_get64(u + 9);
	if (lm_next_field(&s, end, c->type, sizeof(c->type)) != 0 ||
	    lm_next_field(&s, end, c->state, sizeof(c->state)) != 0)
		return ssmp_err_set(err, "keystore: pending: malformed record");
	return 0;
}

static int
consent_get(struct ks_store *ks, const char *local, const char *remote,
    struct ks_consent *out, struct ssmp_err *err)
{
	struct ks_lmdb	*l = LM(ks);
	struct lm_key	 k;
	MDB_txn		*txn;
	MDB_val		 key, v;
	int		 rc;

	if (lm_key_pair(&k, local, remote, true, err) != 0)
		return -1;
	if (lm_rtxn_begin(l, KS_DB_CONSENT, &txn, err) != 0)
		return -1;
	key.mv_size = k.len;
	key.mv_data = k.b;
	if ((rc = lm_get(l, txn, KS_DB_CONSENT, &k, &v, err)) == 0)
		rc = consent_decode(&key, &v, out, err);
	lm_rtxn_end(l, KS_DB_CONSENT, txn);
	return rc;
}

static int
consent_put(struct ks_store *ks, const struct ks_consent *c,
    struct ssmp_err *err)
{
	struct lm_key	k;
	unsigned char	v[CONSENT_HDR + 2 * (KS_WORD_MAX + 1)];
	size_t		tl, sl;

	if (lm_key_pair(&k, c->local, c->remote, true, err) != 0)
		return -1;
	tl = strlen(c->type) + 1;
	sl = strlen(c->state) + 1;
	v[0] = KS_VERSION;
	lm_put64(v + 1, c->created);
	lm_put64(v + 9, c->expires);
	memcpy(v + CONSENT_HDR, c->type, tl);
	memcpy(v + CONSENT_HDR + tl, c->state, sl);
	return lm_put_one(LM(ks), KS_DB_CONSENT, &k, v, CONSENT_HDR + tl + sl,
	    err);
}

static int
consent_del(struct ks_store *ks, const char *local, const char *remote,
    struct ssmp_err *err)
{
	struct lm_key k;

	if (lm_key_pair(&k, local, remote, true, err) != 0)
		return -1;
	return lm_del_one(LM(ks), KS_DB_CONSENT, &k, err);
}

struct consent_walk {
	ks_consent_cb	 cb;
	void		*arg;
};

static int
consent_step(const MDB_val *k, const MDB_val *v, void *arg,
    struct ssmp_err *err)
{
	struct consent_walk	*w = arg;
	struct ks_consent	 c;

	if (consent_decode(k, v, &c, err) != 0)
		return -1;
	return w->cb(&c, w->arg);
}

static int
consent_iter(struct ks_store *ks, const char *local, ks_consent_cb cb,
    void *arg, struct ssmp_err *err)
{
	struct consent_walk	w = { cb, arg };
	struct lm_key		k = { .len = 0 };

	if (local != NULL && lm_key_add(&k, local, true, true, err) != 0)
		return -1;
	return lm_walk(LM(ks), KS_DB_CONSENT, k.b, k.len, consent_step, &w,
	    err);
}

/* Kept: no expiry (0: only a pending request expires), or not yet. */
static bool
consent_keep(const MDB_val *k, const MDB_val *v, void *arg)
{
	const unsigned char	*p = v->mv_data;
	int64_t			 exp;

	(void)k;
	if (v->mv_size < CONSENT_HDR || p[0] != KS_VERSION)
		return false;
	exp = lm_get64(p + 9);
	return exp == 0 || exp > *(int64_t *)arg;
}

static int
consent_sweep(struct ks_store *ks, int64_t now, size_t *count,
    struct ssmp_err *err)
{
	return lm_prune(LM(ks), KS_DB_CONSENT, NULL, 0, consent_keep, &now,
	    count, err);
}

const struct ks_consent_ops lm_consent_ops = {
	.get = consent_get,
	.put = consent_put,
	.del = consent_del,
	.iter = consent_iter,
	.sweep = consent_sweep,
};
