/*
 * hdrfilter.h - remove the header fields only ssmpd may write, streaming.
 *
 * ssmp.7 HDR-4: every SSMP-Trust field and every Authentication-Results
 * field carrying our authserv-id is removed from the message before ssmpd
 * adds its own.  Field names are read as RFC 5322 and its obsolete syntax
 * allow and as mail programs read them: any case, blanks before the colon
 * ("SSMP-Trust : trusted"), a field continued on folded lines (dropped
 * with it).  The authserv-id is the first token of the field body after
 * blanks and comments, a quoted-string unquoted (RFC 8601 section 2.2: a
 * version may follow it; "ours 1; ..." is ours).  Lines that continue
 * nothing at the top of the message are dropped too: after ssmpd's own
 * SSMP-Trust field they would continue it.
 *
 * A pure function over bytes in pieces of any size, so the fuzz target
 * and the hand-off run the same code; it holds at most HF_PENDING_MAX
 * octets (the start of a field whose name is not known yet, or an
 * Authentication-Results field up to its first ';').  An
 * Authentication-Results field that does not show its authserv-id within
 * that is dropped: it can only be an attempt to hide one.
 */
#ifndef BRIDGE_HDRFILTER_H
#define BRIDGE_HDRFILTER_H

#include <stdbool.h>
#include <stddef.h>

#define HF_PENDING_MAX	8192

/* Receives the filtered message in pieces; non-zero stops the filter. */
typedef int (*hf_emit)(void *arg, const char *p, size_t n);

struct hdrfilter {
	const char	*authserv_id;
	hf_emit		 emit;
	void		*arg;
	int		 state;
	bool		 drop;		/* the current field goes */
	bool		 ar;		/* pending is an A-R field */
	int		 rc;		/* first non-zero emit result */
	size_t		 removed;	/* fields removed */
	size_t		 plen;
	char		 pending[HF_PENDING_MAX];
};

void hf_init(struct hdrfilter *f, const char *authserv_id, hf_emit emit,
    void *arg);
/* Feed the next n octets; the emit result, 0 if all went on. */
int hf_feed(struct hdrfilter *f, const char *p, size_t n);
/* End of the message: what is still pending goes (or not). */
int hf_finish(struct hdrfilter *f);

/*
 * The authserv-id of an Authentication-Results field body (after the
 * colon), into out; false if it has none.
 */
struct body;
struct ssmp_err;
/*
 * The whole of body b through a filter into emit (the hand-off's path):
 * 0, emit's first non-zero result, or -1 with err set when the spool
 * cannot be read.  *removed: the fields the filter removed.
 */
int hf_body(const struct body *b, const char *authserv_id, hf_emit emit,
    void *arg, size_t *removed, struct ssmp_err *err);

bool hf_authserv_id(const char *v, size_t n, char *out, size_t outlen);

#endif
