/*
 * send_deliver.h - one message to a list of recipients by SSMP, as
 * ssmp-milter does it at end of message, with an exit status per
 * recipient instead of an SMTP envelope to edit.
 *
 * Steps: recipients delivered earlier (delivered-log) are skipped;
 * discovery for all domains at once; one envelope per domain (100
 * recipients at most, several envelopes beyond); the message phase for
 * every accepted recipient concurrently; receipts verified by libdeliver
 * and logged.  Each recipient ends with a sysexits(3) code (ssmp-send.8,
 * EXIT STATUS) and the status line the receiver gave.
 */
#ifndef SSMP_SEND_DELIVER_H
#define SSMP_SEND_DELIVER_H

#include <stdbool.h>
#include <stdio.h>

#include "ssmp_addr.h"
#include "ssmp_status.h"
#include "ssmp_txt.h"
#include "deliver.h"

/*
 * With -F: a testing-mode domain failed (or a domain has no SSMP): the
 * caller's router may send the recipient by SMTP instead.  Outside the
 * sysexits range on purpose, so no MTA mistakes it for another reason.
 */
#define EX_FALLBACK	79

struct ks_store;

struct sd_rcpt {
	const char		*arg;		/* as given on the command line */
	struct ssmp_addr	 addr;		/* canonical */
	bool			 done;		/* outcome known */
	int			 ex;		/* sysexits code, 0 delivered */
	int			 dup_of;	/* index of the same address, or -1 */
	enum ssmp_mode		 mode;
	struct ssmp_policy	 pol;
	struct dl_batch		*batch;
	struct ssmp_status	 st;
	char			 what[64];	/* for people: "delivered" ... */
};

struct sd_job {
	struct dl_client	*dl;
	struct ks_store		*ks;
	bool			 fallback;	/* -F */
	bool			 auto_allow;	/* AutoAllow */
	const char		*id;		/* log id (queue id) or NULL */
	const char		*from;		/* canonical sender */
	const char		*selector;
	const struct ssmp_key	*key;
	const struct dl_body	*body;
	struct sd_rcpt		*r;
	int			 nr;
};

/* Fill r[i].arg..addr from argv; an address SSMP cannot carry is done. */
void sd_rcpts(struct sd_job *j, char **argv, int n);
void sd_run(struct sd_job *j);
/* The exit status of the whole run: the worst recipient's. */
int sd_exit(const struct sd_job *j);
/* One line per recipient: "RCPT: X.Y.Z text". */
void sd_report(const struct sd_job *j, FILE *out);

#endif
