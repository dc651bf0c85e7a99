/*
 * test_connlimit.c - connections per client (bridge/connlimit.c): an
 * IPv4 address or an IPv6 /64 is one client, an IPv4-mapped address is
 * its IPv4 address, exceptions are not counted, a client's entry goes
 * with its last connection.
 */
#include "config.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>

#include "connlimit.h"
#include "tap.h"

static struct sockaddr_storage
addr(const char *ip)
{
	struct sockaddr_storage ss;

	memset(&ss, 0, sizeof(ss));
	if (strchr(ip, ':') != NULL) {
		ss.ss_family = AF_INET6;
		inet_pton(AF_INET6, ip,
		    &((struct sockaddr_in6 *)&ss)->sin6_addr);
	} else {
		ss.ss_family = AF_INET;
		inet_pton(AF_INET, ip, &((struct sockaddr_in *)&ss)->sin_addr);
	}
	return ss;
}

/* Opens n connections from ip with limit max; how many were counted. */
static int
open_n(struct connlimit *cl, const char *ip, int n, long max,
    struct connlimit_slot **slots, const struct ssmp_cidr *ex, size_t nex)
{
	struct sockaddr_storage ss = addr(ip);
	int taken = 0;

	for (int i = 0; i < n; i++)
		if (connlimit_take(cl, &ss, max, ex, nex, &slots[i]) == 0)
			taken++;
		else
			slots[i] = NULL;
	return taken;
}

int
main(void)
{
	struct connlimit *cl = connlimit_new();
	struct connlimit_slot *a[8], *b[8], *c[8], *m[8], *x[8];
	struct ssmp_cidr ex;
	struct ssmp_err err;

	is_int(open_n(cl, "192.0.2.1", 5, 3, a, NULL, 0), 3,
	    "an IPv4 client gets its 3 connections, no more");
	is_int(open_n(cl, "192.0.2.2", 3, 3, b, NULL, 0), 3,
	    "another address is another client");
	is_int(open_n(cl, "::ffff:192.0.2.1", 1, 3, m, NULL, 0), 0,
	    "an IPv4-mapped address counts as its IPv4 address");
	is_int(open_n(cl, "2001:db8:1:2::1", 2, 3, c, NULL, 0), 2,
	    "IPv6: two connections from a /64");
	is_int(open_n(cl, "2001:db8:1:2:ffff::9", 3, 3, c + 2, NULL, 0), 1,
	    "another address in the same /64 gets the one left");
	is_int(open_n(cl, "2001:db8:1:3::1", 1, 3, x, NULL, 0), 1,
	    "the next /64 is another client");
	is_int((int)connlimit_clients(cl), 4, "four clients counted");

	connlimit_release(cl, a[0]);
	is_int(open_n(cl, "192.0.2.1", 2, 3, a + 5, NULL, 0), 1,
	    "a closed connection makes room for one");
	for (int i = 0; i < 8; i++)
		if (i < 3 || i == 5)
			connlimit_release(cl, i == 0 ? NULL : a[i]);
	connlimit_release(cl, x[0]);
	is_int((int)connlimit_clients(cl), 2,
	    "a client's entry goes with its last connection");

	ok(ssmp_cidr_parse("198.51.100.0/24", &ex, &err) == 0, "cidr parses");
	is_int(open_n(cl, "198.51.100.7", 8, 3, x, &ex, 1), 8,
	    "an exception is not limited");
	ok(x[0] == NULL, "...nor counted");
	is_int(open_n(cl, "198.51.100.7", 8, 0, x, NULL, 0), 8,
	    "limit 0: no limit");
	is_int((int)connlimit_clients(cl), 2, "...and nothing counted");
	is_int(open_n(cl, "64:ff9b::192.0.2.2", 1, 3, m, NULL, 0), 0,
	    "a NAT64 address counts as the IPv4 address it carries");
	for (int i = 0; i < 5; i++) {
		connlimit_release(cl, i < 3 ? b[i] : NULL);
		connlimit_release(cl, c[i]);
	}
	is_int((int)connlimit_clients(cl), 0, "all released, none left");
	connlimit_free(cl);

	/* a /48 site: 8 x 3 connections over its /64s, then no more */
	{
		struct connlimit_slot *s[40];
		char ip[64];
		int n = 0;

		cl = connlimit_new();
		for (int i = 0; i < 10; i++) {
			snprintf(ip, sizeof(ip), "2001:db8:7:%x::1", i);
			n += open_n(cl, ip, 3, 3, s + n, NULL, 0);
		}
		is_int(n, 24, "the /64s of one /48 hold 8 x the limit in all");
		is_int(open_n(cl, "2001:db8:8::1", 3, 3, x, NULL, 0), 3,
		    "another /48 is not held back");
		for (int i = 0; i < n; i++)
			connlimit_release(cl, s[i]);
		for (int i = 0; i < 3; i++)
			connlimit_release(cl, x[i]);
		is_int((int)connlimit_clients(cl), 0, "all released, none left");
		connlimit_free(cl);
	}
	return done_testing();
}
