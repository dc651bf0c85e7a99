/*
 * netguard.c - the SSRF guard of the HTTPS clients (netguard.h).
 */
#include "config.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "netguard.h"
#include "ssmp_buf.h"
#include "ssmp_ipclass.h"
#include "ssmp_log.h"

struct netguard {
	size_t			 n;
	struct ssmp_cidr	*allow;
};

int
netguard_new(const struct ssmp_strlist *allow, struct netguard **out,
    struct ssmp_err *err)
{
	struct netguard *g = ssmp_xcalloc(1, sizeof(*g));

	g->allow = ssmp_xcalloc(allow->n + 1, sizeof(*g->allow));
	for (size_t i = 0; i < allow->n; i++, g->n++)
		if (ssmp_cidr_parse(allow->v[i], &g->allow[i], err) != 0) {
			netguard_free(g);
			return ssmp_err_prefix(err, "AllowPrivateHosts: ");
		}
	*out = g;
	return 0;
}

void
netguard_free(struct netguard *g)
{
	if (g == NULL)
		return;
	free(g->allow);
	free(g);
}

static void
addr_text(const struct sockaddr *sa, char *out, size_t len)
{
	const void *a = sa->sa_family == AF_INET6 ?
	    (const void *)&((const struct sockaddr_in6 *)sa)->sin6_addr :
	    (const void *)&((const struct sockaddr_in *)sa)->sin_addr;

	if (inet_ntop(sa->sa_family, a, out, (socklen_t)len) == NULL)
		(void)snprintf(out, len, "?");
}

void
netguard_pin(char *out, size_t outlen, const char *host, unsigned port,
    const char *addrs)
{
	const char *a, *end;
	size_t len, n;
	int w;

	w = snprintf(out, outlen, "%s:%u:", host, port);
	if (w < 0 || (size_t)w >= outlen) {
		*out = '\0';
		return;
	}
	len = (size_t)w;
	for (a = addrs; *a != '\0'; a = *end ? end + 1 : end) {
		end = a + strcspn(a, ",");
		n = (size_t)(end - a);
		w = snprintf(out + len, outlen - len, memchr(a, ':', n) ?
		    "%s[%.*s]" : "%s%.*s", out[len - 1] == ':' ? "" : ",",
		    (int)n, a);
		if (w < 0 || (size_t)w >= outlen - len) {
			out[len] = '\0';	/* this one does not fit */
			break;
		}
		len += (size_t)w;
	}
}

/* CURLOPT_OPENSOCKETFUNCTION: every connection curl makes starts here. */
static curl_socket_t
open_checked(void *arg, curlsocktype purpose, struct curl_sockaddr *a)
{
	struct netguard_use	*u = arg;
	const char		*why;
	char			 ip[INET6_ADDRSTRLEN];

	(void)purpose;
	why = ssmp_ip_refused(&a->addr, u->g->allow, u->g->n);
	if (why != NULL) {
		addr_text(&a->addr, ip, sizeof(ip));
		(void)snprintf(u->refused, sizeof(u->refused),
		    "address %s refused: %s (AllowPrivateHosts)", ip, why);
		return CURL_SOCKET_BAD;
	}
	return socket(a->family, a->socktype, a->protocol);
}

void
netguard_curl(CURL *h, const struct netguard *g, struct netguard_use *u)
{
	u->g = g;
	u->refused[0] = '\0';
	curl_easy_setopt(h, CURLOPT_OPENSOCKETFUNCTION, open_checked);
	curl_easy_setopt(h, CURLOPT_OPENSOCKETDATA, u);
	curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L);
	curl_easy_setopt(h, CURLOPT_PROXY, "");	/* not http(s)_proxy */
}

void
netguard_log(const char *id, const char *host, const struct netguard_use *u,
    const char *detail)
{
	ssmp_log(LOG_INFO, id, "%s: " NETGUARD_ERROR ": %s", host,
	    u->refused[0] != '\0' ? u->refused : detail);
}
