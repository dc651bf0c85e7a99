/*
 * send_deliver.c - the delivery steps of ssmp-send (see send_deliver.h).
 *
 * The rule the milter keeps holds here too: a recipient counts as
 * delivered only when libdeliver verified the receiver's receipt for it.
 * Everything else is a failure whose class comes from the receiver's
 * enhanced status code; transport trouble is temporary.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#include "ssmp_buf.h"
#include "ssmp_log.h"
#include "parse.h"
#include "send_core.h"
#include "send_deliver.h"

static void
set_status(struct sd_rcpt *r, int ex, const char *code, const char *what,
    const char *reason)
{
	struct ssmp_status	st;
	char			w[sizeof(r->what)];

	/* Through copies: callers pass texts of other recipients. */
	memset(&st, 0, sizeof(st));
	(void)snprintf(st.code, sizeof(st.code), "%.*s",
	    (int)sizeof(st.code) - 1, code);
	(void)snprintf(st.reason, sizeof(st.reason), "%.*s",
	    (int)sizeof(st.reason) - 1, reason);
	(void)snprintf(w, sizeof(w), "%.*s", (int)sizeof(w) - 1, what);
	r->done = true;
	r->ex = ex;
	r->st = st;
	memcpy(r->what, w, sizeof(w));
}

void
sd_rcpts(struct sd_job *j, char **argv, int n)
{
	struct ssmp_err	err;
	int		i, k;

	j->r = ssmp_xcalloc((size_t)n + 1, sizeof(*j->r));
	j->nr = n;
	for (i = 0; i < n; i++) {
		j->r[i].arg = argv[i];
		j->r[i].dup_of = -1;
		if (mp_address(argv[i], &j->r[i].addr, &err) != 0) {
			set_status(&j->r[i], EX_NOUSER, "5.1.3", "rejected",
			    err.msg);
			continue;
		}
		for (k = 0; k < i; k++)
			if (strcmp(j->r[k].addr.full, j->r[i].addr.full) == 0)
				break;
		if (k < i)
			j->r[i].dup_of = k;
	}
}

static bool
pending(const struct sd_rcpt *r)
{
	return !r->done && r->dup_of < 0;
}

/* A retry of a message delivered already: its receipt is on file. */
static void
skip_delivered(struct sd_job *j)
{
	int i;

	for (i = 0; i < j->nr; i++)
		if (pending(&j->r[i]) && sc_delivered_before(j->ks, j->from,
		    j->body->msgid, j->r[i].addr.full))
			set_status(&j->r[i], 0, "2.0.0", "delivered earlier",
			    "receipt on file");
}

static void
not_ssmp(struct sd_job *j, struct sd_rcpt *r, const struct dl_disc_result *dr)
{
	char why[SSMP_REASON_MAX + 1];

	(void)snprintf(why, sizeof(why), "%.80s does not publish SSMP%s%.80s",
	    r->addr.domain, dr->why.msg[0] ? ": " : "", dr->why.msg);
	set_status(r, j->fallback ? EX_FALLBACK : EX_NOHOST, "5.1.2",
	    j->fallback ? "fall back to SMTP" : "not SSMP", why);
}

static void
dns_temp(struct sd_rcpt *r, const struct dl_disc_result *dr)
{
	char why[SSMP_REASON_MAX + 1];

	(void)snprintf(why, sizeof(why), "DNS lookup of _ssmp.%.60s failed: "
	    "%.100s", r->addr.domain, dr->why.msg);
	set_status(r, EX_TEMPFAIL, "4.4.3", "tempfailed", why);
}

/* Discovery for every pending recipient's domain, all at once. */
static void
discover(struct sd_job *j)
{
	const char		**dom;
	struct dl_disc_result	 *dr;
	struct sd_rcpt		 *r;
	int			  n = 0, i, k;

	dom = ssmp_xcalloc((size_t)j->nr + 1, sizeof(*dom));
	dr = ssmp_xcalloc((size_t)j->nr + 1, sizeof(*dr));
	for (i = 0; i < j->nr; i++) {
		if (!pending(&j->r[i]))
			continue;
		for (k = 0; k < n && strcmp(dom[k], j->r[i].addr.domain); k++)
			;
		if (k == n)
			dom[n++] = j->r[i].addr.domain;
	}
	dl_discover_many(j->dl, dom, (size_t)n, dr);
	for (i = 0; i < j->nr; i++) {
		r = &j->r[i];
		if (!pending(r))
			continue;
		for (k = 0; strcmp(dom[k], r->addr.domain) != 0; k++)
			;
		if (dr[k].state == DL_NOT_SSMP)
			not_ssmp(j, r, &dr[k]);
		else if (dr[k].state == DL_DISC_TEMP)
			dns_temp(r, &dr[k]);
		else {
			r->pol = dr[k].pol;
			r->mode = dr[k].pol.mode;
		}
	}
	free(dr);
	free(dom);
}

/* One envelope per domain and 100 recipients. */
static size_t
batches(struct sd_job *j, struct dl_batch **out)
{
	struct sd_rcpt	*r;
	struct dl_batch	*b;
	struct ssmp_err	 err;
	size_t		 n = 0;
	int		 k;

	for (k = 0; k < j->nr; k++) {
		r = &j->r[k];
		if (!pending(r))
			continue;
		if ((b = sc_batch_for(out, n, r->addr.domain)) == NULL) {
			b = out[n++] = ssmp_xcalloc(1, sizeof(*b));
			dl_batch_init(b, r->addr.domain, &r->pol, j->from,
			    j->selector, j->key);
		}
		if (dl_batch_add(b, r->addr.full, r, &err) == 0)
			r->batch = b;
		else
			set_status(r, EX_TEMPFAIL, "4.3.0", "tempfailed",
			    err.msg);
	}
	return n;
}

/* sysexits code of a permanent refusal, from its enhanced code. */
static int
perm_exit(const char *code)
{
	if (strncmp(code, "5.1.", 4) == 0)
		return EX_NOUSER;
	if (strncmp(code, "5.7.", 4) == 0)
		return EX_NOPERM;
	return EX_UNAVAILABLE;
}

/* ssmp.7: SMTP would refuse these as well; no fallback after them. */
static bool
smtp_refuses_too(const char *code)
{
	return strcmp(code, "5.7.1") == 0 || strcmp(code, "5.1.1") == 0 ||
	    strcmp(code, "5.3.4") == 0;
}

/*
 * A failed recipient: temporary, permanent or, with -F for a testing
 * domain, fall back (ssmp.7, Mapping to SMTP).
 */
static void
failed(struct sd_job *j, struct sd_rcpt *r, enum dl_state s,
    const struct ssmp_status *st)
{
	const char *dflt = s == DL_PERM ? "5.0.0" : "4.4.3";
	const char *code = st->code[0] != '\0' ? st->code : dflt;
	const char *why = st->reason[0] ? st->reason : "no reason given";

	if (j->fallback && r->mode == SSMP_MODE_TESTING &&
	    (s != DL_PERM || !smtp_refuses_too(code)))
		set_status(r, EX_FALLBACK, code, "fall back to SMTP", why);
	else if (s == DL_PERM)
		set_status(r, perm_exit(code), code, "rejected", why);
	else
		set_status(r, EX_TEMPFAIL, code, "tempfailed", why);
}

static void
envelopes(struct sd_job *j, struct dl_batch **b, size_t n)
{
	const struct dl_rcpt	*d;
	struct sd_rcpt		*r;
	int			 i;

	dl_envelope(j->dl, b, n);
	for (i = 0; i < j->nr; i++) {
		r = &j->r[i];
		if (!pending(r))
			continue;
		d = sc_batch_rcpt(r->batch, r);
		if (d->env != DL_ACCEPTED)
			failed(j, r, d->env, &d->st);
	}
}

static void
messages(struct sd_job *j, struct dl_batch **b, size_t n)
{
	const struct dl_rcpt	*d;
	struct dl_batch		**go;
	struct sd_rcpt		*r;
	size_t			 k, m = 0;
	int			 i;

	go = ssmp_xcalloc(n + 1, sizeof(*go));
	for (k = 0; k < n; k++)
		for (i = 0; i < b[k]->nrcpt; i++)
			if (b[k]->rcpt[i].env == DL_ACCEPTED) {
				go[m++] = b[k];
				break;
			}
	if (m > 0)
		dl_message(j->dl, go, m, j->body);
	free(go);
	for (i = 0; i < j->nr; i++) {
		r = &j->r[i];
		if (!pending(r))
			continue;
		d = sc_batch_rcpt(r->batch, r);
		if (sc_receipt_failed(d)) {
			/* the receiver may have it: never by SMTP too */
			set_status(r, EX_TEMPFAIL, d->st.code, "tempfailed, "
			    "may have been delivered", d->st.reason);
			continue;
		}
		if (!d->delivered) {
			failed(j, r, d->msg == DL_PERM ? DL_PERM : DL_TEMP,
			    &d->st);
			continue;
		}
		set_status(r, 0, d->st.code, d->duplicate ? "delivered "
		    "(duplicate, original receipt)" : "delivered",
		    d->st.reason);
		sc_record_delivery(j->ks, j->from, j->body->msgid, r->addr.full,
		    d->st.reason, r->batch->receipt_json, j->id);
	}
}

/* Duplicated arguments share the first one's outcome. */
static void
copy_dups(struct sd_job *j)
{
	int i;

	for (i = 0; i < j->nr; i++)
		if (!j->r[i].done && j->r[i].dup_of >= 0) {
			const struct sd_rcpt *o = &j->r[j->r[i].dup_of];

			set_status(&j->r[i], o->ex, o->st.code, o->what,
			    o->st.reason);
		}
}

static void
log_all(const struct sd_job *j)
{
	const struct sd_rcpt	*r;
	int			 i;

	for (i = 0; i < j->nr; i++) {
		r = &j->r[i];
		ssmp_log(r->ex == 0 ? LOG_INFO : LOG_NOTICE, j->id,
		    "from=<%s>, to=<%s>, msgid=%s, ssmp=%s (%s %s)", j->from,
		    r->addr.full[0] ? r->addr.full : r->arg, j->body->msgid,
		    r->what, r->st.code, r->st.reason);
	}
}

void
sd_run(struct sd_job *j)
{
	struct dl_batch	**b;
	size_t		  n, k;
	int		  i;

	skip_delivered(j);
	discover(j);
	b = ssmp_xcalloc((size_t)j->nr + 1, sizeof(*b));
	if ((n = batches(j, b)) > 0) {
		envelopes(j, b, n);
		messages(j, b, n);
	}
	copy_dups(j);
	log_all(j);
	if (j->auto_allow && sd_exit(j) == 0)
		for (i = 0; i < j->nr; i++)
			if (j->r[i].addr.full[0] != '\0')
				sc_auto_allow(j->ks, j->from,
				    j->r[i].addr.full, j->id);
	for (k = 0; k < n; k++) {
		dl_batch_clear(b[k]);
		free(b[k]);
	}
	free(b);
}

int
sd_exit(const struct sd_job *j)
{
	/* Worst first: anything temporary retries the whole batch. */
	static const int order[] = { EX_TEMPFAIL, EX_FALLBACK, EX_NOPERM,
	    EX_NOUSER, EX_UNAVAILABLE, EX_NOHOST };
	size_t	k;
	int	i;

	for (k = 0; k < sizeof(order) / sizeof(order[0]); k++)
		for (i = 0; i < j->nr; i++)
			if (j->r[i].ex == order[k])
				return order[k];
	return 0;
}

void
sd_report(const struct sd_job *j, FILE *out)
{
	const struct sd_rcpt	*r;
	int			 i;

	for (i = 0; i < j->nr; i++) {
		r = &j->r[i];
		fprintf(out, "%s: %s %s: %s\n", r->arg, r->st.code, r->what,
		    r->st.reason);
	}
}
