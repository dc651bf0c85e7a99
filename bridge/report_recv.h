/*
 * report_recv.h - POST /.well-known/ssmp/v1/report: delivery reports
 * other domains send us (ssmp.7 DELIVERY REPORTS), verified and kept in
 * the report inbox (keystore report.h) for ssmpctl report and rollout.
 */
#ifndef BRIDGE_REPORT_RECV_H
#define BRIDGE_REPORT_RECV_H

#include "http.h"

/* Reports one reporting domain may send per hour (ssmpd.8 budget). */
#define REPORT_RATE_DOMAIN	24

extern const struct route route_report;

#endif
