/*
 * fuzz_addr.c - addresses, domains, selectors, patterns, unbracketing.
 *
 * Whatever parses must come back unchanged from its canonical form, and
 * the canonical form must be the input in lower case.
 */
#include <ctype.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ssmp_addr.h"

int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n);

static void
check_lower(const char *canon, const char *in)
{
	size_t i;

	if (strlen(canon) != strlen(in))
		abort();
	for (i = 0; in[i] != '\0'; i++)
		if (canon[i] != tolower((unsigned char)in[i]))
			abort();
}

static void
addr(const char *s)
{
	struct ssmp_addr	a, b;
	struct ssmp_err		e;
	char			pat[SSMP_ADDR_MAX + 1];

	if (ssmp_addr_parse(s, &a, &e) != 0)
		return;
	check_lower(a.full, s);
	if (ssmp_addr_parse(a.full, &b, &e) != 0 || strcmp(a.full, b.full) ||
	    strcmp(a.local, b.local) || strcmp(a.domain, b.domain))
		abort();
	if (ssmp_pattern_parse(a.full, pat, &e) != 0 && strchr(s, '*') == NULL)
		abort();
}

static void
names(const char *s)
{
	char		out[SSMP_ADDR_MAX + 1], again[SSMP_ADDR_MAX + 1];
	struct ssmp_err	e;
	int		r;

	if (ssmp_domain_check(s, out, &e) == 0) {
		check_lower(out, s);
		if (ssmp_domain_check(out, again, &e) != 0 || strcmp(out, again))
			abort();
	}
	if (ssmp_hostname_check(s, "h=", out, &e) == 0)
		check_lower(out, s);
	if (ssmp_selector_check(s, out, &e) == 0) {
		check_lower(out, s);
		if (ssmp_selector_check(out, again, &e) != 0 || strcmp(out, again))
			abort();
	}
	if ((r = ssmp_pattern_parse(s, out, &e)) >= 0) {
		check_lower(out, s);
		if (ssmp_pattern_parse(out, again, &e) != r || strcmp(out, again))
			abort();
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *d, size_t n)
{
	char		*s = malloc(n + 1), out[SSMP_ADDR_MAX + 1];
	struct ssmp_err	 e;

	if (s == NULL)
		return 0;
	memcpy(s, d, n);
	s[n] = '\0';
	addr(s);
	names(s);
	if (ssmp_addr_unbracket(s, out, sizeof(out), &e) == 0) {
		if (strlen(out) > strlen(s))
			abort();
		addr(out);
	}
	free(s);
	return 0;
}
