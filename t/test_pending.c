/*
 * test_pending.c - the lifecycle of an accepted envelope (bridge/
 * pending.c): one identity per nonce, claim and release by one request,
 * retirement (ssmp.7 MSG-7), eviction and expiry that never touch an
 * envelope in use.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "pending.h"
#include "tap.h"

static const unsigned char pk[SSMP_PUBKEY_BYTES];

static struct pending *
make(const char *nonce, const char *from, time_t expires)
{
	const char *to[] = { "Bob@b.test" }, *canon[] = { "bob@b.test" };
	enum trust tier[] = { TRUST_KNOWN };
	struct pending_init in = { nonce, from, from, "s1", "b.test", pk, 1,
	    to, canon, tier, expires };

	return pending_make(&in);
}

static enum pending_rc
add(struct pending_table *t, const char *nonce, const char *from,
    time_t now)
{
	struct pending *p = make(nonce, from, now + 900);
	size_t ev;
	enum pending_rc rc = pending_add(t, p, now, &ev);

	if (rc != PENDING_OK)
		pending_discard(p);
	return rc;
}

int
main(void)
{
	struct pending_table *t = pending_new(4, 2);
	struct pending *p, *q;
	int r1, r2;
	time_t now = 1000;

	is_int(add(t, "AAAAAAAAAAAAAAAAAAAAAA", "a@a.test", now), PENDING_OK,
	    "add");
	is_int(add(t, "AAAAAAAAAAAAAAAAAAAAAA", "m@m.test", now),
	    PENDING_DUPLICATE, "the same nonce from another domain: refused");
	is_int(pending_claim(t, "AAAAAAAAAAAAAAAAAAAAAA", "<1@a>", now, &r1,
	    &p), PENDING_OK, "claim");
	is_str(p->rcpt[0].to_canon, "bob@b.test", "the recipient is kept");
	is_str(p->from_domain, "a.test", "sender domain");
	is_int(pending_claim(t, "AAAAAAAAAAAAAAAAAAAAAA", "<1@a>", now, &r2,
	    &q), PENDING_BUSY, "a second request: busy");
	is_int(add(t, "AAAAAAAAAAAAAAAAAAAAAA", "m@m.test", now + 901),
	    PENDING_DUPLICATE, "expired but held: still refused, never freed");
	pending_release(t, p, &r2, PENDING_DELIVERED, "<1@a>");
	is_int(pending_claim(t, "AAAAAAAAAAAAAAAAAAAAAA", "<1@a>", now, &r2,
	    &q), PENDING_BUSY, "release by another holder: ignored");
	pending_release(t, p, &r1, PENDING_DELIVERED, "<1@a>");
	is_int(pending_claim(t, "AAAAAAAAAAAAAAAAAAAAAA", "<2@a>", now, &r2,
	    &q), PENDING_RETIRED, "delivered: another message refused");
	is_int(pending_claim(t, "AAAAAAAAAAAAAAAAAAAAAA", "<1@a>", now, &r2,
	    &q), PENDING_OK, "delivered: a repeat of its message is let in");
	pending_release(t, q, &r2, PENDING_KEEP, "<1@a>");

	is_int(add(t, "BBBBBBBBBBBBBBBBBBBBBB", "a@a.test", now), PENDING_OK,
	    "add a second");
	is_int(pending_claim(t, "BBBBBBBBBBBBBBBBBBBBBB", "<3@a>", now, &r1,
	    &p), PENDING_OK, "claim it");
	pending_release(t, p, &r1, PENDING_REFUSED, "<3@a>");
	is_int(pending_claim(t, "BBBBBBBBBBBBBBBBBBBBBB", "<3@a>", now, &r1,
	    &p), PENDING_RETIRED, "refused (class 5): even its own msgid");

	/* per domain (2): a.test's third evicts its oldest unheld */
	is_int(pending_claim(t, "AAAAAAAAAAAAAAAAAAAAAA", "<1@a>", now, &r1,
	    &p), PENDING_OK, "hold the oldest");
	is_int(add(t, "CCCCCCCCCCCCCCCCCCCCCC", "a@a.test", now), PENDING_OK,
	    "a.test at its bound: added");
	is_int(pending_claim(t, "BBBBBBBBBBBBBBBBBBBBBB", "<3@a>", now, &r2,
	    &q), PENDING_UNKNOWN, "...its oldest unheld was evicted");
	is_int(pending_claim(t, "AAAAAAAAAAAAAAAAAAAAAA", "<1@a>", now, &r2,
	    &q), PENDING_BUSY, "...the held one was not");
	is_int(pending_claim(t, "CCCCCCCCCCCCCCCCCCCCCC", "<4@a>", now, &r2,
	    &q), PENDING_OK, "hold the other one too");
	is_int(add(t, "DDDDDDDDDDDDDDDDDDDDDD", "a@a.test", now), PENDING_FULL,
	    "a.test's both held: full");
	pending_release(t, q, &r2, PENDING_KEEP, "<4@a>");
	/* in total (4) */
	is_int(add(t, "EEEEEEEEEEEEEEEEEEEEEE", "x@x.test", now), PENDING_OK,
	    "x.test");
	is_int(add(t, "FFFFFFFFFFFFFFFFFFFFFF", "y@y.test", now), PENDING_OK,
	    "y.test: four");
	is_int(add(t, "GGGGGGGGGGGGGGGGGGGGGG", "z@z.test", now), PENDING_OK,
	    "z.test: a fifth evicts the oldest unheld");
	is_int(pending_count(t), 4, "four in the table");
	is_int(pending_claim(t, "CCCCCCCCCCCCCCCCCCCCCC", "<4@a>", now, &r2,
	    &q), PENDING_UNKNOWN, "...which was a.test's C");

	is_int(pending_sweep(t, now + 901), 1, "expiry keeps only the held one");
	pending_release(t, p, &r1, PENDING_KEEP, "<1@a>");
	is_int(pending_sweep(t, now + 901), 0, "released, it expires too");
	is_int(pending_bytes(t), 0, "no octets left");
	pending_free(t);
	return done_testing();
}
