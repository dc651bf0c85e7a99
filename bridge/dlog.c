/*
 * dlog.c - delivering / delivered / failed records (see dlog.h), the
 * receiving role of the keystore's delivered-log.
 */
#include "config.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "dlog.h"
#include "ssmp_buf.h"

static char	hostname[KS_HOST_MAX + 1];

static void
host_init(void)
{
	if (gethostname(hostname, sizeof(hostname)) != 0)
		hostname[0] = '\0';
	hostname[sizeof(hostname) - 1] = '\0';
}

static void
fill(struct ks_delivered *dv, const char *from, const char *msgid,
    const char *rcpt, enum ks_outcome o)
{
	memset(dv, 0, sizeof(*dv));
	dv->role = KS_RECEIVED;
	snprintf(dv->from, sizeof(dv->from), "%s", from);
	snprintf(dv->msgid, sizeof(dv->msgid), "%s", msgid);
	snprintf(dv->rcpt, sizeof(dv->rcpt), "%s", rcpt);
	dv->outcome = o;
	dv->time = time(NULL);
}

const char *
dlog_host(void)
{
	static pthread_once_t once = PTHREAD_ONCE_INIT;

	(void)pthread_once(&once, host_init);
	return hostname;
}

static void
owner_of(const struct ks_delivered *dv, struct dlog_owner *o)
{
	memset(o, 0, sizeof(*o));
	snprintf(o->host, sizeof(o->host), "%s", dv->owner.host);
	o->since = dv->time;
	o->pid = dv->owner.pid;
	snprintf(o->reqid, sizeof(o->reqid), "%s", dv->owner.reqid);
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
	rc = ks_delivered_get(ks, KS_RECEIVED, from, msgid, rcpt, &dv, err);
	if (rc != 0)
		return rc == 1 ? 0 : -1;
	snprintf(info, infolen, "%s", dv.info);
	if (dv.outcome == KS_OUT_DELIVERED) {
		*st = DLOG_DELIVERED;
		*receipt = dv.receipt;
		dv.receipt = NULL;
	} else if (dv.outcome == KS_OUT_DELIVERING) {
		*st = DLOG_DELIVERING;
		owner_of(&dv, owner);
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
	    KS_OUT_DELIVERING);

	snprintf(dv->owner.host, sizeof(dv->owner.host), "%s", dlog_host());
	dv->owner.pid = (long)getpid();
	snprintf(dv->owner.reqid, sizeof(dv->owner.reqid), "%s", reqid);
	snprintf(dv->info, sizeof(dv->info), "delivering");
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

	(void)d;
	if (now == NULL)
		return KS_PUT;
	if (now->outcome == KS_OUT_DELIVERED)
		return m->on_conflict;
	if (now->outcome != KS_OUT_DELIVERING)
		return KS_PUT;
	/* pid and request id are unique only on one host */
	if (strcmp(now->owner.host, dlog_host()) == 0 &&
	    now->owner.pid == (long)getpid() &&
	    strcmp(now->owner.reqid, m->reqid) == 0)
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
