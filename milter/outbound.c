/*
 * outbound.c - decide from connection facts whether mail is outbound.
 */
#include <netinet/in.h>
#include <string.h>

#include "outbound.h"

static int
loopback(const struct sockaddr *sa)
{
	const struct sockaddr_in	*s4 = (const void *)sa;
	const struct sockaddr_in6	*s6 = (const void *)sa;

	if (sa->sa_family == AF_INET)
		return (ntohl(s4->sin_addr.s_addr) >> 24) == 127;
	if (sa->sa_family == AF_INET6)
		return IN6_IS_ADDR_LOOPBACK(&s6->sin6_addr) ||
		    (IN6_IS_ADDR_V4MAPPED(&s6->sin6_addr) &&
		    s6->sin6_addr.s6_addr[12] == 127);
	/* AF_UNIX and friends: a local process. */
	return 1;
}

enum ob_kind
outbound_connect(const struct ssmp_cidr *nets, size_t nnets,
    const struct sockaddr *sa)
{
	size_t i;

	if (sa == NULL || loopback(sa))
		return OB_LOCAL;
	for (i = 0; i < nnets; i++)
		if (ssmp_cidr_match(&nets[i], sa))
			return OB_INTERNAL;
	return OB_NO;
}

enum ob_kind
outbound_mail(enum ob_kind conn, const char *auth_authen)
{
	if (auth_authen != NULL && *auth_authen != '\0')
		return conn == OB_LOCAL ? OB_LOCAL : OB_AUTH;
	return conn;
}

int
outbound_rcpt_decides(enum ob_kind k)
{
	return k == OB_INTERNAL || k == OB_AUTH;
}

const char *
outbound_name(enum ob_kind k)
{
	static const char *const names[] = { "inbound", "internal", "local",
	    "authenticated" };

	return names[k];
}
