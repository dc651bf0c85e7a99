/*
 * send_read.c - standard input to CRLF RFC 5322 octets in the spool.
 *
 * Two states: the header section is kept whole (bounded) so each line
 * can be checked and the Message-ID found; the body streams through to
 * the spool with bare LF made CRLF, never held in memory by us.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "ssmp_buf.h"
#include "parse.h"
#include "send_read.h"

struct reader {
	struct spool		*s;
	struct sr_message	*m;
	struct ssmp_buf		 hdr;	/* header section so far, CRLF */
	struct ssmp_buf		 line;	/* header line being read, no EOL */
	long			 lineno;
	bool			 in_body;
	bool			 prev_cr;	/* body: last octet was CR */
};

/* A header field name (RFC 5322 ftext) up to the colon, or not. */
static bool
is_field(const char *p, size_t n)
{
	size_t i;

	for (i = 0; i < n && p[i] != ':'; i++)
		if (p[i] < 33 || p[i] > 126)
			return false;
	return i > 0 && i < n;
}

static enum sr_result
header_line(struct reader *r, struct ssmp_err *err)
{
	const char	*p = r->line.p;
	size_t		 n = r->line.len;

	if (n > 0 && p[n - 1] == '\r')
		n--;
	r->lineno++;
	if (r->lineno == 1 && n >= 5 && memcmp(p, "From ", 5) == 0)
		goto done;	/* mbox separator of a pipe: not ours */
	if (n == 0 && r->hdr.len == 0) {
		ssmp_err_set(err, "message: no header section (line %ld is "
		    "empty)", r->lineno);
		return SR_MALFORMED;
	}
	if (n == 0) {
		ssmp_buf_add(&r->hdr, "\r\n", 2);
		r->in_body = true;
		goto done;
	}
	if (memchr(p, '\0', n) != NULL) {
		ssmp_err_set(err, "message: NUL octet in header line %ld",
		    r->lineno);
		return SR_MALFORMED;
	}
	if ((p[0] == ' ' || p[0] == '\t') ? r->hdr.len == 0 :
	    !is_field(p, n)) {
		ssmp_err_set(err, "message: line %ld is not a header field "
		    "(%.40s)", r->lineno, p);
		return SR_MALFORMED;
	}
	ssmp_buf_add(&r->hdr, p, n);
	ssmp_buf_add(&r->hdr, "\r\n", 2);
done:
	ssmp_buf_reset(&r->line);
	return SR_OK;
}

/* Feed header octets; *used tells how many were taken. */
static enum sr_result
header_feed(struct reader *r, const char *p, size_t n, size_t *used,
    struct ssmp_err *err)
{
	enum sr_result	 rc;
	const char	*nl;
	size_t		 k;

	*used = 0;
	while (*used < n && !r->in_body) {
		nl = memchr(p + *used, '\n', n - *used);
		k = nl != NULL ? (size_t)(nl - (p + *used)) : n - *used;
		ssmp_buf_add(&r->line, p + *used, k);
		*used += k + (nl != NULL);
		if (r->hdr.len + r->line.len > SR_HEADER_MAX) {
			ssmp_err_set(err, "message: header section over %d "
			    "octets", SR_HEADER_MAX);
			return SR_MALFORMED;
		}
		if (nl != NULL && (rc = header_line(r, err)) != SR_OK)
			return rc;
	}
	return SR_OK;
}

/*
 * The msgid of ssmp.7 MSG-3: the value of the Message-ID field, unfolded
 * by mp_msgid(), if there is exactly one and it is valid.
 */
static void
find_msgid(struct reader *r)
{
	const char	*p = r->hdr.p, *e;
	char		 v[1024];
	size_t		 n;
	int		 seen = 0;

	r->m->have_msgid = false;
	for (; p != NULL && *p != '\0'; p = strstr(p, "\r\n"), p = p ? p + 2 :
	    NULL) {
		if (strncasecmp(p, "Message-ID:", 11) != 0)
			continue;
		if (seen++ > 0) {
			r->m->have_msgid = false;
			return;
		}
		for (e = p + 11; (e = strstr(e, "\r\n")) != NULL &&
		    (e[2] == ' ' || e[2] == '\t'); e += 2)
			;
		n = e != NULL ? (size_t)(e - (p + 11)) : strlen(p + 11);
		if (n >= sizeof(v))	/* far over 250 octets: not valid */
			continue;
		memcpy(v, p + 11, n);
		v[n] = '\0';
		r->m->have_msgid = mp_msgid(v, r->m->msgid) == 0;
	}
}

/* Body octets to the spool with bare LF made CRLF. */
static enum sr_result
body_feed(struct reader *r, const char *p, size_t n, struct ssmp_err *err)
{
	size_t i, from = 0;

	for (i = 0; i < n; i++) {
		if (p[i] != '\n' || (i > 0 ? p[i - 1] == '\r' : r->prev_cr))
			continue;
		if (spool_add(r->s, p + from, i - from, err) != 0 ||
		    spool_add(r->s, "\r\n", 2, err) != 0)
			return SR_IOERR;
		from = i + 1;
	}
	if (n > 0)
		r->prev_cr = p[n - 1] == '\r';
	return spool_add(r->s, p + from, n - from, err) != 0 ? SR_IOERR :
	    SR_OK;
}

/* Header section complete (blank line or end of input): spool it. */
static enum sr_result
header_done(struct reader *r, struct ssmp_err *err)
{
	find_msgid(r);
	return spool_add(r->s, r->hdr.p, r->hdr.len, err) != 0 ? SR_IOERR :
	    SR_OK;
}

static enum sr_result
feed(struct reader *r, const char *p, size_t n, struct ssmp_err *err)
{
	enum sr_result	rc;
	size_t		used = 0;

	if (!r->in_body) {
		if ((rc = header_feed(r, p, n, &used, err)) != SR_OK)
			return rc;
		if (!r->in_body)
			return SR_OK;
		if ((rc = header_done(r, err)) != SR_OK)
			return rc;
	}
	return body_feed(r, p + used, n - used, err);
}

static enum sr_result
finish(struct reader *r, struct ssmp_err *err)
{
	enum sr_result rc;

	if (r->in_body)
		return SR_OK;
	/* Headers only, maybe without a final line end: still a message. */
	if (r->line.len > 0 && (rc = header_line(r, err)) != SR_OK)
		return rc;
	if (r->hdr.len == 0) {
		ssmp_err_set(err, "message: empty (no header section)");
		return SR_MALFORMED;
	}
	return header_done(r, err);
}

enum sr_result
sr_read(int fd, struct spool *s, struct sr_message *m, struct ssmp_err *err)
{
	struct reader	r;
	char		buf[65536];
	ssize_t		n;
	enum sr_result	rc = SR_OK;

	memset(&r, 0, sizeof(r));
	memset(m, 0, sizeof(*m));
	r.s = s;
	r.m = m;
	ssmp_buf_init(&r.hdr);
	ssmp_buf_init(&r.line);
	while (rc == SR_OK && (n = read(fd, buf, sizeof(buf))) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			ssmp_err_set(err, "message: read: %s", strerror(errno));
			rc = SR_IOERR;
		} else
			rc = feed(&r, buf, (size_t)n, err);
	}
	if (rc == SR_OK)
		rc = finish(&r, err);
	ssmp_buf_free(&r.hdr);
	ssmp_buf_free(&r.line);
	return rc;
}
