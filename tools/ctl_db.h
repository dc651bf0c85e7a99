/*
 * ctl_db.h - ssmpctl db: the schema of the shared database
 * (SharedDatabase): init, migrate, status.
 */
#ifndef KS_CTL_DB_H
#define KS_CTL_DB_H

#include <stdbool.h>

#include "ssmp_config.h"

/* Run "db SUB" (argv[0] = SUB); returns a sysexits(3) code. */
int ctl_db(const struct ssmp_config *cfg, bool json, int argc, char **argv);

#endif
