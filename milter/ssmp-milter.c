/*
 * ssmp-milter.c - main(): configuration, the daemon chores of
 * ssmp_daemon.h (Background, PidFile, UserID), the SIGUSR1 key reload,
 * and handing control to libmilter.
 *
 * Usage: ssmp-milter [-fnV] [-c CONF] [-t FILE]
 *   -c CONF  configuration file (default SYSCONFDIR/ssmp.conf)
 *   -f       stay in the foreground (overrides Background)
 *   -n       check the configuration and exit
 *   -t FILE  test mode: the decisions for a message file, nothing sent
 *   -V       print the version and exit
 */
#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <signal.h>
#include <stdio.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <libmilter/mfapi.h>

#include "config.h"
#include "ssmp_crypto.h"
#include "ssmp_cli.h"
#include "ssmp_daemon.h"
#include "ssmp_notify.h"
#include "ssmp_sandbox.h"
#include "ssmp_log.h"
#include "keyproc.h"
#include "rsend.h"
#include "store.h"
#include "milter.h"
#include "mcheck.h"
#include "mmetrics.h"
#include "msocket.h"
#include "send_core.h"
#include "signer.h"
#include "testmode.h"

static const char usage_text[] =
    "usage: ssmp-milter [-fnV] [-c CONF] [-t FILE]\n"
    "  -c CONF  the configuration (default " SSMP_CONFIG_PATH ")\n"
    "  -f       stay in the foreground, log to standard error\n"
    "  -n       check what a start reads and needs, then exit\n"
    "  -t FILE  test mode: run the outbound decisions on a message\n"
    "  -V       print the version\n";

static void __attribute__((noreturn))
usage(void)
{
	ssmp_cli_usage("ssmp-milter", usage_text, NULL);
}

static void
die(const char *what, const char *msg)
{
	/* once: on stderr, and in syslog when that is where the log goes */
	if (ssmp_log_syslog())
		ssmp_log(LOG_ERR, NULL, "%s%s%s", what, *what ? ": " : "", msg);
	fprintf(stderr, "ssmp-milter: %s%s%s\n", what, *what ? ": " : "", msg);
	/* Only removes a PidFile that holds our own pid. */
	if (milter != NULL)
		ssmp_daemon_pidfile_remove(milter->cfg.pid_file);
	exit(1);
}

static void
load_nets(struct milter *m)
{
	struct ssmp_err	err;
	size_t		i;

	m->nnets = m->cfg.internal_hosts.n;
	m->nets = ssmp_xcalloc(m->nnets + 1, sizeof(*m->nets));
	for (i = 0; i < m->nnets; i++)
		if (ssmp_cidr_parse(m->cfg.internal_hosts.v[i], &m->nets[i],
		    &err) != 0)
			die("InternalHosts", err.msg);
}

/*
 * Everything that must fail before we detach.  The keys: read here
 * (as root) for -n and -t; a daemon gets them from its key process.
 */
static void
setup(struct milter *m, const char *conf, bool daemon)
{
	struct ssmp_err	err;

	if (ssmp_crypto_init(&err) != 0)
		die("", err.msg);
	if (ssmp_config_load(conf, &m->cfg, &err) != 0)
		die("", err.msg);
	if (ssmp_daemon_need_user(m->cfg.user_id, &err) != 0)
		die("", err.msg);
	load_nets(m);
	if (ssmp_sockspec_check(m->cfg.socket, &err) != 0)
		die("Socket", err.msg);
	if (!daemon && signer_load(&m->cfg, &m->signer, &err) != 0)
		die("", err.msg);
}

/*
 * The key process (keyproc.h, export mode) reads the key files, so they
 * may stay readable by root alone and SIGUSR1 still reloads them after
 * the drop; the milter holds its table in locked memory, wiped when the
 * last message using it ends.  Forked before any thread exists.
 */
static void
start_keys(struct milter *m, const char *conf)
{
	struct ks_keytable	*t;
	struct ssmp_err		 err;

	if (keyproc_start(&m->cfg, conf, m->cfg.user_id, KEYPROC_EXPORT,
	    &m->kp, &t, &err) != 0)
		die("", err.msg);
	m->signer = signer_new(t);
}

/*
 * The keystore and the delivery client come after the privilege drop, so
 * LMDB files are created by UserID and no thread runs before the fork.
 */
static void
setup_client(struct milter *m)
{
	struct ssmp_err	err;
	static char	host[256];

	if (sc_client_open(&m->cfg, &m->ks, &m->dl, &err) != 0)
		die("", err.msg);
	if (gethostname(host, sizeof(host) - 1) != 0)
		(void)snprintf(host, sizeof(host), "localhost");
	m->hostname = m->cfg.hostname ? m->cfg.hostname : host;
}

/*
 * -n and -t as the start would: keys read as root (done), then UserID,
 * then the keystore, so files it creates belong to UserID and a store
 * only root can open fails here rather than at the first message.
 */
static void
check_as_user(struct milter *m)
{
	struct ssmp_err err;

	if (ssmp_daemon_drop(m->cfg.user_id, &err) != 0)
		die("", err.msg);
	setup_client(m);
}

/*
 * SpoolDirectory holds message bodies: private, and made (0700, the
 * UserID's) when missing, so -n and a first start work on a fresh host.
 */
static void
check_spool(const struct milter *m)
{
	struct ssmp_err err;

	if (ssmp_daemon_private_dir("SpoolDirectory", m->cfg.spool_directory,
	    m->cfg.user_id, &err) != 0)
		die("", err.msg);
}

/*
 * Order of ssmp_daemon.h: detach before any thread exists, bind and
 * write the PidFile as root, then become UserID.
 */
static void
daemonise(struct milter *m, const char *conf, int fg, int *readyfd)
{
	struct ssmp_err	err;
	struct msocket	ms;

	if (!fg && m->cfg.background &&
	    ssmp_daemon_background(readyfd, &err) != 0)
		die("", err.msg);
	if (msocket_prepare(&m->cfg, &ms, &err) != 0)
		die("", err.msg);
	if (smfi_setconn(m->cfg.socket) == MI_FAILURE ||
	    smfi_register(milter_desc) == MI_FAILURE)
		die("Socket", "libmilter refused the socket or registration");
	msocket_binding(&ms);
	if (smfi_opensocket(1) == MI_FAILURE)
		die("Socket", "cannot listen (in use? permissions?)");
	if (msocket_done(&ms, &err) != 0)
		die("", err.msg);
	if (ssmp_daemon_pidfile_write(m->cfg.pid_file, m->cfg.user_id,
	    &err) != 0)
		die("", err.msg);
	start_keys(m, conf);
	if (ssmp_daemon_drop(m->cfg.user_id, &err) != 0) {
		ssmp_daemon_pidfile_remove(m->cfg.pid_file);
		die("", err.msg);
	}
	/* keys in memory: no core file, no reader of /proc/PID/mem */
	if (ssmp_sandbox_nodump(&err) != 0)
		die("", err.msg);
}

/* --- SIGUSR1: read the key table again ---------------------------------- */

/*
 * libmilter's own signal thread takes SIGHUP, SIGTERM and SIGINT, all as
 * "stop".  SIGUSR1 is blocked before any thread exists, so every thread
 * inherits the mask, and this thread alone takes it with sigwait(): the
 * reload runs as ordinary code, not in a signal handler.
 */
static int		 reload_stop;
static pthread_t	 reload_tid;
static sigset_t		 reload_set;

static void
log_key(const char *domain, const char *selector, int signing)
{
	ssmp_log(LOG_INFO, NULL, "reload: domain %s selector %s%s", domain,
	    selector, signing ? " (signing)" : "");
}

static void
reload(const char *conf)
{
	struct ks_keytable	*t;
	struct ssmp_err		 err;

	(void)ssmp_notify_reloading();
	/* Messages in flight keep the table they started with. */
	if (keyproc_reload(milter->kp, &t, &err) != 0) {
		ssmp_log(LOG_ERR, NULL, "reload failed: %s; keeping the old "
		    "keys", err.msg);
		(void)ssmp_notifyf("READY=1\nSTATUS=reload failed, old keys "
		    "kept: %s", err.msg);
		return;
	}
	signer_set(milter->signer, t);
	signer_each(milter->signer, log_key);
	ssmp_log(LOG_INFO, NULL, "reloaded");
	(void)ssmp_notify("READY=1\nSTATUS=reloaded");
}

static int
sign_report(void *arg, struct ssmp_rsig *s, const char *hash,
    struct ssmp_err *err)
{
	return keyproc_sign_report(arg, s, hash, err);
}

/* The delivery reports of finished days (ReportSend; rsend.h). */
static void
send_reports(void)
{
	struct rs_result	res;
	struct ssmp_err		err;

	if (rs_send_due(milter->dl, milter->ks, (int64_t)time(NULL), NULL,
	    sign_report, milter->kp, &res, &err) != 0)
		ssmp_log(LOG_WARNING, NULL, "reports: %s", err.msg);
}

/*
 * The same thread sweeps the keystore every KS_SWEEP_INTERVAL seconds:
 * a host without ssmpd keeps its key cache and delivered-log bounded;
 * and with ReportSend it sends the delivery reports due every
 * ReportInterval.
 */
static void *
reload_main(void *arg)
{
	const char	*conf = arg;
	bool		 reports = milter->cfg.report_send && milter->ks;
	long		 tick = reports && milter->cfg.report_interval <
	    KS_SWEEP_INTERVAL ? milter->cfg.report_interval :
	    KS_SWEEP_INTERVAL;
	struct timespec	 wait = { tick, 0 };
	time_t		 swept = time(NULL), reported = 0, now;

	for (;;) {
		if (sigtimedwait(&reload_set, NULL, &wait) < 0) {
			if (errno != EAGAIN || milter->ks == NULL)
				continue;
			now = time(NULL);
			if (now - swept >= KS_SWEEP_INTERVAL - 1) {
				ks_housekeeping(milter->ks, now,
				    milter->cfg.delivered_log_time);
				swept = now;
			}
			if (reports && now - reported >=
			    milter->cfg.report_interval - 1) {
				send_reports();
				reported = now;
			}
			continue;
		}
		if (__atomic_load_n(&reload_stop, __ATOMIC_ACQUIRE))
			return NULL;
		reload(conf);
	}
}

static void
reload_block(void)
{
	sigemptyset(&reload_set);
	sigaddset(&reload_set, SIGUSR1);
	if (pthread_sigmask(SIG_BLOCK, &reload_set, NULL) != 0)
		die("", "cannot block SIGUSR1");
}

/*
 * The thread blocks every signal: SIGTERM and friends must reach
 * libmilter's signal thread (started later by smfi_main), not this one.
 */
static void
reload_start(const char *conf)
{
	sigset_t	all, old;
	int		rc;

	sigfillset(&all);
	(void)pthread_sigmask(SIG_BLOCK, &all, &old);
	rc = pthread_create(&reload_tid, NULL, reload_main, (void *)conf);
	(void)pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (rc != 0)
		die("", "cannot start the reload thread");
}

static void
reload_end(void)
{
	__atomic_store_n(&reload_stop, 1, __ATOMIC_RELEASE);
	(void)pthread_kill(reload_tid, SIGUSR1);
	(void)pthread_join(reload_tid, NULL);
}

int
main(int argc, char **argv)
{
	const char	*conf = SSMP_CONFIG_PATH, *test = NULL;
	struct ssmp_err	 err;
	int		 c, fg = 0, check = 0, rc, readyfd = -1;

	ssmp_cli_early(argc, argv, "ssmp-milter", usage_text);
	while ((c = getopt(argc, argv, "c:fnt:V")) != -1) {
		switch (c) {
		case 'c':
			conf = optarg;
			break;
		case 'f':
			fg = 1;
			break;
		case 'n':
			check = 1;
			break;
		case 't':
			test = optarg;
			break;
		case 'V':
			ssmp_cli_version("ssmp-milter");
		default:
			usage();
		}
	}
	if (optind != argc)
		usage();
	milter = ssmp_xcalloc(1, sizeof(*milter));
	(void)ssmp_log_open("ssmp-milter", false, NULL);
	setup(milter, conf, test == NULL && !check);
	if (!check)		/* -n creates nothing: it checks it can */
		check_spool(milter);
	if (test != NULL) {
		check_as_user(milter);
		return testmode_run(milter, test);
	}
	if (check)
		return milter_check(milter, conf);
	/* in the foreground the log goes to stderr, where it is read */
	(void)ssmp_log_open("ssmp-milter", milter->cfg.syslog && !fg,
	    milter->cfg.syslog_facility);
	ssmp_log_set_level(ssmp_log_level(milter->cfg.log_level));
	reload_block();		/* pending until the thread takes it */
	daemonise(milter, conf, fg, &readyfd);
	setup_client(milter);
	signal(SIGPIPE, SIG_IGN);
	reload_start(conf);
	if (milter->cfg.milter_admin_listen != NULL &&
	    mm_serve(milter->cfg.milter_admin_listen, &err) != 0)
		die("", err.msg);
	ssmp_log(LOG_INFO, NULL, "starting, socket %s", milter->cfg.socket);
	ssmp_daemon_ready(readyfd);
	rc = smfi_main();
	ssmp_log(LOG_INFO, NULL, "stopping");
	(void)ssmp_notify("STOPPING=1");
	reload_end();
	keyproc_stop(milter->kp);
	ssmp_daemon_pidfile_remove(milter->cfg.pid_file);
	return rc == MI_SUCCESS ? 0 : 1;
}
