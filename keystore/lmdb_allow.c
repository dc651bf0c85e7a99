/*
 * lmdb_allow.c - the allow-list in LMDB: key rcpt\0pattern, value
 * version, tier, origin, time added (ssmpctl.8 STORAGE).
 */
#include <string.h>

#include "lmdb_int.h"

#define ALLOW_VLEN	11	/* version, tier, origin, added */

static void
allow_value(const struct ks_allow *a, unsigned char v[ALLOW_VLEN])
{
	v[0] = KS_VERSION;
	v[1] = (unsigned char)a->tier;
	v[2] = (unsigned char)a->origin;
	lm_put64(v + 3, a->added);
}

static int
allow_decode(const MDB_val *k, const MDB_val *v, struct ks_allow *a,
    struct ssmp_err *err)
{
	const unsigned char *p = v->mv_data;

	if (lm_value_check(v, ALLOW_VLEN, KS_DB_ALLOW, err) != 0)
		return -1;
	if (k != NULL)
		lm_key_split(k, a->rcpt, sizeof(a->rcpt), a->pattern,
		    sizeof(a->pattern));
	a->tier = (enum ks_tier)p[1];
	a->origin = (enum ks_origin)p[2];
	a->added = lm_get64(p + 3);
	return 0;
}

struct put_arg {
	const struct ks_allow	*v;
	size_t			 n;
};

static int
put_op(struct ks_lmdb *l, MDB_txn *txn, void *arg, struct ssmp_err *err)
{
	struct put_arg	*a = arg;
	struct lm_key	 k;
	unsigned char	 val[ALLOW_VLEN];
	size_t		 i;
	int		 rc;

	for (i = 0; i < a->n; i++) {
		if (lm_key_pair(&k, a->v[i].rcpt, a->v[i].pattern, true,
		    err) != 0)
			return -1;
		allow_value(&a->v[i], val);
		if ((rc = lm_put(l, txn, KS_DB_ALLOW, &k, val, sizeof(val),
		    err)) != 0)
			return rc;
	}
	return 0;
}

static int
allow_put(struct ks_store *ks, const struct ks_allow *v, size_t n,
    struct ssmp_err *err)
{
	struct put_arg a = { v, n };

	return lm_write(LM(ks), KS_DB_ALLOW, put_op, &a, err);
}

static int
allow_del(struct ks_store *ks, const char *rcpt, const char *pattern,
    struct ssmp_err *err)
{
	struct lm_key k;

	if (lm_key_pair(&k, rcpt, pattern, true, err) != 0)
		return -1;
	return lm_del_one(LM(ks), KS_DB_ALLOW, &k, err);
}

static int
allow_lookup(struct ks_store *ks, const char *rcpt, const char *const *pat,
    size_t npat, struct ks_allow *out, struct ssmp_err *err)
{
	struct ks_lmdb	*l = LM(ks);
	struct lm_key	 k;
	MDB_txn		*txn;
	MDB_val		 v;
	size_t		 i;
	int		 rc = 1;

	if (lm_rtxn_begin(l, KS_DB_ALLOW, &txn, err) != 0)
		return -1;
	for (i = 0; i < npat && rc == 1; i++)
		if ((rc = lm_key_pair(&k, rcpt, pat[i], true, err)) == 0)
			rc = lm_get(l, txn, KS_DB_ALLOW, &k, &v, err);
	if (rc == 0)
		rc = allow_decode(NULL, &v, out, err);
	lm_rtxn_end(l, KS_DB_ALLOW, txn);
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

static int
allow_iter(struct ks_store *ks, const char *rcpt, ks_allow_cb cb, void *arg,
    struct ssmp_err *err)
{
	struct allow_walk	w = { cb, arg };
	struct lm_key		k = { .len = 0 };

	if (rcpt != NULL && lm_key_add(&k, rcpt, true, true, err) != 0)
		return -1;
	return lm_walk(LM(ks), KS_DB_ALLOW, k.b, k.len, allow_step, &w, err);
}

const struct ks_allow_ops lm_allow_ops = {
	.put = allow_put,
	.del = allow_del,
	.lookup = allow_lookup,
	.iter = allow_iter,
};
