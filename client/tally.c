/*
 * tally.c - counting delivery attempts for delivery reports (tally.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ssmp_log.h"
#include "store.h"
#include "tally.h"

/*
 * The class of r's failure: where the client knew it (DNS, transport,
 * receipt key), else by what decided it.
 */
static enum ssmp_rtype
rtype_of(const struct pl_rcpt *r)
{
	if (r->ev == DC_MAYBE)
		return SSMP_RT_OUTCOME_UNKNOWN;
	if (r->st.rtype != SSMP_RT_NONE)
		return r->st.rtype;
	switch (r->ev) {
	case DC_DISC_TEMP:
	case DC_NO_UPGRADE:
		return SSMP_RT_DNS_TEMP;
	case DC_KEY_TEMP:
	case DC_KEY_UNUSABLE:
		return SSMP_RT_RECEIPT_KEY;
	case DC_TEMP:
	case DC_PERM:
		return SSMP_RT_REFUSED;	/* the receiver's answer */
	default:
		return SSMP_RT_SENDER;
	}
}

/* Did r's attempt fail in a way a report counts? */
static bool
failed(const struct pl_rcpt *r)
{
	switch (r->ev) {
	case DC_DISC_TEMP:
	case DC_NO_UPGRADE:
	case DC_KEY_TEMP:
	case DC_KEY_UNUSABLE:
	case DC_TEMP:
	case DC_PERM:
	case DC_MAYBE:
		return r->route == PL_SMTP || r->route == PL_TEMP ||
		    r->route == PL_REJECT;
	default:
		return false;
	}
}

bool
tl_entry(const struct pl_msg *m, const struct pl_rcpt *r, int64_t now,
    struct tl_entry *e)
{
	const char	*at;
	struct ssmp_err	 err;
	bool		 ok = r->route == PL_DONE && !r->earlier;

	if (m->ks == NULL || !r->valid || r->dup_of != NULL ||
	    r->pol.rua[0] == '\0' || (!ok && !failed(r)) ||
	    (at = strrchr(m->from, '@')) == NULL)
		return false;
	memset(e, 0, sizeof(*e));
	if (ssmp_policy_format(&r->pol, e->policy, sizeof(e->policy),
	    &err) != 0)
		return false;
	(void)snprintf(e->reporter, sizeof(e->reporter), "%s", at + 1);
	e->t.day = ks_day_of(now);
	e->t.reporter = e->reporter;
	e->t.domain = r->addr.domain;
	e->t.policy = e->policy;
	e->t.ok = ok;
	if (!ok) {
		e->t.fallback = r->route == PL_SMTP;
		e->t.type = rtype_of(r);
		e->t.code = r->st.code;
		e->t.sample = r->st.reason;
	}
	return true;
}

void
tl_count(struct ks_store *ks, const struct tl_entry *e, size_t n,
    const char *id)
{
	struct ks_tally	*t;
	struct ssmp_err	 err;
	size_t		 i, dropped;

	if (ks == NULL || n == 0)
		return;
	t = ssmp_xcalloc(n, sizeof(*t));
	for (i = 0; i < n; i++)
		t[i] = e[i].t;
	/* Reports are a courtesy: a count lost is logged, mail goes on. */
	if (ks_tally_add(ks, t, n, &dropped, &err) != 0)
		ssmp_log(LOG_WARNING, id, "report tally: %s", err.msg);
	else if (dropped > 0)
		ssmp_log(LOG_WARNING, id, "report tally: %zu attempts not "
		    "counted: %d receiving domains today already", dropped,
		    KS_TALLY_DOMAINS);
	free(t);
}
