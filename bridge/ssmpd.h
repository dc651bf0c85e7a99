/*
 * ssmpd.h - the state of one ssmpd process, shared by its modules.
 *
 * Everything here is used from the event loop thread only, except the
 * members marked "thread-safe", which worker jobs use as well.
 */
#ifndef BRIDGE_SSMPD_H
#define BRIDGE_SSMPD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <openssl/ssl.h>

#include "ssmp_confparse.h"
#include "ssmp_limits.h"
#include "http.h"

struct event_base;
struct ks_store;
struct workq;
struct smtpc_pool;
struct pending_table;
struct ratelimit;
struct http_server;
struct ks_keytable;
struct handoff;
struct keyhttp;
struct consent;
struct rcptcache;
struct keyfetch;

enum key_source { KEYSRC_DNS = 1, KEYSRC_HTTPS = 2, KEYSRC_BOTH = 3 };

/* ConnectionLimitExceptions entries */
#define BRIDGE_EXCEPT_MAX	32

/* The ssmp.conf settings ssmpd uses, in the units it uses them. */
struct bridge_conf {
	char			*listen;	/* inet:443@0.0.0.0 */
	char			*plain_listen;	/* NULL = off */
	char			*admin_listen;
	char			*tls_cert, *tls_key;
	struct ssmp_sockspec	 mta;
	bool			 lmtp;
	uint64_t		 max_message;
	long			 max_conn;
	long			 max_conn_client;	/* per client */
	struct ssmp_cidr	 conn_except[BRIDGE_EXCEPT_MAX];
	size_t			 nconn_except;
	long			 read_timeout;	/* seconds */
	long			 window;	/* seconds */
	long			 rcpt_cache;	/* RecipientCacheTime */
	bool			 unknown_tag;	/* UnknownSender tag */
	enum key_source		 keysource;	/* bits */
	long			 min_ttl, max_ttl;	/* key cache bounds */
	char			*hostname;
	long			 rl_domain, rl_client;	/* per minute */
	char			*user, *pidfile;
	bool			 background;
	long			 dns_timeout;
	long			 max_pending, max_pending_domain;
	char			*authserv_id;	/* AuthservID, else hostname */
	uint64_t		 max_inflight;	/* MaxBytesInFlight */
	uint64_t		 spool_threshold;	/* SpoolThreshold */
	char			*spool_dir;	/* SpoolDirectory */
	long			 mta_reuse_time, mta_reuse_count;
	long			 log_time;	/* DeliveredLogTime */
};

/*
 * Request bodies being received or handed over now, in octets of their
 * Content-Length (loop thread only): all of them, and those in memory.
 */
struct inflight {
	uint64_t		 total, mem;
	uint64_t		 mem_max;	/* 16 x SpoolThreshold */
};

/* Counters for GET /metrics (loop thread only). */
enum metric {
	M_CONN_ACCEPTED, M_TLS_FAILED, M_REQUESTS, M_ENV_ACCEPT,
	M_ENV_REJECT, M_ENV_TEMPFAIL, M_MSG_DELIVERED, M_MSG_DUPLICATE,
	M_MSG_REJECT, M_MSG_TEMPFAIL, M_RATE_LIMITED, M_KEY_CACHE_HIT,
	M_KEY_FETCH, M_HTTP_ERRORS, M_TIMEOUTS, M_PENDING_EVICTED,
	M_BODIES_SPOOLED, M_INFLIGHT_REFUSED, M_CONN_CLIENT_LIMIT, M_NMETRICS
};

struct ssmpd {
	struct bridge_conf	 conf;
	http_router		 router;	/* routes_find */
	const char		*conf_path;
	struct event_base	*base;
	SSL_CTX			*ssl;
	struct ks_store		*store;		/* thread-safe */
	struct ks_keytable	*keys;		/* public halves; loop thread */
	struct keyproc		*kp;		/* holds and signs: keys.h */
	struct workq		*allowq;	/* allow-list reads */
	struct workq		*mtaq;		/* SMTP hand-off */
	struct workq		*storeq;	/* keystore writes (fsync) */
	struct rcptcache	*rcache;	/* MTA accepted these lately */
	struct smtpc_pool	*smtp;		/* thread-safe */
	struct pending_table	*pending;
	struct ratelimit	*rl_client, *rl_domain;
	struct ratelimit	*rl_report;	/* per reporting domain */
	struct http_server	*http;
	struct handoff		*handoffs;	/* delivering now */
	struct consent		*consent;	/* consent_recv.h */
	struct keyfetch		*kf;		/* keyfetch.h: the resolver */
	struct keyhttp		*keyhttp;	/* NULL unless KeySource https|both */
	struct inflight		 inflight;
	int			 spool_fd;	/* SpoolDirectory, open */
	uint64_t		 metrics[M_NMETRICS];
	uint64_t		 reqseq;
	bool			 draining;
	int			 exit_code;	/* 1 if the key process died */
};

#endif
