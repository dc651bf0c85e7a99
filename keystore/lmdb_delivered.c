/*
 * lmdb_delivered.c - the delivered-log in LMDB: one sub-database per
 * role ("sent"; "delivered" holds the received role), key the SHA-256
 * of from\0msgid\0rcpt, value version, outcome, time, the three names,
 * info, then the receipt or, for a DELIVERING record, its owner
 * (ssmpctl.8 STORAGE).
 *
 * The natural key (from, msgid, rcpt) can exceed LMDB's 511-byte key
 * limit, so the key is its SHA-256; the value carries the three fields.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "ssmp_buf.h"
#include "lmdb_int.h"

#define DLV_HDR		10	/* version, outcome, time */
#define DLV_VERSION	2	/* 1: no DELIVERING outcome, no owner */
#define LEGACY_DELIVERING "delivering "	/* version 1's tempfail info */

static enum ks_db
db_of(enum ks_role role)
{
	return role == KS_SENT ? KS_DB_SENT : KS_DB_DELIVERED;
}

static int
delivered_key(const char *from, const char *msgid, const char *rcpt,
    struct lm_key *k, struct ssmp_err *err)
{
	struct lm_key in;

	in.len = 0;
	if (lm_key_add(&in, from, true, true, err) != 0 ||
	    lm_key_add(&in, msgid, false, true, err) != 0 ||
	    lm_key_add(&in, rcpt, true, false, err) != 0)
		return -1;
	crypto_hash_sha256((unsigned char *)k->b, (unsigned char *)in.b,
	    in.len);
	k->len = crypto_hash_sha256_BYTES;
	return 0;
}

/*
 * A version-1 record wrote "delivering" as outcome tempfail with info
 * "delivering pid=P req=R": read it as what it meant.
 */
static void
legacy_owner(struct ks_delivered *d)
{
	char req[KS_REQID_MAX + 1];
	long pid;

	if (d->outcome != KS_OUT_TEMPFAIL || strncmp(d->info,
	    LEGACY_DELIVERING, strlen(LEGACY_DELIVERING)) != 0)
		return;
	if (sscanf(d->info + strlen(LEGACY_DELIVERING), "pid=%ld req=%23s",
	    &pid, req) != 2)
		return;
	d->outcome = KS_OUT_DELIVERING;
	d->owner.pid = pid;
	memcpy(d->owner.reqid, req, sizeof(req));
}

static int
owner_decode(const char **p, const char *end, struct ks_owner *o)
{
	char pid[24], *e;

	if (lm_next_field(p, end, o->host, sizeof(o->host)) != 0 ||
	    lm_next_field(p, end, pid, sizeof(pid)) != 0 ||
	    lm_next_field(p, end, o->reqid, sizeof(o->reqid)) != 0)
		return -1;
	o->pid = strtol(pid, &e, 10);
	return *e == '\0' ? 0 : -1;
}

/* Fills d; the receipt points into v (not NUL-terminated): see *rlen. */
static int
delivered_decode(const MDB_val *v, enum ks_role role, struct ks_delivered *d,
    const char **rcp, size_t *rlen, struct ssmp_err *err)
{
	const unsigned char	*u = v->mv_data;
	const char		*p = (const char *)u + DLV_HDR;
	const char		*end = (const char *)u + v->mv_size;

	if (v->mv_size < DLV_HDR || (u[0] != KS_VERSION &&
	    u[0] != DLV_VERSION))
		return lm_value_check(v, DLV_HDR, db_of(role), err);
	memset(d, 0, sizeof(*d));
	d->role = role;
	d->outcome = (enum ks_outcome)u[1];
	d->time = lm_get64(u + 2);
	if (lm_next_field(&p, end, d->from, sizeof(d->from)) != 0 ||
	    lm_next_field(&p, end, d->msgid, sizeof(d->msgid)) != 0 ||
	    lm_next_field(&p, end, d->rcpt, sizeof(d->rcpt)) != 0 ||
	    lm_next_field(&p, end, d->info, sizeof(d->info)) != 0 ||
	    (d->outcome == KS_OUT_DELIVERING && owner_decode(&p, end,
	    &d->owner) != 0))
		return ssmp_err_set(err, "keystore: %s: malformed record",
		    lm_db_file_name(db_of(role)));
	if (u[0] == KS_VERSION)
		legacy_owner(d);
	*rcp = p;
	*rlen = d->outcome == KS_OUT_DELIVERING ? 0 : (size_t)(end - p);
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

static int
delivered_get(struct ks_store *ks, enum ks_role role, const char *from,
    const char *msgid, const char *rcpt, struct ks_delivered *out,
    struct ssmp_err *err)
{
	struct ks_lmdb	*l = LM(ks);
	struct lm_key	 k;
	MDB_txn		*txn;
	MDB_val		 v;
	const char	*r;
	size_t		 rlen;
	int		 rc;

	if (delivered_key(from, msgid, rcpt, &k, err) != 0)
		return -1;
	if (lm_rtxn_begin(l, db_of(role), &txn, err) != 0)
		return -1;
	rc = lm_get(l, txn, db_of(role), &k, &v, err);
	if (rc == 0)
		rc = delivered_decode(&v, role, out, &r, &rlen, err);
	if (rc == 0 && rlen > 0 && (out->receipt = dupn(r, rlen)) == NULL)
		rc = ssmp_err_set(err, "keystore: out of memory");
	lm_rtxn_end(l, db_of(role), txn);
	return rc;
}

/* The value of a checked record (b is initialised here). */
static void
delivered_encode(const struct ks_delivered *d, struct ssmp_buf *b)
{
	unsigned char	hdr[DLV_HDR];
	char		pid[24];

	ssmp_buf_init(b);
	hdr[0] = DLV_VERSION;
	hdr[1] = (unsigned char)d->outcome;
	lm_put64(hdr + 2, d->time);
	ssmp_buf_add(b, hdr, sizeof(hdr));
	ssmp_buf_add(b, d->from, strlen(d->from) + 1);
	ssmp_buf_add(b, d->msgid, strlen(d->msgid) + 1);
	ssmp_buf_add(b, d->rcpt, strlen(d->rcpt) + 1);
	ssmp_buf_add(b, d->info, strnlen(d->info, KS_INFO_MAX));
	ssmp_buf_add(b, "", 1);
	if (d->outcome == KS_OUT_DELIVERING) {
		(void)snprintf(pid, sizeof(pid), "%ld", d->owner.pid);
		ssmp_buf_add(b, d->owner.host, strlen(d->owner.host) + 1);
		ssmp_buf_add(b, pid, strlen(pid) + 1);
		ssmp_buf_add(b, d->owner.reqid, strlen(d->owner.reqid) + 1);
	} else if (d->receipt != NULL)
		ssmp_buf_adds(b, d->receipt);
}

struct dlv_many {
	size_t			 n;
	const struct ks_delivered *d;
	ks_delivered_check	 check;
	void			*arg;
};

/* What check says about record d, given what is stored under k now. */
static int
delivered_ask(struct ks_lmdb *l, MDB_txn *txn, const struct dlv_many *a,
    const struct ks_delivered *d, const struct lm_key *k,
    struct ssmp_err *err)
{
	struct ks_delivered	 now;
	const char		*rcp;
	size_t			 rlen;
	MDB_val			 v;
	int			 rc;

	if (a->check == NULL)
		return KS_PUT;
	if ((rc = lm_get(l, txn, db_of(d->role), k, &v, err)) < 0)
		return rc;
	if (rc == 1)
		return a->check(NULL, d, a->arg);
	if (delivered_decode(&v, d->role, &now, &rcp, &rlen, err) != 0)
		return -1;
	return a->check(&now, d, a->arg);
}

static int
delivered_op(struct ks_lmdb *l, MDB_txn *txn, void *arg,
    struct ssmp_err *err)
{
	struct dlv_many	*a = arg;
	const struct ks_delivered *d;
	struct ssmp_buf	 b;
	struct lm_key	 k;
	size_t		 i;
	int		 rc;

	for (i = 0; i < a->n; i++) {
		d = &a->d[i];
		if (delivered_key(d->from, d->msgid, d->rcpt, &k, err) != 0)
			return -1;
		if ((rc = delivered_ask(l, txn, a, d, &k, err)) == KS_SKIP)
			continue;
		if (rc == KS_ABORT)
			return 1;
		if (rc != KS_PUT)
			return rc;
		delivered_encode(d, &b);
		rc = lm_put(l, txn, db_of(d->role), &k, b.p, b.len, err);
		ssmp_buf_free(&b);
		if (rc != 0)
			return rc;
	}
	return 0;
}

static int
delivered_put_if(struct ks_store *ks, const struct ks_delivered *d, size_t n,
    ks_delivered_check check, void *arg, struct ssmp_err *err)
{
	struct dlv_many a = { n, d, check, arg };

	return lm_write(LM(ks), KS_DB_DELIVERED, delivered_op, &a, err);
}

static int
delivered_del(struct ks_store *ks, enum ks_role role, const char *from,
    const char *msgid, const char *rcpt, struct ssmp_err *err)
{
	struct lm_key k;

	if (delivered_key(from, msgid, rcpt, &k, err) != 0)
		return -1;
	return lm_del_one(LM(ks), db_of(role), &k, err);
}

struct dlv_walk {
	enum ks_role	 role;
	const char	*rcpt;		/* NULL = any */
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

	(void)k;
	if (delivered_decode(v, w->role, &d, &r, &rlen, err) != 0)
		return -1;
	if (d.time < w->since || (w->rcpt && strcmp(w->rcpt, d.rcpt) != 0))
		return 0;
	if (rlen > 0 && (d.receipt = dupn(r, rlen)) == NULL)
		return ssmp_err_set(err, "keystore: out of memory");
	rc = w->cb(&d, w->arg);
	free(d.receipt);
	return rc;
}

static int
delivered_iter(struct ks_store *ks, enum ks_role role, const char *rcpt,
    int64_t since, ks_delivered_cb cb, void *arg, struct ssmp_err *err)
{
	struct dlv_walk	w = { KS_SENT, rcpt, since, cb, arg };
	int		rc = 0;

	if (role == 0 || role == KS_SENT)
		rc = lm_walk(LM(ks), KS_DB_SENT, NULL, 0, delivered_step, &w,
		    err);
	w.role = KS_RECEIVED;
	if (rc == 0 && (role == 0 || role == KS_RECEIVED))
		rc = lm_walk(LM(ks), KS_DB_DELIVERED, NULL, 0, delivered_step,
		    &w, err);
	return rc;
}

struct dlv_sweep {
	enum ks_role	role;
	int64_t		before;
};

/*
 * Kept: newer than before, or DELIVERING (a postmaster resolves it).
 * Unreadable records go: they prove nothing.
 */
static bool
delivered_keep(const MDB_val *k, const MDB_val *v, void *arg)
{
	const struct dlv_sweep	*s = arg;
	struct ks_delivered	 d;
	struct ssmp_err		 err;
	const char		*r;
	size_t			 rlen;

	(void)k;
	if (delivered_decode(v, s->role, &d, &r, &rlen, &err) != 0)
		return false;
	return d.outcome == KS_OUT_DELIVERING || d.time >= s->before;
}

static int
delivered_sweep(struct ks_store *ks, enum ks_role role, int64_t before,
    size_t *count, struct ssmp_err *err)
{
	struct dlv_sweep s = { role, before };

	return lm_prune(LM(ks), db_of(role), NULL, 0, delivered_keep, &s,
	    count, err);
}

const struct ks_delivered_ops lm_delivered_ops = {
	.get = delivered_get,
	.put_if = delivered_put_if,
	.del = delivered_del,
	.iter = delivered_iter,
	.sweep = delivered_sweep,
};
