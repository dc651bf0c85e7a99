/*
 * keyhttp.c - libcurl multi on libevent (see keyhttp.h).
 *
 * The usual socket-action pairing: curl tells us which sockets to watch
 * (CURLMOPT_SOCKETFUNCTION) and when to call it back (TIMERFUNCTION);
 * libevent watches them and calls curl_multi_socket_action(); finished
 * transfers are collected after every action.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <curl/curl.h>
#include <event2/event.h>

#include "keyhttp.h"
#include "netguard.h"
#include "ssmp_buf.h"
#include "ssmp_limits.h"

#define BODY_MAX	4096

struct keyhttp {
	struct event_base	*base;
	CURLM			*multi;
	struct event		*timer;
	char			*cafile;
	long			 timeout;	/* seconds */
	struct netguard		*guard;		/* AllowPrivateHosts */
	struct fetch		*fetches;	/* running */
};

struct fetch {
	struct keyhttp		*kh;
	struct fetch		*next, **prevp;
	CURL			*easy;
	struct curl_slist	*resolve;
	struct netguard_use	 use;
	char			 host[SSMP_HOST_MAX + 1];
	char			 detail[CURL_ERROR_SIZE];
	char			 body[BODY_MAX + 1];
	size_t			 len;
	long			 maxage;
	keyhttp_cb		 cb;
	void			*arg;
};

/* One watched socket. */
struct sock {
	struct event		*ev;
};

static void check_done(struct keyhttp *kh);

static void
on_sock(evutil_socket_t fd, short what, void *arg)
{
	struct keyhttp *kh = arg;
	int running, flags = 0;

	if (what & EV_READ)
		flags |= CURL_CSELECT_IN;
	if (what & EV_WRITE)
		flags |= CURL_CSELECT_OUT;
	curl_multi_socket_action(kh->multi, fd, flags, &running);
	check_done(kh);
}

static void
on_timer(evutil_socket_t fd, short what, void *arg)
{
	struct keyhttp *kh = arg;
	int running;

	(void)fd;
	(void)what;
	curl_multi_socket_action(kh->multi, CURL_SOCKET_TIMEOUT, 0, &running);
	check_done(kh);
}

static int
sock_cb(CURL *easy, curl_socket_t fd, int what, void *userp, void *sockp)
{
	struct keyhttp *kh = userp;
	struct sock *s = sockp;
	short ev = EV_PERSIST;

	(void)easy;
	if (what == CURL_POLL_REMOVE) {
		if (s != NULL) {
			event_free(s->ev);
			free(s);
		}
		curl_multi_assign(kh->multi, fd, NULL);
		return 0;
	}
	if (what & CURL_POLL_IN)
		ev |= EV_READ;
	if (what & CURL_POLL_OUT)
		ev |= EV_WRITE;
	if (s == NULL) {
		s = ssmp_xcalloc(1, sizeof(*s));
		curl_multi_assign(kh->multi, fd, s);
	} else
		event_free(s->ev);
	s->ev = event_new(kh->base, fd, ev, on_sock, kh);
	event_add(s->ev, NULL);
	return 0;
}

static int
timer_cb(CURLM *multi, long ms, void *userp)
{
	struct keyhttp *kh = userp;
	struct timeval tv = { ms / 1000, (ms % 1000) * 1000 };

	(void)multi;
	if (ms < 0)
		event_del(kh->timer);
	else
		evtimer_add(kh->timer, &tv);
	return 0;
}

static size_t
on_body(char *p, size_t size, size_t n, void *arg)
{
	struct fetch *f = arg;
	size_t len = size * n;

	if (f->len + len > BODY_MAX)
		return 0;	/* too big for a key record: abort */
	memcpy(f->body + f->len, p, len);
	f->len += len;
	return len;
}

/* Cache-Control: ... max-age=N ... */
static size_t
on_header(char *p, size_t size, size_t n, void *arg)
{
	struct fetch *f = arg;
	size_t len = size * n;
	char line[512], *m;

	if (len >= sizeof(line) || len < 14 ||
	    strncasecmp(p, "cache-control:", 14) != 0)
		return len;
	memcpy(line, p, len);
	line[len] = '\0';
	if ((m = strstr(line, "max-age=")) != NULL)
		f->maxage = strtol(m + 8, NULL, 10);
	return len;
}

/* The transfer's outcome, status and body to the callback (fuzzed alone). */
static void
answer(struct fetch *f, CURLcode cc, long status)
{
	struct ssmp_keyrec rec;
	struct ssmp_err err;
	char why[SSMP_REASON_MAX + 1];

	memset(&rec, 0, sizeof(rec));
	if (cc != CURLE_OK) {
		/* one text: the sender must not learn what we can reach */
		f->cb(KEYS_DNS_TEMP, NULL, -1, "key over HTTPS: "
		    NETGUARD_ERROR, f->arg);
		return;
	}
	if (status == 404) {
		f->cb(KEYS_DNS_NONE, NULL, -1, "key over HTTPS: unknown "
		    "selector (404)", f->arg);
		return;
	}
	if (status != 200) {
		snprintf(why, sizeof(why), "key over HTTPS: HTTP %ld", status);
		f->cb(KEYS_DNS_TEMP, NULL, -1, why, f->arg);
		return;
	}
	while (f->len > 0 && (f->body[f->len - 1] == '\n' ||
	    f->body[f->len - 1] == '\r'))
		f->len--;
	f->body[f->len] = '\0';
	if (strlen(f->body) != f->len || ssmp_keyrec_parse(f->body, &rec,
	    &err) != 0) {
		snprintf(why, sizeof(why), "key over HTTPS: invalid record: "
		    "%.150s", f->len == strlen(f->body) ? err.msg : "NUL");
		f->cb(KEYS_DNS_NONE, NULL, -1, why, f->arg);
		return;
	}
	f->cb(KEYS_DNS_OK, &rec, f->maxage, NULL, f->arg);
}

static void
finish(struct fetch *f, CURLcode cc)
{
	long status = 0;

	curl_easy_getinfo(f->easy, CURLINFO_RESPONSE_CODE, &status);
	if (cc != CURLE_OK)
		netguard_log(NULL, f->host, &f->use, f->detail[0] != '\0' ?
		    f->detail : curl_easy_strerror(cc));
	answer(f, cc, status);
}

static void
fetch_free(struct fetch *f)
{
	if ((*f->prevp = f->next) != NULL)
		f->next->prevp = f->prevp;
	curl_multi_remove_handle(f->kh->multi, f->easy);
	curl_easy_cleanup(f->easy);
	curl_slist_free_all(f->resolve);
	free(f);
}

static void
check_done(struct keyhttp *kh)
{
	struct fetch *f;
	CURLMsg *m;
	int left;

	while ((m = curl_multi_info_read(kh->multi, &left)) != NULL) {
		if (m->msg != CURLMSG_DONE)
			continue;
		curl_easy_getinfo(m->easy_handle, CURLINFO_PRIVATE, &f);
		finish(f, m->data.result);
		fetch_free(f);
	}
}

int
keyhttp_new(struct event_base *base, const struct ssmp_config *cfg,
    struct keyhttp **out, struct ssmp_err *err)
{
	struct keyhttp *kh;

	if (curl_global_init(CURL_GLOBAL_DEFAULT) != 0)
		return ssmp_err_set(err, "libcurl: cannot initialise");
	kh = ssmp_xcalloc(1, sizeof(*kh));
	if (netguard_new(&cfg->allow_private_hosts, &kh->guard, err) != 0) {
		free(kh);
		return -1;
	}
	kh->base = base;
	kh->multi = curl_multi_init();
	kh->timer = evtimer_new(base, on_timer, kh);
	kh->cafile = cfg->ca_file != NULL ? ssmp_xstrdup(cfg->ca_file) : NULL;
	kh->timeout = cfg->http_timeout > 0 ? cfg->http_timeout : 20;
	curl_multi_setopt(kh->multi, CURLMOPT_SOCKETFUNCTION, sock_cb);
	curl_multi_setopt(kh->multi, CURLMOPT_SOCKETDATA, kh);
	curl_multi_setopt(kh->multi, CURLMOPT_TIMERFUNCTION, timer_cb);
	curl_multi_setopt(kh->multi, CURLMOPT_TIMERDATA, kh);
	*out = kh;
	return 0;
}

void
keyhttp_free(struct keyhttp *kh)
{
	if (kh == NULL)
		return;
	while (kh->fetches != NULL)
		fetch_free(kh->fetches);
	curl_multi_cleanup(kh->multi);
	event_free(kh->timer);
	netguard_free(kh->guard);
	free(kh->cafile);
	free(kh);
}

void
keyhttp_fetch(struct keyhttp *kh, const char *hostname, unsigned port,
    const char *addr, const char *domain, const char *selector,
    keyhttp_cb cb, void *arg)
{
	struct fetch *f = ssmp_xcalloc(1, sizeof(*f));
	char url[512], pin[NETGUARD_PIN_MAX];

	f->kh = kh;
	f->cb = cb;
	f->arg = arg;
	f->maxage = -1;
	/* the domain we mean, in the path: never a co-hosted domain's key */
	snprintf(url, sizeof(url), "https://%s:%u" SSMP_PATH_PREFIX "key/%s/%s",
	    hostname, port, domain, selector);
	netguard_pin(pin, sizeof(pin), hostname, port, addr);
	f->resolve = curl_slist_append(NULL, pin);
	snprintf(f->host, sizeof(f->host), "%s:%u", hostname, port);
	f->easy = curl_easy_init();
	netguard_curl(f->easy, kh->guard, &f->use);
	curl_easy_setopt(f->easy, CURLOPT_ERRORBUFFER, f->detail);
	curl_easy_setopt(f->easy, CURLOPT_URL, url);
	curl_easy_setopt(f->easy, CURLOPT_RESOLVE, f->resolve);
	curl_easy_setopt(f->easy, CURLOPT_PRIVATE, f);
	curl_easy_setopt(f->easy, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(f->easy, CURLOPT_WRITEDATA, f);
	curl_easy_setopt(f->easy, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(f->easy, CURLOPT_HEADERDATA, f);
	curl_easy_setopt(f->easy, CURLOPT_PROTOCOLS_STR, "https");
	curl_easy_setopt(f->easy, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(f->easy, CURLOPT_TIMEOUT, kh->timeout);
	curl_easy_setopt(f->easy, CURLOPT_SSLVERSION,
	    (long)CURL_SSLVERSION_TLSv1_2);
	curl_easy_setopt(f->easy, CURLOPT_USERAGENT, "ssmpd/" PACKAGE_VERSION);
	if (kh->cafile != NULL)
		curl_easy_setopt(f->easy, CURLOPT_CAINFO, kh->cafile);
	if ((f->next = kh->fetches) != NULL)
		f->next->prevp = &f->next;
	kh->fetches = f;
	f->prevp = &kh->fetches;
	curl_multi_add_handle(kh->multi, f->easy);
}
