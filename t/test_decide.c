/*
 * test_decide.c - the outbound decision table (client/decide.c) in full:
 * every event in both modes, with and without a front end that can fall
 * back, against the table of ssmp.7 "Mapping to SMTP" written out here
 * independently; then the SMTP replies the milter gives for a decision.
 */
#include <stdio.h>

#include "tap.h"
#include "decide.h"

#define T	SSMP_MODE_TESTING
#define E	SSMP_MODE_ENFORCE
#define S	DEC_SSMP
#define F	DEC_FALLBACK
#define R	DEC_REJECT
#define X	DEC_TEMPFAIL

struct row {
	enum ssmp_mode	 mode;
	enum dc_event	 ev;
	const char	*code;
	enum decision	 fb;	/* the front end can fall back (milter, -F) */
	enum decision	 nofb;	/* it cannot (ssmp-send without -F) */
	const char	*what;
};

static const struct row table[] = {
	{ T, DC_ACCEPTED, "2.1.5", S, S, "class 2" },
	{ E, DC_ACCEPTED, "2.1.5", S, S, "class 2" },
	{ T, DC_NOT_SSMP, "5.1.2", F, R, "not SSMP" },
	{ E, DC_NOT_SSMP, "5.1.3", F, R, "address SSMP cannot carry" },
	{ T, DC_DISC_TEMP, "4.4.3", X, X, "discovery failed for now" },
	{ E, DC_DISC_TEMP, "4.4.3", X, X, "discovery failed for now" },
	{ T, DC_NO_UPGRADE, "4.4.3", F, X, "DNS failed, memory says SMTP" },
	{ E, DC_NO_UPGRADE, "4.3.5", F, X, "our own domain" },
	{ T, DC_KEY_TEMP, "4.4.3", X, X, "receipt key lookup failed" },
	{ E, DC_KEY_TEMP, "4.4.3", X, X, "receipt key lookup failed" },
	{ T, DC_KEY_UNUSABLE, "4.7.5", F, X, "receipt key revoked" },
	{ E, DC_KEY_UNUSABLE, "4.7.5", X, X, "receipt key revoked" },
	{ T, DC_TEMP, "4.3.0", F, X, "class 4" },
	{ E, DC_TEMP, "4.3.0", X, X, "class 4" },
	{ T, DC_TEMP, "", F, X, "transport failure" },
	{ E, DC_TEMP, "", X, X, "transport failure" },
	{ T, DC_MAYBE, "4.7.5", X, X, "receiver may have it" },
	{ E, DC_MAYBE, "4.7.5", X, X, "receiver may have it" },
	{ T, DC_MAYBE, "2.0.0", X, X, "receiver may have it (2xx)" },
	{ T, DC_PERM, "5.7.1", R, R, "5.7.1 (SMTP refuses too)" },
	{ T, DC_PERM, "5.1.1", R, R, "5.1.1 (SMTP refuses too)" },
	{ T, DC_PERM, "5.3.4", R, R, "5.3.4 (SMTP refuses too)" },
	{ T, DC_PERM, "5.7.5", F, R, "5.7.5" },
	{ T, DC_PERM, "5.6.0", F, R, "5.6.0" },
	{ T, DC_PERM, "5.1.2", F, R, "5.1.2" },
	{ T, DC_PERM, "5.7.10", F, R, "5.7.10 (not 5.7.1)" },
	{ E, DC_PERM, "5.7.1", R, R, "5.7.1" },
	{ E, DC_PERM, "5.6.0", R, R, "5.6.0" },
	{ E, DC_PERM, "5.7.5", R, R, "5.7.5" },
};

static void
decisions(void)
{
	const struct row	*t;
	size_t			 i;

	for (i = 0; i < sizeof(table) / sizeof(table[0]); i++) {
		t = &table[i];
		is_str(decision_name(decide(t->mode, t->ev, t->code, true)),
		    decision_name(t->fb), "%s, %s: %s", t->what,
		    ssmp_mode_name(t->mode), decision_name(t->fb));
		is_str(decision_name(decide(t->mode, t->ev, t->code, false)),
		    decision_name(t->nofb), "%s, %s, no fallback: %s",
		    t->what, ssmp_mode_name(t->mode), decision_name(t->nofb));
	}
}

static void
classes(void)
{
	is_int(decide_class("5.7.1"), DC_PERM, "5.7.1 is permanent");
	is_int(decide_class("4.7.0"), DC_TEMP, "4.7.0 is temporary");
	is_int(decide_class(""), DC_TEMP, "no code is temporary");
	is_int(decide_class(NULL), DC_TEMP, "NULL is temporary");
}

static void
reply(enum decision d, const char *code, const char *smtp_want,
    const char *code_want)
{
	struct ssmp_status	 st = { 0 };
	const char		*smtp, *c;

	(void)snprintf(st.code, sizeof(st.code), "%s", code);
	decide_smtp(d, &st, &smtp, &c);
	is_str(smtp, smtp_want, "%s %s: SMTP %s", decision_name(d), code,
	    smtp_want);
	is_str(c, code_want, "%s %s: enhanced code %s", decision_name(d),
	    code, code_want);
}

static void
replies(void)
{
	const char *smtp, *c;

	reply(DEC_REJECT, "5.7.1", "550", "5.7.1");
	reply(DEC_REJECT, "5.1.1", "550", "5.1.1");
	reply(DEC_REJECT, "5.3.4", "552", "5.3.4");
	reply(DEC_REJECT, "5.6.0", "554", "5.6.0");
	reply(DEC_REJECT, "4.3.0", "550", "5.7.1");	/* class forced */
	reply(DEC_TEMPFAIL, "4.7.0", "451", "4.7.0");
	reply(DEC_TEMPFAIL, "5.7.1", "451", "4.4.3");	/* class forced */
	reply(DEC_TEMPFAIL, "", "451", "4.4.3");
	decide_smtp(DEC_REJECT, NULL, &smtp, &c);
	is_str(c, "5.7.1", "no status: 5.7.1");
}

int
main(void)
{
	decisions();
	classes();
	replies();
	printf("1..%d\n", tap_n);
	return tap_failed != 0;
}
