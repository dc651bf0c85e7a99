/*
 * ssmp_allow.c - the consent handshake request (share, signup, withdraw)
 * and its answer.
 *
 * Mirrors ssmp_envelope.c: building and decoding share allow_check, so a
 * requester never signs what a receiver would refuse as malformed.
 */
#include <string.h>

#include "ssmp_allow.h"
#include "ssmp_json.h"

static const char *const type_names[] = { "share", "signup", "withdraw" };
static const char *const state_names[] = { "pending", "shared",
    "subscribed", "withdrawn" };

#define NELEM(a)	(sizeof(a) / sizeof((a)[0]))

/* Look s up in names; the error lists them all: "'x' is not a, b or c". */
static int
lookup(const char *const *names, size_t n, const char *s, const char *what,
    struct ssmp_err *err)
{
	char	list[64] = "";
	size_t	i;

	for (i = 0; i < n; i++)
		if (strcmp(names[i], s) == 0)
			return (int)i;
	for (i = 0; i < n; i++)
		snprintf(list + strlen(list), sizeof(list) - strlen(list),
		    "%s%s", i == 0 ? "" : i + 1 < n ? ", " : " or ", names[i]);
	return ssmp_err_set(err, "%s: '%.20s' is not %s", what, s, list);
}

const char *
ssmp_allow_type_name(enum ssmp_allow_type t)
{
	return (size_t)t < NELEM(type_names) ? type_names[t] : "unknown";
}

int
ssmp_allow_type_parse(const char *s, enum ssmp_allow_type *t,
    struct ssmp_err *err)
{
	int i = lookup(type_names, NELEM(type_names), s, "type", err);

	if (i >= 0)
		*t = (enum ssmp_allow_type)i;
	return i < 0 ? -1 : 0;
}

const char *
ssmp_allow_state_name(enum ssmp_allow_state s)
{
	return (size_t)s < NELEM(state_names) ? state_names[s] : "unknown";
}

int
ssmp_allow_state_parse(const char *s, enum ssmp_allow_state *st,
    struct ssmp_err *err)
{
	int i = lookup(state_names, NELEM(state_names), s, "allow", err);

	if (i >= 0)
		*st = (enum ssmp_allow_state)i;
	return i < 0 ? -1 : 0;
}

static int
allow_check(struct ssmp_allow *a, struct ssmp_err *err)
{
	if (ssmp_field_time("time", a->time, &a->tm, err) != 0 ||
	    ssmp_field_addr("from", a->from, &a->from_addr, err) != 0 ||
	    ssmp_field_addr("to", a->to, &a->to_addr, err) != 0 ||
	    ssmp_field_nonce("nonce", a->nonce, err) != 0 ||
	    ssmp_field_selector("s", a->selector, err) != 0)
		return -1;
	return 0;
}

int
ssmp_allow_build(struct ssmp_allow *a, enum ssmp_allow_type type,
    const struct ssmp_time *t, const char *from, const char *to,
    const char *nonce, const char *selector, const struct ssmp_key *key,
    struct ssmp_err *err)
{
	struct ssmp_time	now;
	struct ssmp_buf		in;

	memset(a, 0, sizeof(*a));
	if ((size_t)type >= NELEM(type_names))
		return ssmp_err_set(err, "allow: member 'type': unknown type "
		    "%d", (int)type);
	a->type = type;
	if (t == NULL) {
		ssmp_time_now(&now);
		t = &now;
	}
	if (nonce == NULL)
		ssmp_nonce_new(a->nonce);
	else if (ssmp_field_copy("nonce", nonce, a->nonce, sizeof(a->nonce),
	    err) != 0)
		return ssmp_err_prefix(err, "allow: ");
	if (ssmp_time_format(t, a->time, err) != 0 ||
	    ssmp_field_copy("from", from, a->from, sizeof(a->from), err) != 0 ||
	    ssmp_field_copy("to", to, a->to, sizeof(a->to), err) != 0 ||
	    ssmp_field_copy("s", selector, a->selector, sizeof(a->selector),
	    err) != 0 ||
	    allow_check(a, err) != 0)
		return ssmp_err_prefix(err, "allow: ");
	ssmp_buf_init(&in);
	ssmp_allow_signing_input(a, &in);
	ssmp_wire_sign(&in, key, a->sig);
	return 0;
}

void
ssmp_allow_signing_input(const struct ssmp_allow *a, struct ssmp_buf *out)
{
	ssmp_buf_reset(out);
	ssmp_buf_adds(out, SSMP_VERSION_TAG "-ALLOW\n");
	ssmp_buf_line(out, "type", ssmp_allow_type_name(a->type));
	ssmp_buf_line(out, "time", a->time);
	ssmp_buf_line(out, "from", a->from);
	ssmp_buf_line(out, "to", a->to);
	ssmp_buf_line(out, "nonce", a->nonce);
	ssmp_buf_line(out, "s", a->selector);
}

int
ssmp_allow_verify(const struct ssmp_allow *a,
    const unsigned char pk[SSMP_PUBKEY_BYTES], struct ssmp_err *err)
{
	struct ssmp_buf in;

	ssmp_buf_init(&in);
	ssmp_allow_signing_input(a, &in);
	return ssmp_wire_verify(&in, pk, a->sig, "allow: ", err);
}

void
ssmp_allow_encode(const struct ssmp_allow *a, struct ssmp_buf *out)
{
	json_t *o = ssmp_json_object();

	ssmp_json_set_new(o, "v", json_integer(SSMP_VERSION));
	ssmp_json_set_str(o, "type", ssmp_allow_type_name(a->type));
	ssmp_json_set_str(o, "time", a->time);
	ssmp_json_set_str(o, "from", a->from);
	ssmp_json_set_str(o, "to", a->to);
	ssmp_json_set_str(o, "nonce", a->nonce);
	ssmp_json_set_str(o, "s", a->selector);
	ssmp_json_set_sig(o, "sig", a->sig);
	ssmp_json_dump(o, out);
}

static int
decode_type(json_t *o, enum ssmp_allow_type *t, struct ssmp_err *err)
{
	char word[16];

	if (ssmp_json_str(o, "type", word, sizeof(word), err) != 0)
		return -1;
	if (ssmp_allow_type_parse(word, t, err) != 0)
		return ssmp_json_member_err(err, "type");
	return 0;
}

static int
allow_from_json(json_t *o, void *arg, struct ssmp_err *err)
{
	struct ssmp_allow *a = arg;

	if (ssmp_json_version(o, err) != 0 ||
	    decode_type(o, &a->type, err) != 0 ||
	    ssmp_json_str(o, "time", a->time, sizeof(a->time), err) != 0 ||
	    ssmp_json_str(o, "from", a->from, sizeof(a->from), err) != 0 ||
	    ssmp_json_str(o, "to", a->to, sizeof(a->to), err) != 0 ||
	    ssmp_json_str(o, "nonce", a->nonce, sizeof(a->nonce), err) != 0 ||
	    ssmp_json_str(o, "s", a->selector, sizeof(a->selector), err) != 0 ||
	    allow_check(a, err) != 0)
		return -1;
	return ssmp_json_sig(o, "sig", a->sig, err);
}

int
ssmp_allow_decode(const char *json, size_t len, struct ssmp_allow *a,
    struct ssmp_err *err)
{
	memset(a, 0, sizeof(*a));
	return ssmp_json_decode(json, len, SSMP_ALLOW_JSON_MAX, "allow: ",
	    allow_from_json, a, err);
}

void
ssmp_allow_answer_encode(const struct ssmp_allow_answer *r,
    struct ssmp_buf *out)
{
	json_t *o = ssmp_json_object();

	ssmp_json_set_new(o, "v", json_integer(SSMP_VERSION));
	ssmp_status_to_json(o, &r->st);
	if (r->st.verdict == SSMP_ACCEPT)
		ssmp_json_set_str(o, "allow", ssmp_allow_state_name(r->state));
	ssmp_json_dump(o, out);
}

static int
answer_from_json(json_t *o, void *arg, struct ssmp_err *err)
{
	struct ssmp_allow_answer	*r = arg;
	char				 word[16];

	if (ssmp_json_version(o, err) != 0 ||
	    ssmp_status_from_json(o, &r->st, err) != 0)
		return -1;
	if (r->st.verdict != SSMP_ACCEPT)
		return 0;
	if (ssmp_json_str(o, "allow", word, sizeof(word), err) != 0)
		return -1;
	if (ssmp_allow_state_parse(word, &r->state, err) != 0)
		return ssmp_json_member_err(err, "allow");
	return 0;
}

int
ssmp_allow_answer_decode(const char *json, size_t len,
    struct ssmp_allow_answer *r, struct ssmp_err *err)
{
	memset(r, 0, sizeof(*r));
	return ssmp_json_decode(json, len, SSMP_ALLOW_JSON_MAX,
	    "allow answer: ", answer_from_json, r, err);
}
