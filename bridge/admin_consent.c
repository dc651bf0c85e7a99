/*
 * admin_consent.c - the consent API on the admin listener (ssmpd(8),
 * CONSENT API), so that a webmail or portal can offer what `ssmpctl
 * allow request|pending|accept|deny|del` does:
 *
 *	POST /consent/<op>  Authorization: Bearer <AdminSecretFile>
 *	{"local":"alice@a.test","remote":"bob@b.test", ...}
 *
 * The work (LMDB writes, the signed request to the remote domain) runs
 * in the consent workers; the answer is JSON.  The bearer token is
 * hashed and compared in constant time, so neither its bytes nor its
 * length leak through timing.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <event2/buffer.h>
#include <jansson.h>
#include <sodium.h>

#include "consent_recv.h"
#include "consent_ops.h"
#include "keys.h"
#include "keytable.h"
#include "ssmp_buf.h"
#include "ssmp_json.h"
#include "ssmp_log.h"
#include "ssmpd.h"
#include "workq.h"

#define ADMIN_BODY_MAX	4096

enum op { OP_REQUEST, OP_PENDING, OP_ACCEPT, OP_DENY, OP_DEL, OP_NONE };
static const char *const op_names[] = { "request", "pending", "accept",
    "deny", "del" };

struct areq {
	struct conn		*c;
	struct ssmpd		*d;
	struct ks_keytable	*keys;		/* held for the worker */
	enum op			 op;
	char			 local[SSMP_ADDR_MAX + 1];
	char			 remote[SSMP_ADDR_MAX + 1];
	bool			 signup, all;
	enum ks_tier		 tier;
	/* outcome */
	int			 status;
	json_t			*out;
};

static void
reply(struct conn *c, int status, json_t *o)
{
	char *s = json_dumps(o, JSON_COMPACT);
	size_t n = strlen(s);

	s[n] = '\n';	/* json_dumps leaves room for the NUL: reuse it */
	http_respond(c, status, "application/json", status == 401 ?
	    "WWW-Authenticate: Bearer realm=\"ssmpd\"\r\n" : NULL, s, n + 1);
	free(s);
	json_decref(o);
}

static void
reply_error(struct conn *c, int status, const char *msg)
{
	reply(c, status, json_pack("{s:s}", "error", msg));
}

static bool
authorized(struct conn *c, const struct consent *cs)
{
	const char	*h = http_header_get(http_head(c), "authorization");
	unsigned char	 got[CONSENT_SECRET_HASH];

	if (h == NULL || strncasecmp(h, "Bearer ", 7) != 0)
		return false;
	consent_secret_hash(h + 7, strlen(h + 7), got);
	return sodium_memcmp(got, cs->secret, sizeof(got)) == 0;
}

static void
consent_head(struct conn *c)
{
	struct consent	*cs = http_daemon(c)->consent;
	const char	*rest = http_path_rest(c);
	int		 i;

	if (cs == NULL || !cs->have_secret) {
		reply_error(c, 403, "consent API disabled: no AdminSecretFile");
		return;
	}
	if (!authorized(c, cs)) {
		reply_error(c, 401, "missing or wrong bearer token");
		return;
	}
	for (i = 0; i < OP_NONE && strcmp(rest, op_names[i]) != 0; i++)
		continue;
	if (i == OP_NONE) {
		reply_error(c, 404, "no such consent operation");
		return;
	}
	http_read_body(c, ADMIN_BODY_MAX);
}

/* Members of the request body into r; -1 with err naming a member. */
static int
parse_body(struct areq *r, json_t *o, struct ssmp_err *err)
{
	char	tier[16] = "";
	int	need = r->op != OP_PENDING;

	if ((need ? ssmp_json_str(o, "local", r->local, sizeof(r->local),
	    err) : ssmp_json_str_opt(o, "local", r->local, sizeof(r->local),
	    err)) != 0)
		return -1;
	if (r->op != OP_PENDING && ssmp_json_str(o, "remote", r->remote,
	    sizeof(r->remote), err) != 0)
		return -1;
	if (ssmp_json_str_opt(o, "tier", tier, sizeof(tier), err) != 0)
		return -1;
	r->tier = KS_TIER_KNOWN;
	if (tier[0] != '\0' && ks_tier_parse(tier, &r->tier, err) != 0)
		return -1;
	r->signup = json_is_true(json_object_get(o, "signup"));
	r->all = json_is_true(json_object_get(o, "all"));
	return 0;
}

static int
list_add(const struct ks_consent *p, void *arg)
{
	json_array_append_new(arg, json_pack("{s:s,s:s,s:s,s:s,s:I,s:I}",
	    "local", p->local, "remote", p->remote, "type", p->type, "state",
	    p->state, "created", (json_int_t)p->created, "expires",
	    (json_int_t)p->expires));
	return 0;
}

static json_t *
result_json(const struct areq *r, const struct cops_result *res)
{
	json_t *o = json_pack("{s:s,s:s,s:s,s:b}", "local", r->local, "remote",
	    r->remote, "state", res->state, "sent", res->sent);

	if (res->sent) {
		ssmp_json_set_str(o, "remote_code", res->remote.code);
		ssmp_json_set_str(o, "remote_reason", res->remote.reason);
	}
	return o;
}

/* Worker: the operation. */
static void
consent_run(void *arg)
{
	struct areq		*r = arg;
	struct cops		 o = { r->d->store, r->d->consent->ac, r->keys,
	    keys_sign_allow, r->d->kp };
	struct cops_result	 res;
	struct ssmp_err		 err;
	json_t			*list;
	int			 rc;

	memset(&res, 0, sizeof(res));
	switch (r->op) {
	case OP_PENDING:
		list = json_array();
		rc = cops_list(&o, r->local[0] ? r->local : NULL, r->all,
		    list_add, list, &err);
		r->out = rc == 0 ? json_pack("{s:o}", "pending", list) : NULL;
		if (rc != 0)
			json_decref(list);
		break;
	case OP_REQUEST:
		rc = cops_request(&o, r->local, r->remote, r->signup ?
		    SSMP_ALLOW_SIGNUP : SSMP_ALLOW_SHARE, r->tier, &res, &err);
		break;
	case OP_ACCEPT:
		rc = cops_accept(&o, r->local, r->remote, r->tier, &res, &err);
		break;
	case OP_DENY:
		rc = cops_deny(&o, r->local, r->remote, &err);
		snprintf(res.state, sizeof(res.state), "none");
		break;
	default:
		rc = cops_withdraw(&o, r->local, r->remote, &res, &err);
		break;
	}
	if (rc == 0 && r->out == NULL)
		r->out = result_json(r, &res);
	r->status = rc == 0 ? 200 : rc == 1 ? 404 : rc == AC_ETEMP ? 503 : 422;
	if (rc == 1)
		r->out = json_pack("{s:s}", "error", "no such request or entry");
	else if (rc != 0) {
		r->out = res.sent ? result_json(r, &res) : json_object();
		ssmp_json_set_str(r->out, "error", err.msg);
	}
}

static void
consent_done(void *arg)
{
	struct areq *r = arg;

	ks_keytable_release(r->keys);
	r->keys = NULL;
	ssmp_log(LOG_INFO, http_reqid(r->c), "consent %s local=<%s> "
	    "remote=<%s>: %d", op_names[r->op], r->local, r->remote,
	    r->status);
	reply(r->c, r->status, r->out);
	r->out = NULL;
}

static void
consent_body(struct conn *c)
{
	struct evbuffer	*b = http_body(c);
	struct areq	*r = ssmp_xcalloc(1, sizeof(*r));
	struct ssmp_err	 err;
	json_t		*o;
	int		 i;

	r->c = c;
	r->d = http_daemon(c);
	http_set_state(c, r);
	for (i = 0; i < OP_NONE && strcmp(http_path_rest(c), op_names[i]); i++)
		continue;
	r->op = (enum op)i;
	o = ssmp_json_parse((const char *)evbuffer_pullup(b, -1),
	    evbuffer_get_length(b), ADMIN_BODY_MAX, &err);
	if (o == NULL || parse_body(r, o, &err) != 0) {
		json_decref(o);
		reply_error(c, 400, err.msg);
		return;
	}
	json_decref(o);
	r->keys = ks_keytable_hold(r->d->keys);
	workq_submit(consent_queue(r->d), consent_run, consent_done, r);
}

static void
consent_cleanup(struct conn *c)
{
	struct areq *r = http_state(c);

	if (r == NULL)
		return;
	json_decref(r->out);
	free(r);
}

const struct route route_consent = {
	"POST", "/consent/", consent_head, consent_body, consent_cleanup,
	NULL, false
};
