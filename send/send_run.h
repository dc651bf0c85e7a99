/*
 * send_run.h - ssmp-send's front end of the outbound pipeline
 * (client/pipeline.h): one message to a list of recipients, every step
 * at once, with an exit status per recipient instead of an SMTP envelope
 * to edit.
 *
 * Each recipient ends with a sysexits(3) code (ssmp-send.8, EXIT STATUS)
 * and the status line the receiver gave.  ssmp-send can send nothing by
 * SMTP itself: only with -F (j->fallback) does a recipient the milter
 * would leave on SMTP end as EX_FALLBACK, for the caller's router.
 */
#ifndef SSMP_SEND_RUN_H
#define SSMP_SEND_RUN_H

#include <stdbool.h>
#include <stdio.h>

#include "pipeline.h"

/*
 * With -F: a testing-mode domain failed (or a domain has no SSMP): the
 * caller's router may send the recipient by SMTP instead.  Outside the
 * sysexits range on purpose, so no MTA mistakes it for another reason.
 */
#define EX_FALLBACK	79

struct sd_job {
	struct pl_msg		 pl;	/* dl, ks, id, from, selector, key */
	bool			 fallback;	/* -F */
	const struct dl_body	*body;
};

/* The recipients, as given on the command line. */
void sd_rcpts(struct sd_job *j, char **argv, int n);
void sd_run(struct sd_job *j);
/* The exit status of the whole run: the worst recipient's. */
int sd_exit(const struct sd_job *j);
/* One line per recipient: "RCPT: X.Y.Z what: text". */
void sd_report(const struct sd_job *j, FILE *out);

#endif
