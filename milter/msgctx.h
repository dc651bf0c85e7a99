/*
 * msgctx.h - per-connection and per-message state of ssmp-milter.
 *
 * A recipient keeps the RCPT argument exactly as the MTA gave it, because
 * smfi_delrcpt must name it that way (Postfix matches the original
 * recipient with <> stripped), and a canonical copy for lookups, logs and
 * the SSMP request.
 */
#ifndef SSMP_MILTER_MSGCTX_H
#define SSMP_MILTER_MSGCTX_H

#include <stdbool.h>

#include "ssmp_addr.h"
#include "ssmp_status.h"
#include "ssmp_txt.h"
#include "deliver.h"
#include "outbound.h"
#include "parse.h"
#include "spool.h"

struct ks_keytable;

enum rcpt_route {
	RT_SMTP = 0,	/* stays in the SMTP envelope, nothing to do */
	RT_PENDING,	/* SSMP domain or not known yet: decide at EOM */
	RT_SSMP,	/* envelope accepted: message phase at EOM */
	RT_DONE		/* delivered by SSMP (or earlier): delrcpt */
};

struct rcpt {
	struct rcpt		*next;
	char			*raw;		/* the RCPT argument as given */
	struct ssmp_addr	 addr;		/* canonical */
	bool			 valid;		/* SSMP/1 can carry it */
	enum rcpt_route		 route;
	bool			 discovered;	/* pol/mode known (at RCPT) */
	enum ssmp_mode		 mode;		/* of its domain, if SSMP */
	struct ssmp_policy	 pol;
	struct dl_batch		*batch;		/* envelope it is in */
	struct ssmp_status	 st;		/* last remote verdict */
	char			 why[SSMP_REASON_MAX + 64];	/* log text */
};

struct msgctx {
	/* connection */
	enum ob_kind		 conn_kind;
	char			 client[64];
	/* message */
	enum ob_kind		 kind;
	char			 qid[MP_QID_MAX + 1];
	char			 from[SSMP_ADDR_MAX + 1];	/* as sent */
	struct ssmp_addr	 from_addr;
	struct ks_keytable	*keys;		/* held from MAIL to the end */
	const struct ssmp_key	*key;		/* the sender domain's, in keys */
	char			 selector[SSMP_SELECTOR_MAX + 1];
	struct rcpt		*rcpts, **tail;
	int			 nrcpt;
	struct dl_batch		**batches;	/* owned, one per envelope */
	int			 nbatch;
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
struct rcpt *msgctx_rcpt_add(struct msgctx *m, const char *raw);
/* Forget the last recipient added (refused at RCPT: not in the envelope). */
void msgctx_rcpt_drop_last(struct msgctx *m);
struct dl_batch *msgctx_batch_new(struct msgctx *m);
/* Recipients still in the SMTP envelope after EOM. */
int msgctx_smtp_left(const struct msgctx *m);

#endif
