/*
 * send_read.h - the message ssmp-send gets on standard input, made into
 * what the SSMP receiver must get: RFC 5322 octets with CRLF line ends.
 *
 * MTAs hand a pipe the message with LF (Postfix pipe(8), Exim without
 * use_crlf) or CRLF line ends, sometimes after an mbox "From " line
 * (Postfix flags=F, Exim's default message_prefix).  The reader drops
 * that line, turns bare LF into CRLF, checks that the message starts
 * with a header section, finds the Message-ID and hands every octet to
 * the milter's spool (milter/spool.c): hashed while read, in memory up
 * to SpoolThreshold, then in an unlinked private file.
 */
#ifndef SSMP_SEND_READ_H
#define SSMP_SEND_READ_H

#include <stdbool.h>

#include "ssmp_err.h"
#include "ssmp_limits.h"
#include "spool.h"

#define SR_HEADER_MAX	(1024 * 1024)	/* header section, octets */

enum sr_result {
	SR_OK = 0,
	SR_MALFORMED,		/* not an RFC 5322 message: EX_DATAERR */
	SR_IOERR		/* read or spool failure: EX_TEMPFAIL */
};

struct sr_message {
	bool	have_msgid;
	char	msgid[SSMP_MSGID_MAX + 1];
};

/* Read fd to its end into s (spool_init'ed). */
enum sr_result sr_read(int fd, struct spool *s, struct sr_message *m,
    struct ssmp_err *err);

#endif
