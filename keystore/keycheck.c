/*
 * keycheck.c - the keystore's part of -n (keycheck.h).
 */
#include "config.h"

#include <limits.h>
#include <stdio.h>
#include <string.h>

#include "dnsq.h"
#include "keycheck.h"
#include "keytable.h"
#include "ssmp_preflight.h"

#define DNS_CHECK_TIMEOUT	2

int
ks_check_keys(const struct ssmp_config *cfg, struct ssmp_err *err)
{
	struct ks_keytable *t;

	/* keyfile.c checks mode and owner as it reads each file */
	if (ks_keytable_load(cfg, &t, err) != 0)
		return -1;
	ks_keytable_release(t);
	return 0;
}

static int
database_as_user(void *arg, struct ssmp_err *err)
{
	const char *dir = arg;
	char path[4096];

	if (ssmp_preflight_dir("Database", dir, err) != 0)
		return -1;
	snprintf(path, sizeof(path), "%s/data.mdb", dir);
	if (ssmp_preflight_rw("Database", path, err) != 0)
		return -1;
	snprintf(path, sizeof(path), "%s/lock.mdb", dir);
	return ssmp_preflight_rw("Database", path, err);
}

int
ks_check_database(const struct ssmp_config *cfg, struct ssmp_err *err)
{
	return ssmp_preflight_as(cfg->user_id, database_as_user,
	    cfg->database, err);
}

/*
 * One key against its records; a warning for each difference.  Returns
 * the number of warnings, -1 when DNS did not answer (no use asking on).
 */
static int
check_one(struct dnsq *dq, const struct ks_keyent *e,
    void (*warn)(const char *msg))
{
	struct ssmp_policy pol;
	struct ssmp_keyrec kr;
	struct ssmp_err err;
	enum dnsq_status st;
	char msg[sizeof(err.msg) + PATH_MAX + 600];

	if (e->active) {
		st = dnsq_policy(dq, e->domain, &pol, NULL, &err);
		if (st == DNSQ_TEMP)
			goto unanswered;
		if (st == DNSQ_OK && strcmp(pol.selector, e->selector) != 0) {
			snprintf(msg, sizeof(msg), "_ssmp.%s publishes s=%s, "
			    "the key table signs with %s", e->domain,
			    pol.selector, e->selector);
			warn(msg);
			return 1;
		}
	}
	st = dnsq_key(dq, e->domain, e->selector, &kr, NULL, &err);
	if (st == DNSQ_TEMP)
		goto unanswered;
	if (st != DNSQ_OK)
		snprintf(msg, sizeof(msg), "%s._ssmpkey.%s: %s (%s): not "
		    "checked against the key in %s", e->selector, e->domain,
		    dnsq_status_name(st), err.msg, e->path);
	else if (kr.revoked)
		snprintf(msg, sizeof(msg), "%s._ssmpkey.%s is revoked (p= "
		    "empty) but %s is in the key table", e->selector,
		    e->domain, e->path);
	else if (memcmp(kr.pk, e->key.pk, sizeof(kr.pk)) != 0)
		snprintf(msg, sizeof(msg), "%s._ssmpkey.%s: the published p= "
		    "does not match the key in %s", e->selector, e->domain,
		    e->path);
	else
		return 0;
	warn(msg);
	return 1;
unanswered:
	snprintf(msg, sizeof(msg), "DNS did not answer (%s): keys not checked "
	    "against their records", err.msg);
	warn(msg);
	return -1;
}

int
ks_check_dns(const struct ssmp_config *cfg, void (*warn)(const char *msg))
{
	struct ssmp_config quick = *cfg;	/* shallow: read only */
	struct ks_keytable *t;
	struct dnsq *dq;
	struct ssmp_err err;
	int n = 0;

	if (quick.dns_timeout > DNS_CHECK_TIMEOUT)
		quick.dns_timeout = DNS_CHECK_TIMEOUT;
	if (ks_keytable_load(cfg, &t, &err) != 0)
		return 0;	/* ks_check_keys() said it */
	if (dnsq_new(&quick, &dq, &err) != 0) {
		warn(err.msg);
		ks_keytable_release(t);
		return 1;
	}
	for (size_t i = 0; i < t->n; i++) {
		int w = check_one(dq, &t->v[i], warn);

		if (w < 0) {
			n++;
			break;
		}
		n += w;
	}
	dnsq_free(dq);
	ks_keytable_release(t);
	return n;
}
