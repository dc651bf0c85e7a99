/*
 * keyfetch.h - a sender's public key: key cache first, then DNS (and the
 * HTTPS key endpoint) on the event loop, within a budget of lookups.
 *
 * Budget (ssmpd.8, RESOURCE BUDGET): at most KF_MAX_INFLIGHT key fetches
 * waiting for DNS in total and KF_MAX_PER_DOMAIN per sender domain;
 * beyond, the answer is KF_TEMP at once.  A temporary DNS failure is
 * remembered per sender domain for KF_TEMP_SECS (at most MaxCacheTTL):
 * meanwhile that domain's envelopes get KF_TEMP at once.  Nothing is
 * written to the key cache before a signature made with the key
 * verified (keyfetch_keep); negative answers stay in the resolver's
 * memory cache, which is bounded.
 */
#ifndef BRIDGE_KEYFETCH_H
#define BRIDGE_KEYFETCH_H

#include <stdbool.h>

#include "ssmp_config.h"
#include "ssmp_err.h"
#include "ssmp_limits.h"
#include "store.h"

#define KF_MAX_INFLIGHT		256
#define KF_MAX_PER_DOMAIN	8
#define KF_TEMP_SECS		30

struct ssmpd;
struct keyfetch;

enum kf_result { KF_OK, KF_NOKEY, KF_REVOKED, KF_TEMP };

/*
 * fresh: for KF_OK from DNS or HTTPS (not from the key cache), the
 * cache entry to keep once a signature made with pk verified; else NULL.
 */
typedef void (*kf_cb)(enum kf_result r, const unsigned char *pk,
    const char *why, const struct ks_keycache *fresh, void *arg);

/*
 * The resolver of cfg (DNSMode, Nameservers, DNSTimeout,
 * TrustAnchorFile, cache bounds), watched on d->base; cfg must outlive
 * it.
 */
int keyfetch_setup(struct ssmpd *d, const struct ssmp_config *cfg,
    struct ssmp_err *err);
/*
 * SIGHUP: a fresh resolver (empty cache, trust anchors read again).
 * Lookups in flight end as temporary failures.
 */
int keyfetch_restart(struct ssmpd *d, struct ssmp_err *err);
/* Fetches in flight are dropped without their callbacks. */
void keyfetch_free(struct ssmpd *d);

/* cb runs exactly once, possibly before keyfetch_start returns. */
void keyfetch_start(struct ssmpd *d, const char *reqid, const char *domain,
    const char *selector, kf_cb cb, void *arg);

/* Worker (a synced write): keep a key whose signature verified. */
void keyfetch_keep(struct ssmpd *d, const char *reqid,
    const struct ks_keycache *kc);

/* Key fetches waiting for DNS now (for tests and /metrics). */
int keyfetch_inflight(const struct ssmpd *d);

#endif
