/*
 * admin.c - GET /healthz and GET /metrics (Prometheus text format) on
 * the admin listener, and GET key/<selector> on the SSMP listener: the
 * read-only endpoints, answered at once.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "http.h"
#include "keys.h"
#include "pending.h"
#include "routes.h"
#include "ssmp_addr.h"
#include "ssmp_buf.h"
#include "ssmpd.h"
#include "workq.h"

static const char *const metric_names[M_NMETRICS] = {
	[M_CONN_ACCEPTED] = "connections_accepted_total",
	[M_TLS_FAILED] = "connections_failed_total",
	[M_REQUESTS] = "requests_total",
	[M_ENV_ACCEPT] = "envelopes_accepted_total",
	[M_ENV_REJECT] = "envelopes_rejected_total",
	[M_ENV_TEMPFAIL] = "envelopes_tempfailed_total",
	[M_MSG_DELIVERED] = "messages_delivered_total",
	[M_MSG_DUPLICATE] = "messages_duplicate_total",
	[M_MSG_REJECT] = "messages_rejected_total",
	[M_MSG_TEMPFAIL] = "messages_tempfailed_total",
	[M_RATE_LIMITED] = "rate_limited_total",
	[M_KEY_CACHE_HIT] = "key_cache_hits_total",
	[M_KEY_FETCH] = "key_fetches_total",
	[M_HTTP_ERRORS] = "http_errors_total",
	[M_TIMEOUTS] = "timeouts_total",
	[M_PENDING_EVICTED] = "pending_evicted_total",
	[M_BODIES_SPOOLED] = "bodies_spooled_total",
	[M_INFLIGHT_REFUSED] = "inflight_refused_total",
};

static void
no_body(struct conn *c)
{
	(void)c;
}

static void
healthz_head(struct conn *c)
{
	struct ssmpd *d = http_daemon(c);
	const char *txt = d->draining ? "draining\n" : "ok\n";

	http_respond(c, d->draining ? 503 : 200, "text/plain", NULL, txt,
	    strlen(txt));
}

static void
metrics_head(struct conn *c)
{
	struct ssmpd *d = http_daemon(c);
	struct ssmp_buf b;
	char line[160];

	ssmp_buf_init(&b);
	for (int i = 0; i < M_NMETRICS; i++) {
		snprintf(line, sizeof(line), "# TYPE ssmpd_%s counter\n"
		    "ssmpd_%s %llu\n", metric_names[i], metric_names[i],
		    (unsigned long long)d->metrics[i]);
		ssmp_buf_adds(&b, line);
	}
	snprintf(line, sizeof(line), "# TYPE ssmpd_connections gauge\n"
	    "ssmpd_connections %d\n# TYPE ssmpd_mta_jobs gauge\n"
	    "ssmpd_mta_jobs %d\n", http_nconn(d), workq_busy(d->mtaq));
	ssmp_buf_adds(&b, line);
	snprintf(line, sizeof(line), "# TYPE ssmpd_pending_envelopes gauge\n"
	    "ssmpd_pending_envelopes %zu\n# TYPE ssmpd_pending_bytes gauge\n"
	    "ssmpd_pending_bytes %zu\n", pending_count(d->pending),
	    pending_bytes(d->pending));
	ssmp_buf_adds(&b, line);
	snprintf(line, sizeof(line), "# TYPE ssmpd_inflight_bytes gauge\n"
	    "ssmpd_inflight_bytes %llu\n# TYPE ssmpd_inflight_memory_bytes "
	    "gauge\nssmpd_inflight_memory_bytes %llu\n",
	    (unsigned long long)d->inflight.total,
	    (unsigned long long)d->inflight.mem);
	ssmp_buf_adds(&b, line);
	http_respond(c, 200, "text/plain; version=0.0.4", NULL, b.p, b.len);
	ssmp_buf_free(&b);
}

/* The Host header names the domain when several share a selector name. */
static void
key_head(struct conn *c)
{
	struct ssmpd *d = http_daemon(c);
	char sel[SSMP_SELECTOR_MAX + 1], rec[SSMP_TXT_MAX + 1];
	struct ssmp_err err;

	if (ssmp_selector_check(http_path_rest(c), sel, &err) != 0) {
		http_respond_status(c, SSMP_NO_ENDPOINT, "unknown selector",
		    NULL);
		return;
	}
	if (keys_record(d->keys, http_header_get(http_head(c), "host"), sel,
	    rec, sizeof(rec) - 1) != 0) {
		http_respond_status(c, SSMP_NO_ENDPOINT, "unknown selector",
		    NULL);
		return;
	}
	strcat(rec, "\n");
	http_respond(c, 200, "text/plain", "Cache-Control: max-age=3600\r\n",
	    rec, strlen(rec));
}

const struct route route_healthz = { "GET", "/healthz", healthz_head,
    no_body, NULL, NULL, false };
const struct route route_metrics = { "GET", "/metrics", metrics_head,
    no_body, NULL, NULL, false };
const struct route route_key = { "GET", SSMP_PATH_PREFIX "key/", key_head,
    no_body, NULL, NULL, false };
