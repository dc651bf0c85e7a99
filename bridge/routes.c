/*
 * routes.c - the endpoint table of ssmp.7 and the admin listener.
 * Query strings are not part of SSMP; a target with '?' matches nothing.
 */
#include "config.h"

#include <string.h>

#include "consent_recv.h"	/* consent */
#include "report_recv.h"
#include "routes.h"
#include "ssmp_limits.h"

struct entry {
	const char		*path;
	const struct route	*route;
	const char		*allow;
	int			 segs;	/* segments after a prefix */
};

static const struct entry ssmp_routes[] = {
	{ SSMP_PATH_PREFIX "envelope", &route_envelope, "Allow: POST\r\n", 1 },
	{ SSMP_PATH_PREFIX "message/", &route_message, "Allow: POST\r\n", 1 },
	{ SSMP_PATH_PREFIX "deliver", &route_deliver, "Allow: POST\r\n", 1 },
	/* key/<domain>/<selector> (ssmp.7 KEY-1) */
	{ SSMP_PATH_PREFIX "key/", &route_key, "Allow: GET\r\n", 2 },
	{ SSMP_PATH_PREFIX "allow", &route_allow, "Allow: POST\r\n", 1 },	/* consent */
	{ SSMP_PATH_PREFIX "report", &route_report, "Allow: POST\r\n", 1 },
	{ NULL, NULL, NULL, 0 }
};

static const struct entry admin_routes[] = {
	{ "/healthz", &route_healthz, "Allow: GET\r\n", 1 },
	{ "/metrics", &route_metrics, "Allow: GET\r\n", 1 },
	{ "/consent/", &route_consent, "Allow: POST\r\n", 1 },	/* consent */
	{ NULL, NULL, NULL, 0 }
};

/* rest is exactly segs non-empty segments separated by '/'. */
static int
segments(const char *rest, int segs)
{
	const char *p = rest;

	for (int i = 0; i < segs; i++) {
		size_t len = strcspn(p, "/");

		if (len == 0 || (i + 1 < segs) != (p[len] == '/'))
			return 0;
		p += len + (p[len] == '/');
	}
	return *p == '\0';
}

static int
path_match(const struct entry *e, const char *target, size_t *plen)
{
	const char *pattern = e->path;
	size_t n = strlen(pattern);

	*plen = n;
	if (pattern[n - 1] == '/')	/* prefix: something must follow */
		return strncmp(target, pattern, n) == 0 &&
		    segments(target + n, e->segs);
	return strcmp(target, pattern) == 0;
}

int
routes_find(enum http_role role, const char *method, const char *target,
    struct http_match *m)
{
	const struct entry *e = role == ROLE_ADMIN ? admin_routes : ssmp_routes;

	memset(m, 0, sizeof(*m));
	m->fail = SSMP_NO_ENDPOINT;
	if (strchr(target, '?') != NULL)
		return -1;
	for (; e->path != NULL; e++) {
		if (!path_match(e, target, &m->prefix_len))
			continue;
		if (strcmp(method, e->route->method) != 0) {
			m->fail = SSMP_BAD_METHOD;
			m->extra = e->allow;
			return -1;
		}
		m->route = e->route;
		return 0;
	}
	return -1;
}
