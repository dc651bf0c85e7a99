/*
 * callbacks.c - the libmilter callbacks: a few lines each.
 *
 * They keep per-message state (msgctx.c), decide whether the mail is
 * outbound (outbound.c), keep the message (spool.c) and hand the real
 * work to upgrade.c.  Mail that is not ours, or has no SSMP recipient
 * left by DATA, is accepted at once so it costs no further callbacks.
 *
 * Every round trip to the MTA costs each SMTP session time, so the MTA
 * is asked not to send HELO or unknown commands at all and not to wait
 * for a reply after connect, MAIL, each header, end of headers or body
 * chunk: the milter only answers at RCPT, DATA and end of message.  Mail
 * that is not ours is therefore accepted at its first RCPT, which costs
 * the same one reply that accepting at MAIL did.  libmilter emulates the
 * "no reply" steps for an MTA that lacks them.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "ssmp_log.h"
#include "milter.h"
#include "msgctx.h"
#include "parse.h"
#include "signer.h"
#include "upgrade.h"

#define MSG(ctx)	((struct msgctx *)smfi_getpriv(ctx))

/* The steps whose reply nobody waits for (libmilter >= 8.14 fakes them). */
#define MILTER_NOREPLY	(SMFIP_NR_CONN | SMFIP_NR_MAIL | SMFIP_NR_HDR | \
			 SMFIP_NR_EOH | SMFIP_NR_BODY)

/* The connection's state, made at negotiation (or connect, without it). */
static struct msgctx *
conn_state(SMFICTX *ctx)
{
	struct msgctx *m = MSG(ctx);

	if (m == NULL) {
		m = msgctx_new(milter->cfg.spool_threshold,
		    milter->cfg.spool_directory);
		smfi_setpriv(ctx, m);
	}
	return m;
}

static sfsistat
mlfi_negotiate(SMFICTX *ctx, unsigned long f0, unsigned long f1,
    unsigned long f2, unsigned long f3, unsigned long *pf0,
    unsigned long *pf1, unsigned long *pf2, unsigned long *pf3)
{
	*pf0 = SMFIF_DELRCPT | SMFIF_ADDHDRS;
	/* Exact header bytes: keep the blank after the colon if offered. */
	*pf1 = f1 & (SMFIP_HDR_LEADSPC | SMFIP_NOHELO | SMFIP_NOUNKNOWN |
	    MILTER_NOREPLY);
	conn_state(ctx)->leadspc = (f1 & SMFIP_HDR_LEADSPC) != 0;
	*pf2 = *pf3 = 0;
	/* Only the macros read here, so the MTA looks up and sends less. */
	(void)smfi_setsymlist(ctx, SMFIM_CONNECT, (char *)"j");
	(void)smfi_setsymlist(ctx, SMFIM_ENVFROM, (char *)"i {auth_authen}");
	(void)smfi_setsymlist(ctx, SMFIM_ENVRCPT, (char *)"i");
	(void)smfi_setsymlist(ctx, SMFIM_DATA, (char *)"i");
	(void)smfi_setsymlist(ctx, SMFIM_EOH, (char *)"i");
	(void)smfi_setsymlist(ctx, SMFIM_EOM, (char *)"i");
	return SMFIS_CONTINUE;
}

static sfsistat
mlfi_connect(SMFICTX *ctx, char *host, _SOCK_ADDR *sa)
{
	struct msgctx *m = conn_state(ctx);

	m->conn_kind = m->kind = outbound_connect(milter->nets, milter->nnets,
	    sa);
	(void)mp_token(host, m->client, sizeof(m->client), "unknown");
	return SMFIS_NOREPLY;
}

/* Decides whether the message is ours; the answer waits for RCPT. */
static sfsistat
mlfi_envfrom(SMFICTX *ctx, char **argv)
{
	struct msgctx	*m = MSG(ctx);
	struct ssmp_err	 err;
	const char	*sel;

	if (m == NULL)
		return SMFIS_NOREPLY;
	msgctx_reset(m);
	m->kind = outbound_mail(m->conn_kind,
	    smfi_getsymval(ctx, (char *)"{auth_authen}"));
	if (m->kind == OB_NO)
		return SMFIS_NOREPLY;	/* not outbound: hands off */
	if (mp_address(argv[0], &m->from_addr, &err) != 0)
		return SMFIS_NOREPLY;	/* bounces, exotic senders: SMTP */
	/* The table of this message, even if a reload swaps it meanwhile. */
	m->keys = signer_hold(milter->signer);
	if ((m->key = signer_key(m->keys, m->from_addr.domain, &sel)) ==
	    NULL) {
		msgctx_reset(m);
		return SMFIS_NOREPLY;	/* not one of our signing domains */
	}
	(void)snprintf(m->selector, sizeof(m->selector), "%s", sel);
	(void)snprintf(m->from, sizeof(m->from), "%s", m->from_addr.full);
	m->pl.key = m->key;
	m->pl.ours = m->keys;
	return SMFIS_NOREPLY;
}

static sfsistat
mlfi_envrcpt(SMFICTX *ctx, char **argv)
{
	struct msgctx	*m = MSG(ctx);
	struct pl_rcpt	*r;

	/* Only an outbound message of a signing domain has a key. */
	if (m == NULL || m->key == NULL)
		return SMFIS_ACCEPT;	/* no further callback for it */
	r = pl_rcpt_add(&m->pl, argv[0]);
	if (r->route != PL_PENDING || r->dup_of != NULL)
		return SMFIS_CONTINUE;	/* not SSMP, or the first one's */
	if (!outbound_rcpt_decides(m->kind))
		return SMFIS_CONTINUE;	/* local submission: at EOM */
	return upgrade_rcpt(ctx, m, r);
}

static sfsistat
mlfi_data(SMFICTX *ctx)
{
	struct msgctx *m = MSG(ctx);

	/* No SSMP recipient left: nothing to keep the body for. */
	if (upgrade_data(ctx, m) == 0) {
		msgctx_reset(m);	/* no callback of it follows */
		return SMFIS_ACCEPT;
	}
	m->spooling = true;
	return SMFIS_CONTINUE;
}

static sfsistat
mlfi_header(SMFICTX *ctx, char *name, char *value)
{
	struct msgctx	*m = MSG(ctx);
	struct ssmp_err	 err;

	if (!m->spooling || m->spool_failed)
		return SMFIS_NOREPLY;
	/* exactly one valid Message-ID, else sha256: (ssmp.7 MSG-3) */
	if (strcasecmp(name, "Message-ID") == 0)
		m->have_msgid = m->nmsgid++ == 0 &&
		    mp_msgid(value, m->msgid) == 0;
	if (spool_header(&m->spool, name, value, m->leadspc, &err) != 0) {
		ssmp_log(LOG_ERR, NULL, "%s", err.msg);
		m->spool_failed = true;
	}
	return SMFIS_NOREPLY;
}

static sfsistat
mlfi_eoh(SMFICTX *ctx)
{
	struct msgctx	*m = MSG(ctx);
	struct ssmp_err	 err;

	if (m->spooling && !m->spool_failed &&
	    spool_add(&m->spool, "\r\n", 2, &err) != 0) {
		ssmp_log(LOG_ERR, NULL, "%s", err.msg);
		m->spool_failed = true;
	}
	return SMFIS_NOREPLY;
}

static sfsistat
mlfi_body(SMFICTX *ctx, unsigned char *p, size_t n)
{
	struct msgctx	*m = MSG(ctx);
	struct ssmp_err	 err;

	if (m->spooling && !m->spool_failed &&
	    spool_add(&m->spool, p, n, &err) != 0) {
		ssmp_log(LOG_ERR, NULL, "%s", err.msg);
		m->spool_failed = true;
	}
	return SMFIS_NOREPLY;
}

static sfsistat
mlfi_eom(SMFICTX *ctx)
{
	struct msgctx	*m = MSG(ctx);
	sfsistat	 rc;

	rc = upgrade_eom(ctx, m);
	msgctx_reset(m);
	return rc;
}

static sfsistat
mlfi_abort(SMFICTX *ctx)
{
	struct msgctx *m = MSG(ctx);

	if (m != NULL)
		msgctx_reset(m);
	return SMFIS_CONTINUE;
}

static sfsistat
mlfi_close(SMFICTX *ctx)
{
	msgctx_free(MSG(ctx));
	smfi_setpriv(ctx, NULL);
	return SMFIS_CONTINUE;
}

struct smfiDesc milter_desc = {
	.xxfi_name = (char *)"ssmp-milter",
	.xxfi_version = SMFI_VERSION,
	.xxfi_flags = SMFIF_DELRCPT | SMFIF_ADDHDRS,
	.xxfi_connect = mlfi_connect,
	.xxfi_envfrom = mlfi_envfrom,
	.xxfi_envrcpt = mlfi_envrcpt,
	.xxfi_data = mlfi_data,
	.xxfi_header = mlfi_header,
	.xxfi_eoh = mlfi_eoh,
	.xxfi_body = mlfi_body,
	.xxfi_eom = mlfi_eom,
	.xxfi_abort = mlfi_abort,
	.xxfi_close = mlfi_close,
	.xxfi_negotiate = mlfi_negotiate,
};
