/*
 * ctl_user.c - ssmpctl's switch to UserID (ctl_user.h).
 */
#include "config.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <sysexits.h>
#include <unistd.h>

#include "ctl_user.h"
#include "ssmp_daemon.h"

static struct ks_keytable	*early;		/* read as root */
static struct ssmp_err		 early_err;
static bool			 dropped;

void
ctl_become_user(const struct ssmp_config *cfg, const char *fallback)
{
	const char *user = cfg->user_id != NULL && *cfg->user_id != '\0' ?
	    cfg->user_id : fallback;
	struct ssmp_err err;

	if (geteuid() != 0 || user == NULL)
		return;
	/* a broken key only matters to the commands that need keys */
	if (ks_keytable_load(cfg, &early, &early_err) != 0)
		early = NULL;
	if (ssmp_daemon_drop(user, &err) != 0) {
		fprintf(stderr, "ssmpctl: %s\n", err.msg);
		exit(EX_NOPERM);
	}
	dropped = true;
}

int
ctl_keys(const struct ssmp_config *cfg, struct ks_keytable **out,
    struct ssmp_err *err)
{
	if (!dropped)
		return ks_keytable_load(cfg, out, err);
	if (early == NULL) {
		*err = early_err;
		return -1;
	}
	*out = ks_keytable_hold(early);
	return 0;
}
