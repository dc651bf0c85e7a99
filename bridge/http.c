/*
 * http.c - connections, request framing and answers (see http.h).
 *
 * A connection moves HEAD -> (handler) -> BODY -> BUSY -> WRITE -> HEAD.
 * While a handler works asynchronously the connection stops reading; if
 * the client goes away meanwhile the struct stays until the handler
 * answers (the answer is then dropped), so handlers never see freed
 * memory.  A head must arrive whole within ReadTimeout (slowloris); a
 * body must make progress at least every ReadTimeout.
 */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/bufferevent_ssl.h>
#include <event2/event.h>
#include <event2/listener.h>

#include "body.h"
#include "connlimit.h"
#include "http.h"
#include "metrics.h"
#include "ssmp_buf.h"
#include "ssmp_log.h"
#include "ssmpd.h"

/*
 * C_LINGER: an answer went out before the client finished sending its body
 * (413, 4xx on a bad head).  Closing at once would make the kernel answer
 * the unread bytes with a reset, and many clients then lose the answer;
 * so read and discard for a short while first, as Apache's lingering close.
 */
enum cstate { C_HEAD, C_BODY, C_BUSY, C_WRITE, C_LINGER };

#define LINGER_SECONDS	2
#define LINGER_MAX	(4 * 1024 * 1024)	/* discarded octets */

struct conn {
	struct ssmpd		*d;
	struct bufferevent	*bev;		/* NULL once the peer is gone */
	struct event		*deadline;	/* head must arrive by then */
	enum http_role		 role;
	enum cstate		 state;
	char			 peer[INET6_ADDRSTRLEN];
	struct connlimit_slot	*client;	/* its count per client */
	char			 reqid[24];
	uint64_t		 t0;		/* the request began, metrics */
	struct http_head	 head;
	bool			 have_head;
	const struct route	*route;
	const char		*rest;
	uint64_t		 body_want;
	bool			 body_read;	/* whole body consumed */
	struct body		 body;
	uint64_t		 reserved;	/* of d->inflight */
	bool			 reserved_mem;
	void			*hstate;
	bool			 close_after;
	size_t			 lingered;	/* octets discarded */
	struct conn		*prev, *next;
};

/*
 * Descriptors running out (EMFILE and friends) must not make the loop
 * spin on a readable listener: accepting pauses ACCEPT_PAUSE_MS and the
 * failure is logged once per ACCEPT_WARN_EVERY seconds.  One descriptor
 * is kept in reserve so the admin listener can still take a /healthz
 * connection when there is none left.
 */
#define ACCEPT_PAUSE_MS		250
#define ACCEPT_WARN_EVERY	60
#define ADMIN_CONN_MAX		32

struct http_server {
	struct evconnlistener	*l[8];
	bool			 admin[8];	/* l[i] is the admin listener */
	int			 nl;
	struct conn		*conns;
	int			 nconn;		/* SSMP listeners' */
	int			 nadmin;	/* admin listener's */
	bool			 paused;	/* out of descriptors */
	struct event		*resume;
	int			 reserve_fd;	/* for the admin listener */
	time_t			 warned;
	unsigned long		 failures;	/* since the last warning */
	struct connlimit	*perclient;
	time_t			 cl_warned;
	unsigned long		 cl_refused;	/* since the last warning */
};

static void conn_read(struct conn *c);
static void conn_state(struct conn *c, enum cstate to);
static void new_reqid(struct conn *c);
static void timeout_error(struct conn *c, const char *what);

/* The descriptor kept for the admin listener, taken back if given up;
 * false when none is free. */
static bool
reserve_take(struct http_server *s)
{
	if (s->reserve_fd < 0)
		s->reserve_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
	return s->reserve_fd >= 0;
}

static struct http_server *
server(struct ssmpd *d)
{
	if (d->http == NULL) {
		d->http = ssmp_xcalloc(1, sizeof(*d->http));
		d->http->reserve_fd = -1;
		(void)reserve_take(d->http);
		d->http->perclient = connlimit_new();
	}
	return d->http;
}

/* Each listener accepts unless its limit is reached, ssmpd is stopping
 * or (SSMP listeners) descriptors ran out a moment ago. */
static void
listeners_update(struct ssmpd *d)
{
	struct http_server *s = server(d);
	bool ssmp_on = !d->draining && !s->paused &&
	    s->nconn < d->conf.max_conn;
	bool admin_on = !d->draining && s->nadmin < ADMIN_CONN_MAX;

	for (int i = 0; i < s->nl; i++)
		if (s->admin[i] ? admin_on : ssmp_on)
			evconnlistener_enable(s->l[i]);
		else
			evconnlistener_disable(s->l[i]);
}

static const char *const cstate_names[] = {
	[C_HEAD] = "head", [C_BODY] = "body", [C_BUSY] = "busy",
	[C_WRITE] = "write", [C_LINGER] = "linger"
};

/* Every change of a connection's state goes through here. */
static void
conn_state(struct conn *c, enum cstate to)
{
	ssmp_log(LOG_DEBUG, c->reqid[0] ? c->reqid : NULL, "client %s: %s -> "
	    "%s", c->peer, cstate_names[c->state], cstate_names[to]);
	c->state = to;
}

static void
request_end(struct conn *c)
{
	if (c->route != NULL && c->route->cleanup != NULL)
		c->route->cleanup(c);
	c->hstate = NULL;
	c->route = NULL;
	if (c->have_head)
		http_head_free(&c->head);
	c->have_head = false;
	body_reset(&c->body);
	c->d->inflight.total -= c->reserved;
	if (c->reserved_mem)
		c->d->inflight.mem -= c->reserved;
	c->reserved = 0;
	c->reserved_mem = false;
}

static void
conn_free(struct conn *c)
{
	struct http_server *s = server(c->d);

	request_end(c);
	if (c->bev != NULL)
		bufferevent_free(c->bev);
	event_free(c->deadline);
	body_free(&c->body);
	if (c->prev != NULL)
		c->prev->next = c->next;
	else
		s->conns = c->next;
	if (c->next != NULL)
		c->next->prev = c->prev;
	if (c->role == ROLE_ADMIN)
		s->nadmin--;
	else
		s->nconn--;
	connlimit_release(s->perclient, c->client);
	(void)reserve_take(s);
	listeners_update(c->d);
	free(c);
}

/* The peer is gone or broke the protocol: free now unless a handler runs. */
static void
conn_drop(struct conn *c)
{
	if (c->state == C_BUSY) {
		if (c->bev != NULL) {
			bufferevent_free(c->bev);
			c->bev = NULL;
		}
		return;
	}
	conn_free(c);
}

/* Free on the next loop turn: the handler calling us may go on. */
static void
conn_defer_free(struct conn *c)
{
	conn_state(c, C_WRITE);
	event_del(c->deadline);
	event_active(c->deadline, EV_TIMEOUT, 0);
}

/* The answer is out; half-close and discard what the client still sends. */
static void
linger(struct conn *c)
{
	struct timeval tv = { LINGER_SECONDS, 0 };
	evutil_socket_t fd = bufferevent_getfd(c->bev);

	conn_state(c, C_LINGER);
	if (fd >= 0)
		shutdown(fd, SHUT_WR);
	event_del(c->deadline);
	event_add(c->deadline, &tv);
	bufferevent_enable(c->bev, EV_READ);
	conn_read(c);
}

static void
arm_deadline(struct conn *c)
{
	struct timeval tv = { c->d->conf.read_timeout, 0 };

	event_add(c->deadline, &tv);
}

static void
on_deadline(evutil_socket_t fd, short what, void *arg)
{
	struct conn *c = arg;

	if (c->state == C_WRITE || c->state == C_LINGER) {
		conn_free(c);
		return;
	}
	if (c->bev == NULL || evbuffer_get_length(
	    bufferevent_get_input(c->bev)) == 0) {
		conn_drop(c);		/* idle keep-alive connection */
		return;
	}
	if (c->reqid[0] == '\0')
		new_reqid(c);
	timeout_error(c, "head");
}

static void
on_write(struct bufferevent *bev, void *arg)
{
	struct conn *c = arg;

	if (c->state != C_WRITE)
		return;
	if (c->close_after || c->d->draining) {
		if (!c->body_read && c->bev != NULL)
			linger(c);
		else
			conn_free(c);
		return;
	}
	request_end(c);
	conn_state(c, C_HEAD);
	arm_deadline(c);
	bufferevent_enable(c->bev, EV_READ);
	if (evbuffer_get_length(bufferevent_get_input(c->bev)) > 0)
		conn_read(c);
}

static void
on_event(struct bufferevent *bev, short what, void *arg)
{
	struct conn *c = arg;

	if (what & BEV_EVENT_CONNECTED)
		return;
	if ((what & BEV_EVENT_ERROR) && c->state == C_HEAD &&
	    c->reqid[0] == '\0')
		c->d->metrics[M_TLS_FAILED]++;
	if ((what & BEV_EVENT_TIMEOUT) && c->state == C_BODY) {
		timeout_error(c, "body");
		return;
	}
	if ((what & (BEV_EVENT_EOF | BEV_EVENT_ERROR)) && c->state == C_BODY)
		ssmp_log(LOG_INFO, c->reqid, "client %s: body truncated at "
		    "%llu of %llu octets", c->peer,
		    (unsigned long long)c->body.len,
		    (unsigned long long)c->body_want);
	conn_drop(c);
}

static void
parse_error(struct conn *c, const struct http_parse_err *pe)
{
	struct ssmp_response r;
	struct ssmp_err e;

	c->d->metrics[M_HTTP_ERRORS]++;
	memset(&r, 0, sizeof(r));
	ssmp_status_set(&r.st, pe->status == 411 ? SSMP_LENGTH_REQUIRED :
	    SSMP_BAD_SYNTAX, pe->reason);
	r.st.http = pe->status;
	if (pe->status == 408)
		(void)ssmp_status_set_code(&r.st, "4.4.2", &e);
	c->close_after = true;
	ssmp_log(LOG_INFO, c->reqid[0] ? c->reqid : NULL,
	    "client %s: bad request: %s", c->peer, pe->reason);
	http_respond_json(c, &r, NULL);
}

/* The client was too slow: 408, temporary (4.4.2), and close. */
static void
timeout_error(struct conn *c, const char *what)
{
	struct http_parse_err pe;

	c->d->metrics[M_TIMEOUTS]++;
	pe.status = 408;
	snprintf(pe.reason, sizeof(pe.reason), "timeout reading the request %s",
	    what);
	parse_error(c, &pe);
}

static void
new_reqid(struct conn *c)
{
	snprintf(c->reqid, sizeof(c->reqid), "R%08llX",
	    (unsigned long long)++c->d->reqseq);
	c->t0 = metrics_now_us();
}

/* The media type of a Content-Type value is want (parameters ignored)? */
static bool
ctype_is(const char *v, const char *want)
{
	size_t n;

	if (v == NULL)
		return false;
	n = strcspn(v, ";");
	while (n > 0 && (v[n - 1] == ' ' || v[n - 1] == '\t'))
		n--;
	return n == strlen(want) && strncasecmp(v, want, n) == 0;
}

static void
dispatch(struct conn *c)
{
	struct http_match m;

	c->d->metrics[M_REQUESTS]++;
	ssmp_log(LOG_DEBUG, c->reqid, "client %s: %s %s", c->peer,
	    c->head.method, c->head.target);
	if (c->d->router(c->role, c->head.method, c->head.target, &m) != 0) {
		if (c->head.has_length && c->head.length > 0)
			c->close_after = true;
		http_respond_status(c, m.fail, NULL, m.extra);
		return;
	}
	if (strcmp(c->head.method, "POST") == 0 && !c->head.has_length) {
		c->d->metrics[M_HTTP_ERRORS]++;
		http_respond_status(c, SSMP_LENGTH_REQUIRED, "Content-Length "
		    "required", NULL);
		return;
	}
	if (m.route->ctype != NULL && !ctype_is(http_header_get(&c->head,
	    "content-type"), m.route->ctype)) {
		char why[96];

		snprintf(why, sizeof(why), "Content-Type must be %s",
		    m.route->ctype);
		c->d->metrics[M_HTTP_ERRORS]++;
		http_respond_status(c, SSMP_BAD_SYNTAX, why, NULL);
		return;
	}
	c->route = m.route;
	c->rest = c->head.target + m.prefix_len;
	c->route->on_head(c);
}

static void
read_head(struct conn *c, struct evbuffer *in)
{
	struct http_parse_err pe;
	size_t len = evbuffer_get_length(in), used = 0;
	size_t max = SSMP_HTTP_HEADER_MAX;	/* ssmp.7 HTTP-6: line and fields */
	const char *p;
	enum http_parse_rc rc;

	/* Only the first max octets are contiguous: parse no further. */
	if (len > max)
		len = max;
	p = (const char *)evbuffer_pullup(in, (ev_ssize_t)len);
	rc = http_head_parse(p, len, max, &c->head, &used, &pe);
	if (rc == HTTP_PARSE_MORE)
		return;
	new_reqid(c);
	if (rc == HTTP_PARSE_ERROR) {
		parse_error(c, &pe);
		return;
	}
	evbuffer_drain(in, used);
	c->have_head = true;
	c->body_read = !c->head.has_length || c->head.length == 0;
	conn_state(c, C_BUSY);
	event_del(c->deadline);
	bufferevent_disable(c->bev, EV_READ);
	dispatch(c);
}

static void
read_body(struct conn *c, struct evbuffer *in)
{
	size_t n = evbuffer_get_length(in);
	struct ssmp_err err;

	if (n > c->body_want - c->body.len)
		n = (size_t)(c->body_want - c->body.len);
	if (body_take(&c->body, in, n, &err) != 0) {
		ssmp_log(LOG_ERR, c->reqid, "client %s: %s", c->peer, err.msg);
		conn_state(c, C_BUSY);
		bufferevent_disable(c->bev, EV_READ);
		http_respond_status(c, SSMP_INTERNAL, "spool unavailable",
		    NULL);
		return;
	}
	if (c->body.len < c->body_want)
		return;
	body_done(&c->body);
	c->body_read = true;
	conn_state(c, C_BUSY);
	bufferevent_disable(c->bev, EV_READ);
	c->route->on_body(c);
}

static void
conn_read(struct conn *c)
{
	struct evbuffer *in = bufferevent_get_input(c->bev);
	size_t n;

	if (c->state == C_HEAD)
		read_head(c, in);
	else if (c->state == C_BODY)
		read_body(c, in);
	else if (c->state == C_LINGER) {
		n = evbuffer_get_length(in);
		evbuffer_drain(in, n);
		if ((c->lingered += n) > LINGER_MAX)
			conn_free(c);
	}
}

static void
on_read(struct bufferevent *bev, void *arg)
{
	conn_read(arg);
}

/* The client's address as text ("local" for a local socket). */
static void
peer_text(const struct sockaddr *sa, char *out, size_t len)
{
	if (sa->sa_family == AF_INET)
		inet_ntop(AF_INET, &((const struct sockaddr_in *)sa)->sin_addr,
		    out, (socklen_t)len);
	else if (sa->sa_family == AF_INET6)
		inet_ntop(AF_INET6,
		    &((const struct sockaddr_in6 *)sa)->sin6_addr, out,
		    (socklen_t)len);
	else
		snprintf(out, len, "local");
}

/*
 * A client at MaxConnectionsPerClient: its new connection is closed before
 * TLS (no work for it), logged once per ACCEPT_WARN_EVERY seconds.
 */
static bool
client_over_limit(struct ssmpd *d, const struct sockaddr *sa,
    const char *peer, struct connlimit_slot **slot)
{
	struct http_server *s = server(d);
	time_t now;

	if (connlimit_take(s->perclient, sa, d->conf.max_conn_client,
	    d->conf.conn_except, d->conf.nconn_except, slot) == 0)
		return false;
	d->metrics[M_CONN_CLIENT_LIMIT]++;
	s->cl_refused++;
	if ((now = time(NULL)) - s->cl_warned >= ACCEPT_WARN_EVERY) {
		ssmp_log(LOG_WARNING, NULL, "client %s: %ld connections open, "
		    "MaxConnectionsPerClient: closing its new ones (%lu "
		    "closed since the last report)", peer,
		    d->conf.max_conn_client, s->cl_refused);
		s->cl_warned = now;
		s->cl_refused = 0;
	}
	return true;
}

static void
on_accept(struct evconnlistener *l, evutil_socket_t fd, struct sockaddr *sa,
    int salen, void *arg)
{
	struct ssmpd *d = *(struct ssmpd **)arg;
	bool ssl = ((intptr_t *)arg)[1] & 1;
	enum http_role role = (((intptr_t *)arg)[1] & 2) ? ROLE_ADMIN :
	    ROLE_SSMP;
	struct http_server *s = server(d);
	struct connlimit_slot *slot = NULL;
	struct conn *c;
	struct timeval tv = { d->conf.read_timeout, 0 };
	char peer[INET6_ADDRSTRLEN];

	/* the admin listener's reserve descriptor comes first: closing an
	 * admin connection may free its descriptor only after conn_free
	 * tried to take the reserve back, and this accept got it */
	if (role == ROLE_SSMP && !reserve_take(s)) {
		evutil_closesocket(fd);
		(void)reserve_take(s);
		return;
	}
	peer_text(sa, peer, sizeof(peer));
	if (role == ROLE_SSMP && client_over_limit(d, sa, peer, &slot)) {
		evutil_closesocket(fd);
		return;
	}
	c = ssmp_xcalloc(1, sizeof(*c));
	c->client = slot;
	c->d = d;
	c->role = role;
	body_init(&c->body);
	c->deadline = evtimer_new(d->base, on_deadline, c);
	memcpy(c->peer, peer, sizeof(c->peer));
	if (ssl)
		c->bev = bufferevent_openssl_socket_new(d->base, fd,
		    SSL_new(d->ssl), BUFFEREVENT_SSL_ACCEPTING,
		    BEV_OPT_CLOSE_ON_FREE);
	else
		c->bev = bufferevent_socket_new(d->base, fd,
		    BEV_OPT_CLOSE_ON_FREE);
	if ((c->next = s->conns) != NULL)
		c->next->prev = c;
	s->conns = c;
	d->metrics[M_CONN_ACCEPTED]++;
	if (role == ROLE_ADMIN)
		s->nadmin++;
	else
		s->nconn++;
	listeners_update(d);
	bufferevent_setcb(c->bev, on_read, on_write, on_event, c);
	bufferevent_set_timeouts(c->bev, &tv, &tv);
	bufferevent_setwatermark(c->bev, EV_READ, 0, 256 * 1024);
	bufferevent_enable(c->bev, EV_READ | EV_WRITE);
	arm_deadline(c);
}

static void
on_resume(evutil_socket_t fd, short what, void *arg)
{
	struct ssmpd *d = arg;

	server(d)->paused = false;
	listeners_update(d);
}

/* Out of descriptors: the admin listener takes one with the reserve. */
static bool
admin_rescue(struct ssmpd *d, struct evconnlistener *l, void *arg)
{
	struct http_server *s = server(d);
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);
	int fd;

	if (s->reserve_fd < 0)
		return false;
	close(s->reserve_fd);
	s->reserve_fd = -1;
	fd = accept4(evconnlistener_get_fd(l), (struct sockaddr *)&ss, &len,
	    SOCK_NONBLOCK | SOCK_CLOEXEC);
	if (fd < 0) {
		(void)reserve_take(s);
		return false;
	}
	on_accept(l, fd, (struct sockaddr *)&ss, (int)len, arg);
	return true;
}

/*
 * accept(2) failed.  Out of descriptors (or kernel memory): pause the
 * SSMP listeners instead of retrying at once, which would spin the loop;
 * log once per ACCEPT_WARN_EVERY seconds with the count meanwhile.
 */
static void
on_accept_error(struct evconnlistener *l, void *arg)
{
	struct ssmpd *d = *(struct ssmpd **)arg;
	bool admin = ((intptr_t *)arg)[1] & 2;
	struct http_server *s = server(d);
	struct timeval tv = { 0, ACCEPT_PAUSE_MS * 1000 };
	int e = EVUTIL_SOCKET_ERROR();
	time_t now = time(NULL);

	if (e == EINTR || e == EAGAIN || e == ECONNABORTED)
		return;
	if (admin && admin_rescue(d, l, arg))
		return;
	s->failures++;
	if (now - s->warned >= ACCEPT_WARN_EVERY) {
		ssmp_log(LOG_WARNING, NULL, "accept: %s: not accepting for "
		    "%d ms at a time (%lu times since the last report); %d "
		    "connections open; raise the open files limit or lower "
		    "MaxConnections", strerror(e), ACCEPT_PAUSE_MS,
		    s->failures, s->nconn + s->nadmin);
		s->warned = now;
		s->failures = 0;
	}
	s->paused = true;
	if (admin)
		evconnlistener_disable(l);	/* on_resume enables it */
	if (s->resume == NULL)
		s->resume = evtimer_new(d->base, on_resume, d);
	event_add(s->resume, &tv);
	listeners_update(d);
}

int
http_listen(struct ssmpd *d, int fd, bool ssl, enum http_role role)
{
	struct http_server *s = server(d);
	intptr_t *arg;

	if (s->nl == (int)(sizeof(s->l) / sizeof(s->l[0])))
		return -1;
	/* The listener's argument: the daemon and its flags. */
	arg = ssmp_xcalloc(2, sizeof(intptr_t));
	*(struct ssmpd **)arg = d;
	arg[1] = (ssl ? 1 : 0) | (role == ROLE_ADMIN ? 2 : 0);
	s->l[s->nl] = evconnlistener_new(d->base, on_accept, arg,
	    LEV_OPT_CLOSE_ON_FREE | LEV_OPT_CLOSE_ON_EXEC, -1, fd);
	if (s->l[s->nl] == NULL)
		return -1;
	evconnlistener_set_error_cb(s->l[s->nl], on_accept_error);
	s->admin[s->nl] = role == ROLE_ADMIN;
	s->nl++;
	return 0;
}

void
http_drain(struct ssmpd *d)
{
	struct http_server *s = server(d);
	struct conn *c, *next;

	d->draining = true;
	listeners_update(d);
	for (c = s->conns; c != NULL; c = next) {
		next = c->next;
		if (c->state == C_HEAD && (c->bev == NULL || evbuffer_get_length(
		    bufferevent_get_input(c->bev)) == 0))
			conn_free(c);
	}
}

int
http_nconn(struct ssmpd *d)
{
	return server(d)->nconn + server(d)->nadmin;
}

const struct http_head *
http_head(struct conn *c)
{
	return &c->head;
}

const char *
http_path_rest(struct conn *c)
{
	return c->rest;
}

const char *
http_reqid(struct conn *c)
{
	return c->reqid;
}

const char *
http_peer(struct conn *c)
{
	return c->peer;
}

struct evbuffer *
http_body(struct conn *c)
{
	return c->body.mem;
}

struct body *
http_body_store(struct conn *c)
{
	return &c->body;
}

void
http_set_reqid(struct conn *c, const char *id)
{
	snprintf(c->reqid, sizeof(c->reqid), "%s", id);
}

struct ssmpd *
http_daemon(struct conn *c)
{
	return c->d;
}

void *
http_state(struct conn *c)
{
	return c->hstate;
}

void
http_set_state(struct conn *c, void *st)
{
	c->hstate = st;
}

/*
 * Count the body against MaxBytesInFlight and choose memory or spool;
 * false when it was answered (429 4.7.0 or 500 4.3.0).
 */
static bool
reserve(struct conn *c, uint64_t len)
{
	struct inflight *f = &c->d->inflight;
	bool spool = c->route->spool && c->d->spool_fd >= 0 &&
	    (len > c->d->conf.spool_threshold || f->mem + len > f->mem_max);
	struct ssmp_err err;

	if (f->total + len > c->d->conf.max_inflight ||
	    (!spool && f->mem + len > f->mem_max)) {
		c->d->metrics[M_INFLIGHT_REFUSED]++;
		ssmp_log(LOG_WARNING, c->reqid, "client %s: %llu octets would "
		    "pass the budget of bytes in flight (%llu in flight, %llu "
		    "in memory): try later", c->peer, (unsigned long long)len,
		    (unsigned long long)f->total, (unsigned long long)f->mem);
		c->close_after = true;
		http_respond_status(c, SSMP_RATE_LIMIT, "too much mail in "
		    "flight; try later", "Retry-After: 10\r\n");
		return false;
	}
	if (spool && body_spool(&c->body, c->d->spool_fd,
	    c->d->conf.spool_dir, &err) != 0) {
		ssmp_log(LOG_ERR, c->reqid, "client %s: %s", c->peer, err.msg);
		c->close_after = true;
		http_respond_status(c, SSMP_INTERNAL, "spool unavailable",
		    NULL);
		return false;
	}
	if (spool)
		c->d->metrics[M_BODIES_SPOOLED]++;
	c->reserved = len;
	c->reserved_mem = !spool;
	f->total += len;
	if (!spool)
		f->mem += len;
	return true;
}

void
http_read_json(struct conn *c, uint64_t max)
{
	if (c->bev != NULL && c->head.length > max)
		http_respond_status(c, SSMP_JSON_TOO_BIG, NULL, NULL);
	else
		http_read_body(c, max);
}

void
http_read_body(struct conn *c, uint64_t max)
{
	if (c->bev == NULL) {
		conn_defer_free(c);
		return;
	}
	if (c->head.length > max) {
		c->close_after = true;
		http_respond_status(c, SSMP_TOO_BIG, NULL, NULL);
		return;
	}
	if (!reserve(c, c->head.length))
		return;
	c->body_want = c->head.length;
	if (c->body_want == 0) {
		body_done(&c->body);
		c->body_read = true;
		c->route->on_body(c);
		return;
	}
	if (c->head.expect_continue)
		bufferevent_write(c->bev, "HTTP/1.1 100 Continue\r\n\r\n", 25);
	conn_state(c, C_BODY);
	bufferevent_enable(c->bev, EV_READ);
	if (evbuffer_get_length(bufferevent_get_input(c->bev)) > 0)
		read_body(c, bufferevent_get_input(c->bev));
}

static const char *
status_text(int status)
{
	switch (status) {
	case 200: return "OK";
	case 400: return "Bad Request";
	case 403: return "Forbidden";
	case 404: return "Not Found";
	case 405: return "Method Not Allowed";
	case 408: return "Request Timeout";
	case 409: return "Conflict";
	case 411: return "Length Required";
	case 413: return "Content Too Large";
	case 417: return "Expectation Failed";
	case 422: return "Unprocessable Content";
	case 429: return "Too Many Requests";
	case 431: return "Request Header Fields Too Large";
	case 500: return "Internal Server Error";
	case 503: return "Service Unavailable";
	case 505: return "HTTP Version Not Supported";
	default: return "Status";
	}
}

void
http_respond(struct conn *c, int status, const char *ctype, const char *extra,
    const void *body, size_t len)
{
	struct evbuffer *out;
	char date[64];
	time_t now = time(NULL);
	struct tm tm;

	if (c->bev == NULL) {		/* client gone while we worked */
		conn_defer_free(c);
		return;
	}
	if (!c->body_read)
		c->close_after = true;	/* never parse a body as a request */
	if (c->have_head && !c->head.keepalive)
		c->close_after = true;
	metrics_request(c->route != NULL ? c->route->path : NULL, status,
	    metrics_now_us() - c->t0);
	out = bufferevent_get_output(c->bev);
	/* RFC 9110 6.6.1: a server with a clock sends Date (senders see
	 * the skew: ssmpctl check) */
	strftime(date, sizeof(date), "%a, %d %b %Y %H:%M:%S GMT",
	    gmtime_r(&now, &tm));
	evbuffer_add_printf(out, "HTTP/1.1 %d %s\r\nDate: %s\r\n"
	    "Content-Type: %s\r\nContent-Length: %zu\r\n%s%s\r\n",
	    status, status_text(status), date, ctype, len,
	    c->close_after ? "Connection: close\r\n" : "",
	    extra != NULL ? extra : "");
	evbuffer_add(out, body, len);
	conn_state(c, C_WRITE);
	event_del(c->deadline);
	bufferevent_disable(c->bev, EV_READ);
	bufferevent_enable(c->bev, EV_WRITE);
}

void
http_respond_json(struct conn *c, const struct ssmp_response *r,
    const char *extra)
{
	struct ssmp_buf b;

	ssmp_buf_init(&b);
	ssmp_response_encode(r, &b);
	ssmp_buf_adds(&b, "\n");
	/* ssmp.7 HTTP-9: 429 and 503 say when to come back */
	if (extra == NULL && (r->st.http == 429 || r->st.http == 503))
		extra = "Retry-After: 60\r\n";
	http_respond(c, r->st.http, "application/json", extra, b.p, b.len);
	ssmp_buf_free(&b);
}

void
http_respond_status(struct conn *c, enum ssmp_outcome o, const char *reason,
    const char *extra)
{
	struct ssmp_response r;

	memset(&r, 0, sizeof(r));
	ssmp_status_set(&r.st, o, reason);
	http_respond_json(c, &r, extra);
}
