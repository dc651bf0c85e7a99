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
#include "ssmp_buf.h"

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

static struct ks_delivered *
batch_add(struct dlog_batch *b, const char *from, const char *msgid,
    const char *rcpt, enum ks_outcome o)
{
	if (b->n == b->cap) {
		b->cap = b->cap ? 2 * b->cap : 8;
		b->dv = ssmp_xrealloc(b->dv, b->cap * sizeof(*b->dv));
	}
	fill(&b->dv[b->n], from, msgid, rcpt, o);
	return &b->dv[b->n++];
}

void
dlog_delivering(struct dlog_batch *b, const char *from, const char *msgid,
    const char *rcpt, const char *reqid)
{
	struct ks_delivered *dv = batch_add(b, from, msgid, rcpt,
	    KS_OUT_TEMPFAIL);

	snprintf(dv->info, sizeof(dv->info), DELIVERING "pid=%ld req=%s",
	    (long)getpid(), reqid);
}

void
dlog_failed(struct dlog_batch *b, const char *from, const char *msgid,
    const char *rcpt, bool rejected, const char *why)
{
	struct ks_delivered *dv = batch_add(b, from, msgid, rcpt,
	    rejected ? KS_OUT_REJECTED : KS_OUT_TEMPFAIL);

	snprintf(dv->info, sizeof(dv->info), "not delivered: %s", why);
}

void
dlog_delivered(struct dlog_batch *b, const char *from, const char *msgid,
    const char *rcpt, const char *queueid, const char *receipt)
{
	struct ks_delivered *dv = batch_add(b, from, msgid, rcpt,
	    KS_OUT_DELIVERED);

	snprintf(dv->info, sizeof(dv->info), "queued as %s", queueid);
	dv->receipt = (char *)(uintptr_t)receipt;
}

struct mine {
	const char	*reqid;
	int		 on_conflict;	/* KS_ABORT or KS_SKIP */
};

/* Free (nothing, or a failed attempt) or this request's own record. */
static int
mine_or_free(const struct ks_delivered *now, const struct ks_delivered *d,
    void *arg)
{
	const struct mine *m = arg;
	struct dlog_owner o;

	(void)d;
	if (now == NULL)
		return KS_PUT;
	if (now->outcome == KS_OUT_DELIVERED)
		return m->on_conflict;
	if (now->outcome != KS_OUT_TEMPFAIL ||
	    strncmp(now->info, DELIVERING, strlen(DELIVERING)) != 0)
		return KS_PUT;
	parse_owner(now, &o);
	if (o.pid == (long)getpid() && strcmp(o.reqid, m->reqid) == 0)
		return KS_PUT;
	return m->on_conflict;
}

int
dlog_commit(struct ks_store *ks, struct dlog_batch *b, const char *reqid,
    bool claim, struct ssmp_err *err)
{
	struct mine m = { reqid, claim ? KS_ABORT : KS_SKIP };
	int rc = ks_delivered_put_if(ks, b->dv, (size_t)b->n, mine_or_free, &m,
	    err);

	free(b->dv);
	memset(b, 0, sizeof(*b));
	if (rc == 1)
		ssmp_err_set(err, "being delivered by another request");
	return rc == 0 ? 0 : rc == 1 ? 1 : -1;
}
