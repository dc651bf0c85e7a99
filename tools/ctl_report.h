/*
 * ctl_report.h - ssmpctl's delivery-report commands (ssmp.7 DELIVERY
 * REPORTS): report send|list|show|summary, and rollout (is a domain in
 * m=testing ready for m=enforce, by what its senders reported).
 */
#ifndef SSMP_CTL_REPORT_H
#define SSMP_CTL_REPORT_H

#include <stdbool.h>

#include "ssmp_config.h"

struct keyproc;

/*
 * The key process that signs for "report send", started before ssmpctl
 * becomes UserID (the key files stay root's); NULL (said why) if it
 * cannot start.  conf: the configuration's path.
 */
struct keyproc *ctl_report_keyproc(const struct ssmp_config *cfg,
    const char *conf);
/*
 * "report SUB ..." (argv[0] = SUB; kp for send, else NULL) and
 * "rollout ..."; return a sysexits(3) code.
 */
int ctl_report(const struct ssmp_config *cfg, struct keyproc *kp, bool json,
    int argc, char **argv);
int ctl_rollout(const struct ssmp_config *cfg, bool json, int argc,
    char **argv);

#endif
