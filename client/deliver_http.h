/*
 * deliver_http.h - HTTPS requests of the delivery client (libcurl).
 *
 * Internal to libdeliver.  Runs a set of POST requests concurrently on one
 * multi handle; the connection cache, DNS cache and TLS sessions are
 * shared process-wide so later messages reuse connections.
 */
#ifndef SSMP_DELIVER_HTTP_H
#define SSMP_DELIVER_HTTP_H

#include <curl/curl.h>
#include <stddef.h>

#include "ssmp_buf.h"
#include "ssmp_err.h"
#include "ssmp_rtype.h"
#include "netguard.h"

struct dl_body;
struct dlh;

struct dlh_req {
	/* in */
	char			 url[SSMP_HOST_MAX + 128];
	char			 resolve[NETGUARD_PIN_MAX];	/* or "" */
	struct curl_slist	*hdrs;
	const char		*post;		/* in-memory body, or */
	size_t			 postlen;
	const struct dl_body	*body;		/* a streamed message */
	/* out */
	long			 http;		/* 0: no answer */
	struct ssmp_buf		 resp;
	/* when http is 0: NETGUARD_ERROR for every transport failure (the
	   detail is logged), or a local failure */
	char			 error[CURL_ERROR_SIZE];
	enum ssmp_rtype		 rtype;		/* the failure's class */
	/* private */
	CURL			*h;
	size_t			 off;
	char			 detail[CURL_ERROR_SIZE];
	struct netguard_use	 guard;
};

/* allow: AllowPrivateHosts (netguard.h); NULL: none. */
int dlh_new(const char *cafile, long timeout,
    const struct ssmp_strlist *allow, struct dlh **out,
    struct ssmp_err *err);
void dlh_free(struct dlh *x);

void dlh_req_init(struct dlh_req *r);
void dlh_req_header(struct dlh_req *r, const char *name, const char *value);
void dlh_req_clear(struct dlh_req *r);

/* Perform n requests at once; each ends with http set or error filled. */
void dlh_run(struct dlh *x, struct dlh_req *const *r, size_t n);

#endif
