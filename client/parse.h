/*
 * parse.h - reading what the MTA hands the milter.
 *
 * Everything here parses data that comes over the milter socket (RCPT
 * arguments, macro values, header values) and is fuzzed by
 * t/fuzz/fuzz_milter.c: no allocation, bounded output, never trusts
 * lengths or content.
 */
#ifndef SSMP_MILTER_PARSE_H
#define SSMP_MILTER_PARSE_H

#include <stddef.h>

#include "ssmp_addr.h"
#include "ssmp_err.h"
#include "ssmp_limits.h"

#define MP_QID_MAX	63

/*
 * An envelope address as MAIL FROM/RCPT TO hand it over ("<a@b.c>",
 * maybe followed by ESMTP parameters in later argv entries): strip the
 * brackets and parse.  -1 with err for the null sender and anything
 * SSMP/1 cannot carry (quoted local parts, literals, UTF-8).
 */
int mp_address(const char *arg, struct ssmp_addr *a, struct ssmp_err *err);

/*
 * The Message-ID header value: unfolded, the first <...> token, checked
 * as an SSMP msgid.  -1 if there is none usable (then the caller uses
 * "sha256:<hash>").
 */
int mp_msgid(const char *value, char out[SSMP_MSGID_MAX + 1]);

/*
 * A macro value fit for a log line: printable ASCII without blanks, at
 * most outlen-1 octets; NULL, empty or anything else gives dflt.
 */
const char *mp_token(const char *value, char *out, size_t outlen,
    const char *dflt);

/*
 * Reply text for smfi_setreply: printable ASCII, '%' doubled, at most
 * outlen-1 octets.
 */
void mp_reply_text(const char *in, char *out, size_t outlen);

#endif
