/*
 * lmdb_report.c - the report stores in LMDB (ssmpctl.8 STORAGE):
 *
 *	tally	key day\0reporter\0domain (day: the day's first second in
 *		11 decimal digits, so keys sort by day); value version,
 *		time sent (0: not yet), the report's JSON
 *	inbox	key reporter\0report-id; value version, time received,
 *		start, end, selector\0, the report's octets
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ssmp_buf.h"
#include "lmdb_int.h"

#define TALLY_HDR	9	/* version, sent */
#define INBOX_HDR	25	/* version, received, start, end */

static int
tally_key(struct lm_key *k, int64_t day, const char *reporter,
    const char *domain, struct ssmp_err *err)
{
	char d[24];

	(void)snprintf(d, sizeof(d), "%011lld", (long long)day);
	k->len = 0;
	if (lm_key_add(k, d, false, true, err) != 0 ||
	    lm_key_add(k, reporter, true, true, err) != 0 ||
	    lm_key_add(k, domain, true, false, err) != 0)
		return -1;
	return 0;
}

/* Keys in txn starting with prefix[0..plen), counting up to max. */
static int
count_prefix(struct ks_lmdb *l, MDB_txn *txn, enum ks_db db,
    const void *prefix, size_t plen, size_t max, size_t *n,
    struct ssmp_err *err)
{
	MDB_cursor	*cur;
	MDB_val		 k = { plen, (void *)prefix }, v;
	MDB_cursor_op	 op = MDB_SET_RANGE;
	int		 rc;

	*n = 0;
	if ((rc = mdb_cursor_open(txn, l->dbi[db], &cur)) != 0)
		return lm_fail(l, rc, "report", err);
	while (*n < max && (rc = mdb_cursor_get(cur, &k, &v, op)) == 0) {
		op = MDB_NEXT;
		if (k.mv_size < plen || memcmp(k.mv_data, prefix, plen) != 0)
			break;
		(*n)++;
	}
	mdb_cursor_close(cur);
	if (rc != 0 && rc != MDB_NOTFOUND)
		return lm_fail(l, rc, "report", err);
	return 0;
}

/* --- tally ------------------------------------------------------------ */

struct tally_arg {
	const struct ks_tally	*v;
	size_t			 n;
	ks_tally_merge		 merge;
	size_t			*dropped;
};

static int
tally_one(struct ks_lmdb *l, MDB_txn *txn, const struct tally_arg *a,
    const struct ks_tally *t, struct ssmp_buf *json, struct ssmp_err *err)
{
	struct lm_key	 k;
	MDB_val		 v;
	unsigned char	*val;
	size_t		 n;
	int		 rc;

	if (tally_key(&k, t->day, t->reporter, t->domain, err) != 0)
		return -1;
	if ((rc = lm_get(l, txn, KS_DB_TALLY, &k, &v, err)) < 0)
		return rc;
	if (rc == 0 && lm_value_check(&v, TALLY_HDR, KS_DB_TALLY, err) != 0)
		return -1;
	if (rc == 1) {
		/* a new receiving domain: within the day's bound? */
		if (count_prefix(l, txn, KS_DB_TALLY, k.b, 12,
		    KS_TALLY_DOMAINS, &n, err) != 0)
			return -1;
		if (n >= KS_TALLY_DOMAINS) {
			(*a->dropped)++;
			return 0;
		}
	}
	if (a->merge(t, rc == 1 ? NULL : (const char *)v.mv_data + TALLY_HDR,
	    rc == 1 ? 0 : v.mv_size - TALLY_HDR, json, err) != 0)
		return -1;
	val = ssmp_xmalloc(TALLY_HDR + json->len);
	val[0] = KS_VERSION;
	if (rc == 1)
		lm_put64(val + 1, 0);
	else
		memcpy(val + 1, (const unsigned char *)v.mv_data + 1, 8);
	memcpy(val + TALLY_HDR, json->p, json->len);
	rc = lm_put(l, txn, KS_DB_TALLY, &k, val, TALLY_HDR + json->len, err);
	free(val);
	return rc;
}

static int
tally_op(struct ks_lmdb *l, MDB_txn *txn, void *arg, struct ssmp_err *err)
{
	struct tally_arg	*a = arg;
	struct ssmp_buf		 json;
	size_t			 i;
	int			 rc = 0;

	ssmp_buf_init(&json);
	*a->dropped = 0;	/* a retried batch counts afresh */
	for (i = 0; i < a->n && rc == 0; i++)
		rc = tally_one(l, txn, a, &a->v[i], &json, err);
	ssmp_buf_free(&json);
	return rc;
}

static int
tally(struct ks_store *ks, const struct ks_tally *v, size_t n,
    ks_tally_merge merge, size_t *dropped, struct ssmp_err *err)
{
	struct tally_arg a = { v, n, merge, dropped };

	if (n == 0)
		return 0;
	return lm_write(LM(ks), KS_DB_TALLY, tally_op, &a, err);
}

struct titer_arg {
	int64_t		 to;
	ks_tally_cb	 cb;
	void		*arg;
	struct ks_tally_rec *rec;
};

static int
titer_step(const MDB_val *k, const MDB_val *v, void *arg,
    struct ssmp_err *err)
{
	struct titer_arg	*a = arg;
	const char		*key = k->mv_data;

	if (k->mv_size < 12 || strtoll(key, NULL, 10) > a->to)
		return 1;	/* past the last day */
	if (lm_value_check(v, TALLY_HDR, KS_DB_TALLY, err) != 0)
		return -1;
	if (ssmp_report_decode((const char *)v->mv_data + TALLY_HDR,
	    v->mv_size - TALLY_HDR, &a->rec->r, err) != 0)
		return ssmp_err_prefix(err, "keystore: tally: ");
	a->rec->sent = lm_get64((const unsigned char *)v->mv_data + 1);
	return a->cb(a->rec, a->arg) != 0 ? 1 : 0;
}

static int
tally_iter(struct ks_store *ks, int64_t from, int64_t to, ks_tally_cb cb,
    void *arg, struct ssmp_err *err)
{
	struct titer_arg	a = { to, cb, arg, NULL };
	char			d[24];
	int			rc;

	(void)snprintf(d, sizeof(d), "%011lld", (long long)from);
	a.rec = ssmp_xcalloc(1, sizeof(*a.rec));
	/* keys from the first of that day on: SET_RANGE, no prefix */
	rc = lm_walk_from(LM(ks), KS_DB_TALLY, d, strlen(d), titer_step, &a,
	    err);
	free(a.rec);
	return rc < 0 ? rc : 0;
}

struct sent_arg {
	struct lm_key	k;
	int64_t		when;
};

static int
sent_op(struct ks_lmdb *l, MDB_txn *txn, void *arg, struct ssmp_err *err)
{
	struct sent_arg	*a = arg;
	MDB_val		 v;
	unsigned char	*val;
	int		 rc;

	if ((rc = lm_get(l, txn, KS_DB_TALLY, &a->k, &v, err)) != 0)
		return rc;
	if (lm_value_check(&v, TALLY_HDR, KS_DB_TALLY, err) != 0)
		return -1;
	val = ssmp_xmalloc(v.mv_size);
	memcpy(val, v.mv_data, v.mv_size);
	lm_put64(val + 1, a->when);
	rc = lm_put(l, txn, KS_DB_TALLY, &a->k, val, v.mv_size, err);
	free(val);
	return rc;
}

static int
tally_sent(struct ks_store *ks, int64_t day, const char *reporter,
    const char *domain, int64_t when, struct ssmp_err *err)
{
	struct sent_arg a = { .when = when };

	if (tally_key(&a.k, day, reporter, domain, err) != 0)
		return -1;
	return lm_write(LM(ks), KS_DB_TALLY, sent_op, &a, err);
}

/* --- inbox ------------------------------------------------------------ */

static int
inbox_op(struct ks_lmdb *l, MDB_txn *txn, void *arg, struct ssmp_err *err)
{
	const struct ks_inbox	*in = arg;
	struct lm_key		 k, pre;
	MDB_val			 v;
	MDB_stat		 st;
	unsigned char		*val;
	size_t			 n, sl = strlen(in->selector) + 1;
	int			 rc;

	if (lm_key_pair(&k, in->reporter, in->id, false, err) != 0 ||
	    lm_key_pair(&pre, in->reporter, "", false, err) != 0)
		return -1;
	if ((rc = lm_get(l, txn, KS_DB_INBOX, &k, &v, err)) <= 0)
		return rc == 0 ? 1 : rc;	/* there already */
	if ((rc = mdb_stat(txn, l->dbi[KS_DB_INBOX], &st)) != 0)
		return lm_fail(l, rc, "inbox", err);
	if (count_prefix(l, txn, KS_DB_INBOX, pre.b, pre.len,
	    KS_INBOX_PER_DOMAIN, &n, err) != 0)
		return -1;
	if (n >= KS_INBOX_PER_DOMAIN || st.ms_entries >= KS_INBOX_MAX) {
		(void)ssmp_err_set(err, "inbox full: %zu reports of %s, %zu "
		    "in all", n, in->reporter, (size_t)st.ms_entries);
		return KS_FULL;
	}
	val = ssmp_xmalloc(INBOX_HDR + sl + in->len);
	val[0] = KS_VERSION;
	lm_put64(val + 1, in->received);
	lm_put64(val + 9, in->start);
	lm_put64(val + 17, in->end);
	memcpy(val + INBOX_HDR, in->selector, sl);
	memcpy(val + INBOX_HDR + sl, in->json, in->len);
	rc = lm_put(l, txn, KS_DB_INBOX, &k, val, INBOX_HDR + sl + in->len,
	    err);
	free(val);
	return rc;
}

static int
inbox_put(struct ks_store *ks, const struct ks_inbox *in,
    struct ssmp_err *err)
{
	struct ks_inbox c = *in;

	return lm_write(LM(ks), KS_DB_INBOX, inbox_op, &c, err);
}

struct iiter_arg {
	int64_t		 since;
	ks_inbox_cb	 cb;
	void		*arg;
};

static int
iiter_step(const MDB_val *k, const MDB_val *v, void *arg,
    struct ssmp_err *err)
{
	struct iiter_arg	*a = arg;
	struct ks_inbox		 in;
	const char		*p, *end;

	memset(&in, 0, sizeof(in));
	if (lm_value_check(v, INBOX_HDR + 1, KS_DB_INBOX, err) != 0)
		return -1;
	lm_key_split(k, in.reporter, sizeof(in.reporter), in.id,
	    sizeof(in.id));
	p = (const char *)v->mv_data;
	in.received = lm_get64((const unsigned char *)p + 1);
	in.start = lm_get64((const unsigned char *)p + 9);
	in.end = lm_get64((const unsigned char *)p + 17);
	end = p + v->mv_size;
	p += INBOX_HDR;
	if (lm_next_field(&p, end, in.selector, sizeof(in.selector)) != 0)
		return ssmp_err_set(err, "keystore: inbox: bad record");
	if (in.received < a->since)
		return 0;
	in.json = p;
	in.len = (size_t)(end - p);
	return a->cb(&in, a->arg) != 0 ? 1 : 0;
}

static int
inbox_iter(struct ks_store *ks, const char *reporter, int64_t since,
    ks_inbox_cb cb, void *arg, struct ssmp_err *err)
{
	struct iiter_arg	a = { since, cb, arg };
	struct lm_key		pre;
	int			rc;

	pre.len = 0;
	if (reporter != NULL && lm_key_pair(&pre, reporter, "", false,
	    err) != 0)
		return -1;
	rc = lm_walk(LM(ks), KS_DB_INBOX, pre.b, pre.len, iiter_step, &a,
	    err);
	return rc < 0 ? rc : 0;
}

/* --- sweep ------------------------------------------------------------ */

static bool
tally_keep(const MDB_val *k, const MDB_val *v, void *arg)
{
	(void)v;
	return k->mv_size >= 12 && strtoll(k->mv_data, NULL, 10) >=
	    *(int64_t *)arg;
}

/* Unreadable records are swept too. */
static bool
inbox_keep(const MDB_val *k, const MDB_val *v, void *arg)
{
	(void)k;
	return v->mv_size > INBOX_HDR && lm_get64((const unsigned char *)
	    v->mv_data + 1) >= *(int64_t *)arg;
}

static int
report_sweep(struct ks_store *ks, int64_t day, int64_t received,
    size_t *count, struct ssmp_err *err)
{
	size_t	a = 0, b = 0;
	int	rc;

	if ((rc = lm_prune(LM(ks), KS_DB_TALLY, NULL, 0, tally_keep, &day,
	    &a, err)) == 0)
		rc = lm_prune(LM(ks), KS_DB_INBOX, NULL, 0, inbox_keep,
		    &received, &b, err);
	if (count != NULL)
		*count = a + b;
	return rc;
}

const struct ks_report_ops lm_report_ops = {
	.tally = tally,
	.tally_iter = tally_iter,
	.tally_sent = tally_sent,
	.inbox_put = inbox_put,
	.inbox_iter = inbox_iter,
	.sweep = report_sweep,
};
