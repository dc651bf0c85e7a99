/*
 * keys.h - what ssmpd needs to know about its own domains and about
 * senders' keys, as a narrow layer over the keystore: the key table
 * (keystore/keytable.h) for our keys.
 *
 * Our keys: d->keys is the public half of the current key table, as
 * the key process (keyproc.h) reports it; that process alone holds the
 * private keys and signs receipts and allow requests.  The table is
 * read and swapped (SIGHUP) on the loop thread only; work that uses it
 * from a worker holds its own reference, taken on the loop.
 */
#ifndef BRIDGE_KEYS_H
#define BRIDGE_KEYS_H

#include <stdbool.h>
#include <stddef.h>

#include "keytable.h"
#include "ssmp_allow.h"
#include "ssmp_config.h"
#include "ssmp_crypto.h"
#include "ssmp_err.h"
#include "ssmp_limits.h"
#include "ssmp_txt.h"

/* cops_sign_fn (consent_ops.h) for ssmpd: arg is the struct keyproc. */
int keys_sign_allow(void *arg, enum ssmp_allow_type type, const char *from,
    const char *to, struct ssmp_allow *out, struct ssmp_err *err);

/* Is domain (canonical) one of ours (a domain of the key table)? */
bool keys_serves(const struct ks_keytable *k, const char *domain);

/*
 * The key record text of domain's selector (both canonical) for the key
 * endpoint, key/<domain>/<selector> (ssmp.7 KEY-1): that domain's key
 * only, however many domains share the selector name.  0 found, 1
 * unknown.
 */
int keys_record(const struct ks_keytable *k, const char *domain,
    const char *selector, char *out, size_t outlen);

/* Remote key lookup outcome (DNS, the HTTPS key endpoint). */
enum keys_dns { KEYS_DNS_OK, KEYS_DNS_NONE, KEYS_DNS_TEMP };


#endif
