/*
 * routes.h - which handler serves a request (method + path, per listener).
 */
#ifndef BRIDGE_ROUTES_H
#define BRIDGE_ROUTES_H

#include <stdbool.h>
#include <stddef.h>

#include "http.h"
#include "ssmp_status.h"

/* The router of ssmpd (http.h: http_router). */
int routes_find(enum http_role role, const char *method, const char *target,
    struct http_match *m);

/*
 * The per-client-IP limit (RateLimitClient) every POST handler checks
 * first: true when it answered 429 (endpoints.c).
 */
bool client_limited(struct conn *c);

/* Handlers, each in its own module. */
extern const struct route route_envelope, route_message, route_deliver,
    route_key, route_healthz, route_metrics;

#endif
