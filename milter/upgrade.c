/*
 * upgrade.c - move recipients from SMTP to SSMP, never losing one: the
 * milter's front end of the outbound pipeline (see upgrade.h).
 *
 * The rule everything here serves: a recipient leaves the SMTP envelope
 * (smfi_delrcpt) only after the receiver's signed receipt for it has
 * been verified (client/pipeline.c says PL_DONE).  Every other outcome
 * leaves it on SMTP, or makes the MTA keep the message and try again.
 */
#include <stdio.h>
#include <string.h>

#include "ssmp_log.h"
#include "decide.h"
#include "milter.h"
#include "mmetrics.h"
#include "send_core.h"
#include "upgrade.h"

static const char *
qid_now(SMFICTX *ctx, struct msgctx *m)
{
	const char *v = smfi_getsymval(ctx, (char *)"i");

	if (mp_token(v, m->qid, sizeof(m->qid), NULL) == NULL)
		m->qid[0] = '\0';
	m->pl.id = m->qid[0] ? m->qid : NULL;
	return m->pl.id;
}

/* The SMTP reply for a refusal: "SSMP <what>: <reason>". */
static sfsistat
refuse(SMFICTX *ctx, enum pl_route route, const char *what,
    const struct ssmp_status *st)
{
	enum decision	 d = route == PL_REJECT ? DEC_REJECT : DEC_TEMPFAIL;
	const char	*smtp, *code;
	char		 text[SSMP_REASON_MAX + 64], safe[2 * sizeof(text)];

	decide_smtp(d, st, &smtp, &code);
	(void)snprintf(text, sizeof(text), "SSMP %s: %s", what,
	    st != NULL && st->reason[0] ? st->reason : "refused");
	mp_reply_text(text, safe, sizeof(safe));
	(void)smfi_setreply(ctx, (char *)smtp, (char *)code, safe);
	return d == DEC_REJECT ? SMFIS_REJECT : SMFIS_TEMPFAIL;
}

sfsistat
upgrade_rcpt(SMFICTX *ctx, struct msgctx *m, struct pl_rcpt *r)
{
	sfsistat rc;

	pl_discover(&m->pl, true);
	pl_envelopes(&m->pl);
	if (r->route != PL_REJECT && r->route != PL_TEMP)
		return SMFIS_CONTINUE;
	(void)qid_now(ctx, m);
	pl_log_rcpt(&m->pl, r);
	rc = refuse(ctx, r->route, r->addr.domain, &r->st);
	pl_rcpt_drop_last(&m->pl);
	return rc;
}

/* Nothing (left) for SSMP: log and AutoAllow, the MTA does the rest. */
static void
smtp_only(SMFICTX *ctx, struct msgctx *m)
{
	(void)qid_now(ctx, m);
	pl_dups(&m->pl);
	pl_log(&m->pl);
	pl_auto_allow(&m->pl);
}

int
upgrade_data(SMFICTX *ctx, struct msgctx *m)
{
	pl_discover(&m->pl, false);
	if (pl_count(&m->pl, PL_PENDING, PL_SSMP) > 0)
		return 1;
	/* The body need not reach the milter.  Postfix has the queue id. */
	smtp_only(ctx, m);
	return 0;
}

static void
finish_body(struct msgctx *m, struct dl_body *body)
{
	memset(body, 0, sizeof(*body));
	spool_finish(&m->spool, body);
	sc_body_msgid(body, m->have_msgid ? m->msgid : NULL);
}

/* Take every delivered recipient off the envelope; -1 if one stays. */
static int
delrcpt_done(SMFICTX *ctx, struct msgctx *m)
{
	struct pl_rcpt	*r;
	size_t		 i;
	int		 rc = 0;

	for (i = 0; i < m->pl.nr; i++) {
		r = m->pl.r[i];
		if (r->route != PL_DONE ||
		    smfi_delrcpt(ctx, r->arg) == MI_SUCCESS)
			continue;
		/* Delivered, yet still in the envelope: never twice. */
		r->route = PL_TEMP;
		(void)snprintf(r->why, sizeof(r->why), "tempfailed, "
		    "smfi_delrcpt failed after delivery");
		rc = -1;
	}
	return rc;
}

/*
 * The steps after DATA; the recipient the whole message waits for, or
 * NULL.  A refusal in the message phase is too late to refuse one
 * recipient: it stays on SMTP, for the MTA to deliver or bounce.
 */
static const struct pl_rcpt *
eom_steps(SMFICTX *ctx, struct msgctx *m, const struct dl_body *body)
{
	const struct pl_rcpt	*fail;
	size_t			 i;

	pl_skip_delivered(&m->pl, body->msgid);
	pl_discover(&m->pl, true);
	if ((fail = pl_failed(&m->pl)) != NULL)
		return fail;	/* before any envelope goes out */
	pl_envelopes(&m->pl);
	if ((fail = pl_failed(&m->pl)) != NULL)
		return fail;
	pl_messages(&m->pl, body);
	pl_dups(&m->pl);
	(void)delrcpt_done(ctx, m);
	for (i = 0; i < m->pl.nr; i++)
		if (m->pl.r[i]->route == PL_REJECT)
			m->pl.r[i]->route = PL_SMTP;
	return pl_failed(&m->pl);
}

static void
add_header(SMFICTX *ctx, const struct msgctx *m)
{
	const char	*host;
	char		 v[256];
	size_t		 up;

	if (!milter->cfg.add_header)
		return;
	up = pl_count(&m->pl, PL_DONE, PL_DONE);
	/* The MTA's name ({j}): the header tells where the copy left. */
	if ((host = smfi_getsymval(ctx, (char *)"j")) == NULL || *host == '\0')
		host = milter->hostname;
	/* With SMFIP_HDR_LEADSPC the MTA adds no blank after the colon. */
	(void)snprintf(v, sizeof(v), "%s%s; upgraded=%zu; smtp=%zu",
	    m->leadspc ? " " : "", host, up, m->pl.nr - up);
	(void)smfi_addheader(ctx, (char *)"SSMP-Milter", v);
}

sfsistat
upgrade_eom(SMFICTX *ctx, struct msgctx *m)
{
	struct dl_body		 body;
	struct ssmp_status	 st;
	const struct pl_rcpt	*fail;

	if (pl_count(&m->pl, PL_PENDING, PL_SSMP) == 0) {
		smtp_only(ctx, m);
		return SMFIS_CONTINUE;
	}
	(void)qid_now(ctx, m);
	finish_body(m, &body);
	m->pl.size = body.len;
	if (m->spool_failed) {
		ssmp_log(LOG_ERR, m->pl.id, "spool failed");
		pl_log(&m->pl);
		ssmp_status_set(&st, SSMP_INTERNAL, "cannot keep the message");
		return refuse(ctx, PL_TEMP, "message", &st);
	}
	fail = eom_steps(ctx, m, &body);
	pl_dups(&m->pl);
	pl_log(&m->pl);
	if (fail != NULL) {
		/* Receipts already on file make the retry skip those. */
		return refuse(ctx, fail->route, "message", &fail->st);
	}
	pl_auto_allow(&m->pl);
	if (pl_count(&m->pl, PL_DONE, PL_DONE) == m->pl.nr) {
		ssmp_log(LOG_INFO, m->pl.id,
		    "all recipients upgraded to SSMP, SMTP copy discarded");
		mm_discarded();
		return SMFIS_DISCARD;
	}
	add_header(ctx, m);
	return SMFIS_CONTINUE;
}
