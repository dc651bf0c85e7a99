/*
 * metrics.c - labelled request counters, latency histograms and state
 * for GET /metrics (metrics.h).
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "keytable.h"
#include "metrics.h"
#include "ssmp_limits.h"

/* The endpoints, by the route path's last word; "other": no route. */
static const char *const endpoints[] = {
	"envelope", "message", "deliver", "key", "allow", "healthz",
	"metrics", "consent", "other"
};
#define NENDPOINT	(sizeof(endpoints) / sizeof(endpoints[0]))
/* Status classes 1xx..5xx, index class - 1. */
#define NCLASS		5
/* Upper bounds in seconds, Prometheus's defaults; then +Inf. */
static const double buckets[] = {
	0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10
};
#define NBUCKET		(sizeof(buckets) / sizeof(buckets[0]))

static struct {
	time_t		started;
	time_t		not_after;
	uint64_t	requests[NENDPOINT][NCLASS];
	uint64_t	hist[NENDPOINT][NBUCKET + 1];	/* not cumulative */
	uint64_t	sum_us[NENDPOINT];
} mx;

uint64_t
metrics_now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000 + (uint64_t)ts.tv_nsec / 1000;
}

void
metrics_start(time_t not_after)
{
	mx.started = time(NULL);
	mx.not_after = not_after;
}

void
metrics_tls(time_t not_after)
{
	mx.not_after = not_after;
}

/* "/.well-known/ssmp/v1/message/" -> "message"; NULL -> "other". */
static size_t
endpoint_index(const char *path)
{
	char word[32];
	const char *end, *start;
	size_t i;

	if (path == NULL)
		return NENDPOINT - 1;
	end = path + strlen(path);
	if (end > path && end[-1] == '/')
		end--;
	for (start = end; start > path && start[-1] != '/'; start--)
		;
	snprintf(word, sizeof(word), "%.*s", (int)(end - start), start);
	for (i = 0; i < NENDPOINT - 1; i++)
		if (strcmp(word, endpoints[i]) == 0)
			return i;
	return NENDPOINT - 1;
}

void
metrics_request(const char *path, int status, uint64_t usec)
{
	size_t e = endpoint_index(path), b;
	int class = status / 100;

	if (class >= 1 && class <= NCLASS)
		mx.requests[e][class - 1]++;
	for (b = 0; b < NBUCKET && (double)usec > buckets[b] * 1e6; b++)
		;
	mx.hist[e][b]++;
	mx.sum_us[e] += usec;
}

static void
render_requests(struct ssmp_buf *b)
{
	char line[200];

	ssmp_buf_adds(b, "# HELP ssmpd_http_requests_total Responses by "
	    "endpoint and status class.\n"
	    "# TYPE ssmpd_http_requests_total counter\n");
	for (size_t e = 0; e < NENDPOINT; e++)
		for (int c = 0; c < NCLASS; c++) {
			if (mx.requests[e][c] == 0)
				continue;
			snprintf(line, sizeof(line), "ssmpd_http_requests_total"
			    "{endpoint=\"%s\",code=\"%dxx\"} %llu\n",
			    endpoints[e], c + 1,
			    (unsigned long long)mx.requests[e][c]);
			ssmp_buf_adds(b, line);
		}
}

static void
render_histograms(struct ssmp_buf *b)
{
	char line[200];
	uint64_t cum;

	ssmp_buf_adds(b, "# HELP ssmpd_http_request_duration_seconds Time "
	    "from a request's head to its response.\n"
	    "# TYPE ssmpd_http_request_duration_seconds histogram\n");
	for (size_t e = 0; e < NENDPOINT; e++) {
		cum = 0;
		for (size_t i = 0; i <= NBUCKET; i++) {
			cum += mx.hist[e][i];
			if (i < NBUCKET)
				snprintf(line, sizeof(line), "ssmpd_http_request_"
				    "duration_seconds_bucket{endpoint=\"%s\","
				    "le=\"%g\"} %llu\n", endpoints[e],
				    buckets[i], (unsigned long long)cum);
			else
				snprintf(line, sizeof(line), "ssmpd_http_request_"
				    "duration_seconds_bucket{endpoint=\"%s\","
				    "le=\"+Inf\"} %llu\n", endpoints[e],
				    (unsigned long long)cum);
			ssmp_buf_adds(b, line);
		}
		snprintf(line, sizeof(line), "ssmpd_http_request_duration_"
		    "seconds_sum{endpoint=\"%s\"} %.6f\n"
		    "ssmpd_http_request_duration_seconds_count{endpoint=\"%s\"} "
		    "%llu\n", endpoints[e], (double)mx.sum_us[e] / 1e6,
		    endpoints[e], (unsigned long long)cum);
		ssmp_buf_adds(b, line);
	}
}

static void
render_state(const struct ks_keytable *keys, struct ssmp_buf *b)
{
	char line[SSMP_DOMAIN_MAX + SSMP_SELECTOR_MAX + 200];

	snprintf(line, sizeof(line), "# TYPE ssmpd_build_info gauge\n"
	    "ssmpd_build_info{version=\"%s\"} 1\n"
	    "# TYPE ssmpd_start_time_seconds gauge\n"
	    "ssmpd_start_time_seconds %lld\n", PACKAGE_VERSION,
	    (long long)mx.started);
	ssmp_buf_adds(b, line);
	if (mx.not_after != 0) {
		snprintf(line, sizeof(line), "# TYPE ssmpd_tls_certificate_"
		    "not_after_seconds gauge\nssmpd_tls_certificate_not_after_"
		    "seconds %lld\n", (long long)mx.not_after);
		ssmp_buf_adds(b, line);
	}
	ssmp_buf_adds(b, "# TYPE ssmpd_key_info gauge\n");
	for (size_t i = 0; keys != NULL && i < keys->n; i++) {
		snprintf(line, sizeof(line), "ssmpd_key_info{domain=\"%s\","
		    "selector=\"%s\",signing=\"%s\"} 1\n", keys->v[i].domain,
		    keys->v[i].selector, keys->v[i].active ? "yes" : "no");
		ssmp_buf_adds(b, line);
	}
}

void
metrics_render(const struct ks_keytable *keys, struct ssmp_buf *b)
{
	render_state(keys, b);
	render_requests(b);
	render_histograms(b);
}
