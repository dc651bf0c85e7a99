/*
 * test_smtpc.c - the DATA stream of ssmpd's hand-off (bridge/smtpc.c,
 * included for its static session functions): dot-stuffing by runs,
 * bare LF, the last line's CRLF, a message cut anywhere.
 *
 * The stream goes through a real socketpair to a reader thread; every
 * result is also compared with a one-octet-at-a-time reference (the
 * rules of RFC 5321 4.5.2 written as plainly as possible).
 *
 * Then whole transactions against a scripted MTA on a unix socket, with
 * and without PIPELINING (RFC 2920): which commands arrive in one read,
 * and that refusals, a 421, a stale pooled session and a veto before
 * the "." end as they do one command at a time.
 */
#include "smtpc.c"

#include "tap.h"

struct reader {
	int		fd;
	struct ssmp_buf	got;
};

static void *
reader_run(void *arg)
{
	struct reader	*r = arg;
	char		 buf[65536];
	ssize_t		 n;

	while ((n = read(r->fd, buf, sizeof(buf))) > 0)
		ssmp_buf_add(&r->got, buf, (size_t)n);
	return NULL;
}

struct feed {
	const char	*p;
	size_t		 n, step;
};

/* The body in pieces of `step` octets, as body_each would hand them. */
static int
feed_body(struct smtpc_data *d, void *arg, struct ssmp_err *err)
{
	const struct feed *f = arg;

	for (size_t i = 0; i < f->n; i += f->step)
		if (smtpc_data_write(d, f->p + i, f->n - i < f->step ?
		    f->n - i : f->step, err) != 0)
			return -1;
	return 0;
}

/* What sess_data sends for head + body cut every `step` octets, less
 * the final ".". */
static char *
stream(const char *head, const char *body, size_t n, size_t step,
    size_t *outlen)
{
	struct reader	 r;
	struct sess	 s;
	struct smtpc_txn t;
	struct feed	 f = { body, n, step > 0 ? step : (n > 0 ? n : 1) };
	struct ssmp_err	 err;
	pthread_t	 th;
	int		 sp[2];

	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sp) != 0)
		abort();
	memset(&s, 0, sizeof(s));
	s.fd = sp[0];
	r.fd = sp[1];
	ssmp_buf_init(&r.got);
	pthread_create(&th, NULL, reader_run, &r);
	memset(&t, 0, sizeof(t));
	t.head = head;
	t.headlen = strlen(head);
	t.write_body = feed_body;
	t.body_arg = &f;
	if (sess_data(&s, &t, &err) != 0)
		abort();
	shutdown(sp[0], SHUT_WR);
	pthread_join(th, NULL);
	close(sp[0]);
	close(sp[1]);
	/* the terminator goes out with the message; without it nothing
	 * below can match */
	if (t.dot_sent && r.got.len >= 3 &&
	    memcmp(r.got.p + r.got.len - 3, ".\r\n", 3) == 0)
		r.got.len -= 3;
	else
		ssmp_buf_adds(&r.got, "[no final .]");
	*outlen = r.got.len;
	ssmp_buf_add(&r.got, "", 1);
	return r.got.p;
}

/* The reference: one octet at a time. */
static char *
reference(const char *head, const char *body, size_t n, size_t *outlen)
{
	struct ssmp_buf	b, in;
	bool		bol = true, cr = false;

	ssmp_buf_init(&b);
	ssmp_buf_init(&in);
	ssmp_buf_adds(&in, head);
	ssmp_buf_add(&in, body, n);
	for (size_t i = 0; i < in.len; i++) {
		char c = in.p[i];

		if (bol && c == '.')
			ssmp_buf_add(&b, ".", 1);
		if (c == '\n' && !cr)
			ssmp_buf_add(&b, "\r", 1);
		ssmp_buf_add(&b, &c, 1);
		bol = c == '\n';
		cr = c == '\r';
	}
	if (!bol)
		ssmp_buf_adds(&b, cr ? "\n" : "\r\n");
	ssmp_buf_free(&in);
	*outlen = b.len;
	ssmp_buf_add(&b, "", 1);
	return b.p;
}

/* want for body, whole and cut at every size from 1 to 8 octets. */
static void
check(const char *head, const char *body, const char *want, const char *what)
{
	size_t	n = strlen(body), len, rlen;
	char	*got, *ref;
	bool	same = true;

	got = stream(head, body, n, 0, &len);
	is_str(got, want, "%s", what);
	free(got);
	for (size_t step = 1; step <= 8; step++) {
		got = stream(head, body, n, step, &len);
		same = same && strcmp(got, want) == 0;
		free(got);
	}
	ok(same, "%s: the same in pieces of 1 to 8 octets", what);
	ref = reference(head, body, n, &rlen);
	is_str(ref, want, "%s: the reference agrees", what);
	free(ref);
}

/* A body larger than the 64 KiB block, dot lines at every offset. */
static void
check_large(void)
{
	size_t	n = 3 * DATA_BUF + 777, len, rlen;
	char	*body = malloc(n), *got, *ref;
	bool	same = true;
	size_t	steps[] = { 0, 1, 7, 4096, DATA_BUF - 1, DATA_BUF + 3 };

	srand(21);
	for (size_t i = 0; i < n; i++) {
		int r = rand() % 16;

		body[i] = r < 3 ? '.' : r < 5 ? '\n' : r < 7 ? '\r' : 'x';
	}
	/* a line start with '.' exactly on the block boundary */
	memcpy(body + DATA_BUF - 2, "\r\n.", 3);
	ref = reference("", body, n, &rlen);
	for (size_t i = 0; i < sizeof(steps) / sizeof(steps[0]); i++) {
		got = stream("", body, n, steps[i], &len);
		same = same && len == rlen && memcmp(got, ref, len) == 0;
		if (len != rlen || memcmp(got, ref, len) != 0)
			diag("pieces of %zu octets: %zu octets, reference %zu",
			    steps[i], len, rlen);
		free(got);
	}
	ok(same, "%zu octets of dots, CRs and LFs: as the reference, whole "
	    "and in pieces (1, 7, 4096, block-1, block+3)", n);
	free(ref);
	free(body);
}

/* --- a scripted MTA ------------------------------------------------------ */

struct mta {
	int		 lfd;
	struct ssmp_buf	 out;			/* replies of one read */
	bool		 pipelining, lmtp;
	int		 mail_code;		/* reply to MAIL */
	int		 rcpt_code[8];		/* per RCPT of a transaction */
	int		 data_code;		/* reply to DATA */
	int		 close_at_rcpt;		/* 421 and close at this RCPT+1 */
	bool		 close_idle;		/* close after each transaction */
	/* what it saw */
	char		 reads[32][160];	/* verbs of each read */
	int		 nreads;
	int		 conns, messages;
	bool		 saw_partial;		/* a DATA stream without "." */
	pthread_t	 th;
};

/* Replies wait until what was read is noted: the client acts on them. */
static struct mta *the_mta;

static void
mta_say(int fd, const char *text)
{
	(void)fd;
	ssmp_buf_adds(&the_mta->out, text);
}

static void
mta_reply(int fd, int code, const char *text)
{
	char line[256];

	snprintf(line, sizeof(line), "%d %s\r\n", code, text);
	mta_say(fd, line);
}

/* Note the verbs of one read, then answer them. */
static void
mta_flush(struct mta *m, int fd, char *note)
{
	if (note[0] != '\0' && m->nreads < 32) {
		note[strlen(note) - 1] = '\0';
		snprintf(m->reads[m->nreads++], sizeof(m->reads[0]), "%s",
		    note);
	}
	note[0] = '\0';
	if (m->out.len > 0 && write(fd, m->out.p, m->out.len) < 0)
		m->out.len = 0;
	ssmp_buf_reset(&m->out);
}

/* One connection; false when the script closed it. */
static bool
mta_session(struct mta *m, int fd)
{
	char	 buf[65536], *line, *nl, note[160];
	size_t	 len = 0;
	ssize_t	 n;
	int	 nrcpt = 0, naccepted = 0;
	bool	 data = false;

	note[0] = '\0';
	mta_say(fd, "220 mta ESMTP\r\n");
	mta_flush(m, fd, note);
	while ((n = read(fd, buf + len, sizeof(buf) - 1 - len)) > 0) {
		len += (size_t)n;
		buf[len] = '\0';
		note[0] = '\0';
		line = buf;
		while ((nl = strstr(line, "\r\n")) != NULL) {
			*nl = '\0';
			if (data) {
				if (strcmp(line, ".") == 0) {
					data = false;
					m->messages++;
					strcat(note, "BODY. ");
					for (int i = 0; i < (m->lmtp ?
					    naccepted : 1); i++)
						mta_reply(fd, 250, "2.0.0 Ok: "
						    "queued as Q1");
					if (m->close_idle) {
						mta_flush(m, fd, note);
						return false;
					}
				}
				line = nl + 2;
				continue;
			}
			snprintf(note + strlen(note), sizeof(note) -
			    strlen(note), "%.4s ", line);
			if (strncmp(line, "EHLO", 4) == 0 ||
			    strncmp(line, "LHLO", 4) == 0)
				mta_say(fd, m->pipelining ? "250-mta\r\n"
				    "250-PIPELINING\r\n250 8BITMIME\r\n" :
				    "250-mta\r\n250 8BITMIME\r\n");
			else if (strncmp(line, "MAIL", 4) == 0) {
				nrcpt = naccepted = 0;
				mta_reply(fd, m->mail_code, "mail");
			} else if (strncmp(line, "RCPT", 4) == 0) {
				int c = m->mail_code / 100 != 2 ? 503 :
				    m->rcpt_code[nrcpt];

				if (m->close_at_rcpt == nrcpt + 1) {
					mta_reply(fd, 421, "4.7.0 closing");
					mta_flush(m, fd, note);
					return false;
				}
				nrcpt++;
				naccepted += c / 100 == 2;
				mta_reply(fd, c, "rcpt");
			} else if (strncmp(line, "DATA", 4) == 0) {
				int c = m->data_code ? m->data_code :
				    m->mail_code / 100 != 2 ? 503 :
				    naccepted == 0 ? 554 : 354;

				mta_reply(fd, c, "data");
				data = c == 354;
			} else if (strncmp(line, "QUIT", 4) == 0) {
				mta_reply(fd, 221, "bye");
				mta_flush(m, fd, note);
				return false;
			} else
				mta_reply(fd, 250, "ok");
			line = nl + 2;
		}
		mta_flush(m, fd, note);
		len -= (size_t)(line - buf);
		memmove(buf, line, len);
	}
	if (data)
		m->saw_partial = true;
	return true;
}

static void *
mta_run(void *arg)
{
	struct mta *m = arg;
	int fd;

	while ((fd = accept(m->lfd, NULL, NULL)) >= 0) {
		m->conns++;
		mta_session(m, fd);
		close(fd);
	}
	return NULL;
}

static struct smtpc_pool *
mta_start(struct mta *m, const char *path)
{
	struct ssmp_sockspec spec;
	struct sockaddr_un su;

	memset(&spec, 0, sizeof(spec));
	spec.family = SSMP_SOCK_LOCAL;
	snprintf(spec.path, sizeof(spec.path), "%s", path);
	memset(&su, 0, sizeof(su));
	su.sun_family = AF_UNIX;
	snprintf(su.sun_path, sizeof(su.sun_path), "%s", path);
	unlink(path);
	the_mta = m;
	ssmp_buf_init(&m->out);
	if ((m->lfd = socket(AF_UNIX, SOCK_STREAM, 0)) < 0 ||
	    bind(m->lfd, (struct sockaddr *)&su, sizeof(su)) != 0 ||
	    listen(m->lfd, 4) != 0)
		abort();
	pthread_create(&m->th, NULL, mta_run, m);
	return smtpc_pool_new(&spec, m->lmtp, "test.example", 5,
	    &(struct smtpc_reuse){ 300, 100 });
}

static void
mta_stop(struct mta *m, struct smtpc_pool *p, const char *path)
{
	smtpc_pool_free(p);
	shutdown(m->lfd, SHUT_RDWR);
	close(m->lfd);
	pthread_join(m->th, NULL);
	ssmp_buf_free(&m->out);
	unlink(path);
}

static int
veto(const struct smtpc_txn *t, void *arg, struct ssmp_err *err)
{
	(void)t;
	(void)arg;
	return ssmp_err_set(err, "vetoed");
}

/* One transaction of two recipients (one with body NULL: a probe). */
static int
txn(struct smtpc_pool *p, bool deliver, struct smtpc_reply *reply,
    struct smtpc_txn *t, bool vetoed)
{
	static const char *rcpt[] = { "a@b.test", "c@b.test" };
	struct ssmp_err err;

	memset(t, 0, sizeof(*t));
	t->from = "x@a.test";
	t->nrcpt = 2;
	t->rcpt = rcpt;
	t->rcpt_reply = reply;
	t->head = "H: v\r\n\r\n";
	t->headlen = strlen(t->head);
	if (deliver) {
		t->body = "body\r\n";
		t->bodylen = 6;
	}
	if (vetoed)
		t->before_dot = veto;
	return smtpc_run(p, t, &err);
}

static void
check_mta(bool pipelining)
{
	char path[64];
	struct mta m;
	struct smtpc_pool *p;
	struct smtpc_txn t;
	struct smtpc_reply r[2];
	const char *w = pipelining ? "PIPELINING" : "one at a time";

	snprintf(path, sizeof(path), "/tmp/test_smtpc.%ld", (long)getpid());
	memset(&m, 0, sizeof(m));
	m.pipelining = pipelining;
	m.mail_code = 250;
	m.rcpt_code[0] = 250;
	m.rcpt_code[1] = 550;
	p = mta_start(&m, path);

	ok(txn(p, true, r, &t, false) == 0 && r[0].code == 250 &&
	    r[1].code == 550 && strcmp(t.queueid, "Q1") == 0 && t.dot_sent,
	    "%s: delivered to one, the other refused at RCPT, queue id", w);
	if (pipelining)
		is_str(m.reads[1], "MAIL RCPT RCPT DATA", "%s: MAIL, both RCPT "
		    "and DATA in one write", w);
	else
		is_str(m.reads[1], "MAIL", "%s: MAIL alone", w);
	is_str(m.reads[m.nreads - 1], "BODY.", "%s: the message and its "
	    "\".\" in one write", w);
	m.nreads = 0;
	ok(txn(p, false, r, &t, false) == 0 && r[0].code == 250 &&
	    r[1].code == 550 && m.messages == 1, "%s: a probe", w);
	is_str(m.reads[0], pipelining ? "RSET MAIL RCPT RCPT RSET" : "RSET",
	    "%s: a probe on a pooled session: %s", w, pipelining ?
	    "one write" : "RSET first");
	ok(m.conns == 1, "%s: the session was reused", w);

	m.nreads = 0;
	m.mail_code = 550;
	ok(txn(p, true, r, &t, false) == 0 && r[0].code == 550 &&
	    r[1].code == 550 && m.messages == 1 && !t.dot_sent,
	    "%s: MAIL refused: every recipient gets its reply, no message", w);
	m.mail_code = 250;
	m.rcpt_code[0] = 550;
	ok(txn(p, true, r, &t, false) == 0 && r[0].code == 550 &&
	    r[1].code == 550 && m.messages == 1 && m.conns == 1,
	    "%s: every RCPT refused: no message, session kept", w);

	m.rcpt_code[0] = 250;
	m.data_code = 354;	/* a server that takes DATA for nobody */
	m.mail_code = 550;
	ok(txn(p, true, r, &t, false) == 0 && r[0].code == 550 &&
	    m.messages == 1, "%s: 354 after a refused MAIL: nothing sent", w);
	m.data_code = 0;
	m.mail_code = 250;
	/* (a session left reading a message would time out first) */
	ok(txn(p, true, r, &t, false) == 0 && r[0].code == 250 &&
	    m.messages == 2 && t.attempts == 1,
	    "%s: the next message goes through at once", w);

	/* an MTA shutting down: RCPT accepted, DATA 421 */
	m.data_code = 421;
	ok(txn(p, true, r, &t, false) == 0 && r[0].code / 100 == 4 &&
	    r[1].code == 550 && !t.dot_sent && m.messages == 2,
	    "%s: 421 to DATA after an accepted RCPT: not delivered", w);
	is_int(r[0].code, 421, "%s: ... with the MTA's 421", w);
	m.data_code = 0;

	m.close_at_rcpt = 2;
	ok(txn(p, true, r, &t, false) == 0 && r[0].code == 421 &&
	    r[1].code == 421 && m.messages == 2, "%s: 421 at the second RCPT: "
	    "both get it, nothing sent", w);
	m.close_at_rcpt = 0;

	ok(txn(p, true, r, &t, true) != 0 && t.vetoed && !t.dot_sent &&
	    m.messages == 2, "%s: vetoed before the \".\": not sent", w);
	usleep(100000);
	ok(m.saw_partial, "%s: ... and the MTA saw the data end without "
	    "\".\"", w);

	m.close_idle = true;
	ok(txn(p, true, r, &t, false) == 0 && m.messages == 3,
	    "%s: delivered; the MTA then closes the idle session", w);
	m.close_idle = false;
	usleep(100000);
	/* one at a time, the RSET before the transaction finds it stale */
	ok(txn(p, true, r, &t, false) == 0 && r[0].code == 250 &&
	    t.attempts == (pipelining ? 2 : 1) && m.messages == 4,
	    "%s: the stale pooled session is retired, a fresh one delivers", w);
	mta_stop(&m, p, path);
}

/* The backstop: however it got there, no 2xx without the "." sent. */
static void
check_backstop(void)
{
	struct smtpc_reply r[2] = { { 250, "2.1.5", "ok" },
	    { 550, "5.1.1", "unknown" } };
	struct smtpc_txn t;

	memset(&t, 0, sizeof(t));
	t.nrcpt = 2;
	t.rcpt_reply = r;
	t.data.code = 421;
	none_without_dot(&t);
	ok(r[0].code == 451 && strcmp(r[0].enh, "4.3.0") == 0 &&
	    strstr(r[0].text, "not sent (421") != NULL && r[1].code == 550,
	    "no \".\" sent: a 2xx left by any path becomes 451 4.3.0, "
	    "a refusal stays");
}

/* LMTP: one final reply per accepted recipient, pipelined too. */
static void
check_lmtp(void)
{
	char path[64];
	struct mta m;
	struct smtpc_pool *p;
	struct smtpc_txn t;
	struct smtpc_reply r[2];

	snprintf(path, sizeof(path), "/tmp/test_smtpc.%ld", (long)getpid());
	memset(&m, 0, sizeof(m));
	m.pipelining = m.lmtp = true;
	m.mail_code = 250;
	m.rcpt_code[0] = m.rcpt_code[1] = 250;
	p = mta_start(&m, path);
	ok(txn(p, true, r, &t, false) == 0 && r[0].code == 250 &&
	    r[1].code == 250 && m.messages == 1, "LMTP: both delivered");
	is_str(m.reads[1], "MAIL RCPT RCPT DATA", "LMTP: pipelined");
	ok(txn(p, true, r, &t, false) == 0 && r[1].code == 250 &&
	    m.conns == 1, "LMTP: the session's replies stayed in step");
	m.data_code = 421;
	ok(txn(p, true, r, &t, false) == 0 && r[0].code == 421 &&
	    r[1].code == 421 && m.messages == 2,
	    "LMTP: 421 to DATA: neither recipient delivered");
	m.data_code = 0;
	mta_stop(&m, p, path);
}

int
main(void)
{
	check("", ".", "..\r\n", "a lone dot: stuffed, CRLF added");
	check("", ".x\r\n", "..x\r\n", "dot at the very start of the message");
	check("H: v\r\n\r\n", ".x\r\n", "H: v\r\n\r\n..x\r\n",
	    "dot at the start of the body after the head");
	check("", "a\r\n.b\r\n..c\r\n", "a\r\n..b\r\n...c\r\n",
	    "dot lines after CRLF (pieces cut inside \"\\r\\n.\")");
	check("", "a\n.b\n", "a\r\n..b\r\n", "bare LF: sent as CRLF, the "
	    "dot after it stuffed");
	check("", "a\r\n\n.\n", "a\r\n\r\n..\r\n",
	    "empty line of a bare LF, then a dot line");
	check("", "a\r.b\r\n", "a\r.b\r\n", "bare CR is no line end");
	check("", "a\r\nb", "a\r\nb\r\n", "final CRLF missing: added");
	check("", "a\r\nb\r", "a\r\nb\r\n", "final line ends in CR: LF added");
	check("", "a\r\n.", "a\r\n..\r\n", "final line a dot without CRLF");
	check("", "", "", "empty body: nothing");
	check("", "a.b\r\n x.\r\n", "a.b\r\n x.\r\n",
	    "dots inside lines: untouched");
	check_large();
	check_mta(true);
	check_mta(false);
	check_lmtp();
	check_backstop();
	return done_testing();
}
