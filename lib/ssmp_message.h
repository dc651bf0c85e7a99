/*
 * ssmp_message.h - the message phase signature of SSMP/1.
 *
 * The envelope is signed before the body exists (at RCPT time in a
 * milter), so the body is bound to it by a second signature over
 *   SSMP1-MESSAGE\n nonce:N\n msgid:M\n body:<hex SHA-256 of the body>\n
 * carried in the SSMP-Signature header of POST .../message/<nonce>.
 */
#ifndef SSMP_MESSAGE_H
#define SSMP_MESSAGE_H

#include "ssmp_addr.h"
#include "ssmp_buf.h"
#include "ssmp_crypto.h"
#include "ssmp_err.h"
#include "ssmp_limits.h"

struct ssmp_msgsig {
	char		nonce[SSMP_NONCE_LEN + 1];
	char		msgid[SSMP_MSGID_MAX + 1];
	char		body[SSMP_HASH_HEX + 1];
	unsigned char	sig[SSMP_SIG_BYTES];
};

/* ssmp_msgid_check(): ssmp_addr.h */

int ssmp_msgsig_build(struct ssmp_msgsig *m, const char *nonce,
    const char *msgid, const char *body_hex, const struct ssmp_key *key,
    struct ssmp_err *err);
/*
 * Receiver side: check the fields and decode the SSMP-Signature header
 * value (standard base64, 64 bytes) into m.
 */
int ssmp_msgsig_parse(struct ssmp_msgsig *m, const char *nonce,
    const char *msgid, const char *body_hex, const char *sig_b64,
    struct ssmp_err *err);
void ssmp_msgsig_signing_input(const struct ssmp_msgsig *m,
    struct ssmp_buf *out);
int ssmp_msgsig_verify(const struct ssmp_msgsig *m,
    const unsigned char pk[SSMP_PUBKEY_BYTES], struct ssmp_err *err);

#endif
