/*
 * backend.h - what a keystore backend implements (private to keystore/).
 *
 * The store modules (allowlist.c, keycache.c, replay.c, delivered.c,
 * consent.c) check and canonicalise every input, then call their
 * backend through one table of operations per store.  A backend only
 * stores and finds: it receives checked, canonical (lower-case)
 * records and never sees anything the store module has not validated.
 * LMDB (lmdb*.c) is the embedded backend; the shared one, PostgreSQL
 * (pg*.c), implements the same tables, and no caller of store.h
 * changes.
 *
 * Every operation follows store.h's return convention (0, 1 = not
 * found where said, -1, KS_ETEMP) and is atomic: a change commits whole
 * or not at all and is durable when the call returns.
 */
#ifndef KS_BACKEND_H
#define KS_BACKEND_H

#include "ssmp_buf.h"
#include "store.h"

struct ks_allow_ops {
	/* n checked entries in one transaction: all or none. */
	int	(*put)(struct ks_store *ks, const struct ks_allow *v,
		    size_t n, struct ssmp_err *err);
	/* 0 deleted, 1 none. */
	int	(*del)(struct ks_store *ks, const char *rcpt,
		    const char *pattern, struct ssmp_err *err);
	/*
	 * The entry of rcpt for the first of pat[0..npat) that has one,
	 * all looked up in one snapshot; 1 if none has.
	 */
	int	(*lookup)(struct ks_store *ks, const char *rcpt,
		    const char *const *pat, size_t npat, struct ks_allow *out,
		    struct ssmp_err *err);
	int	(*iter)(struct ks_store *ks, const char *rcpt, ks_allow_cb cb,
		    void *arg, struct ssmp_err *err);
};

struct ks_keycache_ops {
	/* 0 found (expired or not), 1 none. */
	int	(*get)(struct ks_store *ks, const char *domain,
		    const char *selector, struct ks_keycache *out,
		    struct ssmp_err *err);
	int	(*put)(struct ks_store *ks, const struct ks_keycache *kc,
		    struct ssmp_err *err);
	/* domain NULL: all.  *count deleted. */
	int	(*flush)(struct ks_store *ks, const char *domain,
		    size_t *count, struct ssmp_err *err);
	int	(*iter)(struct ks_store *ks, ks_keycache_cb cb, void *arg,
		    struct ssmp_err *err);
	/* As ks_keycache_sweep(). */
	int	(*sweep)(struct ks_store *ks, int64_t now,
		    int64_t policy_keep, size_t *count, struct ssmp_err *err);
};

struct ks_replay_ops {
	/* 0 new (stored), 1 seen and live at now: check and store at once. */
	int	(*add)(struct ks_store *ks, const char *domain,
		    const char *nonce, int64_t expires, int64_t now,
		    struct ssmp_err *err);
	int	(*sweep)(struct ks_store *ks, int64_t now, size_t *count,
		    struct ssmp_err *err);
};

struct ks_delivered_ops {
	/* out->receipt malloc'd or NULL; 1 none. */
	int	(*get)(struct ks_store *ks, enum ks_role role,
		    const char *from, const char *msgid, const char *rcpt,
		    struct ks_delivered *out, struct ssmp_err *err);
	/* As ks_delivered_put_if() (store.h), records checked. */
	int	(*put_if)(struct ks_store *ks, const struct ks_delivered *d,
		    size_t n, ks_delivered_check check, void *arg,
		    struct ssmp_err *err);
	int	(*del)(struct ks_store *ks, enum ks_role role,
		    const char *from, const char *msgid, const char *rcpt,
		    struct ssmp_err *err);
	/* role 0: both.  d->receipt valid only during cb. */
	int	(*iter)(struct ks_store *ks, enum ks_role role,
		    const char *rcpt, int64_t since, ks_delivered_cb cb,
		    void *arg, struct ssmp_err *err);
	/* Delete role's records older than before, except DELIVERING. */
	int	(*sweep)(struct ks_store *ks, enum ks_role role,
		    int64_t before, size_t *count, struct ssmp_err *err);
};

struct ks_consent_ops {
	int	(*get)(struct ks_store *ks, const char *local,
		    const char *remote, struct ks_consent *out,
		    struct ssmp_err *err);
	int	(*put)(struct ks_store *ks, const struct ks_consent *c,
		    struct ssmp_err *err);
	int	(*del)(struct ks_store *ks, const char *local,
		    const char *remote, struct ssmp_err *err);
	int	(*iter)(struct ks_store *ks, const char *local,
		    ks_consent_cb cb, void *arg, struct ssmp_err *err);
	int	(*sweep)(struct ks_store *ks, int64_t now, size_t *count,
		    struct ssmp_err *err);
};

/*
 * The report stores.  tally: for each of v[0..n), in one transaction,
 * merge() turns the record of (day, reporter, domain) - its JSON, or
 * NULL if none - into the new one; a record that would be the day's
 * KS_TALLY_DOMAINS + 1st is not made (*dropped counts those attempts).
 */
typedef int (*ks_tally_merge)(const struct ks_tally *v, const char *json,
    size_t len, struct ssmp_buf *out, struct ssmp_err *err);
struct ks_report_ops {
	int	(*tally)(struct ks_store *ks, const struct ks_tally *v,
		    size_t n, ks_tally_merge merge, size_t *dropped,
		    struct ssmp_err *err);
	int	(*tally_iter)(struct ks_store *ks, int64_t from, int64_t to,
		    ks_tally_cb cb, void *arg, struct ssmp_err *err);
	int	(*tally_sent)(struct ks_store *ks, int64_t day,
		    const char *reporter, const char *domain, int64_t when,
		    struct ssmp_err *err);
	/* As ks_inbox_put(): 0, 1 there already, KS_FULL. */
	int	(*inbox_put)(struct ks_store *ks, const struct ks_inbox *in,
		    struct ssmp_err *err);
	int	(*inbox_iter)(struct ks_store *ks, const char *reporter,
		    int64_t since, ks_inbox_cb cb, void *arg,
		    struct ssmp_err *err);
	/* Tallies of days before day, reports received before received. */
	int	(*sweep)(struct ks_store *ks, int64_t day, int64_t received,
		    size_t *count, struct ssmp_err *err);
};

struct ks_backend {
	const char			*name;
	void				(*close)(struct ks_store *ks);
	int				(*stats)(struct ks_store *ks,
					    struct ks_stats *st,
					    struct ssmp_err *err);
	const struct ks_allow_ops	*allow;
	const struct ks_keycache_ops	*keycache;
	const struct ks_replay_ops	*replay;
	const struct ks_delivered_ops	*delivered;
	const struct ks_consent_ops	*consent;
	const struct ks_report_ops	*report;
};

/*
 * In every sweep, flush and prune, count may be NULL; otherwise it is
 * set to the number of entries deleted.
 */

/* Every backend's handle starts with this. */
struct ks_store {
	const struct ks_backend	*be;
};

/* canon.c: helpers of the store modules */
#define KS_NAME_OF(tab, v) \
	((unsigned)(v) > 0 && (unsigned)(v) < sizeof(tab) / sizeof(tab[0]) ? \
	    tab[v] : "?")
/* The index 1..n-1 of s (any case) in tab, or an error naming them. */
int ks_name_parse(const char *s, const char *const *tab, int n,
    const char *what, int *out, struct ssmp_err *err);
/* s lower-cased into out; -1 naming what if it does not fit. */
int ks_lower(const char *s, char *out, size_t outlen, const char *what,
    struct ssmp_err *err);

/* lmdb.c */
int ks_lmdb_open(const char *dir, size_t mapsize, int flags,
    struct ks_store **out, struct ssmp_err *err);
/* pg.c: the shared stores in PostgreSQL, the key cache in dir */
int ks_pg_open(const char *dir, const char *uri, size_t mapsize, int flags,
    struct ks_store **out, struct ssmp_err *err);

#endif
