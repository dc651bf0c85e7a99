/*
 * ssmpc.c - a small SSMP client toolkit for the shell tests of ssmpd.
 *
 * Builds what a real sender would send, with libssmp, from a key given
 * as a 32-byte hex seed, so tests drive ssmpd with curl:
 *   ssmpc envelope SEED SEL FROM TO[,TO...] [NONCE [TIME|+-SECONDS]]
 *                                        -> envelope JSON
 *   ssmpc msgsig SEED NONCE MSGID <body  -> SSMP-Signature value
 *   ssmpc b64url <file                   -> base64url of stdin, no padding
 *   ssmpc keyrec SEED                    -> "v=SSMP1; k=ed25519; p=..."
 *   ssmpc keyfile SEED                   -> PEM PKCS#8 private key
 *   ssmpc receipt PUBSEED <answer.json   -> verifies the receipt, prints
 *                                           "ok DOMAIN SEL TO..." or fails
 *   ssmpc nonce                          -> a fresh nonce
 *   ssmpc addr CONF STEP...              -> for each STEP, a host name:
 *                                           "HOST ADDRS" (dnsq_addr, one
 *                                           resolver for all steps, as
 *                                           CONF sets it) or "HOST error
 *                                           STATUS"; a STEP "-" waits
 *                                           for a line on stdin
 *   ssmpc report SEED SEL REPORTER ABOUT YYYY-MM-DD ID OUT [SAMPLE]
 *                                        -> a report of REPORTER about
 *                                           ABOUT (one delivery, one
 *                                           failure with SAMPLE) in OUT;
 *                                           prints its signature field
 *   ssmpc allow DBDIR RCPT PATTERN TIER  -> allow-list entry (LMDB store)
 *   ssmpc fill DBDIR                     -> write allow-list entries until
 *                                           the map is full; prints how many
 *        With SSMPC_HOLD=SECONDS a child keeps a read snapshot that long,
 *        and the last record is rewritten until that fails too: LMDB
 *        reuses freed pages only behind the oldest reader, so then not
 *        even an overwrite finds a page, for anyone.
 * The store is opened with MapSize $SSMPC_MAPSIZE bytes (default 1 GiB),
 * which must match the daemon's.
 * Exit 0 on success, 1 with a message on stderr otherwise.
 */
#include "config.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <lmdb.h>

#include <openssl/evp.h>
#include <openssl/pem.h>

#include "ssmp_b64.h"
#include "ssmp_buf.h"
#include "ssmp_config.h"
#include "ssmp_crypto.h"
#include "ssmp_envelope.h"
#include "ssmp_message.h"
#include "ssmp_receipt.h"
#include "ssmp_report.h"
#include "ssmp_status.h"
#include "ssmp_time.h"
#include "ssmp_txt.h"
#include "dnsq.h"
#include "store.h"

static void __attribute__((noreturn))
die(const char *what, const char *msg)
{
	fprintf(stderr, "ssmpc: %s: %s\n", what, msg);
	exit(1);
}

static void
key_from_hex(const char *hex, struct ssmp_key *k)
{
	unsigned char seed[SSMP_SEED_BYTES];

	if (strlen(hex) != 64)
		die("seed", "need 64 hex digits");
	for (int i = 0; i < 32; i++)
		if (sscanf(hex + 2 * i, "%2hhx", &seed[i]) != 1)
			die("seed", "bad hex");
	ssmp_key_from_seed(k, seed);
}

static void
read_stdin(struct ssmp_buf *b)
{
	char chunk[65536];
	size_t n;

	while ((n = fread(chunk, 1, sizeof(chunk), stdin)) > 0)
		ssmp_buf_add(b, chunk, n);
}

static int
cmd_envelope(int argc, char **argv)
{
	struct ssmp_key k;
	struct ssmp_envelope e;
	struct ssmp_time t, *tp = NULL;
	struct ssmp_err err;
	struct ssmp_buf out;
	const char *to[SSMP_MAX_RCPT];
	char *list, *tok, *save;
	int nto = 0;

	if (argc < 4)
		die("envelope", "SEED SEL FROM TO[,TO] [NONCE [TIME]]");
	key_from_hex(argv[0], &k);
	list = strdup(argv[3]);
	for (tok = strtok_r(list, ",", &save); tok && nto < SSMP_MAX_RCPT;
	    tok = strtok_r(NULL, ",", &save))
		to[nto++] = tok;
	if (argc > 5) {
		if (argv[5][0] == '+' || argv[5][0] == '-') {
			ssmp_time_now(&t);
			t.sec += atol(argv[5]);
		} else if (ssmp_time_parse(argv[5], &t, &err) != 0)
			die("time", err.msg);
		tp = &t;
	}
	if (ssmp_envelope_build(&e, tp, argv[2], to, nto,
	    argc > 4 && argv[4][0] ? argv[4] : NULL, argv[1], &k, &err) != 0)
		die("envelope", err.msg);
	ssmp_buf_init(&out);
	ssmp_envelope_encode(&e, &out);
	printf("%s\n", out.p);
	ssmp_buf_free(&out);
	free(list);
	return 0;
}

static int
cmd_msgsig(int argc, char **argv)
{
	struct ssmp_key k;
	struct ssmp_msgsig m;
	struct ssmp_err err;
	struct ssmp_buf body;
	char hex[SSMP_HASH_HEX + 1], b64[SSMP_SIG_B64 + 1];

	if (argc < 3)
		die("msgsig", "SEED NONCE MSGID <body");
	key_from_hex(argv[0], &k);
	ssmp_buf_init(&body);
	read_stdin(&body);
	ssmp_hash_hex(body.p, body.len, hex);
	ssmp_buf_free(&body);
	if (ssmp_msgsig_build(&m, argv[1], argv[2], hex, &k, &err) != 0)
		die("msgsig", err.msg);
	ssmp_b64_encode(b64, sizeof(b64), m.sig, sizeof(m.sig), SSMP_B64_STD);
	printf("%s\n", b64);
	return 0;
}

static int
cmd_b64url(void)
{
	struct ssmp_buf in;
	char *out;
	size_t n;

	ssmp_buf_init(&in);
	read_stdin(&in);
	while (in.len > 0 && in.p[in.len - 1] == '\n')
		in.len--;
	n = ssmp_b64_encoded_len(in.len, SSMP_B64_URL);
	out = malloc(n);
	ssmp_b64_encode(out, n, (unsigned char *)in.p, in.len, SSMP_B64_URL);
	printf("%s\n", out);
	free(out);
	ssmp_buf_free(&in);
	return 0;
}

static int
cmd_keyrec(char **argv)
{
	struct ssmp_key k;
	struct ssmp_keyrec r;
	struct ssmp_err err;
	char txt[SSMP_TXT_MAX + 1];

	key_from_hex(argv[0], &k);
	memset(&r, 0, sizeof(r));
	memcpy(r.pk, k.pk, sizeof(r.pk));
	if (ssmp_keyrec_format(&r, txt, sizeof(txt), &err) != 0)
		die("keyrec", err.msg);
	printf("%s\n", txt);
	return 0;
}

static int
cmd_keyfile(char **argv)
{
	struct ssmp_key k;
	EVP_PKEY *pk;

	key_from_hex(argv[0], &k);
	pk = EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, NULL, k.sk, 32);
	if (pk == NULL || PEM_write_PrivateKey(stdout, pk, NULL, NULL, 0,
	    NULL, NULL) != 1)
		die("keyfile", "OpenSSL cannot write the key");
	EVP_PKEY_free(pk);
	return 0;
}

static int
cmd_receipt(char **argv)
{
	struct ssmp_key k;
	struct ssmp_buf in;
	struct ssmp_response *r = calloc(1, sizeof(*r));
	struct ssmp_err err;

	key_from_hex(argv[0], &k);
	ssmp_buf_init(&in);
	read_stdin(&in);
	if (ssmp_response_decode(in.p, in.len, r, &err) != 0)
		die("answer", err.msg);
	if (!r->has_receipt)
		die("answer", "no receipt");
	if (ssmp_receipt_verify(&r->receipt, k.pk, &err) != 0)
		die("receipt", err.msg);
	printf("ok %s %s", r->receipt.domain, r->receipt.selector);
	for (int i = 0; i < r->receipt.nto; i++)
		printf(" %s", r->receipt.to[i]);
	printf(" %s\n", r->receipt.time);
	ssmp_buf_free(&in);
	free(r);
	return 0;
}

static size_t
mapsize(void)
{
	const char *s = getenv("SSMPC_MAPSIZE");

	return s != NULL ? (size_t)strtoull(s, NULL, 10) : 0;
}

static int
cmd_allow(char **argv)
{
	struct ks_store *ks;
	struct ssmp_err err;
	enum ks_tier tier;

	if (ks_tier_parse(argv[3], &tier, &err) != 0)
		die("tier", err.msg);
	if (ks_open(argv[0], mapsize(), 0, &ks, &err) != 0)
		die("store", err.msg);
	if (ks_allow_put(ks, argv[1], argv[2], tier, KS_ORIGIN_LOCAL,
	    &err) != 0)
		die("allow", err.msg);
	ks_close(ks);
	return 0;
}

/*
 * Fill the store's map (a test of what ssmpd does when LMDB is full):
 * allow-list entries in batches of shrinking size (one transaction per
 * batch, so it is quick), then small delivered-log entries one by one,
 * each until the map refuses several in a row: then no write of the
 * delivered-log fits any more.
 */
static int
fill_allow(struct ks_store *ks, long *n, size_t batch, struct ssmp_err *err)
{
	struct ks_allow *v = ssmp_xcalloc(batch, sizeof(*v));
	int rc;

	for (size_t i = 0; i < batch; i++) {
		snprintf(v[i].rcpt, sizeof(v[i].rcpt), "fill%ld@b.test",
		    *n + (long)i);
		snprintf(v[i].pattern, sizeof(v[i].pattern),
		    "*@fill.example.com");
		v[i].tier = KS_TIER_KNOWN;
		v[i].origin = KS_ORIGIN_LOCAL;
	}
	if ((rc = ks_allow_import(ks, v, batch, err)) == 0)
		*n += (long)batch;
	free(v);
	return rc;
}

static int
fill_delivered(struct ks_store *ks, long *n, struct ssmp_err *err)
{
	struct ks_delivered dv;
	int rc;

	memset(&dv, 0, sizeof(dv));
	snprintf(dv.from, sizeof(dv.from), "fill@fill.example.com");
	snprintf(dv.msgid, sizeof(dv.msgid), "<f%ld@fill>", *n);
	snprintf(dv.rcpt, sizeof(dv.rcpt), "fill@b.test");
	dv.role = KS_RECEIVED;
	dv.outcome = KS_OUT_REJECTED;
	dv.time = 1;
	if ((rc = ks_delivered_put(ks, &dv, err)) == 0)
		(*n)++;
	return rc;
}

/* SSMPC_HOLD: a child holds a snapshot of the full map (see the top). */
static void
hold(const char *dir)
{
	const char	*h = getenv("SSMPC_HOLD");
	struct ks_store	*ks;
	struct ssmp_err	 err;
	MDB_txn		*txn;
	unsigned	 dbi;
	int		 up[2];
	char		 c;

	if (h == NULL || pipe(up) != 0)
		return;
	if (fork() == 0) {
		close(up[0]);
		if (ks_open(dir, mapsize(), KS_RDONLY, &ks, &err) != 0 ||
		    mdb_txn_begin(ks_raw_env(ks, KS_DB_ALLOW, &dbi), NULL,
		    MDB_RDONLY, &txn) != 0)
			_exit(1);
		(void)write(up[1], "x", 1);
		close(up[1]);
		close(0);
		close(1);
		close(2);
		sleep((unsigned)atoi(h));
		_exit(0);
	}
	close(up[1]);
	(void)read(up[0], &c, 1);
	close(up[0]);
}

static int
cmd_fill(char **argv)
{
	struct ks_store *ks;
	struct ssmp_err err;
	long n = 0;
	int rc, refused;

	if (ks_open(argv[0], mapsize(), 0, &ks, &err) != 0)
		die("store", err.msg);
	for (size_t batch = 1024; batch >= 1; batch /= 4)
		for (refused = 0; refused < 3; ) {
			rc = fill_allow(ks, &n, batch, &err);
			if (rc == KS_ETEMP)
				refused++;
			else if (rc != 0)
				die("fill", err.msg);
		}
	for (refused = 0; refused < 5; ) {
		rc = fill_delivered(ks, &n, &err);
		if (rc == KS_ETEMP)
			refused++;
		else if (rc != 0)
			die("fill", err.msg);
		else
			refused = 0;
	}
	if (getenv("SSMPC_HOLD") != NULL) {
		/*
		 * A reader pins the snapshot; rewriting a record again and
		 * again then uses up every free page, as nothing it frees
		 * can be used while the reader holds on.
		 */
		hold(argv[0]);
		for (refused = 0; refused < 5; ) {
			long last = n - 1;

			rc = fill_delivered(ks, &last, &err);
			refused += rc == KS_ETEMP;
			if (rc != 0 && rc != KS_ETEMP)
				die("fill", err.msg);
		}
	}
	ks_close(ks);
	printf("%ld\n", n);
	return 0;
}

static int
cmd_report(char **argv)
{
	struct ssmp_report	*r = ssmp_xcalloc(1, sizeof(*r));
	struct ssmp_rpolicy	*p = &r->policy[0];
	struct ssmp_rsig	 s;
	struct ssmp_key		 k;
	struct ssmp_time	 now;
	struct ssmp_buf		 b;
	struct ssmp_err		 err;
	char			 dt[32], hash[SSMP_HASH_HEX + 1];
	FILE			*f;

	key_from_hex(argv[0], &k);
	snprintf(r->reporter, sizeof(r->reporter), "%s", argv[2]);
	snprintf(r->domain, sizeof(r->domain), "%s", argv[3]);
	snprintf(dt, sizeof(dt), "%sT00:00:00Z", argv[4]);
	if (ssmp_report_datetime_parse(dt, &r->start) != 0)
		die("report", "bad date");
	r->end = r->start + 86399;
	snprintf(r->id, sizeof(r->id), "%s", argv[5]);
	r->npolicy = 1;
	p->ok = 1;
	p->fail = 1;
	p->ndetail = 1;
	p->detail[0].type = SSMP_RT_TIMEOUT;
	p->detail[0].count = 1;
	snprintf(p->detail[0].code, sizeof(p->detail[0].code), "4.4.1");
	snprintf(p->detail[0].sample, sizeof(p->detail[0].sample), "%s",
	    argv[7] ? argv[7] : "no answer in time");
	ssmp_buf_init(&b);
	ssmp_report_encode(r, &b);
	if ((f = fopen(argv[6], "w")) == NULL ||
	    fwrite(b.p, 1, b.len, f) != b.len || fclose(f) != 0)
		die("report", "cannot write");
	ssmp_hash_hex(b.p, b.len, hash);
	memset(&s, 0, sizeof(s));
	snprintf(s.domain, sizeof(s.domain), "%s", argv[2]);
	snprintf(s.selector, sizeof(s.selector), "%s", argv[1]);
	ssmp_time_now(&now);
	if (ssmp_time_format(&now, s.time, &err) != 0)
		die("time", err.msg);
	ssmp_rsig_sign(&s, hash, &k);
	ssmp_buf_reset(&b);
	ssmp_rsig_format(&s, &b);
	printf("%.*s\n", (int)b.len, b.p);
	ssmp_buf_free(&b);
	free(r);
	return 0;
}

/* Address lookups through one resolver, between the shell's changes. */
static int
cmd_addr(int argc, char **argv)
{
	struct ssmp_config	 cfg;
	struct ssmp_err		 err;
	struct dnsq		*dq;
	enum dnsq_status	 st;
	char			 addr[DNSQ_ADDR_MAX], line[64];
	int			 i;

	if (argc < 1)
		die("usage", "ssmpc addr CONF STEP...");
	if (ssmp_config_load(argv[0], &cfg, &err) != 0 ||
	    dnsq_new(&cfg, &dq, &err) != 0)
		die(argv[0], err.msg);
	setvbuf(stdout, NULL, _IOLBF, 0);
	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "-") == 0) {
			if (fgets(line, sizeof(line), stdin) == NULL)
				die("addr", "no go-ahead on stdin");
			continue;
		}
		st = dnsq_addr(dq, argv[i], addr, sizeof(addr), NULL, &err);
		if (st == DNSQ_OK)
			printf("%s %s\n", argv[i], addr);
		else
			printf("%s error %s\n", argv[i], dnsq_status_name(st));
	}
	dnsq_free(dq);
	ssmp_config_free(&cfg);
	return 0;
}

int
main(int argc, char **argv)
{
	struct ssmp_err err;
	char nonce[SSMP_NONCE_LEN + 1];

	if (ssmp_crypto_init(&err) != 0)
		die("init", err.msg);
	if (argc < 2)
		die("usage", "ssmpc envelope|msgsig|b64url|keyrec|keyfile|"
		    "receipt|nonce ...");
	if (strcmp(argv[1], "envelope") == 0)
		return cmd_envelope(argc - 2, argv + 2);
	if (strcmp(argv[1], "msgsig") == 0)
		return cmd_msgsig(argc - 2, argv + 2);
	if (strcmp(argv[1], "b64url") == 0)
		return cmd_b64url();
	if (strcmp(argv[1], "keyrec") == 0 && argc > 2)
		return cmd_keyrec(argv + 2);
	if (strcmp(argv[1], "keyfile") == 0 && argc > 2)
		return cmd_keyfile(argv + 2);
	if (strcmp(argv[1], "receipt") == 0 && argc > 2)
		return cmd_receipt(argv + 2);
	if (strcmp(argv[1], "allow") == 0 && argc > 5)
		return cmd_allow(argv + 2);
	if (strcmp(argv[1], "fill") == 0 && argc > 2)
		return cmd_fill(argv + 2);
	if (strcmp(argv[1], "report") == 0 && argc > 8)
		return cmd_report(argv + 2);
	if (strcmp(argv[1], "addr") == 0)
		return cmd_addr(argc - 2, argv + 2);
	if (strcmp(argv[1], "nonce") == 0) {
		ssmp_nonce_new(nonce);
		printf("%s\n", nonce);
		return 0;
	}
	die("usage", "unknown command");
}
