/*
 * test_ks_pg.c - two hosts on one PostgreSQL database (SSMP_TEST_SHARED,
 * set by t/store-pg.t): what one host writes binds the other, and races
 * between hosts have exactly one winner.  Each "host" is a handle of its
 * own with its own LMDB directory, as two machines would have.
 */
#include "config.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "tap.h"
#include "ssmp_err.h"
#include "store.h"

static char base[256];
static const char *shared;

static struct ks_store *
host(const char *name)
{
	struct ks_store	*ks;
	struct ssmp_err	 err = { "" };
	char		 dir[300];

	snprintf(dir, sizeof(dir), "%s/%s", base, name);
	if (ks_open_shared(dir, shared, 0, 0, &ks, &err) != 0) {
		printf("Bail out! open %s: %s\n", name, err.msg);
		exit(1);
	}
	return ks;
}

static void
claim_fill(struct ks_delivered *d, const char *msgid, const char *rcpt,
    const char *hostname, const char *reqid)
{
	memset(d, 0, sizeof(*d));
	d->role = KS_RECEIVED;
	snprintf(d->from, sizeof(d->from), "alice@a.test");
	snprintf(d->msgid, sizeof(d->msgid), "%s", msgid);
	snprintf(d->rcpt, sizeof(d->rcpt), "%s", rcpt);
	d->outcome = KS_OUT_DELIVERING;
	d->time = time(NULL);
	snprintf(d->info, sizeof(d->info), "delivering");
	snprintf(d->owner.host, sizeof(d->owner.host), "%s", hostname);
	d->owner.pid = 1;
	snprintf(d->owner.reqid, sizeof(d->owner.reqid), "%s", reqid);
}

/* ssmpd's rule (bridge/dlog.c): only a free key may be claimed. */
static int
free_only(const struct ks_delivered *now, const struct ks_delivered *d,
    void *arg)
{
	(void)d;
	(void)arg;
	if (now == NULL || (now->outcome != KS_OUT_DELIVERED &&
	    now->outcome != KS_OUT_DELIVERING))
		return KS_PUT;
	return KS_ABORT;
}

static void
test_shared(struct ks_store *h1, struct ks_store *h2)
{
	struct ssmp_err		err = { "" };
	struct ks_delivered	d[2], got;
	struct ks_consent	c = { .local = "bob@b.test",
	    .remote = "carol@c.test", .type = "share", .state = "pending" };
	enum ks_tier		tier;
	int64_t			now = time(NULL);

	is_int(ks_replay_add(h1, "a.test", "N1", now + 300, now, &err), 0,
	    "host 1: new nonce");
	is_int(ks_replay_add(h2, "a.test", "N1", now + 300, now, &err), 1,
	    "host 2: the same nonce is a replay");
	is_int(ks_allow_put(h1, "bob@b.test", "alice@a.test", KS_TIER_TRUSTED,
	    KS_ORIGIN_HANDSHAKE, &err), 0, "host 1: allow-list entry");
	is_int(ks_allow_lookup(h2, "bob@b.test", "alice@a.test", &tier, NULL,
	    &err), 0, "host 2 finds it at once");
	is_int(tier, KS_TIER_TRUSTED, "...with its tier");
	c.created = now;
	c.expires = now + 3600;
	is_int(ks_consent_put(h1, &c, &err), 0, "host 1: consent request");
	memset(&c, 0, sizeof(c));
	is_int(ks_consent_get(h2, "bob@b.test", "carol@c.test", &c, &err), 0,
	    "host 2 finds it");
	is_str(c.state, "pending", "...with its state");

	claim_fill(&d[0], "<m1@a.test>", "bob@b.test", "mx1", "R1");
	claim_fill(&d[1], "<m1@a.test>", "dave@b.test", "mx1", "R1");
	is_int(ks_delivered_put_if(h1, d, 2, free_only, NULL, &err), 0,
	    "host 1 claims two recipients");
	claim_fill(&d[0], "<m1@a.test>", "eve@b.test", "mx2", "R1");
	claim_fill(&d[1], "<m1@a.test>", "dave@b.test", "mx2", "R1");
	is_int(ks_delivered_put_if(h2, d, 2, free_only, NULL, &err), 1,
	    "host 2 cannot claim one of them: the whole claim fails");
	is_int(ks_delivered_get(h1, KS_RECEIVED, "alice@a.test",
	    "<m1@a.test>", "eve@b.test", &got, &err), 1,
	    "...and wrote nothing of it");
	is_int(ks_delivered_get(h2, KS_RECEIVED, "alice@a.test",
	    "<m1@a.test>", "dave@b.test", &got, &err), 0,
	    "host 2 reads host 1's claim");
	is_int(got.outcome, KS_OUT_DELIVERING, "...delivering");
	is_str(got.owner.host, "mx1", "...owned by host 1");
	ks_delivered_clear(&got);
}

/* Threads of both hosts race for the same keys. */
struct racer {
	struct ks_store	*ks;
	const char	*host;
	int		 id, won, lost, failed;
};

#define KEYS	40
#define RACERS	6

static void *
race(void *arg)
{
	struct racer		*r = arg;
	struct ks_delivered	 d;
	struct ssmp_err		 err;
	char			 msgid[32], nonce[16], req[16];
	int			 k, rc;

	snprintf(req, sizeof(req), "R%d", r->id);
	for (k = 0; k < KEYS; k++) {
		snprintf(msgid, sizeof(msgid), "<race%d@a.test>", k);
		claim_fill(&d, msgid, "bob@b.test", r->host, req);
		rc = ks_delivered_put_if(r->ks, &d, 1, free_only, NULL, &err);
		snprintf(nonce, sizeof(nonce), "race%d", k);
		if (ks_replay_add(r->ks, "a.test", nonce, time(NULL) + 300,
		    time(NULL), &err) < 0)
			r->failed++;
		if (rc == 0)
			r->won++;
		else if (rc == 1)
			r->lost++;
		else {
			r->failed++;
			diag("racer %d: %s", r->id, err.msg);
		}
	}
	return NULL;
}

static void
test_races(struct ks_store *h1, struct ks_store *h2)
{
	pthread_t	th[RACERS];
	struct racer	r[RACERS];
	int		i, won = 0, lost = 0, failed = 0;

	for (i = 0; i < RACERS; i++) {
		r[i] = (struct racer){ i % 2 ? h2 : h1, i % 2 ? "mx2" : "mx1",
		    i, 0, 0, 0 };
		pthread_create(&th[i], NULL, race, &r[i]);
	}
	for (i = 0; i < RACERS; i++) {
		pthread_join(th[i], NULL);
		won += r[i].won;
		lost += r[i].lost;
		failed += r[i].failed;
	}
	is_int(failed, 0, "no racer failed");
	is_int(won, KEYS, "each key claimed exactly once across both hosts");
	is_int(lost, KEYS * (RACERS - 1), "every other claim refused");
}

/*
 * Two submission hosts count into one report: threads of both add
 * deliveries to b.test and c.test (two records per batch, in either
 * order), and the one record of each counts every one of them.
 */
#define COUNTS	30

static void *
count(void *arg)
{
	struct racer	*r = arg;
	struct ks_tally	 t[2];
	struct ssmp_err	 err;
	int		 k;

	memset(t, 0, sizeof(t));
	t[0].day = t[1].day = 1795305600 + 3600 * r->id;
	t[0].reporter = t[1].reporter = "a.test";
	t[0].domain = r->id % 2 ? "b.test" : "c.test";
	t[1].domain = r->id % 2 ? "c.test" : "b.test";
	t[0].ok = t[1].ok = true;
	for (k = 0; k < COUNTS; k++)
		if (ks_tally_add(r->ks, t, 2, NULL, &err) != 0) {
			r->failed++;
			diag("counter %d: %s", r->id, err.msg);
		}
	return NULL;
}

static int
sum_ok(const struct ks_tally_rec *t, void *arg)
{
	((uint64_t *)arg)[strcmp(t->r.domain, "b.test") == 0] +=
	    t->r.policy[0].ok;
	((uint64_t *)arg)[2]++;
	return 0;
}

static void
test_tally_race(struct ks_store *h1, struct ks_store *h2)
{
	pthread_t	th[RACERS];
	struct racer	r[RACERS];
	struct ssmp_err	err;
	uint64_t	sum[3] = { 0, 0, 0 };
	int		i, failed = 0;

	for (i = 0; i < RACERS; i++) {
		r[i] = (struct racer){ i % 2 ? h2 : h1, NULL, i, 0, 0, 0 };
		pthread_create(&th[i], NULL, count, &r[i]);
	}
	for (i = 0; i < RACERS; i++) {
		pthread_join(th[i], NULL);
		failed += r[i].failed;
	}
	is_int(failed, 0, "tally: no count failed on either host");
	is_int(ks_tally_iter(h2, 1795305600, 1795305600, sum_ok, sum, &err),
	    0, "tally: read from one host");
	is_int(sum[2], 2, "tally: one record per receiving domain for both "
	    "hosts");
	ok(sum[1] == RACERS * COUNTS && sum[0] == RACERS * COUNTS,
	    "tally: each counts all %d deliveries of both hosts (%llu, %llu)",
	    RACERS * COUNTS, (unsigned long long)sum[1],
	    (unsigned long long)sum[0]);
}

/* A settle: the claim's owner (host mx1, request arg) writes over it. */
static int
mine(const struct ks_delivered *now, const struct ks_delivered *d,
    void *arg)
{
	(void)d;
	if (now == NULL)
		return KS_PUT;
	if (now->outcome == KS_OUT_DELIVERING &&
	    strcmp(now->owner.host, "mx1") == 0 &&
	    strcmp(now->owner.reqid, (const char *)arg) == 0)
		return KS_PUT;
	return KS_SKIP;
}

static void
test_settle(struct ks_store *h1, struct ks_store *h2)
{
	struct ssmp_err		err = { "" };
	struct ks_delivered	d, got;

	claim_fill(&d, "<s1@a.test>", "bob@b.test", "mx1", "R7");
	is_int(ks_delivered_put_if(h1, &d, 1, free_only, NULL, &err), 0,
	    "claimed");
	d.outcome = KS_OUT_DELIVERED;
	snprintf(d.info, sizeof(d.info), "queued as X1");
	d.receipt = "{\"r\":1}";
	is_int(ks_delivered_put_if(h2, &d, 1, mine, "R8", &err), 0,
	    "another request's settle is skipped");
	is_int(ks_delivered_get(h2, KS_RECEIVED, "alice@a.test",
	    "<s1@a.test>", "bob@b.test", &got, &err), 0, "read");
	is_int(got.outcome, KS_OUT_DELIVERING, "...still delivering");
	ks_delivered_clear(&got);
	is_int(ks_delivered_put_if(h1, &d, 1, mine, "R7", &err), 0,
	    "the owner settles it");
	is_int(ks_delivered_get(h2, KS_RECEIVED, "alice@a.test",
	    "<s1@a.test>", "bob@b.test", &got, &err), 0, "host 2 reads it");
	is_int(got.outcome, KS_OUT_DELIVERED, "...delivered");
	is_str(got.receipt ? got.receipt : "", "{\"r\":1}",
	    "...with the receipt");
	ks_delivered_clear(&got);
}

static void
test_unreachable(void)
{
	struct ks_store	*ks = NULL;
	struct ssmp_err	 err = { "" };
	char		 dir[300];
	const char	*down = getenv("SSMP_TEST_SHARED_DOWN");

	if (down == NULL)
		return;
	snprintf(dir, sizeof(dir), "%s/down", base);
	is_int(ks_open_shared(dir, down, 0, 0, &ks, &err), KS_ETEMP,
	    "server down: open is a temporary error");
	like(err.msg, "shared database: connect", "...naming the connection");
	is_int(ks_open_shared(dir, down, 0, KS_LAZY, &ks, &err), 0,
	    "with KS_LAZY it opens");
	is_int(ks_replay_add(ks, "a.test", "N9", time(NULL) + 300, time(NULL),
	    &err), KS_ETEMP, "...and every operation is temporary: replay");
	is_int(ks_allow_put(ks, "bob@b.test", "x@a.test", KS_TIER_KNOWN,
	    KS_ORIGIN_LOCAL, &err), KS_ETEMP, "...allow-list");
	ks_close(ks);
}

int
main(void)
{
	struct ks_store	*h1, *h2;
	const char	*tmp = getenv("TMPDIR");
	char		 cmd[400];

	if ((shared = getenv("SSMP_TEST_SHARED")) == NULL) {
		printf("1..0 # SKIP SSMP_TEST_SHARED not set (t/store-pg.t "
		    "runs this with a PostgreSQL server)\n");
		return 0;
	}
	snprintf(base, sizeof(base), "%s/ks-pg.XXXXXX", tmp ? tmp : "/tmp");
	if (mkdtemp(base) == NULL) {
		printf("Bail out! mkdtemp %s\n", base);
		return 1;
	}
	h1 = host("mx1");
	h2 = host("mx2");
	test_shared(h1, h2);
	test_races(h1, h2);
	test_tally_race(h1, h2);
	test_settle(h1, h2);
	ks_close(h1);
	ks_close(h2);
	test_unreachable();
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", base);
	if (system(cmd) != 0)
		diag("could not remove %s", base);
	return done_testing();
}
