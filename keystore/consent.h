/*
 * consent.h - the consent store: consent requests waiting for the other
 * side of the handshake (ssmp.7, ALLOW), one per (local user, remote
 * address), each until it expires.  (Not the allow-list, which holds
 * what was agreed: allowlist.h.)  See store.h for the return
 * convention.
 */
#ifndef KS_CONSENT_H
#define KS_CONSENT_H

#include <stddef.h>
#include <stdint.h>

#include "ssmp_err.h"
#include "ssmp_limits.h"

struct ks_store;

#define KS_WORD_MAX	15

struct ks_consent {
	char	local[SSMP_ADDR_MAX + 1];	/* our user, canonical */
	char	remote[SSMP_ADDR_MAX + 1];	/* the other side, canonical */
	char	type[KS_WORD_MAX + 1];		/* share | signup | ... */
	char	state[KS_WORD_MAX + 1];		/* pending | sent | ... */
	int64_t	created;
	int64_t	expires;
};

/* type and state: 1..15 of [a-z_]; their meaning is the handshake's. */
int ks_consent_get(struct ks_store *ks, const char *local, const char *remote,
    struct ks_consent *out, struct ssmp_err *err);	/* 1 = none */
int ks_consent_put(struct ks_store *ks, const struct ks_consent *c,
    struct ssmp_err *err);
int ks_consent_del(struct ks_store *ks, const char *local, const char *remote,
    struct ssmp_err *err);				/* 1 = none */
/* Entries of local (NULL = all). */
typedef int (*ks_consent_cb)(const struct ks_consent *c, void *arg);
int ks_consent_iter(struct ks_store *ks, const char *local, ks_consent_cb cb,
    void *arg, struct ssmp_err *err);
/*
 * Delete records whose expiry (0: none) is <= now; *count (may be NULL)
 * = deleted.
 */
int ks_consent_sweep(struct ks_store *ks, int64_t now, size_t *count,
    struct ssmp_err *err);

#endif
