/*
 * http.h - HTTP/1.1 connections of ssmpd on libevent bufferevents.
 *
 * Why not evhttp: libevent 2.1's evhttp reads a whole request body
 * before any callback runs and answers "Expect: 100-continue" by itself,
 * so the one-shot form could not be refused before the body is sent; it
 * also answers framing errors with HTML and reads a request carrying both
 * Content-Length and Transfer-Encoding.  This layer gives each handler the
 * parsed head first; the handler decides (possibly after asynchronous
 * checks) whether to read the body, and every answer is SSMP JSON.
 *
 * One request at a time per connection; keep-alive; no pipelining (bytes
 * of a next request wait in the input buffer until the answer is out).
 */
#ifndef BRIDGE_HTTP_H
#define BRIDGE_HTTP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "http_parse.h"
#include "ssmp_status.h"

struct body;
struct evbuffer;
struct ssmpd;
struct conn;

/* What the listener serves: the SSMP endpoints or the admin ones. */
enum http_role { ROLE_SSMP, ROLE_ADMIN };

struct route {
	const char	*method;
	const char	*path;		/* exact, or prefix when ending in '/' */
	/* Head parsed; call http_read_body() or answer. */
	void		(*on_head)(struct conn *c);
	/* Body complete (http_body()); answer, possibly later. */
	void		(*on_body)(struct conn *c);
	/* Connection or request ends: free the handler's state. */
	void		(*cleanup)(struct conn *c);
	const char	*ctype;		/* media type a request must carry
					   (ssmp.7 HTTP-13), NULL: any */
	bool		 spool;		/* a large body may go to the spool */
};

/*
 * Which handler serves a request.  ssmpd sets its router (routes.c,
 * struct ssmpd) before it listens: http.c calls it and knows no handler,
 * the handlers call http.c, and no file depends on one that depends on
 * it.
 */
struct http_match {
	const struct route	*route;
	size_t			 prefix_len;	/* of the matched path */
	enum ssmp_outcome	 fail;		/* when no route matched */
	const char		*extra;		/* e.g. "Allow: POST\r\n" */
};
/* 0 with m->route set, or -1 with m->fail (404 or 405) set. */
typedef int (*http_router)(enum http_role role, const char *method,
    const char *target, struct http_match *m);

/* Accept connections on fd (bound, listening); ssl true for TLS. */
int http_listen(struct ssmpd *d, int fd, bool ssl, enum http_role role);
/* Stop accepting; in-flight requests finish; idle connections close. */
void http_drain(struct ssmpd *d);
/* Connections open now. */
int http_nconn(struct ssmpd *d);

/* Accessors for handlers. */
const struct http_head *http_head(struct conn *c);
const char *http_path_rest(struct conn *c);	/* after the route prefix */
const char *http_reqid(struct conn *c);
const char *http_peer(struct conn *c);		/* client IP text */
struct evbuffer *http_body(struct conn *c);	/* in memory (not spooled) */
struct body *http_body_store(struct conn *c);	/* memory or spool */
struct ssmpd *http_daemon(struct conn *c);
void *http_state(struct conn *c);
void http_set_state(struct conn *c, void *st);

/*
 * Read a body of head.length octets (refused with 413 above max).  The
 * body counts against MaxBytesInFlight until the request ends (429
 * 4.7.0 when it would not fit); it goes to the spool above
 * SpoolThreshold, or when bodies in memory would pass 16 times that, if
 * the route allows.  Sends "100 Continue" first when the client asked.
 */
void http_read_body(struct conn *c, uint64_t max);
/* The same for a JSON body: above max is 413 5.5.2 (ssmp.7 JSON-1). */
void http_read_json(struct conn *c, uint64_t max);
/* Use this log id (the envelope's nonce) for the rest of the request. */
void http_set_reqid(struct conn *c, const char *id);

/*
 * Answer.  extra: additional header lines, each ending in CRLF, or NULL.
 * After an answer sent before the body was read the connection closes.
 */
void http_respond(struct conn *c, int status, const char *ctype,
    const char *extra, const void *body, size_t len);
void http_respond_json(struct conn *c, const struct ssmp_response *r,
    const char *extra);
/* An answer with only a status (no rcpt, no receipt). */
void http_respond_status(struct conn *c, enum ssmp_outcome o,
    const char *reason, const char *extra);

#endif
