/*
 * fuzz_txt.c - _ssmp policy and _ssmpkey key records.
 *
 * A record that parses is an SSMP record, and its canonical form (when
 * it fits one TXT string) parses back to the same values.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ssmp_txt.h"

int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n);

static void
policy(const char *s)
{
	struct ssmp_policy	p, b;
	struct ssmp_err		e;
	struct ssmp_rua		r;
	char			out[SSMP_POLICY_TXT_MAX + 1];
	size_t			need;

	if (ssmp_policy_parse(s, &p, &e) != 0)
		return;
	if (!ssmp_txt_is_ssmp(s))
		abort();
	need = strlen("v=SSMP1; h=; s=; m=testing") + strlen(p.host) +
	    strlen(p.selector) + (p.max_age ? 14 : 0) +
	    (p.rua[0] ? strlen("; rua=") + strlen(p.rua) : 0);
	if (p.rua[0] != '\0' && ssmp_rua_parse(p.rua, &r, &e) != 0)
		abort();	/* the policy checked it */
	if (ssmp_policy_format(&p, out, sizeof(out), &e) != 0) {
		if (need <= SSMP_POLICY_TXT_MAX - 10)
			abort();
		return;
	}
	if (ssmp_policy_parse(out, &b, &e) != 0 || strcmp(p.host, b.host) ||
	    strcmp(p.hostname, b.hostname) || p.port != b.port ||
	    strcmp(p.selector, b.selector) || p.mode != b.mode ||
	    strcmp(p.rua, b.rua) != 0 || p.max_age != b.max_age)
		abort();
}

static void
keyrec(const char *s)
{
	struct ssmp_keyrec	k, b;
	struct ssmp_err		e;
	char			out[SSMP_TXT_MAX + 1];

	if (ssmp_keyrec_parse(s, &k, &e) != 0)
		return;
	if (!ssmp_txt_is_ssmp(s))
		abort();
	if (ssmp_keyrec_format(&k, out, sizeof(out), &e) != 0 ||
	    ssmp_keyrec_parse(out, &b, &e) != 0 || k.revoked != b.revoked ||
	    memcmp(k.pk, b.pk, sizeof(k.pk)) != 0)
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *d, size_t n)
{
	char *s = malloc(n + 1);

	if (s == NULL)
		return 0;
	memcpy(s, d, n);
	s[n] = '\0';
	(void)ssmp_txt_is_ssmp(s);
	policy(s);
	keyrec(s);
	free(s);
	return 0;
}
