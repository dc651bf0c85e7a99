/*
 * allowlist.h - the allow-list store: what each local recipient says
 * about a sender (an address or *@domain): trusted, known or blocked.
 * Read on every envelope (ks_allow_lookup), written by ssmpctl, the
 * consent handshake and the milter's AutoAllow.  See store.h for the
 * return convention.
 */
#ifndef KS_ALLOWLIST_H
#define KS_ALLOWLIST_H

#include <stddef.h>
#include <stdint.h>

#include "ssmp_err.h"
#include "ssmp_limits.h"

struct ks_store;

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

#endif
