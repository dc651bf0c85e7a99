/*
 * client_open.c - the delivery client and keystore exactly as ssmp.conf
 * sets them up (send_core.h: sc_client_open), apart from the
 * bookkeeping of send_core.c so that code using only the bookkeeping
 * (the pipeline's tests) does not link the network.
 */
#include <string.h>

#include "store.h"
#include "deliver_int.h"
#include "send_core.h"

static int
client_on(const struct ssmp_config *cfg, struct ks_store **ks,
    struct dl_client **dl, struct ssmp_err *err)
{
	struct dl_options o;

	memset(&o, 0, sizeof(o));
	if (dl_resolver_dnsq(cfg, &o.dns, err) != 0)
		goto fail;
	o.cafile = cfg->ca_file;
	o.timeout = cfg->http_timeout;
	o.allow_private = &cfg->allow_private_hosts;
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

int
sc_client_open(const struct ssmp_config *cfg, struct ks_store **ks,
    struct dl_client **dl, struct ssmp_err *err)
{
	*ks = NULL;
	*dl = NULL;
	/* a shared database that is down must not stop the sending */
	if (cfg->database != NULL && ks_open_shared(cfg->database,
	    cfg->shared_database, cfg->map_size, KS_LAZY, ks, err) != 0)
		return -1;
	return client_on(cfg, ks, dl, err);
}

int
sc_client_open_query(const struct ssmp_config *cfg, struct ks_store **ks,
    struct dl_client **dl, struct ssmp_err *err)
{
	struct ssmp_err ignored;

	*ks = NULL;
	*dl = NULL;
	if (cfg->database != NULL && ks_open_shared(cfg->database, NULL,
	    cfg->map_size, KS_RDONLY, ks, &ignored) != 0)
		*ks = NULL;		/* not readable here: no memory */
	return client_on(cfg, ks, dl, err);
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
