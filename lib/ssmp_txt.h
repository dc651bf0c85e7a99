/*
 * ssmp_txt.h - the two DNS TXT records of SSMP/1 discovery.
 *
 *   _ssmp.<domain>            v=SSMP1; h=<host[:port]>; s=<selector>; m=enforce|testing
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
};

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
/* Writes the canonical record; fails if it would not fit in one string. */
int ssmp_policy_format(const struct ssmp_policy *p, char *out, size_t outlen,
    struct ssmp_err *err);

int ssmp_keyrec_parse(const char *txt, struct ssmp_keyrec *out,
    struct ssmp_err *err);
int ssmp_keyrec_format(const struct ssmp_keyrec *k, char *out, size_t outlen,
    struct ssmp_err *err);

const char *ssmp_mode_name(enum ssmp_mode m);

#endif
