/*
 * fuzz_smtpc.c - what the local MTA answers ssmpd's hand-off client.
 *
 * The input after the first byte is the MTA's side of one session
 * (greeting, EHLO/LHLO reply, MAIL, RCPT, DATA and final replies, maybe
 * multi-line, maybe garbage); it is written into a socketpair and the
 * real client code (bridge/smtpc.c, included for its static session
 * functions) runs a whole transaction against it.  The first byte picks
 * SMTP or LMTP and a probe (no body) or a delivery.  Every reply kept
 * must be well formed: a three-digit code or 0, a short enhanced code,
 * a bounded text, an alphanumeric queue id.
 */
#include "smtpc.c"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
check_reply(const struct smtpc_reply *r)
{
	if (r->code != 0 && (r->code < 0 || r->code > 999))
		abort();
	if (strlen(r->enh) >= sizeof(r->enh) ||
	    strlen(r->text) > SSMP_REASON_MAX)
		abort();
}

static void
transaction(int fd, bool lmtp, bool probe)
{
	static const char *const rcpt[] = { "bob@b.test", "carol@b.test" };
	static const char body[] = ".leading dot\nline\r\n.\nlast";
	struct smtpc_pool	pool;
	struct smtpc_reply	rr[2], r;
	struct smtpc_txn	t;
	struct ssmp_err		err;
	struct sess		*s = ssmp_xcalloc(1, sizeof(*s));

	memset(&pool, 0, sizeof(pool));
	pool.lmtp = lmtp;
	s->fd = fd;
	memset(&t, 0, sizeof(t));
	memset(rr, 0, sizeof(rr));
	t.from = "alice@a.test";
	t.nrcpt = 2;
	t.rcpt = rcpt;
	t.rcpt_reply = rr;
	t.head = "Received: by fuzz\r\n";
	t.headlen = strlen(t.head);
	t.body = probe ? NULL : body;
	t.bodylen = probe ? 0 : sizeof(body) - 1;
	if (sess_reply(s, &r, &err) == 0 && sess_cmd(s, &r, &err, "EHLO x")
	    == 0 && txn_run(&pool, s, &t, &err) == 0) {
		check_reply(&t.mail);
		check_reply(&t.data);
		check_reply(&rr[0]);
		check_reply(&rr[1]);
		if (strspn(t.queueid, "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
		    "abcdefghijklmnopqrstuvwxyz0123456789") !=
		    strlen(t.queueid))
			abort();
	}
	sess_close(s);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	int	sp[2];
	size_t	off = 1;
	ssize_t	n;

	/* The whole answer must fit the socket buffer: no reader thread. */
	if (size < 1 || size > 65536)
		return 0;
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sp) != 0)
		abort();
	while (off < size && (n = write(sp[1], data + off, size - off)) > 0)
		off += (size_t)n;
	shutdown(sp[1], SHUT_WR);
	transaction(sp[0], data[0] & 1, data[0] & 2);
	close(sp[1]);
	return 0;
}
