/*
 * ssmp_config.h - the schema of ssmp.conf, the one configuration file
 * shared by ssmpd, ssmp-milter, ssmpctl and ssmp-keygen.
 *
 * Every key of ssmp.conf(5) is a member here with its default, so each
 * program reads the same file the same way and a key one program ignores
 * is still checked (a typo is an error everywhere, not only in the
 * program that would have used it).  Key names follow OpenDKIM's.
 * Keep this file, ssmp_config.c and man/ssmp.conf.5 in step.
 */
#ifndef SSMP_CONFIG_H
#define SSMP_CONFIG_H

#include <stdbool.h>
#include <stddef.h>

#include "ssmp_confparse.h"
#include "ssmp_err.h"

#ifndef SYSCONFDIR
#define SYSCONFDIR "/etc"
#endif
#define SSMP_CONFIG_PATH	SYSCONFDIR "/ssmp.conf"
/* configure's --localstatedir and --runstatedir (Makefile.am) */
#ifndef LOCALSTATEDIR
#define LOCALSTATEDIR "/var"
#endif
#ifndef RUNSTATEDIR
#define RUNSTATEDIR "/run"
#endif
#define SSMP_STATE_DIR		LOCALSTATEDIR "/lib/ssmp"
/* A local socket: only UserID and SocketGroup reach it (ssmp-milter.8). */
#define SSMP_SOCKET_DEFAULT	"local:" RUNSTATEDIR "/ssmp/milter.sock"

struct ssmp_config {
	/* --- common ------------------------------------------------------- */
	bool		 syslog;		/* Syslog yes */
	char		*syslog_facility;	/* SyslogFacility mail */
	char		*log_level;		/* LogLevel info */
	char		*user_id;		/* UserID (none) */
	char		*pid_file;		/* PidFile (none) */
	bool		 background;		/* Background yes */
	char		*database;		/* Database SSMP_STATE_DIR */
	size_t		 map_size;		/* MapSize 1g */
	long		 delivered_log_time;	/* DeliveredLogTime 30d */
	char		*shared_database;	/* SharedDatabase (none) */
	char		*key_table;		/* KeyTable (none) */
	char		*domain;		/* Domain, Selector, KeyFile: */
	char		*selector;		/*   one-domain shorthand for */
	char		*key_file;		/*   a KeyTable of one line */
	struct ssmp_strlist nameservers;	/* Nameservers IP[:port]...
						   (empty = /etc/resolv.conf) */
	char		*dns_mode;		/* DNSMode forward | recursive */
	char		*trust_anchor_file;	/* TrustAnchorFile (none) */
	struct ssmp_strlist allow_private_hosts; /* AllowPrivateHosts CIDR...
						   (none: ssmp_ipclass.h) */
	long		 dns_timeout;		/* DNSTimeout 5 (seconds) */
	long		 min_cache_ttl;		/* MinCacheTTL 60 */
	long		 max_cache_ttl;		/* MaxCacheTTL 86400 */

	/* --- ssmpd (inbound bridge) --------------------------------------- */
	struct ssmp_strlist listen;		/* Listen inet:443@0.0.0.0 */
	struct ssmp_strlist plain_listen;	/* PlainListen (none) */
	char		*admin_listen;		/* AdminListen inet:8895@127.0.0.1 */
	char		*tls_certificate;	/* TLSCertificate (none) */
	char		*tls_key;		/* TLSKey (none) */
	char		*mta;			/* MTA inet:10035@127.0.0.1 */
	char		*mta_protocol;		/* MTAProtocol smtp | lmtp */
	size_t		 max_message_size;	/* MaxMessageSize 50m */
	long		 max_connections;	/* MaxConnections 10000 */
	long		 max_conn_client;	/* MaxConnectionsPerClient 100 */
	struct ssmp_strlist conn_limit_except;	/* ConnectionLimitExceptions */
	long		 read_timeout;		/* ReadTimeout 30s */
	long		 window;		/* Window 300 (seconds) */
	long		 rcpt_cache_time;	/* RecipientCacheTime 60 */
	char		*unknown_sender;	/* UnknownSender tag | reject */
	char		*key_source;		/* KeySource dns | https | both */
	char		*hostname;		/* Hostname (NULL = gethostname) */
	long		 rate_limit_domain;	/* RateLimitDomain 0 (per min) */
	long		 rate_limit_client;	/* RateLimitClient 0 (per min) */
	char		*authserv_id;		/* AuthservID (NULL = Hostname) */
	size_t		 max_bytes_in_flight;	/* MaxBytesInFlight 1g */
	long		 mta_reuse_time;	/* MTAReuseTime 300 (seconds) */
	long		 mta_reuse_count;	/* MTAReuseCount 100 */
	long		 max_pending;		/* MaxPendingEnvelopes 10000 */
	long		 max_pending_domain;	/* MaxPendingPerDomain 1000 */
	long		 allow_pending_max;	/* AllowPendingMax 100 */
	long		 allow_pending_domain;	/* AllowPendingDomain 10 */
	long		 allow_rate_domain;	/* AllowRateDomain 1000 (per h) */
	char		*admin_secret_file;	/* AdminSecretFile (none) */
	struct ssmp_strlist list_addresses;	/* ListAddresses (none) */

	/* --- ssmp-milter (outbound) ----------------------------------------- */
	char		*socket;		/* Socket SSMP_SOCKET_DEFAULT */
	char		*socket_group;		/* SocketGroup (UserID's) */
	char		*milter_admin_listen;	/* MilterAdminListen (none) */
	char		*socket_mode;		/* SocketMode 0660 */
	struct ssmp_strlist internal_hosts;	/* InternalHosts 127.0.0.0/8, ::1/128 */
	bool		 auto_allow;		/* AutoAllow yes */
	bool		 add_header;		/* AddHeader no */
	size_t		 spool_threshold;	/* SpoolThreshold 1m */
	char		*spool_directory;	/* SpoolDirectory Database/spool */
	long		 http_timeout;		/* HTTPTimeout 20s */
	bool		 report_send;		/* ReportSend no */
	long		 report_interval;	/* ReportInterval 1h */
	char		*ca_file;		/* CAFile (none = system store) */
};

/* Fill cfg with the defaults (what an empty ssmp.conf means). */
void ssmp_config_init(struct ssmp_config *cfg);

/*
 * ssmp_config_init(), then read path.  Errors are "FILE:LINE: ..." for a
 * line, "FILE: ..." for keys that contradict each other.  On error cfg
 * is freed and must not be used.
 */
int ssmp_config_load(const char *path, struct ssmp_config *cfg,
    struct ssmp_err *err);
/* The same on text in memory; name stands for the file in errors. */
int ssmp_config_parse(const char *name, const char *text, size_t len,
    struct ssmp_config *cfg, struct ssmp_err *err);
void ssmp_config_free(struct ssmp_config *cfg);

/* Every key ssmp.conf knows (*n of them), for the dump (ssmpd -p). */
const struct ssmp_conf_def *ssmp_config_keys(size_t *n);
/*
 * ssmp_config_load(), telling where each key came from: setat (*n
 * entries of ssmp_config_keys(), zeroed) gets each key's line, 0 for a
 * default.
 */
int ssmp_config_load_at(const char *path, struct ssmp_config *cfg,
    int *setat, struct ssmp_err *err);

/* Nameservers item: "IPv4[:port]", "IPv6" or "[IPv6]:port". */
int ssmp_nameserver_parse(const char *in, char *addr, size_t addrlen,
    unsigned *port, struct ssmp_err *err);

#endif
