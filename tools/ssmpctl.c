/*
 * ssmpctl - the postmaster's tool for the keystore: allow-lists, domain
 * keys and their DNS records, the remote-key cache, the delivered-log.
 *
 *	ssmpctl [-c CONF] [--json] COMMAND ...
 *
 * Every error is one line "ssmpctl: ..." naming the culprit, with a
 * sysexits(3) code, and leaves the store as it was: each change is one
 * LMDB transaction.  Exit codes of `keys test` are listed in ssmpctl(8).
 */
#include "config.h"

#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "ssmp_addr.h"
#include "ssmp_b64.h"
#include "ssmp_buf.h"
#include "ssmp_cli.h"
#include "ssmp_config.h"
#include "ssmp_crypto.h"
#include "ctl_consent.h"
#include "ctl_user.h"
#include "ctl_db.h"
#include "ctl_info.h"
#include "ctl_report.h"
#include "keyproc.h"
#include "dnsq.h"
#include "keytable.h"
#include "store.h"

struct ctl {
	struct ssmp_config	 cfg;
	bool			 json;
	json_t			*out;		/* --json: what to print */
	struct ks_store		*ks;
};

static void __attribute__((noreturn, format(printf, 2, 3)))
die(int code, const char *fmt, ...)
{
	va_list ap;

	fflush(stdout);
	fputs("ssmpctl: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(code);
}

static const char usage_text[] =
	    "usage: ssmpctl [-V] [-c CONF] [--json] COMMAND ...\n"
	    "  allow add RCPT PATTERN [trusted|known|blocked]\n"
	    "  allow del RCPT PATTERN\n"
	    "  allow request LOCAL REMOTE [--signup] [--tier TIER]\n"
	    "  allow pending [--all] [LOCAL]\n"
	    "  allow accept LOCAL REMOTE [--tier TIER]\n"
	    "  allow deny LOCAL REMOTE\n"
	    "  allow list [RCPT]\n"
	    "  allow import FILE|-\n"
	    "  allow export [RCPT]\n"
	    "  keys list\n"
	    "  keys test DOMAIN [SELECTOR]\n"
	    "  cache list\n"
	    "  cache flush [DOMAIN]\n"
	    "  log show [--role sent|received] [--rcpt RCPT] [--since TIME]\n"
	    "  log forget|delivered FROM MSGID RCPT\n"
	    "  stats\n"
	    "  db init|migrate|status\n"
	    "  report send [--domain D]\n"
	    "  report list|show|summary [--domain D] [--since T] [--json]\n"
	    "  rollout [--domain D] [--since T] [--min N] [--json]\n"
	    "  config [-n|-d] [KEY...]\n"
	    "  status\n"
	    "  check DOMAIN [--from ADDR] [--to ADDR]\n";

static void __attribute__((noreturn))
usage(void)
{
	ssmp_cli_usage("ssmpctl", usage_text, NULL);
}

/* A command (or a command's subcommand) that does not exist. */
static void __attribute__((noreturn))
unknown(const char *cmd, int argc, char **argv)
{
	ssmp_cli_usage("ssmpctl", usage_text, "unknown command '%s%s%s'",
	    cmd, argc > 0 ? " " : "", argc > 0 ? argv[0] : "");
}

static void
fmt_time(int64_t t, char buf[32])
{
	time_t		tt = (time_t)t;
	struct tm	tm;

	if (gmtime_r(&tt, &tm) == NULL)
		snprintf(buf, 32, "@%lld", (long long)t);
	else
		strftime(buf, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/* --json collects objects in an array printed at exit. */
static void
emit(struct ctl *c, json_t *obj)
{
	if (c->out == NULL)
		c->out = json_array();
	json_array_append_new(c->out, obj);
}

static void
emit_done(struct ctl *c, json_t *single)
{
	json_t *o = single ? single : c->out ? c->out : json_array();

	json_dumpf(o, stdout, JSON_COMPACT);
	fputc('\n', stdout);
	json_decref(o);
	if (single != NULL && c->out != NULL)
		json_decref(c->out);
	c->out = NULL;
}

/* --- store ----------------------------------------------------------------- */

static int
store_code(int rc)
{
	return rc == KS_ETEMP ? EX_TEMPFAIL : EX_IOERR;
}

/*
 * Writers check permissions first so a read-only Database is reported
 * as such (LMDB itself would only say EACCES somewhere inside).
 */
static void
open_store(struct ctl *c, bool write)
{
	struct ssmp_err	 err;
	const char	*dir = c->cfg.database;
	char		 data[PATH_MAX];
	int		 rc;

	snprintf(data, sizeof(data), "%s/data.mdb", dir);
	if (write && ((access(dir, W_OK) != 0 && errno != ENOENT) ||
	    (access(data, F_OK) == 0 && access(data, W_OK) != 0)))
		die(EX_NOPERM, "Database %s: not writable: %s", dir,
		    strerror(errno));
	rc = ks_open_shared(dir, c->cfg.shared_database, c->cfg.map_size,
	    write ? 0 : KS_RDONLY, &c->ks, &err);
	if (rc != 0)
		die(rc == KS_ETEMP ? EX_TEMPFAIL : write ? EX_CANTCREAT :
		    EX_NOINPUT, "%s", err.msg);
}

static void
check_rcpt(const char *rcpt, char out[SSMP_ADDR_MAX + 1])
{
	struct ssmp_addr	a;
	struct ssmp_err		err;

	if (ssmp_addr_parse(rcpt, &a, &err) != 0)
		die(EX_DATAERR, "recipient '%s': %s", rcpt, err.msg);
	memcpy(out, a.full, strlen(a.full) + 1);
}

static void
check_pattern(const char *pat, char out[SSMP_ADDR_MAX + 1])
{
	struct ssmp_err err;

	if (ssmp_pattern_parse(pat, out, &err) < 0)
		die(EX_DATAERR, "pattern '%s': %s", pat, err.msg);
}

/* --- allow ----------------------------------------------------------------- */

static int
allow_add(struct ctl *c, int argc, char **argv)
{
	struct ssmp_err	err;
	enum ks_tier	tier = KS_TIER_KNOWN;
	char		rcpt[SSMP_ADDR_MAX + 1], pat[SSMP_ADDR_MAX + 1];
	int		rc;

	if (argc < 2 || argc > 3)
		usage();
	check_rcpt(argv[0], rcpt);
	check_pattern(argv[1], pat);
	if (argc == 3 && ks_tier_parse(argv[2], &tier, &err) != 0)
		die(EX_DATAERR, "%s", err.msg);
	open_store(c, true);
	if ((rc = ks_allow_put(c->ks, rcpt, pat, tier, KS_ORIGIN_LOCAL, &err)))
		die(store_code(rc), "%s", err.msg);
	if (c->json)
		emit_done(c, json_pack("{s:s,s:s,s:s}", "rcpt", rcpt,
		    "pattern", pat, "tier", ks_tier_name(tier)));
	else
		printf("added %s %s %s\n", rcpt, pat, ks_tier_name(tier));
	return EX_OK;
}

struct list_arg {
	struct ctl	*c;
	bool		 full;	/* list (with origin, time) or export */
};

static int
allow_print(const struct ks_allow *a, void *arg)
{
	struct list_arg	*la = arg;
	char		 t[32];

	fmt_time(a->added, t);
	if (la->c->json)
		emit(la->c, json_pack("{s:s,s:s,s:s,s:s,s:s}", "rcpt", a->rcpt,
		    "pattern", a->pattern, "tier", ks_tier_name(a->tier),
		    "origin", ks_origin_name(a->origin), "added", t));
	else if (la->full)
		printf("%s %s %s %s %s\n", a->rcpt, a->pattern,
		    ks_tier_name(a->tier), ks_origin_name(a->origin), t);
	else
		printf("%s %s %s\n", a->rcpt, a->pattern,
		    ks_tier_name(a->tier));
	return 0;
}

static int
allow_list(struct ctl *c, int argc, char **argv, bool full)
{
	struct list_arg	la = { c, full };
	struct ssmp_err	err;
	char		rcpt[SSMP_ADDR_MAX + 1];
	int		rc;

	if (argc > 1)
		usage();
	if (argc == 1)
		check_rcpt(argv[0], rcpt);
	open_store(c, false);
	rc = ks_allow_iter(c->ks, argc ? rcpt : NULL, allow_print, &la, &err);
	if (rc != 0)
		die(store_code(rc), "%s", err.msg);
	if (c->json)
		emit_done(c, NULL);
	return EX_OK;
}

/* One line "RCPT PATTERN [TIER]" into e; errors name FILE:LINE. */
static void
import_line(const char *name, int lineno, char *line, struct ks_allow *e,
    bool *used)
{
	struct ssmp_err	 err;
	char		*f[4], *save = NULL;
	int		 n;

	*used = false;
	line[strcspn(line, "#\r\n")] = '\0';
	/* Up to four fields, so that a fourth one is seen and refused. */
	for (n = 0; n < 4 && (f[n] = strtok_r(n == 0 ? line : NULL, " \t",
	    &save)) != NULL; n++)
		;
	if (n == 0)
		return;
	if (n < 2 || n > 3)
		die(EX_DATAERR, "%s:%d: expected RCPT PATTERN [TIER]", name,
		    lineno);
	memset(e, 0, sizeof(*e));
	e->tier = KS_TIER_KNOWN;
	e->origin = KS_ORIGIN_LOCAL;
	if (ssmp_addr_parse(f[0], &(struct ssmp_addr){ 0 }, &err) != 0)
		die(EX_DATAERR, "%s:%d: recipient '%s': %s", name, lineno,
		    f[0], err.msg);
	if (ssmp_pattern_parse(f[1], e->pattern, &err) < 0)
		die(EX_DATAERR, "%s:%d: pattern '%s': %s", name, lineno, f[1],
		    err.msg);
	if (n == 3 && ks_tier_parse(f[2], &e->tier, &err) != 0)
		die(EX_DATAERR, "%s:%d: %s", name, lineno, err.msg);
	snprintf(e->rcpt, sizeof(e->rcpt), "%s", f[0]);
	*used = true;
}

static int
allow_import(struct ctl *c, int argc, char **argv)
{
	struct ks_allow	*v = NULL;
	struct ssmp_err	 err;
	FILE		*f;
	char		 line[2048];
	const char	*name;
	size_t		 n = 0;
	int		 lineno = 0, rc;
	bool		 used;

	if (argc != 1)
		usage();
	name = strcmp(argv[0], "-") == 0 ? "stdin" : argv[0];
	if ((f = strcmp(argv[0], "-") == 0 ? stdin : fopen(argv[0], "r")) ==
	    NULL)
		die(EX_NOINPUT, "%s: %s", argv[0], strerror(errno));
	while (fgets(line, sizeof(line), f) != NULL) {
		lineno++;
		if (strchr(line, '\n') == NULL && !feof(f))
			die(EX_DATAERR, "%s:%d: line too long", name, lineno);
		v = ssmp_xrealloc(v, (n + 1) * sizeof(*v));
		import_line(name, lineno, line, &v[n], &used);
		n += used;
	}
	if (ferror(f))
		die(EX_IOERR, "%s: %s", name, strerror(errno));
	open_store(c, true);
	if ((rc = ks_allow_import(c->ks, v, n, &err)) != 0)
		die(store_code(rc), "%s: %s", name, err.msg);
	free(v);
	if (c->json)
		emit_done(c, json_pack("{s:i}", "imported", (json_int_t)n));
	else
		printf("imported %zu entries\n", n);
	return EX_OK;
}

static int
cmd_allow(struct ctl *c, int argc, char **argv)
{
	if (argc < 1)
		usage();
	if (strcmp(argv[0], "add") == 0)
		return allow_add(c, argc - 1, argv + 1);
	if (ctl_allow_handles(argv[0]))		/* consent: ctl_consent.c */
		return ctl_allow(&c->cfg, c->json, argc, argv);
	if (strcmp(argv[0], "list") == 0)
		return allow_list(c, argc - 1, argv + 1, true);
	if (strcmp(argv[0], "export") == 0)
		return allow_list(c, argc - 1, argv + 1, false);
	if (strcmp(argv[0], "import") == 0)
		return allow_import(c, argc - 1, argv + 1);
	unknown("allow", argc, argv);
}

/* --- keys ------------------------------------------------------------------ */

static struct ks_keytable *
load_keys(struct ctl *c)
{
	struct ks_keytable	*t;
	struct ssmp_err		 err;

	if (ctl_keys(&c->cfg, &t, &err) != 0)
		die(EX_CONFIG, "%s", err.msg);
	return t;
}

static int
keys_list(struct ctl *c)
{
	struct ks_keytable	*t = load_keys(c);
	const struct ks_keyent	*e;
	char			 b64[SSMP_PUBKEY_B64 + 1];
	size_t			 i;

	for (i = 0; i < t->n; i++) {
		e = &t->v[i];
		ssmp_b64_encode(b64, sizeof(b64), e->key.pk, sizeof(e->key.pk),
		    SSMP_B64_STD);
		if (c->json)
			emit(c, json_pack("{s:s,s:s,s:b,s:s,s:s}", "domain",
			    e->domain, "selector", e->selector, "active",
			    e->active, "pk", b64, "file", e->path));
		else
			printf("%s %s %s %s %s\n", e->domain, e->selector,
			    e->active ? "active" : "published", b64, e->path);
	}
	if (c->json)
		emit_done(c, NULL);
	ks_keytable_release(t);
	return EX_OK;
}

/* Exit code for a lookup that did not give a usable record. */
static int
dns_code(enum dnsq_status st)
{
	switch (st) {
	case DNSQ_NXDOMAIN:
	case DNSQ_NODATA:
		return EX_NOHOST;
	case DNSQ_TEMP:
		return EX_TEMPFAIL;
	case DNSQ_BOGUS:
		return EX_PROTOCOL;
	default:
		return EX_DATAERR;
	}
}

static void
test_fail(struct ctl *c, const char *dom, const char *sel, int code,
    const char *msg)
{
	if (c->json)
		emit_done(c, json_pack("{s:s,s:s,s:s,s:s}", "domain", dom,
		    "selector", sel, "result", "fail", "reason", msg));
	die(code, "keys test %s %s: %s", dom, sel, msg);
}

static int
keys_test(struct ctl *c, int argc, char **argv)
{
	struct ks_keytable	*t;
	const struct ks_keyent	*e;
	struct dnsq		*dq;
	struct ssmp_policy	 pol;
	struct ssmp_keyrec	 kr;
	struct ssmp_err		 err;
	enum dnsq_status	 st;
	char			 msg[PATH_MAX + 400];

	if (argc < 1 || argc > 2)
		usage();
	t = load_keys(c);
	e = argc == 2 ? ks_keytable_find(t, argv[0], argv[1]) :
	    ks_keytable_signing(t, argv[0]);
	if (e == NULL)
		die(EX_CONFIG, "keys test %s%s%s: not in the key table",
		    argv[0], argc == 2 ? " " : "", argc == 2 ? argv[1] : "");
	if (dnsq_new(&c->cfg, &dq, &err) != 0)
		die(EX_CONFIG, "%s", err.msg);
	st = dnsq_policy(dq, e->domain, &pol, NULL, &err);
	if (st != DNSQ_OK)
		test_fail(c, e->domain, e->selector, dns_code(st), err.msg);
	if (e->active && strcmp(pol.selector, e->selector) != 0) {
		snprintf(msg, sizeof(msg), "_ssmp.%s publishes s=%s, the key "
		    "table signs with %s", e->domain, pol.selector, e->selector);
		test_fail(c, e->domain, e->selector, EX_DATAERR, msg);
	}
	st = dnsq_key(dq, e->domain, e->selector, &kr, NULL, &err);
	dnsq_free(dq);
	if (st != DNSQ_OK)
		test_fail(c, e->domain, e->selector, dns_code(st), err.msg);
	if (kr.revoked) {
		snprintf(msg, sizeof(msg), "%s._ssmpkey.%s is revoked (p= "
		    "empty)", e->selector, e->domain);
		test_fail(c, e->domain, e->selector, EX_UNAVAILABLE, msg);
	}
	if (memcmp(kr.pk, e->key.pk, sizeof(kr.pk)) != 0) {
		snprintf(msg, sizeof(msg), "published p= does not match the "
		    "private key in %s", e->path);
		test_fail(c, e->domain, e->selector, EX_DATAERR, msg);
	}
	if (c->json)
		emit_done(c, json_pack("{s:s,s:s,s:s,s:s,s:s}", "domain",
		    e->domain, "selector", e->selector, "result", "ok",
		    "host", pol.host, "mode", ssmp_mode_name(pol.mode)));
	else
		printf("keys test %s %s: ok (h=%s m=%s, key matches %s)\n",
		    e->domain, e->selector, pol.host, ssmp_mode_name(pol.mode),
		    e->path);
	ks_keytable_release(t);
	return EX_OK;
}

static int
cmd_keys(struct ctl *c, int argc, char **argv)
{
	if (argc == 1 && strcmp(argv[0], "list") == 0)
		return keys_list(c);
	if (argc >= 1 && strcmp(argv[0], "test") == 0)
		return keys_test(c, argc - 1, argv + 1);
	unknown("keys", argc, argv);
}

/* --- cache ----------------------------------------------------------------- */

static int
cache_print(const struct ks_keycache *kc, void *arg)
{
	struct ctl	*c = arg;
	char		 f[32], x[32], b64[SSMP_PUBKEY_B64 + 1];
	const char	*what;

	fmt_time(kc->fetched, f);
	fmt_time(kc->expires, x);
	if (kc->negative)
		what = "none";
	else if (KS_KEYCACHE_TEXT(kc->selector))
		what = kc->text;
	else if (kc->revoked)
		what = "revoked";
	else {
		ssmp_b64_encode(b64, sizeof(b64), kc->pk, sizeof(kc->pk),
		    SSMP_B64_STD);
		what = b64;
	}
	if (c->json)
		emit(c, json_pack("{s:s,s:s,s:s,s:s,s:s,s:s}", "domain",
		    kc->domain, "selector", kc->selector, "value", what,
		    "fetched", f, "expires", x, "source",
		    ks_source_name(kc->source)));
	else
		printf("%s %s %s %s expires %s (%s)\n", kc->domain,
		    kc->selector[0] ? kc->selector : "-", kc->selector[0] ==
		    '*' ? "remembered" : kc->selector[0] ? "key" : "policy",
		    what, x, ks_source_name(kc->source));
	return 0;
}

static int
cmd_cache(struct ctl *c, int argc, char **argv)
{
	struct ssmp_err	err;
	char		dom[SSMP_DOMAIN_MAX + 1];
	size_t		n = 0;
	int		rc;

	if (argc == 1 && strcmp(argv[0], "list") == 0) {
		open_store(c, false);
		if ((rc = ks_keycache_iter(c->ks, cache_print, c, &err)) != 0)
			die(store_code(rc), "%s", err.msg);
		if (c->json)
			emit_done(c, NULL);
		return EX_OK;
	}
	if (argc >= 1 && strcmp(argv[0], "flush") != 0)
		unknown("cache", argc, argv);
	if (argc < 1 || argc > 2)
		usage();
	if (argc == 2 && ssmp_domain_check(argv[1], dom, &err) != 0)
		die(EX_DATAERR, "domain '%s': %s", argv[1], err.msg);
	open_store(c, true);
	rc = ks_keycache_flush(c->ks, argc == 2 ? dom : NULL, &n, &err);
	if (rc != 0)
		die(store_code(rc), "%s", err.msg);
	if (c->json)
		emit_done(c, json_pack("{s:i}", "flushed", (json_int_t)n));
	else
		printf("flushed %zu entries\n", n);
	return EX_OK;
}

/* --- log ------------------------------------------------------------------- */

/* "2026-11-23", "2026-11-23T10:48:00[Z]", "@EPOCH", or an age "2h". */
static int64_t
parse_since(const char *s)
{
	struct tm	 tm;
	const char	*end;
	char		*e;
	long long	 n;

	memset(&tm, 0, sizeof(tm));
	if (s[0] == '@' && (n = strtoll(s + 1, &e, 10)) >= 0 && *e == '\0' &&
	    s[1] != '\0')
		return n;
	if ((end = strptime(s, "%Y-%m-%dT%H:%M:%S", &tm)) != NULL &&
	    (*end == '\0' || strcmp(end, "Z") == 0))
		return (int64_t)timegm(&tm);
	memset(&tm, 0, sizeof(tm));
	if ((end = strptime(s, "%Y-%m-%d", &tm)) != NULL && *end == '\0')
		return (int64_t)timegm(&tm);
	n = strtoll(s, &e, 10);
	if (e != s && n >= 0 && e[0] != '\0' && e[1] == '\0' &&
	    strchr("smhd", e[0]) != NULL) {
		long long unit = e[0] == 's' ? 1 : e[0] == 'm' ? 60 :
		    e[0] == 'h' ? 3600 : 86400;

		if (n > (long long)time(NULL) / unit)
			die(EX_USAGE, "--since '%s': older than the epoch", s);
		return (int64_t)time(NULL) - n * unit;
	}
	die(EX_USAGE, "--since '%s': expected YYYY-MM-DD[THH:MM:SS], @EPOCH "
	    "or an age like 2h", s);
}

static int
log_print(const struct ks_delivered *d, void *arg)
{
	struct ctl	*c = arg;
	json_t		*r = NULL;
	char		 t[32];

	fmt_time(d->time, t);
	if (!c->json) {
		printf("%s %s %s %s %s %s %s%s\n", t, ks_role_name(d->role),
		    d->from, d->rcpt, d->msgid, ks_outcome_name(d->outcome),
		    d->info[0] ? d->info : "-", d->receipt ? " receipt" : "");
		if (d->outcome == KS_OUT_DELIVERING)
			printf("  owner host=%s pid=%ld req=%s\n",
			    d->owner.host[0] ? d->owner.host : "-",
			    d->owner.pid, d->owner.reqid);
		if (d->receipt != NULL)
			printf("  receipt %s\n", d->receipt);
		return 0;
	}
	if (d->receipt != NULL && (r = json_loads(d->receipt, 0, NULL)) == NULL)
		r = json_string(d->receipt);
	emit(c, json_pack("{s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:o}", "time", t,
	    "role", ks_role_name(d->role), "from", d->from, "rcpt", d->rcpt,
	    "msgid", d->msgid, "outcome", ks_outcome_name(d->outcome), "info",
	    d->info, "receipt", r ? r : json_null()));
	return 0;
}

/*
 * Resolve a recipient whose delivery outcome is unknown (ssmpd.8,
 * EXACTLY ONCE), after the MTA's log was checked: forget = it did not
 * arrive, the sender's next retry delivers it; delivered = it arrived,
 * retries are answered "already delivered".
 */
static int
log_resolve(struct ctl *c, int argc, char **argv)
{
	struct ks_delivered	d;
	struct ssmp_err		err;
	char			from[SSMP_ADDR_MAX + 1];
	bool			forget = strcmp(argv[0], "forget") == 0;
	int			rc;

	if (argc != 4)
		usage();
	check_rcpt(argv[1], from);
	memset(&d, 0, sizeof(d));
	d.role = KS_RECEIVED;
	memcpy(d.from, from, sizeof(from));
	check_rcpt(argv[3], d.rcpt);
	if (strlen(argv[2]) == 0 || strlen(argv[2]) >= sizeof(d.msgid))
		die(EX_DATAERR, "message id '%.60s': empty or longer than %d",
		    argv[2], SSMP_MSGID_MAX);
	memcpy(d.msgid, argv[2], strlen(argv[2]) + 1);
	open_store(c, true);
	if (forget)
		rc = ks_delivered_del(c->ks, KS_RECEIVED, d.from, d.msgid,
		    d.rcpt, &err);
	else {
		d.outcome = KS_OUT_DELIVERED;
		d.time = (int64_t)time(NULL);
		snprintf(d.info, sizeof(d.info), "set by ssmpctl");
		rc = ks_delivered_put(c->ks, &d, &err);
	}
	if (rc == 1)
		die(EX_NOINPUT, "no delivered-log entry for %s %s %s", d.from,
		    d.msgid, d.rcpt);
	if (rc != 0)
		die(store_code(rc), "%s", err.msg);
	if (c->json)
		emit_done(c, json_pack("{s:s}", "result", forget ? "forgotten" :
		    "delivered"));
	else
		printf("%s: %s %s %s\n", forget ? "forgotten" : "delivered",
		    d.from, d.msgid, d.rcpt);
	return EX_OK;
}

static int
cmd_log(struct ctl *c, int argc, char **argv)
{
	struct ssmp_err	 err;
	char		 rcpt[SSMP_ADDR_MAX + 1];
	const char	*want = NULL;
	int64_t		 since = 0;
	enum ks_role	 role = 0;
	int		 i, rc;

	if (argc >= 1 && (strcmp(argv[0], "forget") == 0 ||
	    strcmp(argv[0], "delivered") == 0))
		return log_resolve(c, argc, argv);
	if (argc >= 1 && strcmp(argv[0], "show") != 0)
		unknown("log", argc, argv);
	if (argc < 1)
		usage();
	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--rcpt") == 0 && i + 1 < argc) {
			check_rcpt(argv[++i], rcpt);
			want = rcpt;
		} else if (strcmp(argv[i], "--since") == 0 && i + 1 < argc)
			since = parse_since(argv[++i]);
		else if (strcmp(argv[i], "--role") == 0 && i + 1 < argc) {
			if (ks_role_parse(argv[++i], &role, &err) != 0)
				die(EX_USAGE, "--role: %s", err.msg);
		} else
			usage();
	}
	open_store(c, false);
	rc = ks_delivered_iter(c->ks, role, want, since, log_print, c, &err);
	if (rc != 0)
		die(store_code(rc), "%s", err.msg);
	if (c->json)
		emit_done(c, NULL);
	return EX_OK;
}

/* --- stats ----------------------------------------------------------------- */

static int
cmd_stats(struct ctl *c, int argc)
{
	struct ks_stats	 st;
	struct ssmp_err	 err;
	json_t		*o;
	int		 i, rc;

	if (argc != 0)
		usage();
	open_store(c, false);
	if ((rc = ks_stats(c->ks, &st, &err)) != 0)
		die(store_code(rc), "%s", err.msg);
	if (c->json) {
		o = json_pack("{s:I,s:I,s:I,s:I,s:I}", "mapsize",
		    (json_int_t)st.mapsize, "pagesize", (json_int_t)st.pagesize,
		    "pages_used", (json_int_t)st.pages_used, "pages_max",
		    (json_int_t)st.pages_max, "replay_pages_used",
		    (json_int_t)st.replay_pages_used);
		for (i = 0; i < KS_NDB; i++)
			json_object_set_new(o, ks_db_name(i),
			    json_integer((json_int_t)st.entries[i]));
		emit_done(c, o);
		return EX_OK;
	}
	for (i = 0; i < KS_NDB; i++)
		printf("%-10s %zu entries\n", ks_db_name(i), st.entries[i]);
	printf("map        %zu of %zu pages used (%.1f%%), page %zu bytes, "
	    "MapSize %zu bytes\n", st.pages_used, st.pages_max,
	    100.0 * (double)st.pages_used / (double)st.pages_max, st.pagesize,
	    st.mapsize);
	printf("replay map %zu of %zu pages used (its own map: never "
	    "starved by the others)\n", st.replay_pages_used, st.pages_max);
	printf("readers    %u of %u slots used\n", st.readers_used,
	    st.readers_max);
	return EX_OK;
}

static int
cmd_status(struct ctl *c, int argc)
{
	struct ssmp_err err;

	if (argc != 0)
		usage();
	/* a store that cannot be opened is part of the answer */
	if (ks_open_shared(c->cfg.database, c->cfg.shared_database,
	    c->cfg.map_size, KS_RDONLY, &c->ks, &err) != 0)
		c->ks = NULL;
	return ctl_status(&c->cfg, c->ks);
}

static int
cmd_check(struct ctl *c, int argc, char **argv)
{
	const char *from = NULL, *to = NULL;

	if (argc < 1)
		usage();
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--from") == 0 && i + 1 < argc)
			from = argv[++i];
		else if (strcmp(argv[i], "--to") == 0 && i + 1 < argc)
			to = argv[++i];
		else
			usage();
	}
	return ctl_check(&c->cfg, argv[0], from, to);
}

/* --- main ------------------------------------------------------------------ */

static void
load_config(struct ctl *c, const char *path)
{
	struct ssmp_err err;

	/* without -c a missing default file means "all defaults" */
	if (path == NULL && access(SSMP_CONFIG_PATH, F_OK) != 0) {
		ssmp_config_init(&c->cfg);
		return;
	}
	if (ssmp_config_load(path ? path : SSMP_CONFIG_PATH, &c->cfg, &err))
		die(EX_CONFIG, "%s", err.msg);
}

int
main(int argc, char **argv)
{
	struct ctl	 c;
	struct ssmp_err	 err;
	struct keyproc	*kp = NULL;
	const char	*conf = NULL;
	int		 i, rc;

	memset(&c, 0, sizeof(c));
	ssmp_cli_early(argc, argv, "ssmpctl", usage_text);
	for (i = 1; i < argc && argv[i][0] == '-'; i++) {
		if (strcmp(argv[i], "-V") == 0)
			ssmp_cli_version("ssmpctl");
		else if (strcmp(argv[i], "-c") == 0 && i + 1 < argc)
			conf = argv[++i];
		else if (strcmp(argv[i], "--json") == 0)
			c.json = true;
		else
			usage();
	}
	if (i == argc)
		usage();
	/* before the configuration is read: a typo is named as one */
	if (strcmp(argv[i], "allow") != 0 && strcmp(argv[i], "keys") != 0 &&
	    strcmp(argv[i], "cache") != 0 && strcmp(argv[i], "log") != 0 &&
	    strcmp(argv[i], "stats") != 0 && strcmp(argv[i], "db") != 0 &&
	    strcmp(argv[i], "config") != 0 && strcmp(argv[i], "status") != 0 &&
	    strcmp(argv[i], "check") != 0 && strcmp(argv[i], "report") != 0 &&
	    strcmp(argv[i], "rollout") != 0)
		unknown(argv[i], 0, NULL);
	/* reads the file itself, to say where each value comes from */
	if (strcmp(argv[i], "config") == 0)
		return ctl_config(conf, argc - i - 1, argv + i + 1);
	if (ssmp_crypto_init(&err) != 0)
		die(EX_SOFTWARE, "%s", err.msg);
	load_config(&c, conf);
	/* the signer of reports: as root, before ssmpctl drops it */
	if (strcmp(argv[i], "report") == 0 && i + 1 < argc &&
	    strcmp(argv[i + 1], "send") == 0)
		kp = ctl_report_keyproc(&c.cfg, conf ? conf :
		    SSMP_CONFIG_PATH);
	/* before the keystore: UserID's files */
	ctl_become_user(&c.cfg, strcmp(argv[i], "check") == 0 ? "nobody" :
	    NULL);
	argc -= i + 1;
	argv += i + 1;
	if (strcmp(argv[-1], "allow") == 0)
		rc = cmd_allow(&c, argc, argv);
	else if (strcmp(argv[-1], "keys") == 0)
		rc = cmd_keys(&c, argc, argv);
	else if (strcmp(argv[-1], "cache") == 0)
		rc = cmd_cache(&c, argc, argv);
	else if (strcmp(argv[-1], "log") == 0)
		rc = cmd_log(&c, argc, argv);
	else if (strcmp(argv[-1], "stats") == 0)
		rc = cmd_stats(&c, argc);
	else if (strcmp(argv[-1], "status") == 0)
		rc = cmd_status(&c, argc);
	else if (strcmp(argv[-1], "check") == 0)
		rc = cmd_check(&c, argc, argv);
	else if (strcmp(argv[-1], "db") == 0)
		rc = ctl_db(&c.cfg, c.json, argc, argv);
	else if (strcmp(argv[-1], "report") == 0)
		rc = ctl_report(&c.cfg, kp, c.json, argc, argv);
	else if (strcmp(argv[-1], "rollout") == 0)
		rc = ctl_rollout(&c.cfg, c.json, argc, argv);
	else
		unknown(argv[-1], 0, NULL);
	if (kp != NULL)
		keyproc_stop(kp);
	ks_close(c.ks);
	ssmp_config_free(&c.cfg);
	return rc;
}
