/*
 * mcheck.c - ssmp-milter -n (mcheck.h).
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "keycheck.h"
#include "mcheck.h"
#include "ssmp_preflight.h"

static void
warn(const char *msg)
{
	fprintf(stderr, "ssmp-milter: warning: %s\n", msg);
}

/* missing is fine where UserID can make it: the start does (16.6) */
static int
spool_as_user(void *arg, struct ssmp_err *err)
{
	return ssmp_preflight_dir_make("SpoolDirectory", arg, err);
}

int
milter_check(struct milter *m, const char *conf)
{
	const struct ssmp_config *c = &m->cfg;
	struct ssmp_err err;

	/* the socket's directory: made at start when missing, as root */
	if (ks_check_keys(c, &err) != 0 ||
	    ssmp_preflight_as(c->user_id, spool_as_user, c->spool_directory,
	    &err) != 0 ||
	    (c->database != NULL && ks_check_database(c, &err) != 0) ||
	    ssmp_preflight_bind("Socket", c->socket, geteuid() == 0,
	    getenv("MAINPID") != NULL, &err) != 0 ||
	    (c->milter_admin_listen != NULL && ssmp_preflight_bind(
	    "MilterAdminListen", c->milter_admin_listen, false,
	    getenv("MAINPID") != NULL, &err) != 0)) {
		fprintf(stderr, "ssmp-milter: %s\n", err.msg);
		return 1;
	}
	(void)ks_check_dns(c, warn);
	printf("%s: OK\n", conf);
	return 0;
}
