/*
 * ssmp_json.h - strict JSON decoding and field checks for the wire modules.
 *
 * Internal to libssmp (envelope, receipt, status, allow): the public
 * headers stay free of jansson.  Decoding is strict so that two parsers
 * never see different requests in one text: duplicate members, bytes
 * outside printable ASCII in strings, oversize input and wrong types are
 * all errors naming the member ("member 'to': must be an array of 1..100
 * strings").  Unknown members are ignored (forward compatibility).
 */
#ifndef SSMP_JSON_H
#define SSMP_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <jansson.h>

#include "ssmp_addr.h"
#include "ssmp_buf.h"
#include "ssmp_err.h"
#include "ssmp_limits.h"
#include "ssmp_time.h"

/*
 * Parse a JSON object of at most max octets; duplicate members refused.
 * Returns a new reference or NULL with err set (no context prefix).
 */
json_t *ssmp_json_parse(const char *json, size_t len, size_t max,
    struct ssmp_err *err);

/*
 * "v" must be the integer SSMP_VERSION.  Another integer gives an error
 * starting with "unsupported version", which ssmp_err_is_version()
 * recognises (after any "envelope: " style prefix) so a server can answer
 * 5.5.4 instead of 5.5.2.
 */
int ssmp_json_version(json_t *obj, struct ssmp_err *err);
bool ssmp_err_is_version(const struct ssmp_err *err);

/*
 * Turn a checker's "nonce: bad" into "member 'nonce': bad" (the checker's
 * own prefix is dropped when it repeats the member name).  Returns -1.
 */
int ssmp_json_member_err(struct ssmp_err *err, const char *name);

/*
 * Copy member `name` (a string of 1..outsz-1 printable ASCII octets).
 * ssmp_json_str_opt leaves out empty and returns 0 when the member is
 * absent; an empty string is allowed there.
 */
int ssmp_json_str(json_t *obj, const char *name, char *out, size_t outsz,
    struct ssmp_err *err);
int ssmp_json_str_opt(json_t *obj, const char *name, char *out, size_t outsz,
    struct ssmp_err *err);

/* Member `name` must be an array of min..max elements; returns it or NULL. */
json_t *ssmp_json_array(json_t *obj, const char *name, size_t min,
    size_t max, struct ssmp_err *err);

/* Copy a string array element; errors name it "member 'to[3]'". */
int ssmp_json_elem_str(json_t *arr, const char *name, size_t i, char *out,
    size_t outsz, struct ssmp_err *err);

/* An array of 1..SSMP_MAX_RCPT address strings (checked later). */
int ssmp_json_addrs(json_t *obj, const char *name,
    char (*out)[SSMP_ADDR_MAX + 1], int *n, struct ssmp_err *err);

/* Standard base64 of exactly 64 bytes; `what` names it in errors. */
int ssmp_sig_decode(const char *b64, const char *what,
    unsigned char sig[SSMP_SIG_BYTES], struct ssmp_err *err);
/* Decode the standard base64 Ed25519 signature in member `name`. */
int ssmp_json_sig(json_t *obj, const char *name,
    unsigned char sig[SSMP_SIG_BYTES], struct ssmp_err *err);

/*
 * Field checks shared by decoders and builders.  Each names the member in
 * its error ("member 'time': month 13 out of range").
 */
int ssmp_field_copy(const char *name, const char *in, char *out,
    size_t outsz, struct ssmp_err *err);
int ssmp_field_time(const char *name, const char *in, struct ssmp_time *tm,
    struct ssmp_err *err);
int ssmp_field_addr(const char *name, const char *in, struct ssmp_addr *a,
    struct ssmp_err *err);
int ssmp_field_nonce(const char *name, const char *in, struct ssmp_err *err);
int ssmp_field_selector(const char *name, const char *in,
    struct ssmp_err *err);
int ssmp_field_domain(const char *name, const char *in, struct ssmp_err *err);
int ssmp_field_msgid(const char *name, const char *in, struct ssmp_err *err);
int ssmp_field_hash(const char *name, const char *in, struct ssmp_err *err);

/*
 * A recipient list as sent: 1..SSMP_MAX_RCPT valid addresses, one domain,
 * none twice (canonical comparison).  addrs, if not NULL, receives the
 * canonical forms; domain, if not NULL, must match every recipient's.
 */
int ssmp_field_rcpts(const char *name, char (*to)[SSMP_ADDR_MAX + 1],
    int nto, struct ssmp_addr *addrs, const char *domain,
    struct ssmp_err *err);

/*
 * Building objects; these abort on out-of-memory like ssmp_xmalloc.
 * Strings are forced to printable ASCII ('?' for anything else).
 */
json_t *ssmp_json_object(void);
void ssmp_json_set_new(json_t *obj, const char *name, json_t *v);
void ssmp_json_set_str(json_t *obj, const char *name, const char *value);
void ssmp_json_set_strs(json_t *obj, const char *name,
    const char (*v)[SSMP_ADDR_MAX + 1], int n);
/* Add the signature member in standard base64. */
void ssmp_json_set_sig(json_t *obj, const char *name,
    const unsigned char sig[SSMP_SIG_BYTES]);
/* Dump compact with members in insertion order, then drop obj. */
void ssmp_json_dump(json_t *obj, struct ssmp_buf *out);

/*
 * Parse text of at most max octets and hand the object to fill(o, obj,
 * err); errors get the prefix what ("envelope: ").  The one decoding
 * path of every wire object.
 */
int ssmp_json_decode(const char *json, size_t len, size_t max,
    const char *what, int (*fill)(json_t *, void *, struct ssmp_err *),
    void *obj, struct ssmp_err *err);

/*
 * Sign or verify a signing input built in `in`, which is then freed.
 * Verification errors get the prefix what.
 */
struct ssmp_key;
void ssmp_wire_sign(struct ssmp_buf *in, const struct ssmp_key *key,
    unsigned char sig[SSMP_SIG_BYTES]);
int ssmp_wire_verify(struct ssmp_buf *in,
    const unsigned char pk[SSMP_PUBKEY_BYTES],
    const unsigned char sig[SSMP_SIG_BYTES], const char *what,
    struct ssmp_err *err);

/* Shared between receipt.c and status.c: the receipt object itself. */
struct ssmp_receipt;
json_t *ssmp_receipt_to_json(const struct ssmp_receipt *r);
int ssmp_receipt_from_json(json_t *obj, struct ssmp_receipt *r,
    struct ssmp_err *err);

/*
 * Shared between ssmp_status.c and ssmp_allow.c: the "status", "code" and "reason"
 * members of an answer (decoding refuses a status word that disagrees
 * with the code class; http is left 0).
 */
struct ssmp_status;
void ssmp_status_to_json(json_t *obj, const struct ssmp_status *st);
int ssmp_status_from_json(json_t *obj, struct ssmp_status *st,
    struct ssmp_err *err);

#endif
