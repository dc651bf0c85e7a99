/*
 * pipeline.h - the outbound pipeline, written once for every front end
 * (ssmp-milter, ssmp-send): discover -> batch -> envelope -> message ->
 * record -> auto-allow.  Every outcome comes from decide() (decide.h).
 *
 * A front end fills a struct pl_msg (client, keystore, sender, key),
 * adds recipients as it learns them and calls the steps in order; each
 * step works on the recipients it finds ready and leaves the others:
 *
 *   pl_rcpt_add()       parse the address; a repeated one follows the
 *                       first (pl_dups() copies its outcome)
 *   pl_skip_delivered() recipients the delivered-log has for this
 *                       Message-ID are done (a retry): no second copy
 *   pl_discover()       _ssmp policy and receipt key of every domain not
 *                       looked up yet, all domains concurrently; our own
 *                       domains are never looked up (not upgraded).  With
 *                       a domain's receipt key revoked or unpublished no
 *                       receipt could verify, so nothing is sent there
 *   pl_envelopes()      one envelope per domain and 100 recipients, all
 *                       concurrently
 *   pl_messages()       the message phase for every accepted recipient,
 *                       concurrently; receipts verified by libdeliver;
 *                       the deliveries of the message recorded in ONE
 *                       delivered-log transaction
 *   pl_auto_allow()     the recipients the message goes to pass the
 *                       sender's allow-list (one transaction), once the
 *                       message is final (nothing temporary)
 *
 * The milter runs discovery and the envelope at RCPT for clients whose
 * RCPT may be refused, and everything else at end of message; ssmp-send
 * runs all steps at once.  The front end maps routes to its own terms
 * (SMFIS codes and smfi_delrcpt, or sysexits).
 *
 * The rule every step serves: a recipient is PL_DONE only when a
 * verified receipt names it (now, or on file from an earlier attempt);
 * when the receiver may have the message without a receipt, it is
 * PL_TEMP in every mode, never PL_SMTP.
 */
#ifndef SSMP_PIPELINE_H
#define SSMP_PIPELINE_H

#include <stdbool.h>
#include <stddef.h>

#include "ssmp_addr.h"
#include "ssmp_status.h"
#include "ssmp_txt.h"
#include "decide.h"
#include "deliver.h"

struct ks_store;
struct ks_keytable;

enum pl_route {
	PL_PENDING = 0,	/* SSMP domain, or not looked up yet */
	PL_SSMP,	/* envelope accepted: the message phase is next */
	PL_DONE,	/* delivered by SSMP (now or earlier): off SMTP */
	PL_SMTP,	/* goes by SMTP: not SSMP, or fell back */
	PL_REJECT,	/* refused for good */
	PL_TEMP		/* try again later */
};

struct pl_rcpt {
	char			*arg;		/* as given (RCPT, argv) */
	struct ssmp_addr	 addr;		/* canonical if valid */
	bool			 valid;		/* SSMP/1 can carry it */
	const struct pl_rcpt	*dup_of;	/* same address given before */
	enum pl_route		 route;
	bool			 discovered;	/* pol/mode known */
	enum ssmp_mode		 mode;		/* of its domain, if SSMP */
	struct ssmp_policy	 pol;
	struct dl_batch		*batch;		/* envelope it is in */
	enum dc_event		 ev;		/* what decided it */
	bool			 earlier;	/* receipt on file already */
	bool			 dup_receipt;	/* receiver had it already */
	struct ssmp_status	 st;		/* latest verdict */
	char			 why[SSMP_REASON_MAX + 64];	/* log text */
};

struct pl_msg {
	/* set by the front end */
	struct dl_client	*dl;
	struct ks_store		*ks;		/* NULL: no delivered-log */
	bool			 can_fallback;	/* it can send by SMTP */
	bool			 auto_allow;	/* AutoAllow */
	const char		*id;		/* log id (queue id) or NULL */
	size_t			 size;		/* octets, for the log; 0: unknown */
	/* called for each recipient logged (metrics); may be NULL */
	void			(*on_log)(const struct pl_msg *,
				    const struct pl_rcpt *);
	const char		*from;		/* canonical sender */
	const char		*selector;
	const struct ssmp_key	*key;
	/*
	 * Our key table: its domains are served by this gateway, so mail to
	 * them is never upgraded to ourselves (NULL: none known).
	 */
	const struct ks_keytable *ours;
	/* the pipeline's */
	struct pl_rcpt		**r;
	size_t			 nr;
	struct dl_batch		**b;		/* owned, one per envelope */
	size_t			 nb;
};

/* Forget the recipients and envelopes; keep what the front end set. */
void pl_reset(struct pl_msg *m);

struct pl_rcpt *pl_rcpt_add(struct pl_msg *m, const char *arg);
/* Forget the last recipient (refused at RCPT: not in the envelope). */
void pl_rcpt_drop_last(struct pl_msg *m);

void pl_skip_delivered(struct pl_msg *m, const char *msgid);
/*
 * final false: a temporary failure leaves the recipient undiscovered, to
 * be asked again by a later call (the milter at DATA).
 */
void pl_discover(struct pl_msg *m, bool final);
void pl_envelopes(struct pl_msg *m);
void pl_messages(struct pl_msg *m, const struct dl_body *body);
/* A repeated recipient takes the first one's outcome. */
void pl_dups(struct pl_msg *m);
/*
 * One log line per decided recipient; each attempt a delivery report
 * counts is counted then (tally.h).
 */
void pl_log(const struct pl_msg *m);
void pl_log_rcpt(const struct pl_msg *m, const struct pl_rcpt *r);
void pl_auto_allow(const struct pl_msg *m);

/* Recipients on route a or b. */
size_t pl_count(const struct pl_msg *m, enum pl_route a, enum pl_route b);
/*
 * The failure a whole message waits for: the first refused recipient,
 * else the first temporary one.  NULL if there is none.
 */
const struct pl_rcpt *pl_failed(const struct pl_msg *m);

#endif
