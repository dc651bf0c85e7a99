/*
 * dlog.c - delivering / delivered / failed records (see dlog.h).
 */
#include "config.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "dlog.h"

#define DELIVERING	"delivering "

static void
fill(struct ks_delivered *dv, const char *from, const char *msgid,
    const char *rcpt, enum ks_outcome o)
{
	memset(dv, 0, sizeof(*dv));
	snprintf(dv->from, sizeof(dv->from), "%s", from);
	snprintf(dv->msgid, sizeof(dv->msgid), "%s", msgid);
	snprintf(dv->rcpt, sizeof(dv->rcpt), "%s", rcpt);
	dv->outcome = o;
	dv->time = time(NULL);
}

static void
parse_owner(const struct ks_delivered *dv, struct dlog_owner *o)
{
	memset(o, 0, sizeof(*o));
	o->since = dv->time;
	if (sscanf(dv->info + strlen(DELIVERING), "pid=%ld req=%23s", &o->pid,
	    o->reqid) != 2)
		o->pid = 0;
}

int
dlog_get(struct ks_store *ks, const char *from, const char *msgid,
    const char *rcpt, enum dlog_state *st, char **receipt, char *info,
    size_t infolen, struct dlog_owner *owner, struct ssmp_err *err)
{
	struct ks_delivered dv;
	int rc;

	*st = DLOG_NONE;
	*receipt = NULL;
	info[0] = '\0';
	rc = ks_delivered_get(ks, from, msgid, rcpt, &dv, err);
	if (rc != 0)
		return rc == 1 ? 0 : -1;
	snprintf(info, infolen, "%s", dv.info);
	if (dv.outcome == KS_OUT_DELIVERED) {
		*st = DLOG_DELIVERED;
		*receipt = dv.receipt;
		dv.receipt = NULL;
	} else if (dv.outcome == KS_OUT_TEMPFAIL &&
	    strncmp(dv.info, DELIVERING, strlen(DELIVERING)) == 0) {
		*st = DLOG_DELIVERING;
		parse_owner(&dv, owner);
	}
	ks_delivered_clear(&dv);
	return 0;
}

int
dlog_delivering(struct ks_store *ks, const char *from, const char *msgid,
    const char *rcpt, const char *reqid, struct ssmp_err *err)
{
	struct ks_delivered dv;

	fill(&dv, from, msgid, rcpt, KS_OUT_TEMPFAIL);
	snprintf(dv.info, sizeof(dv.info), DELIVERING "pid=%ld req=%s",
	    (long)getpid(), reqid);
	return ks_delivered_put(ks, &dv, err) == 0 ? 0 : -1;
}

int
dlog_failed(struct ks_store *ks, const char *from, const char *msgid,
    const char *rcpt, bool rejected, const char *why, struct ssmp_err *err)
{
	struct ks_delivered dv;

	fill(&dv, from, msgid, rcpt, rejected ? KS_OUT_REJECTED :
	    KS_OUT_TEMPFAIL);
	snprintf(dv.info, sizeof(dv.info), "not delivered: %s", why);
	return ks_delivered_put(ks, &dv, err) == 0 ? 0 : -1;
}

int
dlog_delivered(struct ks_store *ks, const char *from, const char *msgid,
    const char *rcpt, const char *queueid, const char *receipt,
    struct ssmp_err *err)
{
	struct ks_delivered dv;

	fill(&dv, from, msgid, rcpt, KS_OUT_DELIVERED);
	snprintf(dv.info, sizeof(dv.info), "queued as %s", queueid);
	dv.receipt = (char *)(uintptr_t)receipt;
	return ks_delivered_put(ks, &dv, err) == 0 ? 0 : -1;
}
