/*
 * ssmp_limits.h - protocol limits of SSMP/1 (man/ssmp.7, LIMITS).
 * Changing one of these changes the protocol; keep ssmp.7 in step.
 */
#ifndef SSMP_LIMITS_H
#define SSMP_LIMITS_H

#define SSMP_VERSION		1
#define SSMP_VERSION_TAG	"SSMP1"
#define SSMP_PATH_PREFIX	"/.well-known/ssmp/v1/"

#define SSMP_LOCAL_MAX		64	/* octets in a local part (RFC 5321) */
#define SSMP_DOMAIN_MAX		253	/* octets in a domain, no final dot */
#define SSMP_LABEL_MAX		63	/* octets in one DNS label */
#define SSMP_ADDR_MAX		254	/* octets in local@domain */
#define SSMP_SELECTOR_MAX	63	/* a selector is one DNS label */
#define SSMP_HOST_MAX		(SSMP_DOMAIN_MAX + 6)	/* host[:port] */
#define SSMP_TIME_LEN		20	/* YYYYmmddHHMMSSffffff */
#define SSMP_NONCE_BYTES	16
#define SSMP_NONCE_LEN		22	/* base64url, no padding */
#define SSMP_MSGID_MAX		250	/* Message-ID value incl. <> */
#define SSMP_REASON_MAX		200	/* human text in a status */
#define SSMP_MAX_RCPT		100	/* recipients in one envelope */
#define SSMP_TXT_MAX		255	/* one TXT character-string */
#define SSMP_POLICY_TXT_MAX	512	/* a whole policy record */
#define SSMP_RUA_MAX		256	/* rua= value of a policy record */
#define SSMP_ENVELOPE_JSON_MAX	65536	/* envelope request body */
#define SSMP_HTTP_HEADER_MAX	16384	/* all request header lines */
#define SSMP_WINDOW_DEFAULT	300	/* seconds of allowed clock skew */
#define SSMP_ENVELOPE_TTL	900	/* seconds a receiver keeps an envelope */

#define SSMP_PUBKEY_BYTES	32	/* Ed25519 */
#define SSMP_SECKEY_BYTES	64	/* libsodium's seed||pk form */
#define SSMP_SEED_BYTES		32
#define SSMP_SIG_BYTES		64
#define SSMP_HASH_BYTES		32	/* SHA-256 */
#define SSMP_HASH_HEX		64
#define SSMP_PUBKEY_B64		44	/* standard base64 with padding */
#define SSMP_SIG_B64		88

#endif
