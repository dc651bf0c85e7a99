/*
 * mmetrics.h - ssmp-milter's counters and the optional admin listener
 * that serves them (MilterAdminListen): GET /metrics in Prometheus's
 * text format, GET /healthz.
 *
 * Every recipient the pipeline logs is counted once, by outcome and by
 * the SSMP status code that decided it: upgraded, fell back, rejected,
 * not SSMP, tempfailed, and DNS temporary (discovery or the receipt key
 * could not be looked up now).  Any thread may count.
 */
#ifndef SSMP_MILTER_MMETRICS_H
#define SSMP_MILTER_MMETRICS_H

#include "pipeline.h"
#include "ssmp_buf.h"
#include "ssmp_err.h"

/* pl_msg's on_log hook: count r's outcome. */
void mm_count(const struct pl_msg *m, const struct pl_rcpt *r);
/* A message whose recipients all went by SSMP (SMTP copy discarded). */
void mm_discarded(void);
/* The Prometheus text of the counters, appended to b. */
void mm_render(struct ssmp_buf *b);
/*
 * Bind and listen on spec (inet or inet6; the admin listener belongs on
 * loopback), then serve it from a thread of its own, one short request
 * at a time.  Errors name the setting.
 */
int mm_serve(const char *spec, struct ssmp_err *err);

#endif
