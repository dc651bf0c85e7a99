/*
 * hostaddr.h - the address of a sender's HTTPS host (h= of its _ssmp
 * policy), looked up with ssmpd's own Nameservers rather than the
 * system resolver, so the key fetch over HTTPS asks the same DNS as the
 * rest of SSMP discovery; curl is then pinned to it (CURLOPT_RESOLVE).
 * Blocking and thread-safe: for worker threads.  No DNSSEC here: TLS
 * authenticates the host.  The lookup is the delivery client's
 * (dl_host_addr, deliver_int.h), so both directions resolve alike.
 */
#ifndef BRIDGE_HOSTADDR_H
#define BRIDGE_HOSTADDR_H

#include <stddef.h>

#include "keys.h"
#include "ssmp_config.h"
#include "ssmp_err.h"

struct hostaddr;

int hostaddr_new(const struct ssmp_config *cfg, struct hostaddr **out,
    struct ssmp_err *err);
void hostaddr_free(struct hostaddr *ha);

/*
 * First A (else AAAA) of host, as text; an IP literal is returned as
 * it is.  KEYS_DNS_NONE: no such host; KEYS_DNS_TEMP: ask later.
 */
enum keys_dns hostaddr_lookup(struct hostaddr *ha, const char *host,
    char *out, size_t outlen, struct ssmp_err *err);

#endif
