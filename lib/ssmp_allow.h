/*
 * ssmp_allow.h - the consent handshake request of SSMP/1 (ssmp.7, ALLOW).
 *
 * Wire form (POST .../allow, application/json):
 *   {"v":1,"type":"share|signup|withdraw","time":"...","from":"...",
 *    "to":"...","nonce":"...","s":"<selector>","sig":"<base64>"}
 * Signing input: the lines
 *   SSMP1-ALLOW\n type:T\n time:T\n from:F\n to:R\n nonce:N\n s:S\n
 * with every value exactly as sent.  "from" (a local user of the
 * requesting domain, whose key signs) asks to receive mail from "to" and
 * offers "to" the ability to send to it.  Like the envelope, decoding
 * checks syntax only; window, replay and signature are the receiver's.
 *
 * The answer is an ordinary status answer (ssmp_status.h) with one more
 * member, "allow": "pending|shared|subscribed|withdrawn".
 */
#ifndef SSMP_ALLOW_H
#define SSMP_ALLOW_H

#include "ssmp_addr.h"
#include "ssmp_buf.h"
#include "ssmp_crypto.h"
#include "ssmp_err.h"
#include "ssmp_limits.h"
#include "ssmp_status.h"
#include "ssmp_time.h"

#define SSMP_ALLOW_JSON_MAX	4096	/* allow request body */

enum ssmp_allow_type {
	SSMP_ALLOW_SHARE,	/* mutual consent between two users */
	SSMP_ALLOW_SIGNUP,	/* subscribe from to the list/role address to */
	SSMP_ALLOW_WITHDRAW	/* undo either */
};

enum ssmp_allow_state {
	SSMP_ALLOW_PENDING,	/* recorded; the other user has not agreed */
	SSMP_ALLOW_SHARED,	/* both sides agree: tier known */
	SSMP_ALLOW_SUBSCRIBED,	/* signup recorded */
	SSMP_ALLOW_WITHDRAWN
};

struct ssmp_allow {
	enum ssmp_allow_type type;
	char		time[SSMP_TIME_LEN + 1];
	struct ssmp_time tm;			/* parsed time */
	char		from[SSMP_ADDR_MAX + 1];	/* as sent */
	struct ssmp_addr from_addr;		/* canonical */
	char		to[SSMP_ADDR_MAX + 1];	/* as sent */
	struct ssmp_addr to_addr;		/* canonical */
	char		nonce[SSMP_NONCE_LEN + 1];
	char		selector[SSMP_SELECTOR_MAX + 1];
	unsigned char	sig[SSMP_SIG_BYTES];
};

const char *ssmp_allow_type_name(enum ssmp_allow_type t);
int ssmp_allow_type_parse(const char *s, enum ssmp_allow_type *t,
    struct ssmp_err *err);
const char *ssmp_allow_state_name(enum ssmp_allow_state s);
int ssmp_allow_state_parse(const char *s, enum ssmp_allow_state *st,
    struct ssmp_err *err);

/* Fill and sign.  t may be NULL for "now"; nonce NULL for a fresh one. */
int ssmp_allow_build(struct ssmp_allow *a, enum ssmp_allow_type type,
    const struct ssmp_time *t, const char *from, const char *to,
    const char *nonce, const char *selector, const struct ssmp_key *key,
    struct ssmp_err *err);
void ssmp_allow_signing_input(const struct ssmp_allow *a,
    struct ssmp_buf *out);
int ssmp_allow_verify(const struct ssmp_allow *a,
    const unsigned char pk[SSMP_PUBKEY_BYTES], struct ssmp_err *err);

/* JSON: compact, members in the order above. */
void ssmp_allow_encode(const struct ssmp_allow *a, struct ssmp_buf *out);
int ssmp_allow_decode(const char *json, size_t len, struct ssmp_allow *a,
    struct ssmp_err *err);

/*
 * The answer: {"v":1,"status":..,"code":..,"reason":..,"allow":"pending"}.
 * "allow" is present only when the status is accept.
 */
struct ssmp_allow_answer {
	struct ssmp_status	st;
	enum ssmp_allow_state	state;	/* meaningful if st.verdict accept */
};
void ssmp_allow_answer_encode(const struct ssmp_allow_answer *r,
    struct ssmp_buf *out);
int ssmp_allow_answer_decode(const char *json, size_t len,
    struct ssmp_allow_answer *r, struct ssmp_err *err);

#endif
