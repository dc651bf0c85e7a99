/*
 * ssmp_envelope.c - the envelope phase request: build, sign, verify, and
 * its JSON form.
 *
 * Building and decoding run the same checks (envelope_check), so a sender
 * can never sign an envelope that a conforming receiver would refuse as
 * malformed.
 */
#include <string.h>

#include "ssmp_envelope.h"
#include "ssmp_json.h"

/* Every field as sent is already in e; fill the parsed forms. */
static int
envelope_check(struct ssmp_envelope *e, struct ssmp_err *err)
{
	if (ssmp_field_time("time", e->time, &e->tm, err) != 0 ||
	    ssmp_field_addr("from", e->from, &e->from_addr, err) != 0 ||
	    ssmp_field_rcpts("to", e->to, e->nto, e->to_addr, NULL, err) != 0 ||
	    ssmp_field_nonce("nonce", e->nonce, err) != 0 ||
	    ssmp_field_selector("s", e->selector, err) != 0)
		return -1;
	return 0;
}

static int
copy_fields(struct ssmp_envelope *e, const struct ssmp_time *t,
    const char *from, const char *const *to, int nto, const char *nonce,
    const char *selector, struct ssmp_err *err)
{
	char	elem[32];
	int	i;

	if (ssmp_time_format(t, e->time, err) != 0)
		return -1;
	if (nonce == NULL)
		ssmp_nonce_new(e->nonce);
	else if (ssmp_field_copy("nonce", nonce, e->nonce, sizeof(e->nonce),
	    err) != 0)
		return -1;
	if (ssmp_field_copy("from", from, e->from, sizeof(e->from), err) != 0 ||
	    ssmp_field_copy("s", selector, e->selector, sizeof(e->selector),
	    err) != 0)
		return -1;
	if (nto < 1 || nto > SSMP_MAX_RCPT || to == NULL)
		return ssmp_err_set(err, "member 'to': must be an array of "
		    "1..%d strings", SSMP_MAX_RCPT);
	for (i = 0; i < nto; i++) {
		snprintf(elem, sizeof(elem), "to[%d]", i);
		if (ssmp_field_copy(elem, to[i], e->to[i], sizeof(e->to[i]),
		    err) != 0)
			return -1;
	}
	e->nto = nto;
	return 0;
}

int
ssmp_envelope_build(struct ssmp_envelope *e, const struct ssmp_time *t,
    const char *from, const char *const *to, int nto, const char *nonce,
    const char *selector, const struct ssmp_key *key, struct ssmp_err *err)
{
	struct ssmp_time	now;
	struct ssmp_buf		in;

	memset(e, 0, sizeof(*e));
	if (t == NULL) {
		ssmp_time_now(&now);
		t = &now;
	}
	if (copy_fields(e, t, from, to, nto, nonce, selector, err) != 0 ||
	    envelope_check(e, err) != 0)
		return ssmp_err_prefix(err, "envelope: ");
	ssmp_buf_init(&in);
	ssmp_envelope_signing_input(e, &in);
	ssmp_wire_sign(&in, key, e->sig);
	return 0;
}

void
ssmp_envelope_signing_input(const struct ssmp_envelope *e,
    struct ssmp_buf *out)
{
	int i;

	ssmp_buf_reset(out);
	ssmp_buf_adds(out, SSMP_VERSION_TAG "-ENVELOPE\n");
	ssmp_buf_line(out, "time", e->time);
	ssmp_buf_line(out, "from", e->from);
	for (i = 0; i < e->nto; i++)
		ssmp_buf_line(out, "to", e->to[i]);
	ssmp_buf_line(out, "nonce", e->nonce);
	ssmp_buf_line(out, "s", e->selector);
}

int
ssmp_envelope_verify(const struct ssmp_envelope *e,
    const unsigned char pk[SSMP_PUBKEY_BYTES], struct ssmp_err *err)
{
	struct ssmp_buf in;

	ssmp_buf_init(&in);
	ssmp_envelope_signing_input(e, &in);
	return ssmp_wire_verify(&in, pk, e->sig, "envelope: ", err);
}

void
ssmp_envelope_encode(const struct ssmp_envelope *e, struct ssmp_buf *out)
{
	json_t *o = ssmp_json_object();

	ssmp_json_set_new(o, "v", json_integer(SSMP_VERSION));
	ssmp_json_set_str(o, "time", e->time);
	ssmp_json_set_str(o, "from", e->from);
	ssmp_json_set_strs(o, "to", e->to, e->nto);
	ssmp_json_set_str(o, "nonce", e->nonce);
	ssmp_json_set_str(o, "s", e->selector);
	ssmp_json_set_sig(o, "sig", e->sig);
	ssmp_json_dump(o, out);
}

/* the version first: other members may mean something else in v2 */
static int
envelope_from_json(json_t *o, void *arg, struct ssmp_err *err)
{
	struct ssmp_envelope *e = arg;

	if (ssmp_json_version(o, err) != 0 ||
	    ssmp_json_str(o, "time", e->time, sizeof(e->time), err) != 0 ||
	    ssmp_json_str(o, "from", e->from, sizeof(e->from), err) != 0 ||
	    ssmp_json_addrs(o, "to", e->to, &e->nto, err) != 0 ||
	    ssmp_json_str(o, "nonce", e->nonce, sizeof(e->nonce), err) != 0 ||
	    ssmp_json_str(o, "s", e->selector, sizeof(e->selector), err) != 0 ||
	    envelope_check(e, err) != 0)
		return -1;
	return ssmp_json_sig(o, "sig", e->sig, err);
}

int
ssmp_envelope_decode(const char *json, size_t len, struct ssmp_envelope *e,
    struct ssmp_err *err)
{
	memset(e, 0, sizeof(*e));
	return ssmp_json_decode(json, len, SSMP_ENVELOPE_JSON_MAX, "envelope: ",
	    envelope_from_json, e, err);
}
