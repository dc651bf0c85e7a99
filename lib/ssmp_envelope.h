/*
 * ssmp_envelope.h - the envelope phase request of SSMP/1.
 *
 * Wire form (POST .../envelope, application/json):
 *   {"v":1,"time":"...","from":"...","to":["..."],"nonce":"...",
 *    "s":"<sender selector>","sig":"<base64 Ed25519 signature>"}
 * Signing input (ssmp.7, SIGNING): the lines
 *   SSMP1-ENVELOPE\n time:T\n from:F\n to:R1\n ... nonce:N\n s:S\n
 * with every value exactly as sent.  Decoding checks syntax only; the
 * time window, the key and the signature are the receiver's to check.
 */
#ifndef SSMP_ENVELOPE_H
#define SSMP_ENVELOPE_H

#include "ssmp_addr.h"
#include "ssmp_buf.h"
#include "ssmp_crypto.h"
#include "ssmp_err.h"
#include "ssmp_limits.h"
#include "ssmp_time.h"

struct ssmp_envelope {
	char		time[SSMP_TIME_LEN + 1];
	struct ssmp_time tm;			/* parsed time */
	char		from[SSMP_ADDR_MAX + 1];	/* as sent */
	struct ssmp_addr from_addr;		/* canonical */
	int		nto;
	char		to[SSMP_MAX_RCPT][SSMP_ADDR_MAX + 1];	/* as sent */
	struct ssmp_addr to_addr[SSMP_MAX_RCPT];	/* canonical */
	char		nonce[SSMP_NONCE_LEN + 1];
	char		selector[SSMP_SELECTOR_MAX + 1];
	unsigned char	sig[SSMP_SIG_BYTES];
};

/*
 * Fill and sign an envelope.  All recipients must share one domain and
 * appear once.  t may be NULL for "now"; nonce NULL for a fresh one.
 */
int ssmp_envelope_build(struct ssmp_envelope *e, const struct ssmp_time *t,
    const char *from, const char *const *to, int nto, const char *nonce,
    const char *selector, const struct ssmp_key *key, struct ssmp_err *err);

void ssmp_envelope_signing_input(const struct ssmp_envelope *e,
    struct ssmp_buf *out);
int ssmp_envelope_verify(const struct ssmp_envelope *e,
    const unsigned char pk[SSMP_PUBKEY_BYTES], struct ssmp_err *err);

/* JSON: compact, members in the order above. */
void ssmp_envelope_encode(const struct ssmp_envelope *e, struct ssmp_buf *out);
int ssmp_envelope_decode(const char *json, size_t len,
    struct ssmp_envelope *e, struct ssmp_err *err);

#endif
