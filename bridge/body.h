/*
 * body.h - a request body as ssmpd keeps it: in memory, or, above a
 * size, in an unlinked file of the spool directory; hashed (SHA-256) as
 * it arrives and kept once (the input's octets copied into full chains
 * or written to the file as they come, never a second whole copy).
 *
 * The loop thread fills a body (body_take); afterwards one worker may
 * read it (body_each) while the loop leaves it alone.  A spool file has
 * no name from the moment it exists (O_TMPFILE, or unlinked at once), so
 * nothing is left behind on any error path or crash: a body that did not
 * arrive whole is freed and never handed on.
 */
#ifndef BRIDGE_BODY_H
#define BRIDGE_BODY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ssmp_crypto.h"
#include "ssmp_err.h"
#include "ssmp_limits.h"

struct evbuffer;

struct body {
	struct evbuffer	*mem;		/* the body, unless spooled */
	int		 fd;		/* spool file, or -1 */
	uint64_t	 len;		/* octets taken */
	struct ssmp_hash hash_st;	/* running SHA-256 */
	char		 hash[SSMP_HASH_HEX + 1];	/* after body_done */
};

void body_init(struct body *b);
/* Empty it: free the memory, close (and so delete) the spool file. */
void body_reset(struct body *b);
void body_free(struct body *b);
/* From now on keep the body in a new spool file in dirfd (before data). */
int body_spool(struct body *b, int dirfd, const char *dirname,
    struct ssmp_err *err);
/* Move n octets of in into the body (hashing them). */
int body_take(struct body *b, struct evbuffer *in, size_t n,
    struct ssmp_err *err);
/* All octets are in: fix the hash (b->hash). */
void body_done(struct body *b);
/*
 * Call fn on the body's octets in order, in pieces; may run again from the
 * start (a retry).  fn's non-zero result stops and is returned; -1 with
 * err set on a read error.
 */
int body_each(const struct body *b, int (*fn)(void *arg, const char *p,
    size_t n), void *arg, struct ssmp_err *err);

#endif
