/*
 * store.h - the keystore's LMDB stores: allow-list, remote-key cache,
 * replay cache, delivered-log and pending consent requests.
 *
 * One LMDB environment (the directory named by Database in ssmp.conf)
 * holds five named sub-databases.  Every lookup runs in a fresh
 * read-only snapshot, so readers never block writers and never see a
 * half-done write; every change is atomic: it commits whole or not at
 * all, and is on disk when the call returns.  Changes made by several
 * threads at once are committed together (group commit, see store.c),
 * so a thread's write costs less the busier the process is.  The environment is opened with MDB_NOTLS: one
 * struct ks_store may be shared by all threads of a process, and several
 * processes (ssmpd, ssmp-milter, ssmpctl) may use the directory at once.
 *
 * Return convention of every function returning int:
 *	 0		done / found
 *	 1		not found (only where the comment says so)
 *	-1		permanent error (bad input, permission, corruption)
 *	KS_ETEMP	temporary error: map full, reader table full, EAGAIN.
 *			Nothing was written; retry later or raise MapSize.
 * On -1 and KS_ETEMP err holds one line naming the culprit.
 *
 * Addresses are stored in canonical form (ASCII lower case).  Writers
 * (put, import) check their input with libssmp's parsers; the hot read
 * paths (ks_allow_lookup, ks_replay_add) only lower-case, so callers pass
 * addresses they have already checked with ssmp_addr_parse().
 *
 * The byte layouts of keys and values are documented in ssmpctl(8),
 * STORAGE; every value starts with a one-byte record version.
 */
#ifndef KS_STORE_H
#define KS_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ssmp_err.h"
#include "ssmp_limits.h"

#define KS_ETEMP	(-2)

struct ks_store;

/* ks_open flags */
#define KS_RDONLY	0x01	/* never write; missing sub-dbs read as empty */

/*
 * Open (creating if needed, unless KS_RDONLY) the environment in dir.
 * mapsize is MapSize in bytes (0 = 1 GiB), the most the data file may
 * grow to; every program sharing dir must use the same value (they
 * share ssmp.conf).  Stale reader slots of dead processes are cleared.
 * Without KS_RDONLY a missing dir (not its parents) is created 0700.
 */
int ks_open(const char *dir, size_t mapsize, int flags, struct ks_store **out,
    struct ssmp_err *err);
void ks_close(struct ks_store *ks);

/* --- allow-list -------------------------------------------------------- */

enum ks_tier { KS_TIER_TRUSTED = 1, KS_TIER_KNOWN = 2, KS_TIER_BLOCKED = 3 };
enum ks_origin {
	KS_ORIGIN_LOCAL = 1,		/* postmaster or user via ssmpctl */
	KS_ORIGIN_HANDSHAKE = 2,	/* consent handshake (ssmp.7, ALLOW) */
	KS_ORIGIN_AUTO = 3		/* milter: a local user wrote to them */
};

const char *ks_tier_name(enum ks_tier t);	/* "trusted" ... */
int ks_tier_parse(const char *s, enum ks_tier *out, struct ssmp_err *err);
const char *ks_origin_name(enum ks_origin o);	/* "local" ... */
int ks_origin_parse(const char *s, enum ks_origin *out, struct ssmp_err *err);

struct ks_allow {
	char		rcpt[SSMP_ADDR_MAX + 1];	/* canonical */
	char		pattern[SSMP_ADDR_MAX + 1];	/* address or *@domain */
	enum ks_tier	tier;
	enum ks_origin	origin;
	int64_t		added;				/* seconds since epoch */
};

/* Add or replace the entry (rcpt, pattern); added = now. */
int ks_allow_put(struct ks_store *ks, const char *rcpt, const char *pattern,
    enum ks_tier tier, enum ks_origin origin, struct ssmp_err *err);
/* 0 deleted, 1 no such entry. */
int ks_allow_del(struct ks_store *ks, const char *rcpt, const char *pattern,
    struct ssmp_err *err);
/*
 * What does rcpt's allow-list say about sender?  The exact address first,
 * then *@domain.  0 with *tier (and *origin if not NULL) set; 1 = no
 * entry (the recipient domain's UnknownSender policy applies).
 */
int ks_allow_lookup(struct ks_store *ks, const char *rcpt, const char *sender,
    enum ks_tier *tier, enum ks_origin *origin, struct ssmp_err *err);
/*
 * Call cb for every entry of rcpt (NULL = all recipients) in key order,
 * inside one read snapshot.  cb returns 0 to go on, non-zero to stop
 * (ks_allow_iter then returns that value).  cb must not write the store.
 */
typedef int (*ks_allow_cb)(const struct ks_allow *a, void *arg);
int ks_allow_iter(struct ks_store *ks, const char *rcpt, ks_allow_cb cb,
    void *arg, struct ssmp_err *err);
/*
 * Store n entries in ONE write transaction: all or nothing.  Entries are
 * checked first; the error of a bad one names its index ("entry 3: ...")
 * so callers can map it to a line number.  added = now where 0.
 */
int ks_allow_import(struct ks_store *ks, const struct ks_allow *v, size_t n,
    struct ssmp_err *err);

/* --- remote-key cache ---------------------------------------------------- */

enum ks_source { KS_SRC_DNS = 1, KS_SRC_HTTPS = 2 };
const char *ks_source_name(enum ks_source s);

#define KS_POLICY_TEXT_MAX	512

/*
 * One cached answer.  selector "" is the domain's _ssmp policy record
 * (text holds the record as published); otherwise the key record of
 * selector (pk holds the key unless negative or revoked).  negative =
 * "no SSMP / no such key" cached by the SOA minimum.  dnssec: fetched by
 * a validating resolver (TrustAnchorFile set); a validating reader takes
 * an entry without it for a miss, so nothing fetched before an anchor
 * was configured passes for validated.
 */
struct ks_keycache {
	char		domain[SSMP_DOMAIN_MAX + 1];
	char		selector[SSMP_SELECTOR_MAX + 1];
	bool		negative;
	bool		revoked;
	bool		dnssec;
	unsigned char	pk[SSMP_PUBKEY_BYTES];
	char		text[KS_POLICY_TEXT_MAX + 1];
	int64_t		fetched;
	int64_t		expires;
	enum ks_source	source;
};

/* 0 found and expires > now; 1 miss or expired. */
int ks_keycache_get(struct ks_store *ks, const char *domain,
    const char *selector, int64_t now, struct ks_keycache *out,
    struct ssmp_err *err);
int ks_keycache_put(struct ks_store *ks, const struct ks_keycache *kc,
    struct ssmp_err *err);
/* Delete every entry of domain (NULL = all); *count (may be NULL) = deleted. */
int ks_keycache_flush(struct ks_store *ks, const char *domain, size_t *count,
    struct ssmp_err *err);
typedef int (*ks_keycache_cb)(const struct ks_keycache *kc, void *arg);
int ks_keycache_iter(struct ks_store *ks, ks_keycache_cb cb, void *arg,
    struct ssmp_err *err);

/* --- replay cache ---------------------------------------------------------- */

/*
 * Record nonce from sender domain until expires (time + Window).
 * 0 = new (stored now), 1 = replay (seen and not yet expired at now).
 * An expired entry is overwritten (0).  Check and store are one write
 * transaction, so two processes racing with one nonce get 0 and 1.
 */
int ks_replay_add(struct ks_store *ks, const char *domain, const char *nonce,
    int64_t expires, int64_t now, struct ssmp_err *err);
/* Delete entries with expires <= now; *count (may be NULL) = deleted. */
int ks_replay_sweep(struct ks_store *ks, int64_t now, size_t *count,
    struct ssmp_err *err);

/* --- delivered-log (idempotency, chain of custody) ------------------------- */

enum ks_outcome {
	KS_OUT_DELIVERED = 1,	/* the local MTA / remote receiver accepted */
	KS_OUT_REJECTED = 2,
	KS_OUT_TEMPFAIL = 3
};
const char *ks_outcome_name(enum ks_outcome o);

#define KS_INFO_MAX	512

struct ks_delivered {
	char		from[SSMP_ADDR_MAX + 1];	/* canonical */
	char		msgid[SSMP_MSGID_MAX + 1];	/* as sent */
	char		rcpt[SSMP_ADDR_MAX + 1];	/* canonical */
	enum ks_outcome	outcome;
	int64_t		time;
	char		info[KS_INFO_MAX + 1];	/* queue id or reason */
	char		*receipt;	/* receipt JSON or NULL; see below */
};

/*
 * 0 found, 1 not found.  out->receipt is malloc'd (or NULL): release it
 * with ks_delivered_clear().
 */
int ks_delivered_get(struct ks_store *ks, const char *from, const char *msgid,
    const char *rcpt, struct ks_delivered *out, struct ssmp_err *err);
/* Add or replace; d->receipt may be NULL. */
int ks_delivered_put(struct ks_store *ks, const struct ks_delivered *d,
    struct ssmp_err *err);
/*
 * Add or replace n records in ONE write transaction: all or nothing.
 * All are checked first; with n > 1 an error names the record
 * ("record 2: ...").  One message's recipients cost one commit.
 */
int ks_delivered_put_many(struct ks_store *ks, const struct ks_delivered *d,
    size_t n, struct ssmp_err *err);
/*
 * Compare-and-set for the delivered-log.  Inside the write transaction
 * check sees, for each record d[i], what is stored for its key now
 * (NULL if nothing) and answers KS_PUT (write d[i]), KS_SKIP (leave the
 * stored record) or KS_ABORT (write none of the n: returns 1).
 */
#define KS_PUT		0
#define KS_SKIP		2
#define KS_ABORT	3
typedef int (*ks_delivered_check)(const struct ks_delivered *now,
    const struct ks_delivered *d, void *arg);
int ks_delivered_put_if(struct ks_store *ks, const struct ks_delivered *d,
    size_t n, ks_delivered_check check, void *arg, struct ssmp_err *err);
/* 0 deleted, 1 no such record. */
int ks_delivered_del(struct ks_store *ks, const char *from, const char *msgid,
    const char *rcpt, struct ssmp_err *err);
void ks_delivered_clear(struct ks_delivered *d);
/*
 * Entries for rcpt (NULL = any) with time >= since, in no particular
 * order.  d->receipt is valid only during the call.
 */
typedef int (*ks_delivered_cb)(const struct ks_delivered *d, void *arg);
int ks_delivered_iter(struct ks_store *ks, const char *rcpt, int64_t since,
    ks_delivered_cb cb, void *arg, struct ssmp_err *err);

/* --- pending consent requests (ssmp.7, ALLOW) ------------------------------ */

#define KS_WORD_MAX	15

struct ks_pending {
	char	local[SSMP_ADDR_MAX + 1];	/* our user, canonical */
	char	remote[SSMP_ADDR_MAX + 1];	/* the other side, canonical */
	char	type[KS_WORD_MAX + 1];		/* share | signup | ... */
	char	state[KS_WORD_MAX + 1];		/* pending | sent | ... */
	int64_t	created;
	int64_t	expires;
};

/* type and state: 1..15 of [a-z_]; their meaning is the handshake's. */
int ks_pending_get(struct ks_store *ks, const char *local, const char *remote,
    struct ks_pending *out, struct ssmp_err *err);	/* 1 = none */
int ks_pending_put(struct ks_store *ks, const struct ks_pending *p,
    struct ssmp_err *err);
int ks_pending_del(struct ks_store *ks, const char *local, const char *remote,
    struct ssmp_err *err);				/* 1 = none */
/* Entries of local (NULL = all). */
typedef int (*ks_pending_cb)(const struct ks_pending *p, void *arg);
int ks_pending_iter(struct ks_store *ks, const char *local, ks_pending_cb cb,
    void *arg, struct ssmp_err *err);

/* --- statistics ------------------------------------------------------------ */

enum ks_db { KS_DB_ALLOW, KS_DB_KEYCACHE, KS_DB_REPLAY, KS_DB_DELIVERED,
    KS_DB_PENDING, KS_NDB };
const char *ks_db_name(enum ks_db db);	/* "allow", "keycache", ... */

struct ks_stats {
	size_t	entries[KS_NDB];
	size_t	mapsize;	/* bytes */
	size_t	pagesize;
	size_t	pages_used;	/* last used page + 1 */
	size_t	pages_max;	/* mapsize / pagesize */
	unsigned readers_used, readers_max;
	/* this handle's writes since ks_open: changes, and the write
	 * transactions that committed them (fewer under group commit) */
	uint64_t writes, commits;
};
int ks_stats(struct ks_store *ks, struct ks_stats *st, struct ssmp_err *err);

/* For the benchmark only: the MDB_env * and the dbi of one sub-db. */
void *ks_raw_env(struct ks_store *ks, enum ks_db db, unsigned *dbi);

#endif
