/*
 * ks_seed.c - put known key-cache and delivered-log entries into a store
 * so the shell tests can check what ssmpctl shows of them.  The daemons
 * write these entries in real use; ssmpctl only reads and flushes them.
 *	ks_seed DIR
 * Or a policy the sender remembers (ssmp.7, Policy memory) for an hour,
 * as seen by a validating resolver, and nothing else:
 *	ks_seed DIR remember DOMAIN POLICY-TEXT
 */
#include "config.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "store.h"

static int
seed(struct ks_store *ks, struct ssmp_err *err)
{
	struct ks_keycache	kc;
	struct ks_delivered	d;
	int64_t			now = (int64_t)time(NULL);

	memset(&kc, 0, sizeof(kc));
	strcpy(kc.domain, "c.test");
	strcpy(kc.text, "v=SSMP1; h=ssmp.c.test; s=k1; m=enforce");
	kc.fetched = now;
	kc.expires = now + 3600;
	kc.source = KS_SRC_DNS;
	if (ks_keycache_put(ks, &kc, err) != 0)
		return -1;
	strcpy(kc.selector, "k1");
	memset(kc.pk, 7, sizeof(kc.pk));
	if (ks_keycache_put(ks, &kc, err) != 0)
		return -1;
	strcpy(kc.domain, "d.test");
	kc.source = KS_SRC_HTTPS;
	if (ks_keycache_put(ks, &kc, err) != 0)
		return -1;
	memset(&d, 0, sizeof(d));
	strcpy(d.from, "alice@a.test");
	strcpy(d.msgid, "<old@a.test>");
	strcpy(d.rcpt, "bob@b.test");
	d.role = KS_RECEIVED;
	d.outcome = KS_OUT_DELIVERED;
	d.time = 1700000000;	/* 2023-11-14 */
	strcpy(d.info, "queued as OLD1");
	if (ks_delivered_put(ks, &d, err) != 0)
		return -1;
	strcpy(d.msgid, "<new@a.test>");
	strcpy(d.rcpt, "carol@b.test");
	d.time = now;
	strcpy(d.info, "queued as NEW2");
	d.receipt = (char *)"{\"domain\":\"b.test\",\"s\":\"s1\"}";
	return ks_delivered_put(ks, &d, err);
}

int
main(int argc, char **argv)
{
	struct ks_store	*ks;
	struct ssmp_err	 err;

	int64_t		 now = (int64_t)time(NULL);
	int		 remember = argc == 5 && strcmp(argv[2], "remember") == 0;

	if ((argc != 2 && !remember) || ks_open(argv[1], 0, 0, &ks, &err) !=
	    0 || (remember ? ks_policy_remember(ks, argv[3], argv[4], true, now,
	    now + 3600, &err) : seed(ks, &err)) != 0) {
		fprintf(stderr, "ks_seed: %s\n", argc == 2 || remember ?
		    err.msg : "usage");
		return 1;
	}
	ks_close(ks);
	return 0;
}
