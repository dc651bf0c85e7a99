/*
 * hot-bench.c - the two hot loops of a large message, before and after
 * issue 21, measured in the same run (bench/RESULTS.md):
 *
 *   sha256   the body hash: libsodium's crypto_hash_sha256 (what lib/
 *            used before) against lib's ssmp_hash (OpenSSL EVP)
 *   stuff    ssmpd's DATA stream into a socket read by another thread:
 *            the old sess_data (the whole message built by one
 *            ssmp_buf_add per octet, then written) against sess_data
 *            now (runs between line ends, 64 KiB blocks) fed in 64 KiB
 *            pieces as body_each hands them
 *   take     a body taken into memory as it arrives (16 KiB at a time,
 *            hashed): the input's chains moved (before) or the octets
 *            copied into full chains (body_take now)
 *   rss      peak memory of ssmpd's hand-off of one body received into
 *            an evbuffer, each in a child process of its own (ru_maxrss
 *            growth): the old path (the body copied out of the
 *            evbuffer, then into clean_body's buffer without SSMP-Trust
 *            fields, then into the dot-stuffed DATA buffer) against
 *            body.c now (the octets copied into full chains as they
 *            arrive, or spooled above SpoolThreshold, then streamed
 *            through the header filter into the DATA stream)
 *
 *	bench/hot-bench [MB [ROUNDS]]	(default 50 MB, 5 rounds)
 *
 * Rounds alternate the two sides; the best round of each is printed in
 * ms per MB (10^6 octets), and their ratio.  The old code is kept here
 * as it was (git show 0228b19^:bridge/smtpc.c, handoff.c).
 */
#include "smtpc.c"

#include <fcntl.h>
#include <sys/resource.h>
#include <sys/wait.h>

#include <sodium.h>
#include <event2/buffer.h>

#include "body.h"
#include "hdrfilter.h"
#include "ssmp_crypto.h"

#define PIECE	65536

static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* A body of 78-octet lines, one in eight starting with a dot. */
static char *
make_body(size_t n)
{
	char *b = malloc(n);

	if (b == NULL)
		abort();
	for (size_t i = 0, col = 0, line = 0; i < n; i++, col++) {
		if (col == 76) {
			b[i] = '\r';
		} else if (col == 77) {
			b[i] = '\n';
			col = (size_t)-1;
			line++;
		} else
			b[i] = col == 0 && line % 8 == 0 ? '.' :
			    (char)('a' + (i % 26));
	}
	return b;
}

static double
sha_sodium(const char *b, size_t n)
{
	unsigned char md[32];
	crypto_hash_sha256_state st;
	double t0 = now();

	crypto_hash_sha256_init(&st);
	for (size_t i = 0; i < n; i += PIECE)
		crypto_hash_sha256_update(&st, (const unsigned char *)b + i,
		    n - i < PIECE ? n - i : PIECE);
	crypto_hash_sha256_final(&st, md);
	return now() - t0;
}

static double
sha_evp(const char *b, size_t n)
{
	char hex[SSMP_HASH_HEX + 1];
	struct ssmp_hash h;
	double t0 = now();

	ssmp_hash_init(&h);
	for (size_t i = 0; i < n; i += PIECE)
		ssmp_hash_update(&h, b + i, n - i < PIECE ? n - i : PIECE);
	ssmp_hash_final_hex(&h, hex);
	return now() - t0;
}

static void *
drain(void *arg)
{
	char buf[65536];
	int fd = *(int *)arg;

	while (read(fd, buf, sizeof(buf)) > 0)
		;
	return NULL;
}

struct feed {
	const char	*p;
	size_t		 n;
};

static int
feed_body(struct smtpc_data *d, void *arg, struct ssmp_err *err)
{
	const struct feed *f = arg;

	for (size_t i = 0; i < f->n; i += PIECE)
		if (smtpc_data_write(d, f->p + i, f->n - i < PIECE ? f->n - i :
		    PIECE, err) != 0)
			return -1;
	return 0;
}

/* sess_data before 0228b19, as it was. */
static int
old_sess_data(struct sess *s, const struct smtpc_txn *t, struct ssmp_err *err)
{
	struct ssmp_buf b;
	const char *c = t->body;
	bool bol = true;
	int rc;

	ssmp_buf_init(&b);
	ssmp_buf_add(&b, t->head, t->headlen);
	for (size_t i = 0; i < t->bodylen; i++) {
		if (bol && c[i] == '.')
			ssmp_buf_add(&b, ".", 1);
		ssmp_buf_add(&b, c + i, 1);
		bol = c[i] == '\n';
	}
	if (!bol)
		ssmp_buf_adds(&b, "\r\n");
	rc = sess_write(s, b.p, b.len, err);
	ssmp_buf_free(&b);
	return rc;
}

static double
stuff(const char *b, size_t n, bool old)
{
	struct sess s;
	struct smtpc_txn t;
	struct feed f = { b, n };
	struct ssmp_err err;
	pthread_t th;
	int sp[2];
	double t0;

	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sp) != 0)
		abort();
	memset(&s, 0, sizeof(s));
	s.fd = sp[0];
	pthread_create(&th, NULL, drain, &sp[1]);
	memset(&t, 0, sizeof(t));
	t.head = "Received: by bench\r\n";
	t.headlen = strlen(t.head);
	t.body = b;
	t.bodylen = n;
	if (!old) {
		t.write_body = feed_body;
		t.body_arg = &f;
	}
	t0 = now();
	if ((old ? old_sess_data(&s, &t, &err) : sess_data(&s, &t, &err)) != 0)
		abort();
	t0 = now() - t0;
	shutdown(sp[0], SHUT_WR);
	pthread_join(th, NULL);
	close(sp[0]);
	close(sp[1]);
	return t0;
}

/* ---- rss: one body's hand-off, in a child process ---- */

/* The old loop kept the whole body in the request's evbuffer. */
static struct evbuffer *
received(const char *b, size_t n)
{
	struct evbuffer *in = evbuffer_new();

	for (size_t i = 0; i < n; i += 16384)
		evbuffer_add(in, b + i, n - i < 16384 ? n - i : 16384);
	return in;
}

/* handoff.c's clean_body before 0228b19 (SSMP-Trust fields dropped). */
static void
old_clean_body(const char *in, size_t len, struct ssmp_buf *out)
{
	size_t i = 0;
	bool drop = false, in_head = true;

	while (i < len) {
		const char *eol = memchr(in + i, '\n', len - i);
		size_t n = eol ? (size_t)(eol - (in + i)) + 1 : len - i;

		if (in_head) {
			if (n <= 2 && (in[i] == '\r' || in[i] == '\n'))
				in_head = false;
			else if (in[i] != ' ' && in[i] != '\t')
				drop = len >= 11 && strncasecmp(in + i,
				    "SSMP-Trust:", 11) == 0;
		}
		if (!in_head || !drop)
			ssmp_buf_add(out, in + i, n);
		i += n;
	}
}

static void
old_handoff(struct evbuffer *in, struct sess *s)
{
	size_t n = evbuffer_get_length(in);
	char *body = malloc(n);
	struct ssmp_buf msg;
	struct smtpc_txn t;
	struct ssmp_err err;

	evbuffer_remove(in, body, n);		/* endpoints.c: copy 1 */
	evbuffer_free(in);
	ssmp_buf_init(&msg);
	old_clean_body(body, n, &msg);		/* copy 2 */
	memset(&t, 0, sizeof(t));
	t.head = "Received: by bench\r\n";
	t.headlen = strlen(t.head);
	t.body = msg.p;
	t.bodylen = msg.len;
	if (old_sess_data(s, &t, &err) != 0)	/* copy 3 */
		abort();
	ssmp_buf_free(&msg);
	free(body);
}

/* handoff.c's write_message now. */
static int
write_message(struct smtpc_data *d, void *arg, struct ssmp_err *err)
{
	size_t removed;

	return hf_body(arg, "ssmp.b.test", smtpc_data_emit, d, &removed, err);
}

/* The body taken 16 KiB at a time as it arrives (http.c's input buffer). */
static void
new_handoff(const char *p, size_t n, struct sess *s, bool spool)
{
	struct evbuffer *in = evbuffer_new();
	struct body b;
	struct smtpc_txn t;
	struct ssmp_err err;
	int dirfd = open("/tmp", O_RDONLY | O_DIRECTORY);

	body_init(&b);
	if (spool && body_spool(&b, dirfd, "/tmp", &err) != 0)
		abort();
	for (size_t i = 0; i < n; i += 16384) {
		evbuffer_add(in, p + i, n - i < 16384 ? n - i : 16384);
		if (body_take(&b, in, evbuffer_get_length(in), &err) != 0)
			abort();
	}
	evbuffer_free(in);
	body_done(&b);
	memset(&t, 0, sizeof(t));
	t.head = "Received: by bench\r\n";
	t.headlen = strlen(t.head);
	t.write_body = write_message;
	t.body_arg = &b;
	if (sess_data(s, &t, &err) != 0)
		abort();
	body_free(&b);
	close(dirfd);
}

/* body_take's memory path before: hash the octets, move their chains. */
static void
old_take(struct evbuffer *mem, struct ssmp_hash *h, struct evbuffer *in,
    size_t n)
{
	struct evbuffer_ptr pos;
	struct evbuffer_iovec v;
	size_t left = n, m;

	evbuffer_ptr_set(in, &pos, 0, EVBUFFER_PTR_SET);
	while (left > 0 && evbuffer_peek(in, (ev_ssize_t)left, &pos, &v, 1) >
	    0) {
		m = v.iov_len < left ? v.iov_len : left;
		ssmp_hash_update(h, v.iov_base, m);
		left -= m;
		if (left == 0 || evbuffer_ptr_set(in, &pos, m,
		    EVBUFFER_PTR_ADD) != 0)
			break;
	}
	evbuffer_remove_buffer(in, mem, n);
}

/* Taking a body into memory 16 KiB at a time: chains moved, or copied. */
static double
take(const char *p, size_t n, bool old)
{
	struct evbuffer *in = evbuffer_new(), *mem = evbuffer_new();
	struct body b;
	struct ssmp_hash h;
	struct ssmp_err err;
	char hex[SSMP_HASH_HEX + 1];
	double t0 = now();

	body_init(&b);
	ssmp_hash_init(&h);
	for (size_t i = 0; i < n; i += 16384) {
		evbuffer_add(in, p + i, n - i < 16384 ? n - i : 16384);
		if (old)
			old_take(mem, &h, in, evbuffer_get_length(in));
		else if (body_take(&b, in, evbuffer_get_length(in), &err) != 0)
			abort();
	}
	ssmp_hash_final_hex(&h, hex);
	body_done(&b);
	t0 = now() - t0;
	body_free(&b);
	evbuffer_free(mem);
	evbuffer_free(in);
	return t0;
}

static long
maxrss_kb(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return ru.ru_maxrss;
}

/*
 * Peak memory growth (KiB) of one hand-off of the body b, from the moment
 * the first octet arrives: 0 old, 1 now in memory, 2 now spooled.  In a
 * child, so that every side starts from the same heap.
 */
static long
rss_growth(const char *b, size_t n, int how)
{
	int pp[2], sp[2], status;
	long grew = 0;
	pid_t pid;

	if (pipe(pp) != 0 || (pid = fork()) < 0)
		abort();
	if (pid == 0) {
		struct sess s;
		pthread_t th;
		long base;

		if (socketpair(AF_UNIX, SOCK_STREAM, 0, sp) != 0)
			_exit(1);
		pthread_create(&th, NULL, drain, &sp[1]);
		memset(&s, 0, sizeof(s));
		s.fd = sp[0];
		base = maxrss_kb();
		if (how == 0)
			old_handoff(received(b, n), &s);
		else
			new_handoff(b, n, &s, how == 2);
		grew = maxrss_kb() - base;
		if (write(pp[1], &grew, sizeof(grew)) != sizeof(grew))
			_exit(1);
		_exit(0);
	}
	close(pp[1]);
	if (read(pp[0], &grew, sizeof(grew)) != sizeof(grew))
		grew = -1;
	close(pp[0]);
	waitpid(pid, &status, 0);
	return grew;
}

static void
report(const char *what, const char *before, double b, const char *after,
    double a, double mb)
{
	printf("%-7s %-34s %8.2f ms/MB\n", what, before, b * 1000 / mb);
	printf("%-7s %-34s %8.2f ms/MB   before/after %.1fx\n", what, after,
	    a * 1000 / mb, b / a);
}

int
main(int argc, char **argv)
{
	double mb = argc > 1 ? atof(argv[1]) : 50;
	int rounds = argc > 2 ? atoi(argv[2]) : 5;
	size_t n = (size_t)(mb * 1e6);
	double best[6] = { 1e9, 1e9, 1e9, 1e9, 1e9, 1e9 }, t;
	long rss[3];
	char *b;

	if (sodium_init() < 0 || n == 0 || rounds < 1)
		return 1;
	b = make_body(n);
	for (int r = 0; r < rounds; r++) {
		if ((t = sha_sodium(b, n)) < best[0])
			best[0] = t;
		if ((t = sha_evp(b, n)) < best[1])
			best[1] = t;
		if ((t = stuff(b, n, true)) < best[2])
			best[2] = t;
		if ((t = stuff(b, n, false)) < best[3])
			best[3] = t;
		if ((t = take(b, n, true)) < best[4])
			best[4] = t;
		if ((t = take(b, n, false)) < best[5])
			best[5] = t;
	}
	printf("# %.0f MB body, best of %d interleaved rounds\n", mb, rounds);
	report("sha256", "libsodium crypto_hash_sha256", best[0],
	    "ssmp_hash (OpenSSL EVP)", best[1], mb);
	report("stuff", "old sess_data (octet at a time)", best[2],
	    "sess_data by runs, 64 KiB pieces", best[3], mb);
	report("take", "hash, move the input chains", best[4],
	    "hash and copy into full chains", best[5], mb);
	for (int how = 0; how < 3; how++)
		rss[how] = rss_growth(b, n, how);
	printf("rss     %-34s %8.1f MiB   %.2f x the body\n",
	    "old hand-off (3 copies)", rss[0] / 1024.0, rss[0] * 1024.0 / n);
	printf("rss     %-34s %8.1f MiB   %.2f x the body\n",
	    "body.c in memory, streamed", rss[1] / 1024.0,
	    rss[1] * 1024.0 / n);
	printf("rss     %-34s %8.1f MiB   %.2f x the body\n",
	    "body.c spooled, streamed", rss[2] / 1024.0, rss[2] * 1024.0 / n);
	free(b);
	return 0;
}
