/*
 * msgctx.h - per-connection and per-message state of ssmp-milter.
 *
 * The recipients live in the outbound pipeline (pl, client/pipeline.h),
 * each with the RCPT argument exactly as the MTA gave it, because
 * smfi_delrcpt must name it that way (Postfix matches the original
 * recipient with <> stripped), and a canonical copy for lookups, logs and
 * the SSMP request.  What the MTA negotiated for the connection
 * (leadspc) is kept here too, not in the process-wide state.
 */
#ifndef SSMP_MILTER_MSGCTX_H
#define SSMP_MILTER_MSGCTX_H

#include <stdbool.h>

#include "ssmp_addr.h"
#include "ssmp_status.h"
#include "ssmp_txt.h"
#include "outbound.h"
#include "parse.h"
#include "pipeline.h"
#include "spool.h"

struct ks_keytable;

struct msgctx {
	/* connection */
	enum ob_kind		 conn_kind;
	char			 client[64];
	bool			 leadspc;	/* SMFIP_HDR_LEADSPC granted */
	/* message */
	enum ob_kind		 kind;
	char			 qid[MP_QID_MAX + 1];
	char			 from[SSMP_ADDR_MAX + 1];	/* as sent */
	struct ssmp_addr	 from_addr;
	struct ks_keytable	*keys;		/* held from MAIL to the end */
	const struct ssmp_key	*key;		/* the sender domain's, in keys */
	char			 selector[SSMP_SELECTOR_MAX + 1];
	struct pl_msg		 pl;		/* recipients, envelopes */
	bool			 spooling;
	bool			 have_msgid;	/* exactly one, valid */
	int			 nmsgid;	/* Message-ID fields seen */
	char			 msgid[SSMP_MSGID_MAX + 1];
	struct spool		 spool;
	bool			 spool_failed;
};

struct msgctx *msgctx_new(size_t threshold, const char *dir);
void msgctx_free(struct msgctx *m);
/* Forget the message, keep the connection. */
void msgctx_reset(struct msgctx *m);

#endif
