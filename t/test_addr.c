/*
 * test_addr.c - addresses, domains, selectors, patterns, unbracketing.
 */
#include <string.h>

#include "ssmp_addr.h"
#include "t/tap.h"

struct good {
	const char *in, *canon;
};
struct bad {
	const char *in, *msg;
};

static const struct good good_addrs[] = {
	{ "alice@example.com", "alice@example.com" },
	{ "Alice.Smith@Example.COM", "alice.smith@example.com" },
	{ "a!#$%&'*+-/=?^_`{|}~z@b.example", "a!#$%&'*+-/=?^_`{|}~z@b.example" },
	{ "x@xn--bcher-kva.example", "x@xn--bcher-kva.example" },
	{ "u@a-b.c0", "u@a-b.c0" },
	{ "1@2.x1", "1@2.x1" },
};

static const struct bad bad_addrs[] = {
	{ "", "address: empty" },
	{ "alice", "address: missing '@'" },
	{ "alice@", "address: empty domain" },
	{ "@example.com", "address: empty local part" },
	{ "a@b@example.com", "address: quoted local parts are not supported" },
	{ "\"a b\"@example.com", "address: quoted local parts are not supported" },
	{ ".a@example.com", "address: local part starts with a dot" },
	{ "a.@example.com", "address: local part ends with a dot" },
	{ "a..b@example.com", "address: local part has consecutive dots" },
	{ "a b@example.com", "address: invalid character 0x20 in local part" },
	{ "a(b)@example.com", "address: invalid character '(' in local part" },
	{ "a\nb@example.com", "address: invalid character 0x0a in local part" },
	{ "j\xc3\xb6rg@example.com",
	    "address: non-ASCII (use A-labels / SMTPUTF8 not supported)" },
	{ "a@b\xc3\xbc.example",
	    "address: non-ASCII (use A-labels / SMTPUTF8 not supported)" },
	{ "a@[1.2.3.4]", "domain: address literals are not supported" },
	{ "a@localhost", "domain: 'localhost' needs at least 2 labels" },
	{ "a@example.com.", "domain: trailing dot not allowed" },
	{ "a@.example.com", "domain: empty label" },
	{ "a@b..com", "domain: empty label" },
	{ "a@x-.com", "domain: label 'x-' ends with a hyphen" },
	{ "a@-x.com", "domain: label '-x' starts with a hyphen" },
	{ "a@b_c.com", "domain: invalid character '_'" },
	{ "a@1.2.3.4", "domain: final label '4' is all numeric" },
	{ "a@example.123", "domain: final label '123' is all numeric" },
};

static void
test_addr(void)
{
	struct ssmp_addr	a;
	struct ssmp_err		e;
	char			buf[400];
	size_t			i;

	for (i = 0; i < sizeof(good_addrs) / sizeof(good_addrs[0]); i++) {
		memset(&e, 0, sizeof(e));
		is_int(ssmp_addr_parse(good_addrs[i].in, &a, &e), 0,
		    "accept %s", good_addrs[i].in);
		is_str(a.full, good_addrs[i].canon, "canonical %s",
		    good_addrs[i].in);
	}
	ssmp_addr_parse("Bob.X@Mail.Example.ORG", &a, &e);
	is_str(a.local, "bob.x", "local part lower-cased");
	is_str(a.domain, "mail.example.org", "domain lower-cased");
	for (i = 0; i < sizeof(bad_addrs) / sizeof(bad_addrs[0]); i++) {
		e.msg[0] = '\0';
		is_int(ssmp_addr_parse(bad_addrs[i].in, &a, &e), -1,
		    "refuse address %zu", i);
		like(e.msg, bad_addrs[i].msg, "error for address %zu", i);
	}

	/* Length limits: 64-octet local part, 63-octet label, 254 total. */
	memset(buf, 'l', 64);
	strcpy(buf + 64, "@example.com");
	is_int(ssmp_addr_parse(buf, &a, &e), 0, "64-octet local part");
	memset(buf, 'l', 65);
	strcpy(buf + 65, "@example.com");
	is_int(ssmp_addr_parse(buf, &a, &e), -1, "65-octet local part");
	is_str(e.msg, "address: local part too long (65 > 64)", "names it");
	/* "a@" + a 252-octet domain is 254 octets; one more is too many. */
	strcpy(buf, "a@");
	memset(buf + 2, 'd', 252);
	buf[2 + 63] = buf[2 + 127] = buf[2 + 191] = '.';
	buf[254] = '\0';
	is_int(ssmp_addr_parse(buf, &a, &e), 0, "254-octet address");
	is_int(strlen(a.full), 254, "full kept");
	strcpy(buf, "ab@");
	memset(buf + 3, 'd', 252);
	buf[3 + 63] = buf[3 + 127] = buf[3 + 191] = '.';
	buf[255] = '\0';
	is_int(ssmp_addr_parse(buf, &a, &e), -1, "255-octet address");
	like(e.msg, "address: too long (255 > 254)", "names the length");
}

static void
test_domain(void)
{
	char		out[SSMP_DOMAIN_MAX + 1], buf[400];
	struct ssmp_err	e;

	is_int(ssmp_domain_check("Example.COM", out, &e), 0, "domain ok");
	is_str(out, "example.com", "domain lower-cased");
	is_int(ssmp_domain_check("xn--80ak6aa92e.com", out, &e), 0, "A-label");
	is_int(ssmp_domain_check("\xd0\xbf.com", out, &e), -1, "U-label");
	is_str(e.msg, "domain: non-ASCII (use A-labels / SMTPUTF8 not "
	    "supported)", "U-label error");
	is_int(ssmp_domain_check("", out, &e), -1, "empty domain");
	is_str(e.msg, "domain: empty", "empty error");
	memset(buf, 'a', 64);
	strcpy(buf + 64, ".com");
	is_int(ssmp_domain_check(buf, out, &e), -1, "64-octet label");
	like(e.msg, "too long (64 > 63)", "label length error");
	memset(buf, 'a', 63);
	strcpy(buf + 63, ".com");
	is_int(ssmp_domain_check(buf, out, &e), 0, "63-octet label");
	memset(buf, 'a', 254);
	buf[254] = '\0';
	is_int(ssmp_domain_check(buf, out, &e), -1, "254-octet domain");
	is_str(e.msg, "domain: too long (254 > 253)", "domain length error");

	is_int(ssmp_hostname_check("LocalHost", "h=", out, &e), 0,
	    "hostname: single label");
	is_str(out, "localhost", "hostname lower-cased");
	is_int(ssmp_hostname_check("127.0.0.1", "h=", out, &e), -1,
	    "hostname: IPv4 refused");
	is_str(e.msg, "h=: final label '1' is all numeric", "prefix used");
}

static void
test_selector(void)
{
	char		out[SSMP_SELECTOR_MAX + 1], buf[80];
	struct ssmp_err	e;

	is_int(ssmp_selector_check("Sel-2024", out, &e), 0, "selector ok");
	is_str(out, "sel-2024", "selector lower-cased");
	is_int(ssmp_selector_check("", out, &e), -1, "empty selector");
	is_str(e.msg, "selector: empty", "empty selector error");
	is_int(ssmp_selector_check("-a", out, &e), -1, "leading hyphen");
	is_str(e.msg, "selector: '-a' starts with a hyphen", "leading error");
	is_int(ssmp_selector_check("a-", out, &e), -1, "trailing hyphen");
	is_str(e.msg, "selector: 'a-' ends with a hyphen", "trailing error");
	is_int(ssmp_selector_check("a.b", out, &e), -1, "dot");
	like(e.msg, "selector: invalid character '.'", "dot error");
	is_int(ssmp_selector_check("a_b", out, &e), -1, "underscore");
	like(e.msg, "invalid character '_'", "underscore error");
	memset(buf, 's', 63);
	buf[63] = '\0';
	is_int(ssmp_selector_check(buf, out, &e), 0, "63-char selector");
	buf[63] = 's';
	buf[64] = '\0';
	is_int(ssmp_selector_check(buf, out, &e), -1, "64-char selector");
	is_str(e.msg, "selector: too long (64 > 63)", "selector length");
}

static void
test_pattern(void)
{
	char		out[SSMP_ADDR_MAX + 1];
	struct ssmp_err	e;

	is_int(ssmp_pattern_parse("*@Example.COM", out, &e), 1, "wildcard");
	is_str(out, "*@example.com", "wildcard canonical");
	is_int(ssmp_pattern_parse("Bob@Example.COM", out, &e), 0, "address");
	is_str(out, "bob@example.com", "address canonical");
	is_int(ssmp_pattern_parse("*@*", out, &e), -1, "*@*");
	like(e.msg, "domain: invalid character '*'", "*@* error");
	is_int(ssmp_pattern_parse("a*@b.c", out, &e), -1, "a*@b.c");
	like(e.msg, "pattern: '*' only allowed as the whole local part",
	    "a*@b.c error");
	is_int(ssmp_pattern_parse("*@a@b.c", out, &e), -1, "*@a@b.c");
	like(e.msg, "pattern: '*'", "*@a@b.c error");
	is_int(ssmp_pattern_parse("@b.c", out, &e), -1, "@b.c");
	like(e.msg, "address: empty local part", "@b.c error");
	is_int(ssmp_pattern_parse("*@", out, &e), -1, "*@");
	like(e.msg, "address: empty domain", "*@ error");
	is_int(ssmp_pattern_parse("*", out, &e), -1, "*");
}

static void
test_unbracket(void)
{
	char		out[SSMP_ADDR_MAX + 1], tiny[4];
	struct ssmp_err	e;

	is_int(ssmp_addr_unbracket(" \t<a@b.c>\t ", out, sizeof(out), &e), 0,
	    "brackets and blanks");
	is_str(out, "a@b.c", "unbracketed");
	is_int(ssmp_addr_unbracket("a@b.c", out, sizeof(out), &e), 0, "bare");
	is_str(out, "a@b.c", "bare kept");
	is_int(ssmp_addr_unbracket("<>", out, sizeof(out), &e), 0, "null");
	is_str(out, "", "null sender is empty");
	is_int(ssmp_addr_unbracket("<a@b.c", out, sizeof(out), &e), -1,
	    "only '<'");
	is_str(e.msg, "address: unbalanced angle brackets", "'<' error");
	is_int(ssmp_addr_unbracket("a@b.c>", out, sizeof(out), &e), -1,
	    "only '>'");
	is_int(ssmp_addr_unbracket("<", out, sizeof(out), &e), -1, "'<' alone");
	is_int(ssmp_addr_unbracket("<a@b.c>", tiny, sizeof(tiny), &e), -1,
	    "too long for buffer");
	like(e.msg, "address: too long (5 > 3)", "length error");
	is_int(ssmp_addr_parse("", &(struct ssmp_addr){ .full = "" }, &e), -1,
	    "null sender is no address");
}

int
main(void)
{
	test_addr();
	test_domain();
	test_selector();
	test_pattern();
	test_unbracket();
	return done_testing();
}
