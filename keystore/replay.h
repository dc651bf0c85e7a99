/*
 * replay.h - the replay cache store: the nonces seen per sender domain,
 * each until the request's time plus Window (ssmp.7, REPLAY PROTECTION).
 * See store.h for the return convention.
 */
#ifndef KS_REPLAY_H
#define KS_REPLAY_H

#include <stddef.h>
#include <stdint.h>

#include "ssmp_err.h"

struct ks_store;

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

#endif
