/*
 * ssmp_message.c - the message phase signature binding a body to an
 * envelope (nonce + Message-ID + SHA-256 of the body octets).
 */
#include <string.h>

#include "ssmp_json.h"
#include "ssmp_message.h"

static int
msgsig_fill(struct ssmp_msgsig *m, const char *nonce, const char *msgid,
    const char *body_hex, struct ssmp_err *err)
{
	memset(m, 0, sizeof(*m));
	if (ssmp_field_copy("nonce", nonce, m->nonce, sizeof(m->nonce),
	    err) != 0 ||
	    ssmp_field_nonce("nonce", m->nonce, err) != 0 ||
	    ssmp_field_copy("msgid", msgid, m->msgid, sizeof(m->msgid),
	    err) != 0 ||
	    ssmp_field_msgid("msgid", m->msgid, err) != 0 ||
	    ssmp_field_copy("body", body_hex, m->body, sizeof(m->body),
	    err) != 0 ||
	    ssmp_field_hash("body", m->body, err) != 0)
		return ssmp_err_prefix(err, "message: ");
	return 0;
}

int
ssmp_msgsig_parse(struct ssmp_msgsig *m, const char *nonce,
    const char *msgid, const char *body_hex, const char *sig_b64,
    struct ssmp_err *err)
{
	if (msgsig_fill(m, nonce, msgid, body_hex, err) != 0)
		return -1;
	if (sig_b64 == NULL)
		return ssmp_err_set(err, "message: missing signature");
	if (ssmp_sig_decode(sig_b64, "signature", m->sig, err) != 0)
		return ssmp_err_prefix(err, "message: ");
	return 0;
}

int
ssmp_msgsig_build(struct ssmp_msgsig *m, const char *nonce,
    const char *msgid, const char *body_hex, const struct ssmp_key *key,
    struct ssmp_err *err)
{
	struct ssmp_buf in;

	if (msgsig_fill(m, nonce, msgid, body_hex, err) != 0)
		return -1;
	ssmp_buf_init(&in);
	ssmp_msgsig_signing_input(m, &in);
	ssmp_wire_sign(&in, key, m->sig);
	return 0;
}

void
ssmp_msgsig_signing_input(const struct ssmp_msgsig *m, struct ssmp_buf *out)
{
	ssmp_buf_reset(out);
	ssmp_buf_adds(out, SSMP_VERSION_TAG "-MESSAGE\n");
	ssmp_buf_line(out, "nonce", m->nonce);
	ssmp_buf_line(out, "msgid", m->msgid);
	ssmp_buf_line(out, "body", m->body);
}

int
ssmp_msgsig_verify(const struct ssmp_msgsig *m,
    const unsigned char pk[SSMP_PUBKEY_BYTES], struct ssmp_err *err)
{
	struct ssmp_buf in;

	ssmp_buf_init(&in);
	ssmp_msgsig_signing_input(m, &in);
	return ssmp_wire_verify(&in, pk, m->sig, "message: ", err);
}
