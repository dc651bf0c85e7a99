/*
 * ssmp_rtype.h - the result types of SSMP delivery reports (ssmp.7,
 * DELIVERY REPORTS): what went wrong with one delivery attempt, as a
 * sender can tell.  A sender classifies each failure once, where it
 * happens (DNS, connection, TLS, HTTP, the receiver's answer); the
 * outbound client carries the class in struct ssmp_status, never on
 * the wire.
 */
#ifndef SSMP_RTYPE_H
#define SSMP_RTYPE_H

#include <stdbool.h>

enum ssmp_rtype {
	SSMP_RT_NONE = 0,		/* not classified (yet) */
	SSMP_RT_DNS_TEMP,		/* dns-temporary: _ssmp lookup failed */
	SSMP_RT_DNSSEC_BOGUS,		/* dnssec-bogus */
	SSMP_RT_RECEIPT_KEY,		/* receipt-key: receiver's key unusable */
	SSMP_RT_HOST_ADDRESS,		/* host-address: h= has no address */
	SSMP_RT_TCP,			/* tcp-connect */
	SSMP_RT_CERT_HOST,		/* certificate-host-mismatch */
	SSMP_RT_CERT_EXPIRED,		/* certificate-expired */
	SSMP_RT_CERT_UNTRUSTED,		/* certificate-not-trusted */
	SSMP_RT_TLS,			/* tls-failure: other handshake trouble */
	SSMP_RT_HTTP,			/* http-protocol: not an SSMP answer */
	SSMP_RT_TIMEOUT,		/* timeout */
	SSMP_RT_REFUSED,		/* refused: the receiver's status code */
	SSMP_RT_OUTCOME_UNKNOWN,	/* outcome-unknown: no valid receipt */
	SSMP_RT_SENDER,			/* sender-internal: our own trouble */
	SSMP_RT_COUNT
};

/* "dns-temporary" ...; "?" out of range. */
const char *ssmp_rtype_name(enum ssmp_rtype t);
/* The type named s (1..SSMP_RT_COUNT-1), or -1. */
int ssmp_rtype_parse(const char *s, enum ssmp_rtype *t);
/* Words for people: "TLS certificate expired". */
const char *ssmp_rtype_text(enum ssmp_rtype t);

#endif
