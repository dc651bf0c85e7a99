/*
 * send_run.c - ssmp-send's steps of the outbound pipeline and its exit
 * statuses (see send_run.h).
 */
#include <stdio.h>
#include <string.h>
#include <sysexits.h>

#include "send_run.h"

void
sd_rcpts(struct sd_job *j, char **argv, int n)
{
	int i;

	j->pl.can_fallback = j->fallback;
	for (i = 0; i < n; i++)
		(void)pl_rcpt_add(&j->pl, argv[i]);
}

void
sd_run(struct sd_job *j)
{
	pl_skip_delivered(&j->pl, j->body->msgid);
	pl_discover(&j->pl, true);
	pl_envelopes(&j->pl);
	pl_messages(&j->pl, j->body);
	pl_dups(&j->pl);
	pl_log(&j->pl);
	pl_auto_allow(&j->pl);
}

/* sysexits code of a permanent refusal. */
static int
perm_exit(const struct pl_rcpt *r)
{
	if (r->ev == DC_NOT_SSMP && r->valid)
		return EX_NOHOST;
	if (strncmp(r->st.code, "5.1.", 4) == 0)
		return EX_NOUSER;
	if (strncmp(r->st.code, "5.7.", 4) == 0)
		return EX_NOPERM;
	return EX_UNAVAILABLE;
}

static int
rcpt_exit(const struct pl_rcpt *r)
{
	switch (r->route) {
	case PL_DONE:
		return 0;
	case PL_SMTP:
		return EX_FALLBACK;
	case PL_REJECT:
		return perm_exit(r);
	default:
		return EX_TEMPFAIL;
	}
}

int
sd_exit(const struct sd_job *j)
{
	/* Worst first: anything temporary retries the whole batch. */
	static const int order[] = { EX_TEMPFAIL, EX_FALLBACK, EX_NOPERM,
	    EX_NOUSER, EX_UNAVAILABLE, EX_NOHOST };
	size_t	k, i;

	for (k = 0; k < sizeof(order) / sizeof(order[0]); k++)
		for (i = 0; i < j->pl.nr; i++)
			if (rcpt_exit(j->pl.r[i]) == order[k])
				return order[k];
	return 0;
}

/* The word for people (ssmp-send.8, EXIT STATUS). */
static const char *
what(const struct pl_rcpt *r)
{
	switch (r->route) {
	case PL_DONE:
		if (r->earlier)
			return "delivered earlier";
		return r->dup_receipt ? "delivered (duplicate, original "
		    "receipt)" : "delivered";
	case PL_SMTP:
		return "fall back to SMTP";
	case PL_REJECT:
		return perm_exit(r) == EX_NOHOST ? "not SSMP" : "rejected";
	default:
		return r->ev == DC_MAYBE ? "tempfailed, may have been "
		    "delivered" : "tempfailed";
	}
}

void
sd_report(const struct sd_job *j, FILE *out)
{
	const struct pl_rcpt	*r;
	size_t			 i;

	for (i = 0; i < j->pl.nr; i++) {
		r = j->pl.r[i];
		fprintf(out, "%s: %s %s: %s\n", r->arg, r->st.code, what(r),
		    r->st.reason);
	}
}
