/*
 * ctl_user.h - ssmpctl run as root acts as UserID (issue 16.5): a
 * keystore file root created would lock the daemons out ("open:
 * Permission denied").  The key table is read first (the key files stay
 * root's), then root is dropped for good before the keystore is opened,
 * so every file ssmpctl creates belongs to the daemons' user.
 */
#ifndef KS_CTL_USER_H
#define KS_CTL_USER_H

#include "keytable.h"
#include "ssmp_config.h"
#include "ssmp_err.h"

/*
 * As root with UserID set (else fallback, if not NULL): read the keys,
 * become that user (exits on error).  `check` passes "nobody": it parses
 * what a remote domain's DNS and HTTPS server answer, which root should
 * never do.
 */
void ctl_become_user(const struct ssmp_config *cfg, const char *fallback);

/*
 * The key table (one reference): the one read before the drop, or read
 * now.  -1 with err (the load's own error) if there is none.
 */
int ctl_keys(const struct ssmp_config *cfg, struct ks_keytable **out,
    struct ssmp_err *err);

#endif
