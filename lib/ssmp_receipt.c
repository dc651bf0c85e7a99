/*
 * ssmp_receipt.c - the receiver's signed acceptance of a message.
 *
 * The sender keeps it as proof of handover (chain of custody) and drops a
 * recipient from SMTP only after one verifies, so decoding is as strict as
 * for requests: a receipt that does not parse is no receipt.
 */
#include <string.h>

#include "ssmp_json.h"
#include "ssmp_receipt.h"

/* Recipients must be in the signing domain: it vouches only for its own. */
static int
receipt_check(struct ssmp_receipt *r, struct ssmp_err *err)
{
	struct ssmp_time	tm;
	struct ssmp_addr	from;

	if (ssmp_field_domain("domain", r->domain, err) != 0 ||
	    ssmp_field_selector("s", r->selector, err) != 0 ||
	    ssmp_field_time("time", r->time, &tm, err) != 0 ||
	    ssmp_field_addr("from", r->from, &from, err) != 0 ||
	    ssmp_field_nonce("nonce", r->nonce, err) != 0 ||
	    ssmp_field_msgid("msgid", r->msgid, err) != 0 ||
	    ssmp_field_hash("body", r->body, err) != 0 ||
	    ssmp_field_rcpts("to", r->to, r->nto, NULL, r->domain, err) != 0)
		return -1;
	return 0;
}

int
ssmp_receipt_sign(struct ssmp_receipt *r, const struct ssmp_key *key,
    struct ssmp_err *err)
{
	struct ssmp_buf in;

	if (receipt_check(r, err) != 0)
		return ssmp_err_prefix(err, "receipt: ");
	ssmp_buf_init(&in);
	ssmp_receipt_signing_input(r, &in);
	ssmp_wire_sign(&in, key, r->sig);
	return 0;
}

void
ssmp_receipt_signing_input(const struct ssmp_receipt *r, struct ssmp_buf *out)
{
	int i;

	ssmp_buf_reset(out);
	ssmp_buf_adds(out, SSMP_VERSION_TAG "-RECEIPT\n");
	ssmp_buf_line(out, "domain", r->domain);
	ssmp_buf_line(out, "s", r->selector);
	ssmp_buf_line(out, "time", r->time);
	ssmp_buf_line(out, "from", r->from);
	ssmp_buf_line(out, "nonce", r->nonce);
	ssmp_buf_line(out, "msgid", r->msgid);
	ssmp_buf_line(out, "body", r->body);
	for (i = 0; i < r->nto; i++)
		ssmp_buf_line(out, "to", r->to[i]);
}

int
ssmp_receipt_verify(const struct ssmp_receipt *r,
    const unsigned char pk[SSMP_PUBKEY_BYTES], struct ssmp_err *err)
{
	struct ssmp_buf in;

	ssmp_buf_init(&in);
	ssmp_receipt_signing_input(r, &in);
	return ssmp_wire_verify(&in, pk, r->sig, "receipt: ", err);
}

json_t *
ssmp_receipt_to_json(const struct ssmp_receipt *r)
{
	json_t *o = ssmp_json_object();

	ssmp_json_set_str(o, "domain", r->domain);
	ssmp_json_set_str(o, "s", r->selector);
	ssmp_json_set_str(o, "time", r->time);
	ssmp_json_set_str(o, "from", r->from);
	ssmp_json_set_str(o, "nonce", r->nonce);
	ssmp_json_set_str(o, "msgid", r->msgid);
	ssmp_json_set_str(o, "body", r->body);
	ssmp_json_set_strs(o, "to", r->to, r->nto);
	ssmp_json_set_sig(o, "sig", r->sig);
	return o;
}

/* No "receipt: " prefix here: the caller knows where the object was. */
int
ssmp_receipt_from_json(json_t *o, struct ssmp_receipt *r, struct ssmp_err *err)
{
	memset(r, 0, sizeof(*r));
	if (!json_is_object(o))
		return ssmp_err_set(err, "must be a JSON object");
	if (ssmp_json_str(o, "domain", r->domain, sizeof(r->domain), err) != 0 ||
	    ssmp_json_str(o, "s", r->selector, sizeof(r->selector), err) != 0 ||
	    ssmp_json_str(o, "time", r->time, sizeof(r->time), err) != 0 ||
	    ssmp_json_str(o, "from", r->from, sizeof(r->from), err) != 0 ||
	    ssmp_json_str(o, "nonce", r->nonce, sizeof(r->nonce), err) != 0 ||
	    ssmp_json_str(o, "msgid", r->msgid, sizeof(r->msgid), err) != 0 ||
	    ssmp_json_str(o, "body", r->body, sizeof(r->body), err) != 0 ||
	    ssmp_json_addrs(o, "to", r->to, &r->nto, err) != 0 ||
	    receipt_check(r, err) != 0 ||
	    ssmp_json_sig(o, "sig", r->sig, err) != 0)
		return -1;
	return 0;
}

void
ssmp_receipt_encode(const struct ssmp_receipt *r, struct ssmp_buf *out)
{
	ssmp_json_dump(ssmp_receipt_to_json(r), out);
}

static int
receipt_fill(json_t *o, void *arg, struct ssmp_err *err)
{
	return ssmp_receipt_from_json(o, arg, err);
}

int
ssmp_receipt_decode(const char *json, size_t len, struct ssmp_receipt *r,
    struct ssmp_err *err)
{
	memset(r, 0, sizeof(*r));
	return ssmp_json_decode(json, len, SSMP_ENVELOPE_JSON_MAX, "receipt: ",
	    receipt_fill, r, err);
}
