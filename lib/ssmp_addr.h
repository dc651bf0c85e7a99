/*
 * ssmp_addr.h - mail addresses as SSMP/1 accepts them.
 *
 * ASCII only: a dot-atom local part and a domain of LDH labels (A-labels
 * allowed, U-labels and address literals refused).  The canonical form,
 * used for lookups and stores, is the whole address in ASCII lower case;
 * signatures cover the address exactly as sent (ssmp.7, SIGNING).
 */
#ifndef SSMP_ADDR_H
#define SSMP_ADDR_H

#include "ssmp_err.h"
#include "ssmp_limits.h"

struct ssmp_addr {
	char	full[SSMP_ADDR_MAX + 1];	/* canonical local@domain */
	char	local[SSMP_LOCAL_MAX + 1];
	char	domain[SSMP_DOMAIN_MAX + 1];
};

/* Parse "local@domain" (no angle brackets, no comments, no spaces). */
int ssmp_addr_parse(const char *in, struct ssmp_addr *out,
    struct ssmp_err *err);

/* Parse a domain name (for `-d DOMAIN`, wildcards, TXT owners). */
int ssmp_domain_check(const char *in, char out[SSMP_DOMAIN_MAX + 1],
    struct ssmp_err *err);

/*
 * A host name: the rules of a domain, but one label is enough
 * ("localhost").  Errors begin with `what` ("h=", "socket").
 */
int ssmp_hostname_check(const char *in, const char *what,
    char out[SSMP_DOMAIN_MAX + 1], struct ssmp_err *err);

/* Parse a selector: one label, [a-z0-9-], canonicalised to lower case. */
int ssmp_selector_check(const char *in, char out[SSMP_SELECTOR_MAX + 1],
    struct ssmp_err *err);

/*
 * An allow-list pattern: a full address or "*@domain".  out receives the
 * canonical text.  Returns 1 for a wildcard, 0 for an address, -1 on error.
 */
int ssmp_pattern_parse(const char *in, char out[SSMP_ADDR_MAX + 1],
    struct ssmp_err *err);

/* Strip one pair of <> and surrounding blanks, as MTAs hand addresses over. */
int ssmp_addr_unbracket(const char *in, char *out, size_t outlen,
    struct ssmp_err *err);

/* A msgid is 1..250 printable ASCII octets without blanks. */
int ssmp_msgid_check(const char *msgid, struct ssmp_err *err);

#endif
