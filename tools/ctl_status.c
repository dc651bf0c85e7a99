/*
 * ctl_status.c - ssmpctl status: are the daemons up, what did ssmpd load,
 * what has it done since it started, how full is the store (ctl_info.h).
 *
 * ssmpd is asked on its admin listener (GET /healthz, GET /metrics, plain
 * HTTP on loopback); ssmp-milter by opening its socket and negotiating
 * as an MTA does (milter protocol OPTNEG, then QUIT); the store through
 * the keystore.  Nothing changes anywhere.
 */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <math.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>

#include "ctl_info.h"
#include "keytable.h"
#include "ssmp_buf.h"
#include "ssmp_confparse.h"
#include "store.h"

#define PROBE_TIMEOUT	5

/* --- ssmpd: the admin listener ------------------------------------------ */

/*
 * Whatever answers on the admin port is believed only so far: while a
 * daemon is down any local user can listen there, so an answer is cut
 * at ADMIN_BODY_MAX and shown printable only (no terminal escapes).
 */
#define ADMIN_BODY_MAX	(1 << 20)

static size_t
on_data(char *p, size_t sz, size_t n, void *arg)
{
	struct ssmp_buf *b = arg;

	if (b->len + sz * n > ADMIN_BODY_MAX)
		return 0;			/* curl: write error */
	ssmp_buf_add(b, p, sz * n);
	return sz * n;
}

static void
printable(struct ssmp_buf *b)
{
	for (size_t i = 0; i < b->len; i++)
		if ((b->p[i] < 0x20 && b->p[i] != '\n' && b->p[i] != '\t') ||
		    (unsigned char)b->p[i] >= 0x7f)
			b->p[i] = '?';
}

/* GET http://ADMIN/path into b; the HTTP status, 0 with why set. */
static long
admin_get(const char *admin, const char *path, struct ssmp_buf *b,
    char *why, size_t wlen)
{
	struct ssmp_sockspec ss;
	struct ssmp_err err;
	char url[512], cerr[CURL_ERROR_SIZE] = "";
	CURL *h;
	long http = 0;

	if (ssmp_sockspec_parse(admin, &ss, &err) != 0 ||
	    ss.family == SSMP_SOCK_LOCAL) {
		snprintf(why, wlen, "AdminListen %s: not an inet address", admin);
		return 0;
	}
	snprintf(url, sizeof(url), ss.family == SSMP_SOCK_INET6 ?
	    "http://[%s]:%u%s" : "http://%s:%u%s", ss.host[0] ? ss.host :
	    ss.family == SSMP_SOCK_INET6 ? "::1" : "127.0.0.1", ss.port, path);
	if ((h = curl_easy_init()) == NULL) {
		snprintf(why, wlen, "curl");
		return 0;
	}
	curl_easy_setopt(h, CURLOPT_URL, url);
	curl_easy_setopt(h, CURLOPT_TIMEOUT, (long)PROBE_TIMEOUT);
	curl_easy_setopt(h, CURLOPT_NOPROXY, "*");
	curl_easy_setopt(h, CURLOPT_ERRORBUFFER, cerr);
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_data);
	curl_easy_setopt(h, CURLOPT_WRITEDATA, b);
	if (curl_easy_perform(h) == CURLE_OK)
		curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &http);
	else
		snprintf(why, wlen, "%s", cerr);
	curl_easy_cleanup(h);
	printable(b);
	ssmp_buf_add(b, "", 1);		/* a C string */
	return http;
}

/*
 * The value of the sample "name" or "name{labels}" in Prometheus text
 * (labels as written, in the order written); NAN if absent.
 */
static double
sample(const char *text, const char *name)
{
	size_t n = strlen(name);
	const char *p;

	for (p = text; p != NULL && *p != '\0'; p = strchr(p, '\n'),
	    p = p ? p + 1 : NULL)
		if (strncmp(p, name, n) == 0 && p[n] == ' ')
			return strtod(p + n + 1, NULL);
	return NAN;
}

/* Integer samples, printed as "word N" for those present. */
static void
counters(const char *m, const char *title, const char *const *names,
    const char *const *words)
{
	double v;
	int any = 0;

	printf("%-13s", title);
	for (int i = 0; names[i] != NULL; i++)
		if (!isnan(v = sample(m, names[i])))
			printf("%s %s %.0f", any++ ? "," : "", words[i], v);
	printf("%s\n", any ? "" : " -");
}

static void
show_keys(const char *m)
{
	const char *p;
	char dom[256], sel[64], sig[8];
	int any = 0;

	printf("%-13s", "keys");
	for (p = strstr(m, "\nssmpd_key_info{"); p != NULL;
	    p = strstr(p + 1, "\nssmpd_key_info{"))
		if (sscanf(p, "\nssmpd_key_info{domain=\"%255[^\"]\",selector="
		    "\"%63[^\"]\",signing=\"%7[^\"]\"}", dom, sel, sig) == 3)
			printf("%s %s %s%s", any++ ? "," : "", dom, sel,
			    strcmp(sig, "yes") == 0 ? " (signing)" : "");
	printf("%s\n", any ? " (loaded by ssmpd)" : " none loaded");
}

static void
show_cert(const char *m)
{
	double t = sample(m, "ssmpd_tls_certificate_not_after_seconds");
	char when[64];
	time_t tt;

	if (isnan(t)) {
		printf("%-13s unknown\n", "certificate");
		return;
	}
	tt = (time_t)t;
	strftime(when, sizeof(when), "%Y-%m-%d %H:%M UTC", gmtime(&tt));
	printf("%-13s expires %s (%ld days)%s\n", "certificate", when,
	    (long)((tt - time(NULL)) / 86400), tt - time(NULL) < 14 * 86400 ?
	    ": RENEW IT" : "");
}

/*
 * Requests per endpoint and status class, with the latency under which
 * half and 99 % of them were answered (from the histogram's buckets).
 */
static void
show_requests(const char *m)
{
	static const char *const eps[] = { "envelope", "message", "deliver",
	    "key", "allow", NULL };
	static const char *const les[] = { "0.005", "0.01", "0.025", "0.05",
	    "0.1", "0.25", "0.5", "1", "2.5", "5", "10", "+Inf", NULL };
	char name[200];
	double n, c, v;
	int any = 0;

	for (int e = 0; eps[e] != NULL; e++) {
		snprintf(name, sizeof(name), "ssmpd_http_request_duration_"
		    "seconds_count{endpoint=\"%s\"}", eps[e]);
		if (isnan(n = sample(m, name)) || n == 0)
			continue;
		printf("%-13s%-9s", any++ ? "" : "requests", eps[e]);
		for (int k = 1; k <= 5; k++) {
			snprintf(name, sizeof(name), "ssmpd_http_requests_total"
			    "{endpoint=\"%s\",code=\"%dxx\"}", eps[e], k);
			if (!isnan(v = sample(m, name)))
				printf(" %dxx %.0f", k, v);
		}
		for (int q = 0; q < 2; q++) {
			double want = n * (q == 0 ? 0.5 : 0.99);

			for (int b = 0; les[b] != NULL; b++) {
				snprintf(name, sizeof(name), "ssmpd_http_request_"
				    "duration_seconds_bucket{endpoint=\"%s\","
				    "le=\"%s\"}", eps[e], les[b]);
				if (!isnan(c = sample(m, name)) && c >= want) {
					printf("%s p%s <= %ss", q ? "," : ";",
					    q ? "99" : "50", les[b]);
					break;
				}
			}
		}
		putchar('\n');
	}
}

static int
status_ssmpd(const struct ssmp_config *cfg)
{
	static const char *const env[] = { "ssmpd_envelopes_accepted_total",
	    "ssmpd_envelopes_rejected_total",
	    "ssmpd_envelopes_tempfailed_total", NULL };
	static const char *const envw[] = { "accepted", "rejected",
	    "tempfailed", NULL };
	static const char *const msg[] = { "ssmpd_messages_delivered_total",
	    "ssmpd_messages_duplicate_total", "ssmpd_messages_rejected_total",
	    "ssmpd_messages_tempfailed_total", NULL };
	static const char *const msgw[] = { "delivered", "duplicate",
	    "rejected", "tempfailed", NULL };
	struct ssmp_buf b;
	char why[CURL_ERROR_SIZE + 64] = "";
	double started;
	long http;

	if (cfg->admin_listen == NULL || *cfg->admin_listen == '\0') {
		printf("%-13s ?     no AdminListen: not asked\n", "ssmpd");
		return 0;
	}
	ssmp_buf_init(&b);
	http = admin_get(cfg->admin_listen, "/healthz", &b, why, sizeof(why));
	if (http != 200) {
		printf("%-13s DOWN  AdminListen %s: %s\n", "ssmpd",
		    cfg->admin_listen, http ? (b.len > 1 ? b.p : "unhealthy") :
		    why);
		ssmp_buf_free(&b);
		return -1;
	}
	b.len = 0;
	(void)admin_get(cfg->admin_listen, "/metrics", &b, why, sizeof(why));
	started = sample(b.p, "ssmpd_start_time_seconds");
	printf("%-13s up    AdminListen %s, healthz ok", "ssmpd",
	    cfg->admin_listen);
	if (!isnan(started))
		printf(", up %.0f min", (time(NULL) - started) / 60);
	printf(", %.0f connections\n", sample(b.p, "ssmpd_connections"));
	show_keys(b.p);
	show_cert(b.p);
	counters(b.p, "envelopes", env, envw);
	counters(b.p, "messages", msg, msgw);
	show_requests(b.p);
	ssmp_buf_free(&b);
	return 0;
}

/* --- ssmp-milter: its socket, OPTNEG ----------------------------------- */

static int
milter_connect(const struct ssmp_sockspec *ss, char *why, size_t wlen)
{
	struct sockaddr_un su;
	struct addrinfo hints, *ai = NULL;
	struct timeval tv = { PROBE_TIMEOUT, 0 };
	char port[16];
	int fd = -1, rc;

	if (ss->family == SSMP_SOCK_LOCAL) {
		memset(&su, 0, sizeof(su));
		su.sun_family = AF_UNIX;
		snprintf(su.sun_path, sizeof(su.sun_path), "%s", ss->path);
		if ((fd = socket(AF_UNIX, SOCK_STREAM, 0)) >= 0 &&
		    connect(fd, (struct sockaddr *)&su, sizeof(su)) == 0)
			goto done;
	} else {
		memset(&hints, 0, sizeof(hints));
		hints.ai_socktype = SOCK_STREAM;
		hints.ai_family = ss->family == SSMP_SOCK_INET6 ? AF_INET6 :
		    AF_INET;
		snprintf(port, sizeof(port), "%u", ss->port);
		if ((rc = getaddrinfo(ss->host[0] ? ss->host : NULL, port,
		    &hints, &ai)) != 0) {
			snprintf(why, wlen, "%s", gai_strerror(rc));
			return -1;
		}
		if ((fd = socket(ai->ai_family, SOCK_STREAM, 0)) >= 0 &&
		    connect(fd, ai->ai_addr, ai->ai_addrlen) == 0)
			goto done;
	}
	snprintf(why, wlen, "%s", strerror(errno));
	if (fd >= 0)
		close(fd);
	if (ai != NULL)
		freeaddrinfo(ai);
	return -1;
done:
	if (ai != NULL)
		freeaddrinfo(ai);
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	return fd;
}

/* OPTNEG as an MTA sends it; the milter's protocol version, or -1. */
static long
milter_optneg(int fd, char *why, size_t wlen)
{
	unsigned char out[17], in[64];
	uint32_t v;
	ssize_t n;

	v = htonl(13);
	memcpy(out, &v, 4);
	out[4] = 'O';
	v = htonl(6);			/* protocol version */
	memcpy(out + 5, &v, 4);
	v = htonl(0x1ff);		/* actions we would allow */
	memcpy(out + 9, &v, 4);
	v = htonl(0);			/* protocol steps */
	memcpy(out + 13, &v, 4);
	if (write(fd, out, sizeof(out)) != (ssize_t)sizeof(out) ||
	    (n = read(fd, in, sizeof(in))) < 9 || in[4] != 'O') {
		snprintf(why, wlen, "no milter negotiation answer");
		return -1;
	}
	memcpy(&v, in + 5, 4);
	out[0] = out[1] = out[2] = 0;	/* QUIT */
	out[3] = 1;
	out[4] = 'Q';
	(void)!write(fd, out, 5);
	return (long)ntohl(v);
}

/*
 * The milter's recipients by outcome since its start (its
 * MilterAdminListen), summed over the status codes, and the messages
 * discarded (all recipients by SSMP).
 */
static void
milter_counters(const char *admin)
{
	static const char *const outcomes[] = { "upgraded", "fell back",
	    "rejected", "not SSMP", "tempfailed", "DNS temporary", NULL };
	struct ssmp_buf b;
	char why[CURL_ERROR_SIZE + 64] = "", pat[64];
	const char *p;
	double sum;

	ssmp_buf_init(&b);
	if (admin_get(admin, "/metrics", &b, why, sizeof(why)) != 200) {
		printf("%-13s MilterAdminListen %s: %s\n", "outbound", admin,
		    *why ? why : "no metrics");
		ssmp_buf_free(&b);
		return;
	}
	printf("%-13s", "outbound");
	for (int o = 0; outcomes[o] != NULL; o++) {
		sum = 0;
		snprintf(pat, sizeof(pat), "\nssmp_milter_recipients_total"
		    "{outcome=\"%s\",", outcomes[o]);
		for (p = strstr(b.p, pat); p != NULL; p = strstr(p + 1, pat))
			if (strchr(p, '}') != NULL)
				sum += strtod(strchr(p, '}') + 1, NULL);
		printf("%s %s %.0f", o ? "," : "", outcomes[o], sum);
	}
	printf("; messages discarded %.0f\n",
	    sample(b.p, "ssmp_milter_messages_discarded_total"));
	ssmp_buf_free(&b);
}

static int
status_milter(const struct ssmp_config *cfg)
{
	struct ssmp_sockspec ss;
	struct ssmp_err err;
	char why[256] = "";
	long version = -1;
	int fd;

	if (ssmp_sockspec_parse(cfg->socket, &ss, &err) != 0) {
		printf("%-13s ?     Socket %s: %s\n", "ssmp-milter", cfg->socket,
		    err.msg);
		return -1;
	}
	if ((fd = milter_connect(&ss, why, sizeof(why))) >= 0) {
		version = milter_optneg(fd, why, sizeof(why));
		close(fd);
	}
	if (version < 0) {
		printf("%-13s DOWN  Socket %s: %s\n", "ssmp-milter", cfg->socket,
		    why);
		return -1;
	}
	printf("%-13s up    Socket %s, milter protocol %ld\n", "ssmp-milter",
	    cfg->socket, version);
	if (cfg->milter_admin_listen != NULL)
		milter_counters(cfg->milter_admin_listen);
	return 0;
}

/* --- the store -------------------------------------------------------------- */

static void
status_store(const struct ssmp_config *cfg, struct ks_store *ks)
{
	struct ks_stats st;
	struct ssmp_err err;

	if (ks == NULL || ks_stats(ks, &st, &err) != 0) {
		printf("%-13s %s: %s\n", "store", cfg->database, ks == NULL ?
		    "not opened" : err.msg);
		return;
	}
	printf("%-13s %s: map %zu of %zu pages (%.1f%% of MapSize %zu "
	    "MiB), readers %u of %u\n", "store", cfg->database, st.pages_used,
	    st.pages_max, st.pages_max ? 100.0 * (double)st.pages_used /
	    (double)st.pages_max : 0.0, st.mapsize >> 20, st.readers_used,
	    st.readers_max);
	printf("%-13s", "");
	for (int i = 0; i < KS_NDB; i++)
		printf("%s %s %zu", i ? "," : "", ks_db_name(i), st.entries[i]);
	putchar('\n');
}

int
ctl_status(const struct ssmp_config *cfg, struct ks_store *ks)
{
	int down = 0;

	down += status_ssmpd(cfg) != 0;
	down += status_milter(cfg) != 0;
	status_store(cfg, ks);
	return down ? EX_UNAVAILABLE : EX_OK;
}
