/*
 * keyproc.h - the key process: the one process that reads the domains'
 * private key files and holds the keys, as OpenSMTPD's ca process holds
 * its TLS keys.  The daemon forks it before any thread exists and talks
 * to it over a socketpair, one request at a time:
 *
 *	table	the key table, public halves only (KEYPROC_SIGN) or whole
 *		(KEYPROC_EXPORT); the first answer also reports start-up
 *		errors (a key file that does not load)
 *	reload	read the configuration's key settings and key files again;
 *		the new table, or the error with the old one kept
 *	receipt	sign a receipt (KEYPROC_SIGN) with the domain's key of
 *		the selector asked for if the table still has it (a request
 *		that began before a reload), else its active one; the key
 *		process sets the time, checks every field and signs; nothing
 *		else is ever signed for ssmpd but allow requests
 *	allow	build and sign an allow request (type, from, to) as from's
 *		domain: the nonce and time are the key process's own
 *	report	sign a delivery report's SHA-256 as its domain's active key
 *		(both modes; its signing input is the report's own)
 *
 * ssmpd uses KEYPROC_SIGN: its network process never maps a private key.
 * ssmp-milter signs mail itself (that is its job) and uses
 * KEYPROC_EXPORT only so that key files may stay root:root 0600 and a
 * reload still reads them after the milter dropped root.
 *
 * The key process: stdin/stdout/stderr and its socket are its only
 * descriptors; no core file and not dumpable (no ptrace or /proc/PID/mem
 * by the daemon's user); started as root it becomes UserID keeping only
 * CAP_DAC_READ_SEARCH (to read root-only key files on reload); a seccomp
 * filter denies sockets, sending to addresses, exec, new processes,
 * ptrace and opening files for writing (ssmp_sandbox.h); key memory is
 * locked and wiped.  It ignores SIGHUP, SIGINT and SIGTERM (a stopping
 * daemon still needs receipts for the requests it drains) and exits when
 * the daemon closes the socket.
 */
#ifndef KS_KEYPROC_H
#define KS_KEYPROC_H

#include <stdbool.h>
#include <sys/types.h>

#include "keytable.h"
#include "ssmp_allow.h"
#include "ssmp_config.h"
#include "ssmp_err.h"
#include "ssmp_receipt.h"
#include "ssmp_report.h"

enum keyproc_mode {
	KEYPROC_SIGN,		/* signs receipts and allow requests */
	KEYPROC_EXPORT		/* hands out the whole table, signs nothing */
};

struct keyproc;

/*
 * Fork the key process.  cfg is the configuration already loaded (the
 * first table comes from it); conf is its path, read again on reload;
 * user is UserID (NULL: stay who we are).  *table gets the first table
 * (one reference).  In KEYPROC_EXPORT mode a configuration without keys
 * gives an empty table; in KEYPROC_SIGN mode it is an error.  On any
 * error the process is gone and err says why.
 */
int keyproc_start(const struct ssmp_config *cfg, const char *conf,
    const char *user, enum keyproc_mode mode, struct keyproc **out,
    struct ks_keytable **table, struct ssmp_err *err);

/* Reload: 0 and *table (one reference), or -1 (err) with nothing changed. */
int keyproc_reload(struct keyproc *kp, struct ks_keytable **table,
    struct ssmp_err *err);

/*
 * Sign r (domain, selector wished, from, nonce, msgid, body, to filled
 * in); the selector used and the time are set by the key process.  Thread-safe (one request at a
 * time).  -1 with err: no key for r->domain, a bad field, or the key
 * process is gone.
 */
int keyproc_sign_receipt(struct keyproc *kp, struct ssmp_receipt *r,
    struct ssmp_err *err);

/* An allow request from -> to of type, built and signed; thread-safe. */
int keyproc_sign_allow(struct keyproc *kp, enum ssmp_allow_type type,
    const char *from, const char *to, struct ssmp_allow *out,
    struct ssmp_err *err);

/*
 * Sign a delivery report whose SHA-256 (hex) is hash as s->domain: the
 * key process fills the selector, time and signature.  Thread-safe.
 */
int keyproc_sign_report(struct keyproc *kp, struct ssmp_rsig *s,
    const char *hash, struct ssmp_err *err);

pid_t keyproc_pid(const struct keyproc *kp);
/* false once the process exited or its socket failed (the daemon stops). */
bool keyproc_alive(struct keyproc *kp);
/* Close the socket (the process exits) and reap it. */
void keyproc_stop(struct keyproc *kp);

#endif
