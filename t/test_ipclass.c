/*
 * test_ipclass.c - the addresses SSMP's HTTPS clients refuse to connect
 * to (lib/ssmp_ipclass.c): every special-purpose class, the borders of
 * the ranges, IPv6 forms that carry an IPv4 address, and the
 * AllowPrivateHosts exceptions.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>

#include "ssmp_ipclass.h"
#include "t/tap.h"

/* The class of text (an IPv4 or IPv6 address), or "" if none. */
static const char *
class_of(const char *text, const struct ssmp_cidr *allow, size_t n)
{
	struct sockaddr_in	s4;
	struct sockaddr_in6	s6;
	const char		*w;

	memset(&s4, 0, sizeof(s4));
	memset(&s6, 0, sizeof(s6));
	if (inet_pton(AF_INET, text, &s4.sin_addr) == 1) {
		s4.sin_family = AF_INET;
		w = ssmp_ip_refused(&s4, allow, n);
	} else if (inet_pton(AF_INET6, text, &s6.sin6_addr) == 1) {
		s6.sin6_family = AF_INET6;
		w = ssmp_ip_refused(&s6, allow, n);
	} else
		return "bad test address";
	return w != NULL ? w : "";
}

static const struct {
	const char *addr, *want;	/* want: substring of the class */
} cases[] = {
	/* IPv4 */
	{ "0.0.0.0", "unspecified" },
	{ "0.1.2.3", "unspecified" },
	{ "10.0.0.1", "private" },
	{ "10.255.255.255", "private" },
	{ "11.0.0.0", "" },
	{ "100.63.255.255", "" },
	{ "100.64.0.0", "shared" },
	{ "100.127.255.255", "shared" },
	{ "100.128.0.0", "" },
	{ "127.0.0.1", "loopback" },
	{ "127.255.255.254", "loopback" },
	{ "169.254.169.254", "link-local" },	/* cloud metadata */
	{ "172.15.255.255", "" },
	{ "172.16.0.0", "private" },
	{ "172.31.255.255", "private" },
	{ "172.32.0.0", "" },
	{ "192.0.0.8", "reserved" },
	{ "192.0.2.1", "documentation" },
	{ "192.88.99.1", "reserved" },
	{ "192.167.255.255", "" },
	{ "192.168.1.1", "private" },
	{ "198.18.0.1", "benchmarking" },
	{ "198.19.255.255", "benchmarking" },
	{ "198.20.0.0", "" },
	{ "198.51.100.7", "documentation" },
	{ "203.0.113.9", "documentation" },
	{ "224.0.0.1", "multicast" },
	{ "239.255.255.255", "multicast" },
	{ "240.0.0.1", "reserved" },
	{ "255.255.255.255", "reserved" },
	{ "8.8.8.8", "" },
	{ "1.1.1.1", "" },
	{ "223.255.255.255", "" },
	/* IPv6 */
	{ "::", "unspecified" },
	{ "::1", "loopback" },
	{ "::ffff:127.0.0.1", "loopback" },	/* IPv4-mapped */
	{ "::ffff:10.1.2.3", "private" },
	{ "::ffff:8.8.8.8", "" },
	{ "::127.0.0.1", "loopback" },		/* IPv4-compatible */
	{ "64:ff9b::a00:1", "private" },	/* NAT64 of 10.0.0.1 */
	{ "64:ff9b::808:808", "" },
	{ "64:ff9b:1::1", "NAT64" },
	{ "2002:7f00:1::1", "loopback" },	/* 6to4 of 127.0.0.1 */
	{ "2002:a9fe:a9fe::1", "link-local" },
	{ "2002:808:808::1", "" },
	{ "100::1", "discard" },
	{ "2001::1", "reserved" },		/* Teredo and IETF */
	{ "2001:db8::1", "documentation" },
	{ "fc00::1", "unique local" },
	{ "fdff:ffff::1", "unique local" },
	{ "fe80::1", "link-local" },
	{ "febf::1", "link-local" },
	{ "fec0::1", "site-local" },
	{ "ff02::1", "multicast" },
	{ "2606:4700:4700::1111", "" },
	{ "2a00:1450:4001::200e", "" },
};

int
main(void)
{
	struct ssmp_cidr	allow[2];
	struct ssmp_err		err;
	struct sockaddr_un	su;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const char *got = class_of(cases[i].addr, NULL, 0);

		if (cases[i].want[0] == '\0')
			is_str(got, "", "%s: a global address", cases[i].addr);
		else
			like(got, cases[i].want, "%s: refused (%s)",
			    cases[i].addr, cases[i].want);
	}
	memset(&su, 0, sizeof(su));
	su.sun_family = AF_UNIX;
	is_str(ssmp_ip_special(&su), "not IP", "AF_UNIX: not IP");

	/* AllowPrivateHosts 127.0.0.0/8 fd00::/8: those only */
	ok(ssmp_cidr_parse("127.0.0.0/8", &allow[0], &err) == 0 &&
	    ssmp_cidr_parse("fd00::/8", &allow[1], &err) == 0, "allow list");
	is_str(class_of("127.0.0.1", allow, 2), "", "127.0.0.1 allowed");
	is_str(class_of("::ffff:127.0.0.1", allow, 2), "",
	    "::ffff:127.0.0.1 allowed by 127.0.0.0/8");
	is_str(class_of("fd12::1", allow, 2), "", "fd12::1 allowed");
	like(class_of("fc00::1", allow, 2), "unique local",
	    "fc00::1 still refused");
	like(class_of("10.0.0.1", allow, 2), "private", "10.0.0.1 still "
	    "refused");
	like(class_of("::1", allow, 2), "loopback", "::1 not in 127/8");
	like(class_of("0.0.0.0", allow, 2), "unspecified", "0.0.0.0 (which "
	    "Linux connects to loopback) not in 127/8");
	return done_testing();
}
