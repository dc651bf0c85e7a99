/*
 * ssmpd-load.c - load generator and in-process benchmark for ssmpd
 * (bench/ssmpd-bench.sh runs it).  Sender key: the a.test test seed of
 * ssmp.7 TEST VECTORS, selector s2026; recipient bob@b.test.
 *
 *   ssmpd-load verify SECONDS THREADS
 *	the envelope check pipeline in process (JSON decode, time window,
 *	signature) vs raw crypto_sign_verify_detached, same threads, same
 *	run; prints both rates and the ratio
 *   ssmpd-load env  HOST PORT CAFILE N CONC
 *	N envelope phases over CONC keep-alive TLS connections
 *   ssmpd-load msg  HOST PORT CAFILE N CONC SIZE
 *	N envelope + message phases (SIZE-octet messages)
 *   ssmpd-load idle HOST PORT CAFILE N SECONDS
 *	hold N idle TLS connections (handshake done) for SECONDS; prints
 *	"ready" once all are up
 *   ssmpd-load strangers HOST PORT CAFILE N CONC
 *	N envelope phases from made-up senders: x@uI.PID.a.test (a domain
 *	that does not exist) and x@c.test (one that does), each with a
 *	made-up selector zI; prints how many got which HTTP status
 * Envelopes and signatures are made before the clock starts.  HOST is
 * pinned to 127.0.0.1, or with SSMPD_LOAD_ADDRS="A1,A2,..." connection i
 * to address i modulo their number (several ssmpd nodes serving HOST).
 */
#include "config.h"

#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <unistd.h>

#include <curl/curl.h>
#include <openssl/ssl.h>
#include <sodium.h>

#include "ssmp_b64.h"
#include "ssmp_buf.h"
#include "ssmp_crypto.h"
#include "ssmp_envelope.h"
#include "ssmp_message.h"
#include "ssmp_time.h"

#define SEL	"s2026"

struct item {
	char	*env;			/* envelope JSON */
	char	 nonce[SSMP_NONCE_LEN + 1];
	char	 msgid[64];
	char	 sig[SSMP_SIG_B64 + 1];	/* message signature */
};

static struct ssmp_key key;
static struct item *items;
static int nitems, next_item, failures;
static char *body;
static size_t bodylen;
static const char *host, *cafile;
static int port, with_msg, strangers;
static int nstatus[600];
static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;

static double
now(void)
{
	struct timeval tv;

	gettimeofday(&tv, NULL);
	return tv.tv_sec + tv.tv_usec / 1e6;
}

static void __attribute__((noreturn))
die(const char *msg)
{
	fprintf(stderr, "ssmpd-load: %s\n", msg);
	exit(1);
}

static void
make_key(void)
{
	unsigned char seed[SSMP_SEED_BYTES];

	for (int i = 0; i < SSMP_SEED_BYTES; i++)
		seed[i] = (unsigned char)i;
	ssmp_key_from_seed(&key, seed);
}

static void
make_items(int n, size_t size)
{
	const char *to[1] = { "bob@b.test" };
	struct ssmp_envelope e;
	struct ssmp_msgsig ms;
	struct ssmp_err err;
	struct ssmp_buf b;
	char hex[SSMP_HASH_HEX + 1];

	char from[128], sel[32];

	items = calloc((size_t)n, sizeof(*items));
	for (int i = 0; i < n; i++) {
		if (i % 2)
			snprintf(from, sizeof(from), "x@c.test");
		else
			snprintf(from, sizeof(from), "x@u%d.%ld.a.test", i,
			    (long)getpid());
		snprintf(sel, sizeof(sel), "z%d-%ld", i, (long)getpid());
		if (ssmp_envelope_build(&e, NULL, strangers ? from :
		    "alice@a.test", to, 1, NULL, strangers ? sel : SEL, &key,
		    &err) != 0)
			die(err.msg);
		ssmp_buf_init(&b);
		ssmp_envelope_encode(&e, &b);
		items[i].env = strdup(b.p);
		ssmp_buf_free(&b);
		snprintf(items[i].nonce, sizeof(items[i].nonce), "%s", e.nonce);
		snprintf(items[i].msgid, sizeof(items[i].msgid),
		    "<bench%d.%ld@a.test>", i, (long)getpid());
	}
	nitems = n;
	if (size == 0)
		return;
	/* one body for all: headers, then filler lines to SIZE octets */
	body = malloc(size + 256);
	bodylen = (size_t)snprintf(body, 256, "From: alice@a.test\r\nTo: "
	    "bob@b.test\r\nSubject: bench\r\n\r\n");
	while (bodylen + 66 <= size) {
		memset(body + bodylen, 'x', 64);
		memcpy(body + bodylen + 64, "\r\n", 2);
		bodylen += 66;
	}
	ssmp_hash_hex(body, bodylen, hex);
	for (int i = 0; i < n; i++) {
		if (ssmp_msgsig_build(&ms, items[i].nonce, items[i].msgid, hex,
		    &key, &err) != 0)
			die(err.msg);
		ssmp_b64_encode(items[i].sig, sizeof(items[i].sig), ms.sig,
		    sizeof(ms.sig), SSMP_B64_STD);
	}
}

/* ---- verify: in process ------------------------------------------- */

static volatile int stop;
static long counts[64];
static int raw_mode;

static void *
verify_thread(void *arg)
{
	long id = (long)arg, n = 0;
	struct ssmp_envelope e;
	struct ssmp_time t;
	struct ssmp_err err;
	struct ssmp_buf in;

	ssmp_buf_init(&in);
	if (ssmp_envelope_decode(items[id].env, strlen(items[id].env), &e,
	    &err) != 0)
		die(err.msg);
	ssmp_envelope_signing_input(&e, &in);
	while (!stop) {
		const struct item *it = &items[(id * 7919 + n) % nitems];

		if (raw_mode) {
			if (crypto_sign_verify_detached(e.sig,
			    (const unsigned char *)in.p, in.len, key.pk) != 0)
				die("raw verify failed");
		} else {
			ssmp_time_now(&t);
			if (ssmp_envelope_decode(it->env, strlen(it->env), &e,
			    &err) != 0 || ssmp_time_check_window(&e.tm, &t,
			    300, &err) != 0 || ssmp_envelope_verify(&e, key.pk,
			    &err) != 0)
				die(err.msg);
		}
		n++;
	}
	counts[id] = n;
	ssmp_buf_free(&in);
	return NULL;
}

static double
verify_run(int raw, int threads, double secs)
{
	pthread_t th[64];
	long total = 0;

	raw_mode = raw;
	stop = 0;
	for (long i = 0; i < threads; i++)
		pthread_create(&th[i], NULL, verify_thread, (void *)i);
	usleep((useconds_t)(secs * 1e6));
	stop = 1;
	for (int i = 0; i < threads; i++) {
		pthread_join(th[i], NULL);
		total += counts[i];
	}
	return total / secs;
}

static int
cmd_verify(double secs, int threads)
{
	double raw, pipe;

	make_items(1000, 0);
	raw = verify_run(1, threads, secs);
	pipe = verify_run(0, threads, secs);
	printf("raw libsodium verify, %d threads: %.0f/s\n", threads, raw);
	printf("ssmpd check pipeline (decode+window+verify), %d threads: "
	    "%.0f/s\n", threads, pipe);
	printf("ratio pipeline/raw: %.2f\n", pipe / raw);
	return 0;
}

/* ---- env, msg: over HTTPS ----------------------------------------- */

static size_t
sink_body(char *p, size_t s, size_t n, void *arg)
{
	(void)p;
	(void)arg;
	return s * n;
}

static int
post(CURL *c, const char *path, const char *ctype, const void *data,
    size_t len, struct curl_slist *extra)
{
	char url[256];
	struct curl_slist *h = curl_slist_append(extra, ctype);
	long status = 0;

	snprintf(url, sizeof(url), "https://%s:%d/.well-known/ssmp/v1/%s",
	    host, port, path);
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
	curl_easy_setopt(c, CURLOPT_POSTFIELDS, data);
	curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE, (long)len);
	if (curl_easy_perform(c) == CURLE_OK)
		curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
	curl_slist_free_all(h);
	pthread_mutex_lock(&mu);
	nstatus[status > 0 && status < 600 ? status : 0]++;
	pthread_mutex_unlock(&mu);
	return status == 200 ? 0 : -1;
}

/* The address connection i goes to (SSMPD_LOAD_ADDRS, see the top). */
static void
node_addr(int i, char *out, size_t outlen)
{
	const char	*v = getenv("SSMPD_LOAD_ADDRS");
	char		 buf[256], *save, *a;
	int		 n = 0, k;

	snprintf(buf, sizeof(buf), "%s", v != NULL && *v ? v : "127.0.0.1");
	for (a = buf; (a = strchr(a, ',')) != NULL; a++)
		n++;
	a = strtok_r(buf, ",", &save);
	for (k = i % (n + 1); a != NULL && k > 0; k--)
		a = strtok_r(NULL, ",", &save);
	snprintf(out, outlen, "%s", a != NULL ? a : "127.0.0.1");
}

static void *
http_thread(void *arg)
{
	CURL *c = curl_easy_init();
	struct curl_slist *pin;
	char pinv[256], hdr[2][512], path[128], addr[64];
	int i;

	node_addr((int)(intptr_t)arg, addr, sizeof(addr));
	snprintf(pinv, sizeof(pinv), "%s:%d:%s", host, port, addr);
	pin = curl_slist_append(NULL, pinv);
	curl_easy_setopt(c, CURLOPT_RESOLVE, pin);
	curl_easy_setopt(c, CURLOPT_CAINFO, cafile);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, sink_body);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	for (;;) {
		pthread_mutex_lock(&mu);
		i = next_item < nitems ? next_item++ : -1;
		pthread_mutex_unlock(&mu);
		if (i < 0)
			break;
		const struct item *it = &items[i];
		int bad = post(c, "envelope", "Content-Type: application/json",
		    it->env, strlen(it->env), NULL);

		if (!bad && with_msg) {
			struct curl_slist *x;

			snprintf(hdr[0], sizeof(hdr[0]), "SSMP-Msgid: %s",
			    it->msgid);
			snprintf(hdr[1], sizeof(hdr[1]), "SSMP-Signature: %s",
			    it->sig);
			x = curl_slist_append(NULL, hdr[0]);
			x = curl_slist_append(x, hdr[1]);
			x = curl_slist_append(x, "Expect:");
			snprintf(path, sizeof(path), "message/%s", it->nonce);
			bad = post(c, path, "Content-Type: message/rfc822",
			    body, bodylen, x);
		}
		if (bad) {
			pthread_mutex_lock(&mu);
			failures++;
			pthread_mutex_unlock(&mu);
		}
	}
	curl_easy_cleanup(c);
	curl_slist_free_all(pin);
	return NULL;
}

static int
cmd_http(int n, int conc, size_t size)
{
	pthread_t th[256];
	double t0, t;

	with_msg = size > 0;
	make_items(n, size);
	curl_global_init(CURL_GLOBAL_DEFAULT);
	t0 = now();
	for (int i = 0; i < conc; i++)
		pthread_create(&th[i], NULL, http_thread, (void *)(intptr_t)i);
	for (int i = 0; i < conc; i++)
		pthread_join(th[i], NULL);
	t = now() - t0;
	printf("%s: %d in %.2f s over %d connections: %.0f/s, %d failed\n",
	    strangers ? "envelopes from made-up senders" : with_msg ?
	    "messages (envelope+message)" : "envelopes", n, t, conc, n / t,
	    failures);
	if (strangers) {
		for (int i = 0; i < 600; i++)
			if (nstatus[i] > 0)
				printf("status %d: %d\n", i, nstatus[i]);
		return nstatus[200] > 0 || nstatus[0] > 0;
	}
	return failures > 0;
}

/* ---- idle TLS connections ------------------------------------------ */

static int
cmd_idle(int n, int secs)
{
	SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());
	char pinv[64];
	int up = 0;

	SSL_CTX_load_verify_locations(ctx, cafile, NULL);
	snprintf(pinv, sizeof(pinv), "127.0.0.1:%d", port);
	for (int i = 0; i < n; i++) {
		BIO *b = BIO_new_ssl_connect(ctx);
		SSL *ssl;

		BIO_get_ssl(b, &ssl);
		SSL_set_tlsext_host_name(ssl, host);
		BIO_set_conn_hostname(b, pinv);
		if (BIO_do_connect(b) <= 0 || BIO_do_handshake(b) <= 0) {
			fprintf(stderr, "connection %d failed\n", i);
			break;
		}
		up++;	/* kept open on purpose until exit */
	}
	printf("ready %d\n", up);
	fflush(stdout);
	sleep((unsigned)secs);
	return up == n ? 0 : 1;
}

int
main(int argc, char **argv)
{
	struct ssmp_err err;

	if (ssmp_crypto_init(&err) != 0)
		die(err.msg);
	make_key();
	if (argc == 4 && strcmp(argv[1], "verify") == 0)
		return cmd_verify(atof(argv[2]), atoi(argv[3]));
	if (argc < 7)
		die("usage: verify SECS THREADS | env HOST PORT CAFILE N CONC |"
		    " msg HOST PORT CAFILE N CONC SIZE | idle HOST PORT CAFILE"
		    " N SECS | strangers HOST PORT CAFILE N CONC");
	host = argv[2];
	port = atoi(argv[3]);
	cafile = argv[4];
	if (strcmp(argv[1], "env") == 0)
		return cmd_http(atoi(argv[5]), atoi(argv[6]), 0);
	if (strcmp(argv[1], "strangers") == 0) {
		strangers = 1;
		return cmd_http(atoi(argv[5]), atoi(argv[6]), 0);
	}
	if (strcmp(argv[1], "msg") == 0 && argc == 8)
		return cmd_http(atoi(argv[5]), atoi(argv[6]),
		    (size_t)atol(argv[7]));
	if (strcmp(argv[1], "idle") == 0)
		return cmd_idle(atoi(argv[5]), atoi(argv[6]));
	die("unknown mode");
}
