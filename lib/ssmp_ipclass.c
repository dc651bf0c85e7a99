/*
 * ssmp_ipclass.c - special-purpose address ranges (ssmp_ipclass.h):
 * the IANA IPv4 and IPv6 Special-Purpose Address Registries (RFC 6890
 * and updates) less the ranges that are globally reachable unicast.
 */
#include "config.h"

#include <string.h>
#include <sys/socket.h>
#include <netinet/in.h>

#include "ssmp_ipclass.h"

struct range {
	unsigned char	addr[16];
	unsigned	prefix;
	const char	*what;
};

static const struct range v4[] = {
	{ { 0 }, 8, "unspecified (0/8)" },
	{ { 10 }, 8, "private" },
	{ { 100, 64 }, 10, "shared (100.64/10)" },
	{ { 127 }, 8, "loopback" },
	{ { 169, 254 }, 16, "link-local" },
	{ { 172, 16 }, 12, "private" },
	{ { 192, 0, 0 }, 24, "reserved (IETF)" },
	{ { 192, 0, 2 }, 24, "documentation" },
	{ { 192, 88, 99 }, 24, "reserved (6to4 relay)" },
	{ { 192, 168 }, 16, "private" },
	{ { 198, 18 }, 15, "benchmarking" },
	{ { 198, 51, 100 }, 24, "documentation" },
	{ { 203, 0, 113 }, 24, "documentation" },
	{ { 224 }, 4, "multicast" },
	{ { 240 }, 4, "reserved" },	/* and 255.255.255.255 */
};

static const struct range v6[] = {
	{ { 0 }, 128, "unspecified" },
	{ { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1 }, 128,
	    "loopback" },
	{ { 0x01 }, 64, "discard (100::/64)" },
	{ { 0x20, 0x01, 0x0d, 0xb8 }, 32, "documentation" },
	{ { 0x20, 0x01 }, 23, "reserved (IETF)" },
	{ { 0xfc }, 7, "unique local" },
	{ { 0xfe, 0x80 }, 10, "link-local" },
	{ { 0xfe, 0xc0 }, 10, "site-local" },
	{ { 0xff }, 8, "multicast" },
	{ { 0x00, 0x64, 0xff, 0x9b, 0x00, 0x01 }, 48, "NAT64 (local)" },
};

static int
in(const unsigned char *a, const struct range *r)
{
	unsigned whole = r->prefix / 8, rest = r->prefix % 8;

	if (memcmp(a, r->addr, whole) != 0)
		return 0;
	return rest == 0 ||
	    ((a[whole] ^ r->addr[whole]) & (0xff << (8 - rest)) & 0xff) == 0;
}

static const char *
find(const unsigned char *a, const struct range *t, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (in(a, &t[i]))
			return t[i].what;
	return NULL;
}

/* The IPv4 address an IPv6 one carries, if any (where it is routed to). */
static const unsigned char *
embedded_v4(const unsigned char *a)
{
	static const unsigned char mapped[12] =
	    { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };
	static const unsigned char zero[12];
	static const unsigned char nat64[12] =
	    { 0x00, 0x64, 0xff, 0x9b };

	if (memcmp(a, mapped, 12) == 0 || memcmp(a, nat64, 12) == 0)
		return a + 12;
	/* IPv4-compatible ::a.b.c.d (not :: and ::1, judged above) */
	if (memcmp(a, zero, 12) == 0)
		return a + 12;
	if (a[0] == 0x20 && a[1] == 0x02)	/* 6to4 2002:a.b.c.d::/48 */
		return a + 2;
	return NULL;
}

const char *
ssmp_ip_special(const void *sa)
{
	const struct sockaddr	*s = sa;
	const unsigned char	*a, *e;
	const char		*w;

	if (s == NULL)
		return "not IP";
	if (s->sa_family == AF_INET) {
		a = (const unsigned char *)
		    &((const struct sockaddr_in *)sa)->sin_addr;
		return find(a, v4, sizeof(v4) / sizeof(v4[0]));
	}
	if (s->sa_family != AF_INET6)
		return "not IP";
	a = ((const struct sockaddr_in6 *)sa)->sin6_addr.s6_addr;
	if ((w = find(a, v6, sizeof(v6) / sizeof(v6[0]))) != NULL)
		return w;
	if ((e = embedded_v4(a)) != NULL)
		return find(e, v4, sizeof(v4) / sizeof(v4[0]));
	return NULL;
}

const char *
ssmp_ip_refused(const void *sa, const struct ssmp_cidr *allow, size_t n)
{
	const char *w = ssmp_ip_special(sa);

	for (size_t i = 0; w != NULL && i < n; i++)
		if (ssmp_cidr_match(&allow[i], sa))
			return NULL;
	return w;
}
