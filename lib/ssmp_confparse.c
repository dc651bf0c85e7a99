/*
 * ssmp_confparse.c - the parser of OpenDKIM-style "Key value" files.
 *
 * Programs describe their settings in a table (struct ssmp_conf_def) and
 * this module does the rest, so every program spells errors, booleans,
 * sizes and durations the same way.  Every error names FILE:LINE and the
 * key.  On error the target may hold some values already parsed: callers
 * exit or call ssmp_conf_free() on it; they never run with it.
 *
 * Sockets and CIDR lists are parsed here too because only configuration
 * uses them.
 */
#include <sys/types.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <netdb.h>

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "ssmp_addr.h"
#include "ssmp_buf.h"
#include "ssmp_confparse.h"

#define LINE_MAX_LEN	4096
#define FILE_MAX_LEN	(1024 * 1024)

/* Where we are, for messages. */
struct pos {
	const char	*file;
	size_t		 line;
	int		*setat;		/* line each def was set at, 0 = not */
};

static int
blank(int c)
{
	return c == ' ' || c == '\t';
}

void
ssmp_strlist_add(struct ssmp_strlist *l, const char *s)
{
	l->v = ssmp_xrealloc(l->v, (l->n + 1) * sizeof(*l->v));
	l->v[l->n++] = ssmp_xstrdup(s);
}

void
ssmp_strlist_free(struct ssmp_strlist *l)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		free(l->v[i]);
	free(l->v);
	l->v = NULL;
	l->n = 0;
}

void
ssmp_conf_free(const struct ssmp_conf_def *defs, void *target)
{
	const struct ssmp_conf_def	*d;
	char				**sp;

	for (d = defs; d->name != NULL; d++) {
		if (d->type == SSMP_CONF_STRING) {
			sp = (char **)((char *)target + d->offset);
			free(*sp);
			*sp = NULL;
		} else if (d->type == SSMP_CONF_LIST)
			ssmp_strlist_free((struct ssmp_strlist *)
			    ((char *)target + d->offset));
	}
}

static int
fail(const struct pos *ps, struct ssmp_err *err, const char *what,
    const char *msg)
{
	if (what != NULL)
		return ssmp_err_set(err, "%s:%zu: %s: %s", ps->file, ps->line,
		    what, msg);
	return ssmp_err_set(err, "%s:%zu: %s", ps->file, ps->line, msg);
}

/*
 * A number with an optional unit suffix; units lists the accepted
 * suffixes and mult their multipliers.
 */
static int
parse_number(const char *v, const char *units, const long long *mult,
    long long *out, char msg[200])
{
	const char	*u;
	char		*end;
	long long	 n;

	errno = 0;
	if (!isdigit((unsigned char)v[0]) && !(units == NULL && v[0] == '-' &&
	    isdigit((unsigned char)v[1]))) {
		snprintf(msg, 200, "'%.40s' is not a number", v);
		return -1;
	}
	n = strtoll(v, &end, 10);
	if (*end != '\0' && units != NULL && end[1] == '\0' &&
	    (u = strchr(units, tolower((unsigned char)*end))) != NULL) {
		if (n > LLONG_MAX / mult[u - units])
			errno = ERANGE;
		else
			n *= mult[u - units];
		end++;
	}
	if (*end != '\0') {
		snprintf(msg, 200, "'%.40s' is not a number%s%s", v,
		    units ? " with an optional suffix " : "", units ? units : "");
		return -1;
	}
	if (errno == ERANGE) {
		snprintf(msg, 200, "'%.40s' is too large", v);
		return -1;
	}
	*out = n;
	return 0;
}

static int
in_range(const struct ssmp_conf_def *d, long long n, char msg[200])
{
	if ((d->min != 0 || d->max != 0) && (n < d->min || n > d->max)) {
		snprintf(msg, 200, "%lld out of range (%ld..%ld)", n, d->min,
		    d->max);
		return -1;
	}
	if (d->type != SSMP_CONF_INT && n < 0) {
		snprintf(msg, 200, "%lld must not be negative", n);
		return -1;
	}
	if (n < LONG_MIN || n > LONG_MAX) {
		snprintf(msg, 200, "%lld is too large", n);
		return -1;
	}
	return 0;
}

static int
parse_bool(const char *v, bool *out)
{
	static const char *yes[] = { "yes", "true", "on", "1" };
	static const char *no[] = { "no", "false", "off", "0" };
	size_t i;

	for (i = 0; i < sizeof(yes) / sizeof(yes[0]); i++) {
		if (strcasecmp(v, yes[i]) == 0 || strcasecmp(v, no[i]) == 0) {
			*out = strcasecmp(v, yes[i]) == 0;
			return 0;
		}
	}
	return -1;
}

static int
run_check(const struct ssmp_conf_def *d, const char *v, const struct pos *ps,
    struct ssmp_err *err)
{
	struct ssmp_err e;

	snprintf(e.msg, sizeof(e.msg), "invalid value '%.40s'", v);
	if (d->check == NULL || d->check(v, &e) == 0)
		return 0;
	return fail(ps, err, d->name, e.msg);
}

/* LIST: items split on commas and blanks, each appended. */
static int
set_list(const struct ssmp_conf_def *d, char *v, struct ssmp_strlist *l,
    const struct pos *ps, struct ssmp_err *err)
{
	char *item, *save = NULL;

	for (item = strtok_r(v, ", \t", &save); item != NULL;
	    item = strtok_r(NULL, ", \t", &save)) {
		if (run_check(d, item, ps, err) != 0)
			return -1;
		ssmp_strlist_add(l, item);
	}
	return 0;
}

static int
set_number(const struct ssmp_conf_def *d, const char *v, void *field,
    const struct pos *ps, struct ssmp_err *err)
{
	static const long long sizes[] = { 1024LL, 1024LL * 1024,
	    1024LL * 1024 * 1024 };
	static const long long secs[] = { 1, 60, 3600, 86400 };
	long long	n;
	char		msg[200];

	if (parse_number(v, d->type == SSMP_CONF_SIZE ? "kmg" :
	    d->type == SSMP_CONF_SECONDS ? "smhd" : NULL,
	    d->type == SSMP_CONF_SIZE ? sizes : secs, &n, msg) != 0 ||
	    in_range(d, n, msg) != 0)
		return fail(ps, err, d->name, msg);
	if (d->type == SSMP_CONF_SIZE)
		*(size_t *)field = (size_t)n;
	else
		*(long *)field = (long)n;
	return 0;
}

static int
set_value(const struct ssmp_conf_def *d, char *v, void *target,
    const struct pos *ps, struct ssmp_err *err)
{
	void	*field = (char *)target + d->offset;
	char	 msg[200];

	if (d->type == SSMP_CONF_LIST)
		return set_list(d, v, field, ps, err);
	if (run_check(d, v, ps, err) != 0)
		return -1;
	switch (d->type) {
	case SSMP_CONF_STRING:
		free(*(char **)field);
		*(char **)field = ssmp_xstrdup(v);
		return 0;
	case SSMP_CONF_BOOL:
		if (parse_bool(v, field) == 0)
			return 0;
		snprintf(msg, sizeof(msg), "'%.40s' is not a boolean (yes/no, "
		    "true/false, on/off, 1/0)", v);
		return fail(ps, err, d->name, msg);
	default:
		return set_number(d, v, field, ps, err);
	}
}

/* n with the largest of suffixes that divides it exactly. */
static void
format_number(long long n, const char *suffixes, const long long *mult,
    size_t nmult, char *buf, size_t len)
{
	for (size_t i = nmult; i > 0; i--)
		if (n != 0 && n % mult[i - 1] == 0) {
			snprintf(buf, len, "%lld%c", n / mult[i - 1],
			    suffixes[i - 1]);
			return;
		}
	snprintf(buf, len, "%lld", n);
}

void
ssmp_conf_format(const struct ssmp_conf_def *d, const void *target,
    char *buf, size_t len)
{
	static const long long sizes[] = { 1024LL, 1024LL * 1024,
	    1024LL * 1024 * 1024 };
	static const long long secs[] = { 60, 3600, 86400 };
	const void *field = (const char *)target + d->offset;
	const struct ssmp_strlist *l = field;
	size_t off = 0;

	buf[0] = '\0';
	switch (d->type) {
	case SSMP_CONF_STRING:
		snprintf(buf, len, "%s", *(char *const *)field ?
		    *(char *const *)field : "");
		break;
	case SSMP_CONF_BOOL:
		snprintf(buf, len, "%s", *(const bool *)field ? "yes" : "no");
		break;
	case SSMP_CONF_INT:
		snprintf(buf, len, "%ld", *(const long *)field);
		break;
	case SSMP_CONF_SIZE:
		format_number((long long)*(const size_t *)field, "kmg", sizes,
		    3, buf, len);
		break;
	case SSMP_CONF_SECONDS:
		format_number(*(const long *)field, "mhd", secs, 3, buf, len);
		if (strspn(buf, "0123456789") == strlen(buf))
			snprintf(buf + strlen(buf), len - strlen(buf), "s");
		break;
	case SSMP_CONF_LIST:
		for (size_t i = 0; i < l->n && off < len; i++)
			off += (size_t)snprintf(buf + off, len - off, "%s%s",
			    i ? ", " : "", l->v[i]);
		break;
	}
}

/* One line, NUL-terminated and without its newline. */
static int
parse_line(char *line, const struct ssmp_conf_def *defs, void *target,
    const struct pos *ps, struct ssmp_err *err)
{
	const struct ssmp_conf_def	*d;
	char				*key, *v, *p, msg[200];

	for (p = line; *p != '\0'; p++)
		if (*p == '#' && (p == line || blank(p[-1]))) {
			*p = '\0';
			break;
		}
	for (key = line; blank(*key); key++)
		;
	if (*key == '\0')
		return 0;
	for (v = key; *v != '\0' && !blank(*v); v++)
		if (!isgraph((unsigned char)*v))
			return fail(ps, err, NULL, "control or non-ASCII "
			    "character in key");
	if (*v != '\0')
		*v++ = '\0';
	while (blank(*v))
		v++;
	for (p = v + strlen(v); p > v && blank(p[-1]); p--)
		p[-1] = '\0';
	for (d = defs; d->name != NULL; d++)
		if (strcasecmp(d->name, key) == 0)
			break;
	if (d->name == NULL) {
		snprintf(msg, sizeof(msg), "unknown key '%.60s'", key);
		return fail(ps, err, NULL, msg);
	}
	if (*v == '\0' || (d->type == SSMP_CONF_LIST &&
	    v[strspn(v, ", \t")] == '\0')) {
		snprintf(msg, sizeof(msg), "%s needs a value", d->name);
		return fail(ps, err, NULL, msg);
	}
	if (ps->setat[d - defs] != 0 && d->type != SSMP_CONF_LIST) {
		snprintf(msg, sizeof(msg), "'%s' already set at line %d",
		    d->name, ps->setat[d - defs]);
		return fail(ps, err, NULL, msg);
	}
	/* A list's first line replaces its default; later lines append. */
	if (ps->setat[d - defs] == 0 && d->type == SSMP_CONF_LIST)
		ssmp_strlist_free((struct ssmp_strlist *)((char *)target +
		    d->offset));
	if (ps->setat[d - defs] == 0)	/* a list: where it starts */
		ps->setat[d - defs] = (int)ps->line;
	return set_value(d, v, target, ps, err);
}

int
ssmp_conf_parse(const char *name, const char *text, size_t len,
    const struct ssmp_conf_def *defs, void *target, struct ssmp_err *err)
{
	return ssmp_conf_parse_at(name, text, len, defs, target, NULL, err);
}

int
ssmp_conf_parse_at(const char *name, const char *text, size_t len,
    const struct ssmp_conf_def *defs, void *target, int *setat,
    struct ssmp_err *err)
{
	const struct ssmp_conf_def	*d;
	const char			*p = text, *end = text + len, *nl;
	char				 line[LINE_MAX_LEN + 1];
	struct pos			 ps = { name, 0, setat };
	size_t				 n, ndefs = 0;
	int				 rc = 0;

	for (d = defs; d->name != NULL; d++)
		ndefs++;
	if (setat == NULL)
		ps.setat = ssmp_xcalloc(ndefs + 1, sizeof(*ps.setat));
	for (; p < end && rc == 0; p = nl + 1) {
		ps.line++;
		if ((nl = memchr(p, '\n', (size_t)(end - p))) == NULL)
			nl = end;
		n = (size_t)(nl - p);
		if (n > 0 && p[n - 1] == '\r')
			n--;
		if (n > LINE_MAX_LEN)
			rc = fail(&ps, err, NULL, "line too long (> 4096 bytes)");
		else if (memchr(p, '\0', n) != NULL)
			rc = fail(&ps, err, NULL, "NUL byte in line");
		else {
			memcpy(line, p, n);
			line[n] = '\0';
			rc = parse_line(line, defs, target, &ps, err);
		}
	}
	if (setat == NULL)
		free(ps.setat);
	return rc;
}

int
ssmp_conf_load(const char *path, const struct ssmp_conf_def *defs,
    void *target, struct ssmp_err *err)
{
	return ssmp_conf_load_at(path, defs, target, NULL, err);
}

int
ssmp_conf_load_at(const char *path, const struct ssmp_conf_def *defs,
    void *target, int *setat, struct ssmp_err *err)
{
	FILE	*f;
	char	*buf;
	size_t	 len;
	int	 rc;

	if ((f = fopen(path, "r")) == NULL)
		return ssmp_err_set(err, "%s: cannot open: %s", path,
		    strerror(errno));
	buf = ssmp_xmalloc(FILE_MAX_LEN + 1);
	len = fread(buf, 1, FILE_MAX_LEN + 1, f);
	if (ferror(f))
		rc = ssmp_err_set(err, "%s: read error: %s", path,
		    strerror(errno));
	else if (len > FILE_MAX_LEN)
		rc = ssmp_err_set(err, "%s: larger than %d bytes", path,
		    FILE_MAX_LEN);
	else
		rc = ssmp_conf_parse_at(path, buf, len, defs, target, setat,
		    err);
	fclose(f);
	free(buf);
	return rc;
}

/* "1..65535" digits only; len octets of s. */
static int
parse_port(const char *s, size_t len, unsigned *port, struct ssmp_err *err)
{
	unsigned long v = 0;
	size_t i;

	if (len == 0 || len > 5 || strspn(s, "0123456789") < len)
		return ssmp_err_set(err, "socket: port '%.*s' is not a number",
		    (int)(len > 20 ? 20 : len), s);
	for (i = 0; i < len; i++)
		v = v * 10 + (unsigned long)(s[i] - '0');
	if (v < 1 || v > 65535)
		return ssmp_err_set(err, "socket: port %lu out of range "
		    "(1..65535)", v);
	*port = (unsigned)v;
	return 0;
}

static int
sock_host(const char *h, struct ssmp_sockspec *out, struct ssmp_err *err)
{
	unsigned char	 a[16];
	char		 name[SSMP_DOMAIN_MAX + 1];
	size_t		 len = strlen(h);

	if (out->family == SSMP_SOCK_INET6 && h[0] == '[') {
		if (len < 3 || h[len - 1] != ']' || len - 2 >= sizeof(out->host))
			return ssmp_err_set(err, "socket: unbalanced '[' in "
			    "address");
		memcpy(out->host, h + 1, len - 2);
		out->host[len - 2] = '\0';
		if (inet_pton(AF_INET6, out->host, a) != 1)
			return ssmp_err_set(err, "socket: invalid IPv6 address "
			    "'%.60s'", out->host);
		return 0;
	}
	if (len >= sizeof(out->host))
		return ssmp_err_set(err, "socket: host too long");
	if (out->family == SSMP_SOCK_INET && strspn(h, "0123456789.") == len &&
	    inet_pton(AF_INET, h, a) != 1)
		return ssmp_err_set(err, "socket: invalid IPv4 address '%s'", h);
	if (inet_pton(out->family == SSMP_SOCK_INET ? AF_INET : AF_INET6, h,
	    a) != 1 && ssmp_hostname_check(h, "socket", name, err) != 0)
		return -1;
	memcpy(out->host, h, len + 1);
	return 0;
}

int
ssmp_sockspec_parse(const char *in, struct ssmp_sockspec *out,
    struct ssmp_err *err)
{
	const char	*rest, *at;
	size_t		 len;

	memset(out, 0, sizeof(*out));
	if (strncasecmp(in, "local:", 6) == 0 ||
	    strncasecmp(in, "unix:", 5) == 0) {
		rest = strchr(in, ':') + 1;
		out->family = SSMP_SOCK_LOCAL;
		if (rest[0] != '/')
			return ssmp_err_set(err, "socket: path must be absolute");
		if ((len = strlen(rest)) >= sizeof(out->path))
			return ssmp_err_set(err, "socket: path too long (%zu >= "
			    "%zu)", len, sizeof(out->path));
		memcpy(out->path, rest, len + 1);
		return 0;
	}
	if (strncasecmp(in, "inet:", 5) == 0) {
		out->family = SSMP_SOCK_INET;
		rest = in + 5;
	} else if (strncasecmp(in, "inet6:", 6) == 0) {
		out->family = SSMP_SOCK_INET6;
		rest = in + 6;
	} else
		return ssmp_err_set(err, "socket: '%.60s' is not inet:PORT@HOST, "
		    "inet6:PORT@HOST, local:/PATH or unix:/PATH", in);
	at = strchr(rest, '@');
	if (parse_port(rest, at ? (size_t)(at - rest) : strlen(rest),
	    &out->port, err) != 0)
		return -1;
	if (at == NULL)
		return 0;
	if (at[1] == '\0')
		return ssmp_err_set(err, "socket: empty host after '@'");
	return sock_host(at + 1, out, err);
}

int
ssmp_sockspec_check(const char *in, struct ssmp_err *err)
{
	struct ssmp_sockspec s;

	return ssmp_sockspec_parse(in, &s, err);
}

int
ssmp_sockspec_addrinfo(const struct ssmp_sockspec *ss, struct addrinfo **ai)
{
	struct addrinfo hints;
	char port[16];

	memset(&hints, 0, sizeof(hints));
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_family = ss->family == SSMP_SOCK_INET6 ? AF_INET6 : AF_INET;
	hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
	snprintf(port, sizeof(port), "%u", ss->port);
	return getaddrinfo(ss->host[0] ? ss->host : NULL, port, &hints, ai);
}

int
ssmp_cidr_parse(const char *in, struct ssmp_cidr *out, struct ssmp_err *err)
{
	char		 a[64];
	const char	*slash = strchr(in, '/');
	size_t		 alen = slash ? (size_t)(slash - in) : strlen(in);
	unsigned	 maxp;
	unsigned long	 p;

	memset(out, 0, sizeof(*out));
	if (alen >= sizeof(a))
		return ssmp_err_set(err, "cidr: address too long");
	memcpy(a, in, alen);
	a[alen] = '\0';
	out->family = strchr(a, ':') != NULL ? AF_INET6 : AF_INET;
	maxp = out->family == AF_INET6 ? 128 : 32;
	if (inet_pton(out->family, a, out->addr) != 1)
		return ssmp_err_set(err, "cidr: invalid %s address '%s'",
		    out->family == AF_INET6 ? "IPv6" : "IPv4", a);
	out->prefix = maxp;
	if (slash == NULL)
		return 0;
	if (slash[1] == '\0' || strlen(slash + 1) > 3 ||
	    strspn(slash + 1, "0123456789") != strlen(slash + 1))
		return ssmp_err_set(err, "cidr: prefix '%.10s' is not a number",
		    slash + 1);
	p = strtoul(slash + 1, NULL, 10);
	if (p > maxp)
		return ssmp_err_set(err, "cidr: prefix %lu out of range "
		    "(0..%u)", p, maxp);
	out->prefix = (unsigned)p;
	return 0;
}

static int
prefix_eq(const unsigned char *a, const unsigned char *b, unsigned bits)
{
	unsigned	full = bits / 8, rest = bits % 8;
	unsigned char	mask;

	if (memcmp(a, b, full) != 0)
		return 0;
	if (rest == 0)
		return 1;
	mask = (unsigned char)(0xff << (8 - rest));
	return (a[full] & mask) == (b[full] & mask);
}

int
ssmp_cidr_match(const struct ssmp_cidr *c, const void *sa)
{
	static const unsigned char mapped[12] =
	    { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };
	const struct sockaddr_in	*s4 = sa;
	const struct sockaddr_in6	*s6 = sa;
	const unsigned char		*a;
	int				 fam;

	if (sa == NULL)
		return 0;
	fam = ((const struct sockaddr *)sa)->sa_family;
	if (fam == AF_INET) {
		a = (const unsigned char *)&s4->sin_addr;
	} else if (fam == AF_INET6) {
		a = s6->sin6_addr.s6_addr;
		/* An IPv4 client seen through a dual-stack socket. */
		if (c->family == AF_INET && memcmp(a, mapped, 12) == 0) {
			a += 12;
			fam = AF_INET;
		}
	} else
		return 0;
	return fam == c->family && prefix_eq(a, c->addr, c->prefix);
}
