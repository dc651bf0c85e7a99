/*
 * test_cops.c - which pending consent request makes room for a new one
 * (cops_victim, client/consent_ops.c): per requesting domain, then per
 * recipient, the oldest of the domain holding the most.
 */
#include <stdio.h>
#include <string.h>

#include "tap.h"
#include "consent_ops.h"

static struct ks_consent v[16];
static size_t n;

static void
add(const char *remote, int64_t created)
{
	memset(&v[n], 0, sizeof(v[n]));
	snprintf(v[n].local, sizeof(v[n].local), "bob@b.test");
	snprintf(v[n].remote, sizeof(v[n].remote), "%s", remote);
	snprintf(v[n].state, sizeof(v[n].state), "pending");
	v[n].created = created;
	n++;
}

static const char *
victim(const char *domain, long per_domain, long max)
{
	long i = cops_victim(v, n, domain, per_domain, max);

	return i < 0 ? "none" : v[i].remote;
}

int
main(void)
{
	is_str(victim("c.test", 3, 5), "none", "empty: room");
	add("c1@c.test", 30);
	add("c2@c.test", 10);
	add("a1@a.test", 20);
	is_str(victim("c.test", 3, 5), "none", "under both bounds: room");
	is_str(victim("c.test", 2, 5), "c2@c.test",
	    "c.test at its domain bound: its own oldest goes");
	is_str(victim("a.test", 2, 5), "none",
	    "a.test under its bound, recipient under the total: room");
	add("d1@d.test", 5);
	add("c3@c.test", 40);
	is_str(victim("a.test", 3, 5), "c2@c.test",
	    "recipient at the total: the oldest of the domain with the most");
	is_str(victim("e.test", 0, 5), "c2@c.test",
	    "no domain bound: still the domain with the most gives way");
	is_str(victim("e.test", 0, 0), "none", "no bounds: always room");
	add("a2@a.test", 50);
	add("a3@a.test", 60);
	/* c.test and a.test hold 3 each: the one whose oldest is older */
	is_str(victim("e.test", 5, 7), "c2@c.test",
	    "a tie: the domain with the older request gives way");
	is_str(victim("a.test", 3, 100), "a1@a.test",
	    "a.test at its bound: its own oldest, though others are older");
	printf("1..%d\n", tap_n);
	return tap_failed != 0;
}
