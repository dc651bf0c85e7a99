/*
 * spool.h - the message as the SSMP receiver will get it.
 *
 * Headers are rebuilt from the milter header events and the body appended
 * as received, giving the exact RFC 5322 octets with CRLF line ends.
 * They are hashed while they arrive (no second pass) and kept in memory
 * up to a threshold, beyond which everything moves to an unlinked 0600
 * file in the spool directory: a 50 MB message costs 50 MB of disk, not
 * of memory, and nothing is left behind if the milter dies.
 */
#ifndef SSMP_MILTER_SPOOL_H
#define SSMP_MILTER_SPOOL_H

#include <stdbool.h>
#include <stddef.h>

#include "ssmp_crypto.h"
#include "ssmp_err.h"
#include "deliver.h"

struct spool {
	size_t		 threshold;
	const char	*dir;
	char		*mem;
	size_t		 len, cap;
	int		 fd;		/* -1 while in memory */
	size_t		 total;
	struct ssmp_hash hash;
};

void spool_init(struct spool *s, size_t threshold, const char *dir);
/*
 * Append "name:value" + CRLF.  leadspc: value still has the blank after
 * the colon (SMFIP_HDR_LEADSPC); otherwise one space is put back.  Bare
 * LF inside folded values becomes CRLF.
 */
int spool_header(struct spool *s, const char *name, const char *value,
    bool leadspc, struct ssmp_err *err);
int spool_add(struct spool *s, const void *p, size_t n, struct ssmp_err *err);
/* Finish the hash; body points into s (valid until spool_reset). */
void spool_finish(struct spool *s, struct dl_body *body);
void spool_reset(struct spool *s);

#endif
