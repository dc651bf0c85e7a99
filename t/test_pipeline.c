/*
 * test_pipeline.c - the outbound pipeline (client/pipeline.c) without a
 * network: discovery, receipt keys, envelopes and messages answer from
 * tables here, in place of libdeliver's (deliver_cache.c, deliver.c are
 * not linked); the delivered-log and allow-lists are a real LMDB store
 * in a temporary directory.  Batching, every route, the delivered-log
 * and auto-allow, as ssmp-milter and ssmp-send use them.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "tap.h"
#include "store.h"
#include "deliver.h"
#include "deliver_int.h"
#include "pipeline.h"

/* --- the fake network ------------------------------------------------------- */

struct fake_domain {
	const char	*name;
	enum dl_disc	 disc;
	enum ssmp_mode	 mode;
	enum dl_dns	 key;
};

static const struct fake_domain domains[] = {
	{ "enf.test", DL_SSMP, SSMP_MODE_ENFORCE, DL_DNS_OK },
	{ "tst.test", DL_SSMP, SSMP_MODE_TESTING, DL_DNS_OK },
	{ "smtp.test", DL_NOT_SSMP, 0, DL_DNS_OK },
	{ "dnsfail.test", DL_DISC_TEMP, 0, DL_DNS_OK },
	{ "revoked.test", DL_SSMP, SSMP_MODE_TESTING, DL_DNS_NONE },
	{ "revokede.test", DL_SSMP, SSMP_MODE_ENFORCE, DL_DNS_NONE },
	{ NULL, 0, 0, 0 }
};

/*
 * A recipient's answers by its local part: "ok" accepted and delivered;
 * "no" 5.7.1 at the envelope; "gone" 5.6.0 at the envelope; "busy" 4.3.0
 * at the envelope; "maybe" accepted, then no valid receipt; "big" 5.3.4
 * at the message phase.
 */
static int envelopes, messages, batch_sizes[16], nbatch;

static const struct fake_domain *
domain(const char *name)
{
	const struct fake_domain *d;

	for (d = domains; d->name != NULL; d++)
		if (strcmp(d->name, name) == 0)
			return d;
	abort();
}

void
dl_discover_many(struct dl_client *c, const char *const *dom, size_t n,
    struct dl_disc_result *r)
{
	const struct fake_domain	*d;
	size_t				 i;

	(void)c;
	for (i = 0; i < n; i++) {
		d = domain(dom[i]);
		memset(&r[i], 0, sizeof(r[i]));
		r[i].state = d->disc;
		r[i].pol.mode = d->mode;
		(void)snprintf(r[i].pol.selector, sizeof(r[i].pol.selector),
		    "s1");
		if (d->disc == DL_DISC_TEMP)
			ssmp_err_set(&r[i].why, "SERVFAIL");
	}
}

enum dl_dns
dl_key_get(struct dl_client *c, const char *dom, const char *sel,
    struct ssmp_keyrec *key, struct ssmp_err *err)
{
	(void)c;
	(void)sel;
	(void)key;
	if (domain(dom)->key != DL_DNS_OK)
		ssmp_err_set(err, "key s1._ssmpkey.%s: revoked", dom);
	return domain(dom)->key;
}

static void
answer(struct dl_rcpt *r, enum dl_state s, const char *code)
{
	r->st.verdict = s == DL_ACCEPTED ? SSMP_ACCEPT : s == DL_PERM ?
	    SSMP_REJECT : SSMP_TEMPFAIL;
	(void)snprintf(r->st.code, sizeof(r->st.code), "%s", code);
	(void)snprintf(r->st.reason, sizeof(r->st.reason), "fake %s", code);
}

static bool
local_is(const char *to, const char *local)
{
	return strncmp(to, local, strlen(local)) == 0 &&
	    to[strlen(local)] == '@';
}

void
dl_envelope(struct dl_client *c, struct dl_batch *const *b, size_t n)
{
	struct dl_rcpt	*r;
	size_t		 i;
	int		 k;

	(void)c;
	for (i = 0; i < n; i++) {
		envelopes++;
		if (nbatch < 16)
			batch_sizes[nbatch++] = b[i]->nrcpt;
		for (k = 0; k < b[i]->nrcpt; k++) {
			r = &b[i]->rcpt[k];
			if (local_is(r->to, "no"))
				r->env = DL_PERM, answer(r, DL_PERM, "5.7.1");
			else if (local_is(r->to, "gone"))
				r->env = DL_PERM, answer(r, DL_PERM, "5.6.0");
			else if (local_is(r->to, "busy"))
				r->env = DL_TEMP, answer(r, DL_TEMP, "4.3.0");
			else
				r->env = DL_ACCEPTED,
				    answer(r, DL_ACCEPTED, "2.1.5");
		}
	}
}

void
dl_message(struct dl_client *c, struct dl_batch *const *b, size_t n,
    const struct dl_body *body)
{
	struct dl_rcpt	*r;
	size_t		 i;
	int		 k;

	(void)c;
	(void)body;
	for (i = 0; i < n; i++) {
		messages++;
		b[i]->receipt_json = strdup("{\"fake\":true}");
		for (k = 0; k < b[i]->nrcpt; k++) {
			r = &b[i]->rcpt[k];
			if (r->env != DL_ACCEPTED)
				continue;
			if (local_is(r->to, "maybe")) {
				r->msg = DL_TEMP;
				r->maybe = true;
				answer(r, DL_TEMP, "4.7.5");
			} else if (local_is(r->to, "big")) {
				r->msg = DL_PERM;
				answer(r, DL_PERM, "5.3.4");
			} else {
				r->msg = DL_ACCEPTED;
				r->delivered = true;
				answer(r, DL_ACCEPTED, "2.0.0");
			}
		}
	}
}

/* --- helpers ---------------------------------------------------------------- */

static struct ks_store	*ks;
static struct ssmp_key	 key;
static struct dl_body	 body;

static void
msg_init(struct pl_msg *m, bool can_fallback, const char *msgid)
{
	memset(m, 0, sizeof(*m));
	m->ks = ks;
	m->can_fallback = can_fallback;
	m->auto_allow = true;
	m->from = "alice@a.test";
	m->selector = "s1";
	m->key = &key;
	memset(&body, 0, sizeof(body));
	body.fd = -1;
	(void)snprintf(body.msgid, sizeof(body.msgid), "%s", msgid);
	envelopes = messages = nbatch = 0;
}

/* Every step at once, as ssmp-send runs them. */
static void
run(struct pl_msg *m)
{
	pl_skip_delivered(m, body.msgid);
	pl_discover(m, true);
	pl_envelopes(m);
	pl_messages(m, &body);
	pl_dups(m);
	pl_auto_allow(m);
}

static const char *
route(const struct pl_rcpt *r)
{
	static const char *const names[] = { "pending", "ssmp", "done",
	    "smtp", "reject", "temp" };

	return names[r->route];
}

static bool
allowed(const char *rcpt)
{
	enum ks_tier	tier;
	struct ssmp_err	err;

	return ks_allow_lookup(ks, "alice@a.test", rcpt, &tier, NULL,
	    &err) == 0;
}

/* --- the cases ------------------------------------------------------------ */

static void
batching(void)
{
	struct pl_msg	m;
	char		addr[64];
	int		i;

	msg_init(&m, true, "<batch@a.test>");
	for (i = 0; i < 250; i++) {
		(void)snprintf(addr, sizeof(addr), "<u%d@enf.test>", i);
		(void)pl_rcpt_add(&m, addr);
	}
	(void)pl_rcpt_add(&m, "<u0@ENF.test>");		/* a repeat */
	(void)pl_rcpt_add(&m, "<x@tst.test>");
	run(&m);
	is_int(envelopes, 4, "251 recipients of two domains: four envelopes");
	is_int(batch_sizes[0] + batch_sizes[1] + batch_sizes[2] +
	    batch_sizes[3], 251, "...carrying each recipient once");
	ok(batch_sizes[0] <= 100 && batch_sizes[1] <= 100 &&
	    batch_sizes[2] <= 100 && batch_sizes[3] <= 100,
	    "...at most 100 per envelope (%d %d %d %d)", batch_sizes[0],
	    batch_sizes[1], batch_sizes[2], batch_sizes[3]);
	is_int(messages, 4, "one message phase per envelope");
	is_int((int)pl_count(&m, PL_DONE, PL_DONE), 252,
	    "every recipient done, the repeat with its first");
	pl_reset(&m);
}

static void
routes(void)
{
	static const struct {
		const char	*rcpt;
		bool		 fallback;
		const char	*route;
		const char	*what;
	} t[] = {
		{ "<ok@enf.test>", true, "done", "delivered" },
		{ "<c@smtp.test>", true, "smtp", "not SSMP: SMTP" },
		{ "<c@smtp.test>", false, "reject", "not SSMP, no fallback" },
		{ "<a@dnsfail.test>", true, "temp", "DNS failed for now" },
		{ "<a@revoked.test>", true, "smtp",
		    "testing, receipt key revoked: SMTP" },
		{ "<a@revokede.test>", true, "temp",
		    "enforce, receipt key revoked: tempfail" },
		{ "<no@tst.test>", true, "reject",
		    "testing, 5.7.1: no SMTP fallback" },
		{ "<gone@tst.test>", true, "smtp", "testing, 5.6.0: SMTP" },
		{ "<gone@tst.test>", false, "reject",
		    "testing, 5.6.0, no fallback: rejected" },
		{ "<busy@tst.test>", true, "smtp", "testing, 4.3.0: SMTP" },
		{ "<busy@enf.test>", true, "temp", "enforce, 4.3.0: tempfail" },
		{ "<no@enf.test>", true, "reject", "enforce, 5.7.1: rejected" },
		{ "<maybe@tst.test>", true, "temp",
		    "testing, no valid receipt: tempfail, never SMTP" },
		{ "<big@tst.test>", true, "reject",
		    "testing, 5.3.4 after the message: rejected" },
		{ "<\"q x\"@enf.test>", true, "smtp",
		    "an address SSMP cannot carry: SMTP" },
	};
	struct pl_msg	 m;
	struct pl_rcpt	*r;
	size_t		 i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		msg_init(&m, t[i].fallback, "<routes@a.test>");
		r = pl_rcpt_add(&m, t[i].rcpt);
		run(&m);
		is_str(route(r), t[i].route, "%s: %s", t[i].rcpt, t[i].what);
		pl_reset(&m);
	}
	msg_init(&m, true, "<nokey@a.test>");
	(void)pl_rcpt_add(&m, "<a@revokede.test>");
	(void)pl_rcpt_add(&m, "<a@revoked.test>");
	run(&m);
	is_int(envelopes, 0, "a revoked receipt key: nothing is sent there");
	pl_reset(&m);
}

static void
delivered_log(void)
{
	struct pl_msg	m;
	struct ks_stats	st0, st1;
	struct ssmp_err	err;

	ks_stats(ks, &st0, &err);
	msg_init(&m, true, "<log@a.test>");
	(void)pl_rcpt_add(&m, "<ok1@enf.test>");
	(void)pl_rcpt_add(&m, "<ok2@enf.test>");
	(void)pl_rcpt_add(&m, "<ok3@tst.test>");
	run(&m);
	ks_stats(ks, &st1, &err);
	is_int((int)(st1.entries[KS_DB_SENT] - st0.entries[KS_DB_SENT]), 3,
	    "three deliveries in the sent log");
	ok(st1.commits - st0.commits <= 2, "in one transaction, with one for "
	    "auto-allow (%d commits)", (int)(st1.commits - st0.commits));
	pl_reset(&m);

	msg_init(&m, true, "<log@a.test>");	/* the MTA's retry */
	(void)pl_rcpt_add(&m, "<ok1@enf.test>");
	(void)pl_rcpt_add(&m, "<ok4@enf.test>");
	run(&m);
	ok(m.r[0]->route == PL_DONE && m.r[0]->earlier,
	    "a retry: the delivered one is done earlier");
	is_int(envelopes, 1, "...and only the new one is sent");
	is_int(m.b[0]->nrcpt, 1, "...alone in its envelope");
	pl_reset(&m);
}

static void
auto_allow(void)
{
	struct pl_msg m;

	msg_init(&m, true, "<aa1@a.test>");
	(void)pl_rcpt_add(&m, "<okaa@enf.test>");
	(void)pl_rcpt_add(&m, "<c@smtp.test>");
	(void)pl_rcpt_add(&m, "<no@enf.test>");
	run(&m);
	ok(allowed("okaa@enf.test"), "auto-allow: the delivered recipient");
	ok(allowed("c@smtp.test"), "auto-allow: the recipient left to SMTP");
	ok(!allowed("no@enf.test"), "no auto-allow for a refused recipient");
	pl_reset(&m);

	msg_init(&m, true, "<aa2@a.test>");
	(void)pl_rcpt_add(&m, "<okaa2@enf.test>");
	(void)pl_rcpt_add(&m, "<busy@enf.test>");
	run(&m);
	ok(!allowed("okaa2@enf.test"),
	    "nothing auto-allowed while the message is not final");
	pl_reset(&m);
}

static void
stages(void)
{
	struct pl_msg	 m;
	struct pl_rcpt	*r;

	/* the milter at DATA: a temporary failure is asked again later */
	msg_init(&m, true, "<stages@a.test>");
	r = pl_rcpt_add(&m, "<a@dnsfail.test>");
	pl_discover(&m, false);
	ok(r->route == PL_PENDING && !r->discovered,
	    "not final: a DNS failure leaves the recipient for later");
	pl_discover(&m, true);
	is_str(route(r), "temp", "final: then it is temporary");
	like(r->why, "DNS lookup of _ssmp.dnsfail.test failed",
	    "the log says why");
	pl_reset(&m);

	/* the milter at RCPT: a refusal leaves the envelope */
	msg_init(&m, true, "<stages2@a.test>");
	(void)pl_rcpt_add(&m, "<ok@enf.test>");
	r = pl_rcpt_add(&m, "<no@enf.test>");
	pl_discover(&m, true);
	pl_envelopes(&m);
	is_str(route(r), "reject", "refused at its envelope");
	pl_rcpt_drop_last(&m);
	is_int((int)m.nr, 1, "dropped: the envelope keeps one recipient");
	pl_reset(&m);
}

int
main(void)
{
	struct ssmp_err	err;
	char		dir[] = "/tmp/test_pipeline.XXXXXX", cmd[64];

	if (mkdtemp(dir) == NULL || ks_open(dir, 0, 0, &ks, &err) != 0) {
		printf("Bail out! keystore: %s\n", err.msg);
		return 1;
	}
	batching();
	routes();
	delivered_log();
	auto_allow();
	stages();
	ks_close(ks);
	(void)snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	if (system(cmd) != 0)
		diag("could not remove %s", dir);
	printf("1..%d\n", tap_n);
	return tap_failed != 0;
}
