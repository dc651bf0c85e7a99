/*
 * ssmp_receipt.h - the receiver's signed acceptance (chain of custody).
 *
 * Signing input:
 *   SSMP1-RECEIPT\n domain:D\n s:S\n time:T\n from:F\n nonce:N\n
 *   msgid:M\n body:H\n to:R1\n ...
 * JSON member "receipt" of a 2xx message-phase answer:
 *   {"domain":..,"s":..,"time":..,"from":..,"nonce":..,"msgid":..,
 *    "body":..,"to":[..],"sig":..}
 * A receipt is self-contained so a retried delivery can be answered with
 * the original one.
 */
#ifndef SSMP_RECEIPT_H
#define SSMP_RECEIPT_H

#include "ssmp_buf.h"
#include "ssmp_crypto.h"
#include "ssmp_err.h"
#include "ssmp_limits.h"

struct ssmp_receipt {
	char		domain[SSMP_DOMAIN_MAX + 1];
	char		selector[SSMP_SELECTOR_MAX + 1];
	char		time[SSMP_TIME_LEN + 1];
	char		from[SSMP_ADDR_MAX + 1];
	char		nonce[SSMP_NONCE_LEN + 1];
	char		msgid[SSMP_MSGID_MAX + 1];
	char		body[SSMP_HASH_HEX + 1];
	int		nto;
	char		to[SSMP_MAX_RCPT][SSMP_ADDR_MAX + 1];
	unsigned char	sig[SSMP_SIG_BYTES];
};

int ssmp_receipt_sign(struct ssmp_receipt *r, const struct ssmp_key *key,
    struct ssmp_err *err);	/* checks the fields, then signs */
void ssmp_receipt_signing_input(const struct ssmp_receipt *r,
    struct ssmp_buf *out);
int ssmp_receipt_verify(const struct ssmp_receipt *r,
    const unsigned char pk[SSMP_PUBKEY_BYTES], struct ssmp_err *err);

void ssmp_receipt_encode(const struct ssmp_receipt *r, struct ssmp_buf *out);
int ssmp_receipt_decode(const char *json, size_t len, struct ssmp_receipt *r,
    struct ssmp_err *err);

#endif
