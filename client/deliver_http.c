/*
 * deliver_http.c - concurrent HTTPS POSTs for the delivery client.
 *
 * One CURLSH per process shares connections, DNS answers and TLS
 * sessions between threads (milter connections), so the second message
 * to a host pays no TLS handshake.  Each dlh_run() call has a multi
 * handle of its own while it runs: callers on different threads never
 * wait for each other's transfers.  The handles are kept for the next
 * call (a new one cost a socket pair, its fcntl calls and signal
 * handling: more system calls than an SSMP request's own I/O).  Message bodies are streamed by a read callback, from memory
 * or with pread() from a spill file, so concurrent transfers of one body
 * never share a file offset.
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/x509_vfy.h>

#include "ssmp_limits.h"
#include "deliver.h"
#include "deliver_http.h"

/* Answers are small JSON documents; anything larger is not SSMP. */
#define RESP_MAX	(256 * 1024)

/*
 * Idle connections the shared cache keeps.  libcurl trims the shared
 * cache to the limit of whichever multi handle returns a connection,
 * 4 per transfer by default: with one or two transfers per handle and
 * many milter threads, most requests paid a new TLS handshake.
 */
#define KEEP_CONNS	256L

/* Idle multi handles kept; more callers at once make and end their own. */
#define KEEP_MULTIS	64

struct dlh {
	CURLSH		*share;
	struct netguard	*guard;
	pthread_mutex_t	 lock[CURL_LOCK_DATA_LAST];
	char		*cafile;
	long		 timeout;
	pthread_mutex_t	 mmu;		/* the idle multi handles */
	CURLM		*idle[KEEP_MULTIS];
	size_t		 nidle;
};

static void
share_lock(CURL *h, curl_lock_data data, curl_lock_access a, void *arg)
{
	struct dlh *x = arg;

	(void)h;
	(void)a;
	pthread_mutex_lock(&x->lock[data]);
}

static void
share_unlock(CURL *h, curl_lock_data data, void *arg)
{
	struct dlh *x = arg;

	(void)h;
	pthread_mutex_unlock(&x->lock[data]);
}

static void
global_init(void)
{
	(void)curl_global_init(CURL_GLOBAL_ALL);
}

int
dlh_new(const char *cafile, long timeout, const struct ssmp_strlist *allow,
    struct dlh **out, struct ssmp_err *err)
{
	static const struct ssmp_strlist none;
	static pthread_once_t	 once = PTHREAD_ONCE_INIT;
	struct dlh		*x;
	int			 i;

	/* curl_global_init is not thread-safe; do it once, early. */
	(void)pthread_once(&once, global_init);
	x = ssmp_xcalloc(1, sizeof(*x));
	if (netguard_new(allow != NULL ? allow : &none, &x->guard, err) != 0) {
		free(x);
		return -1;
	}
	for (i = 0; i < CURL_LOCK_DATA_LAST; i++)
		pthread_mutex_init(&x->lock[i], NULL);
	pthread_mutex_init(&x->mmu, NULL);
	if ((x->share = curl_share_init()) == NULL) {
		netguard_free(x->guard);
		free(x);
		return ssmp_err_set(err, "libcurl: cannot create share handle");
	}
	curl_share_setopt(x->share, CURLSHOPT_LOCKFUNC, share_lock);
	curl_share_setopt(x->share, CURLSHOPT_UNLOCKFUNC, share_unlock);
	curl_share_setopt(x->share, CURLSHOPT_USERDATA, x);
	curl_share_setopt(x->share, CURLSHOPT_SHARE, CURL_LOCK_DATA_CONNECT);
	curl_share_setopt(x->share, CURLSHOPT_SHARE, CURL_LOCK_DATA_DNS);
	curl_share_setopt(x->share, CURLSHOPT_SHARE,
	    CURL_LOCK_DATA_SSL_SESSION);
	x->cafile = cafile ? ssmp_xstrdup(cafile) : NULL;
	x->timeout = timeout > 0 ? timeout : 30;
	*out = x;
	return 0;
}

void
dlh_free(struct dlh *x)
{
	int i;

	if (x == NULL)
		return;
	while (x->nidle > 0)
		curl_multi_cleanup(x->idle[--x->nidle]);
	pthread_mutex_destroy(&x->mmu);
	curl_share_cleanup(x->share);
	netguard_free(x->guard);
	for (i = 0; i < CURL_LOCK_DATA_LAST; i++)
		pthread_mutex_destroy(&x->lock[i]);
	free(x->cafile);
	free(x);
}

void
dlh_req_init(struct dlh_req *r)
{
	memset(r, 0, sizeof(*r));
	ssmp_buf_init(&r->resp);
	/* Answers come before bodies are read; no 1 s wait for a 100. */
	r->hdrs = curl_slist_append(NULL, "Expect:");
}

void
dlh_req_header(struct dlh_req *r, const char *name, const char *value)
{
	char line[1024];

	(void)snprintf(line, sizeof(line), "%s: %s", name, value);
	r->hdrs = curl_slist_append(r->hdrs, line);
}

void
dlh_req_clear(struct dlh_req *r)
{
	curl_slist_free_all(r->hdrs);
	ssmp_buf_free(&r->resp);
	if (r->h != NULL)
		curl_easy_cleanup(r->h);
	memset(r, 0, sizeof(*r));
}

static size_t
on_write(char *p, size_t size, size_t n, void *arg)
{
	struct dlh_req *r = arg;

	if (r->resp.len + n > RESP_MAX)
		return 0;	/* aborts the transfer: not an SSMP answer */
	ssmp_buf_add(&r->resp, p, n * size);
	return n * size;
}

static size_t
on_read(char *p, size_t size, size_t n, void *arg)
{
	struct dlh_req		*r = arg;
	const struct dl_body	*b = r->body;
	size_t			 want = size * n, left = b->len - r->off;
	ssize_t			 got;

	if (want > left)
		want = left;
	if (want == 0)
		return 0;
	if (b->fd < 0) {
		memcpy(p, b->mem + r->off, want);
		got = (ssize_t)want;
	} else if ((got = pread(b->fd, p, want, (off_t)r->off)) <= 0)
		return CURL_READFUNC_ABORT;
	r->off += (size_t)got;
	return (size_t)got;
}

/*
 * A kept connection the server closed meanwhile is only found dead when
 * the request goes out; libcurl then sends it again on a new connection,
 * which needs the body from the start.  (A request the server did read
 * is answered from its delivery records the second time.)
 */
static int
on_seek(void *arg, curl_off_t off, int origin)
{
	struct dlh_req *r = arg;

	if (origin != SEEK_SET || off < 0 || (size_t)off > r->body->len)
		return CURL_SEEKFUNC_CANTSEEK;
	r->off = (size_t)off;
	return CURL_SEEKFUNC_OK;
}

static CURL *
easy_for(struct dlh *x, struct dlh_req *r)
{
	CURL			*h;
	struct curl_slist	*res = NULL;

	if ((h = curl_easy_init()) == NULL)
		return NULL;
	curl_easy_setopt(h, CURLOPT_SHARE, x->share);
	curl_easy_setopt(h, CURLOPT_URL, r->url);
#if LIBCURL_VERSION_NUM >= 0x075500
	curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "https");
#else
	curl_easy_setopt(h, CURLOPT_PROTOCOLS, (long)CURLPROTO_HTTPS);
#endif
	curl_easy_setopt(h, CURLOPT_SSLVERSION, (long)CURL_SSLVERSION_TLSv1_2);
	if (x->cafile != NULL)
		curl_easy_setopt(h, CURLOPT_CAINFO, x->cafile);
	curl_easy_setopt(h, CURLOPT_TIMEOUT, x->timeout);
	curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT,
	    x->timeout < 10 ? x->timeout : 10L);
	curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(h, CURLOPT_ERRORBUFFER, r->detail);
	netguard_curl(h, x->guard, &r->guard);
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_write);
	curl_easy_setopt(h, CURLOPT_WRITEDATA, r);
	curl_easy_setopt(h, CURLOPT_POST, 1L);
	if (r->body != NULL) {
		r->off = 0;
		curl_easy_setopt(h, CURLOPT_READFUNCTION, on_read);
		curl_easy_setopt(h, CURLOPT_READDATA, r);
		curl_easy_setopt(h, CURLOPT_SEEKFUNCTION, on_seek);
		curl_easy_setopt(h, CURLOPT_SEEKDATA, r);
		curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE,
		    (curl_off_t)r->body->len);
	} else {
		curl_easy_setopt(h, CURLOPT_POSTFIELDS, r->post);
		curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE,
		    (curl_off_t)r->postlen);
	}
	if (r->resolve[0] != '\0') {
		/* The world's DNS, not the system resolver, names h=. */
		res = curl_slist_append(NULL, r->resolve);
		curl_easy_setopt(h, CURLOPT_RESOLVE, res);
		curl_easy_setopt(h, CURLOPT_PRIVATE, res);
	}
	curl_easy_setopt(h, CURLOPT_HTTPHEADER, r->hdrs);
	return h;
}

/* A transfer failed: the log has the detail, the caller one text. */
static void
failed(struct dlh_req *r, const char *what)
{
	netguard_log(NULL, r->url, &r->guard, r->detail[0] != '\0' ?
	    r->detail : what);
	(void)snprintf(r->error, sizeof(r->error), NETGUARD_ERROR);
}

/*
 * The class of a transfer that failed (ssmp.7 DELIVERY REPORTS).  With
 * OpenSSL, libcurl checks the name itself: a failed verification whose
 * chain verified is the name's.
 */
static enum ssmp_rtype
rtype_of(CURL *h, CURLcode rc)
{
	long v = 0;

	switch (rc) {
	case CURLE_COULDNT_RESOLVE_HOST:
		return SSMP_RT_HOST_ADDRESS;
	case CURLE_COULDNT_CONNECT:
		return SSMP_RT_TCP;
	case CURLE_OPERATION_TIMEDOUT:
		return SSMP_RT_TIMEOUT;
	case CURLE_PEER_FAILED_VERIFICATION:
		(void)curl_easy_getinfo(h, CURLINFO_SSL_VERIFYRESULT, &v);
		if (v == X509_V_ERR_CERT_HAS_EXPIRED ||
		    v == X509_V_ERR_CERT_NOT_YET_VALID)
			return SSMP_RT_CERT_EXPIRED;
		if (v == X509_V_OK || v == X509_V_ERR_HOSTNAME_MISMATCH)
			return SSMP_RT_CERT_HOST;
		return SSMP_RT_CERT_UNTRUSTED;
	case CURLE_SSL_CONNECT_ERROR:
	case CURLE_SSL_CERTPROBLEM:
	case CURLE_SSL_CIPHER:
	case CURLE_SSL_ISSUER_ERROR:
	case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
	case CURLE_SSL_INVALIDCERTSTATUS:
	case CURLE_SSL_SHUTDOWN_FAILED:
		return SSMP_RT_TLS;
	case CURLE_SSL_CACERT_BADFILE:
	case CURLE_OUT_OF_MEMORY:
		return SSMP_RT_SENDER;
	default:
		return SSMP_RT_HTTP;
	}
}

/* A multi handle for one dlh_run(): a kept one, else a new one. */
static CURLM *
multi_take(struct dlh *x)
{
	CURLM *m = NULL;

	pthread_mutex_lock(&x->mmu);
	if (x->nidle > 0)
		m = x->idle[--x->nidle];
	pthread_mutex_unlock(&x->mmu);
	if (m == NULL && (m = curl_multi_init()) != NULL)
		curl_multi_setopt(m, CURLMOPT_MAXCONNECTS, KEEP_CONNS);
	return m;
}

/* Back to the idle ones, with no transfer in it (all removed). */
static void
multi_give(struct dlh *x, CURLM *m)
{
	pthread_mutex_lock(&x->mmu);
	if (x->nidle < KEEP_MULTIS) {
		x->idle[x->nidle++] = m;
		m = NULL;
	}
	pthread_mutex_unlock(&x->mmu);
	if (m != NULL)
		curl_multi_cleanup(m);
}

void
dlh_run(struct dlh *x, struct dlh_req *const *r, size_t n)
{
	CURLM		*m;
	CURLMsg		*msg;
	size_t		 i;
	int		 running, left;
	bool		 broken = false;	/* not kept for the next run */

	if ((m = multi_take(x)) == NULL) {
		for (i = 0; i < n; i++)
			(void)snprintf(r[i]->error, sizeof(r[i]->error),
			    "libcurl: cannot create multi handle");
		return;
	}
	for (i = 0; i < n; i++) {
		r[i]->http = 0;
		ssmp_buf_reset(&r[i]->resp);
		r[i]->error[0] = '\0';
		r[i]->detail[0] = '\0';
		r[i]->rtype = SSMP_RT_SENDER;	/* until it runs */
		if ((r[i]->h = easy_for(x, r[i])) == NULL) {
			(void)snprintf(r[i]->error, sizeof(r[i]->error),
			    "libcurl: cannot create handle");
			continue;
		}
		curl_multi_add_handle(m, r[i]->h);
	}
	do {
		if (curl_multi_perform(m, &running) != CURLM_OK ||
		    (running > 0 && curl_multi_poll(m, NULL, 0, 1000, NULL) !=
		    CURLM_OK)) {
			broken = true;
			break;
		}
	} while (running > 0);
	while ((msg = curl_multi_info_read(m, &left)) != NULL) {
		if (msg->msg != CURLMSG_DONE)
			continue;
		for (i = 0; i < n; i++)
			if (r[i]->h == msg->easy_handle)
				break;
		if (i == n)
			continue;
		if (msg->data.result == CURLE_OK)
			curl_easy_getinfo(r[i]->h, CURLINFO_RESPONSE_CODE,
			    &r[i]->http);
		else {
			failed(r[i], curl_easy_strerror(msg->data.result));
			r[i]->rtype = rtype_of(r[i]->h, msg->data.result);
		}
	}
	for (i = 0; i < n; i++) {
		struct curl_slist *res = NULL;

		if (r[i]->h == NULL)
			continue;
		if (r[i]->http == 0 && r[i]->error[0] == '\0') {
			failed(r[i], "transfer did not complete");
			r[i]->rtype = SSMP_RT_HTTP;
		}
		curl_easy_getinfo(r[i]->h, CURLINFO_PRIVATE, (char **)&res);
		curl_multi_remove_handle(m, r[i]->h);
		curl_easy_cleanup(r[i]->h);
		curl_slist_free_all(res);
		r[i]->h = NULL;
	}
	if (broken)
		curl_multi_cleanup(m);
	else
		multi_give(x, m);
}
