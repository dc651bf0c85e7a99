/*
 * delivered.c - the delivered-log store: input checks, then the backend
 * (see delivered.h, backend.h).
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "ssmp_addr.h"
#include "ssmp_buf.h"
#include "backend.h"

static const char *const role_names[] = { NULL, "sent", "received" };
static const char *const outcome_names[] = {
	NULL, "delivered", "rejected", "tempfail", "delivering"
};

const char *
ks_role_name(enum ks_role r)
{
	return KS_NAME_OF(role_names, r);
}

const char *
ks_outcome_name(enum ks_outcome o)
{
	return KS_NAME_OF(outcome_names, o);
}

int
ks_role_parse(const char *s, enum ks_role *out, struct ssmp_err *err)
{
	int v;

	if (ks_name_parse(s, role_names, 3, "role", &v, err) != 0)
		return -1;
	*out = (enum ks_role)v;
	return 0;
}

static int
role_ok(enum ks_role role, struct ssmp_err *err)
{
	if (role != KS_SENT && role != KS_RECEIVED)
		return ssmp_err_set(err, "delivered: role %d out of range",
		    (int)role);
	return 0;
}

static int
msgid_ok(const char *m, struct ssmp_err *err)
{
	size_t n = strlen(m), i;

	if (n == 0 || n > SSMP_MSGID_MAX)
		return ssmp_err_set(err, "msgid: length %zu not in 1..%d", n,
		    SSMP_MSGID_MAX);
	for (i = 0; i < n; i++)
		if (m[i] <= 0x20 || m[i] >= 0x7f)
			return ssmp_err_set(err, "msgid: octet %zu not "
			    "printable ASCII", i + 1);
	return 0;
}

/* A request id or host name: printable ASCII without blanks. */
static int
token_ok(const char *what, const char *s, struct ssmp_err *err)
{
	size_t i;

	for (i = 0; s[i] != '\0'; i++)
		if (!isgraph((unsigned char)s[i]))
			return ssmp_err_set(err, "delivered: owner %s: octet "
			    "%zu not printable ASCII", what, i + 1);
	return 0;
}

/* The record's three names, checked and canonical, into c. */
static int
names(enum ks_role role, const char *from, const char *msgid,
    const char *rcpt, struct ks_delivered *c, struct ssmp_err *err)
{
	struct ssmp_addr f, r;

	if (role_ok(role, err) != 0)
		return -1;
	if (ssmp_addr_parse(from, &f, err) != 0)
		return ssmp_err_prefix(err, "from '%.60s': ", from);
	if (ssmp_addr_parse(rcpt, &r, err) != 0)
		return ssmp_err_prefix(err, "recipient '%.60s': ", rcpt);
	if (msgid_ok(msgid, err) != 0)
		return -1;
	c->role = role;
	memcpy(c->from, f.full, sizeof(c->from));
	memcpy(c->rcpt, r.full, sizeof(c->rcpt));
	memcpy(c->msgid, msgid, strlen(msgid) + 1);
	return 0;
}

/* Check d and make its canonical copy (receipt borrowed). */
static int
record_check(const struct ks_delivered *d, struct ks_delivered *c,
    struct ssmp_err *err)
{
	memset(c, 0, sizeof(*c));
	if (names(d->role, d->from, d->msgid, d->rcpt, c, err) != 0)
		return -1;
	if (d->outcome < KS_OUT_DELIVERED || d->outcome > KS_OUT_DELIVERING)
		return ssmp_err_set(err, "delivered: outcome %d out of range",
		    (int)d->outcome);
	c->outcome = d->outcome;
	c->time = d->time;
	memcpy(c->info, d->info, strnlen(d->info, KS_INFO_MAX));
	if (d->outcome != KS_OUT_DELIVERING) {
		c->receipt = d->receipt;
		return 0;
	}
	if (d->owner.reqid[0] == '\0')
		return ssmp_err_set(err, "delivered: delivering without an "
		    "owner");
	if (token_ok("host", d->owner.host, err) != 0 ||
	    token_ok("request", d->owner.reqid, err) != 0)
		return -1;
	c->owner = d->owner;
	c->owner.host[KS_HOST_MAX] = c->owner.reqid[KS_REQID_MAX] = '\0';
	return 0;
}

int
ks_delivered_get(struct ks_store *ks, enum ks_role role, const char *from,
    const char *msgid, const char *rcpt, struct ks_delivered *out,
    struct ssmp_err *err)
{
	char	f[SSMP_ADDR_MAX + 1], r[SSMP_ADDR_MAX + 1];

	memset(out, 0, sizeof(*out));
	if (role_ok(role, err) != 0 ||
	    ks_lower(from, f, sizeof(f), "from", err) != 0 ||
	    ks_lower(rcpt, r, sizeof(r), "recipient", err) != 0)
		return -1;
	if (*msgid == '\0' || strlen(msgid) > SSMP_MSGID_MAX)
		return ssmp_err_set(err, "msgid: length %zu not in 1..%d",
		    strlen(msgid), SSMP_MSGID_MAX);
	return ks->be->delivered->get(ks, role, f, msgid, r, out, err);
}

void
ks_delivered_clear(struct ks_delivered *d)
{
	free(d->receipt);
	d->receipt = NULL;
}

int
ks_delivered_put_if(struct ks_store *ks, const struct ks_delivered *d,
    size_t n, ks_delivered_check check, void *arg, struct ssmp_err *err)
{
	struct ks_delivered	*c;
	size_t			 i;
	int			 rc = 0;

	if (n == 0)
		return 0;
	c = ssmp_xcalloc(n, sizeof(*c));
	for (i = 0; i < n && rc == 0; i++)
		if ((rc = record_check(&d[i], &c[i], err)) != 0 && n > 1)
			ssmp_err_prefix(err, "record %zu: ", i + 1);
	if (rc == 0)
		rc = ks->be->delivered->put_if(ks, c, n, check, arg, err);
	free(c);
	return rc;
}

int
ks_delivered_put_many(struct ks_store *ks, const struct ks_delivered *d,
    size_t n, struct ssmp_err *err)
{
	return ks_delivered_put_if(ks, d, n, NULL, NULL, err);
}

int
ks_delivered_put(struct ks_store *ks, const struct ks_delivered *d,
    struct ssmp_err *err)
{
	return ks_delivered_put_many(ks, d, 1, err);
}

int
ks_delivered_del(struct ks_store *ks, enum ks_role role, const char *from,
    const char *msgid, const char *rcpt, struct ssmp_err *err)
{
	struct ks_delivered c;

	memset(&c, 0, sizeof(c));
	if (names(role, from, msgid, rcpt, &c, err) != 0)
		return -1;
	return ks->be->delivered->del(ks, role, c.from, c.msgid, c.rcpt, err);
}

int
ks_delivered_iter(struct ks_store *ks, enum ks_role role, const char *rcpt,
    int64_t since, ks_delivered_cb cb, void *arg, struct ssmp_err *err)
{
	char r[SSMP_ADDR_MAX + 1];

	if (role != 0 && role_ok(role, err) != 0)
		return -1;
	if (rcpt != NULL && ks_lower(rcpt, r, sizeof(r), "recipient",
	    err) != 0)
		return -1;
	return ks->be->delivered->iter(ks, role, rcpt != NULL ? r : NULL,
	    since, cb, arg, err);
}

int
ks_delivered_sweep(struct ks_store *ks, enum ks_role role, int64_t before,
    size_t *count, struct ssmp_err *err)
{
	if (role_ok(role, err) != 0)
		return -1;
	return ks->be->delivered->sweep(ks, role, before, count, err);
}
