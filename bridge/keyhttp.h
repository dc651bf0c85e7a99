/*
 * keyhttp.h - fetch a sender's key record from its HTTPS key endpoint
 * (ssmp.7 KEY-1: GET https://<h>/.well-known/ssmp/v1/key/<domain>/<sel>)
 * with libcurl's multi interface driven by ssmpd's event loop: many
 * fetches at once, none blocking the loop, no thread per fetch.
 */
#ifndef BRIDGE_KEYHTTP_H
#define BRIDGE_KEYHTTP_H

#include "keys.h"
#include "ssmp_config.h"
#include "ssmp_err.h"
#include "ssmp_txt.h"

struct event_base;
struct keyhttp;

/*
 * Callback on the loop: KEYS_DNS_OK with *rec (maybe revoked) and the
 * answer's max-age in seconds (-1 = none given); KEYS_DNS_NONE for 404
 * or an invalid record; KEYS_DNS_TEMP for any other failure.  why says
 * what happened (not for OK).
 */
typedef void (*keyhttp_cb)(enum keys_dns r, const struct ssmp_keyrec *rec,
    long maxage, const char *why, void *arg);

/* CAFile (NULL = system store) and HTTPTimeout come from cfg. */
int keyhttp_new(struct event_base *base, const struct ssmp_config *cfg,
    struct keyhttp **out, struct ssmp_err *err);
/* Fetches still running are abandoned without their callbacks. */
void keyhttp_free(struct keyhttp *kh);

/*
 * GET key/<domain>/<selector> from hostname:port (domain: the one whose
 * key we mean, canonical), connecting to addr (text IP) but checking
 * the certificate for hostname.  cb runs once, later.
 */
void keyhttp_fetch(struct keyhttp *kh, const char *hostname, unsigned port,
    const char *addr, const char *domain, const char *selector,
    keyhttp_cb cb, void *arg);

#endif
