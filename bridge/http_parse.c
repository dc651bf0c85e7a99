/*
 * http_parse.c - parse an HTTP/1.1 request head (see http_parse.h).
 *
 * The head is copied once and cut in place; names are lower-cased so the
 * handlers compare with strcmp.  Only CRLF line ends are accepted.
 */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "http_parse.h"

static enum http_parse_rc __attribute__((format(printf, 3, 4)))
fail(struct http_parse_err *err, int status, const char *fmt, ...)
{
	va_list ap;

	err->status = status;
	va_start(ap, fmt);
	vsnprintf(err->reason, sizeof(err->reason), fmt, ap);
	va_end(ap);
	return HTTP_PARSE_ERROR;
}

static int
is_tchar(int c)
{
	return isalnum(c) || (c != 0 && strchr("!#$%&'*+-.^_`|~", c) != NULL);
}

/* Find CRLFCRLF; reject bare CR or LF on the way. */
static enum http_parse_rc
find_end(const char *data, size_t len, size_t max, size_t *end,
    struct http_parse_err *err)
{
	size_t i, lim = len < max ? len : max;

	for (i = 0; i < lim; i++) {
		if (data[i] == '\n' && (i == 0 || data[i - 1] != '\r'))
			return fail(err, 400, "bare LF in request head");
		if (data[i] == '\r' && i + 1 < len && data[i + 1] != '\n')
			return fail(err, 400, "bare CR in request head");
		if (i >= 3 && memcmp(data + i - 3, "\r\n\r\n", 4) == 0) {
			*end = i + 1;
			return HTTP_PARSE_DONE;
		}
	}
	if (len >= max)
		return fail(err, 400, "request head over %zu octets", max);
	return HTTP_PARSE_MORE;
}

static enum http_parse_rc
parse_request_line(char *line, struct http_head *h,
    struct http_parse_err *err)
{
	char *sp1, *sp2;
	size_t n;

	if ((sp1 = strchr(line, ' ')) == NULL ||
	    (sp2 = strchr(sp1 + 1, ' ')) == NULL || strchr(sp2 + 1, ' '))
		return fail(err, 400, "malformed request line");
	n = (size_t)(sp1 - line);
	if (n == 0 || n >= sizeof(h->method))
		return fail(err, 400, "bad method");
	for (size_t i = 0; i < n; i++)
		if (!isupper((unsigned char)line[i]))
			return fail(err, 400, "bad method");
	memcpy(h->method, line, n);
	h->method[n] = '\0';
	n = (size_t)(sp2 - sp1 - 1);
	if (n == 0 || n > HTTP_TARGET_MAX || sp1[1] != '/')
		return fail(err, 400, "bad request target");
	for (size_t i = 0; i < n; i++)
		if (!isgraph((unsigned char)sp1[1 + i]))
			return fail(err, 400, "bad request target");
	memcpy(h->target, sp1 + 1, n);
	h->target[n] = '\0';
	if (strncmp(sp2 + 1, "HTTP/1.", 7) != 0 || !isdigit((unsigned char)sp2[8])
	    || sp2[9] != '\0') {
		if (strncmp(sp2 + 1, "HTTP/", 5) == 0)
			return fail(err, 505, "HTTP version not supported");
		return fail(err, 400, "malformed request line");
	}
	h->minor = sp2[8] - '0';
	h->keepalive = h->minor >= 1;
	return HTTP_PARSE_DONE;
}

static enum http_parse_rc
parse_length(const char *v, struct http_head *h, struct http_parse_err *err)
{
	uint64_t n = 0;

	if (h->has_length)
		return fail(err, 400, "repeated Content-Length");
	if (*v == '\0' || strlen(v) > 18)
		return fail(err, 400, "bad Content-Length");
	for (; *v; v++) {
		if (!isdigit((unsigned char)*v))
			return fail(err, 400, "bad Content-Length");
		n = n * 10 + (uint64_t)(*v - '0');
	}
	h->has_length = true;
	h->length = n;
	return HTTP_PARSE_DONE;
}

/* Headers whose meaning changes how the request is framed. */
static enum http_parse_rc
note_header(struct http_head *h, const char *name, const char *value,
    struct http_parse_err *err)
{
	if (strcmp(name, "content-length") == 0)
		return parse_length(value, h, err);
	if (strcmp(name, "transfer-encoding") == 0)
		h->chunked = true;
	else if (strcmp(name, "expect") == 0) {
		if (strcasecmp(value, "100-continue") != 0)
			return fail(err, 417, "unsupported Expect");
		h->expect_continue = true;
	} else if (strcmp(name, "connection") == 0) {
		if (strcasecmp(value, "close") == 0)
			h->keepalive = false;
		else if (strcasecmp(value, "keep-alive") == 0)
			h->keepalive = true;
	}
	return HTTP_PARSE_DONE;
}

static enum http_parse_rc
parse_header_line(char *line, struct http_head *h,
    struct http_parse_err *err)
{
	char *colon, *v, *e;

	if (*line == ' ' || *line == '\t')
		return fail(err, 400, "folded header line");
	if ((colon = strchr(line, ':')) == NULL || colon == line)
		return fail(err, 400, "malformed header line");
	for (char *p = line; p < colon; p++) {
		if (!is_tchar((unsigned char)*p))
			return fail(err, 400, "bad header name");
		*p = (char)tolower((unsigned char)*p);
	}
	*colon = '\0';
	for (v = colon + 1; *v == ' ' || *v == '\t'; v++)
		;
	for (e = v + strlen(v); e > v && (e[-1] == ' ' || e[-1] == '\t'); e--)
		;
	*e = '\0';
	for (char *p = v; *p; p++)
		if (!isprint((unsigned char)*p) && *p != '\t')
			return fail(err, 400, "bad octet in header %s", line);
	if (h->nheaders == HTTP_MAX_HEADERS)
		return fail(err, 400, "more than %d header fields",
		    HTTP_MAX_HEADERS);
	h->headers[h->nheaders].name = line;
	h->headers[h->nheaders].value = v;
	h->nheaders++;
	return note_header(h, line, v, err);
}

static enum http_parse_rc
parse_lines(struct http_head *h, struct http_parse_err *err)
{
	char *line = h->buf, *eol;
	enum http_parse_rc rc;
	bool first = true;

	while ((eol = strstr(line, "\r\n")) != NULL && eol != line) {
		*eol = '\0';
		rc = first ? parse_request_line(line, h, err) :
		    parse_header_line(line, h, err);
		if (rc != HTTP_PARSE_DONE)
			return rc;
		first = false;
		line = eol + 2;
	}
	if (first)
		return fail(err, 400, "empty request line");
	if (h->has_length && h->chunked)
		return fail(err, 400,
		    "both Content-Length and Transfer-Encoding");
	if (h->chunked)
		return fail(err, 411, "Content-Length required");
	if (h->minor >= 1 && http_header_get(h, "host") == NULL)
		return fail(err, 400, "missing Host header");
	return HTTP_PARSE_DONE;
}

enum http_parse_rc
http_head_parse(const char *data, size_t len, size_t max, struct http_head *h,
    size_t *used, struct http_parse_err *err)
{
	enum http_parse_rc rc;
	size_t end = 0;

	memset(h, 0, sizeof(*h));
	if ((rc = find_end(data, len, max, &end, err)) != HTTP_PARSE_DONE)
		return rc;
	if ((h->buf = malloc(end + 1)) == NULL)
		return fail(err, 500, "out of memory");
	memcpy(h->buf, data, end);
	h->buf[end] = '\0';
	if (memchr(data, '\0', end) != NULL) {
		http_head_free(h);
		return fail(err, 400, "NUL in request head");
	}
	if ((rc = parse_lines(h, err)) != HTTP_PARSE_DONE) {
		http_head_free(h);
		return rc;
	}
	*used = end;
	return HTTP_PARSE_DONE;
}

void
http_head_free(struct http_head *h)
{
	free(h->buf);
	h->buf = NULL;
	h->nheaders = 0;
}

const char *
http_header_get(const struct http_head *h, const char *name)
{
	for (int i = 0; i < h->nheaders; i++)
		if (strcmp(h->headers[i].name, name) == 0)
			return h->headers[i].value;
	return NULL;
}
