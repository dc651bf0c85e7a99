/*
 * outbound.h - is this mail ours to upgrade?
 *
 * Only mail leaving the domain is touched: from InternalHosts, from an
 * authenticated client ({auth_authen}), or local submission (sendmail(1)
 * and pickup, which Postfix presents as a connection from 127.0.0.1).
 * Anything else passes untouched, without a single DNS lookup.
 */
#ifndef SSMP_MILTER_OUTBOUND_H
#define SSMP_MILTER_OUTBOUND_H

#include <stddef.h>
#include <sys/socket.h>

#include "ssmp_confparse.h"

enum ob_kind {
	OB_NO = 0,	/* inbound or relayed: hands off */
	OB_INTERNAL,	/* client address in InternalHosts */
	OB_LOCAL,	/* loopback or no address: may be non_smtpd_milters */
	OB_AUTH		/* SMTP AUTH ({auth_authen} set) */
};

/* At connect time. */
enum ob_kind outbound_connect(const struct ssmp_cidr *nets, size_t nnets,
    const struct sockaddr *sa);
/* At MAIL FROM: an authenticated client makes an otherwise foreign one ours. */
enum ob_kind outbound_mail(enum ob_kind conn, const char *auth_authen);
/*
 * Local submissions are decided at end of message only: Postfix's
 * non_smtpd_milters must not reject or tempfail at RCPT.
 */
int outbound_rcpt_decides(enum ob_kind k);
const char *outbound_name(enum ob_kind k);

#endif
