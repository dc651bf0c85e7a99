/*
 * testmode.h - ssmp-milter -t FILE: the filter's decisions for a message
 * file, with no MTA and without sending anything (see testmode.c).
 */
#ifndef SSMP_MILTER_TESTMODE_H
#define SSMP_MILTER_TESTMODE_H

struct milter;

/*
 * Print the sender's signing status, the body hash and one line per
 * recipient.  Returns the exit status: 0, 75 (EX_TEMPFAIL) if a lookup
 * failed temporarily, 1 for an unreadable or malformed message.
 */
int testmode_run(struct milter *m, const char *path);

#endif
