/*
 * test_ks_store.c - the keystore's LMDB stores on real files in a temp dir.
 * With SSMP_TEST_SHARED set to a pgsql:// URI (t/store-pg.t) the same
 * store tests run on the PostgreSQL backend; the LMDB engine's own
 * (group commit, read-only, map full) are left out then.
 */
#include "config.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <lmdb.h>

#include "tap.h"
#include "ssmp_err.h"
#include "store.h"

static char base[256];
static const char *shared;	/* SSMP_TEST_SHARED: PostgreSQL */

static struct ks_store *
open_store(const char *name, size_t mapsize, int flags)
{
	struct ks_store	*ks;
	struct ssmp_err	 err = { "" };
	char		 dir[300];

	snprintf(dir, sizeof(dir), "%s/%s", base, name);
	if (ks_open_shared(dir, shared, mapsize, flags, &ks, &err) != 0) {
		diag("open %s: %s", dir, err.msg);
		return NULL;
	}
	return ks;
}

static int
count_cb(const struct ks_allow *a, void *arg)
{
	(*(int *)arg)++;
	return 0;
}

static int
allow_count(struct ks_store *ks, const char *rcpt)
{
	struct ssmp_err	err;
	int		n = 0;

	if (ks_allow_iter(ks, rcpt, count_cb, &n, &err) != 0)
		return -1;
	return n;
}

static void
test_allow(struct ks_store *ks)
{
	struct ssmp_err	err = { "" };
	enum ks_tier	tier = 0;
	enum ks_origin	origin = 0;
	struct ks_allow	v[3];

	is_int(ks_allow_put(ks, "Bob@B.test", "alice@a.test", KS_TIER_TRUSTED,
	    KS_ORIGIN_LOCAL, &err), 0, "allow put address");
	is_int(ks_allow_put(ks, "bob@b.test", "*@A.test", KS_TIER_KNOWN,
	    KS_ORIGIN_HANDSHAKE, &err), 0, "allow put wildcard");
	is_int(ks_allow_put(ks, "bob@b.test", "spam@a.test", KS_TIER_BLOCKED,
	    KS_ORIGIN_AUTO, &err), 0, "allow put blocked");

	is_int(ks_allow_lookup(ks, "bob@b.test", "ALICE@a.test", &tier, &origin,
	    &err), 0, "exact address found (case folded)");
	is_int(tier, KS_TIER_TRUSTED, "exact entry wins over *@domain");
	is_int(origin, KS_ORIGIN_LOCAL, "origin kept");
	is_int(ks_allow_lookup(ks, "BOB@b.test", "carol@a.test", &tier, &origin,
	    &err), 0, "wildcard found");
	is_int(tier, KS_TIER_KNOWN, "wildcard tier known");
	is_int(origin, KS_ORIGIN_HANDSHAKE, "wildcard origin handshake");
	is_int(ks_allow_lookup(ks, "bob@b.test", "spam@a.test", &tier, NULL,
	    &err), 0, "blocked found");
	is_int(tier, KS_TIER_BLOCKED, "blocked tier");
	is_int(ks_allow_lookup(ks, "bob@b.test", "x@c.test", &tier, NULL, &err),
	    1, "unknown sender: 1");
	is_int(ks_allow_lookup(ks, "dave@b.test", "alice@a.test", &tier, NULL,
	    &err), 1, "other recipient's list not used");
	is_int(ks_allow_lookup(ks, "bob@b.test", "noat", &tier, NULL, &err), -1,
	    "sender without @ refused");
	like(err.msg, "'noat'", "error names the sender");

	is_int(ks_allow_put(ks, "bob", "alice@a.test", KS_TIER_KNOWN,
	    KS_ORIGIN_LOCAL, &err), -1, "malformed recipient refused");
	like(err.msg, "recipient 'bob'", "error names the recipient");
	is_int(ks_allow_put(ks, "bob@b.test", "a*@a.test", KS_TIER_KNOWN,
	    KS_ORIGIN_LOCAL, &err), -1, "malformed pattern refused");
	like(err.msg, "pattern 'a*@a.test'", "error names the pattern");
	is_int(ks_tier_parse("friend", &tier, &err), -1, "unknown tier");
	like(err.msg, "unknown tier 'friend'", "error names the tier");
	is_int(ks_tier_parse("Known", &tier, &err), 0, "tier parse");
	is_int(tier, KS_TIER_KNOWN, "tier parse value");

	is_int(allow_count(ks, "bob@b.test"), 3, "iter by recipient");
	is_int(allow_count(ks, NULL), 3, "iter all");
	is_int(ks_allow_del(ks, "bob@b.test", "spam@a.test", &err), 0, "del");
	is_int(ks_allow_del(ks, "bob@b.test", "spam@a.test", &err), 1,
	    "del again: 1");
	is_int(ks_allow_lookup(ks, "bob@b.test", "spam@a.test", &tier, NULL,
	    &err), 0, "after del, wildcard applies");
	is_int(tier, KS_TIER_KNOWN, "wildcard tier after del");

	memset(v, 0, sizeof(v));
	strcpy(v[0].rcpt, "carol@b.test");
	strcpy(v[0].pattern, "*@x.test");
	v[0].tier = KS_TIER_KNOWN;
	v[0].origin = KS_ORIGIN_LOCAL;
	v[1] = v[0];
	strcpy(v[1].pattern, "y@x.test");
	v[2] = v[0];
	strcpy(v[2].pattern, "bad@@x.test");
	is_int(ks_allow_import(ks, v, 3, &err), -1, "import with bad entry");
	like(err.msg, "entry 3", "import error names the entry");
	is_int(allow_count(ks, "carol@b.test"), 0, "nothing imported");
	is_int(ks_allow_import(ks, v, 2, &err), 0, "import of good entries");
	is_int(allow_count(ks, "carol@b.test"), 2, "both imported");
	is_int(allow_count(ks, NULL), 4, "total after import");
}

static void
test_keycache(struct ks_store *ks)
{
	struct ssmp_err		err = { "" };
	struct ks_keycache	kc, out;
	size_t			n = 99;

	memset(&kc, 0, sizeof(kc));
	strcpy(kc.domain, "A.test");
	strcpy(kc.selector, "s1");
	memset(kc.pk, 0x42, sizeof(kc.pk));
	kc.fetched = 1000;
	kc.expires = 2000;
	kc.source = KS_SRC_DNS;
	is_int(ks_keycache_put(ks, &kc, &err), 0, "keycache put key");
	strcpy(kc.selector, "old");
	kc.revoked = true;
	is_int(ks_keycache_put(ks, &kc, &err), 0, "keycache put revoked");
	kc.revoked = false;
	kc.selector[0] = '\0';
	strcpy(kc.text, "v=SSMP1; h=ssmp.a.test; s=s1; m=enforce");
	kc.source = KS_SRC_HTTPS;
	is_int(ks_keycache_put(ks, &kc, &err), 0, "keycache put policy");
	strcpy(kc.domain, "c.test");
	kc.negative = true;
	kc.text[0] = '\0';
	is_int(ks_keycache_put(ks, &kc, &err), 0, "keycache put negative");

	is_int(ks_keycache_get(ks, "a.test", "S1", 1500, &out, &err), 0,
	    "keycache get");
	ok(out.pk[0] == 0x42 && out.pk[31] == 0x42 && !out.revoked,
	    "key bytes back");
	is_int(out.source, KS_SRC_DNS, "source back");
	is_int(ks_keycache_get(ks, "a.test", "s1", 2000, &out, &err), 1,
	    "expired entry is a miss");
	is_int(ks_keycache_get(ks, "a.test", "old", 1500, &out, &err), 0,
	    "revoked entry found");
	ok(out.revoked, "revoked flag back");
	is_int(ks_keycache_get(ks, "a.test", "", 1500, &out, &err), 0,
	    "policy found");
	is_str(out.text, "v=SSMP1; h=ssmp.a.test; s=s1; m=enforce",
	    "policy text back");
	is_int(ks_keycache_get(ks, "c.test", "", 1500, &out, &err), 0,
	    "negative found");
	ok(out.negative, "negative flag back");
	is_int(ks_keycache_get(ks, "b.test", "s1", 1500, &out, &err), 1,
	    "absent is a miss");
	strcpy(kc.domain, "bad..test");
	is_int(ks_keycache_put(ks, &kc, &err), -1, "bad domain refused");

	is_int(ks_keycache_flush(ks, "a.test", &n, &err), 0, "flush domain");
	is_int(n, 3, "three entries of a.test flushed");
	is_int(ks_keycache_get(ks, "c.test", "", 1500, &out, &err), 0,
	    "other domain kept");
	is_int(ks_keycache_flush(ks, NULL, &n, &err), 0, "flush all");
	is_int(n, 1, "the rest flushed");
}

static void
test_replay(struct ks_store *ks)
{
	struct ssmp_err	err = { "" };
	size_t		n = 0;

	is_int(ks_replay_add(ks, "a.test", "AAAA", 1300, 1000, &err), 0,
	    "new nonce");
	is_int(ks_replay_add(ks, "A.TEST", "AAAA", 1300, 1100, &err), 1,
	    "same nonce again: replay");
	is_int(ks_replay_add(ks, "a.test", "aaaa", 1300, 1100, &err), 0,
	    "nonce is case-sensitive");
	is_int(ks_replay_add(ks, "b.test", "AAAA", 1300, 1100, &err), 0,
	    "other sender domain: new");
	is_int(ks_replay_add(ks, "a.test", "AAAA", 1700, 1300, &err), 0,
	    "expired nonce is new again");
	is_int(ks_replay_sweep(ks, 1300, &n, &err), 0, "sweep");
	is_int(n, 2, "two expired entries swept");
	is_int(ks_replay_add(ks, "a.test", "AAAA", 1700, 1400, &err), 1,
	    "live entry survived the sweep");
}

static int
dlv_cb(const struct ks_delivered *d, void *arg)
{
	(*(int *)arg)++;
	return 0;
}

static void
test_delivered(struct ks_store *ks)
{
	struct ssmp_err		err = { "" };
	struct ks_delivered	d, out;
	int			n;

	memset(&d, 0, sizeof(d));
	strcpy(d.from, "Alice@a.test");
	strcpy(d.msgid, "<m1@a.test>");
	strcpy(d.rcpt, "bob@b.test");
	d.role = KS_RECEIVED;
	d.outcome = KS_OUT_DELIVERED;
	d.time = 5000;
	strcpy(d.info, "queued as 4ABC");
	d.receipt = (char *)"{\"domain\":\"b.test\"}";
	is_int(ks_delivered_put(ks, &d, &err), 0, "delivered put");
	strcpy(d.rcpt, "carol@b.test");
	d.time = 6000;
	d.receipt = NULL;
	d.role = KS_RECEIVED;
	d.outcome = KS_OUT_REJECTED;
	is_int(ks_delivered_put(ks, &d, &err), 0, "delivered put 2");

	is_int(ks_delivered_get(ks, KS_RECEIVED, "alice@A.test", "<m1@a.test>", "BOB@b.test",
	    &out, &err), 0, "delivered get (canonical)");
	is_str(out.receipt, "{\"domain\":\"b.test\"}", "receipt back");
	is_str(out.info, "queued as 4ABC", "info back");
	is_str(out.from, "alice@a.test", "from canonical");
	is_int(out.outcome, KS_OUT_DELIVERED, "outcome back");
	is_int(out.time, 5000, "time back");
	ks_delivered_clear(&out);
	is_int(ks_delivered_get(ks, KS_RECEIVED, "alice@a.test", "<M1@a.test>", "bob@b.test",
	    &out, &err), 1, "msgid is case-sensitive");
	is_int(ks_delivered_get(ks, KS_RECEIVED, "alice@a.test", "<m1@a.test>",
	    "carol@b.test", &out, &err), 0, "second entry");
	ok(out.receipt == NULL, "no receipt stored: NULL");
	ks_delivered_clear(&out);

	n = 0;
	ks_delivered_iter(ks, 0, NULL, 0, dlv_cb, &n, &err);
	is_int(n, 2, "iter all");
	n = 0;
	ks_delivered_iter(ks, 0, "Carol@b.test", 0, dlv_cb, &n, &err);
	is_int(n, 1, "iter by rcpt");
	n = 0;
	ks_delivered_iter(ks, 0, NULL, 5500, dlv_cb, &n, &err);
	is_int(n, 1, "iter since");

	strcpy(d.msgid, "<with space>");
	is_int(ks_delivered_put(ks, &d, &err), -1, "bad msgid refused");
	like(err.msg, "msgid", "error names msgid");
}

static int
pend_cb(const struct ks_consent *p, void *arg)
{
	(*(int *)arg)++;
	return 0;
}

static void
test_pending(struct ks_store *ks)
{
	struct ssmp_err		err = { "" };
	struct ks_consent	p, out;
	int			n = 0;

	memset(&p, 0, sizeof(p));
	strcpy(p.local, "bob@b.test");
	strcpy(p.remote, "alice@a.test");
	strcpy(p.type, "share");
	strcpy(p.state, "pending");
	p.created = 10;
	p.expires = 20;
	is_int(ks_consent_put(ks, &p, &err), 0, "pending put");
	is_int(ks_consent_get(ks, "BOB@b.test", "alice@a.test", &out, &err), 0,
	    "pending get");
	is_str(out.type, "share", "type back");
	is_str(out.state, "pending", "state back");
	is_int(out.expires, 20, "expires back");
	ks_consent_iter(ks, "bob@b.test", pend_cb, &n, &err);
	is_int(n, 1, "pending iter");
	strcpy(p.state, "Bad State");
	is_int(ks_consent_put(ks, &p, &err), -1, "bad state refused");
	like(err.msg, "state 'Bad State'", "error names the state");
	is_int(ks_consent_del(ks, "bob@b.test", "alice@a.test", &err), 0,
	    "pending del");
	is_int(ks_consent_get(ks, "bob@b.test", "alice@a.test", &out, &err), 1,
	    "pending gone");
}

/* The two roles of the delivered-log: one triple, two records. */
static void
test_roles(struct ks_store *ks)
{
	struct ssmp_err		err = { "" };
	struct ks_delivered	d, out;

	memset(&d, 0, sizeof(d));
	strcpy(d.from, "alice@a.test");
	strcpy(d.msgid, "<roles@a.test>");
	strcpy(d.rcpt, "bob@b.test");
	d.role = KS_SENT;
	d.outcome = KS_OUT_DELIVERED;
	d.time = 100;
	strcpy(d.info, "2.0.0 sent");
	d.receipt = (char *)"{\"sent\":1}";
	is_int(ks_delivered_put(ks, &d, &err), 0, "roles: sent record put");
	d.role = KS_RECEIVED;
	strcpy(d.info, "queued as R1");
	d.receipt = (char *)"{\"received\":1}";
	is_int(ks_delivered_put(ks, &d, &err), 0, "roles: received record put");
	is_int(ks_delivered_get(ks, KS_SENT, "alice@a.test", "<roles@a.test>",
	    "bob@b.test", &out, &err), 0, "roles: sent record found");
	is_str(out.receipt, "{\"sent\":1}", "roles: the sent record is its own");
	is_int(out.role, KS_SENT, "roles: role back");
	ks_delivered_clear(&out);
	is_int(ks_delivered_get(ks, KS_RECEIVED, "alice@a.test",
	    "<roles@a.test>", "bob@b.test", &out, &err), 0,
	    "roles: received record found");
	is_str(out.info, "queued as R1", "roles: the received record is its own");
	ks_delivered_clear(&out);
	is_int(ks_delivered_del(ks, KS_SENT, "alice@a.test", "<roles@a.test>",
	    "bob@b.test", &err), 0, "roles: sent record deleted");
	is_int(ks_delivered_get(ks, KS_RECEIVED, "alice@a.test",
	    "<roles@a.test>", "bob@b.test", &out, &err), 0,
	    "roles: the received record stays");
	ks_delivered_clear(&out);
	d.role = 0;
	is_int(ks_delivered_put(ks, &d, &err), -1, "roles: no role refused");
	like(err.msg, "role", "roles: the error names the role");
	is_int(ks_delivered_del(ks, KS_RECEIVED, "alice@a.test",
	    "<roles@a.test>", "bob@b.test", &err), 0, "roles: cleaned up");
}

/* DELIVERING is a state with an owner, not a string. */
static void
test_delivering(struct ks_store *ks)
{
	struct ssmp_err		 err = { "" };
	struct ks_delivered	 d, out;
	MDB_env			*env;
	MDB_txn			*txn;
	MDB_val			 k, v;
	unsigned		 dbi;
	size_t			 n = 9;
	unsigned char		 legacy[200];
	size_t			 len;
	const char		*names = "old@a.test\0<legacy@a.test>\0"
	    "bob@b.test\0delivering pid=42 req=R7";

	memset(&d, 0, sizeof(d));
	d.role = KS_RECEIVED;
	strcpy(d.from, "alice@a.test");
	strcpy(d.msgid, "<dlv@a.test>");
	strcpy(d.rcpt, "bob@b.test");
	d.outcome = KS_OUT_DELIVERING;
	d.time = 1000;
	is_int(ks_delivered_put(ks, &d, &err), -1,
	    "delivering without an owner refused");
	like(err.msg, "owner", "the error says so");
	strcpy(d.owner.host, "mx1");
	d.owner.pid = 4242;
	strcpy(d.owner.reqid, "R12");
	is_int(ks_delivered_put(ks, &d, &err), 0, "delivering put");
	is_int(ks_delivered_get(ks, KS_RECEIVED, "alice@a.test", "<dlv@a.test>",
	    "bob@b.test", &out, &err), 0, "delivering found");
	is_int(out.outcome, KS_OUT_DELIVERING, "outcome delivering");
	is_str(out.owner.host, "mx1", "owner host back");
	is_int(out.owner.pid, 4242, "owner pid back");
	is_str(out.owner.reqid, "R12", "owner request back");
	is_int(out.time, 1000, "since when");
	ok(out.receipt == NULL, "no receipt");
	ks_delivered_clear(&out);

	/* a record of version 1: tempfail + "delivering pid=P req=R" */
	memset(legacy, 0, sizeof(legacy));
	legacy[0] = 1;
	legacy[1] = KS_OUT_TEMPFAIL;
	legacy[9] = 100;		/* time 100 */
	len = 10 + strlen("old@a.test") + 1 + strlen("<legacy@a.test>") + 1 +
	    strlen("bob@b.test") + 1 + strlen("delivering pid=42 req=R7") + 1;
	memcpy(legacy + 10, names, len - 10);
	memset(&d, 0, sizeof(d));
	d.role = KS_RECEIVED;
	strcpy(d.from, "old@a.test");
	strcpy(d.msgid, "<legacy@a.test>");
	strcpy(d.rcpt, "bob@b.test");
	d.outcome = KS_OUT_REJECTED;
	d.time = 100;
	if (shared == NULL) {	/* LMDB's own record format */
		env = ks_raw_env(ks, KS_DB_DELIVERED, &dbi);
		/* write a record to learn the key, then its value raw */
		is_int(ks_delivered_put(ks, &d, &err), 0, "legacy: key made");
		ok(mdb_txn_begin(env, NULL, 0, &txn) == 0,
		    "raw write transaction");
		{
			MDB_cursor *c;

			mdb_cursor_open(txn, dbi, &c);
			while (mdb_cursor_get(c, &k, &v, MDB_NEXT) == 0)
				if (memmem(v.mv_data, v.mv_size,
				    "<legacy@a.test>", 15) != NULL)
					break;
			v.mv_size = len;
			v.mv_data = legacy;
			ok(mdb_put(txn, dbi, &k, &v, 0) == 0,
			    "legacy value written");
			mdb_cursor_close(c);
		}
		ok(mdb_txn_commit(txn) == 0, "raw commit");
		is_int(ks_delivered_get(ks, KS_RECEIVED, "old@a.test",
		    "<legacy@a.test>", "bob@b.test", &out, &err), 0,
		    "legacy found");
		is_int(out.outcome, KS_OUT_DELIVERING,
		    "legacy: read as delivering");
		is_int(out.owner.pid, 42, "legacy: owner pid");
		is_str(out.owner.reqid, "R7", "legacy: owner request");
		ks_delivered_clear(&out);
	} else {		/* the same record, written as it reads */
		d.outcome = KS_OUT_DELIVERING;
		strcpy(d.owner.reqid, "R7");
		is_int(ks_delivered_put(ks, &d, &err), 0, "an old claim");
	}

	/* the sweep removes old records but never a DELIVERING one */
	strcpy(d.msgid, "<old-done@a.test>");
	d.outcome = KS_OUT_DELIVERED;
	is_int(ks_delivered_put(ks, &d, &err), 0, "an old delivered record");
	is_int(ks_delivered_sweep(ks, KS_RECEIVED, 5000, &n, &err), 0,
	    "delivered-log sweep");
	ok(ks_delivered_get(ks, KS_RECEIVED, "old@a.test",
	    "<old-done@a.test>", "bob@b.test", &out, &err) == 1,
	    "sweep: the old delivered record is gone");
	ok(ks_delivered_get(ks, KS_RECEIVED, "alice@a.test", "<dlv@a.test>",
	    "bob@b.test", &out, &err) == 0, "sweep: delivering kept");
	ks_delivered_clear(&out);
	ok(ks_delivered_get(ks, KS_RECEIVED, "old@a.test", "<legacy@a.test>",
	    "bob@b.test", &out, &err) == 0, "sweep: legacy delivering kept");
	ks_delivered_clear(&out);
	ks_delivered_del(ks, KS_RECEIVED, "alice@a.test", "<dlv@a.test>",
	    "bob@b.test", &err);
	ks_delivered_del(ks, KS_RECEIVED, "old@a.test", "<legacy@a.test>",
	    "bob@b.test", &err);
}

static int
kc_find(const struct ks_keycache *kc, void *arg)
{
	return strcmp(kc->domain, arg) == 0;
}

/* Every store with an expiry has its sweep. */
static void
test_sweeps(struct ks_store *ks)
{
	struct ssmp_err		err = { "" };
	struct ks_keycache	kc, out;
	struct ks_consent	c, co;
	size_t			n = 0;

	memset(&kc, 0, sizeof(kc));
	strcpy(kc.domain, "old.test");
	strcpy(kc.selector, "s1");
	kc.negative = true;
	kc.source = KS_SRC_DNS;
	kc.fetched = 10;
	kc.expires = 20;
	is_int(ks_keycache_put(ks, &kc, &err), 0, "expired keycache entry put");
	strcpy(kc.domain, "live.test");
	kc.expires = 4000000000LL;
	is_int(ks_keycache_put(ks, &kc, &err), 0, "live keycache entry put");
	is_int(ks_keycache_sweep(ks, 1000, 500, &n, &err), 0, "keycache sweep");
	ok(n >= 1, "keycache sweep deleted the expired entry (%zu)", n);
	is_int(ks_keycache_get(ks, "live.test", "s1", 1000, &out, &err), 0,
	    "keycache sweep kept the live entry");
	/* a remembered policy outlives its TTL, for policy_keep */
	memset(&kc, 0, sizeof(kc));
	strcpy(kc.domain, "remembered.test");
	strcpy(kc.text, "v=SSMP1; h=ssmp.remembered.test; s=s1; m=enforce");
	kc.source = KS_SRC_DNS;
	kc.fetched = 900;
	kc.expires = 950;
	is_int(ks_keycache_put(ks, &kc, &err), 0, "policy record put");
	strcpy(kc.domain, "forgotten.test");
	kc.fetched = 100;
	is_int(ks_keycache_put(ks, &kc, &err), 0, "old policy record put");
	strcpy(kc.domain, "never.test");
	kc.negative = true;
	kc.fetched = 900;
	is_int(ks_keycache_put(ks, &kc, &err), 0, "negative policy put");
	is_int(ks_keycache_sweep(ks, 1000, 500, &n, &err), 0,
	    "keycache sweep with policy memory");
	is_int(n, 2, "two entries deleted");
	ok(ks_keycache_iter(ks, kc_find, (void *)"remembered.test", &err) == 1,
	    "the policy seen 100 s ago is remembered past its TTL");
	ok(ks_keycache_iter(ks, kc_find, (void *)"forgotten.test", &err) == 0,
	    "the one seen 900 s ago is forgotten");
	ok(ks_keycache_iter(ks, kc_find, (void *)"never.test", &err) == 0,
	    "a negative answer is never remembered");
	memset(&c, 0, sizeof(c));
	strcpy(c.local, "bob@b.test");
	strcpy(c.remote, "x@old.test");
	strcpy(c.type, "share");
	strcpy(c.state, "pending");
	c.created = 1;
	c.expires = 20;
	is_int(ks_consent_put(ks, &c, &err), 0, "expired consent request put");
	strcpy(c.remote, "y@old.test");
	strcpy(c.state, "shared");
	c.expires = 0;
	is_int(ks_consent_put(ks, &c, &err), 0, "a record without expiry put");
	strcpy(c.remote, "x@old.test");
	is_int(ks_consent_sweep(ks, 1000, &n, &err), 0, "consent sweep");
	is_int(n, 1, "consent sweep deleted it");
	is_int(ks_consent_get(ks, "bob@b.test", "x@old.test", &co, &err), 1,
	    "the expired consent request is gone");
	is_int(ks_consent_get(ks, "bob@b.test", "y@old.test", &co, &err), 0,
	    "the record without expiry stays");
	is_int(ks_sweep(ks, 4100000000LL, 30 * 86400, NULL, &err), 0,
	    "every store swept at once (%s)", err.msg);
	is_int(ks_keycache_iter(ks, kc_find, (void *)"live.test", &err), 0,
	    "...far in the future: the live entry expired too");
}

/* --- the report stores ---------------------------------------------------- */

#define POL_B	"v=SSMP1; h=ssmp.b.test; s=s1; m=testing; " \
	"rua=https://ssmp.b.test/.well-known/ssmp/v1/report"

struct tally_seen {
	struct ks_tally_rec	rec;	/* b.test's */
	size_t			n;	/* records seen */
};

static int
tally_cb(const struct ks_tally_rec *t, void *arg)
{
	struct tally_seen *out = arg;

	if (strcmp(t->r.domain, "b.test") == 0)
		out->rec = *t;
	out->n++;
	return 0;
}

static void
test_tally(struct ks_store *ks)
{
	static struct tally_seen	seen;
	struct ssmp_err			err = { "" };
	struct ks_tally			v[6];
	const struct ssmp_rpolicy	*p;
	int64_t				day = 1795305600;	/* 2026-11-22 */
	size_t				dropped, i;
	char				dom[300][32];

	memset(v, 0, sizeof(v));
	for (i = 0; i < 6; i++) {
		v[i].day = day + 3600;
		v[i].reporter = "a.test";
		v[i].domain = "b.test";
		v[i].policy = POL_B;
	}
	v[0].ok = v[1].ok = true;
	v[2].type = SSMP_RT_CERT_EXPIRED;
	v[2].code = "4.4.1";
	v[2].fallback = true;
	v[2].sample = "ssmp.b.test: cannot connect over HTTPS";
	v[3] = v[2];
	v[4].type = SSMP_RT_REFUSED;
	v[4].code = "5.7.1";
	v[4].sample = "bob@b.test: sender not in allow-list";
	v[5].type = SSMP_RT_DNS_TEMP;
	v[5].code = "4.4.3";
	v[5].policy = NULL;
	v[5].sample = "DNS lookup of _ssmp.b.test failed";
	is_int(ks_tally_add(ks, v, 6, &dropped, &err), 0, "tally: 6 attempts "
	    "counted (%s)", err.msg);
	is_int(ks_tally_add(ks, v, 1, &dropped, &err), 0, "tally: one more");
	memset(&seen, 0, sizeof(seen));
	is_int(ks_tally_iter(ks, day, day + 86399, tally_cb, &seen, &err), 0,
	    "tally: the day read back");
	is_int(seen.n, 1, "tally: one record for the day");
	is_int(seen.rec.sent, 0, "tally: not sent yet");
	is_int(seen.rec.r.start, day, "tally: its date range starts at "
	    "midnight");
	is_str(seen.rec.r.id, "2026-11-22_b.test", "tally: report-id");
	is_int(seen.rec.r.npolicy, 2, "tally: the policy, and "
	    "no-policy-found");
	p = &seen.rec.r.policy[0];
	ok(p->found && p->ok == 3 && p->fail == 3 && p->fallback == 2,
	    "tally: 3 delivered, 3 failed, 2 fell back (%d %d %d)",
	    (int)p->ok, (int)p->fail, (int)p->fallback);
	ok(p->ndetail == 2 && p->detail[0].count == 2 &&
	    p->detail[0].type == SSMP_RT_CERT_EXPIRED,
	    "tally: two certificate-expired in one entry");
	is_str(p->detail[1].sample, "*@b.test: sender not in allow-list",
	    "tally: [RPT-3] the sample reason has no local part");
	ok(!seen.rec.r.policy[1].found && seen.rec.r.policy[1].fail == 1,
	    "tally: the DNS failure before any policy");
	is_int(ks_tally_sent(ks, day, "A.TEST", "b.test", day + 90000, &err),
	    0, "tally: marked sent");
	is_int(ks_tally_iter(ks, day, day, tally_cb, &seen, &err), 0,
	    "tally: read again");
	is_int(seen.rec.sent, day + 90000, "tally: sent when");
	is_int(ks_tally_sent(ks, day, "a.test", "c.test", 1, &err), 1,
	    "tally: no record to mark: 1");
	v[0].domain = "B.test";
	ok(ks_tally_add(ks, v, 1, &dropped, &err) == -1, "tally: a domain not "
	    "in canonical form refused: %s", err.msg);
	/* the day's bound: KS_TALLY_DOMAINS receiving domains */
	v[0].day = day + 86400;
	for (i = 0; i < 300; i++) {
		snprintf(dom[i], sizeof(dom[i]), "d%zu.test", i);
	}
	for (i = 0; i < KS_TALLY_DOMAINS / 300 + 1; i++) {
		struct ks_tally w[300];
		size_t k;

		for (k = 0; k < 300; k++) {
			w[k] = v[0];
			w[k].reporter = i % 2 ? "a.test" : "x.test";
			w[k].domain = dom[k];
			if (i > 1)	/* a third reporter, a fourth */
				w[k].reporter = i == 2 ? "y.test" : "z.test";
		}
		(void)ks_tally_add(ks, w, 300, &dropped, &err);
	}
	is_int(dropped, 200, "[RPT-9] tally: past %d domains a day, 200 of "
	    "300 not counted", KS_TALLY_DOMAINS);
	memset(&seen, 0, sizeof(seen));
	is_int(ks_tally_iter(ks, day + 86400, day + 86400, tally_cb, &seen,
	    &err), 0, "tally: the full day read");
	is_int(seen.n, KS_TALLY_DOMAINS, "tally: %d records",
	    KS_TALLY_DOMAINS);
	is_int(ks_report_sweep(ks, day + 86400 * (KS_TALLY_DAYS + 1),
	    &dropped, &err), 0, "tally: swept");
	is_int(dropped, 1, "tally: the first day is gone, the second kept");
}

static int
inbox_cb(const struct ks_inbox *in, void *arg)
{
	(*(size_t *)arg)++;
	return in->len > 0 ? 0 : -1;
}

static void
test_inbox(struct ks_store *ks)
{
	struct ssmp_err	err = { "" };
	struct ks_inbox	in;
	size_t		n = 0;
	int		i, rc = 0;

	memset(&in, 0, sizeof(in));
	strcpy(in.reporter, "a.test");
	strcpy(in.selector, "s1");
	in.received = 1000;
	in.json = "{}";
	in.len = 2;
	for (i = 0; i < KS_INBOX_PER_DOMAIN && rc == 0; i++) {
		snprintf(in.id, sizeof(in.id), "r%d", i);
		rc = ks_inbox_put(ks, &in, &err);
	}
	is_int(rc, 0, "inbox: %d reports of a.test stored", i);
	is_int(ks_inbox_put(ks, &in, &err), 1, "inbox: the same id again: 1");
	strcpy(in.id, "one-more");
	is_int(ks_inbox_put(ks, &in, &err), KS_FULL, "[RPT-9] inbox: one more of "
	    "a.test refused: %s", err.msg);
	strcpy(in.reporter, "C.test");
	is_int(ks_inbox_put(ks, &in, &err), 0, "inbox: another domain's "
	    "stored");
	is_int(ks_inbox_iter(ks, "c.test", 0, inbox_cb, &n, &err), 0,
	    "inbox: c.test's read");
	is_int(n, 1, "inbox: one of c.test");
	n = 0;
	is_int(ks_inbox_iter(ks, NULL, 0, inbox_cb, &n, &err), 0,
	    "inbox: all read");
	is_int(n, KS_INBOX_PER_DOMAIN + 1, "inbox: all of them");
	is_int(ks_report_sweep(ks, 1000 + KS_INBOX_KEEP + 1, &n, &err), 0,
	    "inbox: swept after KS_INBOX_KEEP");
	is_int(n, KS_INBOX_PER_DOMAIN + 1, "inbox: every report expired");
}

static void
test_stats(struct ks_store *ks)
{
	struct ssmp_err	err = { "" };
	struct ks_stats	st;

	is_int(ks_stats(ks, &st, &err), 0, "stats");
	is_int(st.entries[KS_DB_ALLOW], 4, "allow entries");
	is_int(st.entries[KS_DB_DELIVERED], 2, "delivered entries");
	is_int(st.entries[KS_DB_REPLAY], 1, "replay entries (after sweep)");
	is_int(st.mapsize, (size_t)1 << 30, "default map size 1 GiB");
	ok(st.pages_used > 2 && st.pages_used < st.pages_max, "pages used");
	is_str(ks_backend_name(ks), shared ? "postgresql" : "lmdb",
	    "backend named");
}

/* Fill a 64 KiB map: the failure is temporary and leaves no trace. */
static void
test_map_full(void)
{
	struct ks_store	*ks = open_store("small", 64 * 1024, 0);
	struct ssmp_err	 err = { "" };
	struct ks_allow	 v[200];
	char		 pat[64];
	int		 i, rc = 0, before;
	enum ks_tier	 tier;

	ok(ks != NULL, "small store opened");
	if (ks == NULL)
		return;
	for (i = 0; i < 10000 && rc == 0; i++) {
		snprintf(pat, sizeof(pat), "sender%05d@a.test", i);
		rc = ks_allow_put(ks, "bob@b.test", pat, KS_TIER_KNOWN,
		    KS_ORIGIN_LOCAL, &err);
	}
	is_int(rc, KS_ETEMP, "map full is a temporary error");
	like(err.msg, "map full (MapSize 64k); raise MapSize", "clear message");
	before = allow_count(ks, NULL);
	ok(before > 10 && before == i - 1, "entries before the failure kept "
	    "(%d)", before);
	is_int(ks_allow_lookup(ks, "bob@b.test", "sender00000@a.test", &tier,
	    NULL, &err), 0, "lookups still work when full");
	memset(v, 0, sizeof(v));
	for (i = 0; i < 200; i++) {
		snprintf(v[i].rcpt, sizeof(v[i].rcpt), "carol@b.test");
		snprintf(v[i].pattern, sizeof(v[i].pattern), "x%d@a.test", i);
		v[i].tier = KS_TIER_KNOWN;
		v[i].origin = KS_ORIGIN_LOCAL;
	}
	is_int(ks_allow_import(ks, v, 200, &err), KS_ETEMP,
	    "import into a full map: temporary");
	is_int(allow_count(ks, NULL), before, "store unchanged");
	is_int(ks_allow_del(ks, "bob@b.test", "sender00000@a.test", &err), 0,
	    "a delete still works");
	ks_close(ks);
}

/*
 * Filling every other store does not stop replay writes: the replay
 * cache has its own environment (issue 14: a flood of cache entries once
 * made every genuine envelope fail with "replay cache unavailable").
 */
static void
test_replay_apart(void)
{
	struct ks_store		*ks = open_store("apart", 64 * 1024, 0);
	struct ssmp_err		 err = { "" };
	struct ks_keycache	 kc;
	struct ks_delivered	 d;
	char			 nonce[32];
	int			 i, rc = 0;

	ok(ks != NULL, "apart: store opened");
	if (ks == NULL)
		return;
	memset(&kc, 0, sizeof(kc));
	kc.negative = true;
	kc.source = KS_SRC_DNS;
	kc.expires = 4000000000LL;
	for (i = 0; i < 10000 && rc == 0; i++) {
		snprintf(kc.domain, sizeof(kc.domain), "flood%05d.test", i);
		strcpy(kc.selector, "s1");
		rc = ks_keycache_put(ks, &kc, &err);
	}
	is_int(rc, KS_ETEMP, "apart: the key cache filled the map");
	memset(&d, 0, sizeof(d));
	d.role = KS_RECEIVED;
	strcpy(d.from, "a@a.test");
	strcpy(d.rcpt, "b@b.test");
	strcpy(d.msgid, "<full@a.test>");
	d.outcome = KS_OUT_REJECTED;
	for (i = 0, rc = 0; i < 10000 && rc == 0; i++) {
		snprintf(d.msgid, sizeof(d.msgid), "<full%05d@a.test>", i);
		rc = ks_delivered_put(ks, &d, &err);
	}
	is_int(rc, KS_ETEMP, "apart: the delivered-log filled the rest");
	for (i = 0, rc = 0; i < 200 && rc == 0; i++) {
		snprintf(nonce, sizeof(nonce), "nonce%03d", i);
		rc = ks_replay_add(ks, "a.test", nonce, 4000000000LL, 1000,
		    &err);
	}
	is_int(rc, 0, "apart: 200 replay writes all succeed (%s)", err.msg);
	is_int(ks_replay_add(ks, "a.test", "nonce000", 4000000000LL, 1000,
	    &err), 1, "apart: and a replay is still caught");
	ks_close(ks);
}

/* A keystore of the old layout: the replay cache moves to its own map. */
static void
test_replay_move(void)
{
	struct ks_store	*ks;
	struct ssmp_err	 err = { "" };
	MDB_env		*env;
	MDB_txn		*txn;
	MDB_dbi		 dbi;
	MDB_val		 k = { 13, (void *)"a.test\0nonceX" }, v;
	unsigned char	 val[9] = { 1 };
	char		 dir[300];
	int		 i;

	snprintf(dir, sizeof(dir), "%s/old", base);
	mkdir(dir, 0700);
	for (i = 1; i < 9; i++)
		val[i] = i < 5 ? 0 : 0x7f;	/* expires far ahead */
	v.mv_size = sizeof(val);
	v.mv_data = val;
	ok(mdb_env_create(&env) == 0 && mdb_env_set_maxdbs(env, 8) == 0 &&
	    mdb_env_open(env, dir, 0, 0600) == 0 &&
	    mdb_txn_begin(env, NULL, 0, &txn) == 0 &&
	    mdb_dbi_open(txn, "replay", MDB_CREATE, &dbi) == 0 &&
	    mdb_put(txn, dbi, &k, &v, 0) == 0 && mdb_txn_commit(txn) == 0,
	    "old layout: a replay entry in the main map");
	mdb_env_close(env);
	ks = open_store("old", 0, 0);
	ok(ks != NULL, "old layout opened");
	if (ks == NULL)
		return;
	is_int(ks_replay_add(ks, "a.test", "nonceX", 4000000000LL, 1000, &err),
	    1, "old layout: the entry moved with its store, still a replay");
	ks_close(ks);
	ok(mdb_env_create(&env) == 0 && mdb_env_set_maxdbs(env, 8) == 0 &&
	    mdb_env_open(env, dir, MDB_RDONLY, 0600) == 0 &&
	    mdb_txn_begin(env, NULL, MDB_RDONLY, &txn) == 0,
	    "old layout: main map reopened");
	is_int(mdb_dbi_open(txn, "replay", 0, &dbi), MDB_NOTFOUND,
	    "old layout: no replay sub-database left in the main map");
	mdb_txn_abort(txn);
	mdb_env_close(env);
}

static void
test_rdonly(void)
{
	struct ks_store	*ks;
	struct ssmp_err	 err = { "" };
	enum ks_tier	 tier;
	char		 dir[300];

	ks = open_store("main", 0, KS_RDONLY);
	ok(ks != NULL, "read-only open");
	if (ks == NULL)
		return;
	is_int(ks_allow_lookup(ks, "bob@b.test", "alice@a.test", &tier, NULL,
	    &err), 0, "read-only lookup");
	is_int(ks_allow_put(ks, "bob@b.test", "z@a.test", KS_TIER_KNOWN,
	    KS_ORIGIN_LOCAL, &err), -1, "write to read-only store refused");
	like(err.msg, "opened read-only", "message says read-only");
	ks_close(ks);
	snprintf(dir, sizeof(dir), "%s/nonexistent/deeper", base);
	is_int(ks_open(dir, 0, 0, &ks, &err), -1, "missing parent dir");
	like(err.msg, "nonexistent/deeper", "error names the directory");
}

/* Readers in threads while a writer commits: nobody blocks or fails. */
struct thr {
	struct ks_store	*ks;
	int		 fails, found;
};

/* lookups per reader thread: a PostgreSQL lookup is a round trip */
#define READS	(shared ? 1000 : 20000)

static void *
reader(void *arg)
{
	struct thr	*t = arg;
	struct ssmp_err	 err;
	enum ks_tier	 tier;
	int		 i, rc;

	for (i = 0; i < READS; i++) {
		rc = ks_allow_lookup(t->ks, "bob@b.test", "alice@a.test",
		    &tier, NULL, &err);
		if (rc < 0)
			t->fails++;
		else if (rc == 0 && tier == KS_TIER_TRUSTED)
			t->found++;
	}
	return NULL;
}

static void
test_threads(struct ks_store *ks)
{
	pthread_t	th[4];
	struct thr	t[4];
	struct ssmp_err	err;
	char		pat[64];
	int		i, wfail = 0, rfail = 0, found = 0;

	for (i = 0; i < 4; i++) {
		t[i] = (struct thr){ ks, 0, 0 };
		pthread_create(&th[i], NULL, reader, &t[i]);
	}
	for (i = 0; i < 200; i++) {
		snprintf(pat, sizeof(pat), "t%d@c.test", i);
		if (ks_allow_put(ks, "dave@b.test", pat, KS_TIER_KNOWN,
		    KS_ORIGIN_AUTO, &err) != 0)
			wfail++;
	}
	for (i = 0; i < 4; i++) {
		pthread_join(th[i], NULL);
		rfail += t[i].fails;
		found += t[i].found;
	}
	is_int(wfail, 0, "writer never failed");
	is_int(rfail, 0, "readers never failed");
	is_int(found, 4 * READS, "every read saw the entry");
	is_int(allow_count(ks, "dave@b.test"), 200, "all writes visible");
}

/* All of one message's records in one call: all or nothing. */
static void
test_put_many(struct ks_store *ks)
{
	struct ssmp_err		err = { "" };
	struct ks_delivered	d[3], out;
	struct ks_stats		st0, st1;

	memset(d, 0, sizeof(d));
	for (int i = 0; i < 3; i++) {
		strcpy(d[i].from, "alice@a.test");
		strcpy(d[i].msgid, "<many@a.test>");
		snprintf(d[i].rcpt, sizeof(d[i].rcpt), "r%d@b.test", i);
		d[i].role = KS_RECEIVED;
		d[i].outcome = KS_OUT_DELIVERED;
		d[i].time = 7000;
	}
	strcpy(d[1].rcpt, "not an address");
	is_int(ks_delivered_put_many(ks, d, 3, &err), -1,
	    "put_many with a bad record refused");
	like(err.msg, "record 2: ", "error names the record");
	is_int(ks_delivered_get(ks, KS_RECEIVED, "alice@a.test", "<many@a.test>",
	    "r0@b.test", &out, &err), 1, "nothing of it written");
	strcpy(d[1].rcpt, "r1@b.test");
	ks_stats(ks, &st0, &err);
	is_int(ks_delivered_put_many(ks, d, 3, &err), 0, "put_many");
	ks_stats(ks, &st1, &err);
	is_int((int)(st1.commits - st0.commits), 1, "three records, one commit");
	for (int i = 0; i < 3; i++) {
		is_int(ks_delivered_get(ks, KS_RECEIVED, "alice@a.test", "<many@a.test>",
		    d[i].rcpt, &out, &err), 0, "record %d back", i + 1);
		ks_delivered_clear(&out);
	}
	is_int(ks_delivered_put_many(ks, d, 0, &err), 0, "zero records: no-op");
}

/* Refuse a record that is delivered already; skip or abort per answer. */
static int
not_delivered(const struct ks_delivered *now, const struct ks_delivered *d,
    void *arg)
{
	(void)d;
	if (now != NULL && now->outcome == KS_OUT_DELIVERED)
		return *(int *)arg;
	return KS_PUT;
}

static void
test_put_if(struct ks_store *ks)
{
	struct ssmp_err		err = { "" };
	struct ks_delivered	d[2], out;
	int			answer = KS_ABORT;

	memset(d, 0, sizeof(d));
	for (int i = 0; i < 2; i++) {
		strcpy(d[i].from, "alice@a.test");
		strcpy(d[i].msgid, "<cas@a.test>");
		snprintf(d[i].rcpt, sizeof(d[i].rcpt), "c%d@b.test", i);
		d[i].role = KS_RECEIVED;
		d[i].outcome = KS_OUT_TEMPFAIL;
		strcpy(d[i].info, "delivering");
	}
	is_int(ks_delivered_put_if(ks, d, 2, not_delivered, &answer, &err), 0,
	    "put_if on free records");
	d[1].outcome = KS_OUT_DELIVERED;
	is_int(ks_delivered_put(ks, &d[1], &err), 0, "second delivered");
	d[0].outcome = d[1].outcome = KS_OUT_REJECTED;
	is_int(ks_delivered_put_if(ks, d, 2, not_delivered, &answer, &err), 1,
	    "KS_ABORT: 1, nothing written");
	ks_delivered_get(ks, KS_RECEIVED, "alice@a.test", "<cas@a.test>", "c0@b.test", &out,
	    &err);
	is_int(out.outcome, KS_OUT_TEMPFAIL, "first record untouched");
	ks_delivered_clear(&out);
	answer = KS_SKIP;
	is_int(ks_delivered_put_if(ks, d, 2, not_delivered, &answer, &err), 0,
	    "KS_SKIP: the others written");
	ks_delivered_get(ks, KS_RECEIVED, "alice@a.test", "<cas@a.test>", "c0@b.test", &out,
	    &err);
	is_int(out.outcome, KS_OUT_REJECTED, "first record written");
	ks_delivered_clear(&out);
	ks_delivered_get(ks, KS_RECEIVED, "alice@a.test", "<cas@a.test>", "c1@b.test", &out,
	    &err);
	is_int(out.outcome, KS_OUT_DELIVERED, "skipped record kept");
	ks_delivered_clear(&out);
	is_int(ks_delivered_del(ks, KS_RECEIVED, "Alice@a.test", "<cas@a.test>",
	    "c1@b.test", &err), 0, "del");
	is_int(ks_delivered_get(ks, KS_RECEIVED, "alice@a.test", "<cas@a.test>",
	    "c1@b.test", &out, &err), 1, "gone");
	is_int(ks_delivered_del(ks, KS_RECEIVED, "alice@a.test", "<cas@a.test>",
	    "c1@b.test", &err), 1, "del again: 1");
	is_int(ks_delivered_del(ks, KS_RECEIVED, "alice", "<cas@a.test>", "c1@b.test",
	    &err), -1, "del with a bad address refused");
	like(err.msg, "from 'alice'", "error names it");
}

/*
 * Group commit.  Another process holds LMDB's writer lock, so the first
 * of eight writer threads blocks in its transaction with its own change
 * and the other seven queue up; when the lock is released they must go
 * in one transaction, each with its own outcome: one nonce is new
 * (stored) for exactly one thread and a replay for the others.
 */
struct gc_thr {
	struct ks_store	*ks;
	int		 i, rc;
	char		 msg[200];
};

static void *
gc_writer(void *arg)
{
	struct gc_thr	*t = arg;
	struct ssmp_err	 err = { "" };
	char		 nonce[32];

	snprintf(nonce, sizeof(nonce), "gc-%d", t->i < 4 ? t->i : 99);
	t->rc = ks_replay_add(t->ks, "a.test", nonce, 2000, 1000, &err);
	snprintf(t->msg, sizeof(t->msg), "%s", err.msg);
	return NULL;
}

static pid_t
hold_writer_lock(const char *dir, int *release)
{
	int	 up[2], down[2];
	char	 c = 0;
	pid_t	 pid;

	if (pipe(up) != 0 || pipe(down) != 0)
		return -1;
	if ((pid = fork()) == 0) {
		MDB_env	*env;
		MDB_txn	*txn;

		close(up[0]);
		close(down[1]);
		if (mdb_env_create(&env) != 0 ||
		    mdb_env_set_maxdbs(env, 8) != 0 ||
		    mdb_env_open(env, dir, MDB_NOTLS, 0600) != 0 ||
		    mdb_txn_begin(env, NULL, 0, &txn) != 0)
			_exit(1);
		if (write(up[1], "x", 1) != 1 || read(down[0], &c, 1) < 0)
			_exit(1);
		mdb_txn_abort(txn);
		mdb_env_close(env);
		_exit(0);
	}
	close(up[1]);
	close(down[0]);
	if (pid < 0 || read(up[0], &c, 1) != 1) {
		close(up[0]);
		close(down[1]);
		return -1;
	}
	close(up[0]);
	*release = down[1];
	return pid;
}

/* Global: the lock holder is a fork, and its valgrind must see it held. */
struct ks_store *ks_test_group_ks;

static void
test_group_commit(void)
{
	struct ks_store	*ks = ks_test_group_ks = open_store("group", 0, 0);
	struct ssmp_err	 err = { "" };
	struct ks_stats	 st0, st1;
	struct gc_thr	 t[8];
	pthread_t	 th[8];
	char		 dir[300];
	int		 release, status, fresh = 0, replays = 0, other = 0;
	pid_t		 pid;

	if (ks == NULL) {
		ok(0, "group store opened");
		return;
	}
	/* the writers write nonces: the replay cache's own environment */
	snprintf(dir, sizeof(dir), "%s/group/replay", base);
	ks_stats(ks, &st0, &err);
	if ((pid = hold_writer_lock(dir, &release)) < 0) {
		ok(0, "a second process holds the writer lock");
		ks_close(ks);
		return;
	}
	for (int i = 0; i < 8; i++) {
		t[i] = (struct gc_thr){ ks, i, 0, "" };
		pthread_create(&th[i], NULL, gc_writer, &t[i]);
	}
	/* one writer blocked on the other process's lock, seven queued
	 * behind it (polled: a fixed sleep was too short under valgrind on
	 * a loaded machine) */
	for (int ms = 0; ms < 60000; ms += 20) {
		struct ks_stats q;

		memset(&q, 0, sizeof(q));
		if (ks_stats(ks, &q, &err) == 0 && q.queued == 7)
			break;
		usleep(20 * 1000);
	}
	usleep(100 * 1000);
	close(release);
	for (int i = 0; i < 8; i++) {
		pthread_join(th[i], NULL);
		if (t[i].rc == 0)
			fresh++;
		else if (t[i].rc == 1)
			replays++;
		else {
			other++;
			diag("writer %d: %d %s", i, t[i].rc, t[i].msg);
		}
	}
	waitpid(pid, &status, 0);
	ok(WIFEXITED(status) && WEXITSTATUS(status) == 0,
	    "lock holder exited cleanly");
	ks_stats(ks, &st1, &err);
	is_int(other, 0, "no writer failed");
	is_int(fresh, 5, "five distinct nonces stored once each");
	is_int(replays, 3, "the same nonce from four threads: three replays");
	is_int((int)(st1.writes - st0.writes), 8, "eight writes counted");
	is_int((int)(st1.commits - st0.commits), 2,
	    "two transactions: the blocked one, then the seven queued");
	ks_close(ks);
}

int
main(void)
{
	struct ks_store	*ks;
	const char	*tmp = getenv("TMPDIR");

	shared = getenv("SSMP_TEST_SHARED");

	snprintf(base, sizeof(base), "%s/ks-store.XXXXXX", tmp ? tmp : "/tmp");
	if (mkdtemp(base) == NULL) {
		printf("Bail out! mkdtemp %s\n", base);
		return 1;
	}
	ks = open_store("main", 0, 0);
	ok(ks != NULL, "store opened (directory created)");
	if (ks == NULL)
		return done_testing();
	test_allow(ks);
	test_keycache(ks);
	test_replay(ks);
	test_delivered(ks);
	test_pending(ks);
	test_stats(ks);
	test_threads(ks);
	test_put_many(ks);
	test_put_if(ks);
	test_roles(ks);
	test_delivering(ks);
	test_sweeps(ks);
	test_tally(ks);
	test_inbox(ks);
	ks_close(ks);
	if (shared == NULL) {
		test_group_commit();
		test_rdonly();
		test_map_full();
		test_replay_apart();
		test_replay_move();
	}
	if (getenv("SSMP_KEEP_TMP") == NULL) {
		char cmd[400];

		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", base);
		if (system(cmd) != 0)
			diag("could not remove %s", base);
	}
	return done_testing();
}
