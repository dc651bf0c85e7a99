/*
 * test_smtpc.c - the DATA stream of ssmpd's hand-off (bridge/smtpc.c,
 * included for its static session functions): dot-stuffing by runs,
 * bare LF, the last line's CRLF, a message cut anywhere.
 *
 * The stream goes through a real socketpair to a reader thread; every
 * result is also compared with a one-octet-at-a-time reference (the
 * rules of RFC 5321 4.5.2 written as plainly as possible).
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

/* What sess_data sends for head + body cut every `step` octets. */
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
	return done_testing();
}
