/*
 * admin.c - GET /healthz and GET /metrics (Prometheus text format) on
 * the admin listener, and GET key/<domain>/<selector> on the SSMP
 * listener: the read-only endpoints, answered at once.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "http.h"
#include "keys.h"
#include "metrics.h"
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
	[M_CONN_CLIENT_LIMIT] = "client_connections_refused_total",
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
	metrics_render(d->keys, &b);
	http_respond(c, 200, "text/plain; version=0.0.4", NULL, b.p, b.len);
	ssmp_buf_free(&b);
}

/*
 * key/<domain>/<selector> (ssmp.7 KEY-1..4): the path names the domain,
 * in canonical form, and only that domain's key answers; a domain or
 * selector off its grammar (upper case included) is an unknown path.
 */
static int
key_path(const char *rest, char dom[SSMP_DOMAIN_MAX + 1],
    char sel[SSMP_SELECTOR_MAX + 1])
{
	const char	*slash = strchr(rest, '/');
	char		 d[SSMP_DOMAIN_MAX + 2];
	struct ssmp_err	 err;

	if (slash == NULL || (size_t)(slash - rest) >= sizeof(d))
		return -1;
	memcpy(d, rest, (size_t)(slash - rest));
	d[slash - rest] = '\0';
	if (ssmp_domain_check(d, dom, &err) != 0 || strcmp(d, dom) != 0 ||
	    ssmp_selector_check(slash + 1, sel, &err) != 0 ||
	    strcmp(slash + 1, sel) != 0)
		return -1;
	return 0;
}

static void
key_head(struct conn *c)
{
	struct ssmpd *d = http_daemon(c);
	char dom[SSMP_DOMAIN_MAX + 1], sel[SSMP_SELECTOR_MAX + 1];
	char rec[SSMP_TXT_MAX + 1];

	if (key_path(http_path_rest(c), dom, sel) != 0) {
		http_respond_status(c, SSMP_NO_ENDPOINT, "not key/<domain>/"
		    "<selector> in canonical form", NULL);
		return;
	}
	if (keys_record(d->keys, dom, sel, rec, sizeof(rec) - 1) != 0) {
		http_respond_status(c, SSMP_KEY_UNKNOWN, "no such key", NULL);
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
