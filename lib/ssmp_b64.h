/*
 * ssmp_b64.h - the two base64 forms SSMP/1 uses, on libsodium's codec.
 * Standard (RFC 4648 s.4, padded) for keys and signatures; URL-safe
 * without padding (s.5) for nonces, which appear in URL paths.
 */
#ifndef SSMP_B64_H
#define SSMP_B64_H

#include <stddef.h>

#include "ssmp_err.h"

enum ssmp_b64 { SSMP_B64_STD, SSMP_B64_URL };

/* Encoded length including the NUL. */
size_t ssmp_b64_encoded_len(size_t binlen, enum ssmp_b64 v);
void ssmp_b64_encode(char *out, size_t outlen, const unsigned char *bin,
    size_t binlen, enum ssmp_b64 v);
/*
 * Decode exactly: no blanks, no trailing garbage; *binlen set.  With
 * want > 0 the decoded length must equal want.  `what` names the field in
 * the error ("p=", "sig", "nonce").
 */
int ssmp_b64_decode(const char *in, unsigned char *bin, size_t binmax,
    size_t *binlen, size_t want, enum ssmp_b64 v, const char *what,
    struct ssmp_err *err);

#endif
