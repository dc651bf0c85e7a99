/*
 * send_core.c - delivered-log, auto-allow and client set-up shared by
 * the programs that deliver by SSMP (see send_core.h).
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "ssmp_log.h"
#include "store.h"
#include "deliver_int.h"
#include "send_core.h"

int
sc_client_open(const struct ssmp_config *cfg, struct ks_store **ks,
    struct dl_client **dl, struct ssmp_err *err)
{
	struct dl_options o;

	*ks = NULL;
	*dl = NULL;
	if (cfg->database != NULL && ks_open(cfg->database, cfg->map_size, 0,
	    ks, err) != 0)
		return -1;
	memset(&o, 0, sizeof(o));
	if (dl_resolver_dnsq(cfg, &o.dns, err) != 0)
		goto fail;
	o.cafile = cfg->ca_file;
	o.timeout = cfg->http_timeout;
	o.min_ttl = cfg->min_cache_ttl;
	o.max_ttl = cfg->max_cache_ttl;
	o.ks = *ks;
	if (dl_client_new(&o, dl, err) == 0)
		return 0;
	dl_resolver_dnsq_free(&o.dns);
fail:
	if (*ks != NULL)
		ks_close(*ks);
	*ks = NULL;
	return -1;
}

void
sc_client_close(struct ks_store *ks, struct dl_client *dl)
{
	struct dl_resolver dns;

	if (dl != NULL) {
		/* The client holds a copy of the resolver it was given;
		 * the resolver is ours to free, after the client. */
		dns = dl->dns;
		dl_client_free(dl);
		dl_resolver_dnsq_free(&dns);
	}
	if (ks != NULL)
		ks_close(ks);
}

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
	found = ks_delivered_get(ks, from, msgid, rcpt, &d, &err) == 0 &&
	    d.outcome == KS_OUT_DELIVERED;
	ks_delivered_clear(&d);
	return found;
}

void
sc_record_delivery(struct ks_store *ks, const char *from, const char *msgid,
    const char *rcpt, const char *info, const char *receipt_json,
    const char *id)
{
	struct ks_delivered	d;
	struct ssmp_err		err;

	if (ks == NULL)
		return;
	memset(&d, 0, sizeof(d));
	(void)snprintf(d.from, sizeof(d.from), "%s", from);
	(void)snprintf(d.msgid, sizeof(d.msgid), "%s", msgid);
	(void)snprintf(d.rcpt, sizeof(d.rcpt), "%s", rcpt);
	d.outcome = KS_OUT_DELIVERED;
	d.time = (int64_t)time(NULL);
	(void)snprintf(d.info, sizeof(d.info), "%s", info);
	d.receipt = (char *)receipt_json;
	if (ks_delivered_put(ks, &d, &err) != 0)
		ssmp_log(LOG_WARNING, id, "to=<%s>: delivered-log: %s", rcpt,
		    err.msg);
}

void
sc_auto_allow(struct ks_store *ks, const char *from, const char *rcpt,
    const char *id)
{
	enum ks_tier	tier;
	struct ssmp_err	err;

	if (ks == NULL || ks_allow_lookup(ks, from, rcpt, &tier, NULL,
	    &err) != 1)
		return;		/* an entry exists: never override it */
	if (ks_allow_put(ks, from, rcpt, KS_TIER_KNOWN, KS_ORIGIN_AUTO,
	    &err) != 0)
		ssmp_log(LOG_WARNING, id, "auto-allow %s for %s: %s", rcpt,
		    from, err.msg);
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
