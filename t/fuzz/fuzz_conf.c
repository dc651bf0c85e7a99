/*
 * fuzz_conf.c - configuration files, socket specs and CIDRs.
 *
 * The input is parsed as a whole file against a table with every value
 * type, then as one socket spec and one CIDR.  What parses must be
 * consistent: list items passed their check, CIDRs hold their prefix.
 */
#include <sys/socket.h>
#include <netinet/in.h>

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ssmp_confparse.h"

int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n);

struct cfg {
	char			*socket;
	long			 port;
	bool			 flag;
	struct ssmp_strlist	 hosts;
	size_t			 size;
	long			 secs;
};

static int
cidr_check(const char *v, struct ssmp_err *err)
{
	struct ssmp_cidr c;

	return ssmp_cidr_parse(v, &c, err);
}

static const struct ssmp_conf_def defs[] = {
	{ "Socket", SSMP_CONF_STRING, offsetof(struct cfg, socket), 0, 0,
	    ssmp_sockspec_check },
	{ "Port", SSMP_CONF_INT, offsetof(struct cfg, port), 1, 65535, NULL },
	{ "Flag", SSMP_CONF_BOOL, offsetof(struct cfg, flag), 0, 0, NULL },
	{ "Hosts", SSMP_CONF_LIST, offsetof(struct cfg, hosts), 0, 0,
	    cidr_check },
	{ "Size", SSMP_CONF_SIZE, offsetof(struct cfg, size), 0, 0, NULL },
	{ "Secs", SSMP_CONF_SECONDS, offsetof(struct cfg, secs), 1, 86400,
	    NULL },
	{ NULL, 0, 0, 0, 0, NULL },
};

static void
conf(const uint8_t *d, size_t n)
{
	struct cfg	c;
	struct ssmp_err	e;
	size_t		i;

	memset(&c, 0, sizeof(c));
	if (ssmp_conf_parse("fuzz", (const char *)d, n, defs, &c, &e) == 0) {
		if ((c.port != 0 && (c.port < 1 || c.port > 65535)) ||
		    (c.secs != 0 && (c.secs < 1 || c.secs > 86400)))
			abort();
		if (c.socket != NULL && ssmp_sockspec_check(c.socket, &e) != 0)
			abort();
		for (i = 0; i < c.hosts.n; i++)
			if (cidr_check(c.hosts.v[i], &e) != 0)
				abort();
	}
	ssmp_conf_free(defs, &c);
}

static void
cidr(const char *s)
{
	struct ssmp_cidr	c;
	struct ssmp_err		e;
	struct sockaddr_in	s4;
	struct sockaddr_in6	s6;

	if (ssmp_cidr_parse(s, &c, &e) != 0)
		return;
	if (c.prefix > (c.family == AF_INET ? 32u : 128u))
		abort();
	memset(&s4, 0, sizeof(s4));
	s4.sin_family = AF_INET;
	memcpy(&s4.sin_addr, c.addr, 4);
	memset(&s6, 0, sizeof(s6));
	s6.sin6_family = AF_INET6;
	memcpy(&s6.sin6_addr, c.addr, 16);
	/* The network's own address always lies in it. */
	if (!ssmp_cidr_match(&c, c.family == AF_INET ? (void *)&s4 :
	    (void *)&s6))
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *d, size_t n)
{
	struct ssmp_sockspec	 ss;
	struct ssmp_err		 e;
	char			*s = malloc(n + 1);

	if (s == NULL)
		return 0;
	memcpy(s, d, n);
	s[n] = '\0';
	conf(d, n);
	(void)ssmp_sockspec_parse(s, &ss, &e);
	cidr(s);
	free(s);
	return 0;
}
