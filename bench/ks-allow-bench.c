/*
 * ks-allow-bench - allow-list lookups per second with 1,000,000 entries,
 * against raw LMDB mdb_get on the same keys, in the same run.
 *
 *	ks-allow-bench DIR [ENTRIES [LOOKUPS]]
 *
 * The peer figures are LMDB at its barest: one read transaction held for
 * the whole loop (raw), and a fresh begin/abort per lookup (raw+txn),
 * which is what a correct daemon must pay at least.  ks_allow_lookup
 * also lower-cases, builds the key and, on a miss, tries *@domain.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <lmdb.h>

#include "store.h"

#define NRCPT	1000

static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void
entry(size_t i, char *rcpt, char *sender)
{
	snprintf(rcpt, 64, "user%zu@b.test", i % NRCPT);
	snprintf(sender, 64, "sender%zu@a%zu.test", i / NRCPT, i % 97);
}

static void
fill(struct ks_store *ks, size_t n)
{
	struct ks_allow	*v = calloc(10000, sizeof(*v));
	struct ssmp_err	 err;
	size_t		 i, k;

	for (i = 0; i < n; i += k) {
		for (k = 0; k < 10000 && i + k < n; k++) {
			entry(i + k, v[k].rcpt, v[k].pattern);
			v[k].tier = KS_TIER_KNOWN;
			v[k].origin = KS_ORIGIN_LOCAL;
		}
		if (ks_allow_import(ks, v, k, &err) != 0) {
			fprintf(stderr, "fill: %s\n", err.msg);
			exit(1);
		}
	}
	free(v);
}

struct probe {
	char	rcpt[64], sender[64];
	char	key[130];
	size_t	klen;
};

static double
bench_ks(struct ks_store *ks, struct probe *p, size_t n, int *bad)
{
	struct ssmp_err	err;
	enum ks_tier	tier;
	double		t = now();
	size_t		i;

	for (i = 0; i < n; i++)
		if (ks_allow_lookup(ks, p[i].rcpt, p[i].sender, &tier, NULL,
		    &err) != 0)
			(*bad)++;
	return (double)n / (now() - t);
}

static double
bench_raw(MDB_env *env, MDB_dbi dbi, struct probe *p, size_t n, int per_txn,
    int *bad)
{
	MDB_txn	*txn = NULL;
	MDB_val	 k, v;
	double	 t = now();
	size_t	 i;

	if (!per_txn)
		mdb_txn_begin(env, NULL, MDB_RDONLY, &txn);
	for (i = 0; i < n; i++) {
		if (per_txn)
			mdb_txn_begin(env, NULL, MDB_RDONLY, &txn);
		k.mv_data = p[i].key;
		k.mv_size = p[i].klen;
		if (mdb_get(txn, dbi, &k, &v) != 0)
			(*bad)++;
		if (per_txn)
			mdb_txn_abort(txn);
	}
	if (!per_txn)
		mdb_txn_abort(txn);
	return (double)n / (now() - t);
}

int
main(int argc, char **argv)
{
	struct ks_store	*ks;
	struct ks_stats	 st;
	struct ssmp_err	 err;
	struct probe	*p;
	MDB_dbi		 dbi;
	MDB_env		*env;
	size_t		 n = argc > 2 ? strtoul(argv[2], NULL, 10) : 1000000;
	size_t		 m = argc > 3 ? strtoul(argv[3], NULL, 10) : 2000000;
	size_t		 i, r;
	double		 t, ks_rate, raw_rate, txn_rate;
	int		 bad = 0, round;

	if (argc < 2 || n == 0 || m == 0) {
		fprintf(stderr, "usage: ks-allow-bench DIR [ENTRIES [LOOKUPS]]\n");
		return 64;
	}
	if (ks_open(argv[1], (size_t)2 << 30, 0, &ks, &err) != 0) {
		fprintf(stderr, "ks-allow-bench: %s\n", err.msg);
		return 1;
	}
	t = now();
	fill(ks, n);
	ks_stats(ks, &st, &err);
	printf("filled %zu entries in %.1f s (%zu MiB of map used)\n",
	    st.entries[KS_DB_ALLOW], now() - t,
	    st.pages_used * st.pagesize >> 20);
	env = ks_raw_env(ks, KS_DB_ALLOW, &dbi);
	p = calloc(m, sizeof(*p));
	srand(42);
	for (i = 0; i < m; i++) {
		r = ((size_t)rand() << 16 ^ (size_t)rand()) % n;
		entry(r, p[i].rcpt, p[i].sender);
		p[i].klen = (size_t)snprintf(p[i].key, sizeof(p[i].key), "%s",
		    p[i].rcpt) + 1;
		p[i].klen += (size_t)snprintf(p[i].key + p[i].klen,
		    sizeof(p[i].key) - p[i].klen, "%s", p[i].sender);
	}
	/* best of three rounds each, interleaved so noise hits all alike */
	ks_rate = raw_rate = txn_rate = 0;
	for (round = 0; round < 3; round++) {
		double a = bench_raw(env, dbi, p, m, 0, &bad);
		double b = bench_raw(env, dbi, p, m, 1, &bad);
		double c = bench_ks(ks, p, m, &bad);

		raw_rate = a > raw_rate ? a : raw_rate;
		txn_rate = b > txn_rate ? b : txn_rate;
		ks_rate = c > ks_rate ? c : ks_rate;
	}
	printf("lookups: %zu random hits, best of 3 rounds\n", m);
	printf("raw mdb_get, one txn:       %10.0f /s\n", raw_rate);
	printf("raw mdb_get, txn per get:   %10.0f /s\n", txn_rate);
	printf("ks_allow_lookup:            %10.0f /s\n", ks_rate);
	printf("ratio ks/raw:               %10.2f (goal >= 0.50)\n",
	    ks_rate / raw_rate);
	printf("ratio ks/raw+txn:           %10.2f\n", ks_rate / txn_rate);
	if (bad)
		printf("ERROR: %d lookups missed\n", bad);
	free(p);
	ks_close(ks);
	return bad ? 1 : 0;
}
