/*
 * netguard.h - where SSMP's HTTPS clients may connect (SSRF guard).
 *
 * The h= host of a policy record is chosen by whoever publishes it; a
 * name that resolves to loopback, a private network, link-local (cloud
 * metadata at 169.254.169.254) and the like would turn ssmp-milter,
 * ssmp-send and ssmpd's key fetch into a proxy into our own network.
 * Every address curl is about to connect to passes ssmp_ip_refused()
 * (whatever resolved it: our resolver's pin, the system resolver, a
 * second address of the same name); AllowPrivateHosts lists the
 * exceptions.  Redirects are never followed and no proxy is used.
 *
 * The error a remote party or a user can see is one text for every
 * transport failure, a refused address, a closed port, TLS or a time
 * out alike (NETGUARD_ERROR): told apart, they would make a port
 * scanner.  The detail goes to the log only.
 */
#ifndef SSMP_NETGUARD_H
#define SSMP_NETGUARD_H

#include <curl/curl.h>

#include "ssmp_confparse.h"
#include "ssmp_err.h"

#define NETGUARD_ERROR	"cannot connect over HTTPS"

struct netguard;

/* From AllowPrivateHosts (CIDR strings, checked by the config parser). */
int netguard_new(const struct ssmp_strlist *allow, struct netguard **out,
    struct ssmp_err *err);
void netguard_free(struct netguard *g);

/* One transfer's use: what was refused, for the log ("" if nothing). */
struct netguard_use {
	const struct netguard	*g;
	char			 refused[128];
};

/* Set on h: the address check (u lives as long as the transfer), no
 * redirects, no proxy. */
void netguard_curl(CURL *h, const struct netguard *g, struct netguard_use *u);

/*
 * The CURLOPT_RESOLVE entry that pins host:port to addrs, our resolver's
 * comma-separated answer (IPv6 addresses are bracketed); curl tries them
 * in turn, each one checked as above.  Addresses that would not fit
 * whole in NETGUARD_PIN_MAX are left out.
 */
#define NETGUARD_PIN_MAX	1024
void netguard_pin(char *out, size_t outlen, const char *host,
    unsigned port, const char *addrs);

/*
 * Log a failed transfer to host (curl's detail, or the refused address)
 * at LOG_INFO, under id (may be NULL).
 */
void netguard_log(const char *id, const char *host,
    const struct netguard_use *u, const char *detail);

#endif
