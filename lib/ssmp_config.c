/*
 * ssmp_config.c - ssmp.conf: the table of keys, their defaults and the
 * checks that span several keys.
 *
 * The generic line parser is ssmp_confparse.c; this file only says which
 * keys exist.  Values that name a choice (MTAProtocol, KeySource ...) or a
 * socket are checked when read so a typo is reported with its line.
 */
#include "config.h"

#include <sys/socket.h>
#include <arpa/inet.h>
#include <netinet/in.h>

#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "ssmp_addr.h"
#include "ssmp_buf.h"
#include "ssmp_config.h"
#include "ssmp_log.h"

/* --- value checks ---------------------------------------------------------- */

static int
one_of(const char *v, const char *const *words)
{
	size_t i;

	for (i = 0; words[i] != NULL; i++)
		if (strcasecmp(v, words[i]) == 0)
			return 0;
	return -1;
}

static int
check_mta_protocol(const char *v, struct ssmp_err *err)
{
	static const char *const w[] = { "smtp", "lmtp", NULL };

	if (one_of(v, w) == 0)
		return 0;
	return ssmp_err_set(err, "'%.40s' is not smtp or lmtp", v);
}

static int
check_unknown_sender(const char *v, struct ssmp_err *err)
{
	static const char *const w[] = { "tag", "reject", NULL };

	if (one_of(v, w) == 0)
		return 0;
	return ssmp_err_set(err, "'%.40s' is not tag or reject", v);
}

/* Octal, never reachable by others: 0600, 0660, 0620 ... */
static int
check_socket_mode(const char *v, struct ssmp_err *err)
{
	char	*end;
	long	 m;

	errno = 0;
	m = strtol(v, &end, 8);
	if (errno != 0 || *end != '\0' || end == v || m < 0 || m > 0777)
		return ssmp_err_set(err, "'%.20s' is not an octal mode", v);
	if ((m & 0600) != 0600)
		return ssmp_err_set(err, "%04lo: the owner (UserID) must read "
		    "and write the socket", m);
	if ((m & 0007) != 0)
		return ssmp_err_set(err, "%04lo: open to every local user, "
		    "who could have mail signed as anyone (at most 0660)", m);
	return 0;
}

static int
check_key_source(const char *v, struct ssmp_err *err)
{
	static const char *const w[] = { "dns", "https", "both", NULL };

	if (one_of(v, w) == 0)
		return 0;
	return ssmp_err_set(err, "'%.40s' is not dns, https or both", v);
}

static int
check_facility(const char *v, struct ssmp_err *err)
{
	if (ssmp_log_facility(v) < 0)
		return ssmp_err_set(err, "unknown syslog facility '%.40s'", v);
	return 0;
}

static int
check_cidr(const char *v, struct ssmp_err *err)
{
	struct ssmp_cidr c;

	return ssmp_cidr_parse(v, &c, err);
}

static int
check_domain(const char *v, struct ssmp_err *err)
{
	char d[SSMP_DOMAIN_MAX + 1];

	return ssmp_domain_check(v, d, err);
}

static int
check_selector(const char *v, struct ssmp_err *err)
{
	char s[SSMP_SELECTOR_MAX + 1];

	return ssmp_selector_check(v, s, err);
}

static int
check_hostname(const char *v, struct ssmp_err *err)
{
	char h[SSMP_DOMAIN_MAX + 1];

	return ssmp_hostname_check(v, "hostname", h, err);
}

static int
check_address(const char *v, struct ssmp_err *err)
{
	struct ssmp_addr a;

	return ssmp_addr_parse(v, &a, err);
}

static int
check_path(const char *v, struct ssmp_err *err)
{
	if (v[0] != '/')
		return ssmp_err_set(err, "'%.60s' is not an absolute path", v);
	return 0;
}

/* A PostgreSQL URI; libpq checks the rest when it connects. */
static int
check_pg_uri(const char *v, struct ssmp_err *err)
{
	static const char *const scheme[] = {
		"pgsql://", "postgresql://", "postgres://"
	};
	size_t i;

	for (i = 0; i < sizeof(scheme) / sizeof(scheme[0]); i++)
		if (strncmp(v, scheme[i], strlen(scheme[i])) == 0)
			return 0;
	return ssmp_err_set(err, "'%.60s' is not a PostgreSQL URI "
	    "(pgsql://...)", v);
}

int
ssmp_nameserver_parse(const char *in, char *addr, size_t addrlen,
    unsigned *port, struct ssmp_err *err)
{
	unsigned char	 bin[16];
	const char	*p, *colon;
	size_t		 n;
	char		*end;
	unsigned long	 v = 53;

	if (in[0] == '[') {			/* [IPv6]:port */
		if ((p = strchr(in, ']')) == NULL)
			return ssmp_err_set(err, "nameserver '%.60s': missing "
			    "']'", in);
		n = (size_t)(p - in - 1);
		colon = p[1] == ':' ? p + 1 : NULL;
		if (p[1] != '\0' && colon == NULL)
			return ssmp_err_set(err, "nameserver '%.60s': junk "
			    "after ']'", in);
		in++;
	} else if ((colon = strchr(in, ':')) != NULL && strchr(colon + 1, ':'))
		colon = NULL, n = strlen(in);	/* bare IPv6 */
	else
		n = colon ? (size_t)(colon - in) : strlen(in);
	if (n == 0 || n >= addrlen)
		return ssmp_err_set(err, "nameserver '%.60s': bad address", in);
	memcpy(addr, in, n);
	addr[n] = '\0';
	if (inet_pton(AF_INET, addr, bin) != 1 &&
	    inet_pton(AF_INET6, addr, bin) != 1)
		return ssmp_err_set(err, "nameserver '%.60s': not an IP "
		    "address", addr);
	if (colon != NULL) {
		v = strtoul(colon + 1, &end, 10);
		if (colon[1] == '\0' || *end != '\0' || v < 1 || v > 65535)
			return ssmp_err_set(err, "nameserver: port '%.10s' not "
			    "in 1..65535", colon + 1);
	}
	*port = (unsigned)v;
	return 0;
}

static int
check_nameserver(const char *v, struct ssmp_err *err)
{
	char		a[64];
	unsigned	port;

	return ssmp_nameserver_parse(v, a, sizeof(a), &port, err);
}

static int
check_log_level(const char *v, struct ssmp_err *err)
{
	if (ssmp_log_level(v) < 0)
		return ssmp_err_set(err, "'%.40s' is not error, warning, "
		    "notice, info or debug", v);
	return 0;
}

static int
check_dns_mode(const char *v, struct ssmp_err *err)
{
	if (strcmp(v, "forward") != 0 && strcmp(v, "recursive") != 0)
		return ssmp_err_set(err, "'%.40s' is not forward or recursive",
		    v);
	return 0;
}

/* --- the table ------------------------------------------------------------- */

#define OFF(m)	offsetof(struct ssmp_config, m)
#define DAY	86400L

static const struct ssmp_conf_def config_defs[] = {
	/* common */
	{ "Syslog", SSMP_CONF_BOOL, OFF(syslog), 0, 0, NULL },
	{ "SyslogFacility", SSMP_CONF_STRING, OFF(syslog_facility), 0, 0,
	    check_facility },
	{ "LogLevel", SSMP_CONF_STRING, OFF(log_level), 0, 0,
	    check_log_level },
	{ "UserID", SSMP_CONF_STRING, OFF(user_id), 0, 0, NULL },
	{ "PidFile", SSMP_CONF_STRING, OFF(pid_file), 0, 0, check_path },
	{ "Background", SSMP_CONF_BOOL, OFF(background), 0, 0, NULL },
	{ "Database", SSMP_CONF_STRING, OFF(database), 0, 0, check_path },
	{ "MapSize", SSMP_CONF_SIZE, OFF(map_size), 32768, 0x7fffffffffffL,
	    NULL },
	/* ssmp.7 LIMITS: an idempotency record lives at least 7 days */
	{ "DeliveredLogTime", SSMP_CONF_SECONDS, OFF(delivered_log_time),
	    7 * DAY, 36500 * DAY, NULL },
	{ "SharedDatabase", SSMP_CONF_STRING, OFF(shared_database), 0, 0,
	    check_pg_uri },
	{ "KeyTable", SSMP_CONF_STRING, OFF(key_table), 0, 0, NULL },
	{ "Domain", SSMP_CONF_STRING, OFF(domain), 0, 0, check_domain },
	{ "Selector", SSMP_CONF_STRING, OFF(selector), 0, 0, check_selector },
	{ "KeyFile", SSMP_CONF_STRING, OFF(key_file), 0, 0, NULL },
	{ "AllowPrivateHosts", SSMP_CONF_LIST, OFF(allow_private_hosts), 0, 0,
	    check_cidr },
	{ "Nameservers", SSMP_CONF_LIST, OFF(nameservers), 0, 0,
	    check_nameserver },
	{ "DNSMode", SSMP_CONF_STRING, OFF(dns_mode), 0, 0, check_dns_mode },
	{ "TrustAnchorFile", SSMP_CONF_STRING, OFF(trust_anchor_file), 0, 0,
	    NULL },
	{ "DNSTimeout", SSMP_CONF_SECONDS, OFF(dns_timeout), 1, 300, NULL },
	{ "MinCacheTTL", SSMP_CONF_SECONDS, OFF(min_cache_ttl), 0, 7 * DAY,
	    NULL },
	{ "MaxCacheTTL", SSMP_CONF_SECONDS, OFF(max_cache_ttl), 1, 7 * DAY,
	    NULL },

	/* ssmpd: used by the inbound bridge (bridge/, ssmpd.8) */
	{ "Listen", SSMP_CONF_LIST, OFF(listen), 0, 0, ssmp_sockspec_check },
	{ "PlainListen", SSMP_CONF_LIST, OFF(plain_listen), 0, 0,
	    ssmp_sockspec_check },
	{ "AdminListen", SSMP_CONF_STRING, OFF(admin_listen), 0, 0,
	    ssmp_sockspec_check },
	{ "TLSCertificate", SSMP_CONF_STRING, OFF(tls_certificate), 0, 0,
	    NULL },
	{ "TLSKey", SSMP_CONF_STRING, OFF(tls_key), 0, 0, NULL },
	{ "MTA", SSMP_CONF_STRING, OFF(mta), 0, 0, ssmp_sockspec_check },
	{ "MTAProtocol", SSMP_CONF_STRING, OFF(mta_protocol), 0, 0,
	    check_mta_protocol },
	{ "MaxMessageSize", SSMP_CONF_SIZE, OFF(max_message_size), 1024,
	    0x7fffffffL, NULL },
	{ "MaxConnections", SSMP_CONF_INT, OFF(max_connections), 1, 1000000,
	    NULL },
	{ "MaxConnectionsPerClient", SSMP_CONF_INT, OFF(max_conn_client), 0,
	    1000000, NULL },
	{ "ConnectionLimitExceptions", SSMP_CONF_LIST, OFF(conn_limit_except),
	    0, 0, check_cidr },
	{ "ReadTimeout", SSMP_CONF_SECONDS, OFF(read_timeout), 1, 3600, NULL },
	/* ssmp.7 TIME-3: a window under a minute or over 15 is refused */
	{ "Window", SSMP_CONF_SECONDS, OFF(window), 60, 900, NULL },
	{ "RecipientCacheTime", SSMP_CONF_SECONDS, OFF(rcpt_cache_time), 0,
	    DAY, NULL },
	{ "UnknownSender", SSMP_CONF_STRING, OFF(unknown_sender), 0, 0,
	    check_unknown_sender },
	{ "KeySource", SSMP_CONF_STRING, OFF(key_source), 0, 0,
	    check_key_source },
	{ "Hostname", SSMP_CONF_STRING, OFF(hostname), 0, 0, check_hostname },
	{ "RateLimitDomain", SSMP_CONF_INT, OFF(rate_limit_domain), 0,
	    100000000, NULL },
	{ "RateLimitClient", SSMP_CONF_INT, OFF(rate_limit_client), 0,
	    100000000, NULL },
	{ "AuthservID", SSMP_CONF_STRING, OFF(authserv_id), 0, 0,
	    check_hostname },
	{ "MaxBytesInFlight", SSMP_CONF_SIZE, OFF(max_bytes_in_flight), 65536,
	    0x7fffffffffffL, NULL },
	{ "MTAReuseTime", SSMP_CONF_SECONDS, OFF(mta_reuse_time), 0, DAY,
	    NULL },
	{ "MTAReuseCount", SSMP_CONF_INT, OFF(mta_reuse_count), 0, 1000000,
	    NULL },
	{ "MaxPendingEnvelopes", SSMP_CONF_INT, OFF(max_pending), 1, 10000000,
	    NULL },
	{ "MaxPendingPerDomain", SSMP_CONF_INT, OFF(max_pending_domain), 1,
	    10000000, NULL },
	{ "AllowPendingMax", SSMP_CONF_INT, OFF(allow_pending_max), 0,
	    100000, NULL },
	{ "AllowPendingDomain", SSMP_CONF_INT, OFF(allow_pending_domain), 0,
	    100000, NULL },
	{ "AllowRateDomain", SSMP_CONF_INT, OFF(allow_rate_domain), 0,
	    100000000, NULL },
	{ "AdminSecretFile", SSMP_CONF_STRING, OFF(admin_secret_file), 0, 0,
	    check_path },
	{ "ListAddresses", SSMP_CONF_LIST, OFF(list_addresses), 0, 0,
	    check_address },

	/* ssmp-milter: used by the outbound milter (milter/, ssmp-milter.8) */
	{ "Socket", SSMP_CONF_STRING, OFF(socket), 0, 0, ssmp_sockspec_check },
	{ "SocketGroup", SSMP_CONF_STRING, OFF(socket_group), 0, 0, NULL },
	{ "MilterAdminListen", SSMP_CONF_STRING, OFF(milter_admin_listen), 0,
	    0, ssmp_sockspec_check },
	{ "SocketMode", SSMP_CONF_STRING, OFF(socket_mode), 0, 0,
	    check_socket_mode },
	{ "InternalHosts", SSMP_CONF_LIST, OFF(internal_hosts), 0, 0,
	    check_cidr },
	{ "AutoAllow", SSMP_CONF_BOOL, OFF(auto_allow), 0, 0, NULL },
	{ "AddHeader", SSMP_CONF_BOOL, OFF(add_header), 0, 0, NULL },
	{ "SpoolThreshold", SSMP_CONF_SIZE, OFF(spool_threshold), 0,
	    0x7fffffffL, NULL },
	{ "SpoolDirectory", SSMP_CONF_STRING, OFF(spool_directory), 0, 0,
	    check_path },
	{ "HTTPTimeout", SSMP_CONF_SECONDS, OFF(http_timeout), 1, 3600, NULL },
	{ "CAFile", SSMP_CONF_STRING, OFF(ca_file), 0, 0, NULL },
	{ "ReportSend", SSMP_CONF_BOOL, OFF(report_send), 0, 0, NULL },
	{ "ReportInterval", SSMP_CONF_SECONDS, OFF(report_interval), 10, DAY,
	    NULL },

	{ NULL, 0, 0, 0, 0, NULL }
};

void
ssmp_config_init(struct ssmp_config *c)
{
	memset(c, 0, sizeof(*c));
	c->syslog = true;
	c->syslog_facility = ssmp_xstrdup("mail");
	c->log_level = ssmp_xstrdup("info");
	c->background = true;
	c->database = ssmp_xstrdup(SSMP_STATE_DIR);
	c->map_size = (size_t)1 << 30;
	c->delivered_log_time = 30 * DAY;
	c->dns_mode = ssmp_xstrdup("forward");
	c->dns_timeout = 5;
	c->min_cache_ttl = 60;
	c->max_cache_ttl = DAY;

	ssmp_strlist_add(&c->listen, "inet:443@0.0.0.0");
	c->admin_listen = ssmp_xstrdup("inet:8895@127.0.0.1");
	c->mta = ssmp_xstrdup("inet:10035@127.0.0.1");
	c->mta_protocol = ssmp_xstrdup("smtp");
	c->max_message_size = (size_t)50 << 20;
	c->max_connections = 10000;
	c->max_conn_client = 100;
	ssmp_strlist_add(&c->conn_limit_except, "127.0.0.0/8");
	ssmp_strlist_add(&c->conn_limit_except, "::1/128");
	c->read_timeout = 30;
	c->window = 300;
	c->rcpt_cache_time = 60;
	c->unknown_sender = ssmp_xstrdup("tag");
	c->key_source = ssmp_xstrdup("dns");
	c->max_bytes_in_flight = (size_t)1 << 30;
	c->mta_reuse_time = 300;
	c->mta_reuse_count = 100;
	c->max_pending = 10000;
	c->max_pending_domain = 1000;
	c->allow_pending_max = 100;
	c->allow_pending_domain = 10;
	c->allow_rate_domain = 1000;

	c->socket = ssmp_xstrdup(SSMP_SOCKET_DEFAULT);
	c->socket_mode = ssmp_xstrdup("0660");
	ssmp_strlist_add(&c->internal_hosts, "127.0.0.0/8");
	ssmp_strlist_add(&c->internal_hosts, "::1/128");
	c->auto_allow = true;
	c->add_header = false;
	c->spool_threshold = (size_t)1 << 20;
	c->spool_directory = NULL;		/* Database/spool */
	c->http_timeout = 20;
	c->report_send = false;
	c->report_interval = 3600;
}

void
ssmp_config_free(struct ssmp_config *c)
{
	ssmp_conf_free(config_defs, c);
}

/* Keys that only make sense together, checked once the file is read. */
static int
cross_check(const char *name, const struct ssmp_config *c,
    struct ssmp_err *err)
{
	int n = (c->domain != NULL) + (c->selector != NULL) +
	    (c->key_file != NULL);

	if (n != 0 && n != 3)
		return ssmp_err_set(err, "%s: Domain, Selector and KeyFile go "
		    "together (%s missing)", name, c->domain == NULL ? "Domain"
		    : c->selector == NULL ? "Selector" : "KeyFile");
	if (n == 3 && c->key_table != NULL)
		return ssmp_err_set(err, "%s: KeyTable and Domain/Selector/"
		    "KeyFile exclude each other", name);
	if (c->min_cache_ttl > c->max_cache_ttl)
		return ssmp_err_set(err, "%s: MinCacheTTL %ld above MaxCacheTTL "
		    "%ld", name, c->min_cache_ttl, c->max_cache_ttl);
	if ((c->tls_certificate == NULL) != (c->tls_key == NULL))
		return ssmp_err_set(err, "%s: TLSCertificate and TLSKey go "
		    "together (%s missing)", name, c->tls_key == NULL ?
		    "TLSKey" : "TLSCertificate");
	return 0;
}

/* Defaults that follow other keys. */
static void
derive(struct ssmp_config *c)
{
	size_t n;

	if (c->spool_directory == NULL) {
		n = strlen(c->database) + sizeof("/spool");
		c->spool_directory = ssmp_xmalloc(n);
		snprintf(c->spool_directory, n, "%s/spool", c->database);
	}
}

int
ssmp_config_parse(const char *name, const char *text, size_t len,
    struct ssmp_config *cfg, struct ssmp_err *err)
{
	ssmp_config_init(cfg);
	if (ssmp_conf_parse(name, text, len, config_defs, cfg, err) != 0 ||
	    cross_check(name, cfg, err) != 0) {
		ssmp_config_free(cfg);
		return -1;
	}
	derive(cfg);
	return 0;
}

int
ssmp_config_load(const char *path, struct ssmp_config *cfg,
    struct ssmp_err *err)
{
	return ssmp_config_load_at(path, cfg, NULL, err);
}

const struct ssmp_conf_def *
ssmp_config_keys(size_t *n)
{
	*n = sizeof(config_defs) / sizeof(config_defs[0]) - 1;
	return config_defs;
}

int
ssmp_config_load_at(const char *path, struct ssmp_config *cfg, int *setat,
    struct ssmp_err *err)
{
	ssmp_config_init(cfg);
	if (ssmp_conf_load_at(path, config_defs, cfg, setat, err) != 0 ||
	    cross_check(path, cfg, err) != 0) {
		ssmp_config_free(cfg);
		return -1;
	}
	derive(cfg);
	return 0;
}
