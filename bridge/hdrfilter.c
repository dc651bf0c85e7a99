/*
 * hdrfilter.c - the header filter of the hand-off (see hdrfilter.h).
 *
 * States: at the start of a header line; collecting a line start until
 * the field name is known (or an A-R field until its authserv-id is);
 * after the line end of a collected A-R field (does the next line fold
 * it?); streaming the rest of a line, kept or dropped; the body, passed
 * through.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "body.h"
#include "hdrfilter.h"
#include "ssmp_buf.h"

enum { S_LINE, S_COLLECT, S_AR_EOL, S_STREAM, S_BODY };

void
hf_init(struct hdrfilter *f, const char *authserv_id, hf_emit emit,
    void *arg)
{
	memset(f, 0, sizeof(*f));
	f->authserv_id = authserv_id;
	f->emit = emit;
	f->arg = arg;
	f->state = S_LINE;
	f->drop = true;		/* a fold before any field continues nothing */
}

static int
out(struct hdrfilter *f, const char *p, size_t n)
{
	if (f->rc == 0 && n > 0 && !f->drop)
		f->rc = f->emit(f->arg, p, n);
	return f->rc;
}

static bool
is_wsp(int c)
{
	return c == ' ' || c == '\t';
}

/*
 * Skip blanks, line ends and (nested) comments from v[i]; *open is set
 * when the data ends inside a comment.
 */
static size_t
skip_cfws(const char *v, size_t n, size_t i, bool *open)
{
	int depth = 0;

	for (; i < n; i++) {
		if (depth > 0 && v[i] == '\\')
			i++;
		else if (v[i] == '(')
			depth++;
		else if (depth > 0 && v[i] == ')')
			depth--;
		else if (depth == 0 && !is_wsp(v[i]) && v[i] != '\r' &&
		    v[i] != '\n')
			break;
	}
	*open = depth > 0;
	return i;
}

/*
 * The authserv-id at the start of an A-R field body: 1 found (in out),
 * 0 the body has none, -1 not known yet (the data ends inside a comment,
 * a quoted string or before the id's end).
 */
static int
authserv_id(const char *v, size_t n, char *out_id, size_t outlen)
{
	bool open;
	size_t i = skip_cfws(v, n, 0, &open), k = 0;

	if (open || i >= n)
		return -1;
	if (v[i] == ';')
		return 0;
	if (v[i] == '"') {
		for (i++; i < n && v[i] != '"'; i++) {
			if (v[i] == '\\' && i + 1 < n)
				i++;
			if (k + 1 < outlen)
				out_id[k++] = v[i];
		}
		if (i >= n)
			return -1;
	} else {
		for (; i < n && !is_wsp(v[i]) && strchr("\r\n(;", v[i]) ==
		    NULL; i++)
			if (k + 1 < outlen)
				out_id[k++] = v[i];
		if (i >= n)
			return -1;
	}
	out_id[k] = '\0';
	return k > 0 ? 1 : 0;
}

bool
hf_authserv_id(const char *v, size_t n, char *out_id, size_t outlen)
{
	return authserv_id(v, n, out_id, outlen) == 1;
}

/*
 * Is the A-R field collected in pending ours: 1 yes, 0 no, -1 not known
 * yet.  At the field's end (done) a field whose authserv-id cannot be
 * read counts as ours: it is malformed, and dropping it is harmless.
 */
static int
ar_is_ours(const struct hdrfilter *f, bool done)
{
	const char *colon = memchr(f->pending, ':', f->plen);
	char id[256];
	int rc;

	if (colon == NULL)
		return 1;
	colon++;
	rc = authserv_id(colon, f->plen - (size_t)(colon - f->pending), id,
	    sizeof(id));
	if (rc < 0)
		return done ? 1 : -1;
	if (rc == 0)
		return done ? 1 : 0;
	return strlen(id) >= sizeof(id) - 1 ||
	    strcasecmp(id, f->authserv_id) == 0;
}

/* The collected part goes out or not, then the rest of the line streams. */
static void
settle(struct hdrfilter *f, bool drop)
{
	f->drop = drop;
	if (drop)
		f->removed++;
	out(f, f->pending, f->plen);
	f->plen = 0;
	f->ar = false;
	f->state = S_STREAM;
}

/* A colon ended the field name in pending[0..colon). */
static void
name_done(struct hdrfilter *f, size_t colon)
{
	size_t n = colon;

	while (n > 0 && is_wsp(f->pending[n - 1]))
		n--;
	if (n == 10 && strncasecmp(f->pending, "SSMP-Trust", 10) == 0)
		settle(f, true);
	else if (n == 22 && strncasecmp(f->pending, "Authentication-Results",
	    22) == 0)
		f->ar = true;	/* collect up to its authserv-id */
	else
		settle(f, false);
}

/* One octet while collecting a line start or an A-R field. */
static void
collect(struct hdrfilter *f, char c)
{
	if (f->plen == sizeof(f->pending)) {
		/* a name this long is no field of ours; an A-R this long
		 * hides its authserv-id: drop it */
		settle(f, f->ar);
		f->state = S_STREAM;
		out(f, &c, 1);
		if (c == '\n')
			f->state = S_LINE;
		return;
	}
	f->pending[f->plen++] = c;
	if (f->ar) {
		if (c == ';' && ar_is_ours(f, false) >= 0)
			settle(f, ar_is_ours(f, false) == 1);
		else if (c == '\n')
			f->state = S_AR_EOL;
		return;
	}
	if (c == ':')
		name_done(f, f->plen - 1);
	else if (c == '\n') {
		/* a line without a colon: the blank line ends the header */
		bool blank = f->plen == 1 || (f->plen == 2 &&
		    f->pending[0] == '\r');

		f->drop = false;
		out(f, f->pending, f->plen);
		f->plen = 0;
		f->state = blank ? S_BODY : S_LINE;
	}
}

/* The first octet of a header line. */
static void
line_start(struct hdrfilter *f, char c)
{
	if (is_wsp(c)) {		/* folded: same fate as its field */
		f->state = S_STREAM;
		out(f, &c, 1);
		return;
	}
	f->drop = false;
	f->state = S_COLLECT;
	collect(f, c);
}

int
hf_feed(struct hdrfilter *f, const char *p, size_t n)
{
	const char *e = p + n, *nl;

	while (p < e && f->rc == 0) {
		switch (f->state) {
		case S_BODY:
			out(f, p, (size_t)(e - p));
			return f->rc;
		case S_STREAM:
			nl = memchr(p, '\n', (size_t)(e - p));
			out(f, p, nl != NULL ? (size_t)(nl - p) + 1 :
			    (size_t)(e - p));
			if (nl == NULL)
				return f->rc;
			p = nl + 1;
			f->state = S_LINE;
			break;
		case S_LINE:
			line_start(f, *p++);
			break;
		case S_COLLECT:
			collect(f, *p++);
			break;
		case S_AR_EOL:
			if (is_wsp(*p)) {	/* the A-R field goes on */
				f->state = S_COLLECT;
				collect(f, *p++);
				break;
			}
			settle(f, ar_is_ours(f, true) == 1);
			f->state = S_LINE;
			break;
		}
	}
	return f->rc;
}

int
hf_finish(struct hdrfilter *f)
{
	if (f->state == S_COLLECT || f->state == S_AR_EOL)
		settle(f, f->ar && ar_is_ours(f, true) == 1);
	return f->rc;
}

static int
feed(void *arg, const char *p, size_t n)
{
	return hf_feed(arg, p, n);
}

int
hf_body(const struct body *b, const char *authserv_id, hf_emit emit,
    void *arg, size_t *removed, struct ssmp_err *err)
{
	struct hdrfilter *f = ssmp_xmalloc(sizeof(*f));	/* 8 KiB: not on a
							   worker's stack */
	int rc;

	hf_init(f, authserv_id, emit, arg);
	rc = body_each(b, feed, f, err);
	if (rc == 0)
		rc = hf_finish(f);
	*removed = f->removed;
	free(f);
	return rc;
}
