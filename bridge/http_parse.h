/*
 * http_parse.h - the request head of HTTP/1.1 as ssmpd accepts it.
 *
 * A pure function over bytes (no I/O) so the fuzz target and the server
 * run the same code.  It is strict on purpose: SSMP clients are programs,
 * and every ambiguity a proxy and ssmpd could read differently (both
 * Content-Length and Transfer-Encoding, two Content-Lengths, obs-fold,
 * bare CR) is refused rather than guessed.
 */
#ifndef BRIDGE_HTTP_PARSE_H
#define BRIDGE_HTTP_PARSE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define HTTP_MAX_HEADERS	64
#define HTTP_TARGET_MAX		1024

struct http_header {
	char	*name;		/* points into the head copy, lower case */
	char	*value;		/* blanks trimmed */
};

struct http_head {
	char			*buf;		/* private copy, NUL-separated */
	char			 method[16];
	char			 target[HTTP_TARGET_MAX + 1];
	int			 minor;		/* HTTP/1.minor */
	int			 nheaders;
	struct http_header	 headers[HTTP_MAX_HEADERS];
	bool			 has_length;
	uint64_t		 length;
	bool			 chunked;	/* Transfer-Encoding present */
	bool			 expect_continue;
	bool			 keepalive;
};

/* Result of http_head_parse(). */
enum http_parse_rc {
	HTTP_PARSE_DONE = 0,	/* *used = bytes of the head incl. blank line */
	HTTP_PARSE_MORE = 1,	/* need more bytes */
	HTTP_PARSE_ERROR = -1	/* *status and reason set */
};

struct http_parse_err {
	int	status;		/* HTTP status to answer: 400, 411, 417, 505 */
	char	reason[128];
};

/*
 * Look for a complete head in data[0..len).  max bounds the head size;
 * a longer one, or more than HTTP_MAX_HEADERS fields, is an error (400:
 * ssmp.7 HTTP-6).  On DONE, h owns a malloc'd copy
 * (release with http_head_free).
 */
enum http_parse_rc http_head_parse(const char *data, size_t len, size_t max,
    struct http_head *h, size_t *used, struct http_parse_err *err);
void http_head_free(struct http_head *h);

/* Value of header name (lower case), NULL if absent. */
const char *http_header_get(const struct http_head *h, const char *name);

#endif
