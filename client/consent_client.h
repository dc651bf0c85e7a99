/*
 * consent_client.h - the sending side of the consent handshake (ssmp.7,
 * CONSENT HANDSHAKE): one signed allow request to the ssmpd of the
 * recipient's domain, found by discovery, over libdeliver's HTTPS client.
 *
 * Blocking (DNS and HTTPS): ssmpctl calls it directly, ssmpd from a
 * worker thread.  One struct ac may serve several threads at once.
 */
#ifndef SSMP_CONSENT_CLIENT_H
#define SSMP_CONSENT_CLIENT_H

#include "ssmp_allow.h"
#include "ssmp_config.h"
#include "ssmp_crypto.h"
#include "ssmp_err.h"

struct ks_store;
struct ac;

#define AC_ETEMP	(-2)	/* temporary: try again later */

/* ks (the key cache) may be NULL.  Uses Nameservers, CAFile, HTTPTimeout. */
int ac_new(const struct ssmp_config *cfg, struct ks_store *ks, struct ac **out,
    struct ssmp_err *err);
void ac_free(struct ac *a);

/*
 * Send a signed request (built with ssmp_allow_build, or by a key
 * process) to the domain of its to.  0: the receiver answered, its status (any
 * verdict) in *ans.  -1: permanent, nothing sent (bad address, the domain
 * does not speak SSMP).  AC_ETEMP: DNS or transport failure, or an
 * answer that is not SSMP.  err names the culprit on -1 and AC_ETEMP.
 */
int ac_send(struct ac *a, const struct ssmp_allow *al,
    struct ssmp_allow_answer *ans, struct ssmp_err *err);

#endif
