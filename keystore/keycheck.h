/*
 * keycheck.h - what the daemons' -n checks of the keystore's side: the
 * domain keys (parse, mode, owner, the published records) and the
 * database directory.  Nothing is created or written.
 */
#ifndef KS_KEYCHECK_H
#define KS_KEYCHECK_H

#include "ssmp_config.h"
#include "ssmp_err.h"

/*
 * The key table loads: each file parses, is mode 0600 or stricter and
 * belongs to root or to the running user (keyfile.c): anyone else could
 * replace the key.
 */
int ks_check_keys(const struct ssmp_config *cfg, struct ssmp_err *err);
/*
 * Database: the directory exists and UserID may create files in it; the
 * LMDB files, if there, are UserID's to read and write (a keystore
 * created by root before the first start is the classic failure).
 */
int ks_check_database(const struct ssmp_config *cfg, struct ssmp_err *err);
/*
 * Each key against DNS, if DNS answers within 2 s: the key record
 * published and equal, not revoked; the policy's s= the signing
 * selector.  Every difference is passed to warn (the daemon would start
 * anyway: DNS may lag a rotation).  Returns the number of warnings.
 */
int ks_check_dns(const struct ssmp_config *cfg,
    void (*warn)(const char *msg));

#endif
