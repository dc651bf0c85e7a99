/*
 * decide.c - the outbound decision table (see decide.h, ssmp.7 Mapping
 * to SMTP).  Pure functions: unit-tested in full by t/test_decide.c.
 */
#include <string.h>

#include "decide.h"

/* ssmp.7: SMTP would refuse these as well; no fallback after them. */
static bool
smtp_refuses_too(const char *code)
{
	return code != NULL && (strcmp(code, "5.7.1") == 0 ||
	    strcmp(code, "5.1.1") == 0 || strcmp(code, "5.3.4") == 0);
}

enum decision
decide(enum ssmp_mode mode, enum dc_event ev, const char *code,
    bool can_fallback)
{
	bool enforce = mode == SSMP_MODE_ENFORCE;

	switch (ev) {
	case DC_ACCEPTED:
		return DEC_SSMP;
	case DC_NOT_SSMP:
		return can_fallback ? DEC_FALLBACK : DEC_REJECT;
	case DC_NO_UPGRADE:
		return can_fallback ? DEC_FALLBACK : DEC_TEMPFAIL;
	case DC_KEY_UNUSABLE:
	case DC_TEMP:
		return enforce || !can_fallback ? DEC_TEMPFAIL : DEC_FALLBACK;
	case DC_PERM:
		if (enforce || !can_fallback || smtp_refuses_too(code))
			return DEC_REJECT;
		return DEC_FALLBACK;
	default:	/* DC_DISC_TEMP, DC_KEY_TEMP, DC_MAYBE */
		return DEC_TEMPFAIL;
	}
}

const char *
decision_name(enum decision d)
{
	static const char *const names[] = { "upgraded", "fell back",
	    "rejected", "tempfailed" };

	return names[d];
}

enum dc_event
decide_class(const char *code)
{
	return code != NULL && code[0] == '5' ? DC_PERM : DC_TEMP;
}

/* Keep the remote's code when its class fits the reply, else a default. */
static const char *
code_for(enum decision d, const struct ssmp_status *st)
{
	char want = d == DEC_REJECT ? '5' : '4';

	if (st != NULL && st->code[0] == want && st->code[1] == '.')
		return st->code;
	return d == DEC_REJECT ? "5.7.1" : "4.4.3";
}

void
decide_smtp(enum decision d, const struct ssmp_status *st, const char **smtp,
    const char **code)
{
	*code = code_for(d, st);
	if (d != DEC_REJECT)
		*smtp = "451";
	else if (strcmp(*code, "5.3.4") == 0)
		*smtp = "552";
	else if (strncmp(*code, "5.1.", 4) == 0 ||
	    strncmp(*code, "5.7.", 4) == 0)
		*smtp = "550";
	else
		*smtp = "554";
}
