/*
 * ssmp_ipclass.h - is an address one SSMP must not connect to?
 *
 * A recipient's (or a sender's) domain names its HTTPS host in h=, and
 * anyone can publish a record: a host that resolves to loopback or a
 * private network would make the gateway a proxy into its own network
 * (SSRF).  Both HTTPS clients (the delivery client, ssmpd's key fetch)
 * check every address they are about to connect to; AllowPrivateHosts
 * (ssmp.conf.5) lists the exceptions (the test world: 127.0.0.0/8).
 */
#ifndef SSMP_IPCLASS_H
#define SSMP_IPCLASS_H

#include <stddef.h>

#include "ssmp_confparse.h"

/*
 * The special-purpose class of sa (struct sockaddr *, AF_INET or
 * AF_INET6; IPv4-mapped, -compatible, NAT64 and 6to4 addresses are
 * judged by the IPv4 address they carry): "loopback", "private",
 * "shared (100.64/10)", "link-local", "unique local", "unspecified",
 * "multicast", "reserved" ...; NULL for an ordinary global unicast
 * address.  Any other family is "not IP".
 */
const char *ssmp_ip_special(const void *sa);

/*
 * NULL if a connection to sa is fine: not special, or inside one of the
 * n allow entries.  Otherwise the class, for the log.
 */
const char *ssmp_ip_refused(const void *sa, const struct ssmp_cidr *allow,
    size_t n);

#endif
