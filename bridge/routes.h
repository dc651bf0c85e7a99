/*
 * routes.h - which handler serves a request (method + path, per listener).
 */
#ifndef BRIDGE_ROUTES_H
#define BRIDGE_ROUTES_H

#include <stddef.h>

#include "http.h"
#include "ssmp_status.h"

struct routes_match {
	const struct route	*route;
	size_t			 prefix_len;	/* of the matched path */
	enum ssmp_outcome	 fail;		/* when no route matched */
	const char		*extra;		/* e.g. "Allow: POST\r\n" */
};

/* 0 with m->route set, or -1 with m->fail (404 or 405) set. */
int routes_find(enum http_role role, const char *method, const char *target,
    struct routes_match *m);

/* Handlers, each in its own module. */
extern const struct route route_envelope, route_message, route_deliver,
    route_key, route_healthz, route_metrics;

#endif
