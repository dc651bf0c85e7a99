/*
 * keyfetch.h - a sender's public key: key cache first, then DNS in a
 * worker thread; the answer comes back on the event loop.
 */
#ifndef BRIDGE_KEYFETCH_H
#define BRIDGE_KEYFETCH_H

#include "ssmp_limits.h"

struct ssmpd;

enum kf_result { KF_OK, KF_NOKEY, KF_REVOKED, KF_TEMP };

typedef void (*kf_cb)(enum kf_result r, const unsigned char *pk,
    const char *why, void *arg);

/* cb runs exactly once, possibly before keyfetch_start returns. */
void keyfetch_start(struct ssmpd *d, const char *reqid, const char *domain,
    const char *selector, kf_cb cb, void *arg);

#endif
