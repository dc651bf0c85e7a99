/*
 * ssmpd.c - the inbound SSMP bridge: main program.
 *
 * Reads ssmp.conf, binds the listeners, drops privileges, then runs one
 * libevent loop; blocking work goes to two worker pools (DNS and the
 * MTA hand-off).  SIGHUP reloads the TLS certificate and key and the
 * domain keys; SIGTERM stops accepting, lets requests in flight finish
 * (at most ReadTimeout + 30 s) and exits.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <netdb.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>
#include <event2/thread.h>
#include <openssl/ssl.h>

#include "consent_recv.h"
#include "certcheck.h"
#include "http.h"
#include "keycheck.h"
#include "keyfetch.h"
#include "keyhttp.h"
#include "keyproc.h"
#include "keys.h"
#include "metrics.h"
#include "pending.h"
#include "ratelimit.h"
#include "rcptcache.h"
#include "report_recv.h"
#include "smtpc.h"
#include "ssmp_cli.h"
#include "ssmp_config.h"
#include "ssmp_config_dump.h"
#include "ssmp_crypto.h"
#include "ssmp_daemon.h"
#include "ssmp_log.h"
#include "ssmp_notify.h"
#include "ssmp_preflight.h"
#include "routes.h"
#include "ssmpd.h"
#include "store.h"
#include "tls.h"
#include "workq.h"

#define ALLOW_THREADS	4	/* allow-list reads; DNS needs none */
#define MTA_THREADS	8
/*
 * Writers block for a commit's fsyncs; the keystore commits the writes
 * of all threads waiting at once together, so more threads = bigger
 * batches, not more disk work.
 */
#define STORE_THREADS	64
#define DRAIN_GRACE	30

static struct ssmp_config cfg;
static time_t drain_deadline;

/*
 * Open files MaxConnections may need: a descriptor per connection and
 * per spooled body, 128 more (check_nofile() at start, -n).
 */
#define NOFILE_NEED(maxconn)	((unsigned long)(maxconn) * 2 + 128)

static const char usage_text[] =
    "usage: ssmpd [-fnpV] [-c CONF]\n"
    "  -c CONF  the configuration (default " SSMP_CONFIG_PATH ")\n"
    "  -f       stay in the foreground, log to standard error\n"
    "  -n       check what a start reads and needs, then exit\n"
    "  -p       print every setting, its value and where it comes from\n"
    "  -V       print the version\n";

static void __attribute__((noreturn))
usage(void)
{
	ssmp_cli_usage("ssmpd", usage_text, NULL);
}

static void __attribute__((noreturn, format(printf, 1, 2)))
fatal(const char *fmt, ...)
{
	char buf[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	/* once: on stderr, and in syslog when that is where the log goes */
	if (ssmp_log_syslog())
		ssmp_log(LOG_CRIT, NULL, "%s", buf);
	fprintf(stderr, "ssmpd: %s\n", buf);
	exit(1);
}

/* ssmp.conf -> the settings in the units ssmpd uses. */
static int
derive_conf(const struct ssmp_config *c, struct bridge_conf *b,
    struct ssmp_err *err)
{
	static char host[256];

	memset(b, 0, sizeof(*b));
	b->tls_cert = c->tls_certificate;
	b->tls_key = c->tls_key;
	b->admin_listen = c->admin_listen;
	if (ssmp_sockspec_parse(c->mta, &b->mta, err) != 0)
		return ssmp_err_prefix(err, "MTA: ");
	b->lmtp = c->mta_protocol != NULL &&
	    strcasecmp(c->mta_protocol, "lmtp") == 0;
	b->max_message = c->max_message_size;
	b->max_conn = c->max_connections;
	b->max_conn_client = c->max_conn_client;
	if (c->conn_limit_except.n > BRIDGE_EXCEPT_MAX)
		return ssmp_err_set(err, "ConnectionLimitExceptions: more than "
		    "%d entries", BRIDGE_EXCEPT_MAX);
	for (size_t i = 0; i < c->conn_limit_except.n; i++)
		if (ssmp_cidr_parse(c->conn_limit_except.v[i],
		    &b->conn_except[i], err) != 0)
			return ssmp_err_prefix(err,
			    "ConnectionLimitExceptions: ");
	b->nconn_except = c->conn_limit_except.n;
	b->read_timeout = c->read_timeout;
	b->window = c->window;
	b->rcpt_cache = c->rcpt_cache_time;
	b->unknown_tag = c->unknown_sender != NULL &&
	    strcasecmp(c->unknown_sender, "tag") == 0;
	if (c->key_source == NULL || strcasecmp(c->key_source, "dns") == 0)
		b->keysource = KEYSRC_DNS;
	else if (strcasecmp(c->key_source, "https") == 0)
		b->keysource = KEYSRC_HTTPS;
	else if (strcasecmp(c->key_source, "both") == 0)
		b->keysource = KEYSRC_BOTH;
	else
		return ssmp_err_set(err, "KeySource %s: not dns, https or "
		    "both", c->key_source);
	b->min_ttl = c->min_cache_ttl;
	b->max_ttl = c->max_cache_ttl;
	if (c->hostname != NULL)
		b->hostname = c->hostname;
	else {
		gethostname(host, sizeof(host) - 1);
		b->hostname = host;
	}
	b->rl_domain = c->rate_limit_domain;
	b->rl_client = c->rate_limit_client;
	b->authserv_id = c->authserv_id != NULL ? c->authserv_id : b->hostname;
	b->max_inflight = c->max_bytes_in_flight;
	b->spool_threshold = c->spool_threshold;
	b->spool_dir = c->spool_directory;
	b->mta_reuse_time = c->mta_reuse_time;
	b->mta_reuse_count = c->mta_reuse_count;
	b->log_time = c->delivered_log_time;
	b->max_pending = c->max_pending;
	b->max_pending_domain = c->max_pending_domain;
	b->user = c->user_id;
	b->pidfile = c->pid_file;
	b->background = c->background;
	return 0;
}

static int
bind_spec(const char *spec, struct ssmp_err *err)
{
	struct ssmp_sockspec ss;
	struct addrinfo *ai;
	int fd, one = 1;

	if (ssmp_sockspec_parse(spec, &ss, err) != 0)
		return -1;
	if (ss.family == SSMP_SOCK_LOCAL) {
		struct sockaddr_un su;

		memset(&su, 0, sizeof(su));
		su.sun_family = AF_UNIX;
		snprintf(su.sun_path, sizeof(su.sun_path), "%s", ss.path);
		unlink(ss.path);
		if ((fd = socket(AF_UNIX, SOCK_STREAM, 0)) < 0 ||
		    bind(fd, (struct sockaddr *)&su, sizeof(su)) != 0)
			return ssmp_err_set(err, "%s: %s", spec,
			    strerror(errno));
	} else {
		if (ssmp_sockspec_addrinfo(&ss, &ai) != 0)
			return ssmp_err_set(err, "%s: bad address", spec);
		fd = socket(ai->ai_family, SOCK_STREAM, 0);
		setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
		if (fd < 0 || bind(fd, ai->ai_addr, ai->ai_addrlen) != 0) {
			freeaddrinfo(ai);
			return ssmp_err_set(err, "%s: %s", spec,
			    strerror(errno));
		}
		freeaddrinfo(ai);
	}
	if (listen(fd, 1024) != 0)
		return ssmp_err_set(err, "%s: listen: %s", spec,
		    strerror(errno));
	evutil_make_socket_nonblocking(fd);
	return fd;
}

static void
listen_all(struct ssmpd *d)
{
	struct ssmp_err err;
	int fd;

	for (size_t i = 0; i < cfg.listen.n; i++) {
		if ((fd = bind_spec(cfg.listen.v[i], &err)) < 0)
			fatal("Listen %s", err.msg);
		http_listen(d, fd, true, ROLE_SSMP);
	}
	for (size_t i = 0; i < cfg.plain_listen.n; i++) {
		if ((fd = bind_spec(cfg.plain_listen.v[i], &err)) < 0)
			fatal("PlainListen %s", err.msg);
		http_listen(d, fd, false, ROLE_SSMP);
	}
	if (d->conf.admin_listen != NULL && *d->conf.admin_listen != '\0') {
		if ((fd = bind_spec(d->conf.admin_listen, &err)) < 0)
			fatal("AdminListen %s", err.msg);
		http_listen(d, fd, false, ROLE_ADMIN);
	}
}

static void
log_keys(const struct ks_keytable *t, const char *when)
{
	for (size_t i = 0; i < t->n; i++)
		ssmp_log(LOG_INFO, NULL, "%s: domain %s selector %s%s", when,
		    t->v[i].domain, t->v[i].selector,
		    t->v[i].active ? " (signing)" : "");
}

/*
 * SIGHUP: new TLS context and keys (read by the key process), or keep
 * the old ones; a fresh resolver.  "reloaded" only when all took;
 * ExecReload runs "ssmpd -n" first, which checks the same files and
 * fails loudly.
 */
static void
reload(struct ssmpd *d)
{
	struct ssmp_err err;
	SSL_CTX *ctx;
	struct ks_keytable *k;
	char why[sizeof(err.msg)] = "";	/* the first failure */

	(void)ssmp_notify_reloading();
	if ((ctx = tls_ctx_new(d->conf.tls_cert, d->conf.tls_key, &err))
	    == NULL) {
		ssmp_log(LOG_ERR, NULL, "reload failed: %s; keeping the old "
		    "certificate", err.msg);
		snprintf(why, sizeof(why), "%s", err.msg);
	} else {
		SSL_CTX_free(d->ssl);
		d->ssl = ctx;
		metrics_tls(certcheck_not_after(d->conf.tls_cert));
	}
	/* Requests in flight hold the old table; it goes with the last. */
	if (keyproc_reload(d->kp, &k, &err) != 0) {
		ssmp_log(LOG_ERR, NULL, "reload failed: %s; keeping the old "
		    "keys", err.msg);
		if (*why == '\0')
			snprintf(why, sizeof(why), "%s", err.msg);
	} else {
		ks_keytable_release(d->keys);
		d->keys = k;
		log_keys(d->keys, "reload");
	}
	if (keyfetch_restart(d, &err) != 0) {
		ssmp_log(LOG_ERR, NULL, "reload failed: %s; keeping the old "
		    "resolver", err.msg);
		if (*why == '\0')
			snprintf(why, sizeof(why), "%s", err.msg);
	}
	if (*why == '\0') {
		ssmp_log(LOG_INFO, NULL, "reloaded");
		(void)ssmp_notify("READY=1\nSTATUS=reloaded");
	} else
		(void)ssmp_notifyf("READY=1\nSTATUS=reload failed, old ones "
		    "kept: %s", why);
}

static void
drain(struct ssmpd *d)
{
	if (d->draining)
		return;
	ssmp_log(LOG_INFO, NULL, "stopping: %d connections to finish",
	    http_nconn(d));
	(void)ssmp_notify("STOPPING=1");
	http_drain(d);
	drain_deadline = time(NULL) + d->conf.read_timeout + DRAIN_GRACE;
}

static void
on_signal(evutil_socket_t sig, short what, void *arg)
{
	struct ssmpd *d = arg;

	if (sig == SIGHUP) {
		reload(d);
		return;
	}
	drain(d);
}

/*
 * Workers: the keystore's sweeps are writes (with SharedDatabase round
 * trips): never on the loop.
 */
static void
sweep_run(void *arg)
{
	struct ssmp_err err;

	if (ks_replay_sweep(arg, time(NULL), NULL, &err) < 0)
		ssmp_log(LOG_WARNING, NULL, "replay sweep: %s", err.msg);
}

static void
housekeeping_run(void *arg)
{
	struct ssmpd *d = arg;

	ks_housekeeping(d->store, time(NULL), d->conf.log_time);
}

static void
sweep_done(void *arg)
{
	(void)arg;
}

/* Housekeeping each second: expiry, and the end of a drain. */
static void
on_tick(evutil_socket_t fd, short what, void *arg)
{
	struct ssmpd *d = arg;
	static time_t last_sweep, last_store;
	time_t now = time(NULL);

	if (now - last_sweep >= 60) {
		last_sweep = now;
		pending_sweep(d->pending, now);
		workq_submit(d->storeq, sweep_run, sweep_done, d->store);
	}
	if (now - last_store >= KS_SWEEP_INTERVAL) {
		last_store = now;
		workq_submit(d->storeq, housekeeping_run, sweep_done, d);
	}
	if (!d->draining && !keyproc_alive(d->kp)) {
		/* no receipts without it: stop, and let systemd restart us */
		ssmp_log(LOG_CRIT, NULL, "key process (pid %ld) is gone; "
		    "stopping", (long)keyproc_pid(d->kp));
		d->exit_code = 1;
		drain(d);
	}
	if (d->draining && ((http_nconn(d) == 0 && workq_busy(d->mtaq) == 0)
	    || now > drain_deadline))
		event_base_loopbreak(d->base);
}

/*
 * A connection takes a descriptor, and one more while its body spools:
 * raise the soft limit of open files as far as the hard one allows, and
 * say so when MaxConnections could still run out of them (accepting
 * then pauses: http.c).
 */
static void
check_nofile(struct ssmpd *d)
{
	struct rlimit rl;
	rlim_t need = NOFILE_NEED(d->conf.max_conn);

	if (getrlimit(RLIMIT_NOFILE, &rl) != 0)
		return;
	if (rl.rlim_cur < need && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = need < rl.rlim_max ? need : rl.rlim_max;
		(void)setrlimit(RLIMIT_NOFILE, &rl);
		(void)getrlimit(RLIMIT_NOFILE, &rl);
	}
	if (rl.rlim_cur < need)
		ssmp_log(LOG_WARNING, NULL, "open files limit %llu is below "
		    "the %llu that MaxConnections %ld may need (a descriptor "
		    "per connection and per spooled body, 128 more): new "
		    "connections wait when they run out",
		    (unsigned long long)rl.rlim_cur, (unsigned long long)need,
		    d->conf.max_conn);
}

/*
 * SpoolDirectory holds large request bodies (unlinked files): it must be
 * a directory this user can write, not writable by others; made if
 * missing.
 */
static void
open_spool(struct ssmpd *d)
{
	struct stat st;

	/* one level, private: Database/spool by default */
	if (mkdir(d->conf.spool_dir, 0700) != 0 && errno != EEXIST)
		fatal("SpoolDirectory %s: %s", d->conf.spool_dir,
		    strerror(errno));
	if ((d->spool_fd = open(d->conf.spool_dir, O_RDONLY | O_DIRECTORY |
	    O_CLOEXEC)) < 0 || fstat(d->spool_fd, &st) != 0)
		fatal("SpoolDirectory %s: %s", d->conf.spool_dir,
		    strerror(errno));
	if ((st.st_mode & 002) != 0)
		fatal("SpoolDirectory %s: writable by others",
		    d->conf.spool_dir);
	if (faccessat(d->spool_fd, ".", W_OK, AT_EACCESS) != 0)
		fatal("SpoolDirectory %s: %s", d->conf.spool_dir,
		    strerror(errno));
	d->inflight.mem_max = 16 * d->conf.spool_threshold;
	if (d->inflight.mem_max < 4 * SSMP_ENVELOPE_JSON_MAX)
		d->inflight.mem_max = 4 * SSMP_ENVELOPE_JSON_MAX;
}

static void
setup(struct ssmpd *d)
{
	struct ssmp_err err;

	/* first, so the key process inherits nothing but the configuration */
	if (keyproc_start(&cfg, d->conf_path, d->conf.user, KEYPROC_SIGN,
	    &d->kp, &d->keys, &err) != 0)
		fatal("%s", err.msg);
	log_keys(d->keys, "start");
	if ((d->ssl = tls_ctx_new(d->conf.tls_cert, d->conf.tls_key, &err))
	    == NULL)
		fatal("%s", err.msg);
	metrics_start(certcheck_not_after(d->conf.tls_cert));
	if ((d->conf.keysource & KEYSRC_HTTPS) &&
	    keyhttp_new(d->base, &cfg, &d->keyhttp, &err) != 0)
		fatal("%s", err.msg);
	check_nofile(d);
	listen_all(d);
	if (ssmp_daemon_pidfile_write(d->conf.pidfile, d->conf.user, &err) != 0)
		fatal("%s", err.msg);
	if (consent_setup(d, &cfg, &err) != 0)	/* reads a root-only file */
		fatal("%s", err.msg);
	if (ssmp_daemon_drop(d->conf.user, &err) != 0) {
		ssmp_daemon_pidfile_remove(d->conf.pidfile);
		fatal("%s", err.msg);
	}
	/* a shared database that is down: 4xx until it is back */
	if (ks_open_shared(cfg.database, cfg.shared_database, cfg.map_size,
	    KS_LAZY, &d->store, &err) != 0)
		fatal("%s: %s", cfg.shared_database ? "SharedDatabase" :
		    cfg.database, err.msg);
	open_spool(d);
	d->allowq = workq_new(d->base, ALLOW_THREADS);
	if (keyfetch_setup(d, &cfg, &err) != 0)
		fatal("%s", err.msg);
	d->mtaq = workq_new(d->base, MTA_THREADS);
	d->storeq = workq_new(d->base, STORE_THREADS);
	d->smtp = smtpc_pool_new(&d->conf.mta, d->conf.lmtp,
	    d->conf.hostname, 30, &(struct smtpc_reuse){
	    (int)d->conf.mta_reuse_time, (int)d->conf.mta_reuse_count });
	d->pending = pending_new((size_t)d->conf.max_pending,
	    (size_t)d->conf.max_pending_domain);
	d->rl_client = ratelimit_new(d->conf.rl_client);
	d->rl_domain = ratelimit_new(d->conf.rl_domain);
	/* ratelimit counts per minute: fed minutes, it counts per hour */
	d->rl_report = ratelimit_new(REPORT_RATE_DOMAIN);
	d->rcache = rcptcache_new(d->conf.rcpt_cache);
}

static void
teardown(struct ssmpd *d)
{
	keyfetch_free(d);
	workq_free(d->allowq);
	workq_free(d->mtaq);
	workq_free(d->storeq);
	smtpc_pool_free(d->smtp);
	pending_free(d->pending);
	ratelimit_free(d->rl_client);
	ratelimit_free(d->rl_domain);
	ratelimit_free(d->rl_report);
	rcptcache_free(d->rcache);
	consent_free(d->consent);
	ks_keytable_release(d->keys);
	keyproc_stop(d->kp);
	keyhttp_free(d->keyhttp);
	ks_close(d->store);
	SSL_CTX_free(d->ssl);
	if (d->spool_fd >= 0)
		close(d->spool_fd);
}

static void
run(struct ssmpd *d)
{
	struct event *sig[4], *tick;
	const int sigs[] = { SIGHUP, SIGTERM, SIGINT, SIGQUIT };
	struct timeval one = { 1, 0 };

	for (int i = 0; i < 4; i++) {
		sig[i] = evsignal_new(d->base, sigs[i], on_signal, d);
		evsignal_add(sig[i], NULL);
	}
	tick = event_new(d->base, -1, EV_PERSIST, on_tick, d);
	event_add(tick, &one);
	ssmp_log(LOG_INFO, NULL, "ready");
	event_base_dispatch(d->base);
	for (int i = 0; i < 4; i++)
		event_free(sig[i]);
	event_free(tick);
}

/*
 * -n: what a start or a reload would read and need, checked now, in the
 * order a start meets them: the domain keys (read as the key process
 * will, so run it as the daemon is started; mode and owner), the TLS
 * certificate and key (match, dates), the database and spool directories
 * (as UserID), the listeners (bound and closed; in use is fine under a
 * reload: systemd sets $MAINPID for ExecReload), the open files limit.
 * The first problem: exit 1 naming it.  Then, as warnings, a certificate
 * expiring within 14 days and keys that differ from DNS.  Nothing is
 * created.
 */
static void
check_warn(const char *msg)
{
	fprintf(stderr, "ssmpd: warning: %s\n", msg);
}

static int
spool_as_user(void *arg, struct ssmp_err *err)
{
	return ssmp_preflight_dir_make("SpoolDirectory", arg, err);
}

static int
check_listeners(bool reload, struct ssmp_err *err)
{
	for (size_t i = 0; i < cfg.listen.n; i++)
		if (ssmp_preflight_bind("Listen", cfg.listen.v[i], false,
		    reload, err) != 0)
			return -1;
	for (size_t i = 0; i < cfg.plain_listen.n; i++)
		if (ssmp_preflight_bind("PlainListen", cfg.plain_listen.v[i],
		    false, reload, err) != 0)
			return -1;
	if (cfg.admin_listen != NULL && *cfg.admin_listen != '\0')
		return ssmp_preflight_bind("AdminListen", cfg.admin_listen,
		    false, reload, err);
	return 0;
}

static int
check(const struct bridge_conf *b)
{
	struct ssmp_err err;
	SSL_CTX *ctx;
	char warn[PATH_MAX + 100];
	long days;

	if (ks_check_keys(&cfg, &err) != 0 ||
	    (ctx = tls_ctx_new(b->tls_cert, b->tls_key, &err)) == NULL)
		goto fail;
	SSL_CTX_free(ctx);
	if (certcheck_dates(b->tls_cert, 14, &days, warn, sizeof(warn),
	    &err) != 0 || ks_check_database(&cfg, &err) != 0 ||
	    ssmp_preflight_as(b->user, spool_as_user, (void *)b->spool_dir,
	    &err) != 0 || check_listeners(getenv("MAINPID") != NULL, &err) != 0)
		goto fail;
	if (ssmp_preflight_nofile(NOFILE_NEED(b->max_conn), "MaxConnections",
	    &err) != 0)
		check_warn(err.msg);
	if (*warn != '\0')
		check_warn(warn);
	(void)ks_check_dns(&cfg, check_warn);
	return 0;
fail:
	fprintf(stderr, "ssmpd: %s\n", err.msg);
	return 1;
}

int
main(int argc, char **argv)
{
	static struct ssmpd d;
	struct ssmp_err err;
	const char *path = SSMP_CONFIG_PATH;
	bool foreground = false, check_only = false, dump = false;
	int ch, readyfd = -1;

	ssmp_cli_early(argc, argv, "ssmpd", usage_text);
	while ((ch = getopt(argc, argv, "c:fnpV")) != -1)
		switch (ch) {
		case 'c': path = optarg; break;
		case 'f': foreground = true; break;
		case 'n': check_only = true; break;
		case 'p': dump = true; break;
		case 'V': ssmp_cli_version("ssmpd");
		default: usage();
		}
	if (optind != argc)
		usage();
	if (dump) {
		if (ssmp_config_dump(path, SSMP_DUMP_ALL, NULL, 0, stdout,
		    &err) == 0)
			return 0;
		fprintf(stderr, "ssmpd: %s\n", err.msg);
		return 1;
	}
	if (ssmp_config_load(path, &cfg, &err) != 0 ||
	    derive_conf(&cfg, &d.conf, &err) != 0 ||
	    ssmp_daemon_need_user(d.conf.user, &err) != 0 ||
	    ssmp_crypto_init(&err) != 0) {
		fprintf(stderr, "ssmpd: %s\n", err.msg);
		return 1;
	}
	if (check_only)
		return check(&d.conf);
	ssmp_log_open("ssmpd", cfg.syslog && !foreground, cfg.syslog_facility);
	ssmp_log_set_level(ssmp_log_level(cfg.log_level));
	signal(SIGPIPE, SIG_IGN);
	evthread_use_pthreads();
	/* before any thread or event base exists */
	if (d.conf.background && !foreground &&
	    ssmp_daemon_background(&readyfd, &err) != 0)
		fatal("%s", err.msg);
	d.conf_path = path;
	/* request ids (R...) go on from the start time: unique across
	 * restarts unless a million requests a second */
	d.reqseq = (uint64_t)time(NULL) << 20;
	d.base = event_base_new();
	d.router = routes_find;
	setup(&d);
	ssmp_daemon_ready(readyfd);
	run(&d);
	teardown(&d);
	event_base_free(d.base);
	ssmp_daemon_pidfile_remove(d.conf.pidfile);
	ssmp_log(LOG_INFO, NULL, "stopped");
	ssmp_config_free(&cfg);
	return d.exit_code;
}
