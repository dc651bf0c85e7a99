/*
 * fuzz_report.c - what ssmpd reads from a reporting domain: the report
 * JSON (ssmp_report_decode) and the SSMP-Report-Signature field
 * (ssmp_rsig_parse).  An input starting with "v=" is taken for the
 * field, anything else for a report.  Whatever is accepted must write
 * back to a text that parses to the same thing, and a report's sample
 * reasons never keep a local part.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ssmp_report.h"

int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n);

static void
field(const char *s)
{
	struct ssmp_rsig	a, b;
	struct ssmp_buf		out;
	struct ssmp_err		e;

	if (ssmp_rsig_parse(s, &a, &e) != 0)
		return;
	ssmp_buf_init(&out);
	ssmp_rsig_format(&a, &out);
	if (ssmp_rsig_parse(out.p, &b, &e) != 0 || memcmp(&a, &b,
	    sizeof(a)) != 0)
		abort();
	ssmp_buf_free(&out);
}

static void
report(const char *s, size_t n)
{
	static struct ssmp_report	a, b;
	struct ssmp_buf			ea, eb;
	struct ssmp_err			e;
	int				i, k;

	if (ssmp_report_decode(s, n, &a, &e) != 0)
		return;
	for (i = 0; i < a.npolicy; i++)
		for (k = 0; k < a.policy[i].ndetail; k++) {
			char c[SSMP_REASON_MAX + 1];

			memcpy(c, a.policy[i].detail[k].sample, sizeof(c));
			ssmp_report_scrub(c);
			if (strcmp(c, a.policy[i].detail[k].sample) != 0)
				abort();
		}
	ssmp_buf_init(&ea);
	ssmp_buf_init(&eb);
	ssmp_report_encode(&a, &ea);
	if (ssmp_report_decode(ea.p, ea.len, &b, &e) != 0)
		abort();
	ssmp_report_encode(&b, &eb);
	if (strcmp(ea.p, eb.p) != 0 || a.start != b.start || a.end != b.end)
		abort();
	ssmp_buf_free(&ea);
	ssmp_buf_free(&eb);
}

int
LLVMFuzzerTestOneInput(const uint8_t *d, size_t n)
{
	char *s;

	if (n >= 2 && d[0] == 'v' && d[1] == '=') {
		if ((s = malloc(n + 1)) == NULL)
			return 0;
		memcpy(s, d, n);
		s[n] = '\0';
		field(s);
		free(s);
	} else
		report((const char *)d, n);
	return 0;
}
