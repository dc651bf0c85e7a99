/*
 * ssmp_txt.h - the two DNS TXT records of SSMP/1 discovery.
 *
 *   _ssmp.<domain>            v=SSMP1; h=<host[:port]>; s=<selector>; m=enforce|testing
 *                             [; ma=<seconds>] [; rua=<uri>[,<uri>]]
 *   <sel>._ssmpkey.<domain>   v=SSMP1; k=ed25519; p=<base64 public key>
 *
 * Tag lists follow DKIM's grammar: "tag=value" separated by ';', blanks
 * around tags and values ignored, a final ';' allowed.  v= must come first.
 * Unknown tags are ignored; a repeated tag, a missing required tag or a
 * bad value is an error that names the tag.  Callers concatenate the
 * character-strings of one TXT record before parsing.
 */
#ifndef SSMP_TXT_H
#define SSMP_TXT_H

#include <stdbool.h>

#include "ssmp_err.h"
#include "ssmp_limits.h"

enum ssmp_mode { SSMP_MODE_TESTING = 0, SSMP_MODE_ENFORCE = 1 };

struct ssmp_policy {
	char		host[SSMP_HOST_MAX + 1];	/* as published, lower case */
	char		hostname[SSMP_DOMAIN_MAX + 1];	/* host without :port */
	unsigned	port;				/* 443 unless given */
	char		selector[SSMP_SELECTOR_MAX + 1];
	enum ssmp_mode	mode;				/* m=, default testing */
	long		max_age;			/* ma= seconds; 0: not
							   given (the default) */
	char		rua[SSMP_RUA_MAX + 1];		/* rua= as published,
							   "" if none */
};

/*
 * rua=: where senders send delivery reports (ssmp.7 DELIVERY REPORTS):
 * at most one https: and one mailto: URI, separated by ','.
 */
struct ssmp_rua {
	char		https[SSMP_RUA_MAX + 1];	/* the whole URI, or "" */
	char		host[SSMP_DOMAIN_MAX + 1];	/* its host, lower case */
	unsigned	port;				/* 443 unless given */
	char		mailto[SSMP_ADDR_MAX + 1];	/* the address, or "" */
};
int ssmp_rua_parse(const char *v, struct ssmp_rua *out, struct ssmp_err *err);

/*
 * ma=: how long a sender remembers the policy after it last saw it in
 * DNS (ssmp.7 DISCOVERY, Policy memory): default one week, at most a
 * year.
 */
#define SSMP_POLICY_MA_DEFAULT	604800L
#define SSMP_POLICY_MA_MAX	31557600L

struct ssmp_keyrec {
	bool		revoked;			/* p= present but empty */
	unsigned char	pk[SSMP_PUBKEY_BYTES];
};

/*
 * Is this TXT string meant as an SSMP/1 record at all (starts with
 * "v=SSMP1" followed by ';', blank or end)?  Discovery ignores others.
 */
bool ssmp_txt_is_ssmp(const char *txt);

int ssmp_policy_parse(const char *txt, struct ssmp_policy *out,
    struct ssmp_err *err);
/*
 * Writes the canonical record; fails if it would be longer than
 * SSMP_POLICY_TXT_MAX (a record over SSMP_TXT_MAX is published as
 * several character-strings: ssmp_txt_zone_strings).
 */
int ssmp_policy_format(const struct ssmp_policy *p, char *out, size_t outlen,
    struct ssmp_err *err);

int ssmp_keyrec_parse(const char *txt, struct ssmp_keyrec *out,
    struct ssmp_err *err);
int ssmp_keyrec_format(const struct ssmp_keyrec *k, char *out, size_t outlen,
    struct ssmp_err *err);

const char *ssmp_mode_name(enum ssmp_mode m);

/*
 * The tag list itself, for other texts of the same grammar
 * (SSMP-Report-Signature): v=SSMP1 first, no tag twice.  Values point
 * into txt.  ssmp_taglist_value copies tag name's value to buf, or
 * returns NULL with err set (missing, or longer than buflen - 1).
 */
#define SSMP_TAGS_MAX	32
struct ssmp_tag {
	const char	*name, *val;
	size_t		 nlen, vlen;
};
struct ssmp_taglist {
	struct ssmp_tag	t[SSMP_TAGS_MAX];
	int		n;
};
int ssmp_taglist_parse(const char *txt, struct ssmp_taglist *tl,
    struct ssmp_err *err);
int ssmp_taglist_has(const struct ssmp_taglist *tl, const char *name);
const char *ssmp_taglist_value(const struct ssmp_taglist *tl,
    const char *name, char *buf, size_t buflen, struct ssmp_err *err);

/*
 * A record as the quoted character-strings of a zone file line, each at
 * most SSMP_TXT_MAX octets: "v=SSMP1; ..." "...".  -1 if out is short.
 */
int ssmp_txt_zone_strings(const char *txt, char *out, size_t outlen,
    struct ssmp_err *err);

#endif
