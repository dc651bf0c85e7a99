/*
 * ctl_consent.c - ssmpctl's consent commands (ssmp.7, CONSENT HANDSHAKE):
 *
 *	allow request LOCAL REMOTE [--signup] [--tier trusted|known]
 *	allow pending [--all] [LOCAL]
 *	allow accept LOCAL REMOTE [--tier trusted|known]
 *	allow deny LOCAL REMOTE
 *	allow del LOCAL PATTERN
 *
 * The work is client/consent_ops.c's, shared with ssmpd's consent API;
 * this file turns it into lines, JSON and exit codes.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "consent_ops.h"
#include "ssmp_addr.h"
#include "ctl_consent.h"
#include "ctl_user.h"

struct cctl {
	const struct ssmp_config *cfg;
	bool			 json;
	struct cops		 o;
	struct ks_keytable	*keys;
	json_t			*list;
};

static const char *const subs[] = { "request", "pending", "accept", "deny",
    "del", NULL };

bool
ctl_allow_handles(const char *sub)
{
	for (int i = 0; subs[i] != NULL; i++)
		if (strcmp(sub, subs[i]) == 0)
			return true;
	return false;
}

static int
fail(int code, const char *what, const char *msg)
{
	fprintf(stderr, "ssmpctl: allow %s: %s\n", what, msg);
	return code;
}

static int
rc_code(int rc)
{
	return rc == 1 ? EX_NOINPUT : rc == AC_ETEMP || rc == KS_ETEMP ?
	    EX_TEMPFAIL : EX_UNAVAILABLE;
}

enum need { NO_SEND, SEND, MAY_SEND };

/*
 * The store, and to send, the keys and the client; exit code or EX_OK.
 * MAY_SEND: without keys nothing is sent (consent_ops then refuses what
 * needs sending), so `allow del` still works on a store-only host.
 */
static int
cctl_open(struct cctl *x, enum need send)
{
	struct ssmp_err	err;
	int		rc;

	rc = ks_open_shared(x->cfg->database, x->cfg->shared_database,
	    x->cfg->map_size, 0, &x->o.ks, &err);
	if (rc != 0)
		return fail(rc == KS_ETEMP ? EX_TEMPFAIL : EX_CANTCREAT,
		    "store", err.msg);
	if (send == NO_SEND)
		return EX_OK;
	if (ctl_keys(x->cfg, &x->keys, &err) != 0) {
		x->keys = NULL;
		return send == MAY_SEND ? EX_OK : fail(EX_CONFIG, "keys",
		    err.msg);
	}
	x->o.keys = x->keys;
	if (ac_new(x->cfg, x->o.ks, &x->o.ac, &err) != 0)
		return fail(EX_CONFIG, "client", err.msg);
	return EX_OK;
}

static void
cctl_close(struct cctl *x)
{
	ac_free(x->o.ac);
	if (x->keys != NULL)
		ks_keytable_release(x->keys);
	ks_close(x->o.ks);
}

static void
show(struct cctl *x, const char *verb, const char *local, const char *remote,
    const struct cops_result *res)
{
	json_t *o;

	if (!x->json) {
		printf("%s %s %s: %s", verb, local, remote, res->state);
		if (res->sent)
			printf(" (%s answered %s %s)", strchr(remote, '@') + 1,
			    res->remote.code, res->remote.reason);
		printf("\n");
		return;
	}
	o = json_pack("{s:s,s:s,s:s,s:b}", "local", local, "remote", remote,
	    "state", res->state, "sent", res->sent);
	if (res->sent) {
		json_object_set_new(o, "remote_code",
		    json_string(res->remote.code));
		json_object_set_new(o, "remote_reason",
		    json_string(res->remote.reason));
	}
	json_dumpf(o, stdout, JSON_COMPACT);
	fputc('\n', stdout);
	json_decref(o);
}

/* Check LOCAL and REMOTE (a pattern for del) before anything opens. */
static int
check_pair(const char *what, const char *local, const char *remote,
    bool pattern)
{
	struct ssmp_addr	a;
	struct ssmp_err		err;
	char			pat[SSMP_ADDR_MAX + 1], msg[400];

	if (ssmp_addr_parse(local, &a, &err) != 0) {
		snprintf(msg, sizeof(msg), "local '%.80s': %s", local, err.msg);
		return fail(EX_DATAERR, what, msg);
	}
	if (pattern ? ssmp_pattern_parse(remote, pat, &err) < 0 :
	    ssmp_addr_parse(remote, &a, &err) != 0) {
		snprintf(msg, sizeof(msg), "remote '%.80s': %s", remote,
		    err.msg);
		return fail(EX_DATAERR, what, msg);
	}
	return EX_OK;
}

/* LOCAL REMOTE [--signup] [--tier T]: the options of request/accept. */
static int
pair_args(int argc, char **argv, bool signup_ok, bool *signup,
    enum ks_tier *tier)
{
	struct ssmp_err err;

	*signup = false;
	*tier = KS_TIER_KNOWN;
	if (argc < 3)
		return fail(EX_USAGE, argv[0], "expected LOCAL REMOTE");
	if (check_pair(argv[0], argv[1], argv[2], false) != EX_OK)
		return EX_DATAERR;
	for (int i = 3; i < argc; i++) {
		if (signup_ok && strcmp(argv[i], "--signup") == 0)
			*signup = true;
		else if (strcmp(argv[i], "--tier") == 0 && i + 1 < argc) {
			if (ks_tier_parse(argv[++i], tier, &err) != 0)
				return fail(EX_DATAERR, argv[0], err.msg);
		} else
			return fail(EX_USAGE, argv[0], "unknown option");
	}
	return EX_OK;
}

static int
do_request(struct cctl *x, int argc, char **argv)
{
	struct cops_result	res;
	struct ssmp_err		err;
	enum ks_tier		tier;
	bool			signup;
	int			rc;

	if ((rc = pair_args(argc, argv, argv[0][0] == 'r', &signup, &tier)))
		return rc;
	if ((rc = cctl_open(x, SEND)) != EX_OK)
		return rc;
	if (argv[0][0] == 'r')
		rc = cops_request(&x->o, argv[1], argv[2], signup ?
		    SSMP_ALLOW_SIGNUP : SSMP_ALLOW_SHARE, tier, &res, &err);
	else
		rc = cops_accept(&x->o, argv[1], argv[2], tier, &res, &err);
	if (rc == 1)
		return fail(EX_NOINPUT, argv[0], "no pending request");
	if (rc != 0)
		return fail(rc_code(rc), argv[0], err.msg);
	show(x, argv[0][0] == 'r' ? "requested" : "accepted", argv[1],
	    argv[2], &res);
	return EX_OK;
}

static int
do_deny(struct cctl *x, int argc, char **argv)
{
	struct ssmp_err	err;
	int		rc;

	if (argc != 3)
		return fail(EX_USAGE, "deny", "expected LOCAL REMOTE");
	if (check_pair("deny", argv[1], argv[2], false) != EX_OK)
		return EX_DATAERR;
	if ((rc = cctl_open(x, NO_SEND)) != EX_OK)
		return rc;
	if ((rc = cops_deny(&x->o, argv[1], argv[2], &err)) == 1)
		return fail(EX_NOINPUT, "deny", "no pending request");
	if (rc != 0)
		return fail(rc_code(rc), "deny", err.msg);
	printf("denied %s %s\n", argv[1], argv[2]);
	return EX_OK;
}

static int
do_del(struct cctl *x, int argc, char **argv)
{
	struct cops_result	res;
	struct ssmp_err		err;
	char			msg[600];
	int			rc;

	if (argc != 3)
		return fail(EX_USAGE, "del", "expected RCPT PATTERN");
	if (check_pair("del", argv[1], argv[2], true) != EX_OK)
		return EX_DATAERR;
	if ((rc = cctl_open(x, MAY_SEND)) != EX_OK)
		return rc;
	rc = cops_withdraw(&x->o, argv[1], argv[2], &res, &err);
	if (rc == 1) {
		snprintf(msg, sizeof(msg), "no allow entry %s %s", argv[1],
		    argv[2]);
		return fail(EX_NOINPUT, "del", msg);
	}
	if (rc != 0)
		return fail(rc_code(rc), "del", err.msg);
	if (x->json)
		show(x, "deleted", argv[1], argv[2], &res);
	else if (res.sent)
		printf("deleted %s %s (withdrawal sent: %s %s)\n", argv[1],
		    argv[2], res.remote.code, res.remote.reason);
	else
		printf("deleted %s %s\n", argv[1], argv[2]);
	return EX_OK;
}

static int
pending_print(const struct ks_consent *p, void *arg)
{
	struct cctl	*x = arg;
	char		 t[32];
	time_t		 tt = (time_t)p->created;
	struct tm	 tm;

	strftime(t, sizeof(t), "%Y-%m-%dT%H:%M:%SZ", gmtime_r(&tt, &tm));
	if (x->json)
		json_array_append_new(x->list, json_pack("{s:s,s:s,s:s,s:s,"
		    "s:s}", "local", p->local, "remote", p->remote, "type",
		    p->type, "state", p->state, "created", t));
	else
		printf("%s %s %s %s %s\n", p->local, p->remote, p->type,
		    p->state, t);
	return 0;
}

static int
do_pending(struct cctl *x, int argc, char **argv)
{
	struct ssmp_err	 err;
	const char	*local = NULL;
	bool		 all = false;
	int		 rc;

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--all") == 0)
			all = true;
		else if (local == NULL)
			local = argv[i];
		else
			return fail(EX_USAGE, "pending", "expected [--all] "
			    "[LOCAL]");
	}
	if ((rc = cctl_open(x, NO_SEND)) != EX_OK)
		return rc;
	x->list = json_array();
	if ((rc = cops_list(&x->o, local, all, pending_print, x, &err)) != 0)
		return fail(rc < 0 && rc != KS_ETEMP ? EX_DATAERR : EX_TEMPFAIL,
		    "pending", err.msg);
	if (x->json) {
		json_dumpf(x->list, stdout, JSON_COMPACT);
		fputc('\n', stdout);
	}
	return EX_OK;
}

int
ctl_allow(const struct ssmp_config *cfg, bool json, int argc, char **argv)
{
	struct cctl	x;
	int		rc;

	memset(&x, 0, sizeof(x));
	x.cfg = cfg;
	x.json = json;
	if (strcmp(argv[0], "pending") == 0)
		rc = do_pending(&x, argc, argv);
	else if (strcmp(argv[0], "deny") == 0)
		rc = do_deny(&x, argc, argv);
	else if (strcmp(argv[0], "del") == 0)
		rc = do_del(&x, argc, argv);
	else
		rc = do_request(&x, argc, argv);
	json_decref(x.list);
	cctl_close(&x);
	return rc;
}
