/*
 * envelope_check.h - the receiver's checks of an envelope, in the order
 * of ssmp.7 (ENVELOPE PHASE):
 *   (1) syntax and version  (2) time window, before any lookup
 *   (3) recipient domain served here  (rate limit of the sender domain)
 *   (4) concurrently: every recipient's allow-list lookup and the
 *       sender key fetch  (5) signature  (6) replay  (7) per-recipient
 *       policy, then the local MTA is asked about each recipient still
 *       accepted (RCPT probe: unknown users get the MTA's 5.1.1).
 * Used by the envelope endpoint and the one-shot form.
 */
#ifndef BRIDGE_ENVELOPE_CHECK_H
#define BRIDGE_ENVELOPE_CHECK_H

#include <stdbool.h>

#include "pending.h"
#include "ssmp_envelope.h"
#include "ssmp_status.h"

#include "store.h"

struct ssmpd;
struct echeck;

typedef void (*echeck_cb)(struct echeck *ec, void *arg);

struct echeck {
	struct ssmpd		*d;
	char			 reqid[24];
	char			 peer[64];
	struct ssmp_envelope	 env;
	/* outcome */
	struct ssmp_response	 resp;
	char			 extra[64];	/* Retry-After header */
	struct pending		*accepted;	/* in d->pending, or NULL */
	/* internal */
	echeck_cb		 cb;
	void			*arg;
	int			 waiting;
	int			 key_rc;
	unsigned char		 pk[SSMP_PUBKEY_BYTES];
	char			 key_why[256];
	bool			 key_fresh;	/* keep once verified */
	struct ks_keycache	 key_kc;
	int			 allow_rc[SSMP_MAX_RCPT];
	int			 tier[SSMP_MAX_RCPT];
	char			 allow_err[256];
	bool			 sig_bad;
	int			 replay_rc;
	char			 verify_err[256];
};

struct echeck *echeck_new(struct ssmpd *d, const char *reqid,
    const char *peer, echeck_cb cb, void *arg);
/* Run the checks on the envelope JSON; cb runs once with ec->resp set. */
void echeck_run(struct echeck *ec, const char *json, size_t len);
void echeck_free(struct echeck *ec);

#endif
