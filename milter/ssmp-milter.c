/*
 * ssmp-milter.c - main(): configuration, the daemon chores of
 * ssmp_daemon.h (Background, PidFile, UserID), and handing control to
 * libmilter.
 *
 * Usage: ssmp-milter [-fnV] [-c CONF] [-t FILE]
 *   -c CONF  configuration file (default SYSCONFDIR/ssmp.conf)
 *   -f       stay in the foreground (overrides Background)
 *   -n       check the configuration and exit
 *   -t FILE  test mode: the decisions for a message file, nothing sent
 *   -V       print the version and exit
 */
#include <errno.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <libmilter/mfapi.h>

#include "config.h"
#include "ssmp_crypto.h"
#include "ssmp_daemon.h"
#include "ssmp_log.h"
#include "store.h"
#include "milter.h"
#include "signer.h"
#include "testmode.h"

struct milter *milter;

static void
usage(void)
{
	fprintf(stderr, "usage: ssmp-milter [-fnV] [-c CONF] [-t FILE]\n");
	exit(2);
}

static void
die(const char *what, const char *msg)
{
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

/* Everything that needs root or must fail before we detach. */
static void
setup(struct milter *m, const char *conf)
{
	struct ssmp_err	err;

	if (ssmp_crypto_init(&err) != 0)
		die("", err.msg);
	if (ssmp_config_load(conf, &m->cfg, &err) != 0)
		die("", err.msg);
	load_nets(m);
	if (ssmp_sockspec_check(m->cfg.socket, &err) != 0)
		die("Socket", err.msg);
	if (signer_load(&m->cfg, &m->signer, &err) != 0)
		die("", err.msg);
}

/*
 * The keystore and the delivery client come after the privilege drop, so
 * LMDB files are created by UserID and no thread runs before the fork.
 */
static void
setup_client(struct milter *m)
{
	struct dl_options	o;
	struct ssmp_err		err;
	static char		host[256];

	if (m->cfg.database != NULL && ks_open(m->cfg.database,
	    m->cfg.map_size, 0, &m->ks, &err) != 0)
		die("Database", err.msg);
	memset(&o, 0, sizeof(o));
	if (dl_resolver_dnsq(&m->cfg, &o.dns, &err) != 0)
		die("Nameservers", err.msg);
	o.cafile = m->cfg.ca_file;
	o.timeout = m->cfg.http_timeout;
	o.min_ttl = m->cfg.min_cache_ttl;
	o.max_ttl = m->cfg.max_cache_ttl;
	o.ks = m->ks;
	if (dl_client_new(&o, &m->dl, &err) != 0)
		die("", err.msg);
	if (gethostname(host, sizeof(host) - 1) != 0)
		(void)snprintf(host, sizeof(host), "localhost");
	m->hostname = m->cfg.hostname ? m->cfg.hostname : host;
}

/* SpoolDirectory must exist and be private: it holds message bodies. */
static void
check_spool(const struct milter *m)
{
	struct stat st;

	if (stat(m->cfg.spool_directory, &st) != 0)
		die("SpoolDirectory", strerror(errno));
	if (!S_ISDIR(st.st_mode))
		die("SpoolDirectory", "not a directory");
	if ((st.st_mode & 002) != 0)
		die("SpoolDirectory", "writable by others");
}

/*
 * A local: socket is the milter's front door: whoever can connect may have
 * mail signed as a local submission.  Mode 0660, and with UserID owned by
 * that user and its group (add the MTA's user to the group), so the
 * milter can remove it at exit; never reachable by every local user.
 */
static void
socket_perms(const struct milter *m)
{
	struct ssmp_sockspec	 ss;
	struct ssmp_err		 err;
	struct passwd		*pw;

	if (ssmp_sockspec_parse(m->cfg.socket, &ss, &err) != 0 ||
	    ss.family != SSMP_SOCK_LOCAL)
		return;
	if (m->cfg.user_id != NULL && *m->cfg.user_id != '\0') {
		if ((pw = getpwnam(m->cfg.user_id)) == NULL)
			die("UserID", "no such user");
		if (chown(ss.path, pw->pw_uid, pw->pw_gid) != 0)
			die(ss.path, strerror(errno));
	}
	if (chmod(ss.path, 0660) != 0)
		die(ss.path, strerror(errno));
}

/*
 * Order of ssmp_daemon.h: detach before any thread exists, bind and
 * write the PidFile as root, then become UserID.
 */
static void
daemonise(struct milter *m, int fg, int *readyfd)
{
	struct ssmp_err	err;

	if (!fg && m->cfg.background &&
	    ssmp_daemon_background(readyfd, &err) != 0)
		die("", err.msg);
	if (smfi_setconn(m->cfg.socket) == MI_FAILURE ||
	    smfi_register(milter_desc) == MI_FAILURE)
		die("Socket", "libmilter refused the socket or registration");
	if (smfi_opensocket(1) == MI_FAILURE)
		die("Socket", "cannot listen (in use? permissions?)");
	socket_perms(m);
	if (ssmp_daemon_pidfile_write(m->cfg.pid_file, m->cfg.user_id,
	    &err) != 0)
		die("", err.msg);
	if (ssmp_daemon_drop(m->cfg.user_id, &err) != 0) {
		ssmp_daemon_pidfile_remove(m->cfg.pid_file);
		die("", err.msg);
	}
}

int
main(int argc, char **argv)
{
	const char	*conf = SSMP_CONFIG_PATH, *test = NULL;
	int		 c, fg = 0, check = 0, rc, readyfd = -1;

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
			printf("ssmp-milter %s\n", PACKAGE_VERSION);
			return 0;
		default:
			usage();
		}
	}
	if (optind != argc)
		usage();
	milter = ssmp_xcalloc(1, sizeof(*milter));
	(void)ssmp_log_open("ssmp-milter", false, NULL);
	setup(milter, conf);
	check_spool(milter);
	if (test != NULL) {
		setup_client(milter);
		return testmode_run(milter, test);
	}
	if (check) {
		setup_client(milter);
		printf("%s: OK\n", conf);
		return 0;
	}
	(void)ssmp_log_open("ssmp-milter", milter->cfg.syslog,
	    milter->cfg.syslog_facility);
	daemonise(milter, fg, &readyfd);
	setup_client(milter);
	signal(SIGPIPE, SIG_IGN);
	ssmp_log(LOG_INFO, NULL, "starting, socket %s", milter->cfg.socket);
	ssmp_daemon_ready(readyfd);
	rc = smfi_main();
	ssmp_log(LOG_INFO, NULL, "stopping");
	ssmp_daemon_pidfile_remove(milter->cfg.pid_file);
	return rc == MI_SUCCESS ? 0 : 1;
}
