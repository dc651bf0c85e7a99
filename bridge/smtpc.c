/*
 * smtpc.c - blocking SMTP/LMTP client with a pool of idle sessions.
 *
 * Each session is a plain socket with send/receive timeouts, so a stuck
 * MTA costs one worker for at most `timeout` seconds per command.
 *
 * When the MTA offers PIPELINING (RFC 2920), the commands of a transaction
 * up to DATA go out in one write and their replies are read together: a
 * recipient probe is one round trip and a delivery two, instead of four
 * and five, and every round trip is a worker put to sleep and woken on
 * both sides.  Without it, one command at a time.
 */
#include "config.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdarg.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "ssmp_buf.h"
#include "ssmp_log.h"
#include "smtpc.h"

#define POOL_MAX	8
#define DATA_BUF	65536

struct sess {
	int		fd;
	char		buf[4096];
	size_t		len;
	struct ssmp_buf	out;		/* commands not yet written */
	time_t		born;
	int		ntxn;		/* transactions run on it */
	bool		pipelining;	/* the MTA offered PIPELINING */
	bool		reused;		/* came from the pool */
	bool		bad;		/* retire it, do not pool it */
};

struct smtpc_data {
	struct sess	*s;
	bool		 bol;		/* at the start of a line */
	bool		 cr;		/* the last octet was a CR */
	struct ssmp_err	*err;		/* sess_data's, for smtpc_data_emit */
	size_t		 len;
	char		 buf[DATA_BUF];
};

struct smtpc_pool {
	struct ssmp_sockspec	 mta;
	bool			 lmtp;
	char			*helo;
	int			 timeout;
	struct smtpc_reuse	 reuse;
	pthread_mutex_t		 mu;
	struct sess		*idle[POOL_MAX];
	int			 nidle;
};

static void
sess_close(struct sess *s)
{
	if (s->fd >= 0)
		close(s->fd);
	ssmp_buf_free(&s->out);
	free(s);
}

static int
sess_connect(struct smtpc_pool *p, struct sess *s, struct ssmp_err *err)
{
	struct sockaddr_storage ss;
	socklen_t sl;
	struct timeval tv = { p->timeout, 0 };

	memset(&ss, 0, sizeof(ss));
	if (p->mta.family == SSMP_SOCK_LOCAL) {
		struct sockaddr_un *su = (struct sockaddr_un *)&ss;

		su->sun_family = AF_UNIX;
		snprintf(su->sun_path, sizeof(su->sun_path), "%s", p->mta.path);
		sl = sizeof(*su);
	} else {
		struct addrinfo hints, *ai;
		char port[16];

		memset(&hints, 0, sizeof(hints));
		hints.ai_socktype = SOCK_STREAM;
		hints.ai_flags = AI_NUMERICHOST | AI_NUMERICSERV;
		snprintf(port, sizeof(port), "%u", p->mta.port);
		if (getaddrinfo(p->mta.host[0] ? p->mta.host : "127.0.0.1",
		    port, &hints, &ai) != 0)
			return ssmp_err_set(err, "MTA address %s unusable",
			    p->mta.host);
		memcpy(&ss, ai->ai_addr, ai->ai_addrlen);
		sl = ai->ai_addrlen;
		freeaddrinfo(ai);
	}
	if ((s->fd = socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0)
		return ssmp_err_set(err, "socket: %s", strerror(errno));
	setsockopt(s->fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(s->fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	/*
	 * Each write is a whole command or the end of data, and the next
	 * step waits for the reply: without this, the final "." sent right
	 * after the body waits for the MTA's delayed ACK (Nagle), ~40 ms.
	 */
	if (ss.ss_family != AF_UNIX) {
		int one = 1;

		setsockopt(s->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	}
	if (connect(s->fd, (struct sockaddr *)&ss, sl) != 0)
		return ssmp_err_set(err, "connect to MTA: %s", strerror(errno));
	return 0;
}

/*
 * Octets the kernel did not take were not sent: a send that fails after
 * taking some returns their count first, and the next one the error.
 */
static int
sess_write(struct sess *s, const void *p, size_t len, struct ssmp_err *err)
{
	const char *c = p;
	ssize_t n;

	while (len > 0) {
		if ((n = send(s->fd, c, len, MSG_NOSIGNAL)) < 0) {
			if (errno == EINTR)
				continue;
			return ssmp_err_set(err, "write to MTA: %s",
			    strerror(errno));
		}
		c += n;
		len -= (size_t)n;
	}
	return 0;
}

/* One line without CRLF into line (truncated to size). */
static int
sess_line(struct sess *s, char *line, size_t size, struct ssmp_err *err)
{
	char *nl;
	ssize_t n;

	while ((nl = memchr(s->buf, '\n', s->len)) == NULL) {
		if (s->len == sizeof(s->buf))
			return ssmp_err_set(err, "MTA reply line too long");
		n = recv(s->fd, s->buf + s->len, sizeof(s->buf) - s->len, 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return ssmp_err_set(err, "MTA closed or timed out: %s",
			    n == 0 ? "end of file" : strerror(errno));
		s->len += (size_t)n;
	}
	size_t ll = (size_t)(nl - s->buf);
	size_t cp = ll > 0 && s->buf[ll - 1] == '\r' ? ll - 1 : ll;

	if (cp >= size)
		cp = size - 1;
	memcpy(line, s->buf, cp);
	line[cp] = '\0';
	memmove(s->buf, nl + 1, s->len - ll - 1);
	s->len -= ll + 1;
	return 0;
}

/* Is the text of an EHLO reply line the keyword kw (RFC 5321 4.1.1.1)? */
static bool
ehlo_keyword(const char *line, const char *kw)
{
	size_t n = strlen(kw);

	return line[3] != '\0' && strncasecmp(line + 4, kw, n) == 0 &&
	    (line[4 + n] == '\0' || line[4 + n] == ' ');
}

/*
 * Read a (multi-line) reply; keep the last line's code and texts.  With
 * kw, *seen tells whether a line of it was that EHLO keyword.
 */
static int
sess_reply_kw(struct sess *s, struct smtpc_reply *r, const char *kw,
    bool *seen, struct ssmp_err *err)
{
	char line[1024];
	const char *t;
	size_t n;

	do {
		if (sess_line(s, line, sizeof(line), err) != 0)
			return -1;
		/* RFC 5321 4.2: three digits, then SP, "-" or the line end. */
		if (strlen(line) < 3 || !isdigit((unsigned char)line[0]) ||
		    !isdigit((unsigned char)line[1]) ||
		    !isdigit((unsigned char)line[2]) ||
		    (line[3] != '\0' && line[3] != ' ' && line[3] != '-'))
			return ssmp_err_set(err, "MTA sent a malformed reply");
		if (kw != NULL && ehlo_keyword(line, kw))
			*seen = true;
	} while (line[3] == '-');
	r->code = (line[0] - '0') * 100 + (line[1] - '0') * 10 + line[2] - '0';
	if (r->code == 421)
		s->bad = true;	/* the MTA closes this session */
	t = line[3] ? line + 4 : line + 3;
	r->enh[0] = '\0';
	if (t[0] == line[0] && t[1] == '.') {
		n = strspn(t, "0123456789.");

		if (n < sizeof(r->enh)) {
			memcpy(r->enh, t, n);
			r->enh[n] = '\0';
		}
		t += n;
		while (*t == ' ')
			t++;
	}
	n = strlen(t);
	if (n >= sizeof(r->text))
		n = sizeof(r->text) - 1;
	memcpy(r->text, t, n);
	r->text[n] = '\0';
	return 0;
}

static int
sess_reply(struct sess *s, struct smtpc_reply *r, struct ssmp_err *err)
{
	return sess_reply_kw(s, r, NULL, NULL, err);
}

/* Queue one command line; sess_flush writes what is queued. */
static int __attribute__((format(printf, 3, 0)))
sess_vqueue(struct sess *s, struct ssmp_err *err, const char *fmt,
    va_list ap)
{
	char line[1024];
	int n;

	n = vsnprintf(line, sizeof(line) - 2, fmt, ap);
	if (n < 0 || (size_t)n >= sizeof(line) - 2)
		return ssmp_err_set(err, "SMTP command too long");
	memcpy(line + n, "\r\n", 2);
	ssmp_buf_add(&s->out, line, (size_t)n + 2);
	return 0;
}

static int __attribute__((format(printf, 3, 4)))
sess_queue(struct sess *s, struct ssmp_err *err, const char *fmt, ...)
{
	va_list ap;
	int rc;

	va_start(ap, fmt);
	rc = sess_vqueue(s, err, fmt, ap);
	va_end(ap);
	return rc;
}

static int
sess_flush(struct sess *s, struct ssmp_err *err)
{
	int rc = sess_write(s, s->out.p, s->out.len, err);

	ssmp_buf_reset(&s->out);
	return rc;
}

static int __attribute__((format(printf, 4, 5)))
sess_cmd(struct sess *s, struct smtpc_reply *r, struct ssmp_err *err,
    const char *fmt, ...)
{
	va_list ap;
	int rc;

	va_start(ap, fmt);
	rc = sess_vqueue(s, err, fmt, ap);
	va_end(ap);
	if (rc != 0 || sess_flush(s, err) != 0)
		return -1;
	return sess_reply(s, r, err);
}

static struct sess *
sess_open(struct smtpc_pool *p, struct ssmp_err *err)
{
	struct sess *s = ssmp_xcalloc(1, sizeof(*s));
	struct smtpc_reply r;

	s->fd = -1;
	ssmp_buf_init(&s->out);
	if (sess_connect(p, s, err) != 0 || sess_reply(s, &r, err) != 0)
		goto fail;
	if (r.code != 220) {
		ssmp_err_set(err, "MTA greeting: %d %s", r.code, r.text);
		goto fail;
	}
	if (sess_queue(s, err, "%s %s", p->lmtp ? "LHLO" : "EHLO",
	    p->helo) != 0 || sess_flush(s, err) != 0 ||
	    sess_reply_kw(s, &r, "PIPELINING", &s->pipelining, err) != 0)
		goto fail;
	if (r.code != 250) {
		ssmp_err_set(err, "MTA refused %s: %d %s",
		    p->lmtp ? "LHLO" : "EHLO", r.code, r.text);
		goto fail;
	}
	s->born = time(NULL);
	return s;
fail:
	sess_close(s);
	return NULL;
}

/* Too old to take another transaction? */
static bool
sess_expired(const struct smtpc_pool *p, const struct sess *s)
{
	return (p->reuse.max_age > 0 && time(NULL) - s->born >=
	    p->reuse.max_age) || (p->reuse.max_txn > 0 && s->ntxn >=
	    p->reuse.max_txn);
}

/*
 * An idle session that still answers RSET, or (fresh) a new one.  A
 * pipelining session's RSET goes out with the next transaction's
 * commands (txn_pipelined).
 */
static struct sess *
sess_get(struct smtpc_pool *p, bool fresh, struct ssmp_err *err)
{
	struct sess *s;
	struct smtpc_reply r;
	struct ssmp_err e2;

	for (;;) {
		pthread_mutex_lock(&p->mu);
		s = !fresh && p->nidle > 0 ? p->idle[--p->nidle] : NULL;
		pthread_mutex_unlock(&p->mu);
		if (s == NULL)
			return sess_open(p, err);
		if (!sess_expired(p, s) && (s->pipelining ||
		    (sess_cmd(s, &r, &e2, "RSET") == 0 && r.code == 250))) {
			s->reused = true;
			return s;
		}
		sess_close(s);
	}
}

static void
sess_put(struct smtpc_pool *p, struct sess *s)
{
	struct smtpc_reply r;
	struct ssmp_err err;

	if (s->bad || sess_expired(p, s)) {
		if (!s->bad)
			(void)sess_cmd(s, &r, &err, "QUIT");
		sess_close(s);
		return;
	}
	pthread_mutex_lock(&p->mu);
	if (p->nidle < POOL_MAX) {
		p->idle[p->nidle++] = s;
		s = NULL;
	}
	pthread_mutex_unlock(&p->mu);
	if (s != NULL)
		sess_close(s);
}

static int
data_flush(struct smtpc_data *d, struct ssmp_err *err)
{
	int rc = d->len > 0 ? sess_write(d->s, d->buf, d->len, err) : 0;

	d->len = 0;
	return rc;
}

static int
data_add(struct smtpc_data *d, const char *p, size_t n, struct ssmp_err *err)
{
	if (d->len + n > sizeof(d->buf) && data_flush(d, err) != 0)
		return -1;
	if (n >= sizeof(d->buf))	/* a long run goes out as it is */
		return sess_write(d->s, p, n, err);
	memcpy(d->buf + d->len, p, n);
	d->len += n;
	return 0;
}

/*
 * Runs between line ends are copied whole; a '.' at a line start gets a
 * second one.  A bare LF goes out as CRLF (RFC 5321 2.3.8; what Postfix's
 * smtpd_forbid_bare_newline=normalize does), so no MTA behind us can read
 * a "\n.\n" in a body as the end of the data.  State (line start, CR
 * last) carries over calls: a body may be cut anywhere.
 */
int
smtpc_data_write(struct smtpc_data *d, const void *p, size_t n,
    struct ssmp_err *err)
{
	const char	*c = p, *e = c + n, *nl;
	bool		 bare;

	while (c < e) {
		if (d->bol && *c == '.' && data_add(d, ".", 1, err) != 0)
			return -1;
		if ((nl = memchr(c, '\n', (size_t)(e - c))) == NULL) {
			if (data_add(d, c, (size_t)(e - c), err) != 0)
				return -1;
			d->bol = false;
			d->cr = e[-1] == '\r';
			return 0;
		}
		bare = nl > c ? nl[-1] != '\r' : !d->cr;
		if (data_add(d, c, (size_t)(nl - c), err) != 0 ||
		    data_add(d, bare ? "\r\n" : "\n", bare ? 2 : 1, err) != 0)
			return -1;
		d->bol = true;
		d->cr = false;
		c = nl + 1;
	}
	return 0;
}

int
smtpc_data_emit(void *d, const char *p, size_t n)
{
	return smtpc_data_write(d, p, n, ((struct smtpc_data *)d)->err);
}

/*
 * Send the message: headers, the body dot-stuffed, and, if before_dot
 * lets it, the final "." in the same write as the last octets (one
 * segment and one wake-up of the MTA fewer).  dot_sent only once the
 * kernel took all of it: until then the MTA cannot have the whole
 * terminator, so a failure before is a message not sent.
 */
static int
sess_data(struct sess *s, struct smtpc_txn *t, struct ssmp_err *err)
{
	struct smtpc_data *d = malloc(sizeof(*d));
	int rc;

	if (d == NULL)
		return ssmp_err_set(err, "out of memory");
	d->s = s;
	d->bol = true;
	d->cr = false;
	d->err = err;
	d->len = 0;
	rc = smtpc_data_write(d, t->head, t->headlen, err);
	if (rc == 0 && t->write_body != NULL)
		rc = t->write_body(d, t->body_arg, err);
	else if (rc == 0)
		rc = smtpc_data_write(d, t->body, t->bodylen, err);
	/* the last line ends in CRLF, also when it came without one */
	if (rc == 0 && !d->bol)
		rc = data_add(d, d->cr ? "\n" : "\r\n", d->cr ? 1 : 2, err);
	if (rc == 0 && d->len + 3 > sizeof(d->buf))
		rc = data_flush(d, err);
	if (rc == 0 && t->before_dot != NULL &&
	    t->before_dot(t, t->before_dot_arg, err) != 0) {
		t->vetoed = true;
		rc = -1;
	}
	if (rc == 0) {
		memcpy(d->buf + d->len, ".\r\n", 3);
		d->len += 3;
		rc = data_flush(d, err);
		t->dot_sent = rc == 0;
	}
	free(d);
	return rc;
}

bool
smtpc_rcpt_specific(const struct smtpc_reply *r)
{
	if (r->code / 100 != 4)
		return true;
	if (r->code == 421)
		return false;
	if (r->enh[0] == '\0')
		return r->code == 450;
	return strncmp(r->enh, "4.1.", 4) == 0 ||
	    strncmp(r->enh, "4.2.", 4) == 0 || strcmp(r->enh, "4.5.3") == 0;
}

/* Recipient i's RCPT reply is in; false: the MTA closes the session. */
static bool
rcpt_noted(struct sess *s, struct smtpc_txn *t, int i, int *naccepted)
{
	if (!smtpc_rcpt_specific(&t->rcpt_reply[i]))
		s->bad = true;
	if (t->rcpt_reply[i].code == 421) {
		/* the MTA closes the session (Postfix after 20 refused
		 * recipients): the rest get its word */
		for (int j = i + 1; j < t->nrcpt; j++)
			t->rcpt_reply[j] = t->rcpt_reply[i];
		return false;
	}
	if (t->rcpt_reply[i].code / 100 == 2)
		(*naccepted)++;
	return true;
}

static int
txn_rcpts(struct sess *s, struct smtpc_txn *t, int *naccepted,
    struct ssmp_err *err)
{
	*naccepted = 0;
	for (int i = 0; i < t->nrcpt; i++) {
		if (sess_cmd(s, &t->rcpt_reply[i], err, "RCPT TO:<%s>",
		    t->rcpt[i]) != 0)
			return -1;
		if (!rcpt_noted(s, t, i, naccepted))
			break;
	}
	return 0;
}

/* After "." : one reply (SMTP) or one per accepted recipient (LMTP). */
static int
txn_final(struct smtpc_pool *p, struct sess *s, struct smtpc_txn *t,
    struct ssmp_err *err)
{
	if (!p->lmtp && sess_reply(s, &t->data, err) != 0)
		return -1;
	for (int i = 0; i < t->nrcpt; i++) {
		if (t->rcpt_reply[i].code / 100 != 2)
			continue;
		if (p->lmtp) {
			if (sess_reply(s, &t->rcpt_reply[i], err) != 0)
				return -1;
			t->data = t->rcpt_reply[i];
		} else
			t->rcpt_reply[i] = t->data;
	}
	smtpc_queueid(t->data.text, t->queueid, sizeof(t->queueid));
	return 0;
}

/*
 * A RCPT reply said the session failed, not a recipient: nobody counts as
 * accepted (the transaction runs again on a fresh session, or the sender
 * is told to try later).
 */
static void
session_failed(struct smtpc_txn *t)
{
	const struct smtpc_reply *bad = NULL;

	for (int i = 0; i < t->nrcpt && bad == NULL; i++)
		if (!smtpc_rcpt_specific(&t->rcpt_reply[i]))
			bad = &t->rcpt_reply[i];
	for (int i = 0; i < t->nrcpt && bad != NULL; i++)
		if (t->rcpt_reply[i].code / 100 == 2)
			t->rcpt_reply[i] = *bad;
}

/* A delivery, not a recipient probe (which has no message)? */
static bool
txn_delivers(const struct smtpc_txn *t)
{
	return t->body != NULL || t->write_body != NULL;
}

/* MAIL was refused: every recipient gets its reply. */
static void
mail_refused(struct sess *s, struct smtpc_txn *t)
{
	if (t->mail.code / 100 == 4)
		s->bad = true;
	for (int i = 0; i < t->nrcpt; i++)
		t->rcpt_reply[i] = t->mail;
}

/* DATA was answered r: send the message if that is 354. */
static int
txn_data(struct smtpc_pool *p, struct sess *s, struct smtpc_txn *t,
    const struct smtpc_reply *r, struct ssmp_err *err)
{
	if (r->code != 354) {
		if (r->code / 100 == 4)
			s->bad = true;
		for (int i = 0; i < t->nrcpt; i++)
			if (t->rcpt_reply[i].code / 100 == 2)
				t->rcpt_reply[i] = *r;
		t->data = *r;
		return 0;
	}
	if (sess_data(s, t, err) != 0)
		return -1;
	t->data.code = 0;
	return txn_final(p, s, t, err);
}

/* One command at a time. */
static int
txn_lockstep(struct smtpc_pool *p, struct sess *s, struct smtpc_txn *t,
    struct ssmp_err *err)
{
	struct smtpc_reply r;
	int nacc;

	if (sess_cmd(s, &t->mail, err, "MAIL FROM:<%s>", t->from) != 0)
		return -1;
	if (t->mail.code / 100 != 2) {
		mail_refused(s, t);
		(void)sess_cmd(s, &r, err, "RSET");
		return 0;
	}
	if (txn_rcpts(s, t, &nacc, err) != 0)
		return -1;
	if (s->bad) {
		session_failed(t);
		return 0;
	}
	if (!txn_delivers(t) || nacc == 0) {
		(void)sess_cmd(s, &r, err, "RSET");
		return 0;
	}
	if (sess_cmd(s, &r, err, "DATA") != 0)
		return -1;
	return txn_data(p, s, t, &r, err);
}

/*
 * RFC 2920: [RSET] MAIL RCPT... and DATA (or, for a probe, RSET) in one
 * write, then their replies in order.  The outcome is what txn_lockstep
 * makes of the same replies; only a DATA that went out for nothing
 * differs: a 354 there (no recipient or MAIL accepted) leaves the MTA
 * reading a message, so the session is dropped, which aborts it.
 */
static int
txn_pipelined(struct smtpc_pool *p, struct sess *s, struct smtpc_txn *t,
    struct ssmp_err *err)
{
	bool		deliver = txn_delivers(t);
	bool		rcpt_bad;
	struct smtpc_reply r;
	int		nacc = 0, i;

	if (s->reused && sess_queue(s, err, "RSET") != 0)
		return -1;
	if (sess_queue(s, err, "MAIL FROM:<%s>", t->from) != 0)
		return -1;
	for (i = 0; i < t->nrcpt; i++)
		if (sess_queue(s, err, "RCPT TO:<%s>", t->rcpt[i]) != 0)
			return -1;
	if (sess_queue(s, err, deliver ? "DATA" : "RSET") != 0 ||
	    sess_flush(s, err) != 0)
		return -1;
	/* a pooled session that went stale: tried again on a fresh one */
	if (s->reused && sess_reply(s, &r, err) != 0)
		return -1;
	if (s->reused && r.code != 250)
		return ssmp_err_set(err, "MTA refused RSET: %d %s", r.code,
		    r.text);
	r.code = 0;
	if (sess_reply(s, &t->mail, err) != 0)
		return -1;
	if (t->mail.code == 421)	/* nothing more comes */
		i = 0;
	else
		for (i = 0; i < t->nrcpt; i++)
			if (sess_reply(s, &t->rcpt_reply[i], err) != 0)
				return -1;
			else if (!rcpt_noted(s, t, i, &nacc))
				break;
	/* what went bad up to here; a 421 to DATA is DATA's answer */
	rcpt_bad = s->bad;
	if (t->mail.code != 421 && i == t->nrcpt &&
	    sess_reply(s, &r, err) != 0)
		return -1;
	if (t->mail.code / 100 != 2)
		mail_refused(s, t);
	else if (rcpt_bad)
		session_failed(t);
	if (!deliver)
		return 0;
	if (t->mail.code / 100 != 2 || rcpt_bad || nacc == 0) {
		if (r.code == 354)
			s->bad = true;
		return 0;
	}
	return txn_data(p, s, t, &r, err);
}

/*
 * Whatever the replies were: a delivery whose "." did not go out
 * delivered nobody, so no recipient may keep a 2xx (its RCPT's) that
 * would read as accepted.
 */
static void
none_without_dot(struct smtpc_txn *t)
{
	for (int i = 0; i < t->nrcpt; i++)
		if (t->rcpt_reply[i].code / 100 == 2) {
			t->rcpt_reply[i].code = 451;
			snprintf(t->rcpt_reply[i].enh,
			    sizeof(t->rcpt_reply[i].enh), "4.3.0");
			snprintf(t->rcpt_reply[i].text,
			    sizeof(t->rcpt_reply[i].text), "message not sent "
			    "(%d %.150s)", t->data.code, t->data.text);
		}
}

static int
txn_run(struct smtpc_pool *p, struct sess *s, struct smtpc_txn *t,
    struct ssmp_err *err)
{
	int rc = s->pipelining ? txn_pipelined(p, s, t, err) :
	    txn_lockstep(p, s, t, err);

	if (rc == 0 && txn_delivers(t) && !t->dot_sent)
		none_without_dot(t);
	return rc;
}

/* The reply that made a session go bad, for the log. */
static const char *
last_reply(const struct smtpc_txn *t)
{
	static __thread char buf[SSMP_REASON_MAX + 64];
	const struct smtpc_reply *r = &t->mail;

	for (int i = 0; i < t->nrcpt && r->code / 100 == 2; i++)
		r = &t->rcpt_reply[i];
	if (r->code / 100 == 2)
		r = &t->data;
	snprintf(buf, sizeof(buf), "%d %s%s%s", r->code, r->enh,
	    r->enh[0] ? " " : "", r->text);
	return buf;
}

/* One attempt on one session; *retry: worth another on a fresh one. */
static int
attempt(struct smtpc_pool *p, struct smtpc_txn *t, bool fresh, bool *retry,
    struct ssmp_err *err)
{
	struct sess *s;
	int rc;

	memset(&t->mail, 0, sizeof(t->mail));
	memset(&t->data, 0, sizeof(t->data));
	memset(t->rcpt_reply, 0, sizeof(*t->rcpt_reply) * (size_t)t->nrcpt);
	t->queueid[0] = '\0';
	t->dot_sent = false;
	t->vetoed = false;
	t->attempts++;
	*retry = false;
	if ((s = sess_get(p, fresh, err)) == NULL)
		return -1;
	s->ntxn++;
	rc = txn_run(p, s, t, err);
	/* a session that went bad before the "." may have been stale */
	*retry = s->reused && !t->dot_sent && !t->vetoed &&
	    (rc != 0 || s->bad);
	if (rc != 0) {
		sess_close(s);
		return -1;
	}
	sess_put(p, s);
	return 0;
}

int
smtpc_run(struct smtpc_pool *p, struct smtpc_txn *t, struct ssmp_err *err)
{
	bool retry;
	int rc;

	t->attempts = 0;
	rc = attempt(p, t, false, &retry, err);
	if (retry) {
		ssmp_log(LOG_INFO, t->id, "pooled MTA session failed (%s): "
		    "retired; trying a fresh one", rc != 0 ? err->msg :
		    last_reply(t));
		rc = attempt(p, t, true, &retry, err);
	}
	return rc;
}

void
smtpc_queueid(const char *text, char *out, size_t outlen)
{
	const char *q = strstr(text, "queued as ");
	size_t n;

	out[0] = '\0';
	if (q == NULL)
		return;
	q += 10;
	n = strspn(q, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
	    "0123456789");
	if (n >= outlen)
		n = outlen - 1;
	memcpy(out, q, n);
	out[n] = '\0';
}

struct smtpc_pool *
smtpc_pool_new(const struct ssmp_sockspec *mta, bool lmtp, const char *helo,
    int timeout, const struct smtpc_reuse *reuse)
{
	struct smtpc_pool *p = ssmp_xcalloc(1, sizeof(*p));

	if (reuse != NULL)
		p->reuse = *reuse;
	p->mta = *mta;
	p->lmtp = lmtp;
	p->helo = ssmp_xstrdup(helo);
	p->timeout = timeout > 0 ? timeout : 30;
	pthread_mutex_init(&p->mu, NULL);
	return p;
}

void
smtpc_pool_free(struct smtpc_pool *p)
{
	struct smtpc_reply r;
	struct ssmp_err err;

	if (p == NULL)
		return;
	while (p->nidle > 0) {
		struct sess *s = p->idle[--p->nidle];

		(void)sess_cmd(s, &r, &err, "QUIT");
		sess_close(s);
	}
	pthread_mutex_destroy(&p->mu);
	free(p->helo);
	free(p);
}
