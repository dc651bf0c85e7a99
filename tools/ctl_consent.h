/*
 * ctl_consent.h - the consent commands of ssmpctl: allow request, pending,
 * accept, deny, and allow del (which sends a withdrawal when the pair
 * came from the handshake).
 */
#ifndef SSMP_CTL_CONSENT_H
#define SSMP_CTL_CONSENT_H

#include <stdbool.h>

#include "ssmp_config.h"

/* Is argv[0] one of ours? */
bool ctl_allow_handles(const char *sub);
/* Run "allow SUB ARGS..." (argv[0] = SUB); returns a sysexits(3) code. */
int ctl_allow(const struct ssmp_config *cfg, bool json, int argc, char **argv);

#endif
