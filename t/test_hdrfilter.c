/*
 * test_hdrfilter.c - ssmpd's removal of trust header fields (ssmp.7
 * HDR-4; bridge/hdrfilter.c), fed whole and one octet at a time.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hdrfilter.h"
#include "ssmp_buf.h"
#include "tap.h"

#define OURS	"ssmp.b.test"

static int
collect(void *arg, const char *p, size_t n)
{
	ssmp_buf_add(arg, p, n);
	return 0;
}

/* in filtered with pieces of `step` octets (0: whole). */
static char *
filter(const char *in, size_t step, size_t *removed)
{
	struct hdrfilter *f = malloc(sizeof(*f));
	struct ssmp_buf b;
	size_t n = strlen(in);
	char *r;

	ssmp_buf_init(&b);
	hf_init(f, OURS, collect, &b);
	if (step == 0)
		hf_feed(f, in, n);
	else
		for (size_t i = 0; i < n; i += step)
			hf_feed(f, in + i, n - i < step ? n - i : step);
	hf_finish(f);
	*removed = f->removed;
	free(f);
	ssmp_buf_add(&b, "", 1);
	r = ssmp_xstrdup(b.p);
	ssmp_buf_free(&b);
	return r;
}

static void
check(const char *name, const char *in, const char *want)
{
	size_t steps[] = { 0, 1, 2, 3, 7 }, rm;

	for (size_t i = 0; i < sizeof(steps) / sizeof(steps[0]); i++) {
		char *got = filter(in, steps[i], &rm);

		if (steps[i] == 0)
			is_str(got, want, "%s", name);
		else if (strcmp(got, want) != 0)
			is_str(got, want, "%s (pieces of %zu)", name, steps[i]);
		free(got);
	}
}

#define BODY	"\r\nbody: SSMP-Trust: trusted\r\n.\r\n"

int
main(void)
{
	char big[HF_PENDING_MAX + 200], buf[HF_PENDING_MAX + 400];
	char id[64];

	check("no trust fields: unchanged",
	    "From: a@a.test\r\nSubject: hi\r\n" BODY,
	    "From: a@a.test\r\nSubject: hi\r\n" BODY);
	check("SSMP-Trust removed",
	    "SSMP-Trust: trusted\r\nFrom: a@a.test\r\n" BODY,
	    "From: a@a.test\r\n" BODY);
	check("any case, blanks before the colon",
	    "ssmp-trust : trusted\r\nSSMP-TRUST\t:known\r\nFrom: a\r\n" BODY,
	    "From: a\r\n" BODY);
	check("folded SSMP-Trust removed with its folds",
	    "From: a\r\nSSMP-Trust:\r\n trusted\r\n\tstill\r\nTo: b\r\n" BODY,
	    "From: a\r\nTo: b\r\n" BODY);
	check("bare LF lines",
	    "From: a\nSSMP-Trust: trusted\nTo: b\n\nbody\n",
	    "From: a\nTo: b\n\nbody\n");
	check("A-R with our authserv-id removed",
	    "Authentication-Results: ssmp.b.test; ssmp=pass\r\nFrom: a\r\n" BODY,
	    "From: a\r\n" BODY);
	check("A-R ours: case, comment, folding, version",
	    "authentication-results : (c;o(m)ment)\r\n SSMP.B.Test 1;\r\n"
	    " ssmp=pass\r\nFrom: a\r\n" BODY,
	    "From: a\r\n" BODY);
	check("A-R ours as a quoted string",
	    "Authentication-Results: \"ssmp.b.test\"; ssmp=pass\r\nFrom: a\r\n"
	    BODY, "From: a\r\n" BODY);
	check("A-R of another authserv-id kept",
	    "Authentication-Results: mx.other.test; dkim=pass\r\nFrom: a\r\n"
	    BODY, "Authentication-Results: mx.other.test; dkim=pass\r\n"
	    "From: a\r\n" BODY);
	check("A-R ours.example (a longer id) kept",
	    "Authentication-Results: ssmp.b.test.evil; x=y\r\n" BODY,
	    "Authentication-Results: ssmp.b.test.evil; x=y\r\n" BODY);
	check("A-R without ';' ending at the next field",
	    "Authentication-Results: ssmp.b.test\r\nFrom: a\r\n" BODY,
	    "From: a\r\n" BODY);
	check("A-R without an authserv-id: dropped",
	    "Authentication-Results: (only a comment\r\nFrom: a\r\n" BODY,
	    "From: a\r\n" BODY);
	check("a fold at the top continues nothing: dropped",
	    " trusted\r\n\tx\r\nFrom: a\r\n" BODY, "From: a\r\n" BODY);
	check("nothing in the body is touched",
	    "From: a\r\n\r\nSSMP-Trust: trusted\r\nAuthentication-Results: "
	    "ssmp.b.test; x\r\n", "From: a\r\n\r\nSSMP-Trust: trusted\r\n"
	    "Authentication-Results: ssmp.b.test; x\r\n");
	check("no header at all", "\r\nbody\r\n", "\r\nbody\r\n");
	check("no body, no final line end",
	    "From: a\r\nSSMP-Trust: trusted", "From: a\r\n");
	check("a line without a colon is kept", "junk line\r\nFrom: a\r\n"
	    BODY, "junk line\r\nFrom: a\r\n" BODY);
	check("SSMP-Trusted (another name) kept", "SSMP-Trusted: x\r\n" BODY,
	    "SSMP-Trusted: x\r\n" BODY);

	/* an A-R whose authserv-id hides behind more than the limit */
	snprintf(big, sizeof(big), "Authentication-Results: (%0*d) "
	    "ssmp.b.test; x\r\nFrom: a\r\n" BODY, HF_PENDING_MAX, 0);
	check("A-R hiding its authserv-id behind 8 KiB: dropped", big,
	    "From: a\r\n" BODY);
	/* a long ordinary field is kept whole */
	snprintf(big, sizeof(big), "X-Long: %0*d\r\n", HF_PENDING_MAX, 0);
	snprintf(buf, sizeof(buf), "%sFrom: a\r\n" BODY, big);
	check("a field longer than the limit is kept", buf, buf);

	ok(hf_authserv_id(" (x) b.test (y) 1; z", 20, id, sizeof(id)) &&
	    strcmp(id, "b.test") == 0, "authserv-id after a comment");
	ok(!hf_authserv_id(" ; none", 7, id, sizeof(id)),
	    "no authserv-id before ';'");
	return done_testing();
}
