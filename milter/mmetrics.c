/*
 * mmetrics.c - ssmp-milter's counters and admin listener (mmetrics.h).
 */
#include "config.h"

#include <errno.h>
#include <netdb.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "decide.h"
#include "mmetrics.h"
#include "ssmp_confparse.h"
#include "ssmp_log.h"

#define MAX_SERIES	64	/* (outcome, code) pairs kept */
#define REQ_TIMEOUT	5	/* seconds for a request's head */

enum outcome { O_UPGRADED, O_FELL_BACK, O_REJECTED, O_NOT_SSMP,
    O_TEMPFAILED, O_DNS_TEMP, O_N };
static const char *const outcome_names[O_N] = { "upgraded", "fell back",
    "rejected", "not SSMP", "tempfailed", "DNS temporary" };

static struct {
	pthread_mutex_t	 mu;
	time_t		 started;
	uint64_t	 discarded;
	size_t		 n;
	struct {
		enum outcome	o;
		char		code[16];
		uint64_t	count;
	} s[MAX_SERIES];
	uint64_t	 other[O_N];	/* beyond MAX_SERIES codes */
} mm = { PTHREAD_MUTEX_INITIALIZER, 0, 0, 0, { { 0, "", 0 } }, { 0 } };

static enum outcome
classify(const struct pl_rcpt *r)
{
	/* X.4.3, directory server failure (RFC 3463): DNS, however the
	 * pipeline's event names it */
	bool dns = r->ev == DC_DISC_TEMP || r->ev == DC_KEY_TEMP ||
	    (r->st.code[0] != '\0' && strcmp(r->st.code + 1, ".4.3") == 0);

	switch (r->route) {
	case PL_DONE:
		return O_UPGRADED;
	case PL_REJECT:
		return O_REJECTED;
	case PL_TEMP:
		return dns ? O_DNS_TEMP : O_TEMPFAILED;
	default:	/* by SMTP */
		if (dns)
			return O_DNS_TEMP;
		return r->ev == DC_NOT_SSMP ? O_NOT_SSMP : O_FELL_BACK;
	}
}

void
mm_count(const struct pl_msg *m, const struct pl_rcpt *r)
{
	enum outcome o = classify(r);
	size_t i;

	(void)m;
	pthread_mutex_lock(&mm.mu);
	for (i = 0; i < mm.n; i++)
		if (mm.s[i].o == o && strcmp(mm.s[i].code, r->st.code) == 0)
			break;
	if (i == mm.n && mm.n < MAX_SERIES) {
		mm.s[i].o = o;
		snprintf(mm.s[i].code, sizeof(mm.s[i].code), "%s", r->st.code);
		mm.n++;
	}
	if (i < mm.n)
		mm.s[i].count++;
	else
		mm.other[o]++;
	pthread_mutex_unlock(&mm.mu);
}

void
mm_discarded(void)
{
	pthread_mutex_lock(&mm.mu);
	mm.discarded++;
	pthread_mutex_unlock(&mm.mu);
}

void
mm_render(struct ssmp_buf *b)
{
	char line[512];

	pthread_mutex_lock(&mm.mu);
	snprintf(line, sizeof(line), "# TYPE ssmp_milter_build_info gauge\n"
	    "ssmp_milter_build_info{version=\"%s\"} 1\n"
	    "# TYPE ssmp_milter_start_time_seconds gauge\n"
	    "ssmp_milter_start_time_seconds %lld\n"
	    "# HELP ssmp_milter_messages_discarded_total Messages whose "
	    "recipients all went by SSMP (Postfix: milter-discard).\n"
	    "# TYPE ssmp_milter_messages_discarded_total counter\n"
	    "ssmp_milter_messages_discarded_total %llu\n", PACKAGE_VERSION,
	    (long long)mm.started, (unsigned long long)mm.discarded);
	ssmp_buf_adds(b, line);
	ssmp_buf_adds(b, "# HELP ssmp_milter_recipients_total Recipients by "
	    "outcome and the SSMP status code that decided it.\n"
	    "# TYPE ssmp_milter_recipients_total counter\n");
	for (size_t i = 0; i < mm.n; i++) {
		snprintf(line, sizeof(line), "ssmp_milter_recipients_total"
		    "{outcome=\"%s\",code=\"%s\"} %llu\n",
		    outcome_names[mm.s[i].o], mm.s[i].code,
		    (unsigned long long)mm.s[i].count);
		ssmp_buf_adds(b, line);
	}
	for (int o = 0; o < O_N; o++)
		if (mm.other[o] != 0) {
			snprintf(line, sizeof(line), "ssmp_milter_recipients_"
			    "total{outcome=\"%s\",code=\"other\"} %llu\n",
			    outcome_names[o], (unsigned long long)mm.other[o]);
			ssmp_buf_adds(b, line);
		}
	pthread_mutex_unlock(&mm.mu);
}

/* --- the admin listener ----------------------------------------------- */

static void
respond(int fd, int status, const char *body, size_t len)
{
	char head[200];
	int n;

	n = snprintf(head, sizeof(head), "HTTP/1.1 %d %s\r\nContent-Type: "
	    "text/plain; version=0.0.4\r\nContent-Length: %zu\r\n"
	    "Connection: close\r\n\r\n", status, status == 200 ? "OK" :
	    status == 404 ? "Not Found" : "Bad Request", len);
	if (write(fd, head, (size_t)n) == n)
		(void)!write(fd, body, len);
}

/* Milliseconds left until deadline (CLOCK_MONOTONIC), 0 when past. */
static int
ms_left(const struct timespec *deadline)
{
	struct timespec now;
	long ms;

	clock_gettime(CLOCK_MONOTONIC, &now);
	ms = (deadline->tv_sec - now.tv_sec) * 1000 +
	    (deadline->tv_nsec - now.tv_nsec) / 1000000;
	return ms > 0 ? (int)ms : 0;
}

/*
 * One request: its whole head within REQ_TIMEOUT (one deadline, not one
 * per read: a client trickling an octet at a time would otherwise hold
 * the only serving thread for an hour), then the answer.
 */
static void
serve_one(int fd)
{
	struct timeval tv = { REQ_TIMEOUT, 0 };
	struct timespec deadline;
	struct pollfd pfd = { fd, POLLIN, 0 };
	struct ssmp_buf b;
	char req[1024];
	size_t len = 0;
	ssize_t n;

	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	clock_gettime(CLOCK_MONOTONIC, &deadline);
	deadline.tv_sec += REQ_TIMEOUT;
	while (len < sizeof(req) - 1 &&
	    poll(&pfd, 1, ms_left(&deadline)) == 1 &&
	    (n = read(fd, req + len, sizeof(req) - 1 - len)) > 0) {
		len += (size_t)n;
		req[len] = '\0';
		if (strstr(req, "\r\n\r\n") != NULL)
			break;
	}
	req[len] = '\0';
	if (strncmp(req, "GET /metrics ", 13) == 0) {
		ssmp_buf_init(&b);
		mm_render(&b);
		respond(fd, 200, b.p, b.len);
		ssmp_buf_free(&b);
	} else if (strncmp(req, "GET /healthz ", 13) == 0)
		respond(fd, 200, "ok\n", 3);
	else
		respond(fd, strncmp(req, "GET ", 4) == 0 ? 404 : 400, "", 0);
}

static void *
serve(void *arg)
{
	int lfd = (int)(intptr_t)arg, fd;

	for (;;) {
		if ((fd = accept(lfd, NULL, NULL)) < 0) {
			if (errno != EINTR && errno != ECONNABORTED)
				sleep(1);	/* out of descriptors: wait */
			continue;
		}
		serve_one(fd);
		close(fd);
	}
	return NULL;
}

int
mm_serve(const char *spec, struct ssmp_err *err)
{
	struct ssmp_sockspec ss;
	struct addrinfo *ai;
	pthread_t tid;
	sigset_t all, old;
	int fd, one = 1, rc;

	mm.started = time(NULL);
	if (ssmp_sockspec_parse(spec, &ss, err) != 0)
		return ssmp_err_prefix(err, "MilterAdminListen: ");
	if (ss.family == SSMP_SOCK_LOCAL)
		return ssmp_err_set(err, "MilterAdminListen %s: inet or inet6 "
		    "only", spec);
	if ((rc = ssmp_sockspec_addrinfo(&ss, &ai)) != 0)
		return ssmp_err_set(err, "MilterAdminListen %s: %s", spec,
		    gai_strerror(rc));
	fd = socket(ai->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one,
	    sizeof(one)) != 0 || bind(fd, ai->ai_addr, ai->ai_addrlen) != 0 ||
	    listen(fd, 16) != 0) {
		rc = errno;
		freeaddrinfo(ai);
		if (fd >= 0)
			close(fd);
		return ssmp_err_set(err, "MilterAdminListen %s: %s", spec,
		    strerror(rc));
	}
	freeaddrinfo(ai);
	/* the thread takes no signals: libmilter's and the reload's are
	 * waited for elsewhere */
	sigfillset(&all);
	(void)pthread_sigmask(SIG_BLOCK, &all, &old);
	rc = pthread_create(&tid, NULL, serve, (void *)(intptr_t)fd);
	(void)pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (rc != 0) {
		close(fd);
		return ssmp_err_set(err, "MilterAdminListen: thread: %s",
		    strerror(rc));
	}
	(void)pthread_detach(tid);
	return 0;
}
