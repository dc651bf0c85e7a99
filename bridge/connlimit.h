/*
 * connlimit.h - open connections per client (loop thread only).
 *
 * MaxConnections bounds ssmpd as a whole; without a bound per client one
 * address (or one IPv6 /64, which any host gets) could hold every slot
 * and lock all other senders out, as Postfix's anvil prevents for smtpd.
 * A client is an IPv4 address (also inside an IPv4-mapped or NAT64
 * 64:ff9b::/96 address) or an IPv6 /64; the /64s of one /48 site
 * together hold at most 8 times the limit.  Clients in the exception
 * list are not counted (a proxy or balancer on loopback).
 */
#ifndef BRIDGE_CONNLIMIT_H
#define BRIDGE_CONNLIMIT_H

#include <stddef.h>

#include "ssmp_confparse.h"

struct connlimit;
struct connlimit_slot;

struct connlimit *connlimit_new(void);
void connlimit_free(struct connlimit *cl);

/*
 * A connection from sa (struct sockaddr *) opens.  0: counted, *slot to
 * give back with connlimit_release (NULL when sa is not counted); -1:
 * the client already holds max connections (max 0: no limit).
 */
int connlimit_take(struct connlimit *cl, const void *sa, long max,
    const struct ssmp_cidr *except, size_t nexcept,
    struct connlimit_slot **slot);
void connlimit_release(struct connlimit *cl, struct connlimit_slot *slot);

/* Clients holding a connection now (for /metrics and tests). */
size_t connlimit_clients(const struct connlimit *cl);

#endif
