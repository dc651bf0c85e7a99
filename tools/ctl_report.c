/*
 * ctl_report.c - ssmpctl report send|list|show|summary and ssmpctl
 * rollout (see ctl_report.h, ssmpctl(8)).
 *
 * What is shown of a received report was checked twice: its signature
 * (ssmpd, before it was stored) and every member (ssmp_report_decode,
 * again here), so a stranger's report prints as counts, names, codes
 * and reason texts of printable ASCII only.
 */
#include <jansson.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <time.h>

#include "ssmp_crypto.h"
#include "ctl_report.h"
#include "keyproc.h"
#include "rsend.h"
#include "send_core.h"
#include "store.h"

#define ROLLOUT_MIN	10	/* recipients a sender must report */
#define AGG_MAX		1000	/* (reporter, domain) pairs shown */

struct opts {
	const char	*domain;	/* --domain: from or about it */
	int64_t		 since;		/* --since: reports of days from */
	long		 min;		/* --min (rollout) */
	bool		 json;
};

/* What the reports of one sender about one of our domains add up to. */
struct agg {
	char		reporter[SSMP_DOMAIN_MAX + 1];
	char		domain[SSMP_DOMAIN_MAX + 1];
	enum ssmp_mode	mode;		/* the latest policy reported */
	size_t		nreports;
	uint64_t	ok, fail, fallback, unexplained, received;
	uint64_t	type[SSMP_RT_COUNT];
	uint64_t	refused_perm;	/* refused, class 5: explained */
};

struct walk {
	const struct opts	*o;
	struct ssmp_report	*r;	/* decoded, one at a time */
	json_t			*out;	/* --json */
	struct agg		*a;
	size_t			 na;
	int			 cmd;	/* LIST, SHOW, SUMMARY */
	size_t			 n;
};

enum { LIST, SHOW, SUMMARY, ROLLOUT };

static int
fail(int code, const char *what, const char *msg)
{
	fprintf(stderr, "ssmpctl: %s: %s\n", what, msg);
	return code;
}

static int
store_fail(int rc, const char *msg)
{
	return fail(rc == KS_ETEMP ? EX_TEMPFAIL : EX_DATAERR, "report", msg);
}

static void
day_text(int64_t t, char out[11])
{
	char dt[21];

	ssmp_report_datetime(t, dt);
	(void)snprintf(out, 11, "%.10s", dt);
}

/* "YYYY-MM-DD" or "Nd" (N days before today); -1 if neither. */
static int
since_parse(const char *s, int64_t *out)
{
	char	dt[32], *e;
	long	n;

	if (strlen(s) == 10) {
		(void)snprintf(dt, sizeof(dt), "%sT00:00:00Z", s);
		return ssmp_report_datetime_parse(dt, out);
	}
	n = strtol(s, &e, 10);
	if (e == s || strcmp(e, "d") != 0 || n < 0 || n > 3650)
		return -1;
	*out = ks_day_of((int64_t)time(NULL)) - (int64_t)n * 86400;
	return 0;
}

static int
opts_parse(int argc, char **argv, bool rollout, struct opts *o)
{
	char	*e;
	int	 i;

	o->domain = NULL;
	o->since = ks_day_of((int64_t)time(NULL)) - 7 * 86400;
	o->min = ROLLOUT_MIN;
	for (i = 0; i < argc; i++) {
		if (strcmp(argv[i], "--json") == 0)
			o->json = true;
		else if (strcmp(argv[i], "--domain") == 0 && i + 1 < argc)
			o->domain = argv[++i];
		else if (strcmp(argv[i], "--since") == 0 && i + 1 < argc) {
			if (since_parse(argv[++i], &o->since) != 0)
				return fail(EX_USAGE, "--since", "want "
				    "YYYY-MM-DD or Nd (days ago)");
		} else if (rollout && strcmp(argv[i], "--min") == 0 &&
		    i + 1 < argc) {
			o->min = strtol(argv[++i], &e, 10);
			if (*e != '\0' || o->min < 1 || o->min > 1000000)
				return fail(EX_USAGE, "--min", "want 1.."
				    "1000000");
		} else
			return fail(EX_USAGE, argv[i], "unknown option");
	}
	return 0;
}

/* --- send ----------------------------------------------------------------- */

static int
sign_report(void *arg, struct ssmp_rsig *s, const char *hash,
    struct ssmp_err *err)
{
	return keyproc_sign_report(arg, s, hash, err);
}

struct keyproc *
ctl_report_keyproc(const struct ssmp_config *cfg, const char *conf)
{
	struct keyproc		*kp;
	struct ks_keytable	*t;
	struct ssmp_err		 err;

	/* as root, it reads the key files and becomes UserID itself */
	if (keyproc_start(cfg, conf, cfg->user_id, KEYPROC_SIGN, &kp, &t,
	    &err) != 0) {
		fprintf(stderr, "ssmpctl: report send: %s\n", err.msg);
		return NULL;
	}
	ks_keytable_release(t);
	return kp;
}

static int
report_send(const struct ssmp_config *cfg, struct keyproc *kp,
    const struct opts *o)
{
	struct ks_store		*ks;
	struct dl_client	*dl;
	struct rs_result	 res;
	struct ssmp_err		 err;
	int			 rc;

	if (kp == NULL)
		return EX_CONFIG;	/* said why */
	if (cfg->database == NULL)
		return fail(EX_CONFIG, "report send", "no Database");
	if (sc_client_open(cfg, &ks, &dl, &err) != 0)
		return fail(EX_TEMPFAIL, "report send", err.msg);
	rc = rs_send_due(dl, ks, (int64_t)time(NULL), o->domain, sign_report,
	    kp, &res, &err);
	sc_client_close(ks, dl);
	if (rc != 0)
		return store_fail(rc, err.msg);
	if (o->json)
		printf("{\"sent\":%zu,\"refused\":%zu,\"later\":%zu,"
		    "\"skipped\":%zu}\n", res.sent, res.refused, res.later,
		    res.skipped);
	else
		printf("reports: %zu sent, %zu refused, %zu to try again, "
		    "%zu without an https: rua=\n", res.sent, res.refused,
		    res.later, res.skipped);
	return res.later > 0 ? EX_TEMPFAIL : EX_OK;
}

/* --- reading the inbox ---------------------------------------------------- */

static struct agg *
agg_of(struct walk *w, const char *reporter, const char *domain)
{
	struct agg	*a;
	size_t		 i;

	for (i = 0; i < w->na; i++)
		if (strcmp(w->a[i].reporter, reporter) == 0 &&
		    strcmp(w->a[i].domain, domain) == 0)
			return &w->a[i];
	if (w->na == AGG_MAX)
		return NULL;
	w->a = ssmp_xrealloc(w->a, sizeof(*w->a) * (w->na + 1));
	a = &w->a[w->na++];
	memset(a, 0, sizeof(*a));
	(void)snprintf(a->reporter, sizeof(a->reporter), "%s", reporter);
	(void)snprintf(a->domain, sizeof(a->domain), "%s", domain);
	return a;
}

/*
 * A failure enforce would not change: the receiver refused for good
 * (5.x.x: not allowed, no such user).  Everything else would defer
 * the mail under m=enforce instead of letting it go on by SMTP.
 */
static bool
explained(const struct ssmp_rdetail *d)
{
	return d->type == SSMP_RT_REFUSED && d->code[0] == '5';
}

static void
add_up(struct walk *w, const struct ssmp_report *r)
{
	const struct ssmp_rpolicy	*p;
	struct agg			*a;
	int				 i, k;

	if ((a = agg_of(w, r->reporter, r->domain)) == NULL)
		return;
	a->nreports++;
	for (i = 0; i < r->npolicy; i++) {
		p = &r->policy[i];
		if (p->found)
			a->mode = p->mode;
		a->ok += p->ok;
		a->fail += p->fail;
		a->fallback += p->fallback;
		for (k = 0; k < p->ndetail; k++) {
			a->type[p->detail[k].type] += p->detail[k].count;
			if (explained(&p->detail[k]))
				a->refused_perm += p->detail[k].count;
			else
				a->unexplained += p->detail[k].count;
		}
	}
}

static void
list_line(struct walk *w, const struct ks_inbox *in,
    const struct ssmp_report *r)
{
	uint64_t	ok = 0, nfail = 0, fb = 0;
	char		got[11], day[11];
	int		i;

	for (i = 0; i < r->npolicy; i++) {
		ok += r->policy[i].ok;
		nfail += r->policy[i].fail;
		fb += r->policy[i].fallback;
	}
	if (w->out != NULL) {
		json_array_append_new(w->out, json_pack("{s:s,s:s,s:s,s:I,s:I,"
		    "s:I,s:s,s:I,s:I,s:I}", "reporter", r->reporter, "id",
		    r->id, "selector", in->selector, "received",
		    (json_int_t)in->received, "start", (json_int_t)r->start,
		    "end", (json_int_t)r->end, "domain", r->domain, "ssmp",
		    (json_int_t)ok, "failed", (json_int_t)nfail, "smtp",
		    (json_int_t)fb));
		return;
	}
	if (w->n == 0)
		printf("%-10s  %-24s  %-10s  %-20s  %6s  %6s  %6s\n", "DAY",
		    "FROM", "RECEIVED", "ABOUT", "SSMP", "FAILED", "SMTP");
	day_text(r->start, day);
	day_text(in->received, got);
	printf("%-10s  %-24s  %-10s  %-20s  %6llu  %6llu  %6llu\n", day,
	    r->reporter, got, r->domain, (unsigned long long)ok,
	    (unsigned long long)nfail, (unsigned long long)fb);
}

static void
show_one(struct walk *w, const struct ks_inbox *in,
    const struct ssmp_report *r)
{
	const struct ssmp_rpolicy	*p;
	const struct ssmp_rdetail	*d;
	json_error_t			 je;
	char				 day[11];
	int				 i, k;

	if (w->out != NULL) {
		json_array_append_new(w->out, json_pack("{s:s,s:I,s:o}",
		    "selector", in->selector, "received",
		    (json_int_t)in->received, "report", json_loadb(in->json,
		    in->len, 0, &je)));
		return;
	}
	day_text(r->start, day);
	printf("%sreport %s: from %s (key %s), %s, about %s\n", w->n ? "\n" :
	    "", r->id, r->reporter, in->selector, day, r->domain);
	for (i = 0; i < r->npolicy; i++) {
		p = &r->policy[i];
		if (p->found)
			printf("  policy: %s\n", p->text);
		else
			printf("  no policy found\n");
		printf("    delivered by SSMP %llu, failed %llu (of them %llu "
		    "went on by SMTP)\n", (unsigned long long)p->ok,
		    (unsigned long long)p->fail,
		    (unsigned long long)p->fallback);
		for (k = 0; k < p->ndetail; k++) {
			d = &p->detail[k];
			printf("    %6llu  %-26s %-6s %s%s%s\n",
			    (unsigned long long)d->count,
			    ssmp_rtype_name(d->type), d->code, d->host,
			    d->host[0] && d->sample[0] ? ": " : "", d->sample);
		}
	}
}

static int
each_report(const struct ks_inbox *in, void *arg)
{
	struct walk	*w = arg;
	struct ssmp_err	 err;

	if (ssmp_report_decode(in->json, in->len, w->r, &err) != 0) {
		fprintf(stderr, "ssmpctl: report %s of %s: %s\n", in->id,
		    in->reporter, err.msg);
		return 0;
	}
	if (w->r->start < w->o->since || (w->o->domain != NULL &&
	    strcasecmp(w->o->domain, w->r->reporter) != 0 &&
	    strcasecmp(w->o->domain, w->r->domain) != 0))
		return 0;
	if (w->cmd == LIST)
		list_line(w, in, w->r);
	else if (w->cmd == SHOW)
		show_one(w, in, w->r);
	else
		add_up(w, w->r);
	w->n++;
	return 0;
}

static int
walk_inbox(const struct ssmp_config *cfg, struct walk *w, struct ks_store **ks)
{
	struct ssmp_err	err;
	int		rc;

	if (cfg->database == NULL)
		return fail(EX_CONFIG, "report", "no Database");
	if ((rc = ks_open_shared(cfg->database, cfg->shared_database,
	    cfg->map_size, KS_RDONLY, ks, &err)) != 0)
		return store_fail(rc, err.msg);
	w->r = ssmp_xcalloc(1, sizeof(*w->r));
	rc = ks_inbox_iter(*ks, NULL, 0, each_report, w, &err);
	free(w->r);
	if (rc != 0)
		return store_fail(rc, err.msg);
	return 0;
}

/* --- summary -------------------------------------------------------------- */

static void
summary_types(const struct walk *w)
{
	const char	*from;
	uint64_t	 n;
	size_t		 i, senders, shown = 0;
	int		 t;

	printf("failures:");
	for (t = 1; t < SSMP_RT_COUNT; t++) {
		n = 0;
		senders = 0;
		from = NULL;
		for (i = 0; i < w->na; i++)
			if (w->a[i].type[t] > 0) {
				n += w->a[i].type[t];
				senders++;
				from = w->a[i].reporter;
			}
		if (n == 0)
			continue;
		printf("%s %llu %s (from %s%s)", shown++ ? "," : "",
		    (unsigned long long)n, ssmp_rtype_text(t), from,
		    senders > 1 ? " and others" : "");
	}
	printf("%s\n", shown ? "" : " none");
}

static int
summary(const struct walk *w, const struct opts *o)
{
	uint64_t	ok = 0, nfail = 0, fb = 0;
	size_t		i, senders = 0;
	char		day[11];

	for (i = 0; i < w->na; i++) {
		ok += w->a[i].ok;
		nfail += w->a[i].fail;
		fb += w->a[i].fallback;
		senders += i == 0 || strcmp(w->a[i].reporter,
		    w->a[i - 1].reporter) != 0;
	}
	day_text(o->since, day);
	if (o->json) {
		printf("{\"since\":\"%s\",\"reports\":%zu,\"senders\":%zu,"
		    "\"ssmp\":%llu,\"failed\":%llu,\"smtp\":%llu}\n", day,
		    w->n, senders, (unsigned long long)ok,
		    (unsigned long long)nfail, (unsigned long long)fb);
		return EX_OK;
	}
	printf("since %s: %zu reports from %zu sending domain%s\n", day,
	    w->n, senders, senders == 1 ? "" : "s");
	if (ok + nfail == 0) {
		printf("no deliveries reported\n");
		return EX_OK;
	}
	printf("recipients: %llu, %.1f%% delivered by SSMP; %llu failed, "
	    "%llu of them went on by SMTP\n", (unsigned long long)(ok +
	    nfail), 100.0 * (double)ok / (double)(ok + nfail),
	    (unsigned long long)nfail, (unsigned long long)fb);
	summary_types(w);
	return EX_OK;
}

/* --- rollout -------------------------------------------------------------- */

/* The local side of the evidence: what ssmpd here received from whom. */
static int
count_received(const struct ks_delivered *d, void *arg)
{
	struct walk	*w = arg;
	const char	*at = strrchr(d->from, '@');
	size_t		 i;

	if (at == NULL || d->outcome != KS_OUT_DELIVERED)
		return 0;
	for (i = 0; i < w->na; i++)
		if (strcmp(w->a[i].reporter, at + 1) == 0 &&
		    strrchr(d->rcpt, '@') != NULL &&
		    strcmp(w->a[i].domain, strrchr(d->rcpt, '@') + 1) == 0)
			w->a[i].received++;
	return 0;
}

static void
rollout_line(const struct agg *a, const struct opts *o)
{
	int t;

	printf("  %s: %llu recipients, %llu delivered by SSMP, %llu failed",
	    a->reporter, (unsigned long long)(a->ok + a->fail),
	    (unsigned long long)a->ok, (unsigned long long)a->fail);
	for (t = 1; t < SSMP_RT_COUNT; t++)
		if (a->type[t] > 0)
			printf(", %llu %s", (unsigned long long)a->type[t],
			    ssmp_rtype_name(t));
	printf("; ssmpd here received %llu from it", (unsigned long long)
	    a->received);
	if (a->ok + a->fail < (uint64_t)o->min)
		printf(" (fewer than %ld: not judged)", o->min);
	else if (a->unexplained > 0)
		printf(" (%llu would be deferred under m=enforce)",
		    (unsigned long long)a->unexplained);
	printf("\n");
}

static json_t *
agg_json(const struct agg *a, const struct opts *o)
{
	json_t	*types = json_object();
	int	 t;

	for (t = 1; t < SSMP_RT_COUNT; t++)
		if (a->type[t] > 0)
			json_object_set_new(types, ssmp_rtype_name(t),
			    json_integer((json_int_t)a->type[t]));
	return json_pack("{s:s,s:I,s:I,s:I,s:I,s:I,s:I,s:b,s:o}", "reporter",
	    a->reporter, "recipients", (json_int_t)(a->ok + a->fail), "ssmp",
	    (json_int_t)a->ok, "failed", (json_int_t)a->fail, "smtp",
	    (json_int_t)a->fallback, "deferred", (json_int_t)a->unexplained,
	    "received", (json_int_t)a->received, "judged", a->ok + a->fail >=
	    (uint64_t)o->min, "types", types);
}

/*
 * One of our domains: 0 safe, 1 not (or no evidence); the evidence and
 * the verdict as text, or appended to out (--json).
 */
static int
rollout_domain(const struct walk *w, const char *domain,
    const struct opts *o, json_t *out)
{
	json_t	*senders = json_array();
	char	 why[160];
	size_t	 i, judged = 0, bad = 0;

	if (out == NULL)
		printf("%s:\n", domain);
	for (i = 0; i < w->na; i++) {
		if (strcmp(w->a[i].domain, domain) != 0)
			continue;
		if (out == NULL)
			rollout_line(&w->a[i], o);
		json_array_append_new(senders, agg_json(&w->a[i], o));
		if (w->a[i].ok + w->a[i].fail < (uint64_t)o->min)
			continue;
		judged++;
		bad += w->a[i].unexplained > 0;
	}
	if (judged == 0)
		(void)snprintf(why, sizeof(why), "not yet: no sending domain "
		    "reported %ld or more recipients", o->min);
	else if (bad > 0)
		(void)snprintf(why, sizeof(why), "not yet: %zu sending "
		    "domain%s would have mail deferred under m=enforce", bad,
		    bad == 1 ? "" : "s");
	else
		(void)snprintf(why, sizeof(why), "safe to move to m=enforce: "
		    "%zu sending domain%s with %ld or more recipients, no "
		    "failure but refusals of class 5", judged, judged == 1 ?
		    "" : "s", o->min);
	if (out == NULL) {
		printf("  %s\n", why);
		json_decref(senders);
	} else
		json_array_append_new(out, json_pack("{s:s,s:b,s:s,s:o}",
		    "domain", domain, "safe", judged > 0 && bad == 0,
		    "verdict", why, "senders", senders));
	return judged > 0 && bad == 0 ? 0 : 1;
}

static int
rollout(const struct walk *w, struct ks_store *ks, const struct opts *o)
{
	struct ssmp_err	 err;
	json_t		*out = o->json ? json_array() : NULL;
	size_t		 i, k;
	int		 rc = w->na == 0;

	if (ks_delivered_iter(ks, KS_RECEIVED, NULL, o->since,
	    count_received, (void *)w, &err) != 0)
		fprintf(stderr, "ssmpctl: delivered-log: %s\n", err.msg);
	if (w->na == 0 && out == NULL)
		printf("no reports received%s%s: nothing to judge yet\n",
		    o->domain ? " about " : "", o->domain ? o->domain : "");
	for (i = 0; i < w->na; i++) {
		for (k = 0; k < i; k++)
			if (strcmp(w->a[k].domain, w->a[i].domain) == 0)
				break;
		if (k == i)
			rc |= rollout_domain(w, w->a[i].domain, o, out);
	}
	if (out != NULL) {
		(void)json_dumpf(out, stdout, JSON_COMPACT);
		printf("\n");
		json_decref(out);
	}
	return rc;
}

/* --- dispatch ------------------------------------------------------------- */

int
ctl_report(const struct ssmp_config *cfg, struct keyproc *kp, bool json,
    int argc, char **argv)
{
	static const char *const subs[] = { "list", "show", "summary" };
	struct opts	 o = { .json = json };
	struct walk	 w;
	struct ks_store	*ks = NULL;
	int		 i, rc;

	if (argc < 1)
		return fail(EX_USAGE, "report", "send|list|show|summary");
	if ((rc = opts_parse(argc - 1, argv + 1, false, &o)) != 0)
		return rc;
	if (strcmp(argv[0], "send") == 0)
		return report_send(cfg, kp, &o);
	for (i = 0; i < 3 && strcmp(argv[0], subs[i]) != 0; i++)
		;
	if (i == 3)
		return fail(EX_USAGE, argv[0], "not a report command "
		    "(send|list|show|summary)");
	memset(&w, 0, sizeof(w));
	w.o = &o;
	w.cmd = i;
	w.out = o.json && i != SUMMARY ? json_array() : NULL;
	if ((rc = walk_inbox(cfg, &w, &ks)) == 0) {
		if (i == SUMMARY)
			rc = summary(&w, &o);
		else if (w.out != NULL)
			rc = json_dumpf(w.out, stdout, JSON_COMPACT) == 0 &&
			    printf("\n") > 0 ? EX_OK : EX_IOERR;
		else if (w.n == 0)
			printf("no reports\n");
	}
	json_decref(w.out);
	free(w.a);
	ks_close(ks);
	return rc;
}

int
ctl_rollout(const struct ssmp_config *cfg, bool json, int argc, char **argv)
{
	struct opts	 o = { .json = json };
	struct walk	 w;
	struct ks_store	*ks = NULL;
	int		 rc;

	if ((rc = opts_parse(argc, argv, true, &o)) != 0)
		return rc;
	memset(&w, 0, sizeof(w));
	w.o = &o;
	w.cmd = ROLLOUT;
	if ((rc = walk_inbox(cfg, &w, &ks)) == 0)
		rc = rollout(&w, ks, &o);
	free(w.a);
	ks_close(ks);
	return rc;
}
