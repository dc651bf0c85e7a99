/*
 * ssmp_txt.c - parse and write the _ssmp policy and _ssmpkey key records.
 *
 * One tokenizer (DKIM's tag-list grammar, RFC 6376 s.3.2) serves both
 * records, so the two can never disagree about blanks, ';' or duplicates.
 * The writers emit one canonical spelling and refuse anything that would
 * not fit one TXT character-string or would not parse back.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ssmp_addr.h"
#include "ssmp_b64.h"
#include "ssmp_txt.h"

#define MAX_TAGS	SSMP_TAGS_MAX
#define DEFAULT_PORT	443


static int
blank(int c)
{
	return c == ' ' || c == '\t';
}

/* Quote at most 40 octets of s for an error message, '?' for the unprintable. */
static const char *
show(const char *s, size_t n, char buf[48])
{
	size_t i;

	if (n > 40)
		n = 40;
	for (i = 0; i < n; i++)
		buf[i] = isprint((unsigned char)s[i]) ? s[i] : '?';
	buf[i] = '\0';
	return buf;
}

static const char *
trim(const char *b, const char **e)
{
	while (b < *e && blank(*b))
		b++;
	while (*e > b && blank((*e)[-1]))
		(*e)--;
	return b;
}

/* One "name = value" between semicolons. */
static int
split_tag(const char *b, const char *e, struct ssmp_tag *tg,
    struct ssmp_err *err)
{
	const char	*eq, *ne, *p;
	char		 sb[48];

	if ((eq = memchr(b, '=', (size_t)(e - b))) == NULL) {
		b = trim(b, &e);
		return ssmp_err_set(err, "tag '%s' has no '='",
		    show(b, (size_t)(e - b), sb));
	}
	ne = eq;
	tg->name = trim(b, &ne);
	tg->nlen = (size_t)(ne - tg->name);
	if (tg->nlen == 0)
		return ssmp_err_set(err, "empty tag name before '='");
	for (p = tg->name; p < ne; p++)
		if (!isascii((unsigned char)*p) || !(isalpha((unsigned char)*p) ||
		    (p > tg->name && (isdigit((unsigned char)*p) || *p == '_'))))
			return ssmp_err_set(err, "invalid tag name '%s'",
			    show(tg->name, tg->nlen, sb));
	tg->val = trim(eq + 1, &e);
	tg->vlen = (size_t)(e - tg->val);
	return 0;
}

int
ssmp_taglist_parse(const char *txt, struct ssmp_taglist *tl,
    struct ssmp_err *err)
{
	const char	*b, *e, *p;
	int		 i;
	char		 sb[48];

	tl->n = 0;
	for (p = txt; *p != '\0'; p++)
		if (!(isprint((unsigned char)*p) || *p == '\t'))
			return ssmp_err_set(err, "invalid character 0x%02x at "
			    "offset %zu", (unsigned char)*p, (size_t)(p - txt));
	for (b = txt; *b != '\0'; b = *e ? e + 1 : e) {
		e = b + strcspn(b, ";");
		p = e;
		if (trim(b, &p) == p) {
			if (*e == '\0' && tl->n > 0)
				break;	/* after the final ';' */
			return ssmp_err_set(err, "empty tag (stray ';')");
		}
		if (tl->n == MAX_TAGS)
			return ssmp_err_set(err, "too many tags (> %d)",
			    MAX_TAGS);
		if (split_tag(b, e, &tl->t[tl->n], err) != 0)
			return -1;
		for (i = 0; i < tl->n; i++)
			if (tl->t[i].nlen == tl->t[tl->n].nlen &&
			    memcmp(tl->t[i].name, tl->t[tl->n].name,
			    tl->t[i].nlen) == 0)
				return ssmp_err_set(err, "duplicate tag %s=",
				    show(tl->t[i].name, tl->t[i].nlen, sb));
		tl->n++;
	}
	if (tl->n == 0 || tl->t[0].nlen != 1 || tl->t[0].name[0] != 'v')
		return ssmp_err_set(err, "v=: must be the first tag");
	if (tl->t[0].vlen != strlen(SSMP_VERSION_TAG) ||
	    memcmp(tl->t[0].val, SSMP_VERSION_TAG, tl->t[0].vlen) != 0)
		return ssmp_err_set(err, "v=: unsupported version '%s'",
		    show(tl->t[0].val, tl->t[0].vlen, sb));
	return 0;
}

/* The value of tag `name` copied to buf, or NULL if absent. */
const char *
ssmp_taglist_value(const struct ssmp_taglist *tl, const char *name, char *buf,
    size_t buflen, struct ssmp_err *err)
{
	int i;

	for (i = 0; i < tl->n; i++) {
		if (tl->t[i].nlen != strlen(name) ||
		    memcmp(tl->t[i].name, name, tl->t[i].nlen) != 0)
			continue;
		if (tl->t[i].vlen >= buflen) {
			ssmp_err_set(err, "%s=: value too long (%zu > %zu)",
			    name, tl->t[i].vlen, buflen - 1);
			return NULL;
		}
		memcpy(buf, tl->t[i].val, tl->t[i].vlen);
		buf[tl->t[i].vlen] = '\0';
		return buf;
	}
	ssmp_err_set(err, "%s=: missing (required)", name);
	return NULL;
}

int
ssmp_taglist_has(const struct ssmp_taglist *tl, const char *name)
{
	int i;

	for (i = 0; i < tl->n; i++)
		if (tl->t[i].nlen == strlen(name) &&
		    memcmp(tl->t[i].name, name, tl->t[i].nlen) == 0)
			return 1;
	return 0;
}

bool
ssmp_txt_is_ssmp(const char *txt)
{
	const char *p = txt;

	while (blank(*p))
		p++;
	if (*p++ != 'v')
		return false;
	while (blank(*p))
		p++;
	if (*p++ != '=')
		return false;
	while (blank(*p))
		p++;
	if (strncmp(p, SSMP_VERSION_TAG, strlen(SSMP_VERSION_TAG)) != 0)
		return false;
	p += strlen(SSMP_VERSION_TAG);
	return *p == '\0' || *p == ';' || blank(*p);
}

/* h= (what), or an https: URI's host: host name, optionally ":port". */
static int
parse_host(const char *h, const char *what, struct ssmp_policy *out,
    struct ssmp_err *err)
{
	char		 name[SSMP_HOST_MAX + 1], sb[48];
	const char	*colon;
	char		*end;
	unsigned long	 port = DEFAULT_PORT;
	size_t		 i;

	snprintf(name, sizeof(name), "%s", h);
	if ((colon = strrchr(h, ':')) != NULL) {
		name[colon - h] = '\0';
		if (colon[1] == '\0' || strlen(colon + 1) > 5 ||
		    strspn(colon + 1, "0123456789") != strlen(colon + 1))
			return ssmp_err_set(err, "%s: port '%s' is not a "
			    "number", what, show(colon + 1, strlen(colon + 1), sb));
		if (colon[1] == '0' && colon[2] != '\0')	/* DISC-2 */
			return ssmp_err_set(err, "%s: port '%s' has a "
			    "leading zero", what, show(colon + 1,
			    strlen(colon + 1), sb));
		port = strtoul(colon + 1, &end, 10);
		if (port < 1 || port > 65535)
			return ssmp_err_set(err, "%s: port %lu out of range "
			    "(1..65535)", what, port);
	}
	if (ssmp_hostname_check(name, what, out->hostname, err) != 0)
		return -1;
	for (i = 0; h[i] != '\0'; i++)
		out->host[i] = (char)tolower((unsigned char)h[i]);
	out->host[i] = '\0';
	out->port = (unsigned)port;
	return 0;
}

/* ma=: seconds, 1 to SSMP_POLICY_MA_MAX, plain digits. */
static int
parse_max_age(const struct ssmp_taglist *tl, struct ssmp_policy *out,
    struct ssmp_err *err)
{
	char		 v[16], sb[48];
	char		*end;
	unsigned long	 n;

	out->max_age = 0;
	if (!ssmp_taglist_has(tl, "ma"))
		return 0;
	if (ssmp_taglist_value(tl, "ma", v, sizeof(v), err) == NULL)
		return -1;
	n = strtoul(v, &end, 10);
	if (v[0] < '0' || v[0] > '9' || *end != '\0' || (v[0] == '0' &&
	    v[1] != '\0'))
		return ssmp_err_set(err, "ma=: '%s' is not a number of seconds",
		    show(v, strlen(v), sb));
	if (n < 1 || n > (unsigned long)SSMP_POLICY_MA_MAX)
		return ssmp_err_set(err, "ma=: %lu out of range (1..%ld)", n,
		    SSMP_POLICY_MA_MAX);
	out->max_age = (long)n;
	return 0;
}

/* https://host[:port]/path, path of unreserved characters and '/'. */
static int
parse_https(const char *u, size_t n, struct ssmp_rua *out,
    struct ssmp_err *err)
{
	struct ssmp_policy	 hp;
	char			 host[SSMP_HOST_MAX + 1], sb[48];
	const char		*h = u + strlen("https://"), *path;
	size_t			 i;

	if ((path = memchr(h, '/', n - (size_t)(h - u))) == NULL)
		return ssmp_err_set(err, "rua=: '%s' has no path",
		    show(u, n, sb));
	if ((size_t)(path - h) > SSMP_HOST_MAX || path == h)
		return ssmp_err_set(err, "rua=: bad host in '%s'",
		    show(u, n, sb));
	memcpy(host, h, (size_t)(path - h));
	host[path - h] = '\0';
	if (parse_host(host, "rua=", &hp, err) != 0)
		return -1;
	for (i = (size_t)(path - u); i < n; i++)
		if (!isalnum((unsigned char)u[i]) && strchr("-._~/", u[i]) ==
		    NULL)
			return ssmp_err_set(err, "rua=: invalid character '%c' "
			    "in the path of '%s'", u[i], show(u, n, sb));
	memcpy(out->https, u, n);
	out->https[n] = '\0';
	(void)snprintf(out->host, sizeof(out->host), "%s", hp.hostname);
	out->port = hp.port;
	return 0;
}

static int
parse_mailto(const char *u, size_t n, struct ssmp_rua *out,
    struct ssmp_err *err)
{
	struct ssmp_addr	a;
	char			addr[SSMP_ADDR_MAX + 1];
	size_t			len = n - strlen("mailto:");

	if (len == 0 || len > SSMP_ADDR_MAX)
		return ssmp_err_set(err, "rua=: mailto: address of %zu octets "
		    "(1..%d)", len, SSMP_ADDR_MAX);
	memcpy(addr, u + strlen("mailto:"), len);
	addr[len] = '\0';
	if (ssmp_addr_parse(addr, &a, err) != 0)
		return ssmp_err_prefix(err, "rua=: mailto: ");
	(void)snprintf(out->mailto, sizeof(out->mailto), "%s", a.full);
	return 0;
}

/* One URI of a rua= list. */
static int
parse_rua_uri(const char *u, size_t n, struct ssmp_rua *out,
    struct ssmp_err *err)
{
	char sb[48];

	if (n >= 8 && strncmp(u, "https://", 8) == 0) {
		if (out->https[0] != '\0')
			return ssmp_err_set(err, "rua=: more than one https: "
			    "URI");
		return parse_https(u, n, out, err);
	}
	if (n >= 7 && strncmp(u, "mailto:", 7) == 0) {
		if (out->mailto[0] != '\0')
			return ssmp_err_set(err, "rua=: more than one mailto: "
			    "URI");
		return parse_mailto(u, n, out, err);
	}
	return ssmp_err_set(err, "rua=: '%s' is neither an https: nor a "
	    "mailto: URI", show(u, n, sb));
}

int
ssmp_rua_parse(const char *v, struct ssmp_rua *out, struct ssmp_err *err)
{
	const char	*p, *e;
	size_t		 len = strlen(v);

	memset(out, 0, sizeof(*out));
	if (len == 0 || len > SSMP_RUA_MAX)
		return ssmp_err_set(err, "rua=: value of %zu octets (1..%d)",
		    len, SSMP_RUA_MAX);
	for (p = v; ; p = e + 1) {
		e = p + strcspn(p, ",");
		if (parse_rua_uri(p, (size_t)(e - p), out, err) != 0)
			return -1;
		if (*e == '\0')
			return 0;
	}
}

int
ssmp_policy_parse(const char *txt, struct ssmp_policy *out,
    struct ssmp_err *err)
{
	struct ssmp_taglist	 tl;
	struct ssmp_rua		 rua;
	char			 h[SSMP_HOST_MAX + 1], s[SSMP_SELECTOR_MAX + 1];
	char			 m[16], sb[48];

	if (strlen(txt) > SSMP_POLICY_TXT_MAX)
		return ssmp_err_set(err, "policy record of %zu octets (at "
		    "most %d)", strlen(txt), SSMP_POLICY_TXT_MAX);
	if (ssmp_taglist_parse(txt, &tl, err) != 0)
		return -1;
	out->rua[0] = '\0';
	if (ssmp_taglist_has(&tl, "rua") && (ssmp_taglist_value(&tl, "rua",
	    out->rua, sizeof(out->rua), err) == NULL ||
	    ssmp_rua_parse(out->rua, &rua, err) != 0))
		return -1;
	if (ssmp_taglist_value(&tl, "h", h, sizeof(h), err) == NULL)
		return -1;
	if (parse_host(h, "h=", out, err) != 0)
		return -1;
	if (ssmp_taglist_value(&tl, "s", s, sizeof(s), err) == NULL)
		return -1;
	if (ssmp_selector_check(s, out->selector, err) != 0)
		return ssmp_err_prefix(err, "s=: ");
	out->mode = SSMP_MODE_TESTING;
	if (ssmp_taglist_has(&tl, "m")) {
		if (ssmp_taglist_value(&tl, "m", m, sizeof(m), err) == NULL)
			return -1;
		if (strcmp(m, "enforce") == 0)
			out->mode = SSMP_MODE_ENFORCE;
		else if (strcmp(m, "testing") != 0)
			return ssmp_err_set(err, "m=: unknown mode '%s' "
			    "(enforce or testing)", show(m, strlen(m), sb));
	}
	return parse_max_age(&tl, out, err);
}

int
ssmp_keyrec_parse(const char *txt, struct ssmp_keyrec *out,
    struct ssmp_err *err)
{
	struct ssmp_taglist	 tl;
	char			 k[16], p[SSMP_PUBKEY_B64 + 8], sb[48];

	if (ssmp_taglist_parse(txt, &tl, err) != 0)
		return -1;
	if (ssmp_taglist_has(&tl, "k")) {
		if (ssmp_taglist_value(&tl, "k", k, sizeof(k), err) == NULL)
			return -1;
		if (strcmp(k, "ed25519") != 0)
			return ssmp_err_set(err, "k=: unsupported key type '%s'",
			    show(k, strlen(k), sb));
	}
	if (ssmp_taglist_value(&tl, "p", p, sizeof(p), err) == NULL)
		return -1;
	memset(out->pk, 0, sizeof(out->pk));
	out->revoked = p[0] == '\0';
	if (out->revoked)
		return 0;
	return ssmp_b64_decode(p, out->pk, sizeof(out->pk), NULL,
	    SSMP_PUBKEY_BYTES, SSMP_B64_STD, "p=", err);
}

const char *
ssmp_mode_name(enum ssmp_mode m)
{
	return m == SSMP_MODE_ENFORCE ? "enforce" : "testing";
}

/* Check a written record fits its buffer and max octets. */
static int
fits(int n, size_t outlen, int max, const char *what, struct ssmp_err *err)
{
	if (n < 0 || n > max)
		return ssmp_err_set(err, "%s record too long (%d > %d bytes)",
		    what, n, max);
	if ((size_t)n >= outlen)
		return ssmp_err_set(err, "%s record: buffer too small (%d >= "
		    "%zu)", what, n, outlen);
	return 0;
}

/*
 * p->host is written as published; callers building a policy from parts
 * may leave it empty and set hostname and port instead.
 */
int
ssmp_policy_format(const struct ssmp_policy *p, char *out, size_t outlen,
    struct ssmp_err *err)
{
	struct ssmp_policy	 back;
	char			 host[SSMP_HOST_MAX + 1];
	int			 n;

	if (p->host[0] != '\0')
		snprintf(host, sizeof(host), "%s", p->host);
	else if (p->port != DEFAULT_PORT)
		snprintf(host, sizeof(host), "%s:%u", p->hostname, p->port);
	else
		snprintf(host, sizeof(host), "%s", p->hostname);
	n = snprintf(out, outlen, "v=%s; h=%s; s=%s; m=%s", SSMP_VERSION_TAG,
	    host, p->selector, ssmp_mode_name(p->mode));
	if (n >= 0 && (size_t)n < outlen && p->max_age > 0)
		n += snprintf(out + n, outlen - (size_t)n, "; ma=%ld",
		    p->max_age);
	if (n >= 0 && (size_t)n < outlen && p->rua[0] != '\0')
		n += snprintf(out + n, outlen - (size_t)n, "; rua=%s", p->rua);
	if (fits(n, outlen, SSMP_POLICY_TXT_MAX, "policy", err) != 0)
		return -1;
	/* Never publish what a receiver would refuse. */
	if (ssmp_policy_parse(out, &back, err) != 0) {
		out[0] = '\0';
		return ssmp_err_prefix(err, "policy record: ");
	}
	return 0;
}

int
ssmp_keyrec_format(const struct ssmp_keyrec *k, char *out, size_t outlen,
    struct ssmp_err *err)
{
	char	b64[SSMP_PUBKEY_B64 + 1];
	int	n;

	b64[0] = '\0';
	if (!k->revoked)
		ssmp_b64_encode(b64, sizeof(b64), k->pk, sizeof(k->pk),
		    SSMP_B64_STD);
	n = snprintf(out, outlen, "v=%s; k=ed25519; p=%s", SSMP_VERSION_TAG,
	    b64);
	return fits(n, outlen, SSMP_TXT_MAX, "key", err);
}

int
ssmp_txt_zone_strings(const char *txt, char *out, size_t outlen,
    struct ssmp_err *err)
{
	size_t	len = strlen(txt), off = 0, k, o = 0;
	int	n;

	do {
		k = len - off > SSMP_TXT_MAX ? SSMP_TXT_MAX : len - off;
		n = snprintf(out + o, outlen - o, "%s\"%.*s\"", off ? " " : "",
		    (int)k, txt + off);
		if (n < 0 || (size_t)n >= outlen - o)
			return ssmp_err_set(err, "record: buffer too small");
		o += (size_t)n;
		off += k;
	} while (off < len);
	return 0;
}
