/*
 * decide.c - the SSMP verdict -> SMTP reply policy of ssmp-milter.
 */
#include <stdio.h>
#include <string.h>

#include "parse.h"
#include "decide.h"

enum decision
decide(enum ssmp_mode mode, enum dl_state st)
{
	switch (st) {
	case DL_ACCEPTED:
		return DEC_SSMP;
	case DL_PERM:
		return mode == SSMP_MODE_ENFORCE ? DEC_REJECT : DEC_FALLBACK;
	default:
		return mode == SSMP_MODE_ENFORCE ? DEC_TEMPFAIL : DEC_FALLBACK;
	}
}

const char *
decision_name(enum decision d)
{
	static const char *const names[] = { "upgraded", "fell back",
	    "rejected", "tempfailed" };

	return names[d];
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

static const char *
smtp_for(enum decision d, const char *code)
{
	if (d == DEC_TEMPFAIL)
		return "451";
	if (strcmp(code, "5.3.4") == 0)
		return "552";
	if (strncmp(code, "5.1.", 4) == 0 || strncmp(code, "5.7.", 4) == 0)
		return "550";
	return "554";
}

void
decide_reply(SMFICTX *ctx, enum decision d, const char *domain,
    const struct ssmp_status *st)
{
	char		 text[SSMP_REASON_MAX + 64], safe[2 * sizeof(text)];
	const char	*code = code_for(d, st);

	(void)snprintf(text, sizeof(text), "SSMP %s: %s", domain,
	    st != NULL && st->reason[0] ? st->reason : "refused");
	mp_reply_text(text, safe, sizeof(safe));
	(void)smfi_setreply(ctx, (char *)smtp_for(d, code), (char *)code,
	    safe);
}

sfsistat
decide_status(enum decision d)
{
	switch (d) {
	case DEC_REJECT:
		return SMFIS_REJECT;
	case DEC_TEMPFAIL:
		return SMFIS_TEMPFAIL;
	default:
		return SMFIS_CONTINUE;
	}
}
