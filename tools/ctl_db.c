/*
 * ctl_db.c - ssmpctl db init|migrate|status (see ctl_db.h, ssmpctl(8)).
 *
 * The daemons never create or change the schema: a postmaster runs
 * `ssmpctl db init` once, and `ssmpctl db migrate` after an upgrade
 * whose programs need a newer schema (they refuse to work on an older
 * one and say so).  Both are safe to run from several hosts at once.
 */
#include <stdio.h>
#include <string.h>
#include <sysexits.h>

#include "ctl_db.h"
#include "store.h"

static int
fail(int rc, const char *msg)
{
	fprintf(stderr, "ssmpctl: %s\n", msg);
	return rc == KS_ETEMP ? EX_TEMPFAIL : EX_DATAERR;
}

int
ctl_db(const struct ssmp_config *cfg, bool json, int argc, char **argv)
{
	static const char *const subs[] = { "status", "init", "migrate" };
	struct ssmp_err	err = { "" };
	int		i, rc, before, after;

	for (i = 0; i < 3; i++)
		if (argc == 1 && strcmp(argv[0], subs[i]) == 0)
			break;
	if (i == 3) {
		fprintf(stderr, "usage: ssmpctl db init|migrate|status\n");
		return EX_USAGE;
	}
	if (cfg->shared_database == NULL) {
		fprintf(stderr, "ssmpctl: db %s: no SharedDatabase in the "
		    "configuration (the LMDB Database needs no schema)\n",
		    argv[0]);
		return EX_CONFIG;
	}
	rc = ks_schema(cfg->shared_database, (enum ks_schema_op)i, &before,
	    &after, &err);
	if (rc != 0)
		return fail(rc, err.msg);
	if (json)
		printf("{\"version\":%d,\"before\":%d,\"needed\":%d}\n", after,
		    before, KS_SCHEMA_VERSION);
	else if (i == 0)
		printf("schema version %d (this program: %d)%s\n", after,
		    KS_SCHEMA_VERSION, after == KS_SCHEMA_VERSION ? "" :
		    after == 0 ? ": run ssmpctl db init" : after <
		    KS_SCHEMA_VERSION ? ": run ssmpctl db migrate" : "");
	else if (before == after)
		printf("schema version %d: nothing to do\n", after);
	else
		printf("schema version %d -> %d\n", before, after);
	return i == 0 && after != KS_SCHEMA_VERSION ? EX_UNAVAILABLE : EX_OK;
}
