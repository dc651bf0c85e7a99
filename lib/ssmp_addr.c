/*
 * ssmp_addr.c - syntax of mail addresses, domains, selectors and msgids.
 *
 * SSMP/1 takes the strict subset of RFC 5321/5322 that every MTA agrees
 * on: ASCII dot-atom local parts and LDH domains.  Anything cleverer
 * (quoted local parts, address literals, U-labels) is refused with a
 * message saying so, because two parsers disagreeing on what an address
 * means is how allow-lists are bypassed.
 */
#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "ssmp_addr.h"

#define NONASCII	"non-ASCII (use A-labels / SMTPUTF8 not supported)"

/* Show one octet in a message without letting control bytes through. */
static const char *
show_char(int c, char buf[8])
{
	if (c > 0x20 && c < 0x7f)
		snprintf(buf, 8, "'%c'", c);
	else
		snprintf(buf, 8, "0x%02x", (unsigned)(c & 0xff));
	return buf;
}

static int
has_nonascii(const char *s)
{
	for (; *s != '\0'; s++)
		if ((unsigned char)*s >= 0x80)
			return 1;
	return 0;
}

static void
lower_copy(char *out, const char *in, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		out[i] = (char)tolower((unsigned char)in[i]);
	out[len] = '\0';
}

static int
is_ldh(int c)
{
	return isascii(c) && (isalnum(c) || c == '-');
}

/* One DNS label of letters, digits and inner hyphens. */
static int
check_label(const char *what, const char *l, size_t len, struct ssmp_err *err)
{
	if (len > SSMP_LABEL_MAX)
		return ssmp_err_set(err, "%s: label '%.20s...' too long "
		    "(%zu > %d)", what, l, len, SSMP_LABEL_MAX);
	if (l[0] == '-')
		return ssmp_err_set(err, "%s: label '%.*s' starts with a "
		    "hyphen", what, (int)len, l);
	if (l[len - 1] == '-')
		return ssmp_err_set(err, "%s: label '%.*s' ends with a hyphen",
		    what, (int)len, l);
	return 0;
}

/*
 * A host name of LDH labels with at least minlabels labels.  The final
 * label may not be all digits, which keeps dotted IPv4 addresses (and
 * typos of them) out of name fields.
 */
static int
ldh_name(const char *what, const char *in, int minlabels,
    char out[SSMP_DOMAIN_MAX + 1], struct ssmp_err *err)
{
	const char	*p, *label;
	size_t		 len, llen;
	int		 nlabels = 0, alldigits = 1;
	char		 cb[8];

	if (in == NULL || *in == '\0')
		return ssmp_err_set(err, "%s: empty", what);
	if (has_nonascii(in))
		return ssmp_err_set(err, "%s: " NONASCII, what);
	if (in[0] == '[')
		return ssmp_err_set(err, "%s: address literals are not "
		    "supported", what);
	len = strlen(in);
	if (len > SSMP_DOMAIN_MAX)
		return ssmp_err_set(err, "%s: too long (%zu > %d)", what, len,
		    SSMP_DOMAIN_MAX);
	for (p = in; *p != '\0'; p++)
		if (*p != '.' && !is_ldh((unsigned char)*p))
			return ssmp_err_set(err, "%s: invalid character %s "
			    "(letters, digits, '-' and '.' only)", what,
			    show_char((unsigned char)*p, cb));
	if (in[len - 1] == '.')
		return ssmp_err_set(err, "%s: trailing dot not allowed", what);
	for (label = in;; label = p + 1) {
		p = strchr(label, '.');
		llen = p ? (size_t)(p - label) : strlen(label);
		if (llen == 0)
			return ssmp_err_set(err, "%s: empty label", what);
		if (check_label(what, label, llen, err) != 0)
			return -1;
		nlabels++;
		alldigits = strspn(label, "0123456789") >= llen;
		if (p == NULL)
			break;
	}
	if (nlabels < minlabels)
		return ssmp_err_set(err, "%s: '%s' needs at least %d labels",
		    what, in, minlabels);
	if (alldigits)
		return ssmp_err_set(err, "%s: final label '%s' is all numeric",
		    what, label);
	lower_copy(out, in, len);
	return 0;
}

int
ssmp_domain_check(const char *in, char out[SSMP_DOMAIN_MAX + 1],
    struct ssmp_err *err)
{
	return ldh_name("domain", in, 2, out, err);
}

int
ssmp_hostname_check(const char *in, const char *what,
    char out[SSMP_DOMAIN_MAX + 1], struct ssmp_err *err)
{
	return ldh_name(what, in, 1, out, err);
}

int
ssmp_selector_check(const char *in, char out[SSMP_SELECTOR_MAX + 1],
    struct ssmp_err *err)
{
	const char	*p;
	size_t		 len;
	char		 cb[8];

	if (in == NULL || *in == '\0')
		return ssmp_err_set(err, "selector: empty");
	for (p = in; *p != '\0'; p++)
		if (!is_ldh((unsigned char)*p))
			return ssmp_err_set(err, "selector: invalid character "
			    "%s (letters, digits and '-' only)",
			    show_char((unsigned char)*p, cb));
	len = strlen(in);
	if (len > SSMP_SELECTOR_MAX)
		return ssmp_err_set(err, "selector: too long (%zu > %d)", len,
		    SSMP_SELECTOR_MAX);
	if (in[0] == '-' || in[len - 1] == '-')
		return ssmp_err_set(err, "selector: '%s' %s with a hyphen", in,
		    in[0] == '-' ? "starts" : "ends");
	lower_copy(out, in, len);
	return 0;
}

static int
is_atext(int c)
{
	return isascii(c) && (isalnum(c) || strchr("!#$%&'*+-/=?^_`{|}~",
	    c) != NULL) && c != '\0';
}

/* Dot-atom: atext runs separated by single dots. */
static int
check_local(const char *l, size_t len, struct ssmp_err *err)
{
	size_t	i;
	char	cb[8];

	if (len == 0)
		return ssmp_err_set(err, "address: empty local part");
	if (l[0] == '"' || memchr(l, '@', len) != NULL)
		return ssmp_err_set(err, "address: quoted local parts are not "
		    "supported");
	if (len > SSMP_LOCAL_MAX)
		return ssmp_err_set(err, "address: local part too long "
		    "(%zu > %d)", len, SSMP_LOCAL_MAX);
	if (l[0] == '.')
		return ssmp_err_set(err, "address: local part starts with a "
		    "dot");
	if (l[len - 1] == '.')
		return ssmp_err_set(err, "address: local part ends with a dot");
	for (i = 0; i < len; i++) {
		if (l[i] == '.' && l[i + 1] == '.')
			return ssmp_err_set(err, "address: local part has "
			    "consecutive dots");
		if (l[i] != '.' && !is_atext((unsigned char)l[i]))
			return ssmp_err_set(err, "address: invalid character "
			    "%s in local part", show_char((unsigned char)l[i],
			    cb));
	}
	return 0;
}

/*
 * The checks shared by addresses and patterns; on success *at points at
 * the '@' that splits local part and domain.
 */
static int
addr_split(const char *in, const char **at, char domain[SSMP_DOMAIN_MAX + 1],
    struct ssmp_err *err)
{
	size_t len;

	if (in == NULL || *in == '\0')
		return ssmp_err_set(err, "address: empty");
	if (has_nonascii(in))
		return ssmp_err_set(err, "address: " NONASCII);
	if ((*at = strrchr(in, '@')) == NULL)
		return ssmp_err_set(err, "address: missing '@'");
	if ((*at)[1] == '\0')
		return ssmp_err_set(err, "address: empty domain");
	len = strlen(in);
	if (len > SSMP_ADDR_MAX)
		return ssmp_err_set(err, "address: too long (%zu > %d)", len,
		    SSMP_ADDR_MAX);
	return ssmp_domain_check(*at + 1, domain, err);
}

int
ssmp_addr_parse(const char *in, struct ssmp_addr *out, struct ssmp_err *err)
{
	const char	*at;
	size_t		 llen;

	if (addr_split(in, &at, out->domain, err) != 0)
		return -1;
	llen = (size_t)(at - in);
	if (check_local(in, llen, err) != 0)
		return -1;
	lower_copy(out->local, in, llen);
	/* addr_split checked the whole length, so this fits. */
	lower_copy(out->full, in, strlen(in));
	return 0;
}

int
ssmp_pattern_parse(const char *in, char out[SSMP_ADDR_MAX + 1],
    struct ssmp_err *err)
{
	struct ssmp_addr	 a;
	const char		*at;

	if (in != NULL && in[0] == '*' && in[1] == '@') {
		if (addr_split(in, &at, a.domain, err) != 0)
			return -1;
		if (at != in + 1)
			return ssmp_err_set(err, "pattern: '*' only allowed "
			    "as the whole local part (*@domain)");
		lower_copy(out, in, strlen(in));
		return 1;
	}
	if (in != NULL && strchr(in, '*') != NULL)
		return ssmp_err_set(err, "pattern: '*' only allowed as the "
		    "whole local part (*@domain)");
	if (ssmp_addr_parse(in, &a, err) != 0)
		return -1;
	memcpy(out, a.full, strlen(a.full) + 1);
	return 0;
}

int
ssmp_addr_unbracket(const char *in, char *out, size_t outlen,
    struct ssmp_err *err)
{
	const char	*b, *e;
	size_t		 len;

	for (b = in; *b == ' ' || *b == '\t'; b++)
		;
	for (e = b + strlen(b); e > b && (e[-1] == ' ' || e[-1] == '\t'); e--)
		;
	if (e > b && (*b == '<') != (e[-1] == '>'))
		return ssmp_err_set(err, "address: unbalanced angle brackets");
	if (e - b >= 2 && *b == '<') {
		b++;
		e--;
	}
	len = (size_t)(e - b);
	if (len >= outlen)
		return ssmp_err_set(err, "address: too long (%zu > %zu)", len,
		    outlen ? outlen - 1 : 0);
	memcpy(out, b, len);
	out[len] = '\0';
	return 0;
}

int
ssmp_msgid_check(const char *msgid, struct ssmp_err *err)
{
	size_t i, len = strlen(msgid);

	if (len == 0)
		return ssmp_err_set(err, "msgid: empty");
	if (len > SSMP_MSGID_MAX)
		return ssmp_err_set(err, "msgid: too long (%zu > %d)", len,
		    SSMP_MSGID_MAX);
	for (i = 0; i < len; i++)
		if ((unsigned char)msgid[i] <= 0x20 ||
		    (unsigned char)msgid[i] >= 0x7f)
			return ssmp_err_set(err, "msgid: blank, control or "
			    "non-ASCII octet at offset %zu", i);
	return 0;
}
