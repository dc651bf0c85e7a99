/*
 * ssmp_status.h - outcomes of SSMP/1 requests and their JSON answers.
 *
 * Every answer carries an HTTP status and an enhanced mail status code
 * (RFC 3463).  The class digit of the enhanced code is authoritative:
 * 2 accepted, 4 temporary (try again later), 5 permanent.  A milter maps
 * it to SMTP without guessing; temporary and permanent never mix.
 */
#ifndef SSMP_STATUS_H
#define SSMP_STATUS_H

#include <stdbool.h>

#include "ssmp_buf.h"
#include "ssmp_err.h"
#include "ssmp_limits.h"
#include "ssmp_receipt.h"
#include "ssmp_rtype.h"

enum ssmp_verdict { SSMP_ACCEPT = 2, SSMP_TEMPFAIL = 4, SSMP_REJECT = 5 };

/* The named outcomes of ssmp.7 STATUS CODES, with fixed code and HTTP. */
enum ssmp_outcome {
	SSMP_OK,		/* 200 2.0.0 accepted */
	SSMP_RCPT_OK,		/* 200 2.1.5 recipient accepted */
	SSMP_BAD_SYNTAX,	/* 400 5.5.2 malformed request */
	SSMP_BAD_VERSION,	/* 400 5.5.4 unsupported version */
	SSMP_BAD_TIME,		/* 403 4.7.0 time outside window */
	SSMP_REPLAY,		/* 409 5.7.0 nonce seen before */
	SSMP_BAD_SIG,		/* 403 5.7.5 envelope signature invalid */
	SSMP_BAD_BODY,		/* 403 5.7.7 body does not match signature */
	SSMP_NO_KEY,		/* 403 5.7.5 selector not published */
	SSMP_KEY_REVOKED,	/* 403 5.7.5 selector revoked (p= empty) */
	SSMP_KEY_TEMP,		/* 503 4.4.3 sender key lookup failed */
	SSMP_NOT_ALLOWED,	/* 200 5.7.1 sender not in allow-list */
	SSMP_BLOCKED,		/* 200 5.7.1 sender blocked */
	SSMP_NO_USER,		/* 200 5.1.1 no such recipient */
	SSMP_WRONG_DOMAIN,	/* 403 5.1.2 domain not served here */
	SSMP_TOO_BIG,		/* 413 5.3.4 message too big */
	SSMP_RATE_LIMIT,	/* 429 4.7.0 rate limit */
	SSMP_NO_ENVELOPE,	/* 404 4.5.0 unknown or expired envelope */
	SSMP_MTA_TEMP,		/* 503 4.3.0 local MTA unavailable / 4xx */
	SSMP_MTA_PERM,		/* 422 5.6.0 local MTA refused (code passed on) */
	SSMP_INTERNAL,		/* 500 4.3.0 receiver internal error */
	SSMP_LENGTH_REQUIRED,	/* 411 5.5.2 Content-Length missing */
	SSMP_NO_ENDPOINT,	/* 404 5.5.1 unknown endpoint */
	SSMP_BAD_METHOD,	/* 405 5.5.1 method not allowed */
	SSMP_JSON_TOO_BIG,	/* 413 5.5.2 envelope/consent JSON too big */
	SSMP_KEY_UNKNOWN,	/* 404 5.7.5 key endpoint: no such key */
	SSMP_OUTCOME_COUNT
};

struct ssmp_status {
	enum ssmp_verdict verdict;
	int		http;
	char		code[16];		/* "5.7.1" */
	char		reason[SSMP_REASON_MAX + 1];
	/*
	 * "delivering":true of ssmp.7: the receiver may have the message
	 * (a delivery is under way, or its outcome is unknown), so the
	 * sender retries and never delivers it another way.
	 */
	bool		delivering;
	/*
	 * Never on the wire: the sender's class of a failure for delivery
	 * reports, set where the failure happened (NONE: the receiver's
	 * own answer, or not classified).
	 */
	enum ssmp_rtype	rtype;
};

/* reason NULL uses the outcome's default text. */
void ssmp_status_set(struct ssmp_status *st, enum ssmp_outcome o,
    const char *reason);
/* A temporary answer saying the receiver may have the message. */
void ssmp_status_set_delivering(struct ssmp_status *st, const char *reason);
/*
 * Replace the code (and verdict) with another one, e.g. the local MTA's
 * own 4.x.x/5.x.x for SSMP_MTA_TEMP / SSMP_MTA_PERM.  -1 if not X.Y.Z.
 */
int ssmp_status_set_code(struct ssmp_status *st, const char *code,
    struct ssmp_err *err);
/* Parse "X.Y.Z" (class 2, 4 or 5; subject and detail 0..999). */
int ssmp_status_code_parse(const char *code, enum ssmp_verdict *v,
    struct ssmp_err *err);
const char *ssmp_verdict_name(enum ssmp_verdict v);	/* accept|tempfail|reject */

struct ssmp_rcpt_result {
	char			to[SSMP_ADDR_MAX + 1];
	struct ssmp_status	st;
};

/*
 * An answer body:
 *   {"v":1,"status":"accept","code":"2.0.0","reason":"...",
 *    "rcpt":[{"to":..,"status":..,"code":..,"reason":..}],
 *    "receipt":{...}}
 * rcpt and receipt are optional members.  Decoding leaves st.http 0
 * (HTTP status is the transport's) and refuses a "status" word that
 * disagrees with the code's class.
 */
#define SSMP_RESPONSE_JSON_MAX	262144	/* 100 rcpt results + a receipt */

struct ssmp_response {
	struct ssmp_status	st;
	int			nrcpt;
	struct ssmp_rcpt_result	rcpt[SSMP_MAX_RCPT];
	bool			has_receipt;
	struct ssmp_receipt	receipt;
};

void ssmp_response_encode(const struct ssmp_response *r, struct ssmp_buf *out);
int ssmp_response_decode(const char *json, size_t len,
    struct ssmp_response *r, struct ssmp_err *err);

#endif
