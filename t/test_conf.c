/*
 * test_conf.c - configuration files, socket specs and CIDR matching.
 */
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ssmp_buf.h"
#include "ssmp_confparse.h"
#include "ssmp_config.h"
#include "t/tap.h"

struct cfg {
	char			*socket;
	char			*name;
	long			 port;
	long			 delta;
	bool			 verbose;
	struct ssmp_strlist	 hosts;
	size_t			 maxsize;
	long			 timeout;
};

static const struct ssmp_conf_def defs[] = {
	{ "Socket", SSMP_CONF_STRING, offsetof(struct cfg, socket), 0, 0,
	    ssmp_sockspec_check },
	{ "Name", SSMP_CONF_STRING, offsetof(struct cfg, name), 0, 0, NULL },
	{ "Port", SSMP_CONF_INT, offsetof(struct cfg, port), 1, 65535, NULL },
	{ "Delta", SSMP_CONF_INT, offsetof(struct cfg, delta), 0, 0, NULL },
	{ "Verbose", SSMP_CONF_BOOL, offsetof(struct cfg, verbose), 0, 0, NULL },
	{ "InternalHosts", SSMP_CONF_LIST, offsetof(struct cfg, hosts), 0, 0,
	    NULL },
	{ "MaxSize", SSMP_CONF_SIZE, offsetof(struct cfg, maxsize), 1024,
	    1073741824L, NULL },
	{ "Timeout", SSMP_CONF_SECONDS, offsetof(struct cfg, timeout), 1,
	    86400, NULL },
	{ NULL, 0, 0, 0, 0, NULL },
};

static int
parse(const char *text, struct cfg *c, struct ssmp_err *e)
{
	memset(c, 0, sizeof(*c));
	return ssmp_conf_parse("t.conf", text, strlen(text), defs, c, e);
}

static void
test_good(void)
{
	struct cfg	c;
	struct ssmp_err	e;
	const char	*text =
	    "# a comment\n"
	    "\n"
	    "   \t\n"
	    "socket   inet:8891@localhost   # trailing comment\n"
	    "NAME a#b  c\r\n"
	    "Port 25\n"
	    "Delta -7\n"
	    "Verbose Yes\n"
	    "InternalHosts 127.0.0.1, ::1 10.0.0.0/8\n"
	    "internalhosts ,192.168.0.0/16,,\n"
	    "MaxSize 10m\n"
	    "Timeout 2h";

	is_int(parse(text, &c, &e), 0, "good file");
	is_str(c.socket, "inet:8891@localhost", "string, comment cut");
	is_str(c.name, "a#b  c", "'#' inside a word kept, CR dropped");
	is_int(c.port, 25, "int");
	is_int(c.delta, -7, "negative int without range");
	ok(c.verbose, "bool yes");
	is_int(c.hosts.n, 4, "list: two lines, four items");
	if (c.hosts.n == 4) {
		is_str(c.hosts.v[0], "127.0.0.1", "list item 0");
		is_str(c.hosts.v[1], "::1", "list item 1");
		is_str(c.hosts.v[2], "10.0.0.0/8", "list item 2");
		is_str(c.hosts.v[3], "192.168.0.0/16", "list item 3");
	}
	is_int(c.maxsize, 10 * 1024 * 1024, "size 10m");
	is_int(c.timeout, 7200, "seconds 2h");
	ssmp_conf_free(defs, &c);
	ok(c.socket == NULL && c.hosts.n == 0, "freed");
}

static const struct {
	const char *in, *msg;
} bad[] = {
	{ "Foo bar\n", "t.conf:1: unknown key 'Foo'" },
	{ "\n\nPort\n", "t.conf:3: Port needs a value" },
	{ "Port   # just a comment\n", "t.conf:1: Port needs a value" },
	{ "InternalHosts , ,\n", "t.conf:1: InternalHosts needs a value" },
	{ "Socket inet:1@a.b\nPort 2\nsocket inet:3\n",
	    "t.conf:3: 'Socket' already set at line 1" },
	{ "Port 0\n", "t.conf:1: Port: 0 out of range (1..65535)" },
	{ "Port 65536\n", "t.conf:1: Port: 65536 out of range (1..65535)" },
	{ "Port 25x\n", "t.conf:1: Port: '25x' is not a number" },
	{ "Port -\n", "t.conf:1: Port: '-' is not a number" },
	{ "Port +5\n", "t.conf:1: Port: '+5' is not a number" },
	{ "Delta 99999999999999999999\n", "Delta: '99999999999999999999' is "
	    "too large" },
	{ "Verbose maybe\n", "t.conf:1: Verbose: 'maybe' is not a boolean "
	    "(yes/no, true/false, on/off, 1/0)" },
	{ "MaxSize 1\n", "t.conf:1: MaxSize: 1 out of range "
	    "(1024..1073741824)" },
	{ "MaxSize 2g\n", "MaxSize: 2147483648 out of range" },
	{ "MaxSize 10x\n", "MaxSize: '10x' is not a number with an optional "
	    "suffix kmg" },
	{ "MaxSize -1k\n", "MaxSize: '-1k' is not a number" },
	{ "MaxSize 9999999999999999g\n", "MaxSize: '9999999999999999g' is "
	    "too large" },
	{ "Timeout 2w\n", "Timeout: '2w' is not a number with an optional "
	    "suffix smhd" },
	{ "Timeout 2d\n", "Timeout: 172800 out of range (1..86400)" },
	{ "Timeout 10ms\n", "Timeout: '10ms' is not a number" },
	{ "Socket inet:0\n", "t.conf:1: Socket: socket: port 0 out of range" },
	{ "Socket tcp:25\n", "t.conf:1: Socket: socket: 'tcp:25' is not" },
	{ "P\xc3\xb6rt 1\n", "t.conf:1: control or non-ASCII character in key" },
};

static void
test_bad(void)
{
	struct cfg	c;
	struct ssmp_err	e;
	char		big[5000];
	size_t		i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		e.msg[0] = '\0';
		is_int(parse(bad[i].in, &c, &e), -1, "refuse conf %zu", i);
		like(e.msg, bad[i].msg, "error for conf %zu", i);
		ssmp_conf_free(defs, &c);
	}
	memset(&c, 0, sizeof(c));
	is_int(ssmp_conf_parse("t.conf", "Port 1\nName a\0b\n", 15, defs, &c,
	    &e), -1, "NUL in line");
	is_str(e.msg, "t.conf:2: NUL byte in line", "NUL error");
	ssmp_conf_free(defs, &c);
	memset(big, 'x', sizeof(big));
	memcpy(big, "Name ", 5);
	big[4097] = '\0';
	is_int(parse(big, &c, &e), -1, "4097-byte line");
	is_str(e.msg, "t.conf:1: line too long (> 4096 bytes)", "long error");
	big[4096] = '\0';
	is_int(parse(big, &c, &e), 0, "4096-byte line");
	is_int(strlen(c.name), 4091, "long value kept");
	ssmp_conf_free(defs, &c);
}

static void
test_bools_and_defaults(void)
{
	static const char *yes[] = { "yes", "TRUE", "On", "1" };
	static const char *no[] = { "NO", "false", "off", "0" };
	struct cfg	 c;
	struct ssmp_err	 e;
	char		 line[40];
	const char	*text;
	size_t		i;

	for (i = 0; i < 4; i++) {
		snprintf(line, sizeof(line), "Verbose %s\n", yes[i]);
		ok(parse(line, &c, &e) == 0 && c.verbose, "bool %s", yes[i]);
		snprintf(line, sizeof(line), "Verbose %s\n", no[i]);
		c.verbose = true;
		ok(ssmp_conf_parse("t", line, strlen(line), defs, &c, &e) == 0 &&
		    !c.verbose, "bool %s", no[i]);
	}
	memset(&c, 0, sizeof(c));
	c.name = ssmp_xstrdup("default");
	ssmp_strlist_add(&c.hosts, "127.0.0.1");
	text = "Name set\nInternalHosts a\nInternalHosts b\n";
	is_int(ssmp_conf_parse("t", text, strlen(text), defs, &c, &e), 0,
	    "over defaults");
	is_str(c.name, "set", "string default replaced");
	ok(c.hosts.n == 2 && strcmp(c.hosts.v[0], "a") == 0 &&
	    strcmp(c.hosts.v[1], "b") == 0, "list default replaced, then "
	    "appended");
	ssmp_conf_free(defs, &c);
	is_int(parse("MaxSize 4K\nTimeout 90\n", &c, &e), 0, "suffix case");
	is_int(c.maxsize, 4096, "4K");
	is_int(c.timeout, 90, "no suffix is seconds");
	is_int(parse("Timeout 3m\n", &c, &e), 0, "minutes");
	is_int(c.timeout, 180, "3m");
	is_int(parse("Timeout 1d\nMaxSize 1g\n", &c, &e), 0, "days, GiB");
	is_int(c.timeout, 86400, "1d");
	is_int(c.maxsize, 1073741824L, "1g");
}

static void
test_load(void)
{
	struct cfg	c;
	struct ssmp_err	e;
	char		path[] = "/tmp/test_conf.XXXXXX";
	int		fd;

	memset(&c, 0, sizeof(c));
	is_int(ssmp_conf_load("/nonexistent/ssmp.conf", defs, &c, &e), -1,
	    "missing file");
	is_str(e.msg, "/nonexistent/ssmp.conf: cannot open: No such file or "
	    "directory", "missing file error");
	fd = mkstemp(path);
	ok(fd >= 0 && write(fd, "Port 587\nVerbose off\nPort 1\n", 28) == 28,
	    "temp file");
	close(fd);
	is_int(ssmp_conf_load(path, defs, &c, &e), -1, "file with error");
	like(e.msg, ":3: 'Port' already set at line 1", "file:line error");
	like(e.msg, path, "error names the file");
	is_int(c.port, 587, "value before the error parsed");
	unlink(path);
	ssmp_conf_free(defs, &c);
}

static const struct {
	const char *in, *msg;
} bad_sock[] = {
	{ "inet:0", "socket: port 0 out of range (1..65535)" },
	{ "inet:65536@localhost", "socket: port 65536 out of range" },
	{ "inet:", "socket: port '' is not a number" },
	{ "inet:http@localhost", "socket: port 'http' is not a number" },
	{ "inet:25@", "socket: empty host after '@'" },
	{ "inet:25@1.2.3.256", "socket: invalid IPv4 address '1.2.3.256'" },
	{ "inet:25@bad_host", "socket: invalid character '_'" },
	{ "inet6:25@[::1", "socket: unbalanced '['" },
	{ "inet6:25@[::g]", "socket: invalid IPv6 address '::g'" },
	{ "local:relative/path", "socket: path must be absolute" },
	{ "unix:", "socket: path must be absolute" },
	{ "8891@localhost", "is not inet:PORT@HOST" },
	{ "", "is not inet:PORT@HOST" },
};

static void
test_sockspec(void)
{
	struct ssmp_sockspec	s;
	struct ssmp_err		e;
	char			buf[200];
	size_t			i;

	is_int(ssmp_sockspec_parse("inet:8891@127.0.0.1", &s, &e), 0, "inet");
	ok(s.family == SSMP_SOCK_INET && s.port == 8891 &&
	    strcmp(s.host, "127.0.0.1") == 0, "inet fields");
	is_int(ssmp_sockspec_parse("inet:8891", &s, &e), 0, "inet any");
	ok(s.port == 8891 && s.host[0] == '\0', "any host is empty");
	is_int(ssmp_sockspec_parse("inet:25@localhost", &s, &e), 0, "name");
	is_str(s.host, "localhost", "host name");
	is_int(ssmp_sockspec_parse("inet6:8891@[::1]", &s, &e), 0, "inet6 []");
	ok(s.family == SSMP_SOCK_INET6 && strcmp(s.host, "::1") == 0,
	    "brackets stripped");
	is_int(ssmp_sockspec_parse("inet6:8891@fe80::1", &s, &e), 0, "inet6");
	is_str(s.host, "fe80::1", "inet6 host");
	is_int(ssmp_sockspec_parse("local:/run/ssmp/milter.sock", &s, &e), 0,
	    "local");
	ok(s.family == SSMP_SOCK_LOCAL && strcmp(s.path,
	    "/run/ssmp/milter.sock") == 0, "local path");
	is_int(ssmp_sockspec_parse("unix:/x", &s, &e), 0, "unix");
	is_str(s.path, "/x", "unix path");
	for (i = 0; i < sizeof(bad_sock) / sizeof(bad_sock[0]); i++) {
		e.msg[0] = '\0';
		is_int(ssmp_sockspec_check(bad_sock[i].in, &e), -1,
		    "refuse socket '%s'", bad_sock[i].in);
		like(e.msg, bad_sock[i].msg, "error for '%s'", bad_sock[i].in);
	}
	memset(buf, 'p', sizeof(buf));
	memcpy(buf, "unix:/", 6);
	buf[6 + 106] = '\0';		/* 107-byte path: fits sun_path */
	is_int(ssmp_sockspec_parse(buf, &s, &e), 0, "107-byte path");
	buf[6 + 106] = 'p';
	buf[6 + 107] = '\0';
	is_int(ssmp_sockspec_parse(buf, &s, &e), -1, "108-byte path");
	is_str(e.msg, "socket: path too long (108 >= 108)", "path length");
}

static int
match(const struct ssmp_cidr *c, const char *addr)
{
	struct sockaddr_in	s4;
	struct sockaddr_in6	s6;

	memset(&s4, 0, sizeof(s4));
	memset(&s6, 0, sizeof(s6));
	if (inet_pton(AF_INET, addr, &s4.sin_addr) == 1) {
		s4.sin_family = AF_INET;
		return ssmp_cidr_match(c, &s4);
	}
	if (inet_pton(AF_INET6, addr, &s6.sin6_addr) != 1)
		return -1;
	s6.sin6_family = AF_INET6;
	return ssmp_cidr_match(c, &s6);
}

static const struct {
	const char	*cidr, *addr;
	int		 want;
} matches[] = {
	{ "1.2.3.0/24", "1.2.3.4", 1 },
	{ "1.2.3.0/24", "1.2.4.4", 0 },
	{ "1.2.3.99/24", "1.2.3.4", 1 },	/* host bits masked */
	{ "10.0.0.1", "10.0.0.1", 1 },
	{ "10.0.0.1", "10.0.0.2", 0 },
	{ "0.0.0.0/0", "203.0.113.9", 1 },
	{ "0.0.0.0/0", "::1", 0 },
	{ "10.0.0.0/9", "10.127.255.255", 1 },
	{ "10.0.0.0/9", "10.128.0.0", 0 },
	{ "127.0.0.0/8", "::ffff:127.0.0.1", 1 },	/* v4-mapped */
	{ "127.0.0.0/8", "::ffff:128.0.0.1", 0 },
	{ "::1/128", "::1", 1 },
	{ "::1", "::2", 0 },
	{ "::1/128", "127.0.0.1", 0 },
	{ "fe80::/10", "fe80::1234", 1 },
	{ "fe80::/10", "febf::1", 1 },
	{ "fe80::/10", "fec0::1", 0 },
};

static void
test_cidr(void)
{
	struct ssmp_cidr	c;
	struct ssmp_err		e;
	struct sockaddr		su;
	size_t			i;

	for (i = 0; i < sizeof(matches) / sizeof(matches[0]); i++) {
		is_int(ssmp_cidr_parse(matches[i].cidr, &c, &e), 0, "cidr %s",
		    matches[i].cidr);
		is_int(match(&c, matches[i].addr), matches[i].want,
		    "%s %s %s", matches[i].addr, matches[i].want ? "in" :
		    "not in", matches[i].cidr);
	}
	ssmp_cidr_parse("10.0.0.1", &c, &e);
	is_int(c.prefix, 32, "no prefix is /32");
	ssmp_cidr_parse("::1", &c, &e);
	is_int(c.prefix, 128, "no prefix is /128");
	memset(&su, 0, sizeof(su));
	su.sa_family = AF_UNIX;
	is_int(ssmp_cidr_match(&c, &su), 0, "AF_UNIX never matches");
	is_int(ssmp_cidr_match(&c, NULL), 0, "NULL never matches");
	is_int(ssmp_cidr_parse("1.2.3.4/33", &c, &e), -1, "/33");
	is_str(e.msg, "cidr: prefix 33 out of range (0..32)", "/33 error");
	is_int(ssmp_cidr_parse("::/129", &c, &e), -1, "/129");
	is_str(e.msg, "cidr: prefix 129 out of range (0..128)", "/129 error");
	is_int(ssmp_cidr_parse("1.2.3/24", &c, &e), -1, "short IPv4");
	is_str(e.msg, "cidr: invalid IPv4 address '1.2.3'", "short error");
	is_int(ssmp_cidr_parse("1.2.3.4/", &c, &e), -1, "empty prefix");
	is_str(e.msg, "cidr: prefix '' is not a number", "empty prefix error");
	is_int(ssmp_cidr_parse("1.2.3.4/-1", &c, &e), -1, "negative prefix");
	is_int(ssmp_cidr_parse("gg::1/64", &c, &e), -1, "bad IPv6");
	is_str(e.msg, "cidr: invalid IPv6 address 'gg::1'", "IPv6 error");
	is_int(ssmp_cidr_parse("", &c, &e), -1, "empty cidr");
}

/* Load text as an ssmp.conf; the error (or "") in e. */
static int
load_text(const char *text, struct ssmp_config *cfg, struct ssmp_err *e)
{
	char	path[] = "/tmp/test_conf.XXXXXX";
	int	fd, rc;

	fd = mkstemp(path);
	if (fd < 0 || write(fd, text, strlen(text)) != (ssize_t)strlen(text))
		return -2;
	close(fd);
	e->msg[0] = '\0';
	rc = ssmp_config_load(path, cfg, e);
	unlink(path);
	return rc;
}

/* ssmp.conf defaults that keep the milter's front door shut (14.9). */
static void
test_milter_socket(void)
{
	struct ssmp_config	c;
	struct ssmp_err		e;

	ssmp_config_init(&c);
	ok(strncmp(c.socket, "local:/", 7) == 0, "default Socket is a local: "
	    "socket (%s)", c.socket);
	like(c.socket, "/ssmp/milter.sock", "...ssmp/milter.sock");
	is_str(c.socket_mode, "0660", "default SocketMode 0660");
	is_str(c.database, LOCALSTATEDIR "/lib/ssmp", "Database under "
	    "--localstatedir");
	ssmp_config_free(&c);
	is_int(load_text("SocketMode 0666\n", &c, &e), -1, "SocketMode 0666");
	like(e.msg, "0666: open to every local user", "...refused: others");
	is_int(load_text("SocketMode 0440\n", &c, &e), -1, "SocketMode 0440");
	like(e.msg, "owner (UserID) must read and write", "...refused");
	is_int(load_text("SocketMode 66O\n", &c, &e), -1, "not octal");
	is_int(load_text("SocketMode 0600\nSocketGroup postfix\n", &c, &e),
	    0, "SocketMode 0600, SocketGroup postfix");
	is_str(c.socket_group, "postfix", "SocketGroup read");
	ssmp_config_free(&c);
}

int
main(void)
{
	test_good();
	test_bad();
	test_bools_and_defaults();
	test_load();
	test_sockspec();
	test_cidr();
	test_milter_socket();
	return done_testing();
}
