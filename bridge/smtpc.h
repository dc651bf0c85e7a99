/*
 * smtpc.h - a small blocking SMTP/LMTP client for the hand-off to the
 * local MTA, run from worker threads.
 *
 * Why not libcurl: curl cannot speak LMTP (LHLO and one reply per
 * recipient after DATA), and it reports per-recipient RCPT replies only
 * through its debug hook.  Here every reply is kept: the RCPT reply of
 * each recipient, the final reply, the queue id ("250 2.0.0 Ok: queued
 * as X").  Idle sessions are pooled and reused after RSET.
 *
 * A pooled session can turn bad while it waits (the MTA's milter was
 * restarted, the MTA is shutting down): a session is retired on any 421
 * and on a 4xx at MAIL or RCPT that is not about the recipient (not
 * 4.1.x, 4.2.x, 4.5.3, or a bare 450), and after a maximum age and a
 * maximum number of transactions; a transaction that failed so on a
 * reused session runs once more on a fresh one before its result counts.
 */
#ifndef BRIDGE_SMTPC_H
#define BRIDGE_SMTPC_H

#include <stdbool.h>
#include <stddef.h>

#include "ssmp_confparse.h"
#include "ssmp_err.h"
#include "ssmp_limits.h"

struct smtpc_pool;
/* The DATA stream of one transaction (smtpc_data_write). */
struct smtpc_data;

struct smtpc_reply {
	int	code;			/* 250, 550 ...; 0 = no answer */
	char	enh[16];		/* "5.1.1" or "" */
	char	text[SSMP_REASON_MAX + 1];	/* reply text after the codes */
};

struct smtpc_txn {
	const char		*id;		/* for log lines, or NULL */
	const char		*from;
	int			 nrcpt;
	const char		*const *rcpt;
	const char		*head;		/* prepended header lines, CRLF */
	size_t			 headlen;
	const void		*body;		/* RFC 5322 octets */
	size_t			 bodylen;
	/*
	 * Or the message after head written by this hook with
	 * smtpc_data_write (once per attempt: it must be able to start
	 * again).  Non-zero = stop; the session is dropped.
	 */
	int			(*write_body)(struct smtpc_data *d, void *arg,
				    struct ssmp_err *err);
	void			*body_arg;
	/*
	 * Called after the body, just before the final ".": from there on
	 * the MTA may hold the message.  Non-zero = do not send it; the
	 * session is dropped (the MTA discards the message), t->vetoed is
	 * set and smtpc_run fails with the hook's err.
	 */
	int			(*before_dot)(const struct smtpc_txn *t,
				    void *arg, struct ssmp_err *err);
	void			*before_dot_arg;
	/* results */
	struct smtpc_reply	 mail;
	struct smtpc_reply	*rcpt_reply;	/* nrcpt entries, caller's */
	struct smtpc_reply	 data;		/* SMTP: reply after "." */
	char			 queueid[64];
	bool			 dot_sent;	/* the whole message incl. "."
						   went out: if smtpc_run then
						   fails, recipients without a
						   final reply may have been
						   accepted (outcome unknown) */
	bool			 vetoed;	/* before_dot said no */
	int			 attempts;	/* sessions tried (1 or 2) */
};

/* Limits of a pooled session's reuse (MTAReuseTime, MTAReuseCount). */
struct smtpc_reuse {
	int	max_age;		/* seconds */
	int	max_txn;		/* transactions */
};

/* lmtp: speak LHLO and read one final reply per accepted recipient. */
struct smtpc_pool *smtpc_pool_new(const struct ssmp_sockspec *mta, bool lmtp,
    const char *helo, int timeout, const struct smtpc_reuse *reuse);
void smtpc_pool_free(struct smtpc_pool *p);

/*
 * Run one transaction.  -1 with err set when the MTA could not be
 * reached or the session broke before a final answer (nothing was
 * accepted, unless t->dot_sent); otherwise 0 and each recipient's outcome in rcpt_reply
 * (the RCPT reply if that failed, else the final reply).
 * With body NULL the transaction stops after RCPT (RSET): a recipient
 * probe.
 */
int smtpc_run(struct smtpc_pool *p, struct smtpc_txn *t, struct ssmp_err *err);

/*
 * Write n octets of the message into the DATA stream, dot-stuffed as they
 * go (runs between line starts with '.'), a bare LF sent as CRLF; the
 * message may come in pieces cut anywhere.  0, or -1 with err set.
 */
int smtpc_data_write(struct smtpc_data *d, const void *p, size_t n,
    struct ssmp_err *err);

/* The same as a callback (hf_emit) with the transaction's err. */
int smtpc_data_emit(void *d, const char *p, size_t n);
/* Is a 4xx reply to RCPT about that recipient (not the session)? */
bool smtpc_rcpt_specific(const struct smtpc_reply *r);

/* "queued as X" from a reply text, or "". */
void smtpc_queueid(const char *text, char *out, size_t outlen);

#endif
