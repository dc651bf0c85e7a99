/*
 * ssmp_confparse.h - the parser of OpenDKIM-style configuration files (the
 * keys of ssmp.conf and their defaults, the schema, are ssmp_config.h).
 *
 * One "Key value" per line; '#' starts a comment; blank lines ignored;
 * key names are case-insensitive.  An unknown key, a repeated key (other
 * than list keys) or a bad value is an error "FILE:LINE: ..." naming it.
 */
#ifndef SSMP_CONFPARSE_H
#define SSMP_CONFPARSE_H

#include <stdbool.h>
#include <stddef.h>

#include "ssmp_err.h"

enum ssmp_conf_type {
	SSMP_CONF_STRING,	/* char *, strdup'd */
	SSMP_CONF_INT,		/* long, within [min, max] */
	SSMP_CONF_BOOL,		/* bool: yes/no, true/false, on/off, 1/0 */
	SSMP_CONF_LIST,		/* struct ssmp_strlist: repeatable, and
				   values split on commas and blanks */
	SSMP_CONF_SIZE,		/* size_t; suffixes k, m, g (1024-based) */
	SSMP_CONF_SECONDS,	/* long; suffixes s, m, h, d */
};

struct ssmp_strlist {
	size_t	  n;
	char	**v;
};

struct ssmp_conf_def {
	const char		*name;
	enum ssmp_conf_type	 type;
	size_t			 offset;	/* into the caller's struct */
	long			 min, max;	/* INT, SECONDS, SIZE (0 = none) */
	/* Optional extra check of the raw value; sets err naming the fault. */
	int			(*check)(const char *value, struct ssmp_err *err);
};

/*
 * Parse path into the struct at target.  Keys not in defs are errors.
 * Values already set in target (defaults) are replaced: STRING and LIST
 * members must therefore be NULL/empty or heap-allocated (ssmp_xstrdup,
 * ssmp_strlist_add) before parsing.  A LIST key's first line replaces
 * the default list, later lines append.  check, if set, sees the value
 * (for LIST: each item); its message is prefixed "FILE:LINE: Key: ".
 * On error the target may hold part of the file: do not use it; release
 * it with ssmp_conf_free().  Lines over 4096 bytes or with NUL fail.
 */
int ssmp_conf_load(const char *path, const struct ssmp_conf_def *defs,
    void *target, struct ssmp_err *err);
/* The same on a string (fuzzing, tests); name appears in errors. */
int ssmp_conf_parse(const char *name, const char *text, size_t len,
    const struct ssmp_conf_def *defs, void *target, struct ssmp_err *err);
/*
 * The same, telling where each key came from: setat (as many entries as
 * defs has keys, zeroed by the caller) gets the line each key was set
 * at (a list key: its first line), 0 for keys left at their default.
 */
int ssmp_conf_load_at(const char *path, const struct ssmp_conf_def *defs,
    void *target, int *setat, struct ssmp_err *err);
int ssmp_conf_parse_at(const char *name, const char *text, size_t len,
    const struct ssmp_conf_def *defs, void *target, int *setat,
    struct ssmp_err *err);
/*
 * d's value in target as the file would say it ("yes", "300s", "1g",
 * "a, b"); "" for an unset string or an empty list.
 */
void ssmp_conf_format(const struct ssmp_conf_def *d, const void *target,
    char *buf, size_t len);
/* Free the STRING and LIST members that defs describe. */
void ssmp_conf_free(const struct ssmp_conf_def *defs, void *target);

void ssmp_strlist_add(struct ssmp_strlist *l, const char *s);
void ssmp_strlist_free(struct ssmp_strlist *l);

/* Socket specifications as OpenDKIM writes them. */
enum ssmp_sock_family { SSMP_SOCK_INET, SSMP_SOCK_INET6, SSMP_SOCK_LOCAL };
struct ssmp_sockspec {
	enum ssmp_sock_family	family;
	char			host[256];	/* address or name; "" = any */
	unsigned		port;
	char			path[108];	/* local: */
};
/* "inet:PORT[@HOST]", "inet6:PORT[@HOST]", "local:/path", "unix:/path". */
int ssmp_sockspec_parse(const char *in, struct ssmp_sockspec *out,
    struct ssmp_err *err);
int ssmp_sockspec_check(const char *in, struct ssmp_err *err);
/*
 * The address to bind for an inet or inet6 spec (a passive TCP
 * getaddrinfo; no host: every address of the family).  getaddrinfo's
 * return code; *ai to freeaddrinfo() when 0.
 */
struct addrinfo;
int ssmp_sockspec_addrinfo(const struct ssmp_sockspec *ss,
    struct addrinfo **ai);

/* "a.b.c.d/len" or IPv6 "x::y/len" lists, as InternalHosts uses. */
struct ssmp_cidr {
	int		family;		/* AF_INET or AF_INET6 */
	unsigned char	addr[16];
	unsigned	prefix;
};
int ssmp_cidr_parse(const char *in, struct ssmp_cidr *out,
    struct ssmp_err *err);
/* 1 if sa (struct sockaddr *) lies in c. */
int ssmp_cidr_match(const struct ssmp_cidr *c, const void *sa);

#endif
