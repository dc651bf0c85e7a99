/*
 * consent_recv.h - the consent endpoint of ssmpd (POST .../allow, ssmp.7
 * CONSENT HANDSHAKE) and the consent API on the admin listener
 * (admin_consent.c), with the state they share.
 */
#ifndef BRIDGE_CONSENT_RECV_H
#define BRIDGE_CONSENT_RECV_H

#include <stdbool.h>
#include <stddef.h>

#include "http.h"
#include "ssmp_config.h"
#include "ssmp_err.h"

struct ssmpd;
struct ratelimit;
struct workq;
struct ac;

#define CONSENT_SECRET_HASH	32

struct consent {
	struct ratelimit	*rl_domain;	/* requests per remote domain
						   per hour (see consent_recv.c) */
	struct workq		*q;		/* store writes, outbound HTTPS */
	struct ac		*ac;		/* outbound requests; thread-safe */
	long			 pending_max;	/* per local recipient */
	long			 pending_domain;	/* of those, per
						   requesting domain */
	char			**lists;	/* ListAddresses, canonical */
	size_t			 nlists;
	bool			 have_secret;	/* AdminSecretFile read */
	unsigned char		 secret[CONSENT_SECRET_HASH];	/* its hash */
};

/*
 * Read AdminSecretFile (before privileges are dropped: the file is
 * root's) and make d->consent.  -1 with err naming the culprit.
 */
int consent_setup(struct ssmpd *d, const struct ssmp_config *cfg,
    struct ssmp_err *err);
void consent_free(struct consent *cs);

/* The consent worker pool (blocking store writes and HTTPS). */
struct workq *consent_queue(struct ssmpd *d);

/* The secret's fixed-length hash, compared in constant time. */
void consent_secret_hash(const char *s, size_t len,
    unsigned char out[CONSENT_SECRET_HASH]);

extern const struct route route_allow;		/* SSMP listener */
extern const struct route route_consent;	/* admin listener */

#endif
