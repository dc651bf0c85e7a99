/*
 * slowc.c - many slow TLS clients from one process (t/hostile-conns.t).
 *
 * usage: slowc PORT N TLS HOLD CAFILE SNI
 *
 * Opens N connections to 127.0.0.1:PORT without blocking (at most 256
 * handshakes in flight, so the listen backlog never overflows).  The
 * first TLS of them complete the TLS handshake, verifying the
 * certificate for SNI, and send the first line and a half of a request
 * head and nothing more: a slowloris.  The others stall one step
 * earlier: connected, they send the first octet of a TLS record and no
 * more (so the server holds a connection in its TLS accept state, at a
 * fraction of the handshake's CPU cost on both sides; the octet also
 * makes the kernel retransmit until ssmpd's accept queue takes it, where
 * a bare connect could be lost to a full queue after a SYN cookie).  When every connection is open or failed it prints
 * "open K failed F" and holds them for HOLD seconds (or until SIGUSR1), then prints
 * "closed-by-server C" (how many the server closed meanwhile) and exits,
 * closing them all.  Exit status 1 when setup failed.
 */
#include <sys/epoll.h>
#include <sys/socket.h>

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/ssl.h>

#define INFLIGHT	256

static const char partial[] =
    "POST /.well-known/ssmp/v1/envelope HTTP/1.1\r\nHost: ssmp.b.test\r\n"
    "Content-Le";

enum st { S_FREE, S_CONNECT, S_HANDSHAKE, S_OPEN, S_FAILED };

struct cl {
	int	 fd;
	SSL	*ssl;
	enum st	 st;
};

static struct cl	*cls;
static int		 ncl, ntls, nopen, nfailed, inflight;
static volatile sig_atomic_t	 stop;

static void
on_usr1(int sig)
{
	(void)sig;
	stop = 1;
}

static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void
fail(struct cl *c)
{
	c->st = S_FAILED;
	nfailed++;
	inflight--;
}

/* Established: from now on only its closing is watched. */
static void
opened(int ep, struct cl *c)
{
	struct epoll_event ev;

	c->st = S_OPEN;
	nopen++;
	inflight--;
	ev.events = EPOLLRDHUP;
	ev.data.ptr = c;
	epoll_ctl(ep, EPOLL_CTL_MOD, c->fd, &ev);
}

static void
start(SSL_CTX *ctx, int ep, struct cl *c, int port, const char *sni)
{
	struct sockaddr_in sin;
	struct epoll_event ev;

	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_port = htons((unsigned short)port);
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	inflight++;
	c->st = S_HANDSHAKE;
	if ((c->fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0)) < 0) {
		perror("slowc: socket");
		fail(c);
		return;
	}
	if (connect(c->fd, (struct sockaddr *)&sin, sizeof(sin)) != 0 &&
	    errno != EINPROGRESS) {
		fail(c);
		return;
	}
	if (c - cls >= ntls) {		/* TCP only: never says hello */
		c->st = S_CONNECT;
		ev.events = EPOLLOUT;
		ev.data.ptr = c;
		epoll_ctl(ep, EPOLL_CTL_ADD, c->fd, &ev);
		return;
	}
	c->ssl = SSL_new(ctx);
	SSL_set_fd(c->ssl, c->fd);
	SSL_set_tlsext_host_name(c->ssl, sni);
	SSL_set1_host(c->ssl, sni);
	SSL_set_connect_state(c->ssl);
	ev.events = EPOLLIN | EPOLLOUT;
	ev.data.ptr = c;
	epoll_ctl(ep, EPOLL_CTL_ADD, c->fd, &ev);
}

/* A TCP-only connection is established (in the server's accept queue). */
static void
connected(int ep, struct cl *c)
{
	int e = 0;
	socklen_t len = sizeof(e);

	/* one octet of a TLS record: the server waits for the rest */
	if (getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &e, &len) != 0 || e != 0 ||
	    send(c->fd, "\x16", 1, MSG_NOSIGNAL) != 1) {
		epoll_ctl(ep, EPOLL_CTL_DEL, c->fd, NULL);
		fail(c);
		return;
	}
	opened(ep, c);
}

/* Drive one handshake; on completion send the partial head. */
static void
step(int ep, struct cl *c)
{
	struct epoll_event ev;
	int r = SSL_do_handshake(c->ssl), e;

	if (r == 1) {
		if (SSL_write(c->ssl, partial, sizeof(partial) - 1) <= 0) {
			fail(c);
			return;
		}
		opened(ep, c);
		return;
	}
	e = SSL_get_error(c->ssl, r);
	if (e != SSL_ERROR_WANT_READ && e != SSL_ERROR_WANT_WRITE) {
		epoll_ctl(ep, EPOLL_CTL_DEL, c->fd, NULL);
		fail(c);
		return;
	}
	ev.events = e == SSL_ERROR_WANT_READ ? EPOLLIN : EPOLLOUT;
	ev.data.ptr = c;
	epoll_ctl(ep, EPOLL_CTL_MOD, c->fd, &ev);
}

/* Connections the server closed (EOF or reset) while held. */
static int
count_closed(int ep, double until)
{
	struct epoll_event evs[256];
	int n, closed = 0;

	while (now() < until && !stop) {
		n = epoll_wait(ep, evs, 256, 200);
		for (int i = 0; i < n; i++) {
			struct cl *c = evs[i].data.ptr;

			epoll_ctl(ep, EPOLL_CTL_DEL, c->fd, NULL);
			closed++;
		}
	}
	return closed;
}

int
main(int argc, char **argv)
{
	struct epoll_event evs[256];
	SSL_CTX *ctx;
	int port, hold, ep, next = 0, n;
	double deadline;

	if (argc != 7) {
		fprintf(stderr, "usage: slowc PORT N TLS HOLD CAFILE SNI\n");
		return 1;
	}
	signal(SIGUSR1, on_usr1);
	port = atoi(argv[1]);
	ncl = atoi(argv[2]);
	ntls = atoi(argv[3]);
	hold = atoi(argv[4]);
	ctx = SSL_CTX_new(TLS_client_method());
	if (ctx == NULL || SSL_CTX_load_verify_locations(ctx, argv[5], NULL)
	    != 1) {
		fprintf(stderr, "slowc: cannot load %s\n", argv[5]);
		return 1;
	}
	SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, NULL);
	cls = calloc((size_t)ncl, sizeof(*cls));
	ep = epoll_create1(0);
	deadline = now() + 120;
	while (nopen + nfailed < ncl && now() < deadline) {
		while (next < ncl && inflight < INFLIGHT)
			start(ctx, ep, &cls[next++], port, argv[6]);
		n = epoll_wait(ep, evs, 256, 100);
		for (int i = 0; i < n; i++) {
			struct cl *c = evs[i].data.ptr;

			if (c->st == S_HANDSHAKE)
				step(ep, c);
			else if (c->st == S_CONNECT)
				connected(ep, c);
		}
	}
	printf("open %d failed %d\n", nopen, nfailed + (ncl - nopen - nfailed));
	printf("# %d connections (%d with TLS) in %.1f s\n", nopen, ntls,
	    now() - (deadline - 120));
	fflush(stdout);
	printf("closed-by-server %d\n", count_closed(ep, now() + hold));
	fflush(stdout);
	for (int i = 0; i < ncl; i++) {
		if (cls[i].ssl != NULL)
			SSL_free(cls[i].ssl);
		if (cls[i].st != S_FREE && cls[i].fd >= 0)
			close(cls[i].fd);
	}
	free(cls);
	SSL_CTX_free(ctx);
	return 0;
}
