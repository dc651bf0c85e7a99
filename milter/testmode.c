/*
 * testmode.c - ssmp-milter -t FILE: what would the filter do with this
 * message, without an MTA?
 *
 * Like opendkim -t, it runs the filter's own code on a message file: the
 * address parser, the key table, the body hash of end of message (the
 * spool, spilling to SpoolDirectory as configured) and the real discovery
 * (DNS through Nameservers, the caches, DNSSEC as configured).  The
 * envelope comes from the From:, To: and Cc: headers.  It sends nothing:
 * no HTTPS request, so no receiver ever sees a test.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "ssmp_buf.h"
#include "milter.h"
#include "parse.h"
#include "signer.h"
#include "spool.h"
#include "testmode.h"

#define TM_MAXRCPT	SSMP_MAX_RCPT

struct tm_env {
	struct ssmp_addr	from;
	int			nrcpt;
	struct ssmp_addr	rcpt[TM_MAXRCPT];
};

/* The header block, unfolded, one "name: value" per line, NUL-ended. */
static char *
unfolded_headers(const char *msg, size_t len)
{
	char	*out = ssmp_xcalloc(len + 1, 1);
	size_t	 i, n = 0;

	for (i = 0; i < len; i++) {
		if (msg[i] == '\r')
			continue;
		if (msg[i] == '\n') {
			if (i + 1 >= len || msg[i + 1] == '\n' ||
			    (msg[i + 1] == '\r' && i + 2 < len &&
			    msg[i + 2] == '\n'))
				break;		/* end of headers */
			if (msg[i + 1] == ' ' || msg[i + 1] == '\t')
				continue;	/* folded: one line */
		}
		out[n++] = msg[i];
	}
	out[n] = '\0';
	return out;
}

/* One address of a header list: the part in <>, else the whole item. */
static int
tm_address(const char *item, struct ssmp_addr *a, struct ssmp_err *err)
{
	char		 arg[SSMP_ADDR_MAX + 3];
	const char	*lt = strrchr(item, '<'), *gt;
	size_t		 n;

	if (lt != NULL && (gt = strchr(lt, '>')) != NULL) {
		item = lt + 1;
		n = (size_t)(gt - item);
	} else {
		item += strspn(item, " \t");
		n = strcspn(item, " \t");
	}
	if (n > SSMP_ADDR_MAX)
		return ssmp_err_set(err, "address too long");
	(void)snprintf(arg, sizeof(arg), "<%.*s>", (int)n, item);
	return mp_address(arg, a, err);
}

/* Split a header value at commas outside quotes and <>. */
static void
tm_list(char *v, struct tm_env *e)
{
	struct ssmp_err	 err;
	char		*p, *start = v;
	int		 quote = 0, angle = 0;

	for (p = v;; p++) {
		if (*p == '"')
			quote = !quote;
		else if (*p == '<' && !quote)
			angle = 1;
		else if (*p == '>' && !quote)
			angle = 0;
		else if ((*p == ',' && !quote && !angle) || *p == '\0') {
			char c = *p;

			*p = '\0';
			if (start[strspn(start, " \t")] != '\0' &&
			    e->nrcpt < TM_MAXRCPT) {
				if (tm_address(start, &e->rcpt[e->nrcpt],
				    &err) == 0)
					e->nrcpt++;
				else
					printf("to=%s: not SSMP (%s)\n", start,
					    err.msg);
			}
			if (c == '\0')
				return;
			start = p + 1;
		}
	}
}

static int
tm_envelope(char *hdrs, struct tm_env *e, struct ssmp_err *err)
{
	char	*line, *save = NULL, *colon;
	int	 have_from = 0;

	for (line = strtok_r(hdrs, "\n", &save); line != NULL;
	    line = strtok_r(NULL, "\n", &save)) {
		if ((colon = strchr(line, ':')) == NULL)
			continue;
		*colon++ = '\0';
		if (strcasecmp(line, "From") == 0 && !have_from) {
			if (tm_address(colon, &e->from, err) != 0)
				return ssmp_err_set(err, "From: %s", err->msg);
			have_from = 1;
		} else if (strcasecmp(line, "To") == 0 ||
		    strcasecmp(line, "Cc") == 0)
			tm_list(colon, e);
	}
	if (!have_from)
		return ssmp_err_set(err, "no From: header");
	return 0;
}

static int
tm_read(const char *path, struct ssmp_buf *b, struct ssmp_err *err)
{
	FILE	*f;
	char	 chunk[65536];
	size_t	 n;

	if ((f = fopen(path, "r")) == NULL)
		return ssmp_err_set(err, "%s: %s", path, strerror(errno));
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		ssmp_buf_add(b, chunk, n);
	if (ferror(f)) {
		fclose(f);
		return ssmp_err_set(err, "%s: read error", path);
	}
	fclose(f);
	return 0;
}

/* The body as the MTA hands it over: CRLF line ends, hashed by the spool. */
static void
tm_body(const struct milter *m, const struct ssmp_buf *b)
{
	struct spool	 s;
	struct dl_body	 body;
	struct ssmp_err	 err;
	size_t		 i, start = 0;

	spool_init(&s, m->cfg.spool_threshold, m->cfg.spool_directory);
	for (i = 0; i <= b->len; i++) {
		if (i < b->len && b->p[i] != '\n')
			continue;
		if (i > start && b->p[i - 1] == '\r')
			(void)spool_add(&s, b->p + start, i - start - 1, &err);
		else
			(void)spool_add(&s, b->p + start, i - start, &err);
		if (i < b->len)
			(void)spool_add(&s, "\r\n", 2, &err);
		start = i + 1;
	}
	memset(&body, 0, sizeof(body));
	spool_finish(&s, &body);
	printf("message: %zu bytes (%s), sha256 %s\n", body.len,
	    body.fd >= 0 ? "spooled to a file" : "in memory", body.hash);
	spool_reset(&s);
}

static int
tm_discover(struct milter *m, const struct tm_env *e)
{
	const char		*dom[TM_MAXRCPT];
	struct dl_disc_result	 dr[TM_MAXRCPT];
	int			 i, temp = 0;

	memset(dr, 0, sizeof(dr));
	for (i = 0; i < e->nrcpt; i++)
		dom[i] = e->rcpt[i].domain;
	dl_discover_many(m->dl, dom, (size_t)e->nrcpt, dr);
	for (i = 0; i < e->nrcpt; i++) {
		printf("to=<%s>: ", e->rcpt[i].full);
		if (dr[i].state == DL_SSMP)
			printf("SSMP (h=%s, m=%s): would be upgraded if the "
			    "envelope is accepted\n", dr[i].pol.host,
			    dr[i].pol.mode == SSMP_MODE_ENFORCE ? "enforce" :
			    "testing");
		else if (dr[i].state == DL_NOT_SSMP)
			printf("not SSMP%s%s%s, stays on SMTP\n",
			    dr[i].why.msg[0] ? " (" : "", dr[i].why.msg,
			    dr[i].why.msg[0] ? ")" : "");
		else if (dr[i].state == DL_DISC_FALLBACK)
			printf("DNS temporary failure (%s): stays on SMTP\n",
			    dr[i].why.msg);
		else {
			printf("DNS temporary failure (%s): would be "
			    "tempfailed\n", dr[i].why.msg);
			temp = 1;
		}
	}
	return temp;
}

int
testmode_run(struct milter *m, const char *path)
{
	struct ssmp_buf	 b;
	struct ssmp_err	 err;
	struct tm_env	*e;
	const char	*sel;
	char		*hdrs;
	int		 rc = 0;

	ssmp_buf_init(&b);
	e = ssmp_xcalloc(1, sizeof(*e));
	if (tm_read(path, &b, &err) != 0) {
		fprintf(stderr, "ssmp-milter: %s\n", err.msg);
		rc = 1;
		goto out;
	}
	hdrs = unfolded_headers(b.p, b.len);
	if (tm_envelope(hdrs, e, &err) != 0) {
		fprintf(stderr, "ssmp-milter: %s: %s\n", path, err.msg);
		free(hdrs);
		rc = 1;
		goto out;
	}
	free(hdrs);
	if (signer_find(m->signer, e->from.domain, &sel) == NULL) {
		printf("from=<%s>: domain not in the key table, message "
		    "passes untouched\n", e->from.full);
		goto out;
	}
	printf("from=<%s>: signing domain, selector %s\n", e->from.full, sel);
	tm_body(m, &b);
	rc = tm_discover(m, e) ? 75 : 0;
out:
	ssmp_buf_free(&b);
	free(e);
	return rc;
}
