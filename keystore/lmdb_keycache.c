/*
 * lmdb_keycache.c - the remote-key cache in LMDB: key domain\0selector
 * (domain\0 for the policy record), value version, flags, source,
 * fetched, expires, then the policy text or the key (ssmpctl.8
 * STORAGE).
 */
#include <stdio.h>
#include <string.h>

#include "lmdb_int.h"

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

	if (lm_value_check(v, KC_HDR, KS_DB_KEYCACHE, err) != 0)
		return -1;
	memset(kc, 0, sizeof(*kc));
	lm_key_split(k, kc->domain, sizeof(kc->domain), kc->selector,
	    sizeof(kc->selector));
	kc->negative = (p[1] & KC_NEGATIVE) != 0;
	kc->revoked = (p[1] & KC_REVOKED) != 0;
	kc->dnssec = (p[1] & KC_DNSSEC) != 0;
	kc->source = (enum ks_source)p[2];
	kc->fetched = lm_get64(p + 3);
	kc->expires = lm_get64(p + 11);
	if (KS_KEYCACHE_TEXT(kc->selector))
		snprintf(kc->text, sizeof(kc->text), "%.*s", (int)dlen,
		    (const char *)p + KC_HDR);
	else if (dlen == SSMP_PUBKEY_BYTES)
		memcpy(kc->pk, p + KC_HDR, SSMP_PUBKEY_BYTES);
	else if (!kc->negative && !kc->revoked)
		return ssmp_err_set(err, "keystore: keycache: %s/%s: key of "
		    "%zu bytes", kc->domain, kc->selector, dlen);
	return 0;
}

static int
keycache_get(struct ks_store *ks, const char *domain, const char *selector,
    struct ks_keycache *out, struct ssmp_err *err)
{
	struct ks_lmdb	*l = LM(ks);
	struct lm_key	 k;
	MDB_txn		*txn;
	MDB_val		 key, v;
	int		 rc;

	if (lm_key_pair(&k, domain, selector, true, err) != 0)
		return -1;
	if (lm_rtxn_begin(l, KS_DB_KEYCACHE, &txn, err) != 0)
		return -1;
	rc = lm_get(l, txn, KS_DB_KEYCACHE, &k, &v, err);
	key.mv_size = k.len;
	key.mv_data = k.b;
	if (rc == 0)
		rc = keycache_decode(&key, &v, out, err);
	lm_rtxn_end(l, KS_DB_KEYCACHE, txn);
	return rc;
}

static int
keycache_put(struct ks_store *ks, const struct ks_keycache *kc,
    struct ssmp_err *err)
{
	unsigned char	v[KC_HDR + KS_POLICY_TEXT_MAX];
	struct lm_key	k;
	size_t		dlen = 0;

	if (lm_key_pair(&k, kc->domain, kc->selector, true, err) != 0)
		return -1;
	v[0] = KS_VERSION;
	v[1] = (kc->negative ? KC_NEGATIVE : 0) | (kc->revoked ? KC_REVOKED : 0) |
	    (kc->dnssec ? KC_DNSSEC : 0);
	v[2] = (unsigned char)kc->source;
	lm_put64(v + 3, kc->fetched);
	lm_put64(v + 11, kc->expires);
	if (KS_KEYCACHE_TEXT(kc->selector)) {
		dlen = strnlen(kc->text, KS_POLICY_TEXT_MAX);
		memcpy(v + KC_HDR, kc->text, dlen);
	} else if (!kc->negative && !kc->revoked) {
		dlen = SSMP_PUBKEY_BYTES;
		memcpy(v + KC_HDR, kc->pk, dlen);
	}
	return lm_put_one(LM(ks), KS_DB_KEYCACHE, &k, v, KC_HDR + dlen, err);
}

static int
keycache_flush(struct ks_store *ks, const char *domain, size_t *count,
    struct ssmp_err *err)
{
	struct lm_key k = { .len = 0 };

	if (domain != NULL && lm_key_add(&k, domain, true, true, err) != 0)
		return -1;
	/* the policy record's key is "domain\0" exactly: prefix matches it */
	return lm_prune(LM(ks), KS_DB_KEYCACHE, k.b, k.len, NULL, NULL, count,
	    err);
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

static int
keycache_iter(struct ks_store *ks, ks_keycache_cb cb, void *arg,
    struct ssmp_err *err)
{
	struct kc_walk w = { cb, arg };

	return lm_walk(LM(ks), KS_DB_KEYCACHE, NULL, 0, keycache_step, &w,
	    err);
}

struct kc_sweep {
	int64_t	now, policy_keep;
};

/*
 * Kept: an entry not expired yet, and a domain's positive policy record
 * (key "domain\0") until policy_keep after it was fetched: the outbound
 * client remembers a policy beyond its TTL.  Unreadable entries go.
 */
static bool
keycache_keep(const MDB_val *k, const MDB_val *v, void *arg)
{
	const struct kc_sweep	*s = arg;
	const unsigned char	*p = v->mv_data;
	bool			 policy;

	if (v->mv_size < KC_HDR || p[0] != KS_VERSION)
		return false;
	if (lm_get64(p + 11) > s->now)
		return true;
	policy = k->mv_size > 0 &&
	    ((const char *)k->mv_data)[k->mv_size - 1] == '\0';
	return policy && !(p[1] & KC_NEGATIVE) &&
	    lm_get64(p + 3) > s->now - s->policy_keep;
}

static int
keycache_sweep(struct ks_store *ks, int64_t now, int64_t policy_keep,
    size_t *count, struct ssmp_err *err)
{
	struct kc_sweep s = { now, policy_keep };

	return lm_prune(LM(ks), KS_DB_KEYCACHE, NULL, 0, keycache_keep, &s,
	    count, err);
}

const struct ks_keycache_ops lm_keycache_ops = {
	.get = keycache_get,
	.put = keycache_put,
	.flush = keycache_flush,
	.iter = keycache_iter,
	.sweep = keycache_sweep,
};
