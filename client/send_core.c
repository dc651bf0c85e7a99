/*
 * send_core.c - delivered-log, auto-allow and client set-up shared by
 * the programs that deliver by SSMP (see send_core.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ssmp_buf.h"
#include "ssmp_log.h"
#include "store.h"
#include "deliver_int.h"
#include "send_core.h"

int
sc_delivered_before(struct ks_store *ks, const char *from, const char *msgid,
    const char *rcpt)
{
	struct ks_delivered	d;
	struct ssmp_err		err;
	int			found;

	if (ks == NULL)
		return 0;
	memset(&d, 0, sizeof(d));
	found = ks_delivered_get(ks, KS_SENT, from, msgid, rcpt, &d,
	    &err) == 0 &&
	    d.outcome == KS_OUT_DELIVERED;
	ks_delivered_clear(&d);
	return found;
}

void
sc_delivery_fill(struct ks_delivered *d, const char *from, const char *msgid,
    const char *rcpt, const char *info, const char *receipt_json)
{
	memset(d, 0, sizeof(*d));
	d->role = KS_SENT;
	(void)snprintf(d->from, sizeof(d->from), "%s", from);
	(void)snprintf(d->msgid, sizeof(d->msgid), "%s", msgid);
	(void)snprintf(d->rcpt, sizeof(d->rcpt), "%s", rcpt);
	d->outcome = KS_OUT_DELIVERED;
	d->time = (int64_t)time(NULL);
	(void)snprintf(d->info, sizeof(d->info), "%s", info);
	d->receipt = (char *)receipt_json;
}

void
sc_record_deliveries(struct ks_store *ks, const struct ks_delivered *d,
    size_t n, const char *id)
{
	struct ssmp_err	err;
	size_t		i;

	if (ks == NULL || n == 0)
		return;
	/*
	 * A lost record costs a second delivery attempt on a retry, which
	 * the receiver answers with its original receipt: warn, go on.
	 */
	if (ks_delivered_put_many(ks, d, n, &err) != 0)
		for (i = 0; i < n; i++)
			ssmp_log(LOG_WARNING, id, "to=<%s>: delivered-log: %s",
			    d[i].rcpt, err.msg);
}

void
sc_record_delivery(struct ks_store *ks, const char *from, const char *msgid,
    const char *rcpt, const char *info, const char *receipt_json,
    const char *id)
{
	struct ks_delivered d;

	sc_delivery_fill(&d, from, msgid, rcpt, info, receipt_json);
	sc_record_deliveries(ks, &d, 1, id);
}

void
sc_auto_allow(struct ks_store *ks, const char *from, const char *rcpt,
    const char *id)
{
	sc_auto_allow_many(ks, from, &rcpt, 1, id);
}

/* Is rcpt new to from's allow-list, and not earlier in rcpt[0..i)? */
static bool
allow_new(struct ks_store *ks, const char *from, const char *const *rcpt,
    size_t i)
{
	enum ks_tier	tier;
	struct ssmp_err	err;
	size_t		k;

	for (k = 0; k < i; k++)
		if (strcmp(rcpt[k], rcpt[i]) == 0)
			return false;
	/* An entry exists (or the lookup failed): never override it. */
	return ks_allow_lookup(ks, from, rcpt[i], &tier, NULL, &err) == 1;
}

void
sc_auto_allow_many(struct ks_store *ks, const char *from,
    const char *const *rcpt, size_t n, const char *id)
{
	struct ks_allow	*v;
	struct ssmp_err	 err;
	size_t		 i, k = 0;

	if (ks == NULL || n == 0)
		return;
	v = ssmp_xcalloc(n, sizeof(*v));
	for (i = 0; i < n; i++) {
		if (!allow_new(ks, from, rcpt, i))
			continue;
		(void)snprintf(v[k].rcpt, sizeof(v[k].rcpt), "%s", from);
		(void)snprintf(v[k].pattern, sizeof(v[k].pattern), "%s",
		    rcpt[i]);
		v[k].tier = KS_TIER_KNOWN;
		v[k].origin = KS_ORIGIN_AUTO;
		k++;
	}
	if (k > 0 && ks_allow_import(ks, v, k, &err) != 0)
		ssmp_log(LOG_WARNING, id, "auto-allow for %s: %s", from,
		    err.msg);
	free(v);
}

void
sc_body_msgid(struct dl_body *body, const char *msgid)
{
	if (msgid != NULL && *msgid != '\0')
		(void)snprintf(body->msgid, sizeof(body->msgid), "%s", msgid);
	else
		(void)snprintf(body->msgid, sizeof(body->msgid), "sha256:%s",
		    body->hash);
}

struct dl_batch *
sc_batch_for(struct dl_batch *const *b, size_t n, const char *domain)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (strcmp(b[i]->domain, domain) == 0 &&
		    b[i]->nrcpt < SSMP_MAX_RCPT)
			return b[i];
	return NULL;
}

const struct dl_rcpt *
sc_batch_rcpt(const struct dl_batch *b, const void *user)
{
	int i;

	for (i = 0; i < b->nrcpt; i++)
		if (b->rcpt[i].user == user)
			return &b->rcpt[i];
	return &b->rcpt[0];
}

int
sc_receipt_key(struct dl_client *dl, const char *domain,
    const struct ssmp_policy *pol, struct ssmp_status *st)
{
	struct ssmp_keyrec	key;
	struct ssmp_err		err;
	enum dl_dns		rc;

	if ((rc = dl_key_get(dl, domain, pol->selector, &key, &err)) ==
	    DL_DNS_OK)
		return 0;
	memset(st, 0, sizeof(*st));
	if (rc == DL_DNS_NONE) {	/* not published or revoked: lasting */
		st->verdict = SSMP_TEMPFAIL;
		(void)snprintf(st->code, sizeof(st->code), "4.7.5");
		(void)snprintf(st->reason, sizeof(st->reason), "%.*s",
		    (int)sizeof(st->reason) - 1, err.msg);
		return 1;
	}
	ssmp_status_set(st, SSMP_KEY_TEMP, NULL);
	(void)snprintf(st->code, sizeof(st->code), "4.4.3");
	(void)snprintf(st->reason, sizeof(st->reason), "DNS lookup of %.*s",
	    (int)sizeof(st->reason) - 15, err.msg);
	return -1;
}

bool
sc_receipt_failed(const struct dl_rcpt *d)
{
	return d->maybe;
}
