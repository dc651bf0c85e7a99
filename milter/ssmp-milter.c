/*
 * ssmp-milter.c - main(): configuration, privileges, pid file, and
 * handing control to libmilter.
 *
 * Usage: ssmp-milter [-fnV] [-c CONF]
 *   -c CONF  configuration file (default SYSCONFDIR/ssmp.conf)
 *   -f       stay in the foreground (overrides Background)
 *   -n       check the configuration and exit
 *   -V       print the version and exit
 */
#include <errno.h>
#include <grp.h>
#include <limits.h>
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
#include "ssmp_log.h"
#include "store.h"
#include "milter.h"
#include "signer.h"

struct milter *milter;

static void
usage(void)
{
	fprintf(stderr, "usage: ssmp-milter [-fnV] [-c CONF]\n");
	exit(2);
}

static void
die(const char *what, const char *msg)
{
	ssmp_log(LOG_ERR, NULL, "%s%s%s", what, *what ? ": " : "", msg);
	fprintf(stderr, "ssmp-milter: %s%s%s\n", what, *what ? ": " : "", msg);
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

static void
setup(struct milter *m, const char *conf)
{
	struct dl_options	o;
	struct ssmp_err		err;
	static char		host[256];

	if (ssmp_crypto_init(&err) != 0)
		die("", err.msg);
	if (ssmp_config_load(conf, &m->cfg, &err) != 0)
		die("", err.msg);
	load_nets(m);
	if (ssmp_sockspec_check(m->cfg.socket, &err) != 0)
		die("Socket", err.msg);
	if (signer_load(&m->cfg, &m->signer, &err) != 0)
		die("", err.msg);
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

static void
drop_privileges(const char *user)
{
	struct passwd *pw;

	if (user == NULL || *user == '\0')
		return;
	if ((pw = getpwnam(user)) == NULL)
		die("UserID", "no such user");
	if (setgroups(1, &pw->pw_gid) != 0 || setgid(pw->pw_gid) != 0 ||
	    setuid(pw->pw_uid) != 0)
		die("UserID", strerror(errno));
}

static void
write_pid(const char *path)
{
	FILE *f;

	if (path == NULL)
		return;
	if ((f = fopen(path, "w")) == NULL)
		die("PidFile", strerror(errno));
	fprintf(f, "%ld\n", (long)getpid());
	fclose(f);
}

int
main(int argc, char **argv)
{
	const char	*conf = SSMP_CONFIG_PATH;
	int		 c, fg = 0, check = 0, rc;

	while ((c = getopt(argc, argv, "c:fnV")) != -1) {
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
	if (check) {
		printf("%s: OK\n", conf);
		return 0;
	}
	(void)ssmp_log_open("ssmp-milter", milter->cfg.syslog,
	    milter->cfg.syslog_facility);
	if (smfi_setconn(milter->cfg.socket) == MI_FAILURE ||
	    smfi_register(milter_desc) == MI_FAILURE)
		die("Socket", "libmilter refused the socket or registration");
	/* Bind while still privileged, then become UserID. */
	if (smfi_opensocket(1) == MI_FAILURE)
		die("Socket", "cannot listen (in use? permissions?)");
	drop_privileges(milter->cfg.user_id);
	if (!fg && milter->cfg.background && daemon(0, 0) != 0)
		die("Background", strerror(errno));
	write_pid(milter->cfg.pid_file);
	signal(SIGPIPE, SIG_IGN);
	ssmp_log(LOG_INFO, NULL, "starting, socket %s", milter->cfg.socket);
	rc = smfi_main();
	ssmp_log(LOG_INFO, NULL, "stopping");
	if (milter->cfg.pid_file != NULL)
		(void)unlink(milter->cfg.pid_file);
	return rc == MI_SUCCESS ? 0 : 1;
}
